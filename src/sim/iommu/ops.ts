/**
 * Scenario operations of the system IOMMU used directly (iommu_domain_alloc,
 * iommu_attach_device, iommu_map, …), as GPU drivers and VFIO do.
 */
import type { OpTable } from '../handler.ts';

export const IOMMU_OPS: OpTable = {};
