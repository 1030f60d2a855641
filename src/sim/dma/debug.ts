/**
 * dma-debug: `kernel/dma/debug.c` (`lib/dma-debug.c` before 4.18),
 * CONFIG_DMA_API_DEBUG.
 *
 * What it is for: the kernel's bookkeeping of every live streaming mapping and
 * coherent allocation, and the checks it runs against that bookkeeping when a
 * driver unmaps (check_unmap), syncs (check_sync), maps (add_dma_entry →
 * active_cacheline_insert, check_for_stack, check_for_illegal_area,
 * check_sg_segment) or unbinds (dma_debug_device_change). Every finding carries
 * the kernel's own text, rendered for the machine's kernel version.
 *
 * The data structures mirror the kernel's, so its quirks come out the same:
 * - entries live in 16384 hash buckets keyed by `(dev_addr >> 13) & 16383`
 *   (1024 buckets, `& 1023`, before 5.5: DEBUG_GATES.hashSize),
 *   each an insertion-ordered list (hash_bucket_add = list_add_tail);
 * - unmap finds an *exact* match (same device and DMA address) and ranks several
 *   by best fit on size, type, direction and sg count; several matches and no
 *   perfect fit count as "not found" (__hash_bucket_find);
 * - sync finds a *containing* entry, walking back one bucket at a time
 *   (bucket_find_contain), with the same best-fit rule in each bucket;
 * - the active-cacheline "radix tree" is keyed by the cacheline of the first
 *   byte of each mapping only, with a 3-bit overlap counter (max 7).
 *
 * Version-dependent behaviour (kernel code = MAJOR*1000+MINOR):
 * - type names: "page" for dma_map_page before 5.0 (2e05ea5cdc1a);
 *   5.0–5.6 print every name shifted by one (the stale "page" string, fixed by
 *   9bb50ed74709 in 5.7); "scather-gather" until 6.6, "scatter-gather" from 6.7
 *   (36d91e851598 "dma-debug: Fix a typo in a debugging eye-catcher");
 *   "noncoherent" for dma_alloc_pages from 6.17 (7e2368a21741, before that such
 *   entries were "single" and demanded a dma_mapping_error() check);
 *   "phy" from 6.18 for dma_map_single/page/phys/resource (Leon Romanovsky's
 *   dma_map_phys series, dma-mapping-6.18 pull; "resource" is gone there).
 * - prefix: `DMA-API: <dev>: <text>` (pr_fmt) from 5.0 (assumed), before that
 *   `<dev>: DMA-API: <text>`.
 * - the cacheline is paddr >> L1_CACHE_SHIFT (to_cacheline_number), the shift
 *   the architecture has on this kernel: arm64's was 7 (128-byte lines) from 4.4
 *   until ARCH_GATES.arm64L1CacheShift6 (4.17), 6 since, as on arm, riscv and x86.
 * - cacheline EEXIST: not reported before 5.14 (a TODO); a plain pr_err without
 *   device in 5.14 (2b4bbc6231d7); err_printk with device, suppressed by
 *   DMA_ATTR_SKIP_CPU_SYNC, from 5.15 (510e1a724ab1, c2bbf9d1e9ac); also
 *   suppressed when DMA_BOUNCE_UNALIGNED_KMALLOC bouncing is active from 6.18.
 * - check_sync's walk back: at most dma_get_max_seg_size() bytes before 6.0
 *   (so dma_set_max_seg_size changes what a sync finds), every bucket below the
 *   address from 6.0 (2995b8002cef).
 * - debug_dma_map_sg runs check_for_stack (and check_for_illegal_area) on every
 *   entry it is given, then records the mapped segments, from 5.15
 *   (293d92cbbd24); before, only on the mapped_ents entries, each as its
 *   segment is recorded (an entry an IOMMU merged away is not checked).
 * - "different CPU address" prints `0x%pa` (so "0x0x…") from 6.13 (9d4f645a1fd4).
 * - debug_dma_map_single ("maps memory from vmalloc area" / "from invalid area")
 *   only from 4.20 (DEBUG_GATES.mapSingleCheck; release not pinned).
 *
 * Simplified:
 * - every err_printk is reported (as with all_errors=1); `kernelPrints` says
 *   whether a default kernel (num_errors=1, no driver filter) would print it;
 * - the device name stands for both dev_driver_string() and dev_name();
 * - no entry pool, ENOMEM, "Mapped at:" stack traces (Finding.entryStep instead),
 *   debugfs, driver filter or the dma_debug=off switch;
 * - `%p` prints the real address, 0xffff-prefixed like the engine's VAs (real
 *   kernels since 4.15 print a hashed pointer);
 * - not modelled: the 6.13 page-granular paddr bug (fixed by aef7ee7649e0), and
 *   the 4.x bucket_find_contain that compared against the moved-back `&index`
 *   instead of the reference;
 * - a driver unbind reports the leaked entries and keeps them, as the kernel does.
 */
import type { DmaDir, Why } from '../events.ts';
import { DEBUG_GATES, dmaFile } from '../kernel-versions.ts';
import { kernelCode, NEWEST_KERNEL } from '../config.ts';
import { kmsg, who, type MessageId } from '../kernel-log/catalogue.ts';
import type { MessageArgs } from '../kernel-log/printk.ts';
import { hex16, kernelPtr } from '../format.ts';

/**
 * The mapping call that made (or frees) an entry. Pass what the driver called;
 * the module turns it into the kernel's entry type for the machine's version:
 * 'single' dma_map_single, 'page' dma_map_page (the same as 'single' from 5.1),
 * 'phy' dma_map_phys (6.18+; older versions treat it as 'single'),
 * 'resource' dma_map_resource, 'scatter-gather' one mapped segment of
 * dma_map_sg, 'coherent' dma_alloc_coherent, 'noncoherent' dma_alloc_pages /
 * dma_alloc_noncoherent.
 */
export type DebugType = 'single' | 'page' | 'phy' | 'scatter-gather' | 'coherent' | 'noncoherent' | 'resource';

export interface DebugEntry {
  /** Device name (stands for both the driver and the device name). */
  dev: string;
  /** DMA address. */
  devAddr: number;
  size: number;
  /** On input the call that made it; in debugLiveEntries the kernel's type for this version. */
  type: DebugType;
  dir: DmaDir;
  /** Physical address of the first byte (coherent: of the CPU buffer); keys the cacheline. */
  paddr: number;
  /** nents passed to dma_map_sg (0 otherwise). */
  sgCallEnts: number;
  /** Count returned by dma_map_sg (0 otherwise). */
  sgMappedEnts: number;
  /** Coherent: the CPU address dma_alloc_coherent returned (0 otherwise). */
  cpuAddr: number;
  /** Set by debugMap from the kernel type (the caller's value is ignored). */
  mapErr: 'not-checked' | 'checked' | 'n/a';
  /** The scenario step that made it. */
  step: number;
  /** Filled in by the module: the type name this kernel prints ("single", "phy", "scather-gather"…). */
  typeName?: string;
}

export interface Finding {
  rule: string;
  /** The kernel-log catalogue entry of the line it prints, so readers select findings by id, not by their words. */
  id: MessageId;
  /** The full log line(s), prefix included. */
  message: string;
  why: Why;
  /** Step of the entry the kernel would print under "Mapped at:". */
  entryStep?: number;
  /** Would a default kernel (num_errors=1, all_errors=0) print it? err_printk only prints the first error. */
  kernelPrints?: boolean;
}

/** A live entry: the DebugEntry plus the kernel's bookkeeping. */
export interface DebugRecord extends DebugEntry {
  /** Kernel entry type (K_*). */
  k: number;
  seq: number;
  bucket: number;
  /** Cacheline number of the first byte (to_cacheline_number). */
  cln: number;
  typeName: string;
}

export interface DebugState {
  /** Kernel version code, e.g. 6018. */
  kernel: number;
  /** L1_CACHE_SHIFT: the cacheline granularity of the overlap tracking. */
  l1CacheShift: number;
  /** CONFIG_DMA_API_DEBUG_SG (check_sg_segment): always on from 6.13, off by default before. */
  sgChecks: boolean;
  /** DebugOptions.mapErrorUnknown. */
  mapErrorUnknown: boolean;
  /** DebugOptions.deviceNames. */
  deviceNames: Readonly<Record<string, string>>;
  /**
   * dma_entry_hash: 16384 buckets, each its entries in list order (null until
   * first used; absent, read as undefined, in a copy made to be read only:
   * copyDebugBuckets).
   */
  buckets: Array<DebugRecord[] | null>;
  /** Live entries. */
  liveCount: number;
  /** dma_active_cacheline: cacheline number → overlap count (0 = one mapping). */
  cachelines: Map<number, number>;
  nextSeq: number;
  /** debugfs error_count: every err_printk. */
  errorCount: number;
  /** show_num_errors: errors a default kernel still prints (starts at 1). */
  showNumErrors: number;
  /** active_cacheline_inc_overlap's WARN_ONCE already fired. */
  warnedOverlapLimit: boolean;
  /** type2name for this version, indexed by K_*. */
  typeNames: string[];
}

// ---------------------------------------------------------------------------
// Constants

const HASH_SIZE = 16384;
/** HASH_SIZE before 5.5 (DEBUG_GATES.hashSize). */
const OLD_HASH_SIZE = 1024;
const HASH_FN_SHIFT = 13;
const BUCKET_BYTES = 1 << HASH_FN_SHIFT;
/** ACTIVE_CACHELINE_MAX_OVERLAP = (1 << RADIX_TREE_MAX_TAGS) - 1, RADIX_TREE_MAX_TAGS = 3. */
const ACTIVE_CACHELINE_MAX_OVERLAP = 7;
/** dma_get_max_seg_size() without dma_parms. */
const DEFAULT_MAX_SEG_SIZE = 65536;
/** The explorer's DMA_MAPPING_ERROR (~(dma_addr_t)0), the same sentinel as dma/direct.ts. */
const DMA_MAPPING_ERROR = -1;

/** Kernel entry types (the kernel's enum, plus the ones that only existed in some versions). */
const K_SINGLE = 0;
const K_PAGE = 1;
const K_SG = 2;
const K_COHERENT = 3;
const K_RESOURCE = 4;
const K_NONCOHERENT = 5;
const K_PHY = 6;
const K_TO_TYPE: DebugType[] = ['single', 'page', 'scatter-gather', 'coherent', 'resource', 'noncoherent', 'phy'];

/** Versions where dma-debug's behaviour changed: DEBUG_GATES in kernel-versions.ts (commit, subject, both sides). */
export const DEBUG_VERSIONS = Object.fromEntries(Object.entries(DEBUG_GATES).map(([k, g]) => [k, g.code])) as { readonly [K in keyof typeof DEBUG_GATES]: number };

const NEWEST = kernelCode(NEWEST_KERNEL);

const DIR_NAMES: Record<DmaDir, string> = {
  DMA_BIDIRECTIONAL: 'DMA_BIDIRECTIONAL',
  DMA_TO_DEVICE: 'DMA_TO_DEVICE',
  DMA_FROM_DEVICE: 'DMA_FROM_DEVICE',
  DMA_NONE: 'DMA_NONE',
};

// ---------------------------------------------------------------------------
// Version helpers

/** type2name[] as this kernel has it, indexed by K_*. */
function typeNamesFor(kernel: number): string[] {
  const sg = kernel >= DEBUG_VERSIONS.scatterSpelling ? 'scatter-gather' : 'scather-gather';
  const names = ['single', 'page', sg, 'coherent', 'resource', 'noncoherent', 'phy'];
  if (kernel >= DEBUG_VERSIONS.singlePageMerged && kernel < DEBUG_VERSIONS.typeNamesFixed) {
    // enum {single, sg, coherent, resource} printed through the old
    // { "single", "page", "scather-gather", "coherent", "resource" } table
    names[K_SG] = 'page';
    names[K_COHERENT] = 'scather-gather';
    names[K_RESOURCE] = 'coherent';
  }
  return names;
}

/** The kernel entry type a call makes (or checks against) in this version. */
function kernelType(kernel: number, t: DebugType): number {
  switch (t) {
    case 'single':
      return kernel >= DEBUG_VERSIONS.phy ? K_PHY : K_SINGLE;
    case 'page':
      if (kernel >= DEBUG_VERSIONS.phy) return K_PHY;
      return kernel >= DEBUG_VERSIONS.singlePageMerged ? K_SINGLE : K_PAGE;
    case 'phy':
      return kernel >= DEBUG_VERSIONS.phy ? K_PHY : K_SINGLE;
    case 'resource':
      return kernel >= DEBUG_VERSIONS.phy ? K_PHY : K_RESOURCE;
    case 'scatter-gather':
      return K_SG;
    case 'coherent':
      return K_COHERENT;
    case 'noncoherent':
      // before 6.17 dma_alloc_pages went through debug_dma_map_page
      return kernel >= DEBUG_VERSIONS.noncoherent ? K_NONCOHERENT : kernel >= DEBUG_VERSIONS.phy ? K_PHY : K_SINGLE;
  }
}

/** Entries made through debug_dma_map_page / debug_dma_map_phys (MAP_ERR_NOT_CHECKED, and the dma_mapping_error() call). */
function madeByMapPage(k: number): boolean {
  return k === K_SINGLE || k === K_PAGE || k === K_PHY;
}

function file(kernel: number): string {
  return dmaFile(kernel, 'kernel/dma/debug.c');
}

/** The full log line of an err_printk (WARN(1, pr_fmt("%s %s: ") fmt, driver, dev, …)), from the kernel-log catalogue. */
function line(kernel: number, dev: string, id: MessageId, args: MessageArgs, devName?: string): string {
  return kmsg(kernel, id, args, who(dev, devName));
}

/**
 * HASH_FN_MASK for this kernel: 1024 buckets before 5.5, 16384 from 5e76f564572b
 * (DEBUG_GATES.hashSize). The state always holds 16384 slots; an older kernel
 * uses the first 1024.
 */
function hashMask(s: DebugState): number {
  return (s.kernel >= DEBUG_VERSIONS.hashSize ? HASH_SIZE : OLD_HASH_SIZE) - 1;
}

/** dma_addr_t → hash bucket (hash_fn). */
function hashFn(s: DebugState, addr: number): number {
  const mask = hashMask(s);
  // the bucket bits (13..26) lie below bit 32, which `>>>` keeps (a `%` of an address past 2^32 is a runtime call)
  if (addr >= 0) return (addr >>> HASH_FN_SHIFT) & mask;
  return Number((BigInt.asUintN(64, BigInt(addr)) >> BigInt(HASH_FN_SHIFT)) & BigInt(mask));
}

/** dma_addr_t >> HASH_FN_SHIFT (for bucket_find_contain's limit). */
function pageOf8k(addr: number): number {
  return addr >= 0 ? Math.floor(addr / BUCKET_BYTES) : 2 ** 51;
}

// ---------------------------------------------------------------------------
// State

export interface DebugOptions {
  /** CONFIG_DMA_API_DEBUG_SG before 6.13 (default n); from 6.13 the checks always run. */
  debugSg?: boolean;
  /**
   * Whether the driver called dma_mapping_error() is unknown (a replayed trace
   * cannot show it): check_unmap's "failed to check map error" is not reported.
   */
  mapErrorUnknown?: boolean;
  /** The kernel's dev_name() of devices that have one besides the scenario's name (label=): dma-debug prints it. */
  deviceNames?: Readonly<Record<string, string>>;
}

/** `l1CacheShift`: the architecture's L1_CACHE_SHIFT on this kernel (ArchOps.l1CacheShift: arm64 had 7 before 4.17). */
export function createDebugState(kernel: number, l1CacheShift: number, opts: DebugOptions = {}): DebugState {
  return {
    kernel,
    l1CacheShift,
    sgChecks: kernel >= DEBUG_VERSIONS.paddr || !!opts.debugSg,
    mapErrorUnknown: !!opts.mapErrorUnknown,
    deviceNames: opts.deviceNames ?? {},
    buckets: new Array<DebugRecord[] | null>(HASH_SIZE).fill(null),
    liveCount: 0,
    cachelines: new Map(),
    nextSeq: 0,
    errorCount: 0,
    showNumErrors: 1,
    warnedOverlapLimit: false,
    typeNames: typeNamesFor(kernel),
  };
}

/**
 * The hash buckets for a copy of the machine (a checkpoint, a seek's
 * cursor): only the buckets in use are copied, with their records (the
 * module changes records in place). A copy that is only read (`forStepping`
 * false: a checkpoint) leaves the unused buckets absent — a sparse array of
 * a few hundred bytes where the 16,384 slots took 128 KiB, half of a small
 * machine's copy — and every lookup takes an absent bucket for an empty
 * one; a copy that steps on gets every slot back.
 */
export function copyDebugBuckets(buckets: DebugState['buckets'], forStepping: boolean): DebugState['buckets'] {
  const out: DebugState['buckets'] = forStepping ? new Array<DebugRecord[] | null>(HASH_SIZE).fill(null) : [];
  // The last slot stored first, far past an empty array's room: V8 then keeps the elements in a dictionary sized by
  // what is stored (setting `length` instead allocates every slot: measured, 131 KB an array).
  if (!forStepping) out[HASH_SIZE - 1] = null;
  for (let i = 0; i < HASH_SIZE; i++) {
    const list = buckets[i];
    if (list) out[i] = list.map((e) => ({ ...e }));
  }
  return out;
}

/** The type name this kernel prints for a call ("single", "phy", "scather-gather"…). */
export function debugTypeName(s: DebugState, t: DebugType): string {
  return s.typeNames[kernelType(s.kernel, t)]!;
}

// ---------------------------------------------------------------------------
// Reporting

function why(s: DebugState, fn: string, rule: string): Why {
  return { fn, file: file(s.kernel), rule };
}

/** A cacheline rule with the line this kernel tracks: L1_CACHE_SHIFT (arm64: 7, 128-byte lines, before 4.17). */
function lineRule(s: DebugState, rule: string): string {
  return `${rule}; this kernel's dma-debug cachelines are ${2 ** s.l1CacheShift} bytes (L1_CACHE_SHIFT ${s.l1CacheShift})`;
}

/** err_printk(): counts the error and says whether a default kernel prints it. */
function errPrintk(s: DebugState, out: Finding[], rule: string, dev: string, id: MessageId, args: MessageArgs, w: Why, entry: DebugRecord | null): void {
  s.errorCount += 1;
  const kernelPrints = s.showNumErrors > 0;
  if (s.showNumErrors > 0) s.showNumErrors -= 1;
  const f: Finding = { rule, id, message: line(s.kernel, dev, id, args, s.deviceNames[dev]), why: w, kernelPrints };
  if (entry) f.entryStep = entry.step;
  out.push(f);
}

const RULES = {
  notAllocated:
    'dma-debug keeps every live mapping in a hash by device and DMA address; unmapping or freeing an address it has no (unambiguous) entry for means a double unmap, a wrong handle, or a mapping that was never made',
  invalidAddress:
    'the handle passed to unmap is DMA_MAPPING_ERROR: the map failed and the driver unmaps anyway instead of checking dma_mapping_error()',
  sizeMismatch: 'dma_unmap_* and dma_free_* must be passed the same size as the map or alloc',
  wrongFunction:
    'a mapping must be undone by the matching call: dma_unmap_single/page for a streaming map, dma_unmap_sg for sg, dma_free_coherent for an allocation',
  cpuAddress: 'dma_free_coherent must be given the CPU address that dma_alloc_coherent returned (compared as physical addresses)',
  sgCountUnmap: 'dma_unmap_sg must be passed the nents given to dma_map_sg, not the count it returned',
  directionUnmap: 'unmap with the direction the buffer was mapped with: the direction decides the cache maintenance at unmap',
  mapErrorNotChecked:
    'dma-debug remembers whether dma_mapping_error() was called on each single mapping and complains at unmap time if it never was',
  syncNotAllocated:
    'the synced range [addr, addr+size) must lie inside one live mapping of this device: a sync after unmap, before map, or past the end of the mapping finds none',
  syncOutside: 'a sync may cover part of a mapping but not more than the mapping',
  syncDirection: 'a sync must use the direction the buffer was mapped with (a DMA_BIDIRECTIONAL mapping accepts any)',
  syncReadOnly:
    'sync_for_cpu on a mapping the device only reads (DMA_TO_DEVICE) has nothing to hand back: the device wrote nothing the CPU must see',
  syncWriteOnly:
    'sync_for_device on a mapping the device only writes (DMA_FROM_DEVICE) makes no sense: the CPU must not write a buffer the device fills',
  sgCountSync: 'dma_sync_sg_* must be passed the nents given to dma_map_sg, not the count it returned',
  overlap:
    'two mappings that the device may write start in the same CPU cacheline: cache maintenance for one can destroy data of the other (DMA_TO_DEVICE mappings are not tracked)',
  overlapLimit:
    'the 3-bit overlap counter of a cacheline saturated: more than 7 mappings start in it, which usually means mappings are leaking',
  pending:
    'when a driver is unbound every mapping and coherent allocation it made must already be undone; dma-debug counts what is left and shows the last one it finds',
} as const;

// ---------------------------------------------------------------------------
// Hash lookup

function bucketList(s: DebugState, idx: number): DebugRecord[] | null {
  return s.buckets[idx]!;
}

interface Ref {
  dev: string;
  devAddr: number;
  size: number;
  k: number;
  dir: DmaDir;
  sgCallEnts: number;
}

/** __hash_bucket_find(): best fit on size, type, direction, sg_call_ents; several matches without a perfect fit → null. */
function bucketFind(list: DebugRecord[] | null, ref: Ref, containing: boolean): DebugRecord | null {
  if (!list) return null;
  let ret: DebugRecord | null = null;
  let matches = 0;
  let lastLvl = -1;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.dev !== ref.dev) continue;
    if (containing) {
      if (!(e.devAddr <= ref.devAddr && e.devAddr + e.size >= ref.devAddr + ref.size)) continue;
    } else if (e.devAddr !== ref.devAddr) continue;
    matches += 1;
    let lvl = 0;
    if (e.size === ref.size) lvl++;
    if (e.k === ref.k) lvl++;
    if (e.dir === ref.dir) lvl++;
    if (e.sgCallEnts === ref.sgCallEnts) lvl++;
    if (lvl === 4) return e;
    if (lvl > lastLvl) {
      lastLvl = lvl;
      ret = e;
    }
  }
  return matches === 1 ? ret : null;
}

/** bucket_find_contain(): look in the address's bucket, then walk back one bucket (8 KiB) at a time. */
function bucketFindContain(s: DebugState, ref: Ref, maxSegSize: number): DebugRecord | null {
  const start = hashFn(s, ref.devAddr);
  // 6.0+: min(HASH_SIZE, (dev_addr >> HASH_FN_SHIFT) + 1) buckets; before: while (range <= max_range)
  const limit =
    s.kernel >= DEBUG_VERSIONS.syncFullWalk
      ? Math.min(HASH_SIZE, pageOf8k(ref.devAddr) + 1)
      : Math.floor(maxSegSize / BUCKET_BYTES) + 1;
  if (s.liveCount === 0) return null;
  for (let i = 0; i < limit; i++) {
    const e = bucketFind(s.buckets[(start - i) & hashMask(s)]!, ref, true);
    if (e) return e;
  }
  return null;
}

/** debug_dma_mapping_error(): mark the first unchecked exact match (list order) as checked. */
function markChecked(s: DebugState, dev: string, devAddr: number): void {
  const list = bucketList(s, hashFn(s, devAddr));
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.devAddr !== devAddr || e.dev !== dev) continue;
    if (e.mapErr === 'not-checked') {
      e.mapErr = 'checked';
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Active cachelines (dma_active_cacheline radix tree + overlap tags)

/** active_cacheline_insert(): returns true for -EEXIST. */
function cachelineInsert(s: DebugState, e: DebugRecord, out: Finding[]): boolean {
  if (e.dir === 'DMA_TO_DEVICE') return false;
  const cur = s.cachelines.get(e.cln);
  if (cur === undefined) {
    s.cachelines.set(e.cln, 0);
    return false;
  }
  // active_cacheline_inc_overlap(): the tags count 0..7; an overflow is not stored
  const overlap = cur + 1;
  if (overlap <= ACTIVE_CACHELINE_MAX_OVERLAP) s.cachelines.set(e.cln, overlap);
  else if (!s.warnedOverlapLimit) {
    s.warnedOverlapLimit = true;
    out.push({
      rule: 'map/overlap-limit',
      id: 'dma-debug.overlap-limit',
      message: kmsg(s.kernel, 'dma-debug.overlap-limit', { max: ACTIVE_CACHELINE_MAX_OVERLAP, line: hex16(e.cln) }),
      why: why(s, 'active_cacheline_inc_overlap', lineRule(s, RULES.overlapLimit)),
      entryStep: e.step,
      kernelPrints: true,
    });
  }
  return true;
}

/** active_cacheline_remove(): the last put (overlap would go below 0) deletes the line. */
function cachelineRemove(s: DebugState, e: DebugRecord): void {
  if (e.dir === 'DMA_TO_DEVICE') return;
  const cur = s.cachelines.get(e.cln) ?? 0;
  if (cur - 1 < 0) s.cachelines.delete(e.cln);
  else s.cachelines.set(e.cln, cur - 1);
}

// ---------------------------------------------------------------------------
// Map

export interface DebugMapOptions {
  /** IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) && is_swiotlb_active(dev): silences EEXIST from 6.18. */
  bounceUnalignedKmalloc?: boolean;
}

/**
 * debug_dma_map_page/phys, debug_dma_map_sg (one call per mapped segment),
 * debug_dma_alloc_coherent, debug_dma_alloc_pages, debug_dma_map_resource:
 * record the entry (add_dma_entry) and track its first cacheline
 * (active_cacheline_insert). A failed map (DMA_MAPPING_ERROR) is not recorded.
 */
export function debugMap(s: DebugState, e: DebugEntry, skipCpuSync: boolean, opts?: DebugMapOptions): Finding[] {
  const out: Finding[] = [];
  const k = kernelType(s.kernel, e.type);
  if (madeByMapPage(k)) {
    // `if (dma_mapping_error(dev, dma_addr)) return;` — dma_mapping_error() first calls
    // debug_dma_mapping_error(), which marks an older unchecked entry at this address as checked
    markChecked(s, e.dev, e.devAddr);
    if (e.devAddr === DMA_MAPPING_ERROR) return out;
  }
  const rec: DebugRecord = {
    dev: e.dev,
    devAddr: e.devAddr,
    size: e.size,
    type: K_TO_TYPE[k]!,
    dir: e.dir,
    paddr: e.paddr,
    sgCallEnts: k === K_SG ? e.sgCallEnts : 0,
    sgMappedEnts: k === K_SG ? e.sgMappedEnts : 0,
    cpuAddr: e.cpuAddr,
    mapErr: madeByMapPage(k) || k === K_RESOURCE ? 'not-checked' : 'n/a',
    step: e.step,
    k,
    seq: s.nextSeq++,
    bucket: hashFn(s, e.devAddr),
    cln: Math.floor(e.paddr / 2 ** s.l1CacheShift),
    typeName: s.typeNames[k]!,
  };
  // add_dma_entry(): hash_bucket_add() (list_add_tail), then active_cacheline_insert()
  const list = s.buckets[rec.bucket];
  if (list) list.push(rec);
  else s.buckets[rec.bucket] = [rec];
  s.liveCount++;
  if (cachelineInsert(s, rec, out)) {
    const w = why(s, 'active_cacheline_insert', lineRule(s, RULES.overlap));
    if (s.kernel >= DEBUG_VERSIONS.eexistErrPrintk) {
      const silenced = skipCpuSync || (s.kernel >= DEBUG_VERSIONS.swiotlbEexist && !!opts?.bounceUnalignedKmalloc);
      if (!silenced) errPrintk(s, out, 'map/cacheline-overlap', rec.dev, 'dma-debug.cacheline-overlap', {}, w, rec);
    } else if (s.kernel >= DEBUG_VERSIONS.eexistPrErr) {
      // 5.14: pr_err(), no device, not counted as an error
      const id = 'dma-debug.cacheline-overlap';
      out.push({ rule: 'map/cacheline-overlap', id, message: kmsg(s.kernel, id), why: w, entryStep: rec.step, kernelPrints: true });
    }
  }
  return out;
}

/** debug_dma_mapping_error(): dma_mapping_error() marks the first unchecked exact match as checked. */
export function debugMappingError(s: DebugState, dev: string, devAddr: number): void {
  markChecked(s, dev, devAddr);
}

// ---------------------------------------------------------------------------
// Unmap

export interface DebugUnmapRef {
  dev: string;
  devAddr: number;
  size: number;
  /** The call that undoes it: 'single'/'page'/'phy'/'resource' for dma_unmap_*, 'scatter-gather', 'coherent' for dma_free_coherent, 'noncoherent' for dma_free_pages. */
  type: DebugType;
  dir: DmaDir;
  /** dma_unmap_sg: the nents passed to unmap. */
  sgCallEnts?: number;
  /** dma_free_coherent: the CPU address passed to free. */
  cpuAddr?: number;
  /** dma_free_coherent / dma_free_pages: physical address of the CPU address passed (what the kernel compares). */
  cpuPaddr?: number;
}

/** phys_addr(ref) for a free: the caller's, or derived through the entry's linear mapping. */
function freePaddr(e: DebugRecord, ref: DebugUnmapRef): number {
  if (ref.cpuPaddr !== undefined) return ref.cpuPaddr;
  if (ref.cpuAddr !== undefined) return e.paddr + (ref.cpuAddr - e.cpuAddr);
  return e.paddr;
}

function removeRecord(s: DebugState, e: DebugRecord): void {
  const list = s.buckets[e.bucket]!;
  const i = list.indexOf(e);
  if (i === list.length - 1) list.pop();
  else list.splice(i, 1);
  s.liveCount--;
  cachelineRemove(s, e);
}

/** Every live entry in the order it was made. */
function liveRecords(s: DebugState): DebugRecord[] {
  const out: DebugRecord[] = [];
  if (s.liveCount === 0) return out;
  for (const list of s.buckets) if (list) for (const e of list) out.push(e);
  return out.sort((a, b) => a.seq - b.seq);
}

function syncArgs(devAddr: number, size: number, mapped: DmaDir, synced: DmaDir): MessageArgs {
  return { addr: hex16(devAddr), size, mapped: DIR_NAMES[mapped], synced: DIR_NAMES[synced] };
}

/**
 * check_unmap(): run by dma_unmap_*, dma_unmap_sg (once per mapped entry),
 * dma_free_coherent and dma_free_pages. Every check that fails is reported,
 * in the kernel's order; the entry is then removed and its cacheline released.
 */
export function debugUnmap(s: DebugState, ref: DebugUnmapRef): Finding[] {
  const out: Finding[] = [];
  const k = kernelType(s.kernel, ref.type);
  const r: Ref = { dev: ref.dev, devAddr: ref.devAddr, size: ref.size, k, dir: ref.dir, sgCallEnts: k === K_SG ? (ref.sgCallEnts ?? 0) : 0 };
  const e = bucketFind(s.buckets[hashFn(s, ref.devAddr)]!, r, false);
  const fn = 'check_unmap';
  if (!e) {
    // dma_mapping_error(ref->dev, ref->dev_addr): also runs debug_dma_mapping_error()
    markChecked(s, ref.dev, ref.devAddr);
    if (ref.devAddr === DMA_MAPPING_ERROR) {
      errPrintk(s, out, 'unmap/invalid-address', ref.dev, 'dma-debug.unmap-invalid-address', {}, why(s, fn, RULES.invalidAddress), null);
    } else {
      errPrintk(
        s,
        out,
        'unmap/not-allocated',
        ref.dev,
        'dma-debug.unmap-not-allocated',
        { addr: hex16(ref.devAddr), size: ref.size },
        why(s, fn, RULES.notAllocated),
        null,
      );
    }
    return out;
  }
  if (ref.size !== e.size) {
    errPrintk(s, out, 'unmap/size-mismatch', ref.dev, 'dma-debug.unmap-size', { addr: hex16(ref.devAddr), mapSize: e.size, unmapSize: ref.size }, why(s, fn, RULES.sizeMismatch), e);
  }
  if (k !== e.k) {
    errPrintk(
      s,
      out,
      'unmap/wrong-function',
      ref.dev,
      'dma-debug.unmap-wrong-function',
      { addr: hex16(ref.devAddr), size: ref.size, mapped: s.typeNames[e.k]!, unmapped: s.typeNames[k]! },
      why(s, fn, RULES.wrongFunction),
      e,
    );
  } else if (e.k === K_COHERENT || e.k === K_NONCOHERENT) {
    const freed = freePaddr(e, ref);
    if (freed !== e.paddr) {
      // 0x%016llx before 6.13; "0x%pa" (which prints its own 0x) from 6.13: the catalogue's wordings
      errPrintk(
        s,
        out,
        'unmap/cpu-address',
        ref.dev,
        'dma-debug.unmap-cpu-address',
        { addr: hex16(ref.devAddr), size: ref.size, alloc: hex16(e.paddr), free: hex16(freed) },
        why(s, fn, RULES.cpuAddress),
        e,
      );
    }
  }
  if (r.sgCallEnts && k === K_SG && r.sgCallEnts !== e.sgCallEnts) {
    errPrintk(s, out, 'unmap/sg-count', ref.dev, 'dma-debug.unmap-sg-count', { mapCount: e.sgCallEnts, unmapCount: r.sgCallEnts }, why(s, fn, RULES.sgCountUnmap), e);
  }
  if (ref.dir !== e.dir) {
    errPrintk(
      s,
      out,
      'unmap/direction',
      ref.dev,
      'dma-debug.unmap-direction',
      { addr: hex16(ref.devAddr), size: ref.size, mapped: DIR_NAMES[e.dir], unmapped: DIR_NAMES[ref.dir] },
      why(s, fn, RULES.directionUnmap),
      e,
    );
  }
  if (e.mapErr === 'not-checked' && !s.mapErrorUnknown) {
    // no space before '[' in the kernel's string
    errPrintk(s, out, 'unmap/map-error-not-checked', ref.dev, 'dma-debug.map-error-not-checked', { addr: hex16(ref.devAddr), size: ref.size, type: s.typeNames[e.k]! }, why(s, fn, RULES.mapErrorNotChecked), e);
  }
  removeRecord(s, e);
  return out;
}

// ---------------------------------------------------------------------------
// Sync

export interface DebugSyncRef {
  dev: string;
  devAddr: number;
  size: number;
  dir: DmaDir;
  /** dma_sync_sg_*: the nents passed to the sync (makes the reference an sg one). */
  sgCallEnts?: number;
  /** dma_get_max_seg_size(dev): bounds the walk back before 6.0 (default 65536). */
  maxSegSize?: number;
}

/**
 * check_sync(): run by dma_sync_single_for_{cpu,device} and, per mapped entry,
 * dma_sync_sg_for_{cpu,device}. Looks for a mapping of this device containing
 * [addr, addr+size); then the range, direction and sg-count checks.
 */
export function debugSync(s: DebugState, ref: DebugSyncRef, forCpu: boolean): Finding[] {
  const out: Finding[] = [];
  const sgEnts = ref.sgCallEnts ?? 0;
  const r: Ref = { dev: ref.dev, devAddr: ref.devAddr, size: ref.size, k: sgEnts ? K_SG : K_SINGLE, dir: ref.dir, sgCallEnts: sgEnts };
  const fn = 'check_sync';
  const e = bucketFindContain(s, r, ref.maxSegSize ?? DEFAULT_MAX_SEG_SIZE);
  if (!e) {
    errPrintk(
      s,
      out,
      'sync/not-allocated',
      ref.dev,
      'dma-debug.sync-not-allocated',
      { addr: hex16(ref.devAddr), size: ref.size },
      why(s, fn, RULES.syncNotAllocated),
      null,
    );
    return out;
  }
  if (ref.size > e.size) {
    // unreachable in practice: a containing entry is never smaller than the range
    errPrintk(
      s,
      out,
      'sync/outside-range',
      ref.dev,
      'dma-debug.sync-outside-range',
      { addr: hex16(e.devAddr), size: e.size, end: ref.size },
      why(s, fn, RULES.syncOutside),
      e,
    );
  }
  if (e.dir === 'DMA_BIDIRECTIONAL') return out;
  if (ref.dir !== e.dir) {
    errPrintk(s, out, 'sync/direction-mismatch', ref.dev, 'dma-debug.sync-direction', syncArgs(ref.devAddr, e.size, e.dir, ref.dir), why(s, fn, RULES.syncDirection), e);
  }
  if (forCpu && e.dir !== 'DMA_FROM_DEVICE' && ref.dir !== 'DMA_TO_DEVICE') {
    errPrintk(s, out, 'sync/device-read-only', ref.dev, 'dma-debug.sync-device-read-only', syncArgs(ref.devAddr, e.size, e.dir, ref.dir), why(s, fn, RULES.syncReadOnly), e);
  }
  if (!forCpu && e.dir !== 'DMA_TO_DEVICE' && ref.dir !== 'DMA_FROM_DEVICE') {
    errPrintk(s, out, 'sync/device-write-only', ref.dev, 'dma-debug.sync-device-write-only', syncArgs(ref.devAddr, e.size, e.dir, ref.dir), why(s, fn, RULES.syncWriteOnly), e);
  }
  if (sgEnts && sgEnts !== e.sgCallEnts) {
    errPrintk(s, out, 'sync/sg-count', ref.dev, 'dma-debug.sync-sg-count', { mapCount: e.sgCallEnts, syncCount: sgEnts }, why(s, fn, RULES.sgCountSync), e);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Scatter-gather: the kernel's loops around check_unmap / check_sync

/** One scatterlist entry as dma-debug reads it: sg_dma_address(s), sg_dma_len(s), sg_phys(s), s->length. */
export interface DebugSgEntry {
  devAddr: number;
  dmaLen: number;
  paddr: number;
  /** s->length (the CPU length), for check_sg_segment; defaults to dmaLen. */
  length?: number;
  /** The entry's page is on the task stack: its virtual address, for check_for_stack. */
  stackVa?: number;
  /** …and the stack is vmalloc'd (CONFIG_VMAP_STACK): the report says "probable addr". */
  stackVmapped?: boolean;
}

/** get_nr_mapped_entries(): sg_mapped_ents of the best-fit exact match of the first entry, or 0. */
function nrMappedEntries(s: DebugState, dev: string, sg: DebugSgEntry, nelems: number, dir: DmaDir): number {
  const e = bucketFind(s.buckets[hashFn(s, sg.devAddr)]!, { dev, devAddr: sg.devAddr, size: sg.dmaLen, k: K_SG, dir, sgCallEnts: nelems }, false);
  return e ? e.sgMappedEnts : 0;
}

/** check_for_stack on one scatterlist entry (an entry with `stackVa`). */
function stackCheck(s: DebugState, dev: string, e: DebugSgEntry, out: Finding[]): void {
  if (e.stackVa !== undefined) out.push(debugMapTimeFinding(s, dev, { kind: 'stack', addr: e.stackVa, probable: !!e.stackVmapped }));
}

/**
 * debug_dma_map_sg(): one entry per mapped segment (the first `mappedEnts`
 * scatterlist entries, DMA address and length from sg_dma_*, cacheline from the
 * same entry's sg_phys()), each preceded by check_sg_segment when enabled.
 * check_for_stack runs on all nents entries first (an entry with `stackVa`)
 * from 5.15, on each of the first mappedEnts entries just before its segment
 * before (DEBUG_GATES.sgChecksAllEntries);
 * check_for_illegal_area never fires here (no scenario buffer lies in the
 * kernel image).
 */
export function debugMapSg(
  s: DebugState,
  dev: string,
  sgl: DebugSgEntry[],
  nents: number,
  mappedEnts: number,
  dir: DmaDir,
  skipCpuSync: boolean,
  step: number,
  opts?: DebugMapOptions & { maxSegSize?: number; segBoundary?: number },
): Finding[] {
  const out: Finding[] = [];

  // From 5.15 (DEBUG_GATES.sgChecksAllEntries, 293d92cbbd24): for_each_sg(sg, s, nents, i) { check_for_stack(dev,
  // sg_page(s), s->offset); check_for_illegal_area(…); } first. Before, both ran inside the mapped_ents loop
  // below, so an entry merged into an earlier segment was never checked.
  const allEntries = s.kernel >= DEBUG_VERSIONS.sgChecksAllEntries;
  if (allEntries) for (let i = 0; i < nents && i < sgl.length; i++) stackCheck(s, dev, sgl[i]!, out);
  for (let i = 0; i < mappedEnts && i < sgl.length; i++) {
    const sg = sgl[i]!;
    if (!allEntries) stackCheck(s, dev, sg, out);
    if (s.sgChecks) out.push(...debugCheckSgSegment(s, dev, sg, opts?.maxSegSize ?? DEFAULT_MAX_SEG_SIZE, opts?.segBoundary ?? Number.MAX_SAFE_INTEGER));
    out.push(
      ...debugMap(
        s,
        { dev, devAddr: sg.devAddr, size: sg.dmaLen, type: 'scatter-gather', dir, paddr: sg.paddr, sgCallEnts: nents, sgMappedEnts: mappedEnts, cpuAddr: 0, mapErr: 'n/a', step },
        skipCpuSync,
        opts,
      ),
    );
  }
  return out;
}

/**
 * debug_dma_unmap_sg(): walks the `nelems` entries the driver passed; the first
 * one's exact match gives mapped_ents and the walk stops there. If that lookup
 * fails (mapped_ents 0) every one of the nelems entries goes to check_unmap.
 */
export function debugUnmapSg(s: DebugState, dev: string, sgl: DebugSgEntry[], nelems: number, dir: DmaDir): Finding[] {
  const out: Finding[] = [];
  let mapped = 0;
  for (let i = 0; i < nelems && i < sgl.length; i++) {
    const sg = sgl[i]!;
    if (mapped && i >= mapped) break;
    if (i === 0) mapped = nrMappedEntries(s, dev, sg, nelems, dir);
    out.push(...debugUnmap(s, { dev, devAddr: sg.devAddr, size: sg.dmaLen, type: 'scatter-gather', dir, sgCallEnts: nelems }));
  }
  return out;
}

/**
 * debug_dma_sync_sg_for_{cpu,device}(): like unmap, but when the first entry
 * has no exact match (mapped_ents 0) nothing at all is checked.
 */
export function debugSyncSg(s: DebugState, dev: string, sgl: DebugSgEntry[], nelems: number, dir: DmaDir, forCpu: boolean): Finding[] {
  const out: Finding[] = [];
  let mapped = 0;
  for (let i = 0; i < nelems && i < sgl.length; i++) {
    const sg = sgl[i]!;
    if (i === 0) mapped = nrMappedEntries(s, dev, sg, nelems, dir);
    if (i >= mapped) break;
    out.push(...debugSync(s, { dev, devAddr: sg.devAddr, size: sg.dmaLen, dir, sgCallEnts: nelems }, forCpu));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Driver unbind

/**
 * dma_debug_device_change(BUS_NOTIFY_UNBOUND_DRIVER): count this device's live
 * entries (coherent allocations included) and show the last one found walking
 * the hash in bucket order. The entries stay (they are leaked).
 */
export function debugReleaseDriver(s: DebugState, dev: string): Finding[] {
  let count = 0;
  let last: DebugRecord | null = null;
  for (const e of liveRecords(s)) {
    if (e.dev !== dev) continue;
    count++;
    if (!last || e.bucket > last.bucket || (e.bucket === last.bucket && e.seq > last.seq)) last = e;
  }
  if (!last) return [];
  const out: Finding[] = [];
  errPrintk(
    s,
    out,
    'release/pending-allocations',
    dev,
    'dma-debug.release-pending',
    { count, addr: hex16(last.devAddr), size: last.size, dir: DIR_NAMES[last.dir], type: last.typeName },
    why(s, 'dma_debug_device_change', RULES.pending),
    last,
  );
  return out;
}

// ---------------------------------------------------------------------------
// Hooks: what the DMA API's front door calls (kernel/dma/debug.h,
// include/linux/dma-debug.h), one per API call with that call's own
// arguments; each builds the entry or reference the checks above read.

/** The device as dma-debug reads it: its name and dma_get_max_seg_size(dev). */
export interface DebugDevice {
  name: string;
  maxSegSize: number;
}

/** The DMA_ATTR_* dma-debug reads: DMA_ATTR_SKIP_CPU_SYNC silences add_dma_entry's EEXIST report. */
export interface DebugAttrs {
  skipCpuSync: boolean;
}

/**
 * What the explorer passes with every call that makes an entry: the step
 * (standing in for the entry's "Mapped at:" stack trace) and whether swiotlb
 * bounces unaligned kmalloc buffers for the device (DebugMapOptions).
 */
export interface DebugCall {
  step: number;
  bounceUnalignedKmalloc: boolean;
}

/** A CPU address as dma-debug reads it (virt_to_paddr / vmalloc_to_pfn of it, or page_to_phys of the page). */
export interface DebugCpuAddr {
  va: number;
  paddr: number;
}

/** debug_dma_map_single(dev, addr, len): dma_map_single of a vmalloc address (the map itself goes on, before 5.5). */
export function debugDmaMapSingle(s: DebugState, dev: DebugDevice, addr: number, len: number): Finding[] {
  return [debugMapTimeFinding(s, dev.name, { kind: 'vmalloc', addr, len })];
}

/** The page check_for_stack() finds on the task stack: its address, and whether the stack is vmalloc'd (the report says "probable addr"). */
export interface DebugStackPage {
  addr: number;
  probable: boolean;
}

/**
 * debug_dma_map_page(dev, page, offset, size, dir, dma_addr, attrs) — from
 * 6.18 debug_dma_map_phys(dev, phys, size, dir, dma_addr, attrs); `paddr` is
 * the page plus offset, `stack` what check_for_stack() finds for that page
 * (the explorer compares it with the task stack, dma-debug with its pages).
 * `api` is the call the driver made (dma_map_single or dma_map_page: before
 * 5.1 the entry types differ, as the 4.x hook's map_single flag said). As in
 * the kernel the checks run after the back end mapped, and not at all when
 * it failed (the caller does not call the hook then).
 */
export function debugDmaMapPage(s: DebugState, dev: DebugDevice, paddr: number, size: number, dir: DmaDir, dmaAddr: number, attrs: DebugAttrs, api: 'single' | 'page', stack: DebugStackPage | null, at: DebugCall): Finding[] {
  const first = stack ? debugMapTimeFinding(s, dev.name, { kind: 'stack', ...stack }) : null;
  const e: DebugEntry = { dev: dev.name, devAddr: dmaAddr, size, type: api, dir, paddr, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: 0, mapErr: 'not-checked', step: at.step };
  // `at` carries bounceUnalignedKmalloc, all the options a map takes
  const found = debugMap(s, e, attrs.skipCpuSync, at);
  return first ? [first, ...found] : found;
}

/** debug_dma_unmap_page(dev, dma_addr, size, dir) (debug_dma_unmap_phys from 6.18). */
export function debugDmaUnmapPage(s: DebugState, dev: DebugDevice, dmaAddr: number, size: number, dir: DmaDir, api: 'single' | 'page'): Finding[] {
  return debugUnmap(s, { dev: dev.name, devAddr: dmaAddr, size, type: api, dir });
}

/** debug_dma_map_sg(dev, sg, nents, mapped_ents, dir, attrs). */
export function debugDmaMapSg(s: DebugState, dev: DebugDevice, sg: DebugSgEntry[], nents: number, mappedEnts: number, dir: DmaDir, attrs: DebugAttrs, at: DebugCall): Finding[] {
  return debugMapSg(s, dev.name, sg, nents, mappedEnts, dir, attrs.skipCpuSync, at.step, { bounceUnalignedKmalloc: at.bounceUnalignedKmalloc, maxSegSize: dev.maxSegSize });
}

/** debug_dma_unmap_sg(dev, sglist, nelems, dir). */
export function debugDmaUnmapSg(s: DebugState, dev: DebugDevice, sglist: DebugSgEntry[], nelems: number, dir: DmaDir): Finding[] {
  return debugUnmapSg(s, dev.name, sglist, nelems, dir);
}

/** debug_dma_sync_single_for_cpu(dev, dma_handle, size, dir). */
export function debugDmaSyncSingleForCpu(s: DebugState, dev: DebugDevice, dmaHandle: number, size: number, dir: DmaDir): Finding[] {
  return debugSync(s, { dev: dev.name, devAddr: dmaHandle, size, dir, maxSegSize: dev.maxSegSize }, true);
}

/** debug_dma_sync_single_for_device(dev, dma_handle, size, dir). */
export function debugDmaSyncSingleForDevice(s: DebugState, dev: DebugDevice, dmaHandle: number, size: number, dir: DmaDir): Finding[] {
  return debugSync(s, { dev: dev.name, devAddr: dmaHandle, size, dir, maxSegSize: dev.maxSegSize }, false);
}

/** debug_dma_sync_sg_for_cpu(dev, sg, nelems, dir). */
export function debugDmaSyncSgForCpu(s: DebugState, dev: DebugDevice, sg: DebugSgEntry[], nelems: number, dir: DmaDir): Finding[] {
  return debugSyncSg(s, dev.name, sg, nelems, dir, true);
}

/** debug_dma_sync_sg_for_device(dev, sg, nelems, dir). */
export function debugDmaSyncSgForDevice(s: DebugState, dev: DebugDevice, sg: DebugSgEntry[], nelems: number, dir: DmaDir): Finding[] {
  return debugSyncSg(s, dev.name, sg, nelems, dir, false);
}

/** debug_dma_alloc_coherent(dev, size, dma_addr, virt, attrs). */
export function debugDmaAllocCoherent(s: DebugState, dev: DebugDevice, size: number, dmaAddr: number, virt: DebugCpuAddr, attrs: DebugAttrs, at: DebugCall): Finding[] {
  const e: DebugEntry = { dev: dev.name, devAddr: dmaAddr, size, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', paddr: virt.paddr, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: virt.va, mapErr: 'n/a', step: at.step };
  return debugMap(s, e, attrs.skipCpuSync, { bounceUnalignedKmalloc: at.bounceUnalignedKmalloc });
}

/** debug_dma_free_coherent(dev, size, virt, dma_addr); `virt` null when the driver passes a pointer the explorer cannot resolve. */
export function debugDmaFreeCoherent(s: DebugState, dev: DebugDevice, size: number, virt: Partial<DebugCpuAddr> | null, dmaAddr: number): Finding[] {
  return debugUnmap(s, { dev: dev.name, devAddr: dmaAddr, size, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: virt?.va ?? 0, cpuPaddr: virt?.paddr });
}

/** debug_dma_alloc_pages(dev, page, size, dir, dma_addr, attrs): dma_alloc_pages and dma_alloc_noncoherent. */
export function debugDmaAllocPages(s: DebugState, dev: DebugDevice, page: DebugCpuAddr, size: number, dir: DmaDir, dmaAddr: number, attrs: DebugAttrs, at: DebugCall): Finding[] {
  const e: DebugEntry = { dev: dev.name, devAddr: dmaAddr, size, type: 'noncoherent', dir, paddr: page.paddr, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: page.va, mapErr: 'n/a', step: at.step };
  return debugMap(s, e, attrs.skipCpuSync, { bounceUnalignedKmalloc: at.bounceUnalignedKmalloc });
}

/** debug_dma_free_pages(dev, page, size, dir, dma_addr). */
export function debugDmaFreePages(s: DebugState, dev: DebugDevice, page: Partial<DebugCpuAddr> | null, size: number, dir: DmaDir, dmaAddr: number): Finding[] {
  return debugUnmap(s, { dev: dev.name, devAddr: dmaAddr, size, type: 'noncoherent', dir, cpuAddr: page?.va ?? 0, cpuPaddr: page?.paddr });
}

// ---------------------------------------------------------------------------
// Views

/** Live entries in the order they were made (copies; the kernel type and its printed name filled in). */
export function debugLiveEntries(s: DebugState): DebugEntry[] {
  const out: DebugEntry[] = [];
  for (const e of liveRecords(s)) {
    out.push({
      dev: e.dev,
      devAddr: e.devAddr,
      size: e.size,
      type: e.type,
      dir: e.dir,
      paddr: e.paddr,
      sgCallEnts: e.sgCallEnts,
      sgMappedEnts: e.sgMappedEnts,
      cpuAddr: e.cpuAddr,
      mapErr: e.mapErr,
      step: e.step,
      typeName: e.typeName,
    });
  }
  return out;
}

/** Active cachelines and how many mappings start in each (overlap count + 1). */
export function debugActiveCachelines(s: DebugState): Array<{ line: number; mappings: number }> {
  const out: Array<{ line: number; mappings: number }> = [];
  for (const [cln, overlap] of s.cachelines) out.push({ line: cln * 2 ** s.l1CacheShift, mappings: overlap + 1 });
  return out.sort((a, b) => a.line - b.line);
}

// ---------------------------------------------------------------------------
// Map-time checks (15–19): the caller decides when they apply

/**
 * `%p` of a kernel virtual address, in the engine's convention (format.ts
 * kernelPtr). Kernels since 4.15 print a hashed value instead of the real pointer.
 */
const ptr = kernelPtr;

/** The catalogue message each map-time check prints. */
const MAP_TIME_IDS = {
  stack: 'dma-debug.map-stack',
  vmalloc: 'dma-debug.map-vmalloc',
  'invalid-area': 'dma-debug.map-invalid-area',
  'kernel-text': 'dma-debug.map-kernel-text',
  'sg-too-long': 'dma-debug.sg-segment-too-long',
  'sg-boundary': 'dma-debug.sg-segment-boundary',
} as const satisfies Record<MapTimeCheck['kind'], MessageId>;

/** The kernel's text for the map-time checks; `kernel` picks the version's wording (default: newest). */
export const debugMessages = {
  /** check_for_stack(): a linear-map stack (`[addr=%p]`) or a page of a vmapped stack (`[probable addr=%p]`, 4.9+). */
  mapsFromStack(dev: string, addr: number, probable: boolean, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS.stack, { where: probable ? 'probable addr' : 'addr', addr: ptr(addr) });
  },
  /** debug_dma_map_single(): is_vmalloc_addr(). */
  mapsFromVmalloc(dev: string, addr: number, len: number, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS.vmalloc, { addr: ptr(addr), len });
  },
  /** debug_dma_map_single(): !virt_addr_valid(). */
  mapsFromInvalidArea(dev: string, addr: number, len: number, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS['invalid-area'], { addr: ptr(addr), len });
  },
  /** check_for_illegal_area(): intersects _stext.._etext or __start_rodata..__end_rodata. */
  mapsKernelText(dev: string, addr: number, len: number, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS['kernel-text'], { addr: ptr(addr), len });
  },
  /** check_sg_segment(): sg->length > dma_get_max_seg_size(). */
  sgSegmentTooLong(dev: string, len: number, max: number, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS['sg-too-long'], { len, max });
  },
  /** check_sg_segment(): the DMA segment crosses dma_get_seg_boundary(). */
  sgSegmentAcrossBoundary(dev: string, start: number, end: number, boundary: number, kernel: number = NEWEST): string {
    return line(kernel, dev, MAP_TIME_IDS['sg-boundary'], { start: hex16(start), end: hex16(end), boundary: hex16(boundary) });
  },
};

export type MapTimeCheck =
  | { kind: 'stack'; addr: number; probable: boolean }
  | { kind: 'vmalloc'; addr: number; len: number }
  | { kind: 'invalid-area'; addr: number; len: number }
  | { kind: 'kernel-text'; addr: number; len: number }
  | { kind: 'sg-too-long'; len: number; max: number }
  | { kind: 'sg-boundary'; start: number; end: number; boundary: number };

/** A map-time check that fired, as an err_printk finding (counted like the kernel counts it). */
export function debugMapTimeFinding(s: DebugState, dev: string, c: MapTimeCheck): Finding {
  const k = s.kernel;
  let rule: string;
  let fn: string;
  let text: string;
  let because: string;
  switch (c.kind) {
    case 'stack':
      rule = 'map/stack';
      fn = 'check_for_stack';
      text = debugMessages.mapsFromStack(dev, c.addr, c.probable, k);
      because = c.probable
        ? "the page is one of the task's vmalloc'd stack pages: stack memory must never be mapped for DMA"
        : 'the address is on the current task stack: stack memory must never be mapped for DMA';
      break;
    case 'vmalloc':
      rule = 'map/vmalloc';
      fn = 'debug_dma_map_single';
      text = debugMessages.mapsFromVmalloc(dev, c.addr, c.len, k);
      because = 'dma_map_single needs a linear-map address; a vmalloc address has no single struct page behind it';
      break;
    case 'invalid-area':
      rule = 'map/invalid-area';
      fn = 'debug_dma_map_single';
      text = debugMessages.mapsFromInvalidArea(dev, c.addr, c.len, k);
      because = 'virt_addr_valid() is false: the pointer is not in the linear map, so virt_to_page() gives garbage';
      break;
    case 'kernel-text':
      rule = 'map/kernel-text';
      fn = 'check_for_illegal_area';
      text = debugMessages.mapsKernelText(dev, c.addr, c.len, k);
      because = 'the buffer overlaps the kernel image text or rodata, which must never be a DMA target';
      break;
    case 'sg-too-long':
      rule = 'sg/segment-too-long';
      fn = 'check_sg_segment';
      text = debugMessages.sgSegmentTooLong(dev, c.len, c.max, k);
      because = 'a segment is longer than dma_get_max_seg_size() says the device supports';
      break;
    case 'sg-boundary':
      rule = 'sg/segment-boundary';
      fn = 'check_sg_segment';
      text = debugMessages.sgSegmentAcrossBoundary(dev, c.start, c.end, c.boundary, k);
      because = 'a DMA segment crosses the dma_get_seg_boundary() mask the device cannot cross';
      break;
  }
  // err_printk(dev, NULL, …): the message already carries the prefix
  s.errorCount += 1;
  const kernelPrints = s.showNumErrors > 0;
  if (s.showNumErrors > 0) s.showNumErrors -= 1;
  return { rule, id: MAP_TIME_IDS[c.kind], message: text, why: why(s, fn, because), kernelPrints };
}

/**
 * check_sg_segment() for one mapped entry: the CPU length against the max
 * segment size, then the DMA range against the segment boundary mask
 * (`(start ^ end) & ~boundary`; boundary masks are 2^n - 1, and one at or above
 * 2^53 - 1 stands for ULONG_MAX). Runs only when `s.sgChecks`.
 */
export function debugCheckSgSegment(s: DebugState, dev: string, sg: DebugSgEntry, maxSeg: number, boundary: number): Finding[] {
  const out: Finding[] = [];
  if (!s.sgChecks) return out;
  const length = sg.length ?? sg.dmaLen;
  if (length > maxSeg) out.push(debugMapTimeFinding(s, dev, { kind: 'sg-too-long', len: length, max: maxSeg }));
  if (boundary < Number.MAX_SAFE_INTEGER) {
    const start = sg.devAddr;
    const end = start + sg.dmaLen - 1;
    const span = boundary + 1;
    if (Math.floor(start / span) !== Math.floor(end / span)) out.push(debugMapTimeFinding(s, dev, { kind: 'sg-boundary', start, end, boundary }));
  }
  return out;
}
