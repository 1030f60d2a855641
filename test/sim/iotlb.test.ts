import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createIotlb,
  iotlbEntries,
  iotlbFill,
  iotlbInvalidateAll,
  iotlbInvalidateRange,
  iotlbLookup,
  iotlbTranslate,
} from '../../src/sim/iommu/iotlb.ts';
import { IOMMU_READ, IOMMU_WRITE, SZ_2M, SZ_4K, createIoPgtable, ptMap, ptUnmap } from '../../src/sim/iommu/io-pgtable.ts';

const RW = IOMMU_READ | IOMMU_WRITE;

function setup(capacity?: number) {
  const pt = createIoPgtable({ name: 'smmu0' });
  const tlb = createIotlb('smmu0', capacity);
  return { pt, tlb };
}

describe('IOTLB: caching walks', () => {
  it('a miss walks the table and fills; the next access hits without a walk', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0xfffff000, 0x80000000, SZ_4K, RW);
    const a = iotlbTranslate(tlb, pt, 0xfffff010, 'read');
    expect(a.hit).toBe(false);
    expect(a.phys).toBe(0x80000010);
    expect(a.events.map((e) => e.kind === 'iotlb' ? e.op : e.kind)).toEqual(['miss', 'pt_walk', 'fill']);
    const b = iotlbTranslate(tlb, pt, 0xfffff020, 'write');
    expect(b.hit).toBe(true);
    expect(b.phys).toBe(0x80000020);
    expect(b.events).toHaveLength(1);
    expect(b.events[0]).toMatchObject({ kind: 'iotlb', op: 'hit', stale: false });
    expect(tlb.hits).toBe(1);
    expect(tlb.misses).toBe(1);
  });

  it('a 2M block entry covers every address inside the block', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x200000, 0x40000000, SZ_2M, RW);
    iotlbTranslate(tlb, pt, 0x200000, 'read');
    const r = iotlbLookup(tlb, 0x3ff000, pt);
    expect(r.hit).toBe(true);
    expect(r.size).toBe(SZ_2M);
    expect(r.phys).toBe(0x401ff000);
  });

  it('lazy-mode stale window: after the PTE is cleared a hit still reaches the old page, marked stale', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x1000, 0x5000, SZ_4K, RW);
    iotlbTranslate(tlb, pt, 0x1000, 'read');
    ptUnmap(pt, 0x1000, SZ_4K, true); // iommu_unmap_fast: PTE gone, IOTLB untouched
    const r = iotlbTranslate(tlb, pt, 0x1000, 'write');
    expect(r.hit).toBe(true);
    expect(r.stale).toBe(true);
    expect(r.phys).toBe(0x5000);
    expect(r.fault).toBeNull();
    expect(r.events[0]).toMatchObject({ kind: 'iotlb', op: 'hit', stale: true });
    expect(iotlbEntries(tlb, pt)).toEqual([{ iova: 0x1000, size: SZ_4K, phys: 0x5000, prot: RW, stale: true }]);
  });

  it('a remap to another page also makes the old entry stale', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x1000, 0x5000, SZ_4K, RW);
    iotlbTranslate(tlb, pt, 0x1000, 'read');
    ptUnmap(pt, 0x1000, SZ_4K, true);
    ptMap(pt, 0x1000, 0x9000, SZ_4K, RW);
    expect(iotlbLookup(tlb, 0x1000, pt)).toMatchObject({ hit: true, stale: true, phys: 0x5000 });
  });

  it('iommu_iotlb_sync (range invalidation): the next access misses, walks the cleared table and faults', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x1000, 0x5000, 0x2000, RW);
    iotlbTranslate(tlb, pt, 0x1000, 'read');
    iotlbTranslate(tlb, pt, 0x2000, 'read');
    ptUnmap(pt, 0x1000, SZ_4K);
    const inv = iotlbInvalidateRange(tlb, 0x1000, SZ_4K);
    expect(inv.removed).toBe(1);
    expect(inv.events[0]).toMatchObject({ kind: 'iotlb', op: 'inval', iova: 0x1000 });
    const r = iotlbTranslate(tlb, pt, 0x1000, 'read');
    expect(r.hit).toBe(false);
    expect(r.phys).toBeNull();
    expect(r.fault).toBe('translation');
    expect(iotlbLookup(tlb, 0x2000, pt).hit).toBe(true);
  });

  it('flush_iotlb_all empties the IOTLB', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x1000, 0x5000, 0x3000, RW);
    for (const a of [0x1000, 0x2000, 0x3000]) iotlbTranslate(tlb, pt, a, 'read');
    const f = iotlbInvalidateAll(tlb);
    expect(f.removed).toBe(3);
    expect(f.events[0]).toMatchObject({ op: 'flush' });
    expect(tlb.entries.size).toBe(0);
  });

  it('permissions are cached: a device write through a TO_DEVICE (IOMMU_READ) entry faults on a hit too', () => {
    const { pt, tlb } = setup();
    ptMap(pt, 0x1000, 0x5000, SZ_4K, IOMMU_READ);
    expect(iotlbTranslate(tlb, pt, 0x1000, 'read').fault).toBeNull();
    const w = iotlbTranslate(tlb, pt, 0x1000, 'write');
    expect(w.hit).toBe(true);
    expect(w.fault).toBe('permission');
  });

  it('bounded size, least recently used entry evicted first (deterministic)', () => {
    const { tlb } = setup(2);
    iotlbFill(tlb, 0x1000, SZ_4K, 0xa000, RW);
    iotlbFill(tlb, 0x2000, SZ_4K, 0xb000, RW);
    iotlbLookup(tlb, 0x1000); // 0x1000 becomes most recent
    iotlbFill(tlb, 0x3000, SZ_4K, 0xc000, RW);
    expect(iotlbEntries(tlb).map((e) => e.iova)).toEqual([0x1000, 0x3000]);
    expect(tlb.evictions).toBe(1);
  });
});

describe('IOTLB properties (fast-check)', () => {
  it('never holds more than its capacity, and without page-table changes a hit equals the walk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 31 }), { maxLength: 200 }), (cap, pages) => {
        const { pt, tlb } = setup(cap);
        ptMap(pt, 0, 0x100000, 32 * SZ_4K, RW);
        for (const pg of pages) {
          const r = iotlbTranslate(tlb, pt, pg * SZ_4K + 8, 'read');
          expect(r.phys).toBe(0x100000 + pg * SZ_4K + 8);
          expect(r.stale).toBe(false);
          expect(tlb.entries.size).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 100 },
    );
  });
});
