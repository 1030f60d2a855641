import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EEXIST, EINVAL, ERANGE } from '../../src/sim/errno.ts';
import { kernelCode } from '../../src/sim/config.ts';
import {
  IOMMU_CACHE,
  IOMMU_READ,
  IOMMU_WRITE,
  SZ_1G,
  SZ_2M,
  SZ_4K,
  createIoPgtable,
  formatPa,
  iommuPgsize,
  protString,
  ptEntries,
  ptIovaToPhys,
  ptMap,
  ptUnmap,
  ptWalk,
} from '../../src/sim/iommu/io-pgtable.ts';

const RW = IOMMU_READ | IOMMU_WRITE;

function pt() {
  return createIoPgtable({ name: 'smmu0' });
}

describe('io-pgtable-arm.c geometry (arm_lpae_alloc_pgtable, 4 KiB granule)', () => {
  it('48-bit IAS: 4 levels of 512 entries starting at L0', () => {
    const p = pt();
    expect(p.levels).toBe(4);
    expect(p.startLevel).toBe(0);
    expect(p.pgdEntries).toBe(512);
  });

  it('32-bit IAS: 3 levels with a 4-entry top table', () => {
    const p = createIoPgtable({ name: 'x', ias: 32 });
    expect(p.levels).toBe(3);
    expect(p.startLevel).toBe(1);
    expect(p.pgdEntries).toBe(4);
    expect(ptMap(p, 0xfffff000, 0x80000000, SZ_4K, RW).ret).toBe(0);
    expect(ptWalk(p, 0xfffff123).levels).toEqual([3, 511, 511]);
    expect(ptMap(p, 2 ** 32, 0x80000000, SZ_4K, RW).ret).toBe(ERANGE);
  });

  it('a 4K page walks L0..L3 with 9 bits of the IOVA per level', () => {
    const p = pt();
    const iova = 0x8040201000; // L0 1, L1 1, L2 1, L3 1
    expect(ptMap(p, iova, 0x12345000, SZ_4K, RW).ret).toBe(0);
    const w = ptWalk(p, iova + 0x10);
    expect(w.levels).toEqual([1, 1, 1, 1]);
    expect(w.phys).toBe(0x12345010);
    expect(w.pageSize).toBe(SZ_4K);
    expect(w.fault).toBeNull();
    expect(w.events[0]).toMatchObject({ kind: 'pt_walk', domain: 'smmu0', levels: [1, 1, 1, 1], phys: 0x12345010 });
  });
});

describe('iommu.c: iommu_map page-size selection (iommu_pgsize)', () => {
  it('2M-aligned iova and pa with 2M size → one L2 block', () => {
    const p = pt();
    const r = ptMap(p, 0x40200000, 0x80200000, SZ_2M, RW);
    expect(r.ret).toBe(0);
    expect(ptEntries(p)).toEqual([{ level: 2, path: [0, 1, 1], iova: 0x40200000, size: SZ_2M, phys: 0x80200000, prot: RW }]);
    expect(r.events[0]).toMatchObject({ kind: 'iommu_map', iova: 0x40200000, phys: 0x80200000, size: SZ_2M, prot: 'READ|WRITE' });
  });

  it('1G-aligned iova and pa with 1G size → one L1 block', () => {
    const p = pt();
    expect(ptMap(p, SZ_1G, 2 * SZ_1G, SZ_1G, RW).ret).toBe(0);
    const e = ptEntries(p);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ level: 1, size: SZ_1G });
    expect(ptWalk(p, SZ_1G + 0x1234).phys).toBe(2 * SZ_1G + 0x1234);
  });

  it('pa only 4K-aligned → 4K pages even when the iova is 2M-aligned', () => {
    const p = pt();
    expect(iommuPgsize(0x200000, 0x80001000, SZ_2M)).toEqual({ pgsize: SZ_4K, count: 512 });
    expect(ptMap(p, 0x200000, 0x80001000, SZ_2M, RW).ret).toBe(0);
    expect(ptEntries(p)).toHaveLength(512);
    expect(p.leaves).toBe(512);
  });

  it('small pages up to the 2M boundary, then a block, then small pages (count stops at the boundary)', () => {
    const p = pt();
    expect(iommuPgsize(0x1ff000, 0x1ff000, 0x202000)).toEqual({ pgsize: SZ_4K, count: 1 });
    expect(ptMap(p, 0x1ff000, 0x1ff000, 0x202000, RW).ret).toBe(0);
    expect(ptEntries(p).map((e) => [e.iova, e.size])).toEqual([
      [0x1ff000, SZ_4K],
      [0x200000, SZ_2M],
      [0x400000, SZ_4K],
    ]);
  });

  it('iova and pa offset differently within 2M never get a block', () => {
    expect(iommuPgsize(0x201000, 0x402000, 0x400000)).toEqual({ pgsize: SZ_4K, count: 1024 });
  });
});

describe('iommu.c / io-pgtable-arm.c: map errors', () => {
  it('iommu_map prints the exact "unaligned" pr_err and returns -EINVAL', () => {
    const p = pt();
    const r = ptMap(p, 0x1234, 0x12345000, 0x1000, RW);
    expect(r.ret).toBe(EINVAL);
    expect(r.log).toBe('iommu: unaligned: iova 0x1234 pa 0x0000000012345000 size 0x1000 min_pagesz 0x1000');
    expect(r.events[0]).toEqual({ kind: 'log', level: 'err', id: 'iommu.unaligned-map', text: r.log });
    expect(ptMap(p, 0x1000, 0x12345800, 0x1000, RW).log).toBe('iommu: unaligned: iova 0x1000 pa 0x0000000012345800 size 0x1000 min_pagesz 0x1000');
    expect(ptMap(p, 0x1000, 0x12345000, 0x800, RW).log).toBe('iommu: unaligned: iova 0x1000 pa 0x0000000012345000 size 0x800 min_pagesz 0x1000');
    expect(p.leaves).toBe(0);
  });

  it('%pa prints a 64-bit phys_addr_t as 0x + 16 hex digits', () => {
    expect(formatPa(0x12345000)).toBe('0x0000000012345000');
    expect(formatPa(0x8_0000_0000)).toBe('0x0000000800000000');
  });

  it('__arm_lpae_map returns -EEXIST when a leaf is present ("We require an unmap first")', () => {
    const p = pt();
    expect(ptMap(p, 0x1000, 0x5000, SZ_4K, RW).ret).toBe(0);
    const r = ptMap(p, 0x1000, 0x9000, SZ_4K, RW);
    expect(r.ret).toBe(EEXIST);
    expect(ptIovaToPhys(p, 0x1000)).toBe(0x5000);
    expect(r.events.some((e) => e.kind === 'note' && e.why.fn === 'arm_lpae_init_pte')).toBe(true);
  });

  it('-EEXIST from a block above the target level', () => {
    const p = pt();
    ptMap(p, 0x200000, 0x200000, SZ_2M, RW);
    expect(ptMap(p, 0x201000, 0x9000, SZ_4K, RW).ret).toBe(EEXIST);
  });

  it('iommu_map unrolls what it mapped when a later page fails', () => {
    const p = pt();
    ptMap(p, 0x3000, 0x7000, SZ_4K, RW);
    const r = ptMap(p, 0x1000, 0x100000, 0x3000, RW); // 0x1000, 0x2000 map, 0x3000 -EEXIST
    expect(r.ret).toBe(EEXIST);
    expect(ptIovaToPhys(p, 0x1000)).toBe(-1);
    expect(ptIovaToPhys(p, 0x2000)).toBe(-1);
    expect(ptIovaToPhys(p, 0x3000)).toBe(0x7000);
    expect(r.events.some((e) => e.kind === 'iommu_map')).toBe(false);
  });

  it('arm_lpae_map_pages: neither IOMMU_READ nor IOMMU_WRITE → -EINVAL', () => {
    const p = pt();
    expect(ptMap(p, 0x1000, 0x1000, SZ_4K, IOMMU_CACHE).ret).toBe(EINVAL);
    expect(p.leaves).toBe(0);
  });

  it('a block replaces an empty leftover table (arm_lpae_init_pte frees the old table)', () => {
    const p = pt();
    ptMap(p, 0x200000, 0x1000, SZ_4K, RW);
    expect(ptUnmap(p, 0x200000, SZ_4K).unmapped).toBe(SZ_4K);
    const tablesBefore = p.tables.size;
    expect(ptMap(p, 0x200000, 0x400000, SZ_2M, RW).ret).toBe(0);
    expect(p.tables.size).toBe(tablesBefore - 1);
    expect(ptEntries(p)).toHaveLength(1);
  });
});

describe('iommu.c / io-pgtable-arm.c: unmap', () => {
  it('iommu_unmap returns the bytes unmapped and clears the PTEs at once', () => {
    const p = pt();
    ptMap(p, 0x10000, 0x20000, 0x3000, RW);
    const r = ptUnmap(p, 0x10000, 0x3000);
    expect(r.unmapped).toBe(0x3000);
    expect(r.events.at(-1)).toMatchObject({ kind: 'iommu_unmap', iova: 0x10000, size: 0x3000, queued: false });
    expect(ptWalk(p, 0x10000).fault).toBe('translation');
    expect(ptUnmap(p, 0x10000, 0x1000, true).events.at(-1)).toMatchObject({ queued: true, size: 0 });
  });

  it('__iommu_unmap prints the exact "unaligned" pr_err and unmaps nothing', () => {
    const p = pt();
    ptMap(p, 0x1000, 0x1000, SZ_4K, RW);
    const r = ptUnmap(p, 0x1000, 0x800);
    expect(r.unmapped).toBe(0);
    expect(r.log).toBe('iommu: unaligned: iova 0x1000 size 0x800 min_pagesz 0x1000');
    expect(ptIovaToPhys(p, 0x1000)).toBe(0x1000);
  });

  it('iommu_unmap stops at the first hole (WARN_ON(!pte) in __arm_lpae_unmap)', () => {
    const p = pt();
    ptMap(p, 0x1000, 0x1000, SZ_4K, RW);
    ptMap(p, 0x3000, 0x3000, SZ_4K, RW);
    const r = ptUnmap(p, 0x1000, 0x3000);
    expect(r.unmapped).toBe(0x1000);
    expect(ptIovaToPhys(p, 0x3000)).toBe(0x3000);
  });

  it('unmapping part of a block: WARN_ONCE "Unmap of a partial large IOPTE is not allowed", 0 bytes', () => {
    const p = pt();
    ptMap(p, 0x200000, 0x600000, SZ_2M, RW);
    const r = ptUnmap(p, 0x201000, SZ_4K);
    expect(r.unmapped).toBe(0);
    expect(r.events).toContainEqual({ kind: 'log', level: 'warn', id: 'io-pgtable.partial-unmap', text: 'Unmap of a partial large IOPTE is not allowed' });
    const again = ptUnmap(p, 0x200000, SZ_4K);
    expect(again.unmapped).toBe(0);
    expect(again.events.some((e) => e.kind === 'log')).toBe(false); // _ONCE
    expect(ptIovaToPhys(p, 0x2ff000)).toBe(0x6ff000);
  });

  it('arm_lpae_init_pte: a block mapped over a table that still holds pages discards them (the table is unmapped first)', () => {
    const p = pt();
    ptMap(p, 0x201000, 0x9000, SZ_4K, RW);
    expect(ptMap(p, 0x200000, 0x400000, SZ_2M, RW).ret).toBe(0);
    expect(ptIovaToPhys(p, 0x201000)).toBe(0x401000);
    expect(p.leaves).toBe(1);
  });

  it('a 2M unmap over a table of 4K pages frees the whole table', () => {
    const p = pt();
    ptMap(p, 0x200000, 0x80001000, SZ_2M, RW); // 512 pages: pa not 2M-aligned
    const tables = p.tables.size;
    expect(ptUnmap(p, 0x200000, SZ_2M).unmapped).toBe(SZ_2M);
    expect(p.leaves).toBe(0);
    expect(p.tables.size).toBe(tables - 1);
  });
});

describe('io-pgtable-arm.c stage-1 permissions (arm_lpae_prot_to_pte)', () => {
  it('stage 1 cannot express write-only: an IOMMU_WRITE-only (FROM_DEVICE) leaf is readable', () => {
    const p = pt();
    ptMap(p, 0x1000, 0x5000, SZ_4K, IOMMU_WRITE);
    expect(ptWalk(p, 0x1000, 'read').fault).toBeNull();
    expect(ptWalk(p, 0x1000, 'write').fault).toBeNull();
  });

  it('an IOMMU_READ-only (TO_DEVICE) leaf is AP_RDONLY: a device write is a permission fault', () => {
    const p = pt();
    ptMap(p, 0x1000, 0x5000, SZ_4K, IOMMU_READ);
    expect(ptWalk(p, 0x1000, 'read').fault).toBeNull();
    const w = ptWalk(p, 0x1000, 'write');
    expect(w.fault).toBe('permission');
    expect(w.phys).toBe(0x5000);
  });

  it('protString names the IOMMU_* flags', () => {
    expect(protString(IOMMU_READ | IOMMU_CACHE)).toBe('READ|CACHE');
  });
});

// ---------------------------------------------------------------------------

type PtOp = { t: 'map'; slot: number; pages: number; paOff: number; block: boolean } | { t: 'unmap'; pick: number };

describe('io-pgtable properties (fast-check)', () => {
  it('after random iommu_map / iommu_unmap of whole mappings, every page translates as a reference model says', () => {
    const opArb: fc.Arbitrary<PtOp> = fc.oneof(
      fc.record({ t: fc.constant('map' as const), slot: fc.integer({ min: 0, max: 15 }), pages: fc.integer({ min: 1, max: 600 }), paOff: fc.integer({ min: 0, max: 3 }), block: fc.boolean() }),
      fc.record({ t: fc.constant('unmap' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const p = pt();
        const model = new Map<number, number>(); // page iova -> phys
        const live: Array<{ iova: number; size: number }> = [];
        for (const op of ops) {
          if (op.t === 'map') {
            // Slots are 4 MiB apart so mappings never share a 2M table unless they overlap.
            const iova = op.slot * 2 * SZ_2M + (op.block ? 0 : SZ_4K * (op.slot % 3));
            const size = op.pages * SZ_4K;
            const pa = 0x40000000 + op.slot * 4 * SZ_2M + op.paOff * SZ_4K;
            if (live.some((l) => iova < l.iova + l.size && l.iova < iova + size)) continue;
            const r = ptMap(p, iova, pa, size, RW);
            expect(r.ret).toBe(0);
            live.push({ iova, size });
            for (let i = 0; i < op.pages; i++) model.set(iova + i * SZ_4K, pa + i * SZ_4K);
          } else if (live.length) {
            const [l] = live.splice(op.pick % live.length, 1);
            expect(ptUnmap(p, l.iova, l.size).unmapped).toBe(l.size);
            for (let a = l.iova; a < l.iova + l.size; a += SZ_4K) model.delete(a);
          }
        }
        let leafBytes = 0;
        for (const e of ptEntries(p)) leafBytes += e.size;
        expect(leafBytes).toBe(model.size * SZ_4K);
        for (const [iova, phys] of model) expect(ptIovaToPhys(p, iova)).toBe(phys);
      }),
      { numRuns: 100 },
    );
  });
});

// drivers/iommu/intel/iommu.c (intel-iommu.c before 5.8), the stored torvalds/linux tree and 4.x/5.x trees:
// intel_iommu_map sets DMA_PTE_READ (bit 0) for IOMMU_READ and DMA_PTE_WRITE (bit 1) for IOMMU_WRITE; __domain_mapping
// returns -EINVAL when "(prot & (DMA_PTE_READ|DMA_PTE_WRITE)) == 0", pr_crit "ERROR: DMA PTE for vPFN 0x%lx already
// set (to %llx not %llx)" + WARN_ON(1) and goes on (returns 0) when the cmpxchg from 0 fails; intel_iommu_unmap
// rounds "size < VTD_PAGE_SIZE << level_to_offset_bits(level)" up to the level of the entry at the iova.
describe('VT-d second-level semantics (x86: createIoPgtable vtd)', () => {
  const vtd = (kernel?: number) => createIoPgtable({ name: 'vtd0', format: 'vtd', kernel });

  it('a write-only (IOMMU_WRITE) leaf faults on a device read and takes a write; ARM LPAE stage 1 lets the read through', () => {
    const v = vtd();
    expect(ptMap(v, 0x40000000, 0x80000000, SZ_4K, IOMMU_WRITE).ret).toBe(0);
    expect(ptWalk(v, 0x40000010, 'read').fault).toBe('permission');
    expect(ptWalk(v, 0x40000010, 'write').fault).toBeNull();
    const a = pt();
    ptMap(a, 0x40000000, 0x80000000, SZ_4K, IOMMU_WRITE);
    expect(ptWalk(a, 0x40000010, 'read').fault).toBeNull();
  });

  it('a read-only leaf faults on a write, a read|write leaf takes both', () => {
    const v = vtd();
    ptMap(v, 0x40000000, 0x80000000, SZ_4K, IOMMU_READ);
    ptMap(v, 0x40001000, 0x80001000, SZ_4K, RW);
    expect(ptWalk(v, 0x40000000, 'write').fault).toBe('permission');
    expect(ptWalk(v, 0x40000000, 'read').fault).toBeNull();
    expect(ptWalk(v, 0x40001000, 'write').fault).toBeNull();
    expect(ptWalk(v, 0x40001000, 'read').fault).toBeNull();
  });

  it('no IOMMU_READ|IOMMU_WRITE: -EINVAL on every version (5.15-6.10 included, where io-pgtable-arm hangs)', () => {
    for (const k of [kernelCode('4.4'), kernelCode('5.15'), kernelCode('6.10'), kernelCode('6.18')]) {
      const r = ptMap(vtd(k), 0x40000000, 0x80000000, SZ_4K, IOMMU_CACHE);
      expect(r.ret).toBe(EINVAL);
      expect(r.hang).toBeUndefined();
      expect(r.events.some((e) => e.kind === 'note' && e.why.fn === '__domain_mapping')).toBe(true);
    }
    expect(ptMap(createIoPgtable({ name: 's', kernel: kernelCode('6.10') }), 0x40000000, 0x80000000, SZ_4K, IOMMU_CACHE).hang).toBe(true);
  });

  it('mapping over a present PTE keeps the old one, prints the pr_crit and returns 0 (ARM: -EEXIST)', () => {
    const v = vtd();
    ptMap(v, 0x40000000, 0x80000000, SZ_4K, RW);
    const r = ptMap(v, 0x40000000, 0x90000000, SZ_4K, IOMMU_READ);
    expect(r.ret).toBe(0);
    expect(r.events.find((e) => e.kind === 'log')).toMatchObject({ level: 'crit', text: 'DMAR: ERROR: DMA PTE for vPFN 0x40000 already set (to 80000003 not 90000001)' });
    expect(ptIovaToPhys(v, 0x40000000)).toBe(0x80000000);
    const a = pt();
    ptMap(a, 0x40000000, 0x80000000, SZ_4K, RW);
    expect(ptMap(a, 0x40000000, 0x90000000, SZ_4K, IOMMU_READ).ret).toBe(EEXIST);
  });

  it('unmapping 4 KiB at the start of a 2 MiB superpage unmaps the whole superpage and returns 2 MiB, on every version', () => {
    for (const k of [kernelCode('6.12'), kernelCode('6.13')]) {
      const v = vtd(k);
      ptMap(v, 0x40000000, 0x80000000, SZ_2M, RW);
      expect(ptEntries(v)).toHaveLength(1);
      const u = ptUnmap(v, 0x40000000, SZ_4K);
      expect(u.unmapped).toBe(SZ_2M);
      expect(u.events.some((e) => e.kind === 'log')).toBe(false);
      expect(ptIovaToPhys(v, 0x40001000)).toBe(-1);
      expect(ptEntries(v)).toEqual([]);
    }
  });

  it('unmapping a hole reports the size unmapped, with no WARN; ARM stops at the hole (0)', () => {
    const v = vtd();
    ptMap(v, 0x40000000, 0x80000000, SZ_4K, RW);
    const u = ptUnmap(v, 0x40000000, 2 * SZ_4K);
    expect(u.unmapped).toBe(2 * SZ_4K);
    expect(u.events.some((e) => e.kind === 'note' && e.text.includes('WARN'))).toBe(false);
    expect(ptEntries(v)).toEqual([]);
    const a = pt();
    ptMap(a, 0x40000000, 0x80000000, SZ_4K, RW);
    expect(ptUnmap(a, 0x40000000, 2 * SZ_4K).unmapped).toBe(SZ_4K);
  });

  it('an unmap inside a superpage but not at its start leaves it mapped and reports what the driver does to its memory', () => {
    const v = vtd();
    ptMap(v, 0x40000000, 0x80000000, SZ_2M, RW);
    const u = ptUnmap(v, 0x40001000, SZ_4K);
    expect(u.unmapped).toBe(SZ_2M);
    expect(u.events.some((e) => e.kind === 'finding' && e.rule === 'vtd-superpage-descent')).toBe(true);
    expect(ptIovaToPhys(v, 0x40001000)).toBe(0x80001000);
  });
});
