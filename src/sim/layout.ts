/**
 * Where boot puts things in physical memory, as memblock reserves them: the
 * kernel image at 2 MiB, the default CMA area (dma_contiguous_reserve, first)
 * and the swiotlb pool (swiotlb_init → memblock_alloc_low) below whatever is
 * left under 4 GiB. The CMA area is reserved top-down below the limit the
 * architecture passes to dma_contiguous_reserve(): the end of RAM on x86
 * (max_pfn_mapped << PAGE_SHIFT, arch/x86/kernel/setup.c), 4 GiB or less on
 * arm64, riscv and arm (their DMA32 limit). From 5.12 (CMA_GATES.aboveFourGiB)
 * cma_declare_contiguous_nid first tries bottom-up from 4 GiB when memory
 * reaches at least the area's size past 4 GiB, which only x86's limit allows.
 * So on an x86 machine with more than 4 GiB the area sits at the top of RAM
 * before 5.12 and at 4 GiB from 5.12; everywhere else it sits right below
 * min(RAM, 4 GiB) — on arm64 from 5.11 (ARCH_GATES.arm64ZoneDmaFirmware) right
 * below arm64_dma_phys_limit, the top of ZONE_DMA, which the firmware's
 * dma-ranges may put lower (bootmem_init(): "Reserve the CMA area after
 * arm64_dma_phys_limit was initialised. dma_contiguous_reserve(
 * arm64_dma_phys_limit);", 5.10's arm64_memblock_init() passed
 * arm64_dma32_phys_limit; swiotlb_init()'s memblock_alloc_low() stays below
 * ARCH_LOW_ADDRESS_LIMIT, arm64_dma_phys_limit - 1). Before 4.20 (SWIOTLB_GATES.noOverflowBuffer) swiotlb_init_with_tbl()
 * also took io_tlb_overflow_buffer, 32 KiB (io_tlb_overflow), from
 * memblock_virt_alloc_low_nopanic() right after the pool: top-down, so right
 * below it. A failed swiotlb_map_page() returned its address (dma/map-error.ts).
 * A pure function of the configuration: createMachine builds
 * the machine from it and the explorer draws a frame without a snapshot from
 * it, so both always agree.
 */
import { kernelCode, type DeviceConfig, type MachineConfig } from './config.ts';
import { dmaRangesLimit, zoneDmaBits } from './arch/arch.ts';
import { ARCH_GATES, CMA_GATES, SWIOTLB_GATES } from './kernel-versions.ts';
import { PAGE_SIZE } from './hw/memory.ts';
import { alignDown, alignUp, pageAlign } from './align.ts';
import { sizeLiteral } from './format.ts';

export const KERNEL_IMAGE = { start: 0x200000, end: 0x2000000 } as const;
const SZ_2M = 2 * 1024 * 1024;
const SZ_4G = 4 * 1024 ** 3;
/** swiotlb=<nslabs> is rounded up to a multiple of IO_TLB_SEGSIZE (128 slots = 256 KiB). */
const SEGMENT = 256 * 1024;
/** io_tlb_overflow (lib/swiotlb.c before 4.20): the overflow buffer's size. */
export const IO_TLB_OVERFLOW = 32 * 1024;

export interface MachineLayout {
  cmaBase: number;
  cmaSize: number;
  swiotlbBase: number;
  swiotlbSize: number;
  /** io_tlb_overflow_buffer's physical address before 4.20 with a pool, or with arm64's swiotlb=noforce one-slab pool from 4.10; 0 otherwise (never set, as the kernel's static is then). */
  overflowBuffer: number;
  /** swiotlb=noforce's one-slab pool (4.10–4.19; arm64 and x86 with RAM above 4 GiB, riscv with swiotlb): the page io_tlb_start points at, else 0. */
  noForceSlab: number;
  /** The page allocator's free ranges [start, end). */
  freeRanges: Array<[number, number]>;
}

/** The devices' bus_limit (dma-ranges) moves arm64's low reservations; a caller that has no devices yet may leave them out. */
type LayoutConfig = Pick<MachineConfig, 'arch' | 'kernel' | 'ram' | 'cma' | 'swiotlb'> & { devices?: readonly Pick<DeviceConfig, 'name' | 'busLimit'>[] };

/**
 * The top (exclusive) of the memory boot reserves the CMA area and the swiotlb
 * pool in: min(RAM, 4 GiB), and on arm64 from 5.11 min(RAM,
 * arm64_dma_phys_limit) = the top of ZONE_DMA (zoneDmaBits, which owns the
 * dma-ranges rule).
 */
function lowTop(config: LayoutConfig): number {
  const k = kernelCode(config.kernel);
  const low = Math.min(config.ram, SZ_4G);
  if (config.arch !== 'arm64' || k < ARCH_GATES.arm64ZoneDmaFirmware.code) return low;
  const bits = zoneDmaBits({ arch: config.arch, kernel: k, config: { ram: config.ram, devices: config.devices ?? [] } }) ?? 32;
  return Math.min(low, 2 ** bits);
}

/**
 * The top of memory swiotlb_init()'s memblock_alloc_low() may use when it is
 * lower than the CMA area's: ARCH_LOW_ADDRESS_LIMIT. arm64 from
 * ARCH_GATES.arm64ZoneDma30 (5.5) defines it "((arm64_dma_phys_limit ? :
 * arm64_dma32_phys_limit) - 1)", the top of the 1 GiB ZONE_DMA, while
 * dma_contiguous_reserve(arm64_dma32_phys_limit) keeps the CMA area below
 * 4 GiB; from arm64ZoneDmaFirmware (5.11) both follow arm64_dma_phys_limit
 * (lowTop). Elsewhere: no lower limit than the CMA area's.
 */
function poolLimit(config: LayoutConfig): number {
  const k = kernelCode(config.kernel);
  if (config.arch !== 'arm64' || k < ARCH_GATES.arm64ZoneDma30.code || k >= ARCH_GATES.arm64ZoneDmaFirmware.code) return Infinity;
  return 2 ** 30;
}

/**
 * Does boot call swiotlb_init() on this machine whatever swiotlb= says, so
 * that swiotlb=0 can only be the boot option swiotlb=noforce (one slab)? arm64
 * and x86 with RAM above 4 GiB (arm64's mem_init(): "max_pfn >
 * (arm64_dma_phys_limit >> PAGE_SHIFT)"; x86's pci_swiotlb_detect_4gb(),
 * unless iommu=off), riscv wherever it builds swiotlb (setup_arch():
 * swiotlb_init(1)). The one owner of the rule for the layout's slab and
 * direct.ts noForce().
 */
export function bootSetsUpPool(config: Pick<MachineConfig, 'arch' | 'kernel' | 'ram'> & Pick<Partial<MachineConfig>, 'iommuOff'>): boolean {
  if (config.arch === 'riscv') return kernelCode(config.kernel) >= ARCH_GATES.riscvSwiotlb.code;
  if (config.arch === 'x86' && config.iommuOff) return false;
  return (config.arch === 'arm64' || config.arch === 'x86') && config.ram > SZ_4G;
}

export function machineLayout(config: LayoutConfig & Pick<Partial<MachineConfig>, 'iommuOff'>): MachineLayout {
  const low = lowTop(config);
  const cmaSize = pageAlign(config.cma);
  // x86's limit is the end of RAM; an area that would straddle 4 GiB (RAM under 4 GiB + its size) is
  // kept below 4 GiB here, as the others' is (the kernel would fail to activate one spanning two zones)
  const aboveFits = config.arch === 'x86' && cmaSize > 0 && config.ram >= SZ_4G + cmaSize;
  const bottomUp = aboveFits && kernelCode(config.kernel) >= CMA_GATES.aboveFourGiB.code;
  const top = aboveFits ? config.ram : low;
  const cmaBase = bottomUp ? SZ_4G : cmaSize ? alignDown(top - cmaSize, SZ_2M) : low;
  // riscv before 4.18 (ARCH_GATES.riscvSwiotlb, 10314e09d044) has no CONFIG_SWIOTLB: no pool, whatever swiotlb= says
  const noSwiotlb = config.arch === 'riscv' && kernelCode(config.kernel) < ARCH_GATES.riscvSwiotlb.code;
  const swiotlbSize = config.swiotlb && !noSwiotlb ? alignUp(config.swiotlb, SEGMENT) : 0;
  // an area above 4 GiB leaves all of low memory to swiotlb; arm64 5.5–5.10 keeps the pool below ZONE_DMA's 1 GiB
  const swiotlbTop = aboveFits ? low : Math.min(cmaBase, poolLimit(config));
  const swiotlbBase = swiotlbSize ? alignDown(swiotlbTop - swiotlbSize, PAGE_SIZE) : swiotlbTop;
  const k = kernelCode(config.kernel);
  // swiotlb=0 where the kernel sets up a pool anyway is the boot option swiotlb=noforce (SWIOTLB_GATES.noForce,
  // direct.ts noForce()): arm64 with RAM beyond arm64_dma_phys_limit (4 GiB in these kernels; mem_init() calls
  // swiotlb_init(1)), x86 with RAM above 4 GiB (pci_swiotlb_detect_4gb() sets swiotlb = 1, pci_swiotlb_init() calls
  // swiotlb_init(0)), riscv with swiotlb (setup_arch() calls swiotlb_init(1)). setup_io_tlb_npages() sets
  // io_tlb_nslabs = 1, so swiotlb_init() takes PAGE_ALIGN(1 << IO_TLB_SHIFT), one page, for the slab, and
  // swiotlb_init_with_tbl() the overflow buffer right below it (lib/swiotlb.c of 4.14). The slab is never used
  // (map_single() refuses first), so there is no pool to model, only the two reservations; from 4.20 (no overflow
  // buffer) the page is not modelled.
  const noForceSlab = !swiotlbSize && bootSetsUpPool(config) && k >= SWIOTLB_GATES.noForce.code && k < SWIOTLB_GATES.noOverflowBuffer.code;
  const slab = noForceSlab ? swiotlbTop - PAGE_SIZE : 0;
  const overflowBuffer = k >= SWIOTLB_GATES.noOverflowBuffer.code ? 0 : swiotlbSize ? swiotlbBase - IO_TLB_OVERFLOW : slab ? slab - IO_TLB_OVERFLOW : 0;
  const lowEnd = overflowBuffer || swiotlbBase;
  const high: Array<[number, number]> = aboveFits ? [[low, cmaBase], [cmaBase + cmaSize, config.ram]] : [[low, config.ram]];
  // memory between a pool kept low and the CMA area (arm64 5.5–5.10) is free
  const between: Array<[number, number]> = !aboveFits && swiotlbTop < cmaBase ? [[swiotlbTop, cmaBase]] : [];
  const freeRanges: Array<[number, number]> = [[PAGE_SIZE, KERNEL_IMAGE.start], [KERNEL_IMAGE.end, lowEnd], ...between, ...high];
  return { cmaBase, cmaSize, swiotlbBase, swiotlbSize, overflowBuffer, noForceSlab: slab, freeRanges };
}

/** The smallest whole MiB of RAM that holds this machine's low reservations (layoutProblem), at most 4 GiB. */
function minimumRam(config: LayoutConfig): number {
  const MiB = 1024 * 1024;
  for (let ram = Math.ceil(config.ram / MiB) * MiB; ram < SZ_4G; ram += MiB) if (fits({ ...config, ram })) return ram;
  return SZ_4G;
}

function fits(config: LayoutConfig): boolean {
  return machineLayout(config).swiotlbBase >= KERNEL_IMAGE.end + 16 * PAGE_SIZE;
}

/**
 * Why this RAM cannot hold the kernel image, the CMA area and the swiotlb pool
 * (and, before 4.20, the overflow buffer) below 4 GiB with a little memory to
 * spare, or null. The one owner of that rule: the scenario check reports it at
 * the declaration, createMachine refuses the same after "Run as" overrides.
 */
export function layoutProblem(config: LayoutConfig): string | null {
  if (fits(config)) return null;
  const z = sizeLiteral;
  const top = lowTop({ ...config, ram: SZ_4G });
  if (top < SZ_4G) {
    const fw = dmaRangesLimit(config.devices ?? []);
    return `cma=${z(config.cma)} and swiotlb=${z(config.swiotlb)} do not fit with the kernel image (the first ${z(KERNEL_IMAGE.end)}) below arm64_dma_phys_limit, ${z(top)} (ZONE_DMA from the lowest dma-ranges limit, ${fw?.device}'s bus_limit=${fw?.bits}), with 64K to spare: use a smaller cma or swiotlb, or a larger bus_limit`;
  }
  return `ram=${z(config.ram)} cannot hold the kernel image (the first ${z(KERNEL_IMAGE.end)}), cma=${z(config.cma)} and swiotlb=${z(config.swiotlb)} below 4 GiB with 64K to spare: use ram=${z(minimumRam(config))} or more, or a smaller cma or swiotlb`;
}

/** The swiotlb pool the machine gets, in bytes (0: none): swiotlb= rounded to whole segments, none where the kernel builds no swiotlb (riscv before 4.18). */
export function swiotlbPoolSize(config: LayoutConfig): number {
  return machineLayout(config).swiotlbSize;
}
