/**
 * IOVA allocator — mirrors `drivers/iommu/iova.c`.
 *
 * What it is for: dma-iommu (`iommu_dma_alloc_iova` / `iommu_dma_free_iova`)
 * asks this allocator for a range of I/O virtual page frames below the
 * device's DMA limit, and gives it back at unmap (strict) or when the flush
 * queue releases it (lazy). The allocator decides *which* IOVA a mapping gets,
 * so the explorer shows the same addresses the kernel's policy produces for a
 * simple configuration (one CPU, empty domain).
 *
 * Kernel behaviour kept:
 * - `init_iova_domain`: granule = smallest IOMMU page size, `start_pfn =
 *   max(1, aperture_start >> order)` (IOVA 0 is never handed out),
 *   `dma_32bit_pfn = 1 << (32 - shift)`, `max32_alloc_size`.
 * - `alloc_iova_fast`: sizes below 32 granules rounded up to a power of two
 *   (older kernels did this rounding in `iommu_dma_alloc_iova` instead; same
 *   result);
 *   rcache first, then the tree (`alloc_iova(..., size_aligned = true)`), then
 *   (if `flush_rcache`) `free_cpu_cached_iovas` + `free_global_cached_iovas`
 *   and one retry.
 * - `__alloc_and_insert_iova_range`: top-down walk from the cached node
 *   (`cached32_node` for limits ≤ 4 GiB, `cached_node` otherwise), candidate
 *   `(min(high, next.pfn_lo) - size) & align_mask`, one retry from the limit
 *   with `low_pfn = retry_pfn + 1`, `max32_alloc_size` fast-fail, and the
 *   `__cached_rbnode_insert_update` / `__cached_rbnode_delete_update` rules.
 * - rcache: 6 size bins (1..32 granules, bin = `order_base_2(size)`), per CPU a
 *   `loaded` and a `prev` magazine of `IOVA_MAG_SIZE` = 127 pfns, full
 *   magazines pushed onto a LIFO depot; `iova_magazine_pop` takes the most
 *   recently pushed pfn that fits below the limit ("swap it to pop it").
 *   Cached ranges stay allocated in the tree.
 * - `reserve_iova` with the kernel's merge-into-overlapping-node behaviour.
 * - Before 4.15 (DMA_IOMMU_GATES.iovaNodeCaching, e60aa7b53845 "iommu/iova:
 *   Extend rbtree node caching" and its series), the 4.4–4.14 tree rules
 *   (`cached32Only`, set by dma-iommu from the kernel version): one
 *   `cached32_node`, remembered only by an allocation whose limit is exactly
 *   `dma_32bit_pfn` (inclusive: the end pfn of dma-iommu's 4 GiB DMA range)
 *   and used by any limit up to it (the walk then starts below it, with the
 *   limit replaced by its pfn_lo - 1); every other allocation walks from
 *   `rb_last`, so it finds holes above the last allocation. Padding
 *   `(limit_pfn + 1 - size) & (roundup_pow_of_two(size) - 1)`, no anchor
 *   node, no `max32_alloc_size`, no retry; freeing at or above the cached
 *   node moves it to the next node if that starts below `dma_32bit_pfn`,
 *   else forgets it. `allocIovaPlain` / `freeIovaNode` are the `alloc_iova`
 *   / `__free_iova` dma-iommu called before its rcache (4.12).
 *   `dma_32bit_pfn` there is what dma-iommu passed to init_iova_domain: the
 *   end pfn of the device's DMA range, taken here as of_dma_configure's
 *   default (coherent_dma_mask + 1 = 4 GiB; a dma-ranges property would move
 *   it). The rules are those of trees with the per-CPU rcache (4.7 on); the
 *   pre-4.7 trees stored here use the cache only when limit_pfn equals
 *   dma_32bit_pfn (`!=` where later trees have `>`), which differs only when
 *   one domain sees both a limit below 4 GiB and exactly the 32-bit one; that
 *   change's commit was not found and 4.4-4.6 are not told apart.
 *
 * Simplified:
 * - One CPU (so one `iova_cpu_rcache` per bin). `num_online_cpus()` = 1.
 * - The rbtree is a pair of sorted arrays (pfn_lo, pfn_hi) searched by
 *   bisection; the cached nodes are remembered by their pfn_lo. The walk order
 *   and the results are the rbtree's.
 * - The depot is trimmed only when the caller runs `iovaDepotWork` (the
 *   kernel's 100 ms delayed work `iova_depot_work_func`); no clock here.
 * - `CONFIG_IOMMU_LIMIT_IOVA_ALIGNMENT` (vendor trees) is not modelled.
 * - Misuse the kernel would not catch (freeing an IOVA that is not allocated,
 *   or freeing one twice into the rcache) is refused here with a note instead
 *   of corrupting the allocator; a range whose tree node is smaller than the
 *   bin the caller's size selects is returned to the tree instead of cached.
 */
import type { SimEvent, Why } from '../events.ts';
import { alignDown } from '../align.ts';
import { hex } from '../format.ts';

const FILE = 'drivers/iommu/iova.c';

/** `IOVA_RANGE_CACHE_MAX_SIZE`: number of rcache size bins (1, 2, 4, 8, 16, 32 granules). */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** `IOVA_MAG_SIZE`: pfns per magazine (127 so a magazine is 1024 bytes). */
export const IOVA_MAG_SIZE = 127;
/** Cached-node key meaning "the anchor node" (pfn_lo = pfn_hi = ~0UL). */
const ANCHOR = -1;

/** State of one tree node. */
export const IOVA_ALLOCATED = 0;
export const IOVA_RESERVED = 1;
/** Freed by the caller but parked in the rcache: still in the tree. */
export const IOVA_CACHED = 2;

export interface IovaMagazine {
  size: number;
  pfns: Float64Array;
}

export interface IovaRcache {
  /** The one CPU's `iova_cpu_rcache`. */
  loaded: IovaMagazine;
  prev: IovaMagazine;
  /** Full magazines; the top of the depot is the last element. */
  depot: IovaMagazine[];
}

export interface IovaDomain {
  /** Domain name used in events. */
  name: string;
  granule: number;
  shift: number;
  startPfn: number;
  dma32BitPfn: number;
  max32AllocSize: number;
  /** The rbtree, in pfn order: starts, ends (inclusive) and IOVA_* states. */
  lo: number[];
  hi: number[];
  state: number[];
  /** pfn_lo of `cached_node` / `cached32_node`, or -1 for the anchor. */
  cachedNode: number;
  cached32Node: number;
  rcaches: IovaRcache[];
  /**
   * The 4.4–4.14 tree rules (DMA_IOMMU_GATES.iovaNodeCaching): only
   * `cached32_node` (-1 = NULL), walks from `rb_last` otherwise. The domain
   * is created without a kernel version; dma-iommu sets this from it.
   */
  cached32Only: boolean;
}

export interface IovaDomainOptions {
  name: string;
  /** IOVA granule in bytes (smallest IOMMU page size); default 4096. */
  granule?: number;
  /** `domain->geometry.aperture_start` in bytes; default 0. */
  apertureStart?: number;
}

export interface IovaAllocResult {
  /** First pfn of the range, 0 on failure (pfn 0 is never handed out). */
  pfn: number;
  /** `pfn << shift`, 0 on failure. */
  iova: number;
  /** Granules actually taken (after power-of-two rounding). */
  pages: number;
  /** Came from the rcache rather than the tree. */
  fromRcache: boolean;
  /** The rcache was flushed back to the tree before the retry that answered. */
  flushedRcache: boolean;
  events: SimEvent[];
}

export interface IovaFreeResult {
  ok: boolean;
  /** Parked in the rcache (still allocated in the tree) rather than freed. */
  cached: boolean;
  events: SimEvent[];
}

export interface IovaRange {
  pfnLo: number;
  pfnHi: number;
  state: 'allocated' | 'reserved' | 'cached';
}

// ---------------------------------------------------------------------------
// small integer helpers (no 32-bit bitwise operators: pfns go up to 2^52)

function isPow2(x: number): boolean {
  return x > 0 && Number.isInteger(Math.log2(x));
}

/** `roundup_pow_of_two(x)` for x ≥ 1. */
export function roundupPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** `order_base_2(x)`: ceil(log2(x)), 0 for x ≤ 1. */
export function orderBase2(x: number): number {
  let o = 0;
  let p = 1;
  while (p < x) {
    p *= 2;
    o++;
  }
  return o;
}

// ---------------------------------------------------------------------------
// creation

function newMagazine(): IovaMagazine {
  return { size: 0, pfns: new Float64Array(IOVA_MAG_SIZE) };
}

/** `init_iova_domain(iovad, granule, start_pfn)` with dma-iommu's `start_pfn = max(1, aperture_start >> order)`. */
export function createIovaDomain(opts: IovaDomainOptions): IovaDomain {
  const granule = opts.granule ?? 4096;
  // BUG_ON((granule > PAGE_SIZE) || !is_power_of_2(granule))
  if (!isPow2(granule) || granule > 65536) throw new Error(`init_iova_domain: bad granule ${granule}`);
  const shift = Math.log2(granule);
  const startPfn = Math.max(1, Math.floor((opts.apertureStart ?? 0) / granule));
  const dma32BitPfn = 2 ** (32 - shift);
  const rcaches: IovaRcache[] = [];
  for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
    rcaches.push({ loaded: newMagazine(), prev: newMagazine(), depot: [] });
  }
  return {
    name: opts.name,
    granule,
    shift,
    startPfn,
    dma32BitPfn,
    max32AllocSize: dma32BitPfn,
    lo: [],
    hi: [],
    state: [],
    cachedNode: ANCHOR,
    cached32Node: ANCHOR,
    rcaches,
    cached32Only: false,
  };
}

/** `DMA_BIT_MASK(bits) >> shift`: the inclusive limit pfn for a device mask of `bits` bits. */
export function limitPfnForBits(d: IovaDomain, bits: number): number {
  if (bits <= d.shift) return 0;
  return 2 ** (bits - d.shift) - 1;
}

/** Inclusive limit pfn for an inclusive byte limit (`dma_limit >> shift`). */
export function limitPfnForAddr(d: IovaDomain, dmaLimit: number): number {
  return Math.floor(dmaLimit / d.granule);
}

// ---------------------------------------------------------------------------
// the tree

/** Index of the last node with pfn_lo ≤ pfn, or -1. */
function floorIndex(lo: number[], pfn: number): number {
  let a = 0;
  let b = lo.length - 1;
  let r = -1;
  while (a <= b) {
    const m = (a + b) >>> 1;
    if (lo[m] <= pfn) {
      r = m;
      a = m + 1;
    } else b = m - 1;
  }
  return r;
}

/** `private_find_iova`: index of the node containing pfn, or -1. */
function findIndex(d: IovaDomain, pfn: number): number {
  const k = floorIndex(d.lo, pfn);
  return k >= 0 && d.hi[k] >= pfn ? k : -1;
}

/** Index of the node whose pfn_lo is `key`, or lo.length for the anchor. */
function indexOfKey(d: IovaDomain, key: number): number {
  if (key === ANCHOR) return d.lo.length;
  const k = floorIndex(d.lo, key);
  // The cached node always exists in the tree.
  return k;
}

/** `__get_cached_rbnode`. */
function cachedIndex(d: IovaDomain, limitPfnExcl: number): number {
  return indexOfKey(d, limitPfnExcl <= d.dma32BitPfn ? d.cached32Node : d.cachedNode);
}

/**
 * `iova_find_limit`: where the retry walk starts. The anchor for limits above
 * 4 GiB; otherwise the lowest node that reaches up to the limit (the walk from
 * there gives the same candidate as the kernel's exact starting node).
 */
function findLimitIndex(d: IovaDomain, limitPfnExcl: number): number {
  const n = d.lo.length;
  if (limitPfnExcl > d.dma32BitPfn) return n;
  let a = 0;
  let b = n - 1;
  let r = n;
  while (a <= b) {
    const m = (a + b) >>> 1;
    if (d.hi[m] >= limitPfnExcl) {
      r = m;
      b = m - 1;
    } else a = m + 1;
  }
  return r;
}

/**
 * `__alloc_and_insert_iova_range(iovad, size, limit_pfn, new, size_aligned)`.
 * `limitPfnExcl` is the kernel's `limit_pfn` here (exclusive: callers pass
 * limit + 1). Returns the new pfn_lo, or -1 (-ENOMEM).
 */
function allocAndInsertRange(d: IovaDomain, size: number, limitPfnExcl: number, sizeAligned: boolean): number {
  // align_mask <<= fls_long(size - 1): alignment = roundup_pow_of_two(size)
  const align = sizeAligned ? roundupPow2(size) : 1;
  if (limitPfnExcl <= d.dma32BitPfn && size >= d.max32AllocSize) return -1; // iova32_full

  const lo = d.lo;
  const hi = d.hi;
  let curIdx = cachedIndex(d, limitPfnExcl);
  const retryPfn = curIdx === lo.length ? Infinity : hi[curIdx];
  let high = limitPfnExcl;
  let low = d.startPfn;
  let newPfn = 0;
  let prevIdx = 0;
  let retried = false;
  for (;;) {
    do {
      const curLo = curIdx >= lo.length ? Infinity : lo[curIdx];
      if (curLo < high) high = curLo;
      newPfn = alignDown(high - size, align);
      prevIdx = curIdx;
      curIdx--;
    } while (curIdx >= 0 && newPfn <= hi[curIdx] && newPfn >= low);

    if (high < size || newPfn < low) {
      if (!retried && low === d.startPfn && retryPfn < limitPfnExcl) {
        retried = true;
        high = limitPfnExcl;
        low = retryPfn + 1;
        curIdx = findLimitIndex(d, limitPfnExcl);
        continue;
      }
      d.max32AllocSize = size;
      return -1;
    }
    break;
  }
  // iova_insert_rbtree(&iovad->rbroot, new, prev): the new node sits just below prev.
  lo.splice(prevIdx, 0, newPfn);
  hi.splice(prevIdx, 0, newPfn + size - 1);
  d.state.splice(prevIdx, 0, IOVA_ALLOCATED);
  // __cached_rbnode_insert_update
  if (newPfn + size - 1 < d.dma32BitPfn) d.cached32Node = newPfn;
  else d.cachedNode = newPfn;
  return newPfn;
}

/** `dma_32bit_pfn` of the 4.4–4.14 trees: dma-iommu's end_pfn, inclusive (the last pfn below 4 GiB). */
function end32Pfn(d: IovaDomain): number {
  return d.dma32BitPfn - 1;
}

/** `iova_get_pad_size(size, limit_pfn)` of the 4.4–4.14 trees: `(limit_pfn + 1 - size) & (roundup_pow_of_two(size) - 1)`. */
function padSizeCached32(size: number, limitPfn: number): number {
  const a = roundupPow2(size);
  const x = limitPfn + 1 - size;
  return ((x % a) + a) % a;
}

/** Does the 4.4–4.14 walk for `limitPfn` (inclusive) start below `cached32_node` (else at `rb_last`)? */
function startsAtCached32(d: IovaDomain, limitPfn: number): boolean {
  return limitPfn <= end32Pfn(d) && d.cached32Node !== ANCHOR;
}

/**
 * `__alloc_and_insert_iova_range(iovad, size, limit_pfn, new, size_aligned)`
 * of the 4.4–4.14 trees, `limitPfn` inclusive. Returns the new pfn_lo or -1.
 */
function allocAndInsertRangeCached32(d: IovaDomain, size: number, limitPfn: number, sizeAligned: boolean): number {
  const lo = d.lo;
  const hi = d.hi;
  const end32 = end32Pfn(d);
  const savedPfn = limitPfn;
  let limit = limitPfn;
  let cur: number;
  // __get_cached_rbnode(iovad, &limit_pfn)
  if (!startsAtCached32(d, limit)) {
    cur = lo.length - 1; // rb_last
  } else {
    const c = indexOfKey(d, d.cached32Node);
    limit = lo[c] - 1; // *limit_pfn = curr_iova->pfn_lo - 1, whatever the caller's limit was
    cur = c - 1; // rb_prev(cached32_node)
  }
  let pad = 0;
  while (cur >= 0) {
    if (limit < lo[cur]) {
      // move_left
    } else if (limit < hi[cur]) {
      limit = lo[cur] ? lo[cur] - 1 : 0; // adjust_limit_pfn
    } else {
      if (sizeAligned) pad = padSizeCached32(size, limit);
      if (hi[cur] + size + pad <= limit) break; // found a free slot
      limit = lo[cur] ? lo[cur] - 1 : 0;
    }
    cur--;
  }
  if (cur < 0) {
    if (sizeAligned) pad = padSizeCached32(size, limit);
    if (d.startPfn + size + pad > limit) return -1;
  }
  // pfn_lo will point to size aligned address if size_aligned is set
  const pfnLo = limit - (size + pad) + 1;
  const at = cur + 1;
  lo.splice(at, 0, pfnLo);
  hi.splice(at, 0, pfnLo + size - 1);
  d.state.splice(at, 0, IOVA_ALLOCATED);
  // __cached_rbnode_insert_update(iovad, saved_pfn, new)
  if (savedPfn === end32) d.cached32Node = pfnLo;
  return pfnLo;
}

/** `remove_iova` = `__cached_rbnode_delete_update` + `rb_erase`, by index. */
function removeAt(d: IovaDomain, k: number): void {
  if (d.cached32Only) {
    // the 4.4–4.14 __cached_rbnode_delete_update: only cached32_node
    if (d.cached32Node !== ANCHOR && d.lo[k] >= d.cached32Node) {
      const next = k + 1 < d.lo.length ? d.lo[k + 1] : -1;
      // only cache if it's below 32bit pfn
      d.cached32Node = next >= 0 && next < end32Pfn(d) ? next : ANCHOR;
    }
    d.lo.splice(k, 1);
    d.hi.splice(k, 1);
    d.state.splice(k, 1);
    return;
  }
  const lo = d.lo;
  const fLo = lo[k];
  const fHi = d.hi[k];
  const nextKey = k + 1 < lo.length ? lo[k + 1] : ANCHOR;
  const c32 = d.cached32Node === ANCHOR ? Infinity : d.cached32Node;
  if (fLo === c32 || (fHi < d.dma32BitPfn && fLo >= c32)) d.cached32Node = nextKey;
  if (fLo < d.dma32BitPfn) d.max32AllocSize = d.dma32BitPfn;
  const c = d.cachedNode === ANCHOR ? Infinity : d.cachedNode;
  if (fLo >= c) d.cachedNode = nextKey;
  lo.splice(k, 1);
  d.hi.splice(k, 1);
  d.state.splice(k, 1);
}

// ---------------------------------------------------------------------------
// rcache (magazines)

function magFull(m: IovaMagazine): boolean {
  return m.size === IOVA_MAG_SIZE;
}

/** `iova_magazine_pop(mag, limit_pfn)`: most recent pfn ≤ limit; the top entry fills its slot. */
function magPop(m: IovaMagazine, limitPfn: number): number {
  const pfns = m.pfns;
  let i = m.size - 1;
  // Only fall back to the rbtree if we have no suitable pfns at all
  while (pfns[i] > limitPfn) {
    if (i === 0) return 0;
    i--;
  }
  const pfn = pfns[i];
  // Swap it to pop it
  m.size--;
  pfns[i] = pfns[m.size];
  return pfn;
}

/** `__iova_rcache_get(rcache, limit_pfn)`. */
function rcacheGet(rc: IovaRcache, limitPfn: number): number {
  let has = false;
  if (rc.loaded.size > 0) has = true;
  else if (rc.prev.size > 0) {
    const t = rc.loaded;
    rc.loaded = rc.prev;
    rc.prev = t;
    has = true;
  } else if (rc.depot.length > 0) {
    // iova_magazine_free(loaded); loaded = iova_depot_pop(rcache)
    rc.loaded = rc.depot.pop() as IovaMagazine;
    has = true;
  }
  return has ? magPop(rc.loaded, limitPfn) : 0;
}

/** `__iova_rcache_insert(iovad, rcache, pfn)`: always succeeds here (GFP_ATOMIC magazine allocation never fails). */
function rcacheInsert(rc: IovaRcache, pfn: number): void {
  if (magFull(rc.loaded)) {
    if (!magFull(rc.prev)) {
      const t = rc.loaded;
      rc.loaded = rc.prev;
      rc.prev = t;
    } else {
      // iova_depot_push(rcache, cpu_rcache->loaded); loaded = new magazine
      rc.depot.push(rc.loaded);
      rc.loaded = newMagazine();
    }
  }
  rc.loaded.pfns[rc.loaded.size++] = pfn;
}

/** `iova_magazine_free_pfns`: return every pfn of a magazine to the tree. */
function magFreePfns(d: IovaDomain, m: IovaMagazine): number {
  let n = 0;
  for (let i = 0; i < m.size; i++) {
    const k = findIndex(d, m.pfns[i]);
    if (k < 0) continue; // WARN_ON(!iova)
    removeAt(d, k);
    n++;
  }
  m.size = 0;
  return n;
}

// ---------------------------------------------------------------------------
// why

const WHY_RCACHE_HIT: Why = {
  fn: 'alloc_iova_fast',
  file: FILE,
  rule: 'Served from the per-CPU rcache: the most recently freed range of this size class that fits below the limit (iova_magazine_pop).',
};
const WHY_TREE: Why = {
  fn: '__alloc_and_insert_iova_range',
  file: FILE,
  rule: 'Top-down search from the cached node: the highest free range below the limit, aligned to roundup_pow_of_two(size).',
};
/** The tree search's explanation: the 4.4–4.14 walk says where it started (`limitPfn` inclusive, read before the search). */
function whyTree(d: IovaDomain, fn: string, limitPfn: number, size: number, prefix = ''): Why {
  if (!d.cached32Only) return { fn, file: FILE, rule: prefix + WHY_TREE.rule };
  const from =
    limitPfn > end32Pfn(d)
      ? 'from rb_last, the highest range in the tree (before 4.15 a limit above 4 GiB has no cached node), so holes above the last allocation are found'
      : d.cached32Node === ANCHOR
        ? 'from rb_last (cached32_node is not set: nothing allocated with the 32-bit limit yet, or a free at or above it forgot it)'
        : 'below cached32_node, with the limit lowered to just below it (before 4.15 the only cached node, set by the last allocation whose limit was exactly dma_32bit_pfn)';
  return { fn, file: FILE, rule: `${prefix}Top-down first fit ${from}: ${size} granule(s), aligned to roundup_pow_of_two(size) = ${roundupPow2(size)}.` };
}

const WHY_RCACHE_FREE: Why = {
  fn: 'free_iova_fast',
  file: FILE,
  rule: 'Parked in the per-CPU rcache for reuse; the range stays allocated in the tree until the rcache is flushed.',
};
const WHY_TREE_FREE: Why = {
  fn: 'free_iova',
  file: FILE,
  rule: 'Returned to the tree (too large for the rcache, or freed directly).',
};
const WHY_FLUSH: Why = {
  fn: 'alloc_iova_fast',
  file: FILE,
  rule: 'The tree had no room: free_cpu_cached_iovas() and free_global_cached_iovas() return every cached range to the tree, then the allocation is retried once.',
};
const WHY_MISUSE: Why = {
  fn: 'free_iova_fast',
  file: FILE,
  rule: 'The range is not allocated (or already cached); the kernel would corrupt its allocator here, the explorer refuses.',
};

// ---------------------------------------------------------------------------
// public operations

/**
 * `alloc_iova(iovad, size, limit_pfn, size_aligned)`: tree allocation only,
 * `limitPfn` inclusive. Returns pfn or 0.
 */
export function allocIovaTree(d: IovaDomain, size: number, limitPfn: number, sizeAligned: boolean): number {
  if (size < 1) return 0;
  const pfn = d.cached32Only ? allocAndInsertRangeCached32(d, size, limitPfn, sizeAligned) : allocAndInsertRange(d, size, limitPfn + 1, sizeAligned);
  return pfn < 0 ? 0 : pfn;
}

/**
 * `alloc_iova_fast(iovad, size, limit_pfn, flush_rcache)`. `limitPfn` is
 * inclusive (`dma_limit >> shift`). The PCI "32-bit first" attempt is the
 * caller's: call once with the 32-bit limit and `flushRcache = false`, then
 * with the full limit.
 */
export function allocIova(d: IovaDomain, sizePages: number, limitPfn: number, flushRcache = true): IovaAllocResult {
  const events: SimEvent[] = [];
  if (!(sizePages >= 1)) return { pfn: 0, iova: 0, pages: 0, fromRcache: false, flushedRcache: false, events };
  let size = sizePages;
  // Freeing non-power-of-two-sized allocations back into the IOVA caches
  // will come back to bite us badly, so round up anything cacheable.
  if (size < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)) size = roundupPow2(size);

  // iova_rcache_get(iovad, size, limit_pfn + 1) → __iova_rcache_get(rcache, limit_pfn + 1 - size)
  const bin = orderBase2(size);
  if (bin < IOVA_RANGE_CACHE_MAX_SIZE) {
    const pfn = rcacheGet(d.rcaches[bin], limitPfn + 1 - size);
    if (pfn) {
      const k = findIndex(d, pfn);
      if (k >= 0) d.state[k] = IOVA_ALLOCATED;
      const iova = pfn * d.granule;
      events.push({ kind: 'iova_alloc', domain: d.name, iova, size: size * d.granule, why: WHY_RCACHE_HIT });
      return { pfn, iova, pages: size, fromRcache: true, flushedRcache: false, events };
    }
  }

  let flushed = false;
  for (;;) {
    const why = d.cached32Only ? whyTree(d, WHY_TREE.fn, limitPfn, size, 'Not in the rcache: alloc_iova searches the tree. ') : WHY_TREE;
    const pfn = allocIovaTree(d, size, limitPfn, true);
    if (pfn) {
      const iova = pfn * d.granule;
      events.push({ kind: 'iova_alloc', domain: d.name, iova, size: size * d.granule, why });
      return { pfn, iova, pages: size, fromRcache: false, flushedRcache: flushed, events };
    }
    if (!flushRcache) return { pfn: 0, iova: 0, pages: size, fromRcache: false, flushedRcache: flushed, events };
    // Try replenishing IOVAs by flushing rcache.
    flushRcache = false;
    flushed = true;
    const n = flushIovaRcaches(d);
    events.push({ kind: 'note', text: `IOVA space below ${hex((limitPfn + 1) * d.granule)} full: rcache flushed (${n} cached ranges returned to the tree), retrying`, why: WHY_FLUSH });
  }
}

/**
 * `alloc_iova(iovad, size, limit_pfn, true)` as dma-iommu called it before its
 * rcache (4.4–4.11, DMA_IOMMU_GATES.perCpuIovaCache): straight to the tree,
 * exactly `sizePages` granules (no power-of-two rounding: nothing is ever
 * cached, so nothing needs it), aligned to roundup_pow_of_two(size) all the
 * same. `limitPfn` inclusive.
 */
export function allocIovaPlain(d: IovaDomain, sizePages: number, limitPfn: number): IovaAllocResult {
  const events: SimEvent[] = [];
  if (!(sizePages >= 1)) return { pfn: 0, iova: 0, pages: 0, fromRcache: false, flushedRcache: false, events };
  const why = whyTree(d, 'alloc_iova', limitPfn, sizePages, WHY_PLAIN);
  const pfn = allocIovaTree(d, sizePages, limitPfn, true);
  if (!pfn) return { pfn: 0, iova: 0, pages: sizePages, fromRcache: false, flushedRcache: false, events };
  const iova = pfn * d.granule;
  events.push({ kind: 'iova_alloc', domain: d.name, iova, size: sizePages * d.granule, why });
  return { pfn, iova, pages: sizePages, fromRcache: false, flushedRcache: false, events };
}

const WHY_PLAIN = 'Called directly, not alloc_iova_fast: dma-iommu has no per-CPU rcache before 4.12, so the size is not rounded up to a power of two (exactly the mapped granules are taken) and every allocation searches the tree. ';

const WHY_NODE_FREE: Why = {
  fn: '__free_iova',
  file: FILE,
  rule: 'The node is erased from the tree at once: dma-iommu has no per-CPU rcache before 4.12 (free_iova_fast would park small ranges there), so the range is free for the next allocation.',
};

/**
 * `__free_iova(iovad, find_iova(iovad, pfn))` as dma-iommu called it before
 * its rcache (4.4–4.11): the node containing `pfn` leaves the tree.
 */
export function freeIovaNode(d: IovaDomain, pfn: number): IovaFreeResult {
  const events: SimEvent[] = [];
  const k = findIndex(d, pfn);
  if (k < 0 || d.state[k] !== IOVA_ALLOCATED) return { ok: false, cached: false, events };
  const iova = d.lo[k] * d.granule;
  const size = (d.hi[k] - d.lo[k] + 1) * d.granule;
  removeAt(d, k);
  events.push({ kind: 'iova_free', domain: d.name, iova, size, deferred: false, why: WHY_NODE_FREE });
  return { ok: true, cached: false, events };
}

/**
 * `free_iova_fast(iovad, pfn, size)`: into the rcache when the size class is
 * cacheable (≤ 32 granules), otherwise `free_iova`. `sizePages` is the size
 * the caller mapped (dma-iommu passes the unrounded size; the bin is
 * `order_base_2(size)`, so 3 pages go back to the 4-page bin).
 */
export function freeIovaFast(d: IovaDomain, pfn: number, sizePages: number): IovaFreeResult {
  const events: SimEvent[] = [];
  const k = findIndex(d, pfn);
  if (k < 0 || d.lo[k] !== pfn || d.state[k] !== IOVA_ALLOCATED) {
    events.push({ kind: 'note', text: `free_iova_fast of pfn ${hex(pfn)} which is not an allocated IOVA range`, why: WHY_MISUSE });
    return { ok: false, cached: false, events };
  }
  const nodePages = d.hi[k] - d.lo[k] + 1;
  const bin = orderBase2(sizePages);
  const iova = pfn * d.granule;
  if (bin < IOVA_RANGE_CACHE_MAX_SIZE && 2 ** bin <= nodePages) {
    rcacheInsert(d.rcaches[bin], pfn);
    d.state[k] = IOVA_CACHED;
    events.push({ kind: 'iova_free', domain: d.name, iova, size: nodePages * d.granule, deferred: false, why: WHY_RCACHE_FREE });
    return { ok: true, cached: true, events };
  }
  removeAt(d, k);
  events.push({ kind: 'iova_free', domain: d.name, iova, size: nodePages * d.granule, deferred: false, why: WHY_TREE_FREE });
  return { ok: true, cached: false, events };
}

/** `free_iova(iovad, pfn)`: find the node containing pfn and remove it from the tree. */
export function freeIova(d: IovaDomain, pfn: number): IovaFreeResult {
  const events: SimEvent[] = [];
  const k = findIndex(d, pfn);
  if (k < 0 || d.state[k] === IOVA_CACHED) {
    if (k >= 0) events.push({ kind: 'note', text: `free_iova of pfn ${hex(pfn)} which is parked in the rcache`, why: WHY_MISUSE });
    return { ok: false, cached: false, events };
  }
  const iova = d.lo[k] * d.granule;
  const size = (d.hi[k] - d.lo[k] + 1) * d.granule;
  removeAt(d, k);
  events.push({ kind: 'iova_free', domain: d.name, iova, size, deferred: false, why: WHY_TREE_FREE });
  return { ok: true, cached: false, events };
}

/** `find_iova(iovad, pfn)`: the range containing pfn, or null. */
export function findIova(d: IovaDomain, pfn: number): IovaRange | null {
  const k = findIndex(d, pfn);
  if (k < 0) return null;
  return { pfnLo: d.lo[k], pfnHi: d.hi[k], state: stateName(d.state[k]) };
}

/**
 * `reserve_iova(iovad, pfn_lo, pfn_hi)`: carve a range out of the space
 * (PCI bridge apertures, MSI regions). Overlapping nodes are extended as the kernel
 * does (`__adjust_overlap_range`). Returns false on nonsensical input.
 */
export function reserveIova(d: IovaDomain, pfnLo: number, pfnHi: number): boolean {
  if (pfnLo > pfnHi || pfnLo < 0 || pfnHi >= 2 ** (64 - d.shift)) return false;
  const lo = d.lo;
  const hi = d.hi;
  let overlap = false;
  for (let k = 0; k < lo.length; k++) {
    if (pfnLo <= hi[k] && pfnHi >= lo[k]) {
      // __adjust_overlap_range(iova, &pfn_lo, &pfn_hi)
      if (pfnLo < lo[k]) {
        const old = lo[k];
        lo[k] = pfnLo;
        if (d.cachedNode === old) d.cachedNode = pfnLo;
        if (d.cached32Node === old) d.cached32Node = pfnLo;
      }
      if (pfnHi > hi[k]) pfnLo = hi[k] + 1;
      if (pfnLo >= lo[k] && pfnHi <= hi[k]) return true;
      overlap = true;
    } else if (overlap) break;
  }
  // __insert_new_range(iovad, pfn_lo, pfn_hi)
  const at = floorIndex(lo, pfnLo) + 1;
  lo.splice(at, 0, pfnLo);
  hi.splice(at, 0, pfnHi);
  d.state.splice(at, 0, IOVA_RESERVED);
  return true;
}

/**
 * `free_cpu_cached_iovas(cpu)` for the one CPU, then `free_global_cached_iovas`:
 * every range parked in the rcache goes back to the tree. Returns how many.
 */
export function flushIovaRcaches(d: IovaDomain): number {
  let n = 0;
  for (const rc of d.rcaches) {
    n += magFreePfns(d, rc.loaded);
    n += magFreePfns(d, rc.prev);
  }
  for (const rc of d.rcaches) {
    while (rc.depot.length > 0) n += magFreePfns(d, rc.depot.pop() as IovaMagazine);
  }
  return n;
}

/**
 * One run of `iova_depot_work_func` for every bin: while the depot holds more
 * magazines than online CPUs (1), one magazine is returned to the tree per
 * run. The kernel reschedules it every `IOVA_DEPOT_DELAY` (100 ms); the caller
 * decides when to run it. Returns how many ranges went back to the tree.
 */
export function iovaDepotWork(d: IovaDomain): number {
  let n = 0;
  for (const rc of d.rcaches) {
    if (rc.depot.length > 1) n += magFreePfns(d, rc.depot.pop() as IovaMagazine);
  }
  return n;
}

function stateName(s: number): IovaRange['state'] {
  return s === IOVA_RESERVED ? 'reserved' : s === IOVA_CACHED ? 'cached' : 'allocated';
}

/** Every node of the tree in pfn order, for the IOVA-space view. */
export function iovaRanges(d: IovaDomain): IovaRange[] {
  const out: IovaRange[] = [];
  for (let k = 0; k < d.lo.length; k++) out.push({ pfnLo: d.lo[k], pfnHi: d.hi[k], state: stateName(d.state[k]) });
  return out;
}

/** Number of ranges parked in the rcache (loaded + prev + depot, all bins). */
export function iovaRcacheCount(d: IovaDomain): number {
  let n = 0;
  for (const rc of d.rcaches) {
    n += rc.loaded.size + rc.prev.size;
    for (const m of rc.depot) n += m.size;
  }
  return n;
}
