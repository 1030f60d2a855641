/**
 * The per-architecture DMA hooks the generic code calls
 * (`include/linux/dma-map-ops.h`): arch_sync_dma_for_device,
 * arch_sync_dma_for_cpu, arch_dma_prep_coherent, plus the constants that
 * differ per architecture (kmalloc alignment, ARCH_DMA_MINALIGN, L1 line).
 *
 * Each architecture module answers with a plan: which maintenance operation
 * runs over the range, whether partial edge lines are promoted to
 * clean+invalidate, the instruction names, and the kernel function and rule
 * that make it so. cache-maint.ts executes a plan on the cache.
 */
import type { Arch, DeviceConfig } from '../config.ts';
import type { DmaDir, MaintOp, Why } from '../events.ts';
import { arm64 } from './arm64.ts';
import { arm } from './arm.ts';
import { riscv } from './riscv.ts';
import { x86 } from './x86.ts';
import { SZ_4G } from '../hw/memory.ts';

export interface MaintPlan {
  op: MaintOp;
  /** 'promote': partial first/last lines get clean+invalidate instead of invalidate. */
  edges: 'promote' | 'same';
  instr: string;
  why: Why;
}

export interface ArchOps {
  name: Arch;
  /** False on x86: no ARCH_HAS_SYNC_DMA_* hook, so dev_is_dma_coherent() is hard-wired true. */
  hasNonCoherentDma: boolean;
  /** ARCH_KMALLOC_MINALIGN as the product places kmalloc objects ("Modelling decisions"); read it through kmallocAlign(ops, kernel). */
  kmallocAlign: number;
  /** dma_get_cache_alignment(): ARCH_DMA_MINALIGN where defined, else 1. */
  dmaMinAlign: number;
  /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC is selected from this version (kernel-versions.ts), or never. */
  kmallocBounceFrom: number | null;
  /** Non-coherent DMA support arrived with this version (riscv 6.0); before it every device is coherent. */
  nonCoherentFrom?: number;
  /**
   * L1_CACHE_SHIFT on this kernel: dma-debug's cacheline granularity
   * (to_cacheline_number), whatever line size the machine models. arm64 had 7
   * from 4.4 until ARCH_GATES.arm64L1CacheShift6, 6 after.
   */
  l1CacheShift(kernel: number): number;
  /**
   * zone_dma_bits for this kernel: dma_direct_supported() refuses masks below
   * it (unless RAM ends lower) and GFP_DMA allocations stay below 2^bits.
   * null where the architecture has no CONFIG_ZONE_DMA (riscv): GFP_DMA is
   * then OPT_ZONE_DMA = ZONE_NORMAL (include/linux/gfp.h GFP_ZONE_TABLE) and
   * dma_direct_supported() measures a mask under 32 bits against RAM alone.
   * `dmaRanges` is what the firmware says (dmaRangesLimit): an architecture
   * that sizes ZONE_DMA from it (arm64 from 5.11) reads it, the others ignore
   * it. Callers with a machine ask zoneDmaBits(m), which supplies it.
   */
  zoneDmaBits(kernel: number, dmaRanges: DmaRangesLimit | null): number | null;
  /**
   * CONFIG_ZONE_DMA32 exists from this version (riscv: ARCH_GATES.riscvZoneDma32,
   * arm64: ARCH_GATES.arm64ZoneDma32); before it GFP_DMA32 is OPT_ZONE_DMA32 =
   * ZONE_NORMAL. null: never (32-bit arm). Absent: GFP_DMA32 stays below 4 GiB
   * on every version of that architecture (x86-64).
   */
  zoneDma32From?: number | null;
  forDevice(dir: DmaDir, kernel: number): MaintPlan | null;
  forCpu(dir: DmaDir, kernel: number): MaintPlan | null;
  prepCoherent(kernel: number): MaintPlan | null;
}

/**
 * The lowest upper bound any Device Tree dma-ranges puts on DMA, as
 * of_dma_get_max_cpu_address(NULL) (drivers/of/address.c, 5.11) finds it: the
 * minimum over the tree of each dma-ranges' highest CPU address (cpu_addr +
 * size - 1), PHYS_ADDR_MAX where no node has dma-ranges. A scenario's
 * bus_limit=N is the bus_dma_limit of_dma_configure() derives from such a
 * dma-ranges, reaching 2^N from address 0 (no offset), so its highest CPU
 * address is 2^N - 1 and fls64() of it is N. Only devices that declare a
 * bus_limit count; the first declared wins a tie. null: no dma-ranges.
 */
export interface DmaRangesLimit {
  bits: number;
  device: string;
}

export function dmaRangesLimit(devices: readonly Pick<DeviceConfig, 'name' | 'busLimit'>[]): DmaRangesLimit | null {
  let best: DmaRangesLimit | null = null;
  for (const d of devices) if (d.busLimit > 0 && (!best || d.busLimit < best.bits)) best = { bits: d.busLimit, device: d.name };
  return best;
}

/** What the zone functions need of a machine (a Machine is one): its architecture, kernel, RAM and devices. */
export interface ZoneMachine {
  arch: Arch;
  kernel: number;
  config: { ram: number; devices: readonly Pick<DeviceConfig, 'name' | 'busLimit'>[] };
}

/** zone_dma_bits of this machine (ArchOps.zoneDmaBits with its firmware's dma-ranges limit). */
export function zoneDmaBits(m: ZoneMachine): number | null {
  return TABLE[m.arch].zoneDmaBits(m.kernel, dmaRangesLimit(m.config.devices));
}

/**
 * Where ZONE_DMA's size comes from when the firmware set it below the
 * architecture's default (arm64 from 5.11 with a bus_limit under 32 bits), for
 * the events' explanations; null when the firmware did not limit it.
 */
export function zoneDmaSource(m: ZoneMachine): string | null {
  const fw = dmaRangesLimit(m.config.devices);
  const bits = zoneDmaBits(m);
  if (!fw || bits === null || bits !== fw.bits || TABLE[m.arch].zoneDmaBits(m.kernel, null) === bits) return null;
  return `ZONE_DMA ends at 2^${bits} because arm64 sizes it from of_dma_get_max_cpu_address(): the lowest dma-ranges limit, ${fw.device}'s bus_limit=${fw.bits}`;
}

const TABLE: Record<Arch, ArchOps> = { arm64, arm, riscv, x86 };

export function archOps(arch: Arch): ArchOps {
  return TABLE[arch];
}

const DIR_CODE: Record<DmaDir, number> = { DMA_BIDIRECTIONAL: 0, DMA_TO_DEVICE: 1, DMA_FROM_DEVICE: 2, DMA_NONE: 3 };
const PLANS = new Map<ArchOps, Map<number, MaintPlan | null>>();

/**
 * The architecture's maintenance plan for a streaming sync (forCpu or
 * forDevice), made once per architecture, kernel and direction: a plan
 * depends on nothing else, and every map, sync and unmap of a non-coherent
 * device asks for one. The plans (and so the events' why) are shared; nothing
 * changes them.
 */
export function syncPlan(arch: Arch, kernel: number, dir: DmaDir, forCpu: boolean): MaintPlan | null {
  const ops = TABLE[arch];
  if (!Number.isInteger(kernel)) return forCpu ? ops.forCpu(dir, kernel) : ops.forDevice(dir, kernel);
  let byKey = PLANS.get(ops);
  if (!byKey) PLANS.set(ops, (byKey = new Map()));
  const key = kernel * 8 + DIR_CODE[dir] * 2 + (forCpu ? 1 : 0);
  let plan = byKey.get(key);
  if (plan === undefined) {
    plan = forCpu ? ops.forCpu(dir, kernel) : ops.forDevice(dir, kernel);
    byKey.set(key, plan);
  }
  return plan;
}

/**
 * The kmalloc alignment on this kernel: an architecture whose non-coherent
 * support arrived with a version (riscv 6.0) defined ARCH_DMA_MINALIGN only
 * with it (1631ba1259d6 adds "#ifdef CONFIG_RISCV_DMA_NONCOHERENT #define
 * ARCH_DMA_MINALIGN L1_CACHE_BYTES" to asm/cache.h); before, kmalloc objects
 * had the generic ARCH_KMALLOC_MINALIGN, __alignof__(unsigned long long) = 8.
 */
export function kmallocAlign(a: ArchOps, kernel: number): number {
  return a.nonCoherentFrom !== undefined && kernel < a.nonCoherentFrom ? 8 : a.kmallocAlign;
}

/** CONFIG_ZONE_DMA32 on this architecture and kernel (see ArchOps.zoneDma32From). */
export function hasZoneDma32(a: ArchOps, kernel: number): boolean {
  if (a.zoneDma32From === null) return false;
  return a.zoneDma32From === undefined || kernel >= a.zoneDma32From;
}

/**
 * The highest address (exclusive) a page allocation with this zone modifier
 * may use: gfp_zone() through GFP_ZONE_TABLE (include/linux/gfp.h), where a
 * modifier whose zone is not configured (OPT_ZONE_DMA, OPT_ZONE_DMA32) means
 * ZONE_NORMAL, i.e. anywhere in RAM.
 */
export function zoneTop(m: ZoneMachine, zone: 'GFP_DMA' | 'GFP_DMA32' | null): number {
  const ram = m.config.ram;
  if (zone === 'GFP_DMA') {
    const bits = zoneDmaBits(m);
    return bits === null ? ram : Math.min(ram, 2 ** bits);
  }
  if (zone === 'GFP_DMA32') return hasZoneDma32(TABLE[m.arch], m.kernel) ? Math.min(ram, SZ_4G) : ram;
  return ram;
}

/**
 * The zone a physical address lies in, as the alloc events and the memory map
 * name it: ZONE_DMA below 2^zoneDmaBits where the architecture has one (16 MiB
 * on x86, 4 GiB on arm64 before 4.16, 1 GiB on arm64 5.5–5.10, from 5.11 4 GiB
 * or what the firmware's dma-ranges allow), ZONE_DMA32 above it up to 4 GiB
 * where that zone exists, ZONE_NORMAL the rest. A ZONE_DMA reaching 4 GiB
 * leaves ZONE_DMA32 empty (arm64 from 5.11 with no dma-ranges under 4 GiB).
 */
export function zoneName(m: ZoneMachine, phys: number): 'DMA' | 'DMA32' | 'Normal' {
  const bits = zoneDmaBits(m);
  if (bits !== null && phys < 2 ** bits) return 'DMA';
  return phys < SZ_4G && hasZoneDma32(TABLE[m.arch], m.kernel) ? 'DMA32' : 'Normal';
}

/** The zones of the machine's RAM in address order, each [start, end) (empty zones left out). */
export function zoneSpans(m: ZoneMachine): { zone: 'DMA' | 'DMA32' | 'Normal'; start: number; end: number }[] {
  const ram = m.config.ram;
  const bits = zoneDmaBits(m);
  const dmaEnd = bits === null ? 0 : Math.min(ram, 2 ** bits);
  const dma32End = hasZoneDma32(TABLE[m.arch], m.kernel) ? Math.max(dmaEnd, Math.min(ram, SZ_4G)) : dmaEnd;
  const out: { zone: 'DMA' | 'DMA32' | 'Normal'; start: number; end: number }[] = [];
  if (dmaEnd > 0) out.push({ zone: 'DMA', start: 0, end: dmaEnd });
  if (dma32End > dmaEnd) out.push({ zone: 'DMA32', start: dmaEnd, end: dma32End });
  if (ram > dma32End) out.push({ zone: 'Normal', start: dma32End, end: ram });
  return out;
}

/** dev_is_dma_coherent() can be false on this architecture and kernel (ARCH_HAS_SYNC_DMA_* selected). */
export function hasNonCoherentDma(a: ArchOps, kernel: number): boolean {
  return a.hasNonCoherentDma && (a.nonCoherentFrom === undefined || kernel >= a.nonCoherentFrom);
}
