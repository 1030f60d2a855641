/**
 * What the addresses of an imported trace or dump say about the machine:
 * each device's path to memory and DMA mask, whether it is coherent, and a
 * machine (RAM, CMA area, swiotlb pool) that can hold every traced address.
 * Shared by the trace and the dma-debug dump importers; each conclusion comes
 * with its reason, in words, for the scenario's comments.
 */
import type { Arch } from '../sim/config.ts';
import { KERNEL_IMAGE, bootLayout } from '../sim/machine.ts';
import { SZ_4G } from '../sim/hw/memory.ts';
import { kmallocBounceBySize } from '../sim/dma/direct.ts';
import type { DmaDir } from '../sim/dma/debug.ts';
import type { Block } from './regions.ts';
import type { Messages } from './report.ts';
import { deviceIdentifier, isPciName } from './scenario-text.ts';

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
  /** Mappings the input refers to but never made. */
  earlier: number;
}

export type Path = 'direct' | 'swiotlb' | 'force' | 'iommu';

export interface DeviceSetup {
  path: Path;
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
  if (f.identity + f.moved === 0) notes.push('none of its mappings shows both addresses: taken as dma-direct');
  else if (!f.moved) notes.push('every DMA address is the physical address: dma-direct');
  else if (f.identity) {
    path = 'swiotlb';
    notes.push(`${f.moved} of its ${f.identity + f.moved} mappings got another DMA address than their physical one, ${f.identity} kept it: dma-direct, bouncing through swiotlb`);
    if (f.movedMinEnd < Infinity) {
      // a mask of b bits keeps every kept mapping (end <= 2^b) and bounces every moved one (end > 2^b)
      const lo = Math.max(24, Math.ceil(Math.log2(Math.max(1, f.identityMaxEnd))));
      const fits = (b: number) => 2 ** b >= f.identityMaxEnd && 2 ** b < f.movedMinEnd;
      const bits = fits(32) && lo <= 32 ? 32 : fits(lo) ? lo : null;
      if (bits !== null) {
        maskBits = bits;
        notes.push(`dma_mask=${bits}: the buffers it bounced end above 2^${bits}, those it did not below`);
      } else notes.push('no DMA mask explains which mappings bounced: the explorer keeps a 64-bit mask and bounces only what it must');
    }
  } else if (f.movedMinDma >= poolLo && f.movedMaxDma <= poolHi) {
    path = 'force';
    notes.push('every DMA address falls in the bounce pool other devices use: forced bouncing (swiotlb=force), as for untrusted or confidential-computing devices');
  } else {
    path = 'iommu';
    notes.push('no DMA address is a physical address: behind an IOMMU (strict or lazy: the addresses cannot tell)');
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
  const maxSeg = f.maxSeg > DEFAULT_MAX_SEG ? 2 ** Math.ceil(Math.log2(f.maxSeg)) : null;
  if (maxSeg) notes.push(`segments of up to ${f.maxSeg} bytes: max_segment_size set to ${maxSeg}`);
  return { path, maskBits, coherent, maxSeg, notes };
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
export function chooseMachine(blocks: Block[], messages: Messages): MachineChoice {
  const notes: string[] = [];
  const maxEnd = blocks.reduce((m, b) => Math.max(m, b.base + b.size), 0);
  const ram = Math.min(1024 * GiB, Math.max(8 * GiB, Math.ceil(maxEnd / GiB) * GiB + GiB));
  let cma = 16 * MiB;
  let swiotlb = 4 * MiB;
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
  const inside = (b: Block) => layout.free.some(([s, e]) => b.base >= s && b.base + b.size <= e);
  for (const b of blocks) {
    if (b.base + b.size > ram || !inside(b)) {
      b.placed = false;
      const where = b.base + b.size > ram ? 'beyond 1024 GiB' : b.base < KERNEL_IMAGE.end ? "where the explorer's kernel image sits" : 'where the explorer keeps its bounce pool';
      messages.add(b.firstLine, `memory at 0x${b.base.toString(16)} is ${where}: placed elsewhere, so DMA addresses of its mappings are not checked`);
    }
  }
  return { ram, cma, swiotlb, notes };
}

export function sizeText(n: number): string {
  if (n === 0) return '0';
  if (n % GiB === 0) return `${n / GiB}G`;
  if (n % MiB === 0) return `${n / MiB}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** machine(…), iommu(…) and one device(…) per device, each with its reasons. */
export function headerStatements(arch: Arch, kernel: string, m: MachineChoice, devices: Iterable<DeviceFacts>, setups: Map<string, DeviceSetup>, imported: boolean): string[] {
  const out: string[] = [];
  const opts = [`arch=${arch}`, `kernel="${kernel}"`, `ram=${sizeText(m.ram)}`];
  if (m.cma !== 16 * MiB) opts.push(`cma=${sizeText(m.cma)}`);
  if (m.swiotlb !== 4 * MiB) opts.push(`swiotlb=${sizeText(m.swiotlb)}`);
  if (imported) opts.push('imported=true');
  out.push(`machine(${opts.join(', ')})${m.notes.length ? `   # ${m.notes.join('; ')}` : ''}`);
  if ([...setups.values()].some((s) => s.path === 'iommu')) out.push('iommu(iommu0, mode=strict)   # strict or lazy: the addresses cannot tell');
  for (const f of devices) {
    const s = setups.get(f.kernelName)!;
    const o = [f.name];
    if (s.maskBits !== 64) o.push(`dma_mask=${s.maskBits}`);
    if (s.coherent) o.push('coherent=true');
    if (s.path === 'iommu') o.push('iommu=iommu0');
    if (isPciName(f.kernelName)) o.push('bus=pci');
    if (s.path === 'force') o.push('swiotlb=force');
    out.push(`device(${o.join(', ')})   # ${f.kernelName}: ${s.notes.join('; ')}`);
  }
  return out;
}
