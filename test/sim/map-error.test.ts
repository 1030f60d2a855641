// The value a failed streaming map hands the driver where no version gate changes it (src/sim/dma/map-error.ts;
// the gated changes are tested at their boundaries in kernel-versions.test.ts):
// - arm32's arm_dma_ops: DMA_ERROR_CODE (~(dma_addr_t)0x0, arch/arm/include/asm/dma-mapping.h) until 4.13, then
//   ARM_MAPPING_ERROR with the same value and arm_dma_mapping_error() ("[PATCH 25/44] arm: implement ->mapping_error",
//   2017-06-16, also for the ARM_DMA_USE_IOMMU ops and dmabounce): all ones on both sides;
// - x86's pci-nommu before 4.17: nommu_map_page() "return DMA_ERROR_CODE;" with x86's "#define DMA_ERROR_CODE 0"
//   (TROVON v4.4 copy of pci-nommu.c; "[PATCH 24/44] x86: remove DMA_ERROR_CODE"), then "return
//   NOMMU_MAPPING_ERROR;" (0) with nommu_mapping_error() (TROVON v4.13 copy): 0 on both sides of 4.13.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';

function at(r: RunResult, prefix: string): StepJson {
  const s = r.steps.find((x) => x.source.startsWith(prefix));
  if (!s) throw new Error(`no step starting with '${prefix}'`);
  return s;
}

const UNREACHABLE = (arch: string, ram: string, mask: number) => `machine(arch=${arch}, ram=${ram}, swiotlb=0)
device(nic, dma_mask=${mask})
hi = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, hi, 4096, DMA_FROM_DEVICE) => DMA_MAPPING_ERROR
dma_mapping_error(nic, h)
dev_write(nic, h, "oops")
`;

describe("a failed map's handle where no gate changes it", () => {
  it('arm32 arm_dma_ops: all ones on 4.12, 4.13 and 4.19; dma_mapping_error() is 1 and the device cannot emit the address', () => {
    for (const kernel of ['4.12', '4.13', '4.19']) {
      const r = runScenario(UNREACHABLE('arm', '2G', 24), { kernel });
      expect(r.checks.failed).toBe(0);
      expect(at(r, 'h =').result).toBe('0xffffffffffffffff');
      expect(at(r, 'h =').events.find((e) => e.kind === 'note' && e.text.startsWith('map failed'))).toMatchObject({ why: { fn: 'arm_dma_map_page', file: 'arch/arm/mm/dma-mapping.c' } });
      expect(at(r, 'dma_mapping_error').result).toBe(1);
      expect(at(r, 'dev_write').error).toBe('FAULT');
      expect(at(r, 'dev_write').observations.join(' ')).toContain('the handle of a failed map: ARM_MAPPING_ERROR, all ones');
    }
  });

  it('x86 pci-nommu: 0 on 4.12 and 4.13 (DMA_ERROR_CODE, then NOMMU_MAPPING_ERROR); a driver that ignores it makes its device write bus address 0', () => {
    for (const kernel of ['4.12', '4.13']) {
      // iommu=off: no swiotlb at all (swiotlb=0 alone would be swiotlb=noforce, with swiotlb's ops)
      const r = runScenario(UNREACHABLE('x86', '8G', 32).replace('swiotlb=0', 'swiotlb=0, iommu_off=true'), { kernel });
      expect(r.checks.failed).toBe(0);
      expect(at(r, 'h =').result).toBe('0x0');
      expect(at(r, 'h =').events.find((e) => e.kind === 'note' && e.text.startsWith('map failed'))).toMatchObject({ why: { fn: 'nommu_map_page', file: 'arch/x86/kernel/pci-nommu.c' } });
      expect(at(r, 'dma_mapping_error').result).toBe(1);
      expect(at(r, 'dev_write').error).toBeNull();
      expect(at(r, 'dev_write').events.find((e) => e.kind === 'dev_access')).toMatchObject({ phys: 0 });
    }
  });

  it('the language keeps calling the failure DMA_MAPPING_ERROR on every version, whatever the value', () => {
    for (const kernel of ['4.4', '4.19', '4.20', '5.0', '6.18']) {
      const r = runScenario(UNREACHABLE('x86', '8G', 32), { kernel });
      expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(r, 'h =').checks[0]).toMatchObject({ passed: true });
    }
  });
});

// arm64 before 5.0 with no swiotlb pool: its dma_map_ops are swiotlb's (swiotlb_map_page, __swiotlb_map_page before
// 4.20), never dma-direct's, so no "overflow" report. With RAM beyond ZONE_DMA, arm64's mem_init() runs
// swiotlb_init(1) ("if (swiotlb_force || max_pfn > (arm64_dma_phys_limit >> PAGE_SHIFT))"). From 4.10 swiotlb=0
// there is the boot option swiotlb=noforce: lib/swiotlb.c of 4.14 (TROVON copy) — setup_io_tlb_npages() "noforce"
// sets swiotlb_force = SWIOTLB_NO_FORCE and io_tlb_nslabs = 1; swiotlb_init() takes PAGE_ALIGN(one slab) with
// memblock_virt_alloc_low_nopanic() and swiotlb_init_with_tbl() the io_tlb_overflow buffer (32 KiB) after it;
// map_single() "if (swiotlb_force == SWIOTLB_NO_FORCE) { dev_warn_ratelimited(hwdev, "Cannot do DMA to address
// %pa\n", &phys); return SWIOTLB_MAP_ERROR; }"; swiotlb_full() returns at once for SWIOTLB_NO_FORCE; swiotlb_map_page()
// returns swiotlb_phys_to_dma(dev, io_tlb_overflow_buffer). Before 4.10 there is no such option: a missing pool is one
// swiotlb_init(1) could not allocate, no_iotlb_memory is set, and swiotlb_tbl_map_single() panics ("Can not allocate
// SWIOTLB buffer earlier …", lib/swiotlb.c of 4.9). The all-RAM-in-ZONE_DMA case is SWIOTLB_GATES.noForce's boundary.
describe('arm64 before 5.0 without a swiotlb pool, RAM beyond ZONE_DMA (8 GiB)', () => {
  it('4.9: no swiotlb=noforce, so the pool failed to allocate and swiotlb_tbl_map_single panics; never the dma-direct overflow line', () => {
    const r = runScenario(UNREACHABLE('arm64', '8G', 32), { kernel: '4.9' });
    const h = at(r, 'h =');
    expect(h.warnings).toEqual(["Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer"]);
    expect(h.observationRules).toContain('swiotlb/no-pool-panic');
    expect(h.result).toBe('0x0');
    expect(h.events.find((e) => e.kind === 'note' && e.text === 'no swiotlb pool')).toMatchObject({ why: { fn: '__swiotlb_map_page', file: 'arch/arm64/mm/dma-mapping.c' } });
  });

  it('4.14 and 4.19: swiotlb=noforce, map_single warns "Cannot do DMA to address" and fails, no panic, no "Out of SW-IOMMU space"; the handle is the overflow buffer (32 KiB below the one-slab page under 4 GiB), where the device\'s write lands', () => {
    for (const kernel of ['4.14', '4.19']) {
      const r = runScenario(UNREACHABLE('arm64', '8G', 32), { kernel });
      expect(r.checks.failed).toBe(0);
      const h = at(r, 'h =');
      expect(h.warnings).toEqual([expect.stringMatching(/^nic nic: Cannot do DMA to address 0x00000001[0-9a-f]{8}$/)]);
      expect(h.observationRules).not.toContain('swiotlb/no-pool-panic');
      const overflow = 2 ** 32 - 16 * 2 ** 20 - 4096 - 32 * 1024; // below the default 16 MiB CMA area and the slab page
      expect(h.result).toBe(`0x${overflow.toString(16)}`);
      expect(at(r, 'dma_mapping_error(nic, h)').result).toBe(1);
      expect(at(r, 'dev_write').observations.join(' ')).toContain("swiotlb's overflow buffer");
    }
  });

  it('4.20: swiotlb=noforce, swiotlb_map_page warns "Cannot do DMA to address" and returns DIRECT_MAPPING_ERROR (all ones): the overflow buffer is gone', () => {
    const r = runScenario(UNREACHABLE('arm64', '8G', 32), { kernel: '4.20' });
    const h = at(r, 'h =');
    expect(h.warnings).toEqual([expect.stringMatching(/^nic nic: Cannot do DMA to address 0x00000001[0-9a-f]{8}$/)]);
    expect(h.result).toBe('0xffffffffffffffff');
  });
});

// A driver that ignores the failure and unmaps or syncs the handle: the back end gets its own failure value.
// arm64 before 4.20: __swiotlb_unmap_page "if (!is_device_dma_coherent(dev) && (attrs & DMA_ATTR_SKIP_CPU_SYNC) == 0)
// __dma_unmap_area(phys_to_virt(dma_to_phys(dev, dev_addr)), size, dir);" then swiotlb_unmap_page → unmap_single():
// "if (is_swiotlb_buffer(paddr)) {…} if (dir != DMA_FROM_DEVICE) return; dma_mark_clean(…)" (TROVON v4.14
// lib/swiotlb.c) — the overflow buffer lies outside io_tlb_start..io_tlb_end, so only the cache maintenance happens.
const FAILED_HANDLE = (arch: string, coherent: boolean, unmapAttrs = '') => `machine(arch=${arch}, ram=8G, swiotlb=256K)
device(nic, dma_mask=32, coherent=${coherent})
a = kmalloc(262144, GFP_KERNEL)
c = kmalloc(4096, GFP_KERNEL)
ha = dma_map_single(nic, a, 262144, DMA_TO_DEVICE)
hc = dma_map_single(nic, c, 4096, DMA_FROM_DEVICE) => DMA_MAPPING_ERROR
dma_sync_single_for_cpu(nic, hc, 4096, DMA_FROM_DEVICE)
dma_unmap_single(nic, hc, 4096, DMA_FROM_DEVICE${unmapAttrs})
`;

const maint = (s: StepJson) => s.events.filter((e) => e.kind === 'cache_maint') as Array<{ start: number; size: number }>;

describe("unmapping or syncing a failed map's handle", () => {
  it('arm64 4.19, non-coherent: __swiotlb_sync_single_for_cpu and __swiotlb_unmap_page invalidate the overflow buffer (not a pool slot: no copy, no free); coherent or DMA_ATTR_SKIP_CPU_SYNC: no maintenance', () => {
    const r = runScenario(FAILED_HANDLE('arm64', false), { kernel: '4.19' });
    expect(r.checks.failed).toBe(0);
    const overflow = Number(at(r, 'hc =').result);
    for (const step of ['dma_sync_single_for_cpu', 'dma_unmap_single']) {
      expect(maint(at(r, step))).toEqual([expect.objectContaining({ start: overflow, size: 4096 })]);
      expect(at(r, step).events.some((e) => e.kind === 'bounce' || e.kind === 'swiotlb_free')).toBe(false);
      expect(at(r, step).events.find((e) => e.kind === 'note' && e.text === 'the overflow buffer, not a pool slot')).toMatchObject({ why: { file: 'arch/arm64/mm/dma-mapping.c' } });
      expect(at(r, step).observationRules).not.toContain('api/failed-handle');
    }
    const coherent = runScenario(FAILED_HANDLE('arm64', true), { kernel: '4.19' });
    const skip = runScenario(FAILED_HANDLE('arm64', false, ', DMA_ATTR_SKIP_CPU_SYNC'), { kernel: '4.19' });
    expect(maint(at(coherent, 'dma_unmap_single'))).toEqual([]);
    expect(maint(at(coherent, 'dma_sync_single_for_cpu'))).toEqual([]);
    expect(maint(at(skip, 'dma_unmap_single'))).toEqual([]);
  });

  it("all ones (arm64 4.20's swiotlb ops, dma-direct 5.0 and 6.6): dma_to_phys(~0) is no RAM, the maintenance is told, not done; x86 4.19 with a pool: swiotlb_unmap_page does nothing", () => {
    for (const kernel of ['4.20', '5.0', '6.6']) {
      const r = runScenario(FAILED_HANDLE('arm64', false), { kernel });
      for (const step of ['dma_sync_single_for_cpu', 'dma_unmap_single']) {
        expect(maint(at(r, step))).toEqual([]);
        expect(at(r, step).observationRules).toContain('api/failed-handle');
      }
      expect(at(r, 'dma_unmap_single').events.find((e) => e.kind === 'note' && e.text === 'no RAM behind the handle')).toMatchObject({ why: { fn: kernel === '4.20' ? 'swiotlb_unmap_page' : 'dma_direct_unmap_page' } });
    }
    const x86 = runScenario(FAILED_HANDLE('x86', true), { kernel: '4.19' });
    expect(at(x86, 'dma_unmap_single').events.find((e) => e.kind === 'note' && e.text === 'not a pool slot')).toMatchObject({ why: { fn: 'swiotlb_unmap_page' } });
    expect(at(x86, 'dma_unmap_single').observationRules).not.toContain('api/failed-handle');
  });

  it("arm64 dma-iommu 4.13: unmapping IOVA 0 is told (iommu_unmap unmaps nothing, __iommu_dma_unmap's WARN_ON, an IOVA range freed that was never allocated), the page table is untouched", () => {
    const r = runScenario(`machine(arch=arm64)
iommu(smmu)
device(nic, dma_mask=16, iommu=smmu, coherent=true)
b = kmalloc(131072, GFP_KERNEL)
h = dma_map_single(nic, b, 131072, DMA_TO_DEVICE) => DMA_MAPPING_ERROR
dma_unmap_single(nic, h, 131072, DMA_TO_DEVICE)
`, { kernel: '4.13' });
    expect(at(r, 'h =').result).toBe('0x0');
    const u = at(r, 'dma_unmap_single');
    expect(u.events.find((e) => e.kind === 'note' && e.text === 'IOVA never mapped')).toMatchObject({ why: { fn: '__iommu_unmap_page', file: 'arch/arm64/mm/dma-mapping.c' } });
    expect(u.observationRules).toContain('api/failed-handle');
    expect(u.events.some((e) => e.kind === 'iommu_unmap' || e.kind === 'iova_free')).toBe(false);
  });
});

describe('x86 before 5.0 with swiotlb=0: swiotlb=noforce keeps swiotlb ops, iommu=off keeps none', () => {
  // arch/x86/kernel/pci-swiotlb.c: pci_swiotlb_detect_4gb() sets swiotlb = 1 with RAM above 4 GiB unless no_iommu
  // (iommu=off); pci_swiotlb_init() then calls swiotlb_init(0) (one slab with swiotlb=noforce) and installs
  // swiotlb_dma_ops. swiotlb_map_page → map_single(): "if (swiotlb_force == SWIOTLB_NO_FORCE) { dev_warn_ratelimited(
  // hwdev, "Cannot do DMA to address %pa\n", &phys); return SWIOTLB_MAP_ERROR; }", swiotlb_full() returns at once
  // for SWIOTLB_NO_FORCE, and the handle is io_tlb_overflow_buffer's address (lib/swiotlb.c of 4.14)
  it(`4.14 swiotlb=noforce: "Cannot do DMA to address", the handle is the overflow buffer below the one-slab pool; iommu=off: pci-nommu's printk and handle 0`, () => {
    const noforce = runScenario(UNREACHABLE('x86', '8G', 32), { kernel: '4.14' });
    const h = at(noforce, 'h =');
    expect(h.warnings).toEqual([expect.stringMatching(/^nic nic: Cannot do DMA to address 0x[0-9a-f]{16}$/)]);
    const handle = Number(h.result);
    expect(handle).toBeGreaterThan(0);
    expect(handle).toBeLessThan(2 ** 32);
    expect(h.events.find((e) => e.kind === 'note' && e.text.startsWith('map failed'))).toMatchObject({ why: { fn: 'swiotlb_map_page' } });
    expect(at(noforce, 'dma_mapping_error').result).toBe(1);
    const off = runScenario(UNREACHABLE('x86', '8G', 32).replace('swiotlb=0', 'swiotlb=0, iommu_off=true'), { kernel: '4.14' });
    expect(at(off, 'h =').warnings).toEqual([expect.stringMatching(/^nommu_map_single: overflow [0-9a-f]+\+4096 of device mask ffffffff$/)]);
    expect(at(off, 'h =').result).toBe('0x0');
  });

  it('4.9 has no swiotlb=noforce: swiotlb=0 stays the machine without swiotlb ops (pci-nommu)', () => {
    const r = runScenario(UNREACHABLE('x86', '8G', 32), { kernel: '4.9' });
    expect(at(r, 'h =').warnings).toEqual([expect.stringMatching(/^nommu_map_single: overflow /)]);
  });
});
