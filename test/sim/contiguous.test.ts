import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CMA_ALIGNMENT,
  bitmapFindNextZeroAreaOff,
  cmaAlignForSize,
  cmaAlloc,
  cmaAllocFailedLine,
  cmaBorrowMovable,
  cmaBorrowMovablePages,
  cmaDebugShowAreas,
  cmaFreeRanges,
  cmaIsBorrowed,
  cmaRelease,
  cmaReturnMovable,
  createCmaArea,
  dmaContiguousEligible,
} from '../../src/sim/dma/contiguous.ts';
import type { CmaArea } from '../../src/sim/dma/contiguous.ts';
import { EBUSY } from '../../src/sim/errno.ts';
import { CMA_GATES } from '../../src/sim/kernel-versions.ts';

const BASE = 0xf8000; // 16 MiB area at 0xF8000000
const never = () => false;
const noMigrate = () => false;

function area(count = 4096, basePfn = BASE): CmaArea {
  return createCmaArea({ basePfn, count });
}

describe('kernel/dma/contiguous.c', () => {
  it('the default area is named "reserved" with one bit per page', () => {
    const a = area();
    expect(a.name).toBe('reserved');
    expect(a.orderPerBit).toBe(0);
    expect(a.availableCount).toBe(4096);
  });

  it('cma_alloc_aligned: align = min(get_order(size), CONFIG_CMA_ALIGNMENT = 8)', () => {
    expect(cmaAlignForSize(64 * 1024)).toBe(4);
    expect(cmaAlignForSize(3 * 1024 * 1024)).toBe(CMA_ALIGNMENT);
    expect(cmaAlignForSize(5000)).toBe(1);
  });

  it('dma_alloc_contiguous: never from atomic context; the default area only for more than one page', () => {
    expect(dmaContiguousEligible(8192, false, false)).toBe(false);
    expect(dmaContiguousEligible(4096, true, false)).toBe(false);
    expect(dmaContiguousEligible(8192, true, false)).toBe(true);
    expect(dmaContiguousEligible(4096, true, true)).toBe(true);
  });
});

describe('mm/cma.c: cma_range_alloc', () => {
  it('takes the first free aligned run of bits (bitmap_find_next_zero_area_off)', () => {
    const a = area();
    const r1 = cmaAlloc(a, 3, 0, never, noMigrate);
    expect(r1.ret).toBe(0);
    expect(r1.pfn).toBe(BASE);
    const r2 = cmaAlloc(a, 16, 4, never, noMigrate);
    expect(r2.pfn).toBe(BASE + 16);
    expect(r2.events.at(-1)).toMatchObject({ kind: 'cma', op: 'alloc', pfn: BASE + 16, count: 16, why: { fn: 'cma_range_alloc' } });
    expect(a.availableCount).toBe(4096 - 19);
  });

  it('alignment is of the pfn (cma_bitmap_aligned_offset), not of the bit index', () => {
    const a = area(1024, 0x40010); // base pfn 16 pages past a 1 MiB boundary
    const r = cmaAlloc(a, 1, 8, never, noMigrate);
    expect(r.pfn).toBe(0x40100);
    expect(r.pfn % 256).toBe(0);
  });

  it('alignment is capped at CONFIG_CMA_ALIGNMENT (order 8)', () => {
    const a = area(2048, 0x40000);
    cmaAlloc(a, 1, 0, never, noMigrate);
    expect(cmaAlloc(a, 1, 10, never, noMigrate).pfn).toBe(0x40100);
  });

  it('bitmap_find_next_zero_area_off skips past a set bit inside the candidate', () => {
    const m = new Uint8Array(16);
    m[2] = 1;
    expect(bitmapFindNextZeroAreaOff(m, 16, 0, 4, 0, 0)).toBe(3);
    expect(bitmapFindNextZeroAreaOff(m, 16, 0, 4, 3, 0)).toBe(4);
    expect(bitmapFindNextZeroAreaOff(m, 16, 0, 20, 0, 0)).toBeGreaterThanOrEqual(16);
  });

  it('migrates the movable pages borrowing the range, then allocates', () => {
    const a = area();
    const lent = [cmaBorrowMovable(a), cmaBorrowMovable(a)];
    expect(lent).toEqual([BASE, BASE + 1]);
    const moved: number[] = [];
    const r = cmaAlloc(a, 4, 2, (p) => cmaIsBorrowed(a, p), (p) => {
      moved.push(p);
      return 0x200000 + p - BASE;
    });
    expect(r.pfn).toBe(BASE);
    expect(moved).toEqual([BASE, BASE + 1]);
    expect(r.migrated).toBe(2);
    expect(r.events.filter((e) => e.kind === 'cma' && e.op === 'migrate')).toEqual([
      expect.objectContaining({ pfn: BASE, count: 1, to: 0x200000 }),
      expect.objectContaining({ pfn: BASE + 1, count: 1, to: 0x200001 }),
    ]);
    expect(a.borrowedCount).toBe(0);
  });

  it('a pinned page fails the candidate with -EBUSY: claim released, retry at bitmap_no + mask + 1 (busy_retry)', () => {
    const a = area();
    for (let i = 0; i < 4; i++) cmaBorrowMovable(a);
    const pinned = BASE + 3;
    const r = cmaAlloc(a, 8, 3, (p) => cmaIsBorrowed(a, p), (p) => p !== pinned);
    expect(r.ret).toBe(0);
    expect(r.pfn).toBe(BASE + 8);
    const busy = r.events.filter((e) => e.kind === 'cma' && e.op === 'busy_retry');
    expect(busy).toEqual([expect.objectContaining({ pfn: BASE, count: 8, why: expect.objectContaining({ fn: 'cma_range_alloc' }) })]);
    // Pages migrated before the pinned one stay migrated; the pinned one stays lent.
    expect(cmaIsBorrowed(a, BASE)).toBe(false);
    expect(cmaIsBorrowed(a, pinned)).toBe(true);
    expect(cmaFreeRanges(a)).toEqual([
      { start: 0, count: 8 },
      { start: 16, count: 4080 },
    ]);
  });

  it('failure prints the exact pr_err (6.14+: __cma_alloc, then cma_debug_show_areas)', () => {
    const a = area();
    cmaAlloc(a, 1024, 0, never, noMigrate);
    const r = cmaAlloc(a, 3888, 8, never, noMigrate);
    expect(r.ret).toBe(EBUSY);
    expect(r.pfn).toBe(-1);
    expect(r.log.map((l) => l.text)).toEqual([
      'cma: __cma_alloc: reserved: alloc failed, req-size: 3888 pages, ret: -16',
      'cma: number of available pages: ',
      'cma: range 0: +3072@1024',
      'cma: ',
      '=> 3072 free of 4096 total pages',
    ]);
    expect(r.events.filter((e) => e.kind === 'log').map((e) => (e.kind === 'log' ? e.level : ''))).toEqual(['err', 'info', 'info', 'info', 'info']);
    expect(r.events.at(-1)).toMatchObject({ kind: 'cma', op: 'fail', count: 3888 });
    expect(a.allocPagesFail).toBe(3888);
  });

  it('cma_debug_show_areas puts "+" before every free run that does not start at bit 0', () => {
    const a = area(64);
    cmaAlloc(a, 8, 3, never, noMigrate); // 0..7
    cmaAlloc(a, 8, 3, never, noMigrate); // 8..15
    cmaRelease(a, BASE, 4); // free 0..3
    expect(cmaDebugShowAreas(a)[1]!.text).toBe('cma: range 0: 4@0+48@16');
  });

  it('a request larger than available_count fails at once with -EBUSY (ret starts as -EBUSY)', () => {
    const a = area(64);
    const r = cmaAlloc(a, 65, 0, never, noMigrate);
    expect(r.ret).toBe(-16);
    expect(r.log[0]!.text).toBe('cma: __cma_alloc: reserved: alloc failed, req-size: 65 pages, ret: -16');
  });

  it('older kernels name the function cma_alloc (before 463586e9ff39, 6.12), without the area before a052d4d13d88 (5.12) and print nothing before 4.11; no_warn prints nothing', () => {
    const a = area(64);
    expect(cmaAllocFailedLine(a, 100, EBUSY, CMA_GATES.underscoreName.code - 1).map((l) => l.text)).toEqual(['cma: cma_alloc: reserved: alloc failed, req-size: 100 pages, ret: -16']);
    expect(cmaAllocFailedLine(a, 100, EBUSY, CMA_GATES.areaName.code - 1).map((l) => l.text)).toEqual(['cma: cma_alloc: alloc failed, req-size: 100 pages, ret: -16']);
    expect(cmaAllocFailedLine(a, 100, EBUSY, CMA_GATES.failMessage.code).map((l) => l.text)).toEqual(['cma: cma_alloc: alloc failed, req-size: 100 pages, ret: -16']);
    expect(cmaAllocFailedLine(a, 100, EBUSY, CMA_GATES.failMessage.code - 1)).toEqual([]);
    expect(cmaDebugShowAreas(a, CMA_GATES.multiRange.code - 1)).toEqual([]);
    const r = cmaAlloc(a, 100, 0, never, noMigrate, { noWarn: true });
    expect(r.log).toEqual([]);
    expect(r.events.some((e) => e.kind === 'log')).toBe(false);
  });

  it('count 0 returns NULL without a message', () => {
    const r = cmaAlloc(area(64), 0, 0, never, noMigrate);
    expect(r.pfn).toBe(-1);
    expect(r.log).toEqual([]);
  });
});

describe('mm/cma.c: cma_release and movable borrowing', () => {
  it('cma_release clears the bits; false for pages outside the area', () => {
    const a = area(64);
    const r = cmaAlloc(a, 8, 0, never, noMigrate);
    expect(cmaRelease(a, r.pfn, 8)).toMatchObject({ ok: true, notAllocated: 0 });
    expect(a.availableCount).toBe(64);
    expect(cmaRelease(a, BASE - 1, 1).ok).toBe(false);
    expect(cmaRelease(a, BASE + 64, 1).ok).toBe(false);
    expect(cmaRelease(a, BASE, 1)).toMatchObject({ ok: true, notAllocated: 1 });
    expect(a.availableCount).toBe(64);
  });

  it('alloc_movable borrows the lowest free page, skipping CMA-allocated ones', () => {
    const a = area(64);
    cmaAlloc(a, 2, 0, never, noMigrate);
    expect(cmaBorrowMovable(a)).toBe(BASE + 2);
    expect(cmaBorrowMovable(a)).toBe(BASE + 3);
    expect(cmaReturnMovable(a, BASE + 2)).toBe(true);
    expect(cmaBorrowMovable(a)).toBe(BASE + 2);
    // Borrowed pages are free in the CMA bitmap.
    expect(a.availableCount).toBe(62);
    expect(cmaBorrowMovablePages(a, 3)).toEqual([BASE + 4, BASE + 5, BASE + 6]);
    expect(cmaBorrowMovablePages(a, 100)).toHaveLength(64 - 2 - 5);
  });
});

describe('CMA properties (fast-check)', () => {
  it('allocations never overlap, are aligned, and all bits are clear after releasing everything', () => {
    type Op = { t: 'alloc'; n: number; align: number } | { t: 'free'; pick: number } | { t: 'borrow' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ t: fc.constant('alloc' as const), n: fc.integer({ min: 1, max: 70 }), align: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ t: fc.constant('free' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('borrow' as const) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 0, max: 4 }), (ops, pinEvery) => {
        const a = area(512, 0x40000);
        const live: Array<{ pfn: number; n: number }> = [];
        for (const op of ops) {
          if (op.t === 'alloc') {
            const r = cmaAlloc(a, op.n, op.align, (p) => cmaIsBorrowed(a, p), (p) => pinEvery === 0 || p % (pinEvery + 3) !== 0);
            if (r.ret !== 0) continue;
            expect(r.pfn % 2 ** Math.min(op.align, CMA_ALIGNMENT)).toBe(0);
            for (const l of live) expect(r.pfn + op.n <= l.pfn || l.pfn + l.n <= r.pfn).toBe(true);
            live.push({ pfn: r.pfn, n: op.n });
          } else if (op.t === 'free' && live.length) {
            const [l] = live.splice(op.pick % live.length, 1);
            expect(cmaRelease(a, l.pfn, l.n)).toMatchObject({ ok: true, notAllocated: 0 });
          } else if (op.t === 'borrow') {
            cmaBorrowMovable(a);
          }
        }
        for (const l of live) cmaRelease(a, l.pfn, l.n);
        expect(a.bitmap.every((b) => b === 0)).toBe(true);
        expect(a.availableCount).toBe(512);
      }),
      { numRuns: 200 },
    );
  });
});
