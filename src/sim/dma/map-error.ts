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
 *   - swiotlb's ops (arm64 always, x86/riscv with a pool): the DMA address of
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
 * Simplified: AMD's and the other IOMMU drivers' values are not modelled.
 */
import type { Why } from '../events.ts';
import type { Machine } from '../machine.ts';
import { ARCH_GATES, DIRECT_GATES, DMA_API_GATES, DMA_IOMMU_GATES, SWIOTLB_GATES, dmaFile } from '../kernel-versions.ts';
import { ARM_IOMMU_DMA_OPS } from '../arch/arm-dma-iommu.ts';
import { intelDmaOps } from '../iommu/intel-ops.ts';
import { armDmaOps } from './direct.ts';
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

/** Is `be` swiotlb's dma_map_ops before 5.0 (directOpsFn's rule: arm64 always, x86/riscv when a pool exists)? */
function swiotlbOps(m: Machine): boolean {
  return m.arch === 'arm64' || m.swiotlb !== null;
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
  if (swiotlbOps(m)) {
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
