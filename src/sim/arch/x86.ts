/**
 * x86: no DMA cache maintenance at all. x86 selects none of
 * ARCH_HAS_SYNC_DMA_FOR_DEVICE / _FOR_CPU / _FOR_CPU_ALL, so
 * `dev_is_dma_coherent()` (`include/linux/dma-map-ops.h`) is hard-wired true:
 * every device snoops the CPU caches, whatever firmware says. The DMA API's
 * visible effects on x86 are swiotlb bouncing, IOMMU translation and dma-debug.
 */
import type { ArchOps } from './arch.ts';

export const x86: ArchOps = {
  name: 'x86',
  hasNonCoherentDma: false,
  kmallocAlign: 8,
  dmaMinAlign: 1,
  kmallocBounceFrom: null,
  l1CacheShift: () => 6,
  // MAX_DMA_ADDRESS: ZONE_DMA is the ISA 16 MiB
  zoneDmaBits: () => 24,
  forDevice: () => null,
  forCpu: () => null,
  prepCoherent: () => null,
};
