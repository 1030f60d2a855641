/**
 * A DMA-capable device's engine: dev_read / dev_write at a DMA address.
 *
 * Without an IOMMU the DMA address is the physical address. A coherent device
 * snoops the CPU cache (reads see dirty lines; writes write back and
 * invalidate the lines they touch); a non-coherent one reads and writes RAM
 * only, so it can read stale RAM under a dirty line, and the CPU can later
 * read a stale clean line over what the device wrote.
 *
 * Behind an IOMMU (a DMA, DMA_FQ or driver-owned UNMANAGED domain) the DMA
 * address is an IOVA: iommu/iommu.ts translates it page by page through the
 * domain's IOTLB and page table. A fault (nothing mapped, or a write to a
 * read-only mapping) terminates the transaction before any byte moves: the
 * access returns FAULT with the SMMU's log line. An identity (passthrough)
 * domain translates nothing.
 *
 * Simplified: a device cannot drive address bits above its DMA mask: such an
 * access is reported as FAULT rather than silently truncated.
 */
import type { SimEvent } from '../events.ts';
import { touchMapping, type StepOutcome } from '../outcome.ts';
import { lineState, snoopRead, snoopWrite } from './cpu-cache.ts';
import { ramRead, ramWrite } from './memory.ts';
import { dmaLimit, type Device, type Machine } from '../machine.ts';
import { findMapping, mapErrorOf } from '../dma/mapping.ts';
import { iommuTranslate, translatingDomain } from '../iommu/iommu.ts';
import { foreignInternalAddress, ownDmaOps, ownDmaTranslate } from './device-dma-ops.ts';
import { hex, hexDma } from '../format.ts';
import { observe } from '../observe.ts';

const WHY_FILE = 'include/linux/dma-map-ops.h';

export interface DmaChunk {
  phys: number;
  len: number;
  /** Offset of this chunk within the access. */
  at: number;
  /**
   * Behind a paging IOMMU domain: the leaf carries IOMMU_CACHE (io-pgtable-arm
   * made it cacheable and inner shareable). Absent when nothing translated.
   */
  cache?: boolean;
}

/**
 * Where a device's access of `len` bytes at DMA address `addr` lands in
 * physical memory, as physically contiguous chunks; null (with o.error =
 * 'FAULT') when it cannot complete. Without an IOMMU (or with an identity
 * domain) the DMA address is the physical address; behind a paging domain it
 * is an IOVA the IOMMU translates (IOTLB lookup, table walk on a miss,
 * faults logged as the SMMU does). This is the one translation point for
 * every device access, GPU accesses behind an IOMMU included.
 */
export function dmaChunks(m: Machine, dev: Device, addr: number, len: number, write: boolean, o: StepOutcome): DmaChunk[] | null {
  if (addr < 0 || addr + len - 1 > dmaLimit(dev)) {
    o.error = 'FAULT';
    const failed = mapErrorOf(m, dev);
    const what = addr === failed.addr ? ` (the handle of a failed map: ${failed.name}, all ones)` : '';
    observe(o, 'dev/beyond-mask', `${dev.name} cannot emit DMA address ${hexDma(addr)}${what}: it is above the device's ${dev.maskBits}-bit DMA mask`);
    return null;
  }
  const own = ownDmaOps(m, dev);
  // thread 001's proposal: the device's own MMU translates everything it emits
  if (own) return ownDmaTranslate(m, dev, own, addr, len, o);
  if (m.ownDmaOps.length) foreignInternalAddress(m, dev, addr, o);
  const dom = translatingDomain(m, dev);
  if (dom) {
    const chunks = iommuTranslate(m, dev, dom, addr, len, write, o);
    if (!chunks) return null;
    for (const ch of chunks) {
      if (ch.phys + ch.len > m.config.ram) {
        o.error = 'FAULT';
        observe(o, 'dev/bus-abort', `IOVA ${hex(addr + ch.at)} translates to ${hex(ch.phys)}, which is not RAM: the bus aborts the transaction`);
        return null;
      }
    }
    return chunks;
  }
  if (addr + len > m.config.ram) {
    o.error = 'FAULT';
    observe(o, 'dev/bus-abort', `DMA address ${hex(addr)} is not RAM: the bus aborts the transaction`);
    return null;
  }
  return [{ phys: addr, len, at: 0 }];
}

function ownership(m: Machine, dev: Device, addr: number, len: number, write: boolean, o: StepOutcome): void {
  const dom = translatingDomain(m, dev);
  // a driver-owned UNMANAGED domain has no DMA-API mappings to check against
  if (dom && dom.type === 'UNMANAGED') return;
  // behind an IOMMU one access may span the merged entries of a scatterlist: judge by its first byte
  const rec = findMapping(m, dev.name, addr, len) ?? (dom ? findMapping(m, dev.name, addr, 1) : undefined);
  if (!rec) {
    // a driver that ignored a failed map: its handle is the failure value this kernel's ops returned (map-error.ts)
    const failed = mapErrorOf(m, dev);
    const why = addr === failed.addr ? `: it is the handle of a failed map on this kernel (${failed.name}), which the driver used without checking dma_mapping_error(), so the device ${write ? 'writes' : 'reads'} ${failed.name === 'io_tlb_overflow_buffer' && addr !== 0 ? "swiotlb's overflow buffer" : `bus address ${hex(addr)}`}` : '';
    observe(o, 'dev/outside-mapping', `${dev.name} ${write ? 'wrote' : 'read'} ${hex(addr)}+${len}, which is not inside any live mapping of ${dev.name}${why}`);
    return;
  }
  touchMapping(o, rec);
  if (rec.owner === 'cpu') {
    observe(o, 'dev/access-while-cpu-owned', `${dev.name} ${write ? 'wrote' : 'read'} a buffer the CPU owns (mapped at line ${rec.line}, synced for the CPU since): the driver must hand it back with dma_sync_*_for_device first`);
  }
  if (write && rec.dir === 'DMA_TO_DEVICE') {
    observe(o, 'dev/write-to-device-only', `${dev.name} wrote into a DMA_TO_DEVICE mapping: the device must treat it as read-only`);
  }
}

/** Bytes in [phys, phys+len) where a dirty CPU line holds something other than RAM. */
function dirtyDiffers(m: Machine, phys: number, len: number, ramBytes: Uint8Array): number {
  const cached = new Uint8Array(len);
  snoopRead(m.cache, m.ram, phys, len, cached);
  let n = 0;
  for (let i = 0; i < len; i++) if (cached[i] !== ramBytes[i]) n++;
  return n;
}

/** How one transaction of a device meets the CPU cache, and why. */
export interface Snoop {
  snoop: boolean;
  /** A coherent device's transaction that did not snoop, and why. */
  bypass?: 'no-snoop' | 'iommu-nc';
  why: { fn: string; file: string; rule: string };
}

/**
 * Does this transaction snoop the CPU cache? Snooping is a property of each
 * access, not only of the device:
 * - a device the DMA API treats as non-coherent never snoops;
 * - a non-snooped transaction (`nosnoop`: PCIe No Snoop, a GPU's uncached or
 *   write-combined GTT mapping) goes to RAM behind the cache, although
 *   dev_is_dma_coherent() says the device is coherent — on x86 it is
 *   hard-wired true, so the DMA API does no cache maintenance for it;
 * - behind an io-pgtable-arm translation the leaf's memory attribute decides:
 *   arm_lpae_prot_to_pte() makes an IOMMU_CACHE leaf cacheable and inner
 *   shareable (MAIR index CACHE, SH_IS) and any other leaf Non-cacheable
 *   (index NC, SH_OS), which does not snoop. On x86 the IOMMU does not change
 *   snooping (VT-d snoops unless the transaction says No Snoop; IOMMU_CACHE
 *   only forces snooping where the domain enforces cache coherency, which
 *   DMA API domains do not).
 */
export function snoopOf(m: Machine, dev: Device, ch: { cache?: boolean }, nosnoop?: boolean): Snoop {
  if (!dev.coherent) return { snoop: false, why: { fn: 'dev_is_dma_coherent', file: WHY_FILE, rule: 'non-coherent device: it reaches RAM only and never sees the CPU cache' } };
  if (nosnoop ?? dev.cfg.nosnoop ?? false) {
    const believes = m.arch === 'x86' ? 'dev_is_dma_coherent() is hard-wired true on x86' : 'dev_is_dma_coherent() is true for this device';
    return {
      snoop: false,
      bypass: 'no-snoop',
      why: {
        fn: 'dev_is_dma_coherent',
        file: WHY_FILE,
        rule: `a non-snooped transaction (PCIe No Snoop, as GPUs issue for uncached or write-combined mappings): it reaches RAM behind the CPU cache. The DMA API believes the device coherent (${believes}), so it did no cache maintenance: the driver must flush (clflush_cache_range, drm_clflush_sg, wbinvd)`,
      },
    };
  }
  if (ch.cache === false && m.arch !== 'x86') {
    return {
      snoop: false,
      bypass: 'iommu-nc',
      why: {
        fn: 'arm_lpae_prot_to_pte',
        file: 'drivers/iommu/io-pgtable-arm.c',
        rule: 'the IOMMU leaf has no IOMMU_CACHE: io-pgtable-arm gave it the Non-cacheable, outer-shareable attribute, so the transaction does not snoop even though the device could. dma_info_to_prot() sets IOMMU_CACHE only for coherent devices; a driver calling iommu_map() chooses for itself, and the IOMMU API does no cache maintenance',
      },
    };
  }
  const via = ch.cache ? ' (the IOMMU leaf has IOMMU_CACHE: cacheable, inner shareable)' : '';
  return { snoop: true, why: { fn: 'dev_is_dma_coherent', file: WHY_FILE, rule: `coherent device: the interconnect snoops the CPU cache${via}` } };
}

/**
 * What one access reaches, checked against the device's mappings: its
 * chunks, each with its snoop decision, and the access's decision (the first
 * chunk that did not snoop, else the first); null when it faulted.
 */
function accessPlan(m: Machine, dev: Device, addr: number, len: number, write: boolean, o: StepOutcome, nosnoop?: boolean): { chunks: Array<DmaChunk & { d: Snoop }>; d: Snoop } | null {
  const chunks = dmaChunks(m, dev, addr, len, write, o);
  if (!chunks) return null;
  ownership(m, dev, addr, len, write, o);
  // each chunk with its decision (spelt out: a spread copies by the slow path on every access)
  const planned = chunks.map((ch) => ({ phys: ch.phys, len: ch.len, at: ch.at, cache: ch.cache, d: snoopOf(m, dev, ch, nosnoop) }));
  return { chunks: planned, d: planned.find((ch) => !ch.d.snoop)?.d ?? planned[0]!.d };
}

/** The dev_access event of a read or write: the path it took, whether it snooped, and why (`rule`). */
function accessEvent(m: Machine, dev: Device, op: 'read' | 'write', addr: number, phys: number, len: number, d: Snoop, rule: string): SimEvent {
  return {
    kind: 'dev_access',
    dev: dev.name,
    op,
    addr,
    phys,
    len,
    via: dev.cfg.dmaOps === 'own' ? 'gpu-mmu' : translatingDomain(m, dev) ? 'iommu' : 'direct',
    snooped: d.snoop,
    ...(d.bypass ? { nosnoop: d.bypass } : {}),
    why: { fn: d.why.fn, file: d.why.file, rule },
  };
}

export function devRead(m: Machine, dev: Device, addr: number, len: number, o: StepOutcome, nosnoop?: boolean): Uint8Array | null {
  const plan = accessPlan(m, dev, addr, len, false, o, nosnoop);
  if (!plan) return null;
  const out = new Uint8Array(len);
  let snooped = 0;
  let stale = 0;
  for (const ch of plan.chunks) {
    const piece = out.subarray(ch.at, ch.at + ch.len);
    if (ch.d.snoop) snooped += snoopRead(m.cache, m.ram, ch.phys, ch.len, piece);
    else {
      ramRead(m.ram, ch.phys, ch.len, piece);
      stale += dirtyDiffers(m, ch.phys, ch.len, piece);
    }
  }
  if (stale) observe(o, 'dev/stale-read', `stale read: ${dev.name} read ${stale} byte(s) from RAM that the CPU's dirty cache lines hold newer values for (nothing cleaned them to RAM)`);
  const d = plan.d;
  o.events.push(accessEvent(m, dev, 'read', addr, plan.chunks[0]!.phys, len, d, d.snoop && snooped ? `${d.why.rule} (${snooped} dirty line(s) supplied their bytes)` : d.why.rule));
  o.data = out;
  return out;
}

export function devWrite(m: Machine, dev: Device, addr: number, data: Uint8Array, o: StepOutcome, nosnoop?: boolean): void {
  const plan = accessPlan(m, dev, addr, data.length, true, o, nosnoop);
  if (!plan) return;
  let dirty = 0;
  let clean = 0;
  for (const ch of plan.chunks) {
    const piece = data.subarray(ch.at, ch.at + ch.len);
    if (ch.d.snoop) {
      snoopWrite(m.cache, m.ram, ch.phys, piece, o.events);
      continue;
    }
    ramWrite(m.ram, ch.phys, piece);
    const line = m.cache.line;
    for (let l = ch.phys - (ch.phys % line); l < ch.phys + ch.len; l += line) {
      const st = lineState(m.cache, l);
      if (st === 'D') dirty++;
      else if (st === 'C') clean++;
    }
  }
  if (dirty) observe(o, 'cache/dirty-over-device-write', `${dirty} dirty CPU cache line(s) cover bytes the device just wrote: if they are written back (eviction or a clean) they overwrite the device's data`);
  if (clean) {
    // expected while the device owns the buffer; the sync or unmap will invalidate them
    o.events.push({ kind: 'note', text: `${clean} clean line(s) now stale`, why: { fn: 'arch_sync_dma_for_cpu', file: 'include/linux/dma-map-ops.h', rule: `${clean} clean CPU cache line(s) still hold the old bytes: until dma_sync_*_for_cpu or unmap invalidates them${dev.coherent ? ' (or, on a device the DMA API believes coherent, the driver flushes them itself)' : ''}, a CPU read would return stale data` } });
  }
  const d = plan.d;
  o.events.push(accessEvent(m, dev, 'write', addr, plan.chunks[0]!.phys, data.length, d, d.snoop ? `${d.why.rule}: dirty lines are written back first, then the write lands in RAM and the CPU copies are invalidated` : `${d.why.rule}. The write lands in RAM; the CPU cache is not told`));
}
