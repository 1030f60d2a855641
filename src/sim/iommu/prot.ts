/**
 * IOMMU prot flags: `include/linux/iommu.h`. Their own module (no imports) so
 * that io-pgtable and the explorer's IOMMU view read the same values.
 */
export const IOMMU_READ = 1;
export const IOMMU_WRITE = 2;
export const IOMMU_CACHE = 4;
export const IOMMU_NOEXEC = 8;
export const IOMMU_MMIO = 16;
export const IOMMU_PRIV = 32;
