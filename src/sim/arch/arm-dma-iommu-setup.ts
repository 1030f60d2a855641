/**
 * arm32's ARM_DMA_USE_IOMMU at boot — `arch_setup_dma_ops` →
 * `arm_setup_iommu_dma_ops` → `arm_iommu_create_mapping` +
 * `__arm_iommu_attach_device` in `arch/arm/mm/dma-mapping.c` — and the
 * mapping it creates (`struct dma_iommu_mapping`,
 * `arch/arm/include/asm/dma-iommu.h`). What the DMA API then does with the
 * mapping is arm-dma-iommu.ts; this part runs when the machine is built, so
 * it stays apart from the DMA API the machine's buffers use.
 */
import type { MachineConfig } from '../config.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { ARCH_GATES, since } from '../kernel-versions.ts';
import { attachAtBoot, newDomain, type IommuState } from '../iommu/iommu.ts';

/** One bitmap is one page of bits (bitmap_size capped at PAGE_SIZE in arm_iommu_create_mapping). */
const BITS_PER_BITMAP = PAGE_SIZE * 8;

export interface ArmIommuMapping {
  id: number;
  /** The device it was created for (arch_setup_dma_ops). */
  dev: string;
  /** mapping->domain: an UNMANAGED domain. */
  domain: number;
  base: number;
  /** Bits (IOVA pages) per bitmap. */
  bits: number;
  /** How many bitmaps the mapping may grow to. */
  extensions: number;
  /** mapping->bitmaps[0 .. nr_bitmaps): one byte per IOVA page, 1 = used. */
  bitmaps: Uint8Array[];
  /** kref: false once released (arm_iommu_detach_device + arm_iommu_release_mapping). */
  live: boolean;
}

/**
 * `arm_iommu_create_mapping(bus, base, size)` + `__arm_iommu_attach_device`
 * for every arm device behind an IOMMU (not in passthrough): the device's
 * group gets no default domain; it is attached to the mapping's domain.
 * Only when of_iommu_configure() hands arch_setup_dma_ops() the IOMMU's ops:
 * arm-smmu's from ARCH_GATES.armIommuMapping (4.9, its generic binding);
 * before it the device keeps arm_dma_ops and iommu.ts leaves its group
 * without a domain (legacySmmuAtBoot).
 */
export function armSetupIommuDmaOps(s: IommuState, config: MachineConfig): void {
  if (config.arch !== 'arm' || !since(s.kernel, ARCH_GATES.armIommuMapping)) return;
  for (const d of config.devices) {
    const unit = d.iommu ? s.units[d.iommu] : undefined;
    if (!unit || unit.mode === 'passthrough') continue;
    const dom = newDomain(s, unit, `${unit.name}/${d.name}`, 'UNMANAGED');
    dom.devices.push(d.name);
    const size = 2 ** 32;
    const bits = size / PAGE_SIZE;
    const mapping: ArmIommuMapping = {
      id: s.armMappings.length,
      dev: d.name,
      domain: dom.id,
      base: 0,
      bits: BITS_PER_BITMAP,
      extensions: bits / BITS_PER_BITMAP,
      bitmaps: [new Uint8Array(BITS_PER_BITMAP)],
      live: true,
    };
    s.armMappings.push(mapping);
    attachAtBoot(s, unit, d.name, dom, { dmaIommu: false, pci32bitWorkaround: false, noDefault: true, armMapping: mapping.id });
  }
}
