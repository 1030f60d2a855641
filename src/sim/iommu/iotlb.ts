/**
 * IOTLB — the IOMMU's translation cache, as the kernel drives it from
 * `drivers/iommu/iommu.c` (`iommu_iotlb_sync` after `iommu_unmap`,
 * `iommu_flush_iotlb_all`) and `drivers/iommu/dma-iommu.c` (strict: sync at
 * unmap; lazy: `fq_flush_iotlb` → `flush_iotlb_all` later).
 *
 * What it is for: the stale interval of lazy (DMA-FQ) mode. After an unmap the
 * PTE is gone at once, but a translation still cached here keeps sending the
 * device to the old physical page until the invalidation; a miss walks the
 * (cleared) table and faults. Entries are marked `stale` when the page table
 * behind them no longer says the same thing.
 *
 * Kernel/hardware behaviour kept:
 * - An entry caches one leaf (4K page, 2M or 1G block) with its permissions;
 *   a hit does not look at the page table again.
 * - Range invalidation (`iommu_iotlb_sync` with the gathered range) and full
 *   invalidation (`flush_iotlb_all`) remove entries; nothing else does,
 *   except capacity eviction.
 *
 * Simplified:
 * - One fully associative cache per domain (no ASID/VMID tags, no walk
 *   cache), `capacity` entries (default 64), least-recently-used eviction
 *   (a Map in LRU order: oldest first). Deterministic.
 * - Where a stale small entry and a newer large one could both match, the
 *   smallest page size is looked up first (real hardware may raise a TLB
 *   conflict abort).
 */
import type { SimEvent, Why } from '../events.ts';
import type { IoPgtable, PtFault, PtLeaf } from './io-pgtable.ts';
import { ptLeafAt, ptePermits, ptWalkInto, SZ_1G, SZ_2M, SZ_4K } from './io-pgtable.ts';

export const IOTLB_DEFAULT_ENTRIES = 64;

export interface IotlbEntry {
  /** IOVA of the leaf's first byte. */
  iova: number;
  /** Leaf size: 4K, 2M or 1G. */
  size: number;
  /** Output address of the leaf's first byte. */
  phys: number;
  /** IOMMU_* flags cached with the translation. */
  prot: number;
}

export interface Iotlb {
  /** Domain name used in events. */
  name: string;
  capacity: number;
  /** key → entry, in LRU order (first = least recently used). */
  entries: Map<number, IotlbEntry>;
  hits: number;
  misses: number;
  evictions: number;
}

export interface IotlbLookupResult {
  hit: boolean;
  /** Translated address (entry base + offset) on a hit, -1 on a miss. */
  phys: number;
  prot: number;
  size: number;
  /** The page table behind the entry has since been cleared or changed. */
  stale: boolean;
  events: SimEvent[];
}

export interface IotlbTranslateResult {
  /** Output address, null on a translation fault. */
  phys: number | null;
  hit: boolean;
  stale: boolean;
  fault: PtFault;
  prot: number;
  /** Table indices of the walk on a miss (empty on a hit). */
  levels: number[];
  events: SimEvent[];
}

export interface IotlbEntryView extends IotlbEntry {
  stale: boolean;
}

const HW_FILE = 'drivers/iommu/io-pgtable-arm.c';
const WHY_HIT: Why = { fn: 'IOTLB (hardware)', file: HW_FILE, rule: 'The translation is cached: the IOMMU uses it without walking the page table.' };
const WHY_STALE: Why = {
  fn: 'IOTLB (hardware)',
  file: 'drivers/iommu/dma-iommu.c',
  rule: 'Stale hit: the PTE was cleared or changed but the IOTLB was not invalidated yet (lazy mode defers it to the flush queue; RISC-V\'s riscv_iommu_map_pages replaces a leaf without any invalidation), so the device reaches the old physical page.',
};
const WHY_MISS: Why = { fn: 'IOTLB (hardware)', file: HW_FILE, rule: 'Not cached: the IOMMU walks the page table.' };
const WHY_FILL: Why = { fn: 'IOTLB (hardware)', file: HW_FILE, rule: 'The walked leaf is cached, evicting the least recently used entry if full.' };
const WHY_INVAL: Why = { fn: 'iommu_iotlb_sync', file: 'drivers/iommu/iommu.c', rule: 'Invalidate the translations of the unmapped range (strict mode: before dma_unmap_* returns).' };
const WHY_FLUSH: Why = { fn: 'iommu_flush_iotlb_all', file: 'include/linux/iommu.h', rule: 'Invalidate every translation of the domain (flush_iotlb_all; the flush queue uses it).' };

function sizeClass(size: number): number {
  return size === SZ_4K ? 0 : size === SZ_2M ? 1 : 2;
}

/** Leaf bases are 4 KiB aligned, so base + class (0..2) is a unique key. */
function keyOf(base: number, size: number): number {
  return base + sizeClass(size);
}

const LOOKUP_SIZES = [SZ_4K, SZ_2M, SZ_1G];
const leaf: PtLeaf = { phys: 0, base: 0, iova: 0, size: 0, prot: 0 };

export function createIotlb(name: string, capacity = IOTLB_DEFAULT_ENTRIES): Iotlb {
  return { name, capacity, entries: new Map(), hits: 0, misses: 0, evictions: 0 };
}

function isStale(e: IotlbEntry, pt: IoPgtable | null, iova: number): boolean {
  if (!pt) return false;
  if (!ptLeafAt(pt, iova, leaf)) return true;
  return leaf.phys !== e.phys + (iova - e.iova) || leaf.prot !== e.prot;
}

/** Find without touching LRU order or counters. */
function find(tlb: Iotlb, iova: number): number {
  for (let i = 0; i < LOOKUP_SIZES.length; i++) {
    const s = LOOKUP_SIZES[i];
    const k = keyOf(iova - (iova % s), s);
    if (tlb.entries.has(k)) return k;
  }
  return -1;
}

/**
 * Look `iova` up. A hit moves the entry to most-recently-used. With `pt`
 * given, a hit is marked `stale` when the page table no longer maps the
 * iova to the same place with the same permissions.
 */
export function iotlbLookup(tlb: Iotlb, iova: number, pt: IoPgtable | null = null): IotlbLookupResult {
  const events: SimEvent[] = [];
  const k = find(tlb, iova);
  if (k < 0) {
    tlb.misses++;
    events.push({ kind: 'iotlb', domain: tlb.name, op: 'miss', iova, why: WHY_MISS });
    return { hit: false, phys: -1, prot: 0, size: 0, stale: false, events };
  }
  const e = tlb.entries.get(k) as IotlbEntry;
  tlb.entries.delete(k);
  tlb.entries.set(k, e);
  tlb.hits++;
  const phys = e.phys + (iova - e.iova);
  const stale = isStale(e, pt, iova);
  events.push({ kind: 'iotlb', domain: tlb.name, op: 'hit', iova, phys, stale, why: stale ? WHY_STALE : WHY_HIT });
  return { hit: true, phys, prot: e.prot, size: e.size, stale, events };
}

/**
 * Cache the leaf that maps `iova`: `size` is the leaf size, `physBase` the
 * output address of the leaf's first byte. Evicts the LRU entry when full.
 */
export function iotlbFill(tlb: Iotlb, iova: number, size: number, physBase: number, prot: number): SimEvent[] {
  const events: SimEvent[] = [];
  fillInto(tlb, iova, size, physBase, prot, events);
  return events;
}

function fillInto(tlb: Iotlb, iova: number, size: number, physBase: number, prot: number, events: SimEvent[]): void {
  const base = iova - (iova % size);
  const k = keyOf(base, size);
  if (tlb.entries.has(k)) tlb.entries.delete(k);
  else if (tlb.entries.size >= tlb.capacity) {
    const oldest = tlb.entries.keys().next().value as number;
    tlb.entries.delete(oldest);
    tlb.evictions++;
  }
  tlb.entries.set(k, { iova: base, size, phys: physBase, prot });
  events.push({ kind: 'iotlb', domain: tlb.name, op: 'fill', iova: base, phys: physBase, why: WHY_FILL });
}

/**
 * A device access through the IOMMU: IOTLB lookup, and on a miss a table
 * walk and a fill. Permissions come from the cached entry on a hit (a stale
 * entry still grants what it granted), from the PTE on a miss.
 */
export function iotlbTranslate(tlb: Iotlb, pt: IoPgtable, iova: number, access: 'read' | 'write'): IotlbTranslateResult {
  const look = iotlbLookup(tlb, iova, pt);
  if (look.hit) {
    const fault: PtFault = !ptePermits(look.prot, access === 'write', pt.format) ? 'permission' : null;
    return { phys: look.phys, hit: true, stale: look.stale, fault, prot: look.prot, levels: [], events: look.events };
  }
  const events = look.events;
  const w = ptWalkInto(pt, iova, access, events);
  if (w.phys !== null) {
    const base = iova - (iova % w.pageSize);
    fillInto(tlb, base, w.pageSize, w.phys - (iova - base), w.prot, events);
  }
  return { phys: w.phys, hit: false, stale: false, fault: w.fault, prot: w.prot, levels: w.levels, events };
}

export interface IotlbInvalResult {
  /** Entries removed. */
  removed: number;
  events: SimEvent[];
}

/** Invalidate every entry overlapping `[iova, iova + size)` (`iommu_iotlb_sync` of a gathered range). */
export function iotlbInvalidateRange(tlb: Iotlb, iova: number, size: number): IotlbInvalResult {
  const end = iova + size;
  let removed = 0;
  for (const [k, e] of tlb.entries) {
    if (e.iova < end && e.iova + e.size > iova) {
      tlb.entries.delete(k);
      removed++;
    }
  }
  return { removed, events: [{ kind: 'iotlb', domain: tlb.name, op: 'inval', iova, why: WHY_INVAL }] };
}

/** Invalidate everything (`flush_iotlb_all`). */
export function iotlbInvalidateAll(tlb: Iotlb): IotlbInvalResult {
  const removed = tlb.entries.size;
  tlb.entries.clear();
  return { removed, events: [{ kind: 'iotlb', domain: tlb.name, op: 'flush', iova: 0, why: WHY_FLUSH }] };
}

/** Entries in LRU order (least recently used first), with staleness against `pt`. */
export function iotlbEntries(tlb: Iotlb, pt: IoPgtable | null = null): IotlbEntryView[] {
  const out: IotlbEntryView[] = [];
  for (const e of tlb.entries.values()) {
    out.push({ iova: e.iova, size: e.size, phys: e.phys, prot: e.prot, stale: isStale(e, pt, e.iova) });
  }
  return out;
}
