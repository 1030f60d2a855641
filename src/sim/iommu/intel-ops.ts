/**
 * Which DMA API x86 has behind VT-d: its own module so that the one owner of a
 * failed map's value (dma/map-error.ts) can ask it without importing dma-iommu,
 * which asks map-error.ts what to mark unused scatterlist entries with.
 */
import type { Machine } from '../machine.ts';
import { INTEL_IOMMU_GATES, since } from '../kernel-versions.ts';

/**
 * x86 before INTEL_IOMMU_GATES.dmaIommu (5.11, c588072bba6b): the DMA API
 * behind VT-d is intel-iommu's intel_dma_ops, not dma-iommu. What it changes
 * here: the functions named (intel_map_page / intel_unmap_page /
 * intel_map_sg), the IOVA allocation (intel_alloc_iova: every size rounded up
 * to a power of two, the first try below 4 GiB for any device whose mask is
 * wider), the permission explanation (cap_zlr), intel_unmap's missing
 * iova_to_phys check, intel_map_sg's unmerged segments, intel_alloc_coherent's
 * contiguous block at its linear address, and untrusted bounce from 5.4
 * (INTEL_IOMMU_GATES.untrustedBounce). The rest (one IOVA per mapping, the
 * pages mapped, strict or flush-queue unmap) is the same path; the strict
 * unmap intel_unmap gave untrusted devices in lazy mode from 5.2 is iommu.ts's
 * (INTEL_IOMMU_GATES.untrustedStrict). Not told apart: the page-table
 * explanation names intel_iommu_map where __intel_map_single calls
 * domain_pfn_mapping (the same PTEs).
 */
export function intelDmaOps(m: Machine): boolean {
  return m.arch === 'x86' && !since(m.kernel, INTEL_IOMMU_GATES.dmaIommu);
}
