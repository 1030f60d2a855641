/**
 * What leaves the worker: a plain, structured-clone-friendly picture of the
 * machine after a step, for the explorer's views, and the "bytes three ways"
 * of one buffer. Reading a snapshot never changes the machine (no cache fills,
 * no IOTLB fills, no events): it peeks.
 */
import type { CacheLineState } from './events.ts';
import { cacheLines, dirtyByteCount, lookup, slotAt } from './hw/cpu-cache.ts';
import { ramRead } from './hw/memory.ts';
import { KERNEL_IMAGE, type Buffer, type Machine, type MapRecord } from './machine.ts';
import { physChunks } from './mm/buffers.ts';
import { swiotlbRuns } from './dma/swiotlb.ts';
import { IO_TLB_OVERFLOW } from './layout.ts';
import { allMappings, mappingsOfBuffer } from './dma/tracking.ts';
import { cmaView, type CmaView } from './dma/contiguous-ops.ts';
import { gpuVmViews, type GpuVmView } from './hw/gpu-mmu.ts';
import { dmaBufViews, type DmaBufView } from './dma-buf/dma-buf.ts';
import { iommuDomains, iommuPeek, type IommuDomainView } from './iommu/iommu.ts';
import { snoopOf } from './hw/device.ts';
import { ptEntries, type PtEntryView } from './iommu/io-pgtable.ts';
import { iotlbEntries, type IotlbEntryView } from './iommu/iotlb.ts';
import { iovaRanges, type IovaRange } from './iommu/iova.ts';
import { armMappingViews } from './arch/arm-dma-iommu.ts';
import { debugActiveCachelines, debugLiveEntries, type DebugEntry } from './dma/debug.ts';
import { hex } from './format.ts';
import { zoneSpans } from './arch/arch.ts';

export interface BufferInfo {
  id: number;
  name: string;
  kind: Buffer['kind'];
  va: number;
  size: number;
  /** Physical address of each piece (one for contiguous memory). */
  pieces: Array<{ phys: number; len: number; at: number }>;
  live: boolean;
  uncached: boolean;
  /**
   * How the CPU maps it when not write-back: an uncached alias's type, or the
   * linear map's attribute x86 set_memory_wc/uc gave (some or all) of its pages.
   */
  memType?: 'wc' | 'uc';
  /** DMA_ATTR_NO_KERNEL_MAPPING: the CPU has no mapping. */
  noKernelMapping?: boolean;
  dev?: string;
  dmaAddr?: number;
  step: number;
}

export interface Region {
  name: string;
  kind: 'zone' | 'kernel' | 'swiotlb' | 'cma';
  start: number;
  end: number;
}

/** One IOMMU domain as the IOMMU view draws it: page-table leaves, IOTLB entries (stale marked), IOVA space. */
export interface IommuDomainDetail extends IommuDomainView {
  entries: PtEntryView[];
  iotlb: IotlbEntryView[];
  iova: IovaRange[];
  /** True when the lists were cut to keep the frame small. */
  truncated: boolean;
  /** arm32's ARM_DMA_USE_IOMMU mapping owns this domain: `iova` is its bitmap's used runs (arch/arm-dma-iommu.ts). */
  armBitmap?: { bitsPerBitmap: number; nrBitmaps: number; extensions: number };
}

const VIEW_LIMIT = 512;

function iommuDetail(m: Machine): IommuDomainDetail[] {
  const armViews = armMappingViews(m);
  return iommuDomains(m).map((v) => {
    const d = m.iommu.domains[v.id]!;
    const entries = d.pt ? ptEntries(d.pt) : [];
    const iotlb = d.iotlb ? iotlbEntries(d.iotlb, d.pt) : [];
    const arm = armViews.find((a) => a.domain === d.name && a.live);
    const iova = d.iovad ? iovaRanges(d.iovad) : arm ? arm.used.map((r) => ({ pfnLo: r.page, pfnHi: r.page + r.count - 1, state: 'allocated' as const })) : [];
    const truncated = entries.length > VIEW_LIMIT || iova.length > VIEW_LIMIT;
    const detail: IommuDomainDetail = { ...v, entries: entries.slice(0, VIEW_LIMIT), iotlb, iova: iova.slice(0, VIEW_LIMIT), truncated };
    if (arm) detail.armBitmap = { bitsPerBitmap: arm.bits, nrBitmaps: arm.nrBitmaps, extensions: arm.extensions };
    return detail;
  });
}

export interface MachineSnapshot {
  step: number;
  timeUs: number;
  arch: string;
  kernel: string;
  ram: number;
  regions: Region[];
  cache: { size: number; line: number; ways: number; sets: number; lines: Array<{ set: number; way: number; line: number; state: CacheLineState; dirtyBytes: number }> };
  buffers: BufferInfo[];
  mappings: MapRecord[];
  swiotlb: { start: number; end: number; nslabs: number; used: number; index: number; runs: Array<{ index: number; nslots: number; orig: number }> } | null;
  debug: { entries: DebugEntry[]; cachelines: Array<{ line: number; mappings: number }> };
  devices: Array<{ name: string; maskBits: number; coherent: boolean; nosnoop: boolean; iommu: string | null; driverBound: boolean; maxSegSize: number }>;
  iommu: IommuDomainDetail[];
  cma: CmaView | null;
  gpuVms: GpuVmView[];
  dmaBufs: DmaBufView[];
}

/**
 * The zones the memory map shows, by architecture and version (arch.ts
 * zoneSpans): x86 ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB, ZONE_NORMAL
 * above; arm64 ZONE_DMA alone over the low 4 GiB before 4.16, ZONE_DMA32 alone
 * in 4.16–5.4, ZONE_DMA 1 GiB + ZONE_DMA32 in 5.5–5.10, after that ZONE_DMA
 * up to 4 GiB or the smallest bus_limit (the firmware's dma-ranges);
 * riscv ZONE_DMA32 from 0 (all ZONE_NORMAL before its ZONE_DMA32); arm32 all
 * ZONE_NORMAL.
 */
function zoneRegions(m: Machine): Region[] {
  return zoneSpans(m).map((z) => ({ name: `ZONE_${z.zone === 'Normal' ? 'NORMAL' : z.zone}`, kind: 'zone', start: z.start, end: z.end }));
}

function regions(m: Machine): Region[] {
  const r = zoneRegions(m);
  r.push({ name: 'kernel image', kind: 'kernel', start: KERNEL_IMAGE.start, end: KERNEL_IMAGE.end });
  if (m.layout.swiotlbSize) r.push({ name: 'swiotlb pool', kind: 'swiotlb', start: m.layout.swiotlbBase, end: m.layout.swiotlbBase + m.layout.swiotlbSize });
  if (m.layout.overflowBuffer) r.push({ name: 'swiotlb overflow buffer', kind: 'swiotlb', start: m.layout.overflowBuffer, end: m.layout.overflowBuffer + IO_TLB_OVERFLOW });
  if (m.layout.cmaSize) r.push({ name: 'CMA area "reserved"', kind: 'cma', start: m.layout.cmaBase, end: m.layout.cmaBase + m.layout.cmaSize });
  return r;
}

export function bufferInfo(m: Machine, b: Buffer): BufferInfo {
  const info: BufferInfo = {
    id: b.id,
    name: b.name,
    kind: b.kind,
    va: b.va,
    size: b.size,
    pieces: b.live || b.phys >= 0 ? physChunks(m, b, 0, b.size) : [],
    live: b.live,
    uncached: b.uncached,
    step: b.step,
  };
  if (b.dev !== undefined) info.dev = b.dev;
  if (b.dmaAddr !== undefined) info.dmaAddr = b.dmaAddr;
  if (b.uncached) info.memType = b.memType ?? 'uc';
  else if (m.memattr.size) {
    for (const p of info.pieces) {
      for (let a = p.phys - (p.phys % 4096); a < p.phys + p.len; a += 4096) {
        const t = m.memattr.get(a / 4096);
        if (t) info.memType = t;
      }
    }
  }
  if (b.noKernelMapping) info.noKernelMapping = true;
  return info;
}

/**
 * What a snapshot of a machine with thousands of live buffers lists (the
 * worker's frames, worker/frames.ts): these buffers and mappings only, and
 * no dma-debug entries, so its cost does not grow with every live buffer.
 */
export interface SnapshotSubset {
  buffers: readonly Buffer[];
  mappings: readonly MapRecord[];
}

export function snapshot(m: Machine, subset?: SnapshotSubset): MachineSnapshot {
  const c = m.cache;
  const p = m.swiotlb;
  return {
    step: m.step,
    timeUs: m.timeUs,
    arch: m.arch,
    kernel: m.config.kernel,
    ram: m.config.ram,
    regions: regions(m),
    cache: {
      size: c.size,
      line: c.line,
      ways: c.ways,
      sets: c.sets,
      lines: cacheLines(c).map((l) => ({ ...l, dirtyBytes: dirtyByteCount(c, slotAt(c, l.set, l.way)) })),
    },
    buffers: (subset ? subset.buffers : m.buffers.filter((b) => b.live)).map((b) => bufferInfo(m, b)),
    mappings: (subset ? subset.mappings : [...allMappings(m)]).map((r) => ({ ...r })),
    swiotlb: p ? { start: p.start, end: p.end, nslabs: p.nslabs, used: p.used, index: p.index, runs: swiotlbRuns(p) } : null,
    debug: subset ? { entries: [], cachelines: [] } : { entries: debugLiveEntries(m.debug), cachelines: debugActiveCachelines(m.debug) },
    devices: Object.values(m.devices).map((d) => ({ name: d.name, maskBits: d.maskBits, coherent: d.coherent, nosnoop: !!d.cfg.nosnoop, iommu: d.cfg.iommu, driverBound: d.driverBound, maxSegSize: d.maxSegSize })),
    iommu: iommuDetail(m),
    cma: m.layout.cmaSize ? cmaView(m) : null,
    gpuVms: gpuVmViews(m),
    dmaBufs: dmaBufViews(m),
  };
}

/** One observer's view of a buffer's bytes. */
export interface ByteView {
  who: string;
  /** How this observer reaches the bytes, in words. */
  via: string;
  bytes: Uint8Array;
}

/** The live mapping a device row reads through, and which bytes of the shown range it covers. */
export interface DeviceWindow {
  /** DMA address of the mapping. */
  addr: number;
  /** Bounce slot address, or -1. */
  tlbAddr: number;
  dir: MapRecord['dir'];
  api: MapRecord['api'];
  owner: MapRecord['owner'];
  /** Bytes [from, to) of the shown range the mapping covers (relative to its start). */
  from: number;
  to: number;
}

/** One device's view of the buffer, with the mapping it reaches the bytes through. */
export interface DeviceByteView extends ByteView {
  mapping: DeviceWindow;
}

/** Per byte: the CPU line state over it ('I' when not cached). */
export interface BytesThreeWays {
  buffer: string;
  offset: number;
  len: number;
  cpu: ByteView;
  ram: ByteView;
  devices: DeviceByteView[];
  lineStates: CacheLineState[];
}

function peekCpu(m: Machine, phys: number, len: number, out: Uint8Array, states: CacheLineState[], at: number, uncached: boolean): void {
  const c = m.cache;
  ramRead(m.ram, phys, len, out, at);
  for (let i = 0; i < len; i++) {
    const a = phys + i;
    const lineAddr = a - (a % c.line);
    const s = lookup(c, lineAddr);
    if (s < 0) {
      states[at + i] = 'I';
      continue;
    }
    states[at + i] = c.state[s] === 2 ? 'D' : 'C';
    if (!uncached) out[at + i] = c.data[s * c.line + (a - lineAddr)]!;
  }
}

/** What a device sees at a physical address: RAM, or RAM under dirty lines when it snoops. */
function peekDevice(m: Machine, phys: number, len: number, coherent: boolean, out: Uint8Array, at: number): void {
  const c = m.cache;
  ramRead(m.ram, phys, len, out, at);
  if (!coherent) return;
  for (let i = 0; i < len; i++) {
    const a = phys + i;
    const lineAddr = a - (a % c.line);
    const s = lookup(c, lineAddr);
    if (s >= 0 && c.state[s] === 2) out[at + i] = c.data[s * c.line + (a - lineAddr)]!;
  }
}

/**
 * The bytes of [offset, offset+len) of a buffer as the CPU sees them through
 * its cache, as RAM holds them, and as each device with a live mapping of
 * the buffer would read them at its DMA address (the bounce slot when
 * bounced). Peeks only: the machine does not change.
 */
export function bytesThreeWays(m: Machine, bufferName: string, offset = 0, len?: number): BytesThreeWays | null {
  const v = m.names[bufferName];
  if (!v || v.t !== 'buf') return null;
  const b = m.buffers[v.id];
  if (!b) return null;
  const n = Math.max(0, Math.min(len ?? b.size, b.size - offset, 4096));
  const cpu = new Uint8Array(n);
  const ram = new Uint8Array(n);
  const states: CacheLineState[] = new Array(n).fill('I');
  for (const ch of physChunks(m, b, offset, n)) {
    peekCpu(m, ch.phys, ch.len, cpu, states, ch.at, b.uncached);
    ramRead(m.ram, ch.phys, ch.len, ram, ch.at);
  }
  const devices: DeviceByteView[] = [];
  for (const r of mappingsOfBuffer(m, b.id)) {
    const dev = m.devices[r.dev];
    if (!dev) continue;
    // the mapping covers [r.phys, r.phys + r.size) of the buffer; show the overlap with the view
    const bufStart = b.phys >= 0 ? r.phys - b.phys : 0;
    const from = Math.max(offset, bufStart);
    const to = Math.min(offset + n, bufStart + r.size);
    if (to <= from) continue;
    const bytes = new Uint8Array(n);
    // what the device reaches at the mapping's DMA address: through its IOMMU
    // when it has one (the IOTLB is peeked, not filled), else the bounce slot or
    // the buffer itself
    const chunks = iommuPeek(m, dev, r.addr + (from - bufStart), to - from) ?? [{ phys: (r.tlbAddr >= 0 ? r.tlbAddr : r.phys) + (from - bufStart), len: to - from, at: 0 }];
    let snoops = chunks.length > 0;
    for (const ch of chunks) {
      const sn = snoopOf(m, dev, ch).snoop;
      snoops &&= sn;
      peekDevice(m, ch.phys, ch.len, sn, bytes, from - offset + ch.at);
    }
    const how = snoops ? ', snooping the CPU cache' : dev.coherent && dev.cfg.nosnoop ? ', non-snooped (No Snoop): RAM only' : dev.coherent ? ', through a non-cacheable IOMMU leaf: RAM only' : ', RAM only';
    devices.push({
      who: r.dev,
      via: `${r.tlbAddr >= 0 ? `swiotlb slot ${hex(r.tlbAddr)}` : `DMA address ${hex(r.addr)}`}${dev.cfg.iommu ? ` through ${dev.cfg.iommu}` : ''}${how}`,
      bytes,
      mapping: { addr: r.addr, tlbAddr: r.tlbAddr, dir: r.dir, api: r.api, owner: r.owner, from: from - offset, to: to - offset },
    });
  }
  return {
    buffer: b.name,
    offset,
    len: n,
    cpu: { who: 'CPU', via: b.uncached ? 'uncached alias: straight to RAM' : 'through the data cache', bytes: cpu },
    ram: { who: 'RAM', via: 'what memory holds', bytes: ram },
    devices,
    lineStates: states,
  };
}
