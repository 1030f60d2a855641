/**
 * What the addresses of an imported trace or dump say about the machine:
 * each device's path to memory and DMA mask, whether it is coherent, and a
 * machine (RAM, CMA area, swiotlb pool) that can hold every traced address.
 * Shared by the trace and the dma-debug dump importers; each conclusion comes
 * with its reason, in words, for the scenario's comments.
 */
import type { Arch } from '../sim/config.ts';
import { KERNEL_IMAGE, machineLayout } from '../sim/layout.ts';
import { SZ_4G } from '../sim/hw/memory.ts';
import { kmallocBounceBySize } from '../sim/dma/direct.ts';
import type { DmaDir } from '../sim/events.ts';
import type { Block } from './regions.ts';
import type { Messages } from './report.ts';
import { deviceIdentifier, isPciName } from './scenario-text.ts';
import { hex, sizeLiteral } from '../sim/format.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** dma_get_max_seg_size() without dma_parms (the engine's default). */
const DEFAULT_MAX_SEG = 65536;

/** What the addresses of one device's mappings showed. */
export interface DeviceFacts {
  kernelName: string;
  name: string;
  events: number;
  /** Mappings whose DMA address was their physical address. */
  identity: number;
  /** Mappings whose DMA address was not. */
  moved: number;
  identityMaxEnd: number;
  /** Lowest end (phys + size) of a mapping moved for a reason other than kmalloc alignment. */
  movedMinEnd: number;
  movedMinDma: number;
  movedMaxDma: number;
  /** A small non-TO_DEVICE mapping (kmalloc-unaligned) was not moved / was moved. */
  smallKept: boolean;
  smallMoved: boolean;
  /** Longest DMA segment or sg entry seen. */
  maxSeg: number;
  /** Longest DMA segment of an sg list an IOMMU merged only partly (1 < segments < entries). */
  splitSeg: number;
  /** Longest DMA segment of the other lists. */
  wholeSeg: number;
  /** Lowest end of a mapping that failed (DMA_MAPPING_ERROR). */
  failedMinEnd: number;
  /** A moved mapping an IOMMU could not have made: its DMA address keeps neither the page offset nor the IOVA alignment. */
  notIova: boolean;
  /** Every moved mapping lies above 4 GiB and got a DMA address below it (what a 32-bit mask does). */
  movedUp: boolean;
  /** Mappings the input refers to but never made. */
  earlier: number;
}

export type Path = 'direct' | 'swiotlb' | 'force' | 'iommu';

export interface DeviceSetup {
  path: Path;
  /** Its mappings beyond its mask failed: the machine has no bounce pool. */
  noPool: boolean;
  maskBits: number;
  coherent: boolean | null;
  maxSeg: number | null;
  /** Why, in words, for the device's comment. */
  notes: string[];
}

/** The facts of each device, in order of first appearance. */
export class DeviceTable {
  readonly byKernelName = new Map<string, DeviceFacts>();
  private readonly taken = new Set<string>();

  constructor(
    private readonly arch: Arch,
    private readonly kernel: number,
  ) {}

  get(kernelName: string): DeviceFacts {
    let f = this.byKernelName.get(kernelName);
    if (!f) {
      const name = deviceIdentifier(kernelName, this.taken);
      this.taken.add(name);
      f = {
        kernelName,
        name,
        events: 0,
        identity: 0,
        moved: 0,
        identityMaxEnd: 0,
        movedMinEnd: Infinity,
        movedMinDma: Infinity,
        movedMaxDma: -Infinity,
        smallKept: false,
        smallMoved: false,
        maxSeg: 0,
        splitSeg: 0,
        wholeSeg: 0,
        failedMinEnd: Infinity,
        notIova: false,
        movedUp: true,
        earlier: 0,
      };
      this.byKernelName.set(kernelName, f);
    }
    return f;
  }

  /** One mapping (or DMA segment): its DMA address against its physical address. */
  evidence(f: DeviceFacts, phys: number, dma: number, size: number, dir: DmaDir): void {
    f.maxSeg = Math.max(f.maxSeg, size);
    const small = kmallocBounceBySize(this.arch, this.kernel, size, dir);
    if (dma === phys) {
      f.identity++;
      f.identityMaxEnd = Math.max(f.identityMaxEnd, phys + size);
      if (small) f.smallKept = true;
      return;
    }
    f.moved++;
    f.movedMinDma = Math.min(f.movedMinDma, dma);
    f.movedMaxDma = Math.max(f.movedMaxDma, dma + size);
    if (small) f.smallMoved = true;
    else f.movedMinEnd = Math.min(f.movedMinEnd, phys + size);
    if (phys + size <= SZ_4G || dma + size > SZ_4G) f.movedUp = false;
    if (!couldBeIova(phys, dma, size)) f.notIova = true;
  }

  /** A mapping that failed: above the device's reach, where no bounce pool helped. */
  failed(f: DeviceFacts, phys: number, size: number): void {
    f.failedMinEnd = Math.min(f.failedMinEnd, phys + size);
  }

  /** Each device's setup; devices that bounce some mappings locate the bounce pool for the others. */
  setups(arch: Arch): Map<string, DeviceSetup> {
    let poolLo = Infinity;
    let poolHi = -Infinity;
    for (const f of this.byKernelName.values()) {
      if (f.identity && f.moved) {
        poolLo = Math.min(poolLo, f.movedMinDma);
        poolHi = Math.max(poolHi, f.movedMaxDma);
      }
    }
    const out = new Map<string, DeviceSetup>();
    for (const f of this.byKernelName.values()) out.set(f.kernelName, deviceSetup(f, arch, poolLo, poolHi));
    return out;
  }
}

/**
 * A mask of b bits that lets every mapping ending at or below keptMaxEnd
 * through (end <= 2^b) and no mapping ending at lostMinEnd or above; 32 when
 * it fits, else the smallest that does; null when none does.
 */
function maskBetween(keptMaxEnd: number, lostMinEnd: number): number | null {
  const lo = Math.max(24, Math.ceil(Math.log2(Math.max(1, keptMaxEnd))));
  const fits = (b: number) => 2 ** b >= keptMaxEnd && 2 ** b < lostMinEnd;
  return fits(32) && lo <= 32 ? 32 : fits(lo) ? lo : null;
}

/**
 * dma-iommu keeps the offset in the IOMMU page (iommu_dma_map_phys: iova +
 * iova_offset(phys)) and asks iova.c for a size-aligned range of a power of
 * two pages (alloc_iova_fast(…, size_aligned=true), rounded up for the
 * rcache), so an IOVA is aligned to its own size. A swiotlb slot is only 2 KiB
 * (or page) aligned and does not keep the page offset unless the device has a
 * min_align_mask. (Checked for 4 KiB IOMMU pages and up to 32 pages.)
 */
function couldBeIova(phys: number, dma: number, size: number): boolean {
  const off = phys % 4096;
  if (dma % 4096 !== off) return false;
  const pages = Math.ceil((size + off) / 4096);
  if (pages > 32) return true;
  let p2 = 1;
  while (p2 < pages) p2 *= 2;
  return (dma - off) % (p2 * 4096) === 0;
}

/**
 * dma_addr == phys_addr for every mapping: dma-direct. Some equal, some not:
 * dma-direct bouncing through swiotlb, with the DMA mask (if one does) that
 * separates the buffers it bounced from those it did not. None equal: an
 * IOMMU, unless all of them lie in the bounce pool other devices use (forced
 * bouncing).
 */
export function deviceSetup(f: DeviceFacts, arch: Arch, poolLo: number, poolHi: number): DeviceSetup {
  const notes: string[] = [];
  let path: Path = 'direct';
  let maskBits = 64;
  if (f.identity + f.moved === 0) {
    notes.push('none of its mappings shows both addresses: taken as dma-direct');
    if (f.failedMinEnd < Infinity && f.failedMinEnd > SZ_4G) {
      maskBits = 32;
      notes.push('dma_mask=32: its mappings above 4 GiB failed instead of bouncing (no swiotlb pool)');
    }
  } else if (!f.moved) {
    notes.push('every DMA address is the physical address: dma-direct');
    // mappings above some address failed, those below did not, and none bounced
    const bits = f.failedMinEnd < Infinity ? maskBetween(f.identityMaxEnd, f.failedMinEnd) : null;
    if (bits !== null) {
      maskBits = bits;
      notes.push(`dma_mask=${bits}: its mappings above 2^${bits} failed instead of bouncing (no swiotlb pool)`);
    }
  }
  else if (f.identity) {
    path = 'swiotlb';
    notes.push(`${f.moved} of its ${f.identity + f.moved} mappings got another DMA address than their physical one, ${f.identity} kept it: dma-direct, bouncing through swiotlb`);
    if (f.movedMinEnd < Infinity) {
      const bits = maskBetween(f.identityMaxEnd, f.movedMinEnd);
      if (bits !== null) {
        maskBits = bits;
        notes.push(`dma_mask=${bits}: the buffers it bounced end above 2^${bits}, those it did not below`);
      } else notes.push('no DMA mask explains which mappings bounced: the explorer keeps a 64-bit mask and bounces only what it must');
    }
  } else if (f.notIova && f.movedUp) {
    path = 'swiotlb';
    maskBits = 32;
    notes.push('every mapping lies above 4 GiB and got a DMA address below it that an IOMMU would not give (page offset or alignment): dma-direct, bouncing through swiotlb with a 32-bit mask');
  } else if (f.notIova || (f.movedMinDma >= poolLo && f.movedMaxDma <= poolHi)) {
    path = 'force';
    notes.push(f.notIova ? 'every mapping got a DMA address an IOMMU would not give (page offset or alignment): forced bouncing (swiotlb=force), as for untrusted or confidential-computing devices' : 'every DMA address falls in the bounce pool other devices use: forced bouncing (swiotlb=force), as for untrusted or confidential-computing devices');
  } else if (f.movedUp && !isPciName(f.kernelName)) {
    path = 'swiotlb';
    maskBits = 32;
    notes.push('every mapping lies above 4 GiB and got a DMA address below it: dma-direct bouncing through swiotlb with a 32-bit mask (or an IOMMU: the addresses cannot tell; then write iommu=iommu0 instead)');
  } else {
    path = 'iommu';
    notes.push('no DMA address is a physical address: behind an IOMMU (strict or lazy: the addresses cannot tell)');
    // iova.c hands out IOVAs top-down from the device's limit: the highest one tells the limit
    const bits = Math.ceil(Math.log2(Math.max(1, f.movedMaxDma)));
    if (isPciName(f.kernelName)) {
      if (bits > 32 && bits < 64) maskBits = bits;
    } else if (bits < 64) {
      maskBits = Math.max(32, bits);
      notes.push(`dma_mask=${maskBits}: its IOVAs stay below 2^${maskBits}, where iova.c starts handing them out`);
    }
  }
  let coherent: boolean | null = null;
  if (arch === 'x86') coherent = null;
  else if (path !== 'iommu' && f.smallMoved) {
    coherent = false;
    notes.push('small unaligned mappings the device may write bounced: a non-coherent device (kmalloc bouncing)');
  } else if (path !== 'iommu' && f.smallKept) {
    coherent = true;
    notes.push(`coherent=true: small unaligned mappings the device may write were not bounced, which on ${arch} only a coherent device gets`);
  } else notes.push('coherence: the addresses cannot tell (the explorer assumes a non-coherent device)');
  let maxSeg = f.maxSeg > DEFAULT_MAX_SEG ? 2 ** Math.ceil(Math.log2(f.maxSeg)) : null;
  if (maxSeg) notes.push(`segments of up to ${f.maxSeg} bytes: max_segment_size set to ${maxSeg}`);
  if (path === 'iommu' && f.splitSeg && f.wholeSeg <= f.splitSeg) {
    // the IOMMU merged a list only partly, and no list got longer segments: a segment limit stopped it
    maxSeg = 2 ** Math.ceil(Math.log2(f.splitSeg));
    notes.push(`it merged sg entries into segments of at most ${f.splitSeg} bytes: max_segment_size set to ${maxSeg}`);
  }
  return { path, maskBits, coherent, maxSeg, notes, noPool: path === 'direct' && maskBits < 64 };
}

export function pathName(s: DeviceSetup): string {
  switch (s.path) {
    case 'direct':
      return 'dma-direct';
    case 'swiotlb':
      return s.maskBits !== 64 ? `dma-direct, ${s.maskBits}-bit mask, bounced through swiotlb` : 'dma-direct, bounced through swiotlb';
    case 'force':
      return 'swiotlb forced';
    case 'iommu':
      return 'IOMMU';
  }
}

export interface MachineChoice {
  ram: number;
  cma: number;
  swiotlb: number;
  notes: string[];
}

/**
 * RAM large enough for every traced address plus room above it for what the
 * model allocates itself; the CMA area and the swiotlb pool (which the model
 * puts just below 4 GiB) kept out of the traced memory's way: no CMA area if
 * it is in the way, a smaller pool (or none) if that is. Blocks that still
 * cannot be placed (the model's kernel image is at 2–32 MiB) are marked.
 */
export function chooseMachine(arch: Arch, kernel: string, blocks: Block[], messages: Messages, setups?: Map<string, DeviceSetup>): MachineChoice {
  const bootLayout = (c: { ram: number; cma: number; swiotlb: number }) => machineLayout({ arch, kernel, ...c });
  const notes: string[] = [];
  const all = setups ? [...setups.values()] : [];
  const noPool = all.some((s) => s.noPool) && !all.some((s) => s.path === 'swiotlb' || s.path === 'force');
  const maxEnd = blocks.reduce((m, b) => Math.max(m, b.base + b.size), 0);
  const ram = Math.min(1024 * GiB, Math.max(8 * GiB, Math.ceil(maxEnd / GiB) * GiB + GiB));
  let cma = 16 * MiB;
  let swiotlb = noPool ? 0 : 4 * MiB;
  if (noPool) notes.push('no swiotlb pool: mappings beyond a device\'s reach failed instead of bouncing');
  const low = Math.min(ram, SZ_4G);
  const lowBlocks = blocks.filter((b) => b.base < low && b.base + b.size > KERNEL_IMAGE.end);
  let layout = bootLayout({ ram, cma, swiotlb });
  if (lowBlocks.some((b) => b.base + b.size > layout.cmaBase)) {
    cma = 0;
    notes.push('no CMA area: traced memory sits where the explorer would put it');
    layout = bootLayout({ ram, cma, swiotlb });
  }
  if (lowBlocks.some((b) => b.base + b.size > layout.swiotlbBase)) {
    const top = lowBlocks.reduce((m, b) => Math.max(m, b.base + b.size), 0);
    swiotlb = Math.min(swiotlb, Math.floor((low - top) / (256 * 1024)) * 256 * 1024);
    notes.push(swiotlb ? `a ${swiotlb / 1024} KiB swiotlb pool: the room left above the traced memory below 4 GiB` : 'no swiotlb pool: traced memory fills the top of the first 4 GiB');
    layout = bootLayout({ ram, cma, swiotlb });
  }
  const inside = (b: Block) => layout.freeRanges.some(([s, e]) => b.base >= s && b.base + b.size <= e);
  for (const b of blocks) {
    if (b.base + b.size > ram || !inside(b)) {
      b.placed = false;
      const where = b.base + b.size > ram ? 'beyond 1024 GiB' : b.base < KERNEL_IMAGE.end ? "where the explorer's kernel image sits" : 'where the explorer keeps its bounce pool';
      messages.add(b.firstLine, `memory at ${hex(b.base)} is ${where}: placed elsewhere, so DMA addresses of its mappings are not checked`);
    }
  }
  return { ram, cma, swiotlb, notes };
}

/** machine(…), iommu(…) and one device(…) per device, each with its reasons. */
export function headerStatements(arch: Arch, kernel: string, m: MachineChoice, devices: Iterable<DeviceFacts>, setups: Map<string, DeviceSetup>, imported: boolean): string[] {
  const out: string[] = [];
  const opts = [`arch=${arch}`, `kernel="${kernel}"`, `ram=${sizeLiteral(m.ram)}`];
  if (m.cma !== 16 * MiB) opts.push(`cma=${sizeLiteral(m.cma)}`);
  if (m.swiotlb !== 4 * MiB) opts.push(`swiotlb=${sizeLiteral(m.swiotlb)}`);
  if (imported) opts.push('imported=true');
  out.push(`machine(${opts.join(', ')})${m.notes.length ? `   # ${m.notes.join('; ')}` : ''}`);
  if ([...setups.values()].some((s) => s.path === 'iommu')) out.push('iommu(iommu0, mode=strict)   # strict or lazy: the addresses cannot tell');
  for (const f of devices) {
    const s = setups.get(f.kernelName)!;
    const o = [f.name];
    if (f.name !== f.kernelName) o.push(`label="${f.kernelName.replace(/["\\]/g, '_')}"`);
    if (s.maskBits !== 64) o.push(`dma_mask=${s.maskBits}`);
    if (s.coherent) o.push('coherent=true');
    if (s.path === 'iommu') o.push('iommu=iommu0');
    if (isPciName(f.kernelName)) o.push('bus=pci');
    if (s.path === 'force') o.push('swiotlb=force');
    out.push(`device(${o.join(', ')})   # ${f.kernelName}: ${s.notes.join('; ')}`);
  }
  return out;
}
