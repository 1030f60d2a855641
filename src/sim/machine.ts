/**
 * The Machine record and createMachine(config): RAM, the CPU cache, the
 * physical layout (kernel image, swiotlb pool, CMA area), devices, and the
 * engine's bookkeeping of the scenario's names. Plain data throughout, so a
 * machine can be cloned for checkpoints and two can run side by side.
 *
 * Layout: layout.ts (the CMA area, the swiotlb pool and the kernel image, as
 * memblock reserves them at boot, by architecture and version).
 */
import { ARCHES, archKernelProblem, kernelCode, type Arch, type DeviceConfig, type MachineConfig } from './config.ts';
import { createCache, type CpuCache } from './hw/cpu-cache.ts';
import { createRam, PAGE_SIZE, type Ram } from './hw/memory.ts';
import { createFreeList, type FreeList } from './mm/page-alloc.ts';
import { createSwiotlb, type SwiotlbPool } from './dma/swiotlb.ts';
import { createDebugState, type DebugState } from './dma/debug.ts';
import type { DmaDir } from './events.ts';
import { archOps, hasNonCoherentDma } from './arch/arch.ts';
import { KERNEL_IMAGE, layoutProblem, machineLayout, type MachineLayout } from './layout.ts';
import { createIommuState, type IommuState } from './iommu/iommu.ts';
import { iommuOffRefusal, iommuRefusal } from './kernel-versions.ts';
import { armSetupIommuDmaOps } from './arch/arm-dma-iommu-setup.ts';
import { createCmaState, type CmaState } from './dma/cma-state.ts';
import type { GpuVm } from './hw/gpu-mmu.ts';
import type { DmaBuf, DmaBufAttachment } from './dma-buf/dma-buf.ts';
import type { OwnDmaOps } from './hw/device-dma-ops.ts';

export { KERNEL_IMAGE };
/** arm64-style kernel virtual addresses (48-bit, printed with a 0xffff prefix). */
export const LINEAR_BASE = 0;
export const VMALLOC_BASE = 0x8000_8000_0000;
export const VMALLOC_END = 0xfbff_0000_0000;

export type BufferKind = 'kmalloc' | 'pages' | 'vmalloc' | 'stack' | 'coherent' | 'noncoherent' | 'cma' | 'movable' | 'vmap';

export interface Buffer {
  id: number;
  name: string;
  kind: BufferKind;
  /** Kernel virtual address of the first byte. */
  va: number;
  size: number;
  /** Physical address of the first byte when physically contiguous, else -1. */
  phys: number;
  /** Physical page behind each virtual page, for vmalloc'd memory and stacks. */
  pages: number[];
  /** Bytes the allocator reserved (rounded), for freeing. */
  allocSize: number;
  /** CPU accesses bypass the cache (the uncached alias of dma_alloc_coherent). */
  uncached: boolean;
  live: boolean;
  /** Step that allocated it. */
  step: number;
  /** For dma_alloc_*: the device and DMA handle. */
  dev?: string;
  dmaAddr?: number;
  order?: number;
  /** An uncached alias's memory type: write-combining or uncached (mm/memattr.ts). */
  memType?: 'wc' | 'uc';
  /** dma_alloc_attrs(…, DMA_ATTR_NO_KERNEL_MAPPING): the "CPU address" is a cookie; nothing maps it. */
  noKernelMapping?: boolean;
}

export type Value =
  | { t: 'buf'; id: number }
  | { t: 'dma'; addr: number; dev: string }
  | { t: 'int'; v: number }
  | { t: 'sgt'; id: number }
  | { t: 'obj'; kind: 'dom' | 'vm' | 'dmabuf' | 'attach'; id: number };

export interface Device {
  name: string;
  cfg: DeviceConfig;
  /** DMA mask in bits, as dma_set_mask left it. */
  maskBits: number;
  coherentMaskBits: number;
  /** dev_is_dma_coherent(): always true on x86. */
  coherent: boolean;
  maxSegSize: number;
  driverBound: boolean;
}

/** A live streaming or coherent mapping, as the explorer tracks ownership. */
export interface MapRecord {
  dev: string;
  addr: number;
  size: number;
  dir: DmaDir;
  api: 'single' | 'page' | 'sg' | 'coherent' | 'noncoherent';
  /** Physical address of the original buffer. */
  phys: number;
  /** Bounce slot address when bounced through swiotlb, else -1. */
  tlbAddr: number;
  bufId: number;
  owner: 'cpu' | 'device';
  step: number;
  line: number;
}

export interface SgEntry {
  bufId: number;
  offset: number;
  length: number;
  /** Physical address of the entry's first byte. */
  phys: number;
  dmaAddress: number;
  dmaLength: number;
}

export interface SgTable {
  id: number;
  name: string;
  entries: SgEntry[];
  /** Mapped segment count (0 when not mapped). */
  nents: number;
  mappedFor: string | null;
  dir: DmaDir | null;
}

export interface Machine {
  config: MachineConfig;
  arch: Arch;
  kernel: number;
  ram: Ram;
  cache: CpuCache;
  free: FreeList;
  layout: Omit<MachineLayout, 'freeRanges'>;
  swiotlb: SwiotlbPool | null;
  devices: Record<string, Device>;
  buffers: Buffer[];
  sgts: SgTable[];
  names: Record<string, Value>;
  debug: DebugState;
  /** Live mappings per device, by DMA address (dma/tracking.ts). */
  maps: Record<string, Map<number, MapRecord>>;
  /** The same records by buffer id, so "what maps this buffer?" costs no scan. */
  mapsByBuf: Map<number, Set<MapRecord>>;
  /** Virtual page → physical page for vmalloc space. */
  vmap: Map<number, number>;
  vmallocNext: number;
  stack: { base: number; top: number; pages: number[] } | null;
  /** WARN_ONCE sites that already fired. */
  warnedOnce: Record<string, true>;
  /** Statements executed after the header. */
  step: number;
  /** Source line of the statement being executed. */
  line: number;
  timeUs: number;
  /** System IOMMUs: domains, page tables, IOTLBs, IOVA allocators, flush queues (iommu/iommu.ts). */
  iommu: IommuState;
  /** The default CMA area, the movable pages borrowing it, short-term pins (dma/cma-state.ts). */
  cma: CmaState;
  /** Device-internal MMU address spaces (hw/gpu-mmu.ts). */
  gpuVms: GpuVm[];
  /** dma-bufs and their attachments (dma-buf/dma-buf.ts). */
  dmaBufs: DmaBuf[];
  dmaBufAttachments: DmaBufAttachment[];
  /** Devices whose internal MMU sits behind their own dma_map_ops (thread 001's proposal, hw/device-dma-ops.ts). */
  ownDmaOps: OwnDmaOps[];
  /** Linear-map caching attribute by page frame, as x86 set_memory_wc/uc left it (absent: write-back). */
  memattr: Map<number, 'wc' | 'uc'>;
  /**
   * The kernel is stuck in an endless loop (the statement that entered it): no
   * later statement runs (step.ts). Set by iommu_map on 5.15–6.10 when
   * arm_lpae_map_pages maps nothing and reports success (io-pgtable.ts).
   */
  hung: { line: number; fn: string } | null;
}

function deviceFor(cfg: DeviceConfig, arch: Arch, kernel: number): Device {
  return {
    name: cfg.name,
    cfg,
    maskBits: cfg.dmaMask,
    coherentMaskBits: cfg.dmaMask,
    // dma_ops=own (thread 001): the camera's MMU issues non-snooped accesses on every arch; its ops flush
    coherent: cfg.dmaOps === 'own' ? cfg.coherent : !hasNonCoherentDma(archOps(arch), kernel) || cfg.coherent,
    maxSegSize: 65536,
    driverBound: true,
  };
}

/** The kernel's names of devices that carry one (label=), for dma-debug's dev_name(). */
function deviceNames(config: MachineConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of config.devices) if (d.label) out[d.name] = d.label;
  return out;
}

export function createMachine(config: MachineConfig): Machine {
  if (!ARCHES.includes(config.arch)) throw new Error(`unknown architecture '${config.arch}'`);
  const kernel = kernelCode(config.kernel);
  if (Number.isNaN(kernel)) throw new Error(`bad kernel version '${config.kernel}'`);
  const noPort = archKernelProblem(config.arch, config.kernel);
  if (noPort) throw new Error(noPort);
  // the scenario check refuses the same at the declaration; "Run as" and --arch/--kernel change the machine after it
  const refused = iommuRefusal(config);
  if (refused) throw new Error(refused.message);
  const off = iommuOffRefusal(config);
  if (off) throw new Error(off);
  const { cmaBase, cmaSize, swiotlbBase, swiotlbSize, overflowBuffer, noForceSlab, freeRanges } = machineLayout(config);
  const tooSmall = layoutProblem(config);
  if (tooSmall) throw new Error(tooSmall);
  const devices: Record<string, Device> = {};
  for (const d of config.devices) devices[d.name] = deviceFor(d, config.arch, kernel);
  const iommu = createIommuState(config);
  armSetupIommuDmaOps(iommu, config);
  return {
    config,
    arch: config.arch,
    kernel,
    ram: createRam(config.ram),
    cache: createCache(config.cache, config.line, config.ways),
    free: createFreeList(freeRanges),
    layout: { cmaBase, cmaSize, swiotlbBase, swiotlbSize, overflowBuffer, noForceSlab },
    swiotlb: swiotlbSize ? createSwiotlb(swiotlbBase, swiotlbSize) : null,
    devices,
    buffers: [],
    sgts: [],
    // no prototype: a scenario may name a buffer __proto__ or constructor (an Object.prototype key would shadow or, for __proto__, replace what is looked up)
    names: Object.create(null) as Record<string, Value>,
    debug: createDebugState(kernel, archOps(config.arch).l1CacheShift(kernel), { mapErrorUnknown: config.imported, deviceNames: deviceNames(config) }),
    maps: {},
    mapsByBuf: new Map(),
    vmap: new Map(),
    vmallocNext: VMALLOC_BASE,
    stack: null,
    warnedOnce: {},
    step: 0,
    line: 0,
    timeUs: 0,
    iommu,
    cma: createCmaState(cmaBase / PAGE_SIZE, cmaSize / PAGE_SIZE),
    gpuVms: [],
    dmaBufs: [],
    dmaBufAttachments: [],
    ownDmaOps: [],
    memattr: new Map(),
    hung: null,
  };
}


/** DMA_BIT_MASK(n) as a number (n ≥ 53 saturates: addresses stay below 2^53). */
export function dmaBitMask(bits: number): number {
  return bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
}

/** The mask printed as the kernel's %llx. */
export function maskHex(bits: number): string {
  if (bits <= 0) return '0';
  const full = Math.floor(Math.min(bits, 64) / 4);
  const rem = Math.min(bits, 64) % 4;
  return (rem ? (2 ** rem - 1).toString(16) : '') + 'f'.repeat(full);
}

/** min_not_zero(*dev->dma_mask, dev->bus_dma_limit) as an address limit. */
export function dmaLimit(d: Device): number {
  const mask = dmaBitMask(d.maskBits);
  const bus = d.cfg.busLimit ? dmaBitMask(d.cfg.busLimit) : 0;
  return bus ? Math.min(mask, bus) : mask;
}
