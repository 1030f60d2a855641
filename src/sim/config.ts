/**
 * The machine's configuration: what the scenario header (`machine(…)`,
 * `iommu(…)`, `device(…)`) describes. Plain data; every field has a default.
 */

export type Arch = 'arm64' | 'arm' | 'x86' | 'riscv';
export const ARCHES: readonly Arch[] = ['arm64', 'arm', 'x86', 'riscv'];

export type IommuMode = 'strict' | 'lazy' | 'passthrough';

export interface IommuConfig {
  name: string;
  mode: IommuMode;
  /** Smallest IOMMU page size (the IOVA granule), bytes. */
  pgsize: number;
}

export interface DeviceConfig {
  name: string;
  /** The `n` of DMA_BIT_MASK(n). */
  dmaMask: number;
  /** Bus limit as a bit count (0: none), the `bus_dma_limit` of the device. */
  busLimit: number;
  coherent: boolean;
  /**
   * Every access of the device is non-snooped (PCIe No Snoop; a GPU's
   * uncached or write-combined GTT mappings): it reads and writes RAM behind
   * the CPU cache, while the DMA API still believes the device coherent.
   * `dev_read(…, nosnoop=)` and the GPU accesses override it per access.
   */
  nosnoop?: boolean;
  iommu: string | null;
  /** Has its own MMU (a GPU). */
  mmu: boolean;
  bus: 'platform' | 'pci';
  untrusted: boolean;
  swiotlb: 'auto' | 'force';
  /**
   * 'own': thread 001's rejected proposal — the device's internal MMU behind
   * its own dma_map_ops (hw/device-dma-ops.ts); 'system' (default): the
   * system DMA API.
   */
  dmaOps?: 'system' | 'own';
  /** The kernel's name for the device (0000:03:00.0) when the scenario came from a trace: the views show it. */
  label?: string;
}

export interface MachineConfig {
  arch: Arch;
  /** Kernel version as written, e.g. "6.18". */
  kernel: string;
  ram: number;
  cache: number;
  line: number;
  ways: number;
  swiotlb: number;
  cma: number;
  iommus: IommuConfig[];
  devices: DeviceConfig[];
  /**
   * CONFIG_DMABUF_MOVE_NOTIFY (default n, as in the kernel): with it off a
   * dynamic exporter is pinned at map, so it moves only unmapped buffers.
   * machine(dmabuf_move_notify=true) turns it on.
   */
  dmabufMoveNotify?: boolean;
  /**
   * x86's iommu=off boot option (no_iommu), before 5.0: pci_swiotlb_detect_4gb()
   * leaves swiotlb = 0, so there is no swiotlb at all and a device without an
   * IOMMU keeps pci-nommu's ops (dma-direct's from 4.17). Without it,
   * swiotlb=0 on a machine whose kernel would set up a pool stands for
   * swiotlb=noforce. machine(iommu_off=true) turns it on (kernel-versions.ts
   * iommuOffRefusal says where it is refused).
   */
  iommuOff?: boolean;
  /**
   * The steps replay a kernel trace (src/import): calls the kernel does not
   * trace, such as dma_mapping_error(), are unknown rather than absent, so no
   * finding may rest on their absence.
   */
  imported: boolean;
}

/** The newest kernel the engine models. */
export const NEWEST_KERNEL = '6.18';

export const DEFAULT_MACHINE: Readonly<Omit<MachineConfig, 'iommus' | 'devices'>> = {
  arch: 'arm64',
  kernel: NEWEST_KERNEL,
  ram: 8 * 1024 ** 3,
  cache: 32 * 1024,
  line: 64,
  ways: 4,
  swiotlb: 4 * 1024 ** 2,
  cma: 16 * 1024 ** 2,
  imported: false,
};

export function defaultDevice(name: string): DeviceConfig {
  return {
    name,
    dmaMask: 64,
    busLimit: 0,
    coherent: false,
    iommu: null,
    mmu: false,
    bus: 'platform',
    untrusted: false,
    swiotlb: 'auto',
  };
}

export function defaultIommu(name: string): IommuConfig {
  return { name, mode: 'strict', pgsize: 4096 };
}

export function defaultConfig(): MachineConfig {
  return { ...DEFAULT_MACHINE, iommus: [], devices: [] };
}

/**
 * A kernel version as a comparable number: "5.19" → 5019, "6.18" → 6018.
 * Returns NaN when the text is not MAJOR.MINOR[.PATCH].
 */
export function kernelCode(version: string): number {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
  if (!m) return NaN;
  return Number(m[1]) * 1000 + Number(m[2]);
}

/** The oldest and newest versions a scenario may name. */
export const KERNEL_RANGE = { oldest: '4.4', newest: NEWEST_KERNEL } as const;

/**
 * The first version each architecture's port exists in mainline (arch/<arch>),
 * the one owner of that fact: the explorer's menus, the scenario checks, the
 * library's version runs and createMachine all ask archKernelProblem().
 * arm64, arm and x86 are older than KERNEL_RANGE.oldest.
 *
 * riscv: arch/riscv was merged for 4.15. Its first commit is 76d2a0493a17
 * ("RISC-V: Init and Halt Code", Palmer Dabbelt, 2017-07-10: the Fixes: tags
 * that name the port's origin quote it, and `git rev-list --reverse … arch/riscv`
 * starts with it); "RISC-V Linux Port v9" (2017-09-26, based on 4.14-rc2) asked
 * for linux-next with the goal of being merged in the next merge period, the
 * 4.15 one, and the 4.15 release notes (linux.com,
 * "Linux Kernel 4.15: 'An Unusual Release Cycle'") list the RISC-V port as
 * merged. The merge is "Merge tag 'riscv-for-linus-4.15'" (palmer/linux); its
 * id was not found in the stored sources.
 */
export const ARCH_PORT_FROM: Readonly<Record<Arch, string>> = {
  arm64: KERNEL_RANGE.oldest,
  arm: KERNEL_RANGE.oldest,
  x86: KERNEL_RANGE.oldest,
  riscv: '4.15',
};

/** Why the port's source explains its first version, for messages. */
const ARCH_PORT_WHY: Readonly<Partial<Record<Arch, string>>> = {
  riscv: 'the RISC-V port was merged for 4.15, first commit 76d2a0493a17 "RISC-V: Init and Halt Code"',
};

/** The oldest version a scenario may name on this architecture. */
export function archOldest(arch: Arch): string {
  return ARCH_PORT_FROM[arch];
}

/**
 * Why this kernel cannot run this architecture (its port does not exist yet),
 * or null. Only the port's first version is checked here: the range
 * (KERNEL_RANGE) and the version's form are the callers' own checks.
 */
export function archKernelProblem(arch: Arch, kernel: string): string | null {
  const code = kernelCode(kernel);
  const from = ARCH_PORT_FROM[arch];
  if (!from || Number.isNaN(code) || code >= kernelCode(from)) return null;
  return `arch/${arch} exists from ${from} (${ARCH_PORT_WHY[arch] ?? 'the port was merged then'}); got ${kernel}`;
}
