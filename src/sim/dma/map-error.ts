/**
 * The value a failed streaming map returns, and what dma_mapping_error()
 * compares a handle with: the one owner of that fact, by back end and kernel
 * version. From 5.0 (DMA_API_GATES.mappingErrorEnomem) it is
 * DMA_MAPPING_ERROR, ~(dma_addr_t)0, for everyone (include/linux/dma-mapping.h).
 * Before, each `struct dma_map_ops` returned its own value and
 * dma_mapping_error() called the ops' ->mapping_error() to recognise it:
 *
 *   - x86 pci-nommu (no IOMMU, no swiotlb, before ARCH_GATES.x86DmaDirect):
 *     0 — DMA_ERROR_CODE (arch/x86/include/asm/dma-mapping.h) until 4.13,
 *     then NOMMU_MAPPING_ERROR and nommu_mapping_error();
 *   - dma_direct_ops (4.17–4.20 here): DIRECT_MAPPING_ERROR, 0 until 4.20
 *     (DIRECT_GATES.mappingErrorAllOnes), all ones in 4.20;
 *   - swiotlb's ops (direct.ts swiotlbDmaOps: arm64 always, x86/riscv with a
 *     pool or swiotlb=noforce): the DMA address of
 *     io_tlb_overflow_buffer until 4.20 (SWIOTLB_GATES.noOverflowBuffer;
 *     swiotlb_map_page, swiotlb_dma_mapping_error), then DIRECT_MAPPING_ERROR;
 *     with no pool the buffer was never allocated and its address is 0;
 *   - dma-iommu (arm64): arm64's DMA_ERROR_CODE, all ones, until 4.13, then
 *     IOMMU_MAPPING_ERROR, 0 (DMA_IOMMU_GATES.mappingErrorZero);
 *   - intel_dma_ops (x86 with VT-d): 0 (intel_mapping_error: !dma_addr);
 *   - arm32's arm_dma_ops and ARM_DMA_USE_IOMMU ops: all ones throughout
 *     (DMA_ERROR_CODE, then ARM_MAPPING_ERROR from 4.13);
 *   - a device's own ops (thread 001's proposal): DMA_MAPPING_ERROR.
 *
 * The engine's back ends all report a failure as DMA_MAPPING_ERROR (-1, the
 * explorer's marker); the front door (mapping.ts) turns it into this value,
 * which is what the driver's handle holds, what dma_mapping_error() and
 * dma-debug's check_unmap() recognise, and where a device pointed at the
 * handle goes (bus address 0, the overflow buffer, or nowhere for all ones).
 * The language's name for a failed map stays DMA_MAPPING_ERROR on every
 * version (`=> DMA_MAPPING_ERROR`); the event says which value the kernel used.
 *
 * The same value marks scatterlist entries dma-iommu leaves without a DMA
 * segment (iommuSgUnused: __finalise_sg's leftovers, __invalidate_sg after a
 * failed list), which sg_dma_address() then reads.
 *
 * A driver that ignores the failure and later unmaps or syncs the handle
 * (failedHandleCall) reaches the back end with that value: what each did with
 * it is told there; the engine models the cache maintenance where the value is
 * real memory (arm64's overflow buffer before 4.20) and tells the rest.
 *
 * Simplified: AMD's and the other IOMMU drivers' values are not modelled.
 */
import type { DmaDir, Why } from '../events.ts';
import type { Device, Machine } from '../machine.ts';
import type { StepOutcome } from '../outcome.ts';
import { observe } from '../observe.ts';
import { ARCH_GATES, DIRECT_GATES, DMA_API_GATES, DMA_IOMMU_GATES, SWIOTLB_GATES, apiFile, dmaFile } from '../kernel-versions.ts';
import { ARM_IOMMU_DMA_OPS } from '../arch/arm-dma-iommu.ts';
import { intelDmaOps } from '../iommu/intel-ops.ts';
import { armDmaOps, swiotlbDmaOps, syncForCpuArch, syncForDeviceArch } from './direct.ts';
import { hex, hexDma } from '../format.ts';
import { IO_TLB_OVERFLOW } from '../layout.ts';
import { DMA_MAPPING_ERROR, type DmaBackEnd } from './map-ops.ts';

/** A failed map's value in this kernel, for this back end. */
export interface MapErrorValue {
  /** The dma_addr_t a failed map returns (DMA_MAPPING_ERROR, -1, stands for all ones). */
  addr: number;
  /** The kernel's name for it: DMA_MAPPING_ERROR, DIRECT_MAPPING_ERROR, io_tlb_overflow_buffer, … */
  name: string;
  /** The function that recognises it: the ops' ->mapping_error() before 5.0, dma_mapping_error() itself after. */
  check: string;
  /** Why the handle holds it, in words, naming the function that returns it and the one that recognises it. */
  why: Why;
}

const ALL_ONES = DMA_MAPPING_ERROR;

function value(addr: number, name: string, fn: string, check: string, file: string, rule: string): MapErrorValue {
  return { addr, name, check, why: { fn, file, rule } };
}

/** The value a failed streaming map returns on this machine, through back end `be`. */
export function mapErrorValue(m: Machine, be: DmaBackEnd): MapErrorValue {
  const k = m.kernel;
  if (k >= DMA_API_GATES.mappingErrorEnomem.code) {
    return value(ALL_ONES, 'DMA_MAPPING_ERROR', 'dma_mapping_error', 'dma_mapping_error', 'include/linux/dma-mapping.h', 'every back end returns DMA_MAPPING_ERROR, ~(dma_addr_t)0, from a failed map, and dma_mapping_error() compares the handle with it');
  }
  if (be === ARM_IOMMU_DMA_OPS || (be === 'direct' && armDmaOps(m))) {
    const file = be === 'direct' ? 'arch/arm/mm/dma-mapping.c' : 'arch/arm/mm/dma-mapping.c (ARM_DMA_USE_IOMMU)';
    return value(ALL_ONES, 'ARM_MAPPING_ERROR', be === 'direct' ? 'arm_dma_map_page' : 'arm_iommu_map_page', 'arm_dma_mapping_error', file, "arm32's ops return ~(dma_addr_t)0 from a failed map (DMA_ERROR_CODE in arch/arm/include/asm/dma-mapping.h, ARM_MAPPING_ERROR from 4.13: the same all ones as DMA_MAPPING_ERROR from 5.0), and dma_mapping_error() recognises it");
  }
  if (be === 'iommu') {
    if (intelDmaOps(m)) {
      return value(0, '0 (!dma_addr)', 'intel_map_page', 'intel_mapping_error', 'drivers/iommu/intel-iommu.c', 'intel_dma_ops return 0 from a failed map and intel_mapping_error() is "return !dma_addr;": the handle is DMA address 0 until 5.0 made it DMA_MAPPING_ERROR (524a669bdd5f)');
    }
    if (k >= DMA_IOMMU_GATES.mappingErrorZero.code) {
      return value(0, 'IOMMU_MAPPING_ERROR', 'iommu_dma_map_page', 'iommu_dma_mapping_error', 'drivers/iommu/dma-iommu.c', 'dma-iommu returns IOMMU_MAPPING_ERROR, 0, from a failed map (no IOVA allocator hands out IOVA 0), and iommu_dma_mapping_error() compares the handle with it, from 4.13 until 5.0');
    }
    return value(ALL_ONES, 'DMA_ERROR_CODE', 'iommu_dma_map_page', 'iommu_dma_mapping_error', 'drivers/iommu/dma-iommu.c', "dma-iommu returns arm64's DMA_ERROR_CODE, ~(dma_addr_t)0, from a failed map, and iommu_dma_mapping_error() compares the handle with it (IOMMU_MAPPING_ERROR, 0, from 4.13)");
  }
  if (be !== 'direct') {
    return value(ALL_ONES, 'DMA_MAPPING_ERROR', 'dma_map_page_attrs', 'dma_mapping_error', 'include/linux/dma-mapping.h', "the device's own ops return DMA_MAPPING_ERROR, ~(dma_addr_t)0, from a failed map");
  }
  const swiotlb = dmaFile(k, 'kernel/dma/swiotlb.c');
  const directAllOnes = k >= DIRECT_GATES.mappingErrorAllOnes.code;
  if (swiotlbDmaOps(m)) {
    if (k < SWIOTLB_GATES.noOverflowBuffer.code) {
      const at = m.layout.overflowBuffer;
      const where = at ? `its ${IO_TLB_OVERFLOW / 1024} KiB at ${hex(at)}, right below the pool` : 'never allocated without a pool, so its address is 0';
      const lands = at ? 'a device pointed at it DMAs into the overflow buffer, not into random memory' : 'a device pointed at it goes to bus address 0';
      return value(at, 'io_tlb_overflow_buffer', 'swiotlb_map_page', 'swiotlb_dma_mapping_error', swiotlb, `a failed swiotlb_map_page() returns the DMA address of io_tlb_overflow_buffer (${where}), and swiotlb_dma_mapping_error() compares the handle with it: ${lands} (until 4.20 removed the buffer)`);
    }
    return value(ALL_ONES, 'DIRECT_MAPPING_ERROR', 'swiotlb_map_page', 'dma_direct_mapping_error', swiotlb, 'with the overflow buffer gone, a failed swiotlb_map_page() returns DIRECT_MAPPING_ERROR, ~(dma_addr_t)0 in 4.20, which dma_direct_mapping_error() recognises');
  }
  if (m.arch === 'x86' && k < ARCH_GATES.x86DmaDirect.code) {
    return value(0, 'NOMMU_MAPPING_ERROR', 'nommu_map_page', 'nommu_mapping_error', 'arch/x86/kernel/pci-nommu.c', "nommu_map_page() returns 0 when check_addr() fails (x86's DMA_ERROR_CODE, NOMMU_MAPPING_ERROR with nommu_mapping_error() from 4.13), and dma_mapping_error() recognises it: a driver that ignores it points its device at bus address 0");
  }
  const direct = dmaFile(k, 'kernel/dma/direct.c');
  if (directAllOnes) return value(ALL_ONES, 'DIRECT_MAPPING_ERROR', 'dma_direct_map_page', 'dma_direct_mapping_error', direct, 'dma_direct_map_page() returns DIRECT_MAPPING_ERROR, ~(dma_addr_t)0 from 4.20, and dma_direct_mapping_error() compares the handle with it');
  return value(0, 'DIRECT_MAPPING_ERROR', 'dma_direct_map_page', 'dma_direct_mapping_error', direct, 'dma_direct_map_page() returns DIRECT_MAPPING_ERROR, 0 before 4.20, and dma_direct_mapping_error() compares the handle with it: a driver that ignores it points its device at bus address 0');
}

/**
 * What dma-iommu writes into sg_dma_address of an entry that carries no DMA
 * segment: __finalise_sg resets every entry before it fills in the segments
 * (the entries past the returned count keep the value), and __invalidate_sg
 * resets the whole list when the map fails. It is the back end's failure
 * value, changed by the same patch that changed the handle
 * (DMA_IOMMU_GATES.mappingErrorZero: "sg_dma_address(s) = DMA_ERROR_CODE;" →
 * "= IOMMU_MAPPING_ERROR;" in both): all ones before 4.13, 0 until 5.0,
 * DMA_MAPPING_ERROR after. intel_map_sg (x86 before 5.11) marks nothing: on a
 * failure it only zeroes the first entry's dma_length.
 */
export function iommuSgUnused(m: Machine): number {
  const k = m.kernel;
  if (k >= DMA_API_GATES.mappingErrorEnomem.code || k < DMA_IOMMU_GATES.mappingErrorZero.code) return ALL_ONES;
  return 0;
}

/** The note's words for a failed map: the handle's value, and its kernel name when that is not DMA_MAPPING_ERROR (the language's name for every failed map). */
export function mapErrorText(v: MapErrorValue): string {
  return v.name === 'DMA_MAPPING_ERROR' ? `map failed: handle ${hexDma(v.addr)}` : `map failed: handle ${hexDma(v.addr)} (${v.name}; DMA_MAPPING_ERROR in a check)`;
}

/** Is `addr` a failed map's handle on this device's back end (the value of this era, or the all ones the language's DMA_MAPPING_ERROR stands for)? */
export function isFailedHandle(m: Machine, be: DmaBackEnd, addr: number): boolean {
  return addr === DMA_MAPPING_ERROR || addr === mapErrorValue(m, be).addr;
}

export type FailedHandleCall = 'unmap' | 'sync_for_cpu' | 'sync_for_device';

const SWIOTLB_FN: Record<FailedHandleCall, string> = { unmap: 'swiotlb_unmap_page', sync_for_cpu: 'swiotlb_sync_single_for_cpu', sync_for_device: 'swiotlb_sync_single_for_device' };
const ARM64_MAINT: Record<FailedHandleCall, string> = { unmap: '__dma_unmap_area', sync_for_cpu: '__dma_unmap_area', sync_for_device: '__dma_map_area' };

/**
 * dma_unmap_single/page or dma_sync_single_for_cpu/device given a failed
 * map's handle (no mapping holds it): the front door calls this instead of
 * the back end. What each back end did with its own failure value:
 *   - arm64's swiotlb ops before 4.20 (__swiotlb_unmap_page,
 *     __swiotlb_sync_single_for_*), handle = io_tlb_overflow_buffer's address:
 *     a non-coherent device gets __dma_unmap_area / __dma_map_area over the
 *     overflow buffer like any buffer (modelled; not for an unmap with
 *     DMA_ATTR_SKIP_CPU_SYNC), then swiotlb_unmap_page /
 *     swiotlb_sync_single finds is_swiotlb_buffer() false — the buffer lies
 *     outside io_tlb_start..io_tlb_end — and only calls dma_mark_clean(),
 *     empty outside ia64 (TROVON v4.9/v4.14 lib/swiotlb.c unmap_single,
 *     swiotlb_sync_single). Without a pool the handle is 0 and the
 *     maintenance is at phys_to_virt(0): told, not done;
 *   - x86 with a pool before 4.20 (swiotlb_dma_ops): the same swiotlb
 *     functions, and x86 is coherent: nothing;
 *   - dma_direct_ops (4.17–4.20) and pci-nommu on x86 and riscv: coherent,
 *     nothing is maintained or freed; from 5.0 dma-direct, and 4.20's
 *     swiotlb_unmap_page, compute dma_to_phys(~0): a non-coherent device's
 *     arch_sync_dma_for_cpu there would touch no RAM (told, not done);
 *   - dma-iommu (IOVA 0 in 4.13–4.20, all ones otherwise): iommu_iova_to_phys()
 *     of an IOVA nothing maps is 0, so a non-coherent device's maintenance is
 *     at physical 0, and __iommu_dma_unmap()'s "WARN_ON(iommu_unmap(…) !=
 *     size)" fires before iommu_dma_free_iova() frees a range never allocated
 *     (told, not done);
 *   - intel_dma_ops (0): intel_unmap() unmaps and frees IOVA pfn 0's range,
 *     which was never allocated (told);
 *   - arm32 (all ones): arm_dma_unmap_page / arm_dma_sync_single_for_* turn
 *     the handle into pfn_to_page(dma_to_pfn(~0)), no page (told).
 */
export function failedHandleCall(m: Machine, dev: Device, be: DmaBackEnd, call: FailedHandleCall, addr: number, size: number, dir: DmaDir, skipCpuSync: boolean, o: StepOutcome): void {
  const v = mapErrorValue(m, be);
  const maint = !dev.coherent && !(call === 'unmap' && skipCpuSync);
  const none = dev.coherent ? 'a coherent device needs no cache maintenance' : 'DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance';
  const k = m.kernel;
  const note = (text: string, fn: string, file: string, rule: string) => o.events.push({ kind: 'note', text, why: { fn, file, rule } });
  if (be === 'direct' && k < SWIOTLB_GATES.noOverflowBuffer.code && swiotlbDmaOps(m) && addr === v.addr) {
    const swiotlb = dmaFile(k, 'kernel/dma/swiotlb.c');
    const after = `${SWIOTLB_FN[call]}() finds is_swiotlb_buffer() false (the overflow buffer is not a pool slot: nothing is copied or freed) and calls only dma_mark_clean(), empty outside ia64`;
    if (m.arch !== 'arm64') {
      note('not a pool slot', SWIOTLB_FN[call], swiotlb, `${hexDma(addr)} is ${v.name}'s address: ${after}; ${m.arch} is coherent`);
      return;
    }
    const fn = `__${SWIOTLB_FN[call]}`;
    if (addr === 0) {
      note('not a pool slot', fn, 'arch/arm64/mm/dma-mapping.c', `the handle is 0, the address of an overflow buffer never allocated: ${maint ? `${ARM64_MAINT[call]}() runs over phys_to_virt(0), which the explorer does not model` : none}; then ${after}`);
      if (maint) observe(o, 'api/failed-handle', `${fn} maintains the cache at phys_to_virt(0) for a failed map's handle: no buffer of the driver's lies there (the explorer skips it)`);
      return;
    }
    // before 4.10 __swiotlb_unmap_page maintained whatever the attrs said (the arm64 half of the
    // DMA_ATTR_SKIP_CPU_SYNC series): not modelled here either, as for every unmap (SWIOTLB_GATES.skipCpuSync)
    if (maint) (call === 'sync_for_device' ? syncForDeviceArch : syncForCpuArch)(m, addr, size, dir, o);
    note('the overflow buffer, not a pool slot', fn, 'arch/arm64/mm/dma-mapping.c', `${hexDma(addr)} is io_tlb_overflow_buffer's address: ${maint ? `${ARM64_MAINT[call]}() maintains its lines like any buffer's` : none}; then ${after}`);
    return;
  }
  if (be === 'iommu' && intelDmaOps(m)) {
    if (call === 'unmap') {
      note('IOVA 0 freed', 'intel_unmap', 'drivers/iommu/intel-iommu.c', 'intel_unmap() takes the handle for an IOVA: domain_unmap() finds nothing mapped at IOVA pfn 0, and the range is handed back to the IOVA allocator (at once in strict mode, through the flush queue otherwise) though it was never allocated');
      observe(o, 'api/failed-handle', "intel_unmap() frees IOVA pfn 0's range, never allocated, for a failed map's handle (not modelled)");
    } else note('nothing to sync', 'dma_sync_single_for_cpu', 'include/linux/dma-mapping.h', "intel_dma_ops have no sync callbacks (x86 is coherent): nothing happens");
    return;
  }
  if (be === 'iommu') {
    const what = maint ? `iommu_iova_to_phys() of IOVA ${hexDma(addr)}, which nothing maps, is 0, so the cache is maintained at physical address 0` : none;
    const rule = call === 'unmap' ? `${what}; then __iommu_dma_unmap(): iommu_unmap() unmaps nothing and "WARN_ON(iommu_unmap(…) != size)" fires, and iommu_dma_free_iova() frees an IOVA range that was never allocated` : what;
    // arm64's own iommu_dma_ops wrap dma-iommu until DMA_IOMMU_GATES.commonOps (5.3): __iommu_unmap_page calls
    // __iommu_sync_single_for_cpu ("phys = iommu_iova_to_phys(…); __dma_unmap_area(phys_to_virt(phys), …)") first
    const archOps = k < DMA_IOMMU_GATES.commonOps.code;
    const fn = archOps ? (call === 'unmap' ? '__iommu_unmap_page' : `__iommu_${call.replace('sync_', 'sync_single_')}`) : call === 'unmap' ? 'iommu_dma_unmap_page' : `iommu_dma_${call.replace('sync_', 'sync_single_')}`;
    note('IOVA never mapped', fn, archOps ? 'arch/arm64/mm/dma-mapping.c' : 'drivers/iommu/dma-iommu.c', rule);
    if (maint || call === 'unmap') observe(o, 'api/failed-handle', `a failed map's handle reaches dma-iommu: ${call === 'unmap' ? 'the unmap WARNs and frees an IOVA range never allocated' : 'cache maintenance at physical 0'} (not modelled)`);
    return;
  }
  if (be === 'direct' && armDmaOps(m)) {
    if (maint) {
      note('no page behind the handle', call === 'unmap' ? 'arm_dma_unmap_page' : `arm_dma_${call.replace('sync_', 'sync_single_')}`, 'arch/arm/mm/dma-mapping.c', `the handle is all ones: pfn_to_page(dma_to_pfn(dev, handle)) is no page of RAM, and __dma_page_dev_to_cpu/__dma_page_cpu_to_dev would maintain it`);
      observe(o, 'api/failed-handle', "arm32 maintains the cache of a page computed from a failed map's all-ones handle: no RAM is there (the explorer skips it)");
    } else note('nothing to do', 'dma_unmap_page_attrs', 'include/linux/dma-mapping.h', `${none}: arm_coherent_dma_ops have no unmap or sync callbacks`);
    return;
  }
  if (be !== 'direct') {
    note('nothing to do', 'dma_unmap_page_attrs', 'include/linux/dma-mapping.h', "the device's own ops are given the handle of their failed map: the explorer's model of them does nothing with it");
    return;
  }
  // dma-direct, pci-nommu, dma_direct_ops, and 4.20's swiotlb_dma_ops
  if (maint) {
    // 4.20: arm64's generic swiotlb_dma_ops (its noncoherent support moved into them), dma-direct from 5.0
    const at = k < DIRECT_GATES.swiotlbMerged.code
      ? { fn: SWIOTLB_FN[call], file: dmaFile(k, 'kernel/dma/swiotlb.c') }
      : { fn: call === 'unmap' ? 'dma_direct_unmap_page' : `dma_direct_${call.replace('sync_', 'sync_single_')}`, file: dmaFile(k, 'kernel/dma/direct.c') };
    note('no RAM behind the handle', at.fn, at.file, `dma_to_phys() of ${hexDma(addr)} is no RAM: arch_sync_dma_for_${call === 'sync_for_device' ? 'device' : 'cpu'}() would maintain it; is_swiotlb_buffer() is false, so nothing else`);
    observe(o, 'api/failed-handle', `a failed map's handle ${hexDma(addr)} reaches dma-direct: the kernel maintains the cache at an address no buffer occupies (the explorer skips it)`);
    return;
  }
  const api = call === 'unmap' ? 'dma_unmap_page_attrs' : `dma_${call.replace('sync_', 'sync_single_')}`;
  note('nothing to do', api, apiFile(k, api), `${none}, and ${hexDma(addr)} is no swiotlb slot: the failed map's handle changes nothing`);
}
