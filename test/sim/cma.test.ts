// CMA as the machine uses it (src/sim/dma/contiguous-ops.ts, cma-state.ts):
// movable pages borrowing the area, their migration by alloc_contig_range,
// short-term pins making a candidate -EBUSY, the dma-direct CMA-first rule of
// __dma_direct_alloc_pages, and the failure line per kernel version. The
// bitmap allocator itself is tested in contiguous.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { defaultConfig, defaultDevice, type MachineConfig } from '../../src/sim/config.ts';
import { createMachine, type Buffer, type Machine } from '../../src/sim/machine.ts';
import { emptyOutcome } from '../../src/sim/outcome.ts';
import { cpuRead, cpuWrite } from '../../src/sim/mm/buffers.ts';
import { dmaAllocCoherent, dmaFreeCoherent } from '../../src/sim/dma/mapping.ts';
import { cmaFreePages } from '../../src/sim/dma/cma-state.ts';
import {
  allocMovable,
  cmaFailLines,
  cmaView,
  dmaAllocContiguous,
  dmaAllocFromContiguous,
  dmaReleaseFromContiguous,
  freeMovable,
  pinPages,
  unpinPages,
} from '../../src/sim/dma/contiguous-ops.ts';

const MB = 1024 * 1024;

function machine(cma = 16 * MB, kernel = '6.18'): Machine {
  const cfg: MachineConfig = { ...defaultConfig(), kernel, cma, devices: [defaultDevice('cam')] };
  return createMachine(cfg);
}

function failures(text: string, opts = {}): string[] {
  const r = runScenario(text, opts);
  expect(r.errors).toEqual([]);
  return r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('alloc_movable: page cache borrowing MIGRATE_CMA pageblocks', () => {
  it('takes the lowest free pages of the area, page by page', () => {
    const m = machine();
    const o = emptyOutcome();
    const a = allocMovable(m, 'a', 8192, o)!;
    const b = allocMovable(m, 'b', 4096, o)!;
    const base = m.layout.cmaBase;
    expect(a.pages).toEqual([base, base + 4096]);
    expect(b.pages).toEqual([base + 8192]);
    expect(m.cma.area.borrowedCount).toBe(3);
    expect(m.cma.area.availableCount).toBe(m.cma.area.count); // lent pages stay free in the CMA bitmap
  });

  it('falls back to ordinary memory when the area is full', () => {
    const m = machine(2 * MB);
    const o = emptyOutcome();
    const a = allocMovable(m, 'a', 2 * MB + 4096, o)!;
    expect(a.pages.filter((p) => p >= m.layout.cmaBase && p < m.layout.cmaBase + 2 * MB)).toHaveLength(512);
    expect(a.pages.at(-1)).toBe(8 * 1024 * MB - 4096);
  });
});

describe('alloc_contig_range: migrating movable pages out (mm/page_alloc.c)', () => {
  it('dma_alloc_from_contiguous migrates the pages in its range; data and name survive', () => {
    const m = machine();
    const o = emptyOutcome();
    const pc = allocMovable(m, 'pc', 16384, o)!;
    cpuWrite(m, pc, 0, bytes('page cache data'), o);
    cpuWrite(m, pc, 12288, bytes('last'), o);
    const c = dmaAllocFromContiguous(m, m.devices.cam!, 'c', 4, 2, o)!;
    expect(c.phys).toBe(m.layout.cmaBase);
    expect(pc.pages.every((p) => p >= 4 * 1024 * MB)).toBe(true); // moved to ordinary memory
    expect(text(cpuRead(m, pc, 0, 15, o))).toBe('page cache data');
    expect(text(cpuRead(m, pc, 12288, 4, o))).toBe('last');
    expect(o.events.filter((e) => e.kind === 'cma' && e.op === 'migrate')).toHaveLength(4);
    expect(m.cma.area.borrowedCount).toBe(0);
  });

  it("the old page's dirty cache lines are written back before the copy, and dropped", () => {
    const m = machine();
    const o = emptyOutcome();
    const pc = allocMovable(m, 'pc', 4096, o)!;
    const old = pc.pages[0]!;
    cpuWrite(m, pc, 0, bytes('dirty'), o); // only in the cache
    dmaAllocFromContiguous(m, m.devices.cam!, 'c', 1, 0, o);
    expect(o.events.some((e) => e.kind === 'cache_evict' && e.line === old && e.dirty)).toBe(true);
    expect(text(cpuRead(m, pc, 0, 5, o))).toBe('dirty');
  });

  it('a page mapped for DMA without a pin still migrates: the explorer says the device keeps the old page', () => {
    const r = runScenario(`machine(arch=arm64, cma=16M)
device(cam)
pc = alloc_movable(4K)
h = dma_map_page(cam, pc, 0, 4096, DMA_FROM_DEVICE)
c = dma_alloc_from_contiguous(cam, 1, 0)
`);
    expect(r.steps[2]!.observations.join(' ')).toMatch(/migrated while mapped for cam .* without a pin/);
  });
});

describe('pin_user_pages (short-term pins) and cma_range_alloc -EBUSY retry', () => {
  it('a pinned page fails the candidate; the next aligned candidate is tried', () => {
    const m = machine();
    const o = emptyOutcome();
    const pc = allocMovable(m, 'pc', 8192, o)!;
    expect(pinPages(m, pc, 4096, 4096, o)).toBe(1);
    const c = dmaAllocFromContiguous(m, m.devices.cam!, 'c', 16, 4, o)!;
    expect(c.phys).toBe(m.layout.cmaBase + 16 * 4096);
    expect(o.events.some((e) => e.kind === 'cma' && e.op === 'busy_retry')).toBe(true);
    expect(pc.pages[1]).toBe(m.layout.cmaBase + 4096); // pinned: not moved
    expect(pc.pages[0]).not.toBe(m.layout.cmaBase); // migrated before the failure: stays migrated
  });

  it('unpinning lets the page migrate again', () => {
    const m = machine(2 * MB);
    const o = emptyOutcome();
    const pc = allocMovable(m, 'pc', 4096, o)!;
    pinPages(m, pc, 0, 4096, o);
    expect(dmaAllocFromContiguous(m, m.devices.cam!, 'c', 512, 8, o)).toBeNull();
    unpinPages(m, pc, 0, 4096, o);
    expect(dmaAllocFromContiguous(m, m.devices.cam!, 'c', 512, 8, o)?.phys).toBe(m.layout.cmaBase);
  });

  it('when nothing fits: NULL and the exact kernel line, ret -16 (cma-pinned-busy-retry.dma)', () => {
    expect(
      failures(`machine(arch=arm64, cma=2M)
device(cam)
pc = alloc_movable(4K)
pin_pages(pc, 4096) => 1
a = dma_alloc_from_contiguous(cam, 512, 8) => NULL => warning "cma: __cma_alloc: reserved: alloc failed, req-size: 512 pages, ret: -16"
`),
    ).toEqual([]);
  });

  it('the failure line by kernel version (mm/cma.c pr_err_ratelimited)', () => {
    expect(cmaFailLines(machine(16 * MB, '5.4'), 4, -12).map((l) => l.text)).toEqual(['cma: cma_alloc: alloc failed, req-size: 4 pages, ret: -12']);
    expect(cmaFailLines(machine(16 * MB, '5.15'), 4, -16).map((l) => l.text)).toEqual(['cma: cma_alloc: reserved: alloc failed, req-size: 4 pages, ret: -16']);
    expect(cmaFailLines(machine(16 * MB, '6.12'), 4, -16).map((l) => l.text)).toEqual(['cma: __cma_alloc: reserved: alloc failed, req-size: 4 pages, ret: -16']);
    const l = cmaFailLines(machine(16 * MB, '6.18'), 4, -16).map((x) => x.text);
    expect(l[0]).toBe('cma: __cma_alloc: reserved: alloc failed, req-size: 4 pages, ret: -16');
    expect(l.at(-1)).toMatch(/^=> \d+ free of 4096 total pages$/); // cma_debug_show_areas
  });

  it('before 6.14 ret starts at -ENOMEM: "nothing fits" without a busy candidate reports -12', () => {
    const r = runScenario(`machine(arch=arm64, kernel="6.6", cma=2M)
device(cam)
a = dma_alloc_from_contiguous(cam, 1024, 8)
`);
    expect(r.steps[0]!.warnings).toEqual(['cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12']);
  });
});

describe('kernel/dma/contiguous.c and dma-direct', () => {
  it('dma_alloc_from_contiguous caps align at CONFIG_CMA_ALIGNMENT and does not zero', () => {
    const m = machine();
    const o = emptyOutcome();
    const c = dmaAllocFromContiguous(m, m.devices.cam!, 'c', 1, 12, o)!;
    expect(c.phys).toBe(m.layout.cmaBase);
    const d = dmaAllocFromContiguous(m, m.devices.cam!, 'd', 1, 12, o)!;
    expect(d.phys).toBe(m.layout.cmaBase + MB); // order 8 = 1 MiB, not order 12
  });

  it('dma_release_from_contiguous returns false for pages outside the area', () => {
    const r = runScenario(`machine(arch=arm64)
device(cam)
p = alloc_pages(GFP_KERNEL, 0)
dma_release_from_contiguous(cam, p, 1) => 0
c = dma_alloc_from_contiguous(cam, 2, 1)
dma_release_from_contiguous(cam, c, 2) => 1
`);
    expect(r.ok).toBe(true);
  });

  it('cma=0: dma_alloc_from_contiguous is NULL (no area)', () => {
    const m = machine(0);
    expect(dmaAllocFromContiguous(m, m.devices.cam!, 'c', 1, 0, emptyOutcome())).toBeNull();
  });

  it('dma_alloc_contiguous: never for a single page or a non-blocking gfp; otherwise aligned to get_order(size)', () => {
    const m = machine();
    const o = emptyOutcome();
    const cam = m.devices.cam!;
    expect(dmaAllocContiguous(m, cam, 4096, [], o)).toBe(-1);
    expect(dmaAllocContiguous(m, cam, 8192, ['GFP_ATOMIC'], o)).toBe(-1);
    expect(dmaAllocContiguous(m, cam, 4096 * 3, [], o)).toBe(m.layout.cmaBase); // order 2
    expect(dmaAllocContiguous(m, cam, 8192, [], o)).toBe(m.layout.cmaBase + 4 * 4096);
  });

  it('dma_alloc_coherent > PAGE_SIZE comes from CMA, is zeroed, and dma_free_coherent gives it back (cma_release)', () => {
    const m = machine();
    const o = emptyOutcome();
    const cam = m.devices.cam!;
    const pc = allocMovable(m, 'pc', 4096, o)!;
    cpuWrite(m, pc, 0, bytes('borrowed'), o);
    const b = dmaAllocCoherent(m, cam, 'b', 65536, o)!;
    expect(b.phys).toBe(m.layout.cmaBase);
    expect(Array.from(cpuRead(m, b, 0, 8, o))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(text(cpuRead(m, pc, 0, 8, o))).toBe('borrowed');
    const one = dmaAllocCoherent(m, cam, 'one', 4096, o)!;
    expect(one.phys).toBeGreaterThan(4 * 1024 * MB);
    const atomic = dmaAllocCoherent(m, cam, 'atomic', 65536, o, ['GFP_ATOMIC'])!;
    expect(atomic.phys).toBeGreaterThan(4 * 1024 * MB);
    const before = m.cma.area.availableCount;
    dmaFreeCoherent(m, cam, 65536, b, b.dmaAddr!, o);
    expect(m.cma.area.availableCount).toBe(before + 16);
  });

  // arm64 5.10: ZONE_DMA is the first 1 GiB (ARCH_GATES.arm64ZoneDma30), so the GFP_DMA page the allocator falls
  // back to is within a 30-bit mask; on 5.11+ ZONE_DMA is 4 GiB and a 30-bit device gets NULL (arch-zones.test.ts)
  it('CMA pages beyond the device coherent mask are given back and the page allocator is used (dma_coherent_ok)', () => {
    const cfg: MachineConfig = { ...defaultConfig(), kernel: '5.10', devices: [{ ...defaultDevice('old'), dmaMask: 30 }] };
    const m = createMachine(cfg);
    const o = emptyOutcome();
    const b = dmaAllocCoherent(m, m.devices.old!, 'b', 65536, o)!;
    expect(b.phys >= m.layout.cmaBase && b.phys < m.layout.cmaBase + m.layout.cmaSize).toBe(false);
    expect(m.cma.area.availableCount).toBe(m.cma.area.count);
    expect(o.events.some((e) => e.kind === 'note' && e.why.fn === '__dma_direct_alloc_pages' && /dma_coherent_ok/.test(e.why.rule))).toBe(true);
  });
});

describe('cmaView (the CMA panel)', () => {
  it('lists CMA allocations, borrowed pages with their owner, and pins', () => {
    const m = machine();
    const o = emptyOutcome();
    const pc = allocMovable(m, 'pc', 8192, o)!;
    pinPages(m, pc, 4096, 4096, o);
    dmaAllocFromContiguous(m, m.devices.cam!, 'c', 16, 4, o);
    const v = cmaView(m);
    expect(v).toMatchObject({ name: 'reserved', base: m.layout.cmaBase, pages: 4096, available: 4096 - 16 });
    expect(v.allocated).toEqual([{ phys: m.layout.cmaBase + 16 * 4096, pages: 16 }]);
    expect(v.borrowed).toEqual([{ phys: m.layout.cmaBase + 4096, owner: 'pc' }]);
    expect(v.pinned).toEqual([{ phys: m.layout.cmaBase + 4096, count: 1, inCma: true }]);
  });
});

describe('property: every CMA page comes back once everything is released', () => {
  type Op =
    | { k: 'movable'; pages: number }
    | { k: 'free'; i: number }
    | { k: 'pin'; i: number }
    | { k: 'unpin'; i: number }
    | { k: 'cma'; count: number; align: number }
    | { k: 'release'; i: number }
    | { k: 'coherent'; pages: number }
    | { k: 'freeCoherent'; i: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ k: fc.constant('movable' as const), pages: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ k: fc.constant('free' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('pin' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('unpin' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('cma' as const), count: fc.integer({ min: 1, max: 300 }), align: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ k: fc.constant('release' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('coherent' as const), pages: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ k: fc.constant('freeCoherent' as const), i: fc.nat() }),
  );

  it('random movable / pinned / CMA / coherent traffic: bitmap, lent pages, owners and pins all return; movable data survives', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const m = machine(2 * MB);
        const o = emptyOutcome();
        const cam = m.devices.cam!;
        const movable: Array<{ b: Buffer; tag: string; pins: number }> = [];
        const cma: Buffer[] = [];
        const coherent: Buffer[] = [];
        let n = 0;
        const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
        for (const op of ops) {
          if (op.k === 'movable') {
            const b = allocMovable(m, `m${n}`, op.pages * 4096, o);
            if (!b) continue;
            const tag = `tag${n++}`;
            cpuWrite(m, b, b.size - tag.length, bytes(tag), o);
            movable.push({ b, tag, pins: 0 });
          } else if (op.k === 'free') {
            const x = pick(movable, op.i);
            if (!x || x.pins) continue;
            freeMovable(m, x.b, o);
            movable.splice(movable.indexOf(x), 1);
          } else if (op.k === 'pin') {
            const x = pick(movable, op.i);
            if (!x) continue;
            pinPages(m, x.b, 0, 4096, o);
            x.pins++;
          } else if (op.k === 'unpin') {
            const x = pick(movable, op.i);
            if (!x || !x.pins) continue;
            unpinPages(m, x.b, 0, 4096, o);
            x.pins--;
          } else if (op.k === 'cma') {
            const b = dmaAllocFromContiguous(m, cam, `c${n++}`, op.count, op.align, o);
            if (b) cma.push(b);
          } else if (op.k === 'release') {
            const b = pick(cma, op.i);
            if (!b) continue;
            expect(dmaReleaseFromContiguous(m, b, b.size / 4096, o)).toBe(true);
            cma.splice(cma.indexOf(b), 1);
          } else if (op.k === 'coherent') {
            const b = dmaAllocCoherent(m, cam, `d${n++}`, op.pages * 4096, o);
            if (b) coherent.push(b);
          } else {
            const b = pick(coherent, op.i);
            if (!b) continue;
            dmaFreeCoherent(m, cam, b.size, b, b.dmaAddr!, o);
            coherent.splice(coherent.indexOf(b), 1);
          }
          // CMA allocations never overlap a movable page, and movable data survives every migration
          for (const x of movable) {
            expect(text(cpuRead(m, x.b, x.b.size - x.tag.length, x.tag.length, o))).toBe(x.tag);
            for (const p of x.b.pages) for (const c of [...cma, ...coherent]) expect(p >= c.phys && p < c.phys + c.allocSize).toBe(false);
          }
        }
        for (const x of movable) {
          for (let i = 0; i < x.pins; i++) unpinPages(m, x.b, 0, 4096, o);
          freeMovable(m, x.b, o);
        }
        for (const b of cma) dmaReleaseFromContiguous(m, b, b.size / 4096, o);
        for (const b of coherent) dmaFreeCoherent(m, cam, b.size, b, b.dmaAddr!, o);
        const s = m.cma;
        expect(s.area.availableCount).toBe(s.area.count);
        expect(s.area.borrowedCount).toBe(0);
        expect(cmaFreePages(s)).toBe(s.area.count);
        expect(Array.from(s.owner).every((x) => x === -1)).toBe(true);
        expect(s.pins).toEqual({});
        // and the machine still clones (checkpoints)
        expect(structuredClone(m).cma.area.count).toBe(512);
      }),
      { numRuns: 120 },
    );
  });
});
