/**
 * Layout and lookups for the IOMMU and GPU VM views: the io-pgtable-arm
 * tree (present tables and leaves only, with this step's walks), leaf
 * permissions as stage 1 can express them, the IOVA space on a log scale
 * (allocations sit just below the limit), the flush queue, this step's
 * IOMMU events per domain, and the two-stage GPU translation chain.
 * Pure functions over the worker's MachineSnapshot and the step's events
 * (types only: the UI never runs the engine).
 */
import type { IommuDomainDetail, MachineSnapshot } from '../../sim/snapshot.ts';
import type { SimEvent } from '../../sim/events.ts';
import type { MachineConfig } from '../../sim/config.ts';
import type { GpuVmView } from '../../sim/hw/gpu-mmu.ts';
import type { PtEntryView } from '../../sim/iommu/io-pgtable.ts';
import { hexGrouped } from '../../sim/format.ts';
import { IOMMU_CACHE, IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_PRIV, IOMMU_READ, IOMMU_WRITE } from '../../sim/iommu/prot.ts';


/** The modelled SMMUs have a 48-bit input address size (io-pgtable-arm, 4 KiB tables). */
export const IOMMU_IAS = 48;

/** Bytes one entry of a level maps (4 KiB granule: L0 512 GiB, L1 1 GiB, L2 2 MiB, L3 4 KiB). */
export const LEVEL_SPAN = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

/** The IOVA bits that index a level's table, e.g. "47:39". */
export function levelBits(level: number): string {
  const lo = Math.log2(LEVEL_SPAN[level] ?? 4096);
  return `${level === 0 ? IOMMU_IAS - 1 : lo + 8}:${lo}`;
}

// the format by architecture has one owner, the engine's pt-format.ts
export { ptFormatOf, type PtFormat } from '../../sim/iommu/pt-format.ts';
import type { PtFormat } from '../../sim/iommu/pt-format.ts';

/** The RISC-V IOMMU's Sv39 aperture: DMA_BIT_MASK(38) (riscv_iommu_alloc_paging_domain: va_bits - 1). */
export const RISCV_APERTURE_BITS = 38;

export interface ProtInfo {
  /** What the device may do through the leaf: LPAE stage 1 and RISC-V have no "no read"; VT-d has a read bit. */
  effective: 'R' | 'W' | 'RW' | 'none';
  /** What the mapping asked for (IOMMU_READ / IOMMU_WRITE), as R / W / RW. */
  asked: 'R' | 'W' | 'RW' | '—';
  /** Asked write-only (DMA_FROM_DEVICE) and got read-write: stage 1 (and RISC-V) cannot express write-only. */
  promoted: boolean;
  /** RISC-V: asked neither IOMMU_READ nor IOMMU_WRITE and got a read-only leaf (riscv_iommu_map_pages refuses nothing). */
  readOnlyAnyway: boolean;
  /** The other IOMMU_* flags, in words. */
  flags: string[];
  /**
   * The leaf's memory attribute as io-pgtable-arm sets it (arm_lpae_prot_to_pte):
   * IOMMU_MMIO → device memory, IOMMU_CACHE → cacheable inner shareable (snoops),
   * neither → Non-cacheable (does not snoop).
   */
  attr: 'WB' | 'NC' | 'DEV';
}

export function protInfo(prot: number, fmt: PtFormat = 'lpae'): ProtInfo {
  const r = (prot & IOMMU_READ) !== 0;
  const w = (prot & IOMMU_WRITE) !== 0;
  const asked = r && w ? 'RW' : r ? 'R' : w ? 'W' : '—';
  // VT-d (intel_iommu_map): DMA_PTE_READ and DMA_PTE_WRITE as asked; LPAE stage 1: a writable leaf is readable too;
  // RISC-V (riscv_iommu_map_pages): _PAGE_READ always, _PAGE_WRITE with IOMMU_WRITE
  const effective = fmt === 'vtd' ? (r && w ? 'RW' : r ? 'R' : w ? 'W' : 'none') : fmt === 'riscv' ? (w ? 'RW' : 'R') : w ? 'RW' : r ? 'R' : 'none';
  const flags: string[] = [];
  if (prot & IOMMU_CACHE) flags.push('CACHE');
  if (prot & IOMMU_NOEXEC) flags.push('NOEXEC');
  if (prot & IOMMU_MMIO) flags.push('MMIO');
  if (prot & IOMMU_PRIV) flags.push('PRIV');
  const attr = prot & IOMMU_MMIO ? 'DEV' : prot & IOMMU_CACHE ? 'WB' : 'NC';
  return { effective, asked, promoted: fmt !== 'vtd' && w && !r, readOnlyAnyway: fmt === 'riscv' && !r && !w, flags, attr };
}

// ---------------------------------------------------------------------------
// the page-table tree

export interface PtNode {
  level: number;
  /** Index in the parent table (-1 for the top table). */
  index: number;
  path: number[];
  /** First IOVA the entry (or table) covers. */
  iova: number;
  kind: 'table' | 'leaf' | 'empty';
  leaf?: PtEntryView;
  children: PtNode[];
}

/** The level of the top table, from a leaf's depth (48-bit IAS: L0). */
export function startLevelOf(entries: readonly PtEntryView[], walkDepth = 4): number {
  const e = entries[0];
  if (e) return e.level - (e.path.length - 1);
  return Math.max(0, 4 - walkDepth);
}

function iovaOf(path: readonly number[], startLevel: number): number {
  let a = 0;
  path.forEach((idx, i) => (a += idx * (LEVEL_SPAN[startLevel + i] ?? 0)));
  return a;
}

/**
 * The tree of present tables and leaves. Walk paths add the tables they went
 * through (a table can be present with no leaf left in it, e.g. after an
 * unmap) and, where a walk stopped on a missing entry, an `empty` node.
 */
export function buildPtTree(entries: readonly PtEntryView[], walks: ReadonlyArray<{ levels: readonly number[]; phys: number | null }> = []): { root: PtNode; startLevel: number } {
  const startLevel = startLevelOf(entries, walks[0]?.levels.length ?? 4);
  const root: PtNode = { level: startLevel, index: -1, path: [], iova: 0, kind: 'table', children: [] };
  const child = (parent: PtNode, idx: number, kind: PtNode['kind']): PtNode => {
    let c = parent.children.find((n) => n.index === idx);
    if (!c) {
      const path = [...parent.path, idx];
      c = { level: startLevel + path.length - 1, index: idx, path, iova: iovaOf(path, startLevel), kind, children: [] };
      parent.children.push(c);
    }
    return c;
  };
  for (const e of entries) {
    let t = root;
    e.path.forEach((idx, i) => {
      const last = i === e.path.length - 1;
      const n = child(t, idx, last ? 'leaf' : 'table');
      if (last) {
        n.kind = 'leaf';
        n.leaf = e;
      }
      t = n;
    });
  }
  for (const w of walks) {
    let t = root;
    w.levels.forEach((idx, i) => {
      const last = i === w.levels.length - 1;
      const existing = t.children.find((n) => n.index === idx);
      if (existing) {
        t = existing;
        return;
      }
      // Not in the leaf list: a table the walk went through, or the empty slot where it stopped.
      t = child(t, idx, last ? (w.phys === null ? 'empty' : 'leaf') : 'table');
    });
  }
  const sort = (n: PtNode) => {
    n.children.sort((a, b) => a.index - b.index);
    n.children.forEach(sort);
  };
  sort(root);
  return { root, startLevel };
}

export type PtRow =
  | { kind: 'table'; depth: number; level: number; index: number; path: number[]; iova: number; walked: boolean; leaves: number }
  | { kind: 'leaf'; depth: number; level: number; index: number; path: number[]; iova: number; entry: PtEntryView; walked: boolean }
  | { kind: 'run'; depth: number; level: number; from: number; to: number; first: PtEntryView; last: PtEntryView; count: number }
  | { kind: 'empty'; depth: number; level: number; index: number; path: number[]; iova: number; walked: boolean };

function samePath(a: readonly number[], b: readonly number[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

function countLeaves(n: PtNode): number {
  return n.kind === 'leaf' ? 1 : n.children.reduce((s, c) => s + countLeaves(c), 0);
}

/**
 * The tree as indented rows. Runs of three or more consecutive leaves that
 * map contiguous physical memory with the same permissions fold into one row,
 * unless `keep` wants one of them on its own (walked, selected).
 */
export function ptRows(root: PtNode, walkPaths: ReadonlyArray<readonly number[]> = [], keep: (e: PtEntryView) => boolean = () => false): PtRow[] {
  const rows: PtRow[] = [];
  const walked = (path: readonly number[]) => walkPaths.some((w) => samePath(path, w));
  const visit = (t: PtNode, depth: number) => {
    const kids = t.children;
    for (let i = 0; i < kids.length; ) {
      const n = kids[i]!;
      if (n.kind === 'leaf' && n.leaf && !walked(n.path) && !keep(n.leaf)) {
        let j = i + 1;
        while (j < kids.length) {
          const prev = kids[j - 1]!.leaf!;
          const m = kids[j]!;
          if (m.kind !== 'leaf' || !m.leaf || m.index !== kids[j - 1]!.index + 1 || walked(m.path) || keep(m.leaf)) break;
          if (m.leaf.phys !== prev.phys + prev.size || m.leaf.prot !== prev.prot) break;
          j++;
        }
        if (j - i >= 3) {
          rows.push({ kind: 'run', depth, level: n.level, from: n.index, to: kids[j - 1]!.index, first: n.leaf, last: kids[j - 1]!.leaf!, count: j - i });
          i = j;
          continue;
        }
      }
      if (n.kind === 'leaf' && n.leaf) rows.push({ kind: 'leaf', depth, level: n.level, index: n.index, path: n.path, iova: n.iova, entry: n.leaf, walked: walked(n.path) });
      else if (n.kind === 'empty') rows.push({ kind: 'empty', depth, level: n.level, index: n.index, path: n.path, iova: n.iova, walked: walked(n.path) });
      else {
        rows.push({ kind: 'table', depth, level: n.level, index: n.index, path: n.path, iova: n.iova, walked: walked(n.path), leaves: countLeaves(n) });
        visit(n, depth + 1);
      }
      i++;
    }
  };
  visit(root, 0);
  return rows;
}

// ---------------------------------------------------------------------------
// this step's IOMMU events, per domain

export type IommuEvent = Extract<SimEvent, { kind: 'pt_walk' | 'iotlb' | 'iommu_fault' | 'fq' | 'iova_alloc' | 'iova_free' | 'iommu_map' | 'iommu_unmap' }>;

const IOMMU_KINDS = new Set(['pt_walk', 'iotlb', 'iommu_fault', 'fq', 'iova_alloc', 'iova_free', 'iommu_map', 'iommu_unmap']);

export function iommuEvents(events: readonly SimEvent[] | undefined, domain?: string): IommuEvent[] {
  if (!events) return [];
  return events.filter((e): e is IommuEvent => IOMMU_KINDS.has(e.kind) && (domain === undefined || (e as IommuEvent).domain === domain));
}

/** The domain this step touched first (the view follows it), or null. */
export function stepDomain(events: readonly SimEvent[] | undefined): string | null {
  return iommuEvents(events)[0]?.domain ?? null;
}

export interface StepIommu {
  walks: Array<{ iova: number; levels: number[]; phys: number | null }>;
  /** IOTLB operations by the IOVA of the page they concern (flush: iova 0, all entries). */
  tlb: Array<{ op: 'hit' | 'miss' | 'fill' | 'flush' | 'inval'; iova: number; phys?: number; stale: boolean }>;
  faults: Array<{ dev: string; iova: number; write: boolean; stage: string; rule: string }>;
  fq: Array<{ op: 'queue' | 'flush'; entries: number }>;
  allocs: Array<{ iova: number; size: number }>;
  frees: Array<{ iova: number; size: number; deferred: boolean }>;
  maps: Array<{ iova: number; phys: number; size: number; prot: string }>;
  unmaps: Array<{ iova: number; size: number; queued: boolean }>;
}

export function stepIommu(events: readonly SimEvent[] | undefined, domain: string): StepIommu {
  const s: StepIommu = { walks: [], tlb: [], faults: [], fq: [], allocs: [], frees: [], maps: [], unmaps: [] };
  for (const e of iommuEvents(events, domain)) {
    switch (e.kind) {
      case 'pt_walk':
        s.walks.push({ iova: e.iova, levels: e.levels, phys: e.phys });
        break;
      case 'iotlb': {
        const t: StepIommu['tlb'][number] = { op: e.op, iova: e.iova, stale: e.stale === true };
        if (e.phys !== undefined) t.phys = e.phys;
        s.tlb.push(t);
        break;
      }
      case 'iommu_fault':
        s.faults.push({ dev: e.dev, iova: e.iova, write: e.write, stage: e.stage, rule: e.why.rule });
        break;
      case 'fq':
        s.fq.push({ op: e.op, entries: e.entries });
        break;
      case 'iova_alloc':
        s.allocs.push({ iova: e.iova, size: e.size });
        break;
      case 'iova_free':
        s.frees.push({ iova: e.iova, size: e.size, deferred: e.deferred });
        break;
      case 'iommu_map':
        s.maps.push({ iova: e.iova, phys: e.phys, size: e.size, prot: e.prot });
        break;
      case 'iommu_unmap':
        s.unmaps.push({ iova: e.iova, size: e.size, queued: e.queued });
        break;
    }
  }
  return s;
}

/** How far a walk got: the level it stopped at (the empty entry, or the leaf). */
export function walkStopLevel(walk: { levels: readonly number[] }, startLevel: number): number {
  return startLevel + walk.levels.length - 1;
}

// ---------------------------------------------------------------------------
// IOVA space

/** The domain's IOVA granule: the IOMMU's smallest page size (iommu(…, pgsize=)). */
export function granuleOf(d: Pick<IommuDomainDetail, 'iommu'>, config: MachineConfig | null | undefined): number {
  return config?.iommus.find((u) => u.name === d.iommu)?.pgsize ?? 4096;
}

/**
 * The top of the IOVA space the DMA API allocates from for this domain
 * (exclusive): the widest device mask / bus limit of its devices, capped at
 * the 48-bit aperture (iommu_dma_alloc_iova's dma_limit).
 */
export function domainLimit(d: Pick<IommuDomainDetail, 'devices'>, snap: Pick<MachineSnapshot, 'devices'>, config?: MachineConfig | null): number {
  let bits = 0;
  for (const name of d.devices) {
    const dev = snap.devices.find((x) => x.name === name);
    let b = dev?.maskBits ?? 64;
    const bus = config?.devices.find((x) => x.name === name)?.busLimit ?? 0;
    if (bus > 0) b = Math.min(b, bus);
    bits = Math.max(bits, b);
  }
  if (bits === 0) bits = IOMMU_IAS;
  // the RISC-V IOMMU's Sv39 aperture ends at DMA_BIT_MASK(38)
  return 2 ** Math.min(bits, config?.arch === 'riscv' ? RISCV_APERTURE_BITS : IOMMU_IAS);
}

export interface IovaSeg {
  /** [lo, hi) in bytes. */
  lo: number;
  hi: number;
  state: 'allocated' | 'reserved' | 'cached' | 'mapped';
  /** Parts of the range that have a leaf PTE (a 3-page mapping in a 4-page range maps 3). */
  mapped: Array<{ lo: number; hi: number; phys: number }>;
  /** This step allocated or freed it. */
  changed: 'alloc' | 'free' | null;
}

/**
 * The IOVA ranges as byte ranges, with their mapped parts. Domains without an
 * allocator (UNMANAGED: the driver picks IOVAs) show their leaves instead.
 */
export function iovaSegments(d: Pick<IommuDomainDetail, 'iova' | 'entries' | 'type'>, granule: number, step?: Pick<StepIommu, 'allocs' | 'frees'>): IovaSeg[] {
  const leaves = d.entries.map((e) => ({ lo: e.iova, hi: e.iova + e.size, phys: e.phys }));
  const changed = (lo: number, hi: number): IovaSeg['changed'] => {
    if (step?.allocs.some((a) => a.iova < hi && a.iova + a.size > lo)) return 'alloc';
    if (step?.frees.some((a) => a.iova < hi && a.iova + a.size > lo)) return 'free';
    return null;
  };
  if (d.iova.length === 0) {
    // Merge contiguous leaves (one row per driver mapping).
    const out: IovaSeg[] = [];
    for (const l of leaves) {
      const prev = out[out.length - 1];
      const lastMapped = prev?.mapped[prev.mapped.length - 1];
      if (prev && lastMapped && prev.hi === l.lo && lastMapped.phys + (lastMapped.hi - lastMapped.lo) === l.phys) {
        prev.hi = l.hi;
        lastMapped.hi = l.hi;
      } else out.push({ lo: l.lo, hi: l.hi, state: 'mapped', mapped: [{ ...l }], changed: null });
    }
    for (const s of out) s.changed = changed(s.lo, s.hi);
    return out;
  }
  return d.iova.map((r) => {
    const lo = r.pfnLo * granule;
    const hi = (r.pfnHi + 1) * granule;
    const mapped: IovaSeg['mapped'] = [];
    for (const l of leaves) {
      if (l.hi <= lo || l.lo >= hi) continue;
      const last = mapped[mapped.length - 1];
      const a = Math.max(lo, l.lo);
      const b = Math.min(hi, l.hi);
      const phys = l.phys + (a - l.lo);
      if (last && last.hi === a && last.phys + (last.hi - last.lo) === phys) last.hi = b;
      else mapped.push({ lo: a, hi: b, phys });
    }
    return { lo, hi, state: r.state, mapped, changed: changed(lo, hi) };
  });
}

/**
 * Position of an address on the IOVA overview bar, 0 … 1 (the limit), on a
 * log scale of the address: "just below 4 GiB" and "just below 2^48" are
 * both easy to see (IOVAs are allocated top-down from the device's limit,
 * 32-bit first for PCI devices).
 */
export function addrPos(addr: number, limit: number): number {
  if (addr <= 0) return 0;
  return Math.min(1, Math.log2(1 + addr) / Math.log2(1 + limit));
}

/** Inverse of addrPos (for hover). */
export function posAddr(pos: number, limit: number): number {
  return Math.max(0, Math.min(limit, 2 ** (pos * Math.log2(1 + limit)) - 1));
}

const LANDMARKS: Array<[number, string]> = [
  [2 ** 12, '4 KiB'],
  [2 ** 20, '1 MiB'],
  [2 ** 24, '16 MiB'],
  [2 ** 30, '1 GiB'],
  [2 ** 32, '4 GiB'],
  [2 ** 36, '64 GiB'],
  [2 ** 40, '1 TiB'],
  [2 ** 44, '16 TiB'],
];

/**
 * Labelled ticks for the overview bar: the limit, then the landmarks below it
 * (4 GiB first when below the limit: the 32-bit boundary) that keep at
 * least `minGap` (a fraction of the bar) from their neighbours and
 * `limitGap` from the limit's (long) label, and 0.
 */
export function addrTicks(limit: number, minGap = 0.09, limitGap = minGap): Array<{ pos: number; addr: number; label: string }> {
  const out: Array<{ pos: number; addr: number; label: string }> = [{ pos: 1, addr: limit, label: hexGrouped(limit) }];
  const cands = LANDMARKS.filter(([a]) => a < limit).reverse();
  const four = cands.find(([a]) => a === 2 ** 32);
  const keep = (a: number) => {
    const pos = addrPos(a, limit);
    return out.every((t) => Math.abs(t.pos - pos) >= (t.pos === 1 ? limitGap : minGap)) && pos >= minGap;
  };
  if (four && keep(four[0])) out.push({ pos: addrPos(four[0], limit), addr: four[0], label: four[1] });
  for (const [a, label] of cands) if (a !== 2 ** 32 && keep(a)) out.push({ pos: addrPos(a, limit), addr: a, label });
  out.push({ pos: 0, addr: 0, label: '0' });
  return out.sort((x, y) => y.pos - x.pos);
}

export interface ZoomWindow {
  lo: number;
  hi: number;
  /** Indices of the segments inside. */
  segs: number[];
}

/**
 * Linear zoom windows over the parts of the space in use: segments closer
 * than max(1 MiB, 4× their group's span) share a window; a window near the
 * limit or the 4 GiB boundary stretches to it (so "just below" shows). At
 * most `max` windows (the rest join the last).
 */
export function zoomWindows(segs: readonly IovaSeg[], limit: number, granule: number, max = 3): ZoomWindow[] {
  const order = segs.map((_, i) => i).sort((a, b) => segs[a]!.lo - segs[b]!.lo);
  const groups: Array<{ lo: number; hi: number; segs: number[] }> = [];
  for (const i of order) {
    const s = segs[i]!;
    const g = groups[groups.length - 1];
    if (g && (groups.length >= max || s.lo - g.hi <= Math.max(2 ** 20, 4 * (g.hi - g.lo)))) {
      g.hi = Math.max(g.hi, s.hi);
      g.segs.push(i);
    } else groups.push({ lo: s.lo, hi: s.hi, segs: [i] });
  }
  if (groups.length === 0) return [{ lo: Math.max(0, limit - 16 * granule), hi: limit, segs: [] }];
  return groups.map((g) => {
    const span = g.hi - g.lo;
    const mark = [limit, 2 ** 32].find((m) => m >= g.hi && m <= limit && m - g.hi <= 2 * span);
    const hi = mark ?? Math.min(limit, g.hi + Math.max(granule, Math.round(span * 0.1)));
    const lo = Math.max(0, g.lo - Math.max(granule, Math.round((hi - g.lo) * 0.08)));
    return { lo, hi, segs: g.segs };
  });
}

// ---------------------------------------------------------------------------
// flush queue

export function fqTiming(d: Pick<IommuDomainDetail, 'fqPending' | 'fqDeadlineUs'>, timeUs: number): { pending: number; deadlineUs: number | null; leftUs: number | null } {
  return { pending: d.fqPending, deadlineUs: d.fqDeadlineUs, leftUs: d.fqDeadlineUs === null ? null : Math.max(0, d.fqDeadlineUs - timeUs) };
}

/** 10 ms → "10 ms", 9999 µs → "9.999 ms", 1 µs → "1 µs". */
export function usText(us: number): string {
  if (us < 1000) return `${us} µs`;
  const ms = us / 1000;
  return `${Number.isInteger(ms) ? ms : ms.toFixed(3)} ms`;
}

// ---------------------------------------------------------------------------
// translation through a domain

/** The leaf that maps `iova` in the domain, and the physical address. */
export function translate(d: Pick<IommuDomainDetail, 'entries'>, iova: number): { phys: number; entry: PtEntryView } | null {
  for (const e of d.entries) if (iova >= e.iova && iova < e.iova + e.size) return { phys: e.phys + (iova - e.iova), entry: e };
  return null;
}

/** The domain a device's DMA goes through now (the one listing it), if any. */
export function domainOfDevice(snap: Pick<MachineSnapshot, 'iommu'>, dev: string): IommuDomainDetail | null {
  return snap.iommu.find((d) => d.devices.includes(dev)) ?? null;
}

/** Does the selection's physical range overlap [phys, phys + size)? */
export function overlaps(range: { start: number; end: number } | null, phys: number, size: number): boolean {
  return range !== null && phys < range.end && phys + size > range.start;
}

// ---------------------------------------------------------------------------
// GPU VM: GPU VA → DMA address → physical

export interface GpuChain {
  va: number;
  size: number;
  dmaAddr: number;
  /** How the DMA address becomes physical. */
  stage2: 'iommu' | 'identity' | 'none';
  domain: string | null;
  /** null: the DMA address has no PTE in the system IOMMU (a stale GPU PTE). */
  phys: number | null;
  prot: number | null;
}

/** Each GPU PTE run (contiguous VA and DMA addresses) with where its DMA address lands. */
export function gpuChains(snap: Pick<MachineSnapshot, 'iommu'>, vm: Pick<GpuVmView, 'dev' | 'ptes'>): GpuChain[] {
  const dom = domainOfDevice(snap, vm.dev);
  const runs: Array<{ va: number; size: number; dmaAddr: number }> = [];
  for (const p of [...vm.ptes].sort((a, b) => a.va - b.va)) {
    const last = runs[runs.length - 1];
    if (last && last.va + last.size === p.va && last.dmaAddr + last.size === p.dmaAddr) last.size += p.size;
    else runs.push({ va: p.va, size: p.size, dmaAddr: p.dmaAddr });
  }
  return runs.map((r) => {
    if (!dom || dom.type === 'IDENTITY') return { ...r, stage2: dom ? 'identity' : 'none', domain: dom?.name ?? null, phys: r.dmaAddr, prot: null };
    const t = translate(dom, r.dmaAddr);
    return { ...r, stage2: 'iommu', domain: dom.name, phys: t ? t.phys : null, prot: t ? t.entry.prot : null };
  });
}

export interface GpuWalk {
  vm: string;
  va: number;
  len: number;
  as: number | null;
  /** Stage 1: the GPU's page tables (GPU VA → DMA address). */
  s1: { levels: number[]; dmaAddr: number | null; ok: boolean; rule: string };
  /** Stage 2: the system IOMMU (DMA address → physical), or none. */
  s2: {
    kind: 'iommu' | 'direct' | 'not-reached';
    domain: string | null;
    tlb: 'hit' | 'stale-hit' | 'miss' | null;
    levels: number[] | null;
    phys: number | null;
    fault: { stage: string; rule: string } | null;
  };
  /** The stage that faulted. */
  faulted: 'gpu-mmu' | 'iommu' | null;
  op: 'read' | 'write' | null;
}

/** The step's GPU accesses, each walked through both stages (from the events, in order). */
export function gpuWalks(events: readonly SimEvent[] | undefined): GpuWalk[] {
  const out: GpuWalk[] = [];
  let cur: GpuWalk | null = null;
  for (const e of events ?? []) {
    if (e.kind === 'gpu_vm') {
      if (e.op === 'walk' || (e.op === 'fault' && e.stage === 'gpu-mmu')) {
        cur = {
          vm: e.vm,
          va: e.va,
          len: e.size,
          as: e.as ?? null,
          s1: { levels: e.levels ?? [], dmaAddr: e.dmaAddr ?? null, ok: e.op === 'walk', rule: e.why.rule },
          s2: { kind: 'not-reached', domain: null, tlb: null, levels: null, phys: null, fault: null },
          faulted: e.op === 'fault' ? 'gpu-mmu' : null,
          op: null,
        };
        out.push(cur);
      } else if (e.op === 'fault' && cur && cur.vm === e.vm) {
        cur.faulted = e.stage === 'gpu-mmu' ? 'gpu-mmu' : 'iommu';
        if (e.stage !== 'gpu-mmu' && !cur.s2.fault) cur.s2.fault = { stage: 'iommu', rule: e.why.rule };
      }
      continue;
    }
    if (!cur || !cur.s1.ok) continue;
    if (e.kind === 'iotlb' && (e.op === 'hit' || e.op === 'miss')) {
      cur.s2.kind = 'iommu';
      cur.s2.domain = e.domain;
      cur.s2.tlb = e.op === 'miss' ? 'miss' : e.stale ? 'stale-hit' : 'hit';
      if (e.phys !== undefined) cur.s2.phys = e.phys;
    } else if (e.kind === 'pt_walk') {
      cur.s2.kind = 'iommu';
      cur.s2.domain = e.domain;
      cur.s2.levels = e.levels;
      cur.s2.phys = e.phys;
    } else if (e.kind === 'iommu_fault') {
      cur.s2.kind = 'iommu';
      cur.s2.domain = e.domain;
      cur.s2.fault = { stage: e.stage, rule: e.why.rule };
      cur.faulted = 'iommu';
    } else if (e.kind === 'dev_access') {
      if (cur.s2.kind === 'not-reached') cur.s2.kind = e.via === 'iommu' ? 'iommu' : 'direct';
      if (cur.s2.phys === null) cur.s2.phys = e.phys;
      cur.op = e.op;
    }
  }
  return out;
}
