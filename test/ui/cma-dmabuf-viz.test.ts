/**
 * The CMA and dma-buf views' pure helpers (src/ui/viz/cma.ts, dmabuf.ts) on
 * snapshots and events from real runs of library scenarios: page states,
 * the grid layout, migrations, busy candidates and the failure; the eras of
 * dma_buf_map_attachment, cached mappings and what each step did.
 */
import { describe, expect, it } from 'vitest';
import { ALLOCATED, BORROWED, FREE, PAGE, cellOf, cmaCounts, cmaGrid, cmaPages, cmaStep, gridLayout, rangeOutline } from '../../src/ui/viz/cma.ts';
import { cachedWhy, dirShort, dmaKind, dmabufStep, kernelAtLeast, kernelVersion, mapEra, opWords } from '../../src/ui/viz/dmabuf.ts';
import { library, stepped } from './engine-fixtures.ts';

function stepOf(run: ReturnType<typeof stepped>, source: string, from = 0): number {
  const i = run.steps.findIndex((s, k) => k >= from && s.source.includes(source));
  if (i < 0) throw new Error(`no step with ${source}`);
  return i + 1;
}

describe('cma-migrate-movable.dma', () => {
  const run = stepped(library('cma-migrate-movable'));
  const borrow = stepOf(run, 'pc = alloc_movable');
  const alloc = stepOf(run, 'c = dma_alloc_from_contiguous');

  it('lent pages belong to the movable buffer', () => {
    const p = cmaPages(run.snapshots[borrow]!.cma!);
    expect(p.pages).toBe(4096);
    expect([...p.state.slice(0, 5)]).toEqual([BORROWED, BORROWED, BORROWED, BORROWED, FREE]);
    expect(p.owner.slice(0, 4)).toEqual(['pc', 'pc', 'pc', 'pc']);
    expect(cmaCounts(p)).toEqual({ free: 4092, allocated: 0, borrowed: 4, pinned: 0 });
    expect(cmaStep(run.steps[borrow - 1]!.events).borrow).toEqual([{ pfn: p.base / PAGE, count: 4 }]);
  });

  it('the allocation migrates every lent page out of its range, then claims it', () => {
    const snap = run.snapshots[alloc]!;
    const p = cmaPages(snap.cma!);
    expect([...p.state.slice(0, 5)]).toEqual([ALLOCATED, ALLOCATED, ALLOCATED, ALLOCATED, FREE]);
    const owner = (phys: number) => snap.buffers.find((b) => b.pieces.some((x) => phys >= x.phys && phys < x.phys + x.len))?.name ?? null;
    const s = cmaStep(run.steps[alloc - 1]!.events, owner);
    expect(s.migrations).toHaveLength(4);
    const base = p.base / PAGE;
    expect(s.migrations.map((m) => m.from)).toEqual([base, base + 1, base + 2, base + 3]);
    for (const m of s.migrations) {
      expect(m.owner).toBe('pc');
      expect(m.to * PAGE >= p.base + p.pages * PAGE || m.to * PAGE < p.base).toBe(true);
    }
    expect(s.alloc).toEqual([{ pfn: base, count: 4 }]);
  });

  it('lays the area out as a grid with one page per cell', () => {
    const p = cmaPages(run.snapshots[alloc]!.cma!);
    const lay = gridLayout(p.pages, 460, 200);
    expect(lay.perCell).toBe(1);
    expect(lay.cols).toBe(128);
    expect(lay.cellW).toBeGreaterThanOrEqual(3);
    const g = cmaGrid(p, lay.cols, lay.perCell);
    expect(g.rows * lay.cellH).toBeLessThanOrEqual(200);
    expect(g.state[0]).toBe(ALLOCATED);
    expect(cellOf(p, g, p.base / PAGE + 130)).toBe(130);
    expect(cellOf(p, g, p.base / PAGE - 1)).toBeNull();
  });
});

describe('cma-pinned-busy-retry.dma', () => {
  const run = stepped(library('cma-pinned-busy-retry'));
  const retry = stepOf(run, 'a = dma_alloc_from_contiguous');
  const fail = stepOf(run, 'b = dma_alloc_from_contiguous');

  it('a pinned page makes its candidate busy; the next candidate is taken', () => {
    const snap = run.snapshots[retry]!;
    const p = cmaPages(snap.cma!);
    const s = cmaStep(run.steps[retry - 1]!.events);
    const base = p.base / PAGE;
    expect(s.busy).toEqual([{ pfn: base, count: 256 }]);
    expect(s.alloc).toEqual([{ pfn: base + 256, count: 256 }]);
    expect(p.pins[1]).toBe(1);
    expect(cmaCounts(p).pinned).toBe(1);
  });

  it('when no candidate is left the allocation fails', () => {
    const s = cmaStep(run.steps[fail - 1]!.events);
    expect(s.fail).toHaveLength(1);
    expect(s.fail[0]!.count).toBe(256);
    expect(run.steps[fail - 1]!.warnings.some((w) => /alloc failed/.test(w))).toBe(true);
  });

  it('small areas get bigger cells; huge ones several pages per cell', () => {
    expect(gridLayout(512, 460, 200)).toMatchObject({ cols: 64, perCell: 1 });
    const big = gridLayout(65536, 460, 200);
    expect(big.perCell).toBeGreaterThan(1);
    expect(Math.ceil(65536 / big.perCell / big.cols) * big.cellH).toBeLessThanOrEqual(200);
  });

  it('outlines a range of cells as one shape', () => {
    expect(rangeOutline(2, 5, 8)).toEqual([[2, 0], [6, 0], [6, 1], [2, 1]]);
    expect(rangeOutline(0, 15, 8)).toEqual([[0, 0], [8, 0], [8, 2], [0, 2]]);
    expect(rangeOutline(3, 10, 8)).toHaveLength(8);
  });
});

describe('dma-buf eras', () => {
  it('parses kernel versions', () => {
    expect(kernelVersion('5.10')).toEqual([5, 10]);
    expect(kernelVersion('6.18-rc1')).toEqual([6, 18]);
    expect(kernelAtLeast('5.10', 5, 3)).toBe(true);
    expect(kernelAtLeast('6.14', 6, 15)).toBe(false);
  });
  it('names the era', () => {
    expect(mapEra('5.2').era).toBe('no-cache-yet');
    expect(mapEra('5.10').era).toBe('cached');
    expect(mapEra('6.18').era).toBe('no-cache');
  });
  it('explains why a mapping is cached', () => {
    expect(cachedWhy(false, 'DMA_TO_DEVICE')).toMatch(/cache_sgt_mapping.*-EBUSY/);
    expect(cachedWhy(true, 'DMA_BIDIRECTIONAL')).toMatch(/at attach.*no cache maintenance/);
    expect(dirShort('DMA_FROM_DEVICE')).toBe('FROM_DEVICE');
    expect(opWords('map_cached')).toMatch(/no exporter call/);
  });
});

describe('dmabuf-busy-direction-5.10.dma', () => {
  const run = stepped(library('dmabuf-busy-direction-5.10'));
  const tx = stepOf(run, 'tx = dma_buf_map_attachment');
  const tx2 = stepOf(run, 'tx2 = dma_buf_map_attachment');
  const rx = stepOf(run, 'rx = dma_buf_map_attachment');

  it('the first map calls the exporter and is cached with its direction', () => {
    const s = dmabufStep(run.steps[tx - 1]!.events, 'db');
    expect([...s.exporterCalled]).toEqual([['at', 'map']]);
    const at = run.snapshots[tx]!.dmaBufs[0]!.attachments[0]!;
    expect(at.cached).toMatchObject({ dir: 'DMA_TO_DEVICE', atAttach: false });
    expect(at.mappings[0]).toMatchObject({ dir: 'DMA_TO_DEVICE' });
  });

  it('the same direction gets the cached table back', () => {
    const s = dmabufStep(run.steps[tx2 - 1]!.events, 'db');
    expect([...s.cachedReturned]).toEqual([['at', 'DMA_TO_DEVICE']]);
    expect(s.exporterCalled.size).toBe(0);
  });

  it('another direction is refused with -EBUSY', () => {
    const st = run.steps[rx - 1]!;
    expect(st.error).toBe('EBUSY');
    const s = dmabufStep(st.events, 'db', st.error);
    expect(s.refused).toMatchObject({ attachment: 'at', dir: 'DMA_FROM_DEVICE' });
    expect(s.refused!.rule).toMatch(/different directions/);
    expect(dmabufStep(st.events, 'other', st.error).refused).toBeNull();
  });
});

describe('dmabuf-move-notify.dma', () => {
  const run = stepped(library('dmabuf-move-notify'));
  const moves = run.steps.map((st, i) => ({ st, i: i + 1 })).filter((x) => x.st.source.startsWith('dma_buf_move(db)'));
  it('a move while mapped is refused (the map pinned the buffer: MOVE_NOTIFY=n); once unmapped it moves and notifies the dynamic importer', () => {
    const [mapped, unmapped] = moves;
    expect(mapped!.st.error).toBe('EBUSY');
    expect(dmabufStep(mapped!.st.events, 'db', mapped!.st.error).moved).toBe(false);
    const s = dmabufStep(unmapped!.st.events, 'db');
    expect(s.moved).toBe(true);
    expect([...s.moveNotified]).toEqual(['at']);
    expect(run.snapshots[unmapped!.i]!.dmaBufs[0]!.attachments[0]!.mappings).toEqual([]);
  });
});

describe('dmabuf-two-importers.dma', () => {
  const run = stepped(library('dmabuf-two-importers'));
  it('each importer gets its own DMA address for the same pages', () => {
    const snap = run.snapshots[run.steps.length]!;
    const kinds = new Set<string>();
    for (const db of snap.dmaBufs) for (const at of db.attachments) for (const m of at.mappings) for (const seg of m.segments) kinds.add(dmaKind(seg.dma, at.dev, snap));
    for (const k of kinds) expect(k).toMatch(/^(IOVA \(|swiotlb bounce slot|physical)/);
  });
});
