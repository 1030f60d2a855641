// The machine views' pure layout functions (src/ui/viz/*): bytes three ways,
// cache grid, memory map, swiotlb slots and plot, timeline lanes, selection.
import { describe, expect, it } from 'vitest';
import type { CacheLineState, SimEvent } from '../../src/sim/events.ts';
import type { MachineSnapshot } from '../../src/sim/snapshot.ts';
import type { MapRecord } from '../../src/sim/machine.ts';
import { diffStats, hexLayout } from '../../src/ui/viz/bytes.ts';
import type { BytesInput } from '../../src/ui/viz/bytes.ts';
import { cacheGrid, cellXY, discardedData, hitCell, touchedLines } from '../../src/ui/viz/cache.ts';
import { addrTicks, clampDomain, coveredRuns, focusDomain, itemSpan, memItems, zoomAt } from '../../src/ui/viz/memmap.ts';
import { bounceBins, bouncedAt, byteTicks, segmentRows, slotOccupancy } from '../../src/ui/viz/swiotlb.ts';
import { pickLanes } from '../../src/ui/viz/lanes.ts';
import { bufferAt, resolveSelection } from '../../src/ui/viz/machine-lookup.ts';
import { laneStateAt } from '../../src/worker/lanes.ts';
import type { OwnershipLanes } from '../../src/worker/lanes.ts';
import { hexGrouped, sizeShort } from '../../src/sim/format.ts';

const text = (s: string, n: number) => {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode(s));
  return b;
};

function input(cpu: Uint8Array, ram: Uint8Array, states: CacheLineState[], dev?: Uint8Array): BytesInput {
  return {
    offset: 0,
    len: cpu.length,
    cpu: { who: 'CPU', via: 'through the data cache', bytes: cpu },
    ram: { who: 'RAM', via: 'what memory holds', bytes: ram },
    devices: dev ? [{ who: 'cam', via: 'DMA address 0x1000, RAM only', bytes: dev }] : [],
    lineStates: states,
  };
}

describe('bytes three ways layout', () => {
  it('marks bytes that differ from the CPU view and says why (stale clean line)', () => {
    const cpu = text('old data', 64);
    const ram = text('new data', 64);
    const items = hexLayout(input(cpu, ram, new Array(64).fill('C'), ram), (o) => 0x1000 + o, 64);
    const g = items[0]!;
    expect(g.kind).toBe('group');
    if (g.kind !== 'group') return;
    expect(g.rows.map((r) => r.kind)).toEqual(['cpu', 'ram', 'dev']);
    expect(g.rows[1]!.diff.slice(0, 4)).toEqual([true, true, true, false]);
    expect(g.rows[0]!.diff.every((d) => !d)).toBe(true);
    expect(g.rows[0]!.ascii.startsWith('old data')).toBe(true);
    expect(g.verdict).toMatchObject({ tone: 'bad' });
    expect(g.verdict!.text).toContain('stale');
    expect(g.segments).toEqual([{ from: 0, to: 16, state: 'C', line: 0x1000 }]);
    // The other 48 bytes are zeros everywhere, in the same clean line: folded into one line.
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({ kind: 'gap', offset: 16, len: 48 });
    expect((items[1] as { note: string }).note).toContain('all 00');
    expect(diffStats(items)).toMatchObject({ differing: 1, staleBytes: 3, dirtyBytes: 0 });
  });

  it('a dirty line ahead of RAM is a warning, not staleness', () => {
    const items = hexLayout(input(text('hello', 16), new Uint8Array(16), new Array(16).fill('D')), () => 0x2000, 64, { fold: false });
    const g = items[0]!;
    if (g.kind !== 'group') throw new Error('group expected');
    expect(g.verdict?.tone).toBe('warn');
    expect(diffStats(items).dirtyBytes).toBe(5);
  });

  it('splits the cache-line strip where lines or states change, and shows bytes a mapping does not cover as absent', () => {
    const states: CacheLineState[] = [...new Array(8).fill('D'), ...new Array(8).fill('I')];
    const items = hexLayout(input(new Uint8Array(16), new Uint8Array(16), states, new Uint8Array(16)), (o) => 0x1038 + o, 64, {
      fold: false,
      coverage: [(i) => i < 4],
    });
    const g = items[0]!;
    if (g.kind !== 'group') throw new Error('group expected');
    expect(g.segments).toEqual([
      { from: 0, to: 8, state: 'D', line: 0x1000 },
      { from: 8, to: 16, state: 'I', line: 0x1040 },
    ]);
    expect(g.rows[2]!.absent.slice(0, 6)).toEqual([false, false, false, false, true, true]);
    expect(g.rows[2]!.anyDiff).toBe(false);
  });
});

describe('cache grid', () => {
  it('folds sets into rows that fit and hit-tests back to the same cell', () => {
    const g = cacheGrid(128, 4, 700, 13);
    expect(g.setsPerRow).toBe(32);
    expect(g.rows).toBe(4);
    for (const [set, way] of [
      [0, 0],
      [31, 3],
      [32, 0],
      [127, 2],
    ] as const) {
      const { x, y } = cellXY(g, set, way);
      expect(hitCell(g, x + 2, y + 2)).toEqual({ set, way });
    }
    expect(hitCell(g, 2, 2)).toBeNull();
  });

  it('reads the lines a step touched from its events, and the dirty bytes an invalidate lost', () => {
    const why = { fn: 'f', file: 'x', rule: 'r' };
    const events: SimEvent[] = [
      { kind: 'cache_fill', line: 0x40, set: 1, way: 2 },
      { kind: 'cache_maint', op: 'inval', start: 0, size: 128, instr: 'dc ivac', why, lines: [{ line: 0x40, before: 'D', after: 'I', wroteBack: false, lostHex: '41424344', lostOffset: 4 }] },
      { kind: 'cache_evict', line: 0x80, set: 2, way: 0, dirty: true, reason: 'lru' },
    ];
    const t = touchedLines(events);
    expect(t.map((x) => x.line)).toEqual([0x40, 0x80]);
    expect(t[0]).toMatchObject({ kinds: ['fill', 'inval', 'discard'], set: 1, way: 2, before: 'D', after: 'I' });
    expect(t[1]!.kinds).toEqual(['evict', 'writeback']);
    expect(discardedData(events)).toEqual([{ line: 0x40, offset: 4, hex: '41424344', instr: 'dc ivac', op: 'inval' }]);
  });
});

function snap(over: Partial<MachineSnapshot> = {}): MachineSnapshot {
  // Only the fields the views read; the engine's snapshot has more (IOMMU, CMA, GPU, dma-buf).
  return ({
    step: 3,
    timeUs: 0,
    arch: 'x86',
    kernel: '6.18',
    ram: 8 * 1024 ** 3,
    regions: [
      { name: 'ZONE_DMA32', kind: 'zone', start: 16 << 20, end: 4 * 1024 ** 3 },
      { name: 'swiotlb pool', kind: 'swiotlb', start: 0xfec00000, end: 0xff000000 },
    ],
    cache: { size: 32768, line: 64, ways: 4, sets: 128, lines: [] },
    buffers: [{ id: 0, name: 'buf', kind: 'kmalloc', va: 0x1fffff000, size: 4096, pieces: [{ phys: 0x1fffff000, len: 4096, at: 0 }], live: true, uncached: false, step: 1 }],
    mappings: [],
    swiotlb: null,
    debug: { entries: [], cachelines: [] },
    devices: [],
    ...over,
  }) as unknown as MachineSnapshot;
}

const bounce: MapRecord = { dev: 'nic', addr: 0xfec00000, size: 4096, dir: 'DMA_TO_DEVICE', api: 'single', phys: 0x1fffff000, tlbAddr: 0xfec00000, bufId: 0, owner: 'device', step: 3, line: 10 };

describe('memory map', () => {
  it('draws thousands of spans as runs of covered pixel columns, each span at least one column', () => {
    // 10,000 4 KiB buffers packed from 4 GiB on an 8 GiB map 800 px wide: 40 MB, about 4 columns.
    const spans: number[] = [];
    for (let i = 0; i < 10_000; i++) spans.push(4 * 1024 ** 3 + i * 4096, 4096, i);
    expect(coveredRuns([0, 8 * 1024 ** 3], 800, spans, 3)).toEqual([400, 4]);
    // Two far apart: two runs of one column; one outside the range: none.
    expect(coveredRuns([0, 1000], 100, [0, 1, 500, 1, 5000, 10], 2)).toEqual([0, 1, 50, 1]);
    // Another start per span (a bounce slot instead of the buffer).
    expect(coveredRuns([0, 1000], 100, [900, 10, 0], 3, (i) => [100][i / 3]!)).toEqual([10, 1]);
  });

  it('puts zones, regions, buffers and what devices address in their lanes', () => {
    const items = memItems(snap({ mappings: [bounce] }));
    expect(items.map((i) => [i.lane, i.kind])).toEqual([
      [0, 'zone'],
      [1, 'swiotlb'],
      [2, 'buffer'],
      [3, 'bounce'],
    ]);
    expect(items[3]!.start).toBe(0xfec00000);
    expect(items[3]!.tip().join(' ')).toContain('bounce');
  });

  it('zooms around a point, clamps to RAM, and frames a 4 KiB buffer on an 8 GiB map', () => {
    const total = 8 * 1024 ** 3;
    const z = zoomAt([0, total], 0.5, total / 2, total);
    expect(z).toEqual([total / 4, (3 * total) / 4]);
    expect(clampDomain([-100, 50], total)).toEqual([0, 150]);
    const f = focusDomain(0x1fffff000, 0x200000000, total);
    expect(f[1] - f[0]).toBeLessThanOrEqual(16 * 1024);
    expect(f[1]).toBeLessThanOrEqual(total);
    const span = itemSpan(f, 500, 0x1fffff000, 0x200000000)!;
    expect(span.w).toBeGreaterThan(50);
    // At full zoom-out it is still a few pixels wide (findable).
    expect(itemSpan([0, total], 500, 0x1fffff000, 0x200000000)!.w).toBeGreaterThanOrEqual(3);
  });

  it('labels power-of-two ticks in hex', () => {
    const t = addrTicks([0, 8 * 1024 ** 3], 4);
    expect(t.map((x) => x.value)).toEqual([0, 2 * 1024 ** 3, 4 * 1024 ** 3, 6 * 1024 ** 3, 8 * 1024 ** 3]);
    expect(t[2]!.label).toBe('0x1_0000_0000 (4 GiB)');
  });
});

describe('swiotlb', () => {
  const s = snap({
    mappings: [bounce],
    swiotlb: { start: 0xfec00000, end: 0xff000000, nslabs: 2048, used: 2, index: 2, runs: [{ index: 0, nslots: 2, orig: 0x1fffff000 }] },
  });

  it('knows which mapping holds each slot, and folds free segments', () => {
    const o = slotOccupancy(s)!;
    expect(o.owner[0]).toBe(0);
    expect(o.owner[1]).toBe(0);
    expect(o.owner[2]).toBe(-1);
    expect(o.runs[0]!.map?.dev).toBe('nic');
    expect(segmentRows(o, 2)).toEqual([
      { kind: 'seg', seg: 0 },
      { kind: 'free', from: 1, to: 16 },
    ]);
    // The next-fit index's segment never folds.
    expect(segmentRows(o, 5 * 128 + 3)).toEqual([
      { kind: 'seg', seg: 0 },
      { kind: 'free', from: 1, to: 5 },
      { kind: 'seg', seg: 5 },
      { kind: 'free', from: 6, to: 16 },
    ]);
  });

  it('bins the bounce series and finds a step', () => {
    const series = { steps: Int32Array.from([3, 7]), toDevice: Float64Array.from([4096, 0]), toCpu: Float64Array.from([0, 512]), totalBytes: 4608 };
    const bins = bounceBins(series, 10, 5);
    expect(bins).toHaveLength(5);
    expect(bins[1]).toMatchObject({ from: 3, to: 4, toDevice: 4096 });
    expect(bins[3]).toMatchObject({ from: 7, to: 8, toCpu: 512 });
    expect(bouncedAt(series, 7)).toEqual({ toDevice: 0, toCpu: 512 });
    expect(bouncedAt(series, 5)).toEqual({ toDevice: 0, toCpu: 0 });
    expect(byteTicks(4096)).toEqual([0, 1024, 2048, 3072, 4096]);
    expect(byteTicks(5000).at(-1)).toBeGreaterThanOrEqual(5000);
  });
});

describe('lanes and selection', () => {
  const lanes: OwnershipLanes = {
    names: ['a', 'b', 'c'],
    kinds: ['kmalloc', 'kmalloc', 'kmalloc'],
    offsets: Int32Array.from([0, 1, 4, 5]),
    steps: Int32Array.from([1, 2, 3, 5, 4]),
    states: Uint8Array.from([1, 1, 3, 1, 1]),
  };

  it('reads a lane at any step and picks the selected and the mapped buffers first', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => laneStateAt(lanes, 1, k))).toEqual([0, 0, 1, 3, 3, 1, 1]);
    expect(pickLanes(lanes, undefined, 1)).toEqual([1]);
    expect(pickLanes(lanes, 'c', 2)).toEqual([1, 2]);
    expect(pickLanes(lanes, undefined, 5)).toEqual([0, 1, 2]);
  });

  it('resolves a selected line or address to its buffer', () => {
    const s = snap();
    expect(bufferAt(s, 0x1fffff010)).toMatchObject({ offset: 0x10 });
    expect(resolveSelection(s, { line: 0x1fffff040 })).toMatchObject({ buffer: { name: 'buf' }, range: { start: 0x1fffff040, end: 0x1fffff080 } });
    expect(resolveSelection(s, { buffer: 'buf' }).range).toEqual({ start: 0x1fffff000, end: 0x200000000 });
    expect(resolveSelection(s, { addr: 0x10 }).buffer).toBeNull();
    expect(hexGrouped(0x1fffff000)).toBe('0x1_ffff_f000');
    expect(sizeShort(4096)).toBe('4 KiB');
    expect(sizeShort(1536)).toBe('1.5 KiB');
  });
});
