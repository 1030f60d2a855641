/**
 * The page-table format of the system IOMMU: ARM's LPAE stage 1
 * (io-pgtable-arm; arm64, arm), Intel VT-d's second-level tables (x86) or the
 * RISC-V IOMMU driver's Sv39 first-stage table (riscv, 6.13 on). Import-free,
 * so the explorer's main thread can read it without loading the engine.
 */
export type PtFormat = 'lpae' | 'vtd' | 'riscv';

/** The system IOMMU's page-table format on this architecture. */
export function ptFormatOf(arch: string | undefined): PtFormat {
  return arch === 'x86' ? 'vtd' : arch === 'riscv' ? 'riscv' : 'lpae';
}
