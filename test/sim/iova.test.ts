import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  IOVA_MAG_SIZE,
  allocIova,
  allocIovaPlain,
  allocIovaTree,
  createIovaDomain,
  findIova,
  flushIovaRcaches,
  freeIova,
  freeIovaFast,
  freeIovaNode,
  iovaDepotWork,
  iovaRanges,
  iovaRcacheCount,
  limitPfnForAddr,
  limitPfnForBits,
  orderBase2,
  reserveIova,
  roundupPow2,
} from '../../src/sim/iommu/iova.ts';
import type { IovaDomain } from '../../src/sim/iommu/iova.ts';

const LIMIT32 = 0xfffff; // DMA_BIT_MASK(32) >> 12

function dom(): IovaDomain {
  return createIovaDomain({ name: 'smmu0' });
}

describe('iova.c: init_iova_domain', () => {
  it('start_pfn = max(1, aperture_start >> order): IOVA 0 is never handed out', () => {
    const d = dom();
    expect(d.startPfn).toBe(1);
    expect(d.dma32BitPfn).toBe(0x100000);
    expect(createIovaDomain({ name: 'x', apertureStart: 0x10000000 }).startPfn).toBe(0x10000);
    // A 16-pfn space: only pfns 1..15 can be used.
    const seen: number[] = [];
    for (;;) {
      const r = allocIova(d, 1, 15);
      if (!r.pfn) break;
      seen.push(r.pfn);
    }
    expect(seen).toHaveLength(15);
    expect(Math.min(...seen)).toBe(1);
  });

  it('limit pfns: DMA_BIT_MASK(n) >> shift', () => {
    const d = dom();
    expect(limitPfnForBits(d, 32)).toBe(LIMIT32);
    expect(limitPfnForBits(d, 64)).toBe(2 ** 52 - 1);
    expect(limitPfnForAddr(d, 0xffffffff)).toBe(LIMIT32);
  });

  it('helpers: roundup_pow_of_two and order_base_2', () => {
    expect([1, 2, 3, 5, 17, 32].map(roundupPow2)).toEqual([1, 2, 4, 8, 32, 32]);
    expect([1, 2, 3, 4, 5, 32, 33].map(orderBase2)).toEqual([0, 1, 2, 2, 3, 5, 6]);
  });
});

describe('iova.c: alloc_iova_fast worked examples (KERNEL-FACTS B §1.3)', () => {
  it('empty 32-bit domain, 1 page → 0xFFFFF000 (__alloc_and_insert_iova_range is top-down)', () => {
    const r = allocIova(dom(), 1, LIMIT32);
    expect(r.pfn).toBe(0xfffff);
    expect(r.iova).toBe(0xfffff000);
    expect(r.events[0]).toMatchObject({ kind: 'iova_alloc', domain: 'smmu0', iova: 0xfffff000, size: 0x1000 });
  });

  it('empty 32-bit domain, 4 pages → (0x100000 - 4) & ~3 = 0xFFFFC, IOVA 0xFFFFC000', () => {
    const r = allocIova(dom(), 4, LIMIT32);
    expect(r.iova).toBe(0xffffc000);
    expect(r.pages).toBe(4);
  });

  it('alloc_iova_fast rounds 3 pages up to 4 and aligns them', () => {
    const d = dom();
    allocIova(d, 1, LIMIT32); // 0xFFFFF
    const r = allocIova(d, 3, LIMIT32);
    expect(r.pages).toBe(4);
    expect(r.pfn).toBe(0xffff8); // (0xFFFFF - 4) & ~3
    expect(r.pfn % 4).toBe(0);
    expect(findIova(d, 0xffffb)).toEqual({ pfnLo: 0xffff8, pfnHi: 0xffffb, state: 'allocated' });
  });

  it('sizes of 32 granules or more are not rounded but still aligned to roundup_pow_of_two(size)', () => {
    const d = dom();
    allocIova(d, 1, LIMIT32);
    const r = allocIova(d, 33, LIMIT32);
    expect(r.pages).toBe(33);
    expect(r.pfn % 64).toBe(0);
    expect(r.pfn).toBe(Math.floor((0xfffff - 33) / 64) * 64);
  });

  it('later allocations fill downwards', () => {
    const d = dom();
    expect([1, 1, 1].map(() => allocIova(d, 1, LIMIT32).pfn)).toEqual([0xfffff, 0xffffe, 0xffffd]);
  });
});

describe('iova.c: cached nodes', () => {
  it('__cached_rbnode_delete_update: freeing the cached node makes the next search start just above it', () => {
    const d = dom();
    const [a, b, c] = [1, 1, 1].map(() => allocIova(d, 1, LIMIT32).pfn);
    expect([a, b, c]).toEqual([0xfffff, 0xffffe, 0xffffd]);
    freeIova(d, b); // tree free (not the rcache): cached32 -> next(b) = a
    expect(allocIovaTree(d, 1, LIMIT32, true)).toBe(0xffffe);
  });

  it('the cached32 node is shared by every limit ≤ 4 GiB: a search starts below it', () => {
    const d = dom();
    expect([1, 1, 1].map(() => allocIova(d, 1, 15).pfn)).toEqual([15, 14, 13]);
    // A 4 GiB-limit request starts its walk at the cached node (13), not at the top.
    expect(allocIova(d, 1, LIMIT32).pfn).toBe(12);
  });

  it('__alloc_and_insert_iova_range retries once from the limit with low_pfn = cached pfn_hi + 1', () => {
    const d = dom();
    for (let i = 0; i < 15; i++) allocIova(d, 1, 15); // pfns 15..1, cached32 = 1
    const r = allocIova(d, 1, LIMIT32);
    expect(r.pfn).toBe(0xfffff);
  });

  it('max32_alloc_size: a failed 32-bit size fails fast until something below 4 GiB is freed', () => {
    const d = dom();
    const a = allocIovaTree(d, 8, 15, true);
    expect(a).toBe(8);
    expect(allocIovaTree(d, 8, 15, true)).toBe(0); // only 1..7 left
    expect(d.max32AllocSize).toBe(8);
    expect(allocIovaTree(d, 16, LIMIT32, true)).toBe(0); // fast fail even with room
    expect(allocIovaTree(d, 4, LIMIT32, true)).not.toBe(0); // smaller sizes still try
    freeIova(d, a);
    expect(d.max32AllocSize).toBe(d.dma32BitPfn);
    expect(allocIovaTree(d, 16, LIMIT32, true)).not.toBe(0);
  });
});

describe('iova.c: rcache (per-CPU magazines)', () => {
  it('free_iova_fast parks a range in the rcache; it stays allocated in the tree', () => {
    const d = dom();
    const a = allocIova(d, 1, LIMIT32).pfn;
    const f = freeIovaFast(d, a, 1);
    expect(f.cached).toBe(true);
    expect(findIova(d, a)?.state).toBe('cached');
    expect(iovaRcacheCount(d)).toBe(1);
    // A tree allocation does not reuse it.
    expect(allocIovaTree(d, 1, LIMIT32, true)).toBe(0xffffe);
  });

  it('alloc_iova_fast reuses the most recently freed range of the size class (LIFO)', () => {
    const d = dom();
    const a = allocIova(d, 1, LIMIT32).pfn;
    const b = allocIova(d, 1, LIMIT32).pfn;
    freeIovaFast(d, a, 1);
    freeIovaFast(d, b, 1);
    const r1 = allocIova(d, 1, LIMIT32);
    const r2 = allocIova(d, 1, LIMIT32);
    expect([r1.pfn, r2.pfn]).toEqual([b, a]);
    expect(r1.fromRcache).toBe(true);
    expect(r1.events[0]).toMatchObject({ kind: 'iova_alloc', why: { fn: 'alloc_iova_fast' } });
  });

  it('unmapping 3 pages returns them to the 4-page bin (order_base_2(3) = 2)', () => {
    const d = dom();
    const a = allocIova(d, 3, LIMIT32);
    freeIovaFast(d, a.pfn, 3);
    expect(d.rcaches[2].loaded.size).toBe(1);
    expect(allocIova(d, 4, LIMIT32).pfn).toBe(a.pfn);
  });

  it('iova_magazine_pop takes the most recent pfn below the limit and swaps the top into its slot', () => {
    const d = dom();
    const low = allocIova(d, 1, 15).pfn; // 15
    const high = allocIova(d, 1, LIMIT32).pfn; // 14 (search starts at the cached node)
    const top = allocIovaTree(d, 1, 0xffffffff, true); // above 4 GiB
    freeIovaFast(d, low, 1);
    freeIovaFast(d, high, 1);
    freeIovaFast(d, top, 1);
    expect(Array.from(d.rcaches[0].loaded.pfns.slice(0, 3))).toEqual([low, high, top]);
    const r = allocIova(d, 1, LIMIT32); // top (above the limit) is skipped
    expect(r.pfn).toBe(high);
    expect(Array.from(d.rcaches[0].loaded.pfns.slice(0, 2))).toEqual([low, top]);
  });

  it('freed ranges larger than 32 granules go straight back to the tree', () => {
    const d = dom();
    const a = allocIova(d, 64, LIMIT32);
    const f = freeIovaFast(d, a.pfn, 64);
    expect(f.cached).toBe(false);
    expect(findIova(d, a.pfn)).toBeNull();
  });

  it('a full magazine is swapped with prev, then pushed to the depot (IOVA_MAG_SIZE = 127)', () => {
    const d = dom();
    const pfns: number[] = [];
    for (let i = 0; i < 2 * IOVA_MAG_SIZE + 1; i++) pfns.push(allocIova(d, 1, LIMIT32).pfn);
    for (const p of pfns) freeIovaFast(d, p, 1);
    const rc = d.rcaches[0];
    expect(rc.depot).toHaveLength(1);
    expect(rc.loaded.size).toBe(1);
    expect(rc.prev.size).toBe(IOVA_MAG_SIZE);
    expect(iovaRcacheCount(d)).toBe(2 * IOVA_MAG_SIZE + 1);
    // iova_depot_work_func keeps num_online_cpus() (1) magazines in the depot.
    expect(iovaDepotWork(d)).toBe(0);
  });

  it('iova_depot_work_func returns one surplus depot magazine to the tree per run', () => {
    const d = dom();
    const pfns: number[] = [];
    for (let i = 0; i < 4 * IOVA_MAG_SIZE; i++) pfns.push(allocIova(d, 1, LIMIT32).pfn);
    for (const p of pfns) freeIovaFast(d, p, 1);
    expect(d.rcaches[0].depot).toHaveLength(2);
    expect(iovaDepotWork(d)).toBe(IOVA_MAG_SIZE);
    expect(d.rcaches[0].depot).toHaveLength(1);
  });

  it('alloc_iova_fast flushes the rcache back to the tree when the tree is full, then retries once', () => {
    const d = dom();
    const pfns: number[] = [];
    for (let i = 0; i < 15; i++) pfns.push(allocIova(d, 1, 15).pfn);
    for (const p of pfns) freeIovaFast(d, p, 1); // all parked in bin 0
    expect(allocIova(d, 4, 15, false).pfn).toBe(0); // flush_rcache = false: fail
    const r = allocIova(d, 4, 15, true);
    expect(r.flushedRcache).toBe(true);
    expect(r.pfn).toBe(12);
    expect(iovaRcacheCount(d)).toBe(0);
    expect(r.events.some((e) => e.kind === 'note' && e.why.fn === 'alloc_iova_fast')).toBe(true);
  });

  it('refuses to free an IOVA that is not allocated, or twice (the kernel would corrupt its allocator)', () => {
    const d = dom();
    const a = allocIova(d, 1, LIMIT32).pfn;
    expect(freeIovaFast(d, a, 1).ok).toBe(true);
    expect(freeIovaFast(d, a, 1).ok).toBe(false);
    expect(freeIovaFast(d, 0x1234, 1).ok).toBe(false);
    expect(iovaRcacheCount(d)).toBe(1);
  });
});

describe('iova.c: reserve_iova', () => {
  it('a reserved range is never handed out', () => {
    const d = dom();
    expect(reserveIova(d, 0xff000, 0xfffff)).toBe(true);
    expect(allocIova(d, 1, LIMIT32).pfn).toBe(0xfefff);
    expect(iovaRanges(d).map((r) => r.state)).toEqual(['allocated', 'reserved']);
  });

  it('overlapping reservations merge into the existing node (__adjust_overlap_range)', () => {
    const d = dom();
    reserveIova(d, 100, 200);
    reserveIova(d, 50, 150);
    expect(iovaRanges(d)).toEqual([{ pfnLo: 50, pfnHi: 200, state: 'reserved' }]);
    reserveIova(d, 150, 300);
    expect(iovaRanges(d)).toEqual([
      { pfnLo: 50, pfnHi: 200, state: 'reserved' },
      { pfnLo: 201, pfnHi: 300, state: 'reserved' },
    ]);
  });
});

// ---------------------------------------------------------------------------
// properties

type Op = { t: 'alloc'; size: number; lim: number; fast: boolean } | { t: 'free'; pick: number; fast: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('alloc' as const), size: fc.integer({ min: 1, max: 40 }), lim: fc.constantFrom(255, 1023, LIMIT32), fast: fc.boolean() }),
  fc.record({ t: fc.constant('free' as const), pick: fc.nat(), fast: fc.boolean() }),
);

function checkTree(d: IovaDomain): void {
  for (let k = 0; k < d.lo.length; k++) {
    expect(d.lo[k]).toBeGreaterThanOrEqual(1);
    expect(d.hi[k]).toBeGreaterThanOrEqual(d.lo[k]);
    if (k > 0) expect(d.lo[k]).toBeGreaterThan(d.hi[k - 1]);
  }
}

describe('iova.c properties (fast-check)', () => {
  it('IOVAs never overlap across random alloc_iova_fast / free_iova_fast / free_iova sequences, and stay below the limit', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const d = dom();
        const live: Array<{ lo: number; n: number; asked: number }> = [];
        for (const op of ops) {
          if (op.t === 'alloc') {
            const r = allocIova(d, op.size, op.lim);
            if (!r.pfn) continue;
            expect(r.pfn + r.pages - 1).toBeLessThanOrEqual(op.lim);
            expect(r.pfn % roundupPow2(r.pages)).toBe(0);
            for (const l of live) expect(r.pfn + r.pages <= l.lo || l.lo + l.n <= r.pfn).toBe(true);
            live.push({ lo: r.pfn, n: r.pages, asked: op.size });
          } else if (live.length) {
            const [l] = live.splice(op.pick % live.length, 1);
            const f = op.fast ? freeIovaFast(d, l.lo, l.asked) : freeIova(d, l.lo);
            expect(f.ok).toBe(true);
          }
        }
        checkTree(d);
      }),
      { numRuns: 200 },
    );
  });

  it('every IOVA comes back once everything is freed and the rcache flushed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const d = dom();
        const live: Array<{ lo: number; asked: number }> = [];
        for (const op of ops) {
          if (op.t === 'alloc') {
            const r = allocIova(d, op.size, op.lim);
            if (r.pfn) live.push({ lo: r.pfn, asked: op.size });
          } else if (live.length) {
            const [l] = live.splice(op.pick % live.length, 1);
            freeIovaFast(d, l.lo, l.asked);
          }
        }
        for (const l of live) freeIovaFast(d, l.lo, l.asked);
        flushIovaRcaches(d);
        expect(d.lo).toHaveLength(0);
        expect(iovaRcacheCount(d)).toBe(0);
        expect(d.cached32Node).toBe(-1);
        expect(d.cachedNode).toBe(-1);
        // The domain behaves like a fresh one again.
        expect(allocIova(d, 1, LIMIT32).pfn).toBe(0xfffff);
      }),
      { numRuns: 200 },
    );
  });
});

// The 4.4–4.14 tree (DMA_IOMMU_GATES.iovaNodeCaching, e60aa7b53845 "iommu/iova: Extend rbtree node caching", 4.15),
// as a 4.11-era drivers/iommu/iova.c has it: __get_cached_rbnode() returns rb_last() unless limit_pfn <= dma_32bit_pfn
// and cached32_node is set, in which case the walk starts at rb_prev(cached32_node) with limit_pfn = its pfn_lo - 1;
// __cached_rbnode_insert_update() sets cached32_node only when limit_pfn == dma_32bit_pfn; the delete update moves it
// to rb_next(free) "only … if it's below 32bit pfn", else NULL. dma_32bit_pfn is dma-iommu's end_pfn (0xfffff).
// alloc_iova / __free_iova are what dma-iommu called before its rcache (bb65a64c7285, 4.12).
const LIMIT48 = 2 ** 36 - 1; // aperture_end >> 12

function oldDom(): IovaDomain {
  const d = dom();
  d.cached32Only = true;
  return d;
}

describe('iova.c before 4.15: cached32_node only', () => {
  it('alloc_iova takes exactly the asked granules, aligned to roundup_pow_of_two(size) by the padding', () => {
    const d = oldDom();
    expect(allocIovaPlain(d, 1, LIMIT32).pfn).toBe(0xfffff);
    // pad = (0xffffe + 1 - 3) & 3 = 0: pfn_lo = 0xffffe - 3 + 1
    const r = allocIovaPlain(d, 3, LIMIT32);
    expect(r).toMatchObject({ pfn: 0xffffc, pages: 3 });
    expect(findIova(d, 0xffffc)).toMatchObject({ pfnLo: 0xffffc, pfnHi: 0xffffe });
    expect(r.events[0]).toMatchObject({ kind: 'iova_alloc', size: 3 * 4096, why: { fn: 'alloc_iova' } });
  });

  it('a limit above dma_32bit_pfn walks from rb_last every time: it finds the hole above its last allocation', () => {
    const d = oldDom();
    expect(allocIova(d, 1, LIMIT48).pfn).toBe(LIMIT48);
    expect(allocIova(d, 3, LIMIT48).pfn).toBe(LIMIT48 - 7); // rounded to 4 by alloc_iova_fast, 3 pages of padding above
    expect(allocIova(d, 1, LIMIT48).pfn).toBe(LIMIT48 - 1); // the hole, not below the 4-page range
    // the same sequence on the 4.15+ tree starts below the cached node
    const n = dom();
    allocIova(n, 1, LIMIT48);
    allocIova(n, 3, LIMIT48);
    expect(allocIova(n, 1, LIMIT48).pfn).toBe(LIMIT48 - 8);
  });

  it('the 32-bit limit starts below cached32_node, skipping the hole as later kernels do', () => {
    const d = oldDom();
    allocIova(d, 1, LIMIT32);
    expect(allocIova(d, 3, LIMIT32).pfn).toBe(0xffff8);
    expect(d.cached32Node).toBe(0xffff8);
    expect(allocIova(d, 1, LIMIT32).pfn).toBe(0xffff7);
  });

  it('only an allocation with exactly dma_32bit_pfn sets cached32_node, but every lower limit uses it, with the limit replaced by its pfn_lo - 1', () => {
    const d = oldDom();
    expect(allocIovaPlain(d, 1, 0x3ffff).pfn).toBe(0x3ffff);
    expect(d.cached32Node).toBe(-1);
    expect(allocIovaPlain(d, 1, LIMIT32).pfn).toBe(0xfffff);
    expect(d.cached32Node).toBe(0xfffff);
    // *limit_pfn = curr_iova->pfn_lo - 1, whatever the caller asked: a 30-bit limit gets a pfn above it
    expect(allocIovaPlain(d, 1, 0x3ffff).pfn).toBe(0xffffe);
  });

  it('__free_iova at or above cached32_node moves it to the next node below dma_32bit_pfn, or forgets it', () => {
    const d = oldDom();
    allocIovaPlain(d, 1, LIMIT32); // 0xfffff
    allocIovaPlain(d, 1, LIMIT32); // 0xffffe
    allocIovaPlain(d, 1, LIMIT32); // 0xffffd
    expect(d.cached32Node).toBe(0xffffd);
    expect(freeIovaNode(d, 0xffffd).events[0]).toMatchObject({ kind: 'iova_free', iova: 0xffffd000, why: { fn: '__free_iova' } });
    expect(d.cached32Node).toBe(0xffffe);
    freeIovaNode(d, 0xffffe);
    // rb_next is 0xfffff, not below dma_32bit_pfn (0xfffff): forgotten, the next search starts at rb_last
    expect(d.cached32Node).toBe(-1);
    expect(allocIovaPlain(d, 1, LIMIT32).pfn).toBe(0xffffe);
    expect(d.cached32Node).toBe(0xffffe);
    // freeing below the cached node leaves it alone (the 30-bit limit is lifted to just below it and sets nothing)
    expect(allocIovaPlain(d, 1, 0x3ffff).pfn).toBe(0xffffd);
    expect(d.cached32Node).toBe(0xffffe);
    freeIovaNode(d, 0xffffd);
    expect(d.cached32Node).toBe(0xffffe);
  });

  it('properties: IOVAs never overlap and stay below 4 GiB or 48 bits; every IOVA comes back and cached32_node is always a live node or NULL', () => {
    const arb = fc.oneof(
      fc.record({ t: fc.constant('alloc' as const), size: fc.integer({ min: 1, max: 40 }), lim: fc.constantFrom(LIMIT32, LIMIT48), fast: fc.boolean() }),
      fc.record({ t: fc.constant('free' as const), pick: fc.nat(), fast: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 300 }), (ops) => {
        const d = oldDom();
        const live: Array<{ lo: number; n: number; asked: number; fast: boolean }> = [];
        for (const op of ops) {
          if (op.t === 'alloc') {
            const r = op.fast ? allocIova(d, op.size, op.lim) : allocIovaPlain(d, op.size, op.lim);
            if (!r.pfn) continue;
            expect(r.pfn + r.pages - 1).toBeLessThanOrEqual(op.lim);
            expect(r.pfn % roundupPow2(r.pages)).toBe(0);
            for (const l of live) expect(r.pfn + r.pages <= l.lo || l.lo + l.n <= r.pfn).toBe(true);
            live.push({ lo: r.pfn, n: r.pages, asked: op.size, fast: op.fast });
          } else if (live.length) {
            const [l] = live.splice(op.pick % live.length, 1);
            expect((l!.fast ? freeIovaFast(d, l!.lo, l!.asked) : freeIovaNode(d, l!.lo)).ok).toBe(true);
          }
          checkTree(d);
          expect(d.cached32Node === -1 || d.lo.includes(d.cached32Node)).toBe(true);
        }
        for (const l of live) (l.fast ? freeIovaFast(d, l.lo, l.asked) : freeIovaNode(d, l.lo));
        flushIovaRcaches(d);
        expect(d.lo).toHaveLength(0);
        expect(d.cached32Node).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });
});
