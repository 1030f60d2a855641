/**
 * Where boot puts things in physical memory, as memblock reserves them: the
 * kernel image at 2 MiB, the default CMA area (dma_contiguous_reserve, first)
 * right below min(RAM, 4 GiB) — on x86 from 5.11 at 4 GiB instead, bottom-up,
 * when RAM reaches at least its size past 4 GiB (CMA_GATES.aboveFourGiB) — and
 * the swiotlb pool (swiotlb_init → memblock_alloc_low) below whatever is
 * left under 4 GiB. A pure function of the configuration: createMachine
 * builds the machine from it and the explorer draws a frame without a
 * snapshot from it, so both always agree.
 */
import { kernelCode, type MachineConfig } from './config.ts';
import { CMA_GATES } from './kernel-versions.ts';

export const KERNEL_IMAGE = { start: 0x200000, end: 0x2000000 } as const;
const PAGE = 4096;
const SZ_2M = 2 * 1024 * 1024;
const SZ_4G = 4 * 1024 ** 3;
/** swiotlb=<nslabs> is rounded up to a multiple of IO_TLB_SEGSIZE (128 slots = 256 KiB). */
const SEGMENT = 256 * 1024;

export interface MachineLayout {
  cmaBase: number;
  cmaSize: number;
  swiotlbBase: number;
  swiotlbSize: number;
  /** The page allocator's free ranges [start, end). */
  freeRanges: Array<[number, number]>;
}

export function machineLayout(config: Pick<MachineConfig, 'arch' | 'kernel' | 'ram' | 'cma' | 'swiotlb'>): MachineLayout {
  const low = Math.min(config.ram, SZ_4G);
  const cmaSize = Math.ceil(config.cma / PAGE) * PAGE;
  const cmaHigh = config.arch === 'x86' && kernelCode(config.kernel) >= CMA_GATES.aboveFourGiB.code && cmaSize > 0 && config.ram >= SZ_4G + cmaSize;
  const cmaBase = cmaHigh ? SZ_4G : cmaSize ? Math.floor((low - cmaSize) / SZ_2M) * SZ_2M : low;
  const swiotlbSize = config.swiotlb ? Math.ceil(config.swiotlb / SEGMENT) * SEGMENT : 0;
  const swiotlbTop = cmaHigh ? low : cmaBase;
  const swiotlbBase = swiotlbSize ? Math.floor((swiotlbTop - swiotlbSize) / PAGE) * PAGE : swiotlbTop;
  const freeRanges: Array<[number, number]> = [
    [PAGE, KERNEL_IMAGE.start],
    [KERNEL_IMAGE.end, swiotlbBase],
    cmaHigh ? [cmaBase + cmaSize, config.ram] : [low, config.ram],
  ];
  return { cmaBase, cmaSize, swiotlbBase, swiotlbSize, freeRanges };
}
