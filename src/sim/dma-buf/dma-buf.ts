/**
 * dma-buf — mirrors `drivers/dma-buf/dma-buf.c` (`dma_buf_export`,
 * `dma_buf_dynamic_attach` / `dma_buf_attach`, `dma_buf_detach`,
 * `dma_buf_map_attachment`, `dma_buf_unmap_attachment`, `dma_buf_pin` /
 * `dma_buf_unpin`, `dma_buf_move_notify`, `dma_buf_begin_cpu_access` /
 * `dma_buf_end_cpu_access`), the reservation lock's lockdep checks
 * (`dma_resv_assert_held`, `might_lock`, `drivers/dma-buf/dma-resv.c`), and a
 * system-heap style exporter (`drivers/dma-buf/heaps/system_heap.c`).
 *
 * What it is for: one buffer shared by several devices. Each attachment is
 * mapped for its own device through the DMA API (`dma_map_sgtable(attach->dev,
 * …)` in the exporter's `map_dma_buf`), so the same pages get a physical
 * address for one importer, a swiotlb bounce address for a 32-bit one and an
 * IOVA behind an IOMMU — and what one device writes is not in another's
 * bounce copy.
 *
 * The eras of `dma_buf_map_attachment`, by the machine's kernel version:
 * - before 5.3: every map calls the exporter; a GEM exporter (`ops=gem`,
 *   `drivers/gpu/drm/drm_prime.c` `drm_gem_map_dma_buf`) caches the first
 *   mapping of each attachment itself (`drm_prime_attachment.sgt/.dir`),
 *   returns it only for exactly that direction, fails any other with
 *   WARN_ON and -EBUSY (a cached BIDIRECTIONAL mapping included), does
 *   nothing in `drm_gem_unmap_dma_buf` and unmaps at detach
 *   (`drm_gem_map_detach`); it maps and unmaps with DMA_ATTR_SKIP_CPU_SYNC,
 *   so an importer gets no cache maintenance from it at all;
 * - 5.3–6.14 (f13e143e7444): an exporter with `cache_sgt_mapping` has its
 *   first mapping cached on the attachment; a later map with a different
 *   direction against a cached non-BIDIRECTIONAL mapping fails with -EBUSY
 *   ("Two mappings with different directions for the same attachment are not
 *   allowed"); the cached mapping is returned with no exporter call (so no
 *   cache maintenance) and unmapped only at detach;
 * - 5.5–6.14 (15fd552d186c, bb42df4662a4): when exporter and importer
 *   disagree on dynamic handling (`dma_buf_attachment_is_dynamic(attach) !=
 *   dma_buf_is_dynamic(dmabuf)`), `dma_buf_dynamic_attach` pins a dynamic
 *   exporter and caches a DMA_BIDIRECTIONAL mapping at attach time: every
 *   later map returns it with no cache maintenance (thread 004);
 * - 6.15+ (b72f66f22c0e "drop caching of sg_tables", de68b17d5d07 "stop
 *   mapping sg_tables on attach v2"): no caching, no -EBUSY; `cache_sgt` is
 *   accepted and ignored; a static importer of a dynamic exporter pins on
 *   every map (`dma_buf_pin_on_map`).
 * From 5.3 a GEM exporter (`ops=gem`) is `drm_gem_prime_dmabuf_ops` with
 * `cache_sgt_mapping = true`: the core caches for it.
 *
 * Thread 004's proposal (`proposal="sync_cached"`, never merged): Daniel
 * Vetter's "cache a bidirectional mapping and put the right
 * dma_sg_sync_for_cpu/device calls in place for map/unmap". Wherever a
 * mapping would be cached, the exporter maps it DMA_BIDIRECTIONAL, so no
 * direction is ever refused; every `dma_buf_map_attachment` that returns it
 * syncs it for the device in the direction asked for, and every
 * `dma_buf_unmap_attachment` syncs it for the CPU — the cache maintenance an
 * uncached map and unmap would have done. The events say it is a proposal.
 *
 * Locking (DOC: locking convention, Part B §4.5), checked from 5.5:
 * - 6.2+: `dma_buf_map_attachment`, `dma_buf_unmap_attachment`,
 *   `dma_buf_pin`, `dma_buf_unpin` assert the reservation lock
 *   (`dma_resv_assert_held`: a lockdep WARN when it is not held);
 * - 5.5–6.1: map/unmap assert it only for a dynamic attachment, or — once
 *   past the cached-mapping check — for a dynamic exporter;
 * - `dma_buf_attach`, `dma_buf_dynamic_attach`, `dma_buf_detach` take the
 *   lock themselves and `dma_buf_begin/end_cpu_access` annotate it with
 *   `might_lock`: calling them with it held is lockdep's "possible recursive
 *   locking detected" (and a self-deadlock on the ww_mutex);
 * - `dma_resv_lock` twice is the same report; `dma_resv_unlock` without
 *   the lock is "bad unlock balance detected!".
 *
 * The exporter (system-heap style): `map_dma_buf` = `dma_map_sgtable(
 * attach->dev, table, dir, 0)` (with CPU cache maintenance), `unmap_dma_buf`
 * = `dma_unmap_sgtable`, `begin_cpu_access` = `dma_sync_sgtable_for_cpu` and
 * `end_cpu_access` = `dma_sync_sgtable_for_device` on every currently mapped
 * attachment (unmapped attachments get nothing). A `dynamic=true` exporter
 * also has `pin`/`unpin` and can move its backing storage (`dma_buf_move`):
 * new pages, the data copied, then `dma_buf_move_notify` with the lock held,
 * which calls `move_notify` on dynamic attachments only; their existing
 * mappings still point at the old pages until they unmap and map again.
 *
 * Simplified:
 * - Each map builds a fresh sg_table (as `drm_gem_map_dma_buf` does; the
 *   system heap reuses one table per attachment), one entry per physically
 *   contiguous piece of the exported range.
 * - `CONFIG_DMABUF_MOVE_NOTIFY` is the machine option `dmabufMoveNotify`,
 *   default n as in the kernel's Kconfig: a dynamic exporter is then pinned at
 *   map for every importer (5.7+), so it can only move unmapped buffers.
 * - Dynamic handling (the dynamic_mapping caching at attach) from 5.5; `pin`,
 *   `unpin` and `move_notify` from 5.7 (bb42df4662a4); before 5.5 `dynamic=`
 *   and `dma_buf_dynamic_attach` fall back to the static behaviour.
 * - `dma_buf_begin/end_cpu_access` report a held lock (might_lock) from 5.12.
 * - No fences: the implicit waits of `__map_dma_buf` and
 *   `__dma_buf_begin_cpu_access` complete at once.
 * - The reservation lock is one flag (held by the scenario's task or not);
 *   `dma_buf_move` runs as the exporter's own eviction path, which takes the
 *   lock if the task does not already hold it.
 * - A move frees the old pages at once (TTM would wait for the move fence).
 * - WARN splats are reduced to one line: location, function and condition.
 * - `ops=gem` maps and unmaps with DMA_ATTR_SKIP_CPU_SYNC in every version
 *   (as drm_prime.c's documented helpers do; the version that added the
 *   attribute is not pinned).
 */
import type { DmaBufOp, DmaDir, SimEvent, Why } from '../events.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine, type SgEntry, type SgTable } from '../machine.ts';
import { sgTableForWrite } from '../sg-share.ts';
import { evictRange } from '../hw/cpu-cache.ts';
import { PAGE_SIZE, ramCopy } from '../hw/memory.ts';
import { isVmallocAddr, physChunks } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { dmaMapSg, dmaSyncSg, dmaUnmapSg } from '../dma/mapping.ts';
import { DMA_BUF_GATES as G } from '../kernel-versions.ts';
import { printk } from '../kernel-log/printk.ts';
import { EBUSY, EINVAL, ENOMEM, ENOSYS, errnoName } from '../errno.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'drivers/dma-buf/dma-buf.c';
const HEAP = 'drivers/dma-buf/heaps/system_heap.c';
const RESV = 'drivers/dma-buf/dma-resv.c';
const PRIME = 'drivers/gpu/drm/drm_prime.c';

/** The eras, from DMA_BUF_GATES in kernel-versions.ts (commits and both sides there). */
export const K_CACHE_SGT = G.cacheSgt.code;
export const K_DYNAMIC = G.dynamic.code;
export const K_PIN = G.pinUnpin.code;
export const K_LOCK_ALL = G.lockAll.code;
export const K_NO_CACHE = G.noCache.code;

export interface DmaBuf {
  id: number;
  name: string;
  /** The exporting device. */
  exporter: string;
  /** The exporter's backing buffer and the exported range in it. */
  bufId: number;
  offset: number;
  size: number;
  /** `dma_buf_is_dynamic()`: the exporter has pin/unpin (and may move). */
  dynamic: boolean;
  /** `ops->cache_sgt_mapping` in effect. */
  cacheSgt: boolean;
  /** GEM PRIME helpers (drm_gem_prime_dmabuf_ops): before 5.3 they cache per attachment themselves. */
  gem: boolean;
  /** Thread 004's proposal: cached mappings are BIDIRECTIONAL and synced at map/unmap (never merged). */
  syncCached: boolean;
  /** The reservation lock is held by the scenario's task. */
  locked: boolean;
  /** Attachment ids in list order (`list_add`: newest first). */
  attachments: number[];
  /** Exporter `pin` calls not yet undone: while > 0 the storage must not move. */
  pins: number;
  moves: number;
}

export interface DmaBufMapping {
  sgt: number;
  dir: DmaDir;
  /** This map pinned the exporter (`dma_buf_pin_on_map`, 6.15+ static importers of dynamic exporters). */
  pinned: boolean;
  /** move_notify was called since: the DMA addresses point at the old pages. */
  stale: boolean;
}

export interface DmaBufAttachment {
  id: number;
  name: string;
  db: number;
  dev: string;
  /** `importer_ops` given (`dma_buf_dynamic_attach`): receives move_notify. */
  dynamic: boolean;
  live: boolean;
  /** `attach->sgt` / `attach->dir`: the cached mapping (before 6.15), or -1 / null. */
  sgt: number;
  dir: DmaDir | null;
  /** The cached mapping was made at attach (dynamic mismatch, 5.5–6.14). */
  cachedAtAttach: boolean;
  /** The exporter was pinned at attach (dynamic exporter, static importer, 5.5–6.14). */
  pinnedAtAttach: boolean;
  /** Live mappings through this attachment (the cached one included). */
  mapped: DmaBufMapping[];
  /** `dma_buf_pin` calls not yet undone. */
  pins: number;
}

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

/** A step on an attachment's cached sg_table (attach->sgt, 5.3–6.14; the drm_prime_attachment before): the event says which table and that it is the cached one. */
function cachedSgtEvent(op: DmaBufOp, db: DmaBuf, attachment: string, dir: DmaDir, sgt: SgTable, because: Why): SimEvent {
  return { kind: 'dmabuf', op, buf: db.name, attachment, dir, sgt: sgt.name, cached: true, why: because };
}

// ---------------------------------------------------------------------------
// the reservation lock and its lockdep checks

/** `dma_resv_assert_held(dmabuf->resv)`: lockdep WARNs when the task does not hold the lock. */
function assertHeld(m: Machine, db: DmaBuf, fn: string, expr: string, o: StepOutcome): void {
  if (m.kernel < K_DYNAMIC || db.locked) return;
  printk(m, o, 'dma-buf.resv-not-held', { fn, expr });
  observe(o, 'dma-buf/lock-not-held', `${fn} must be called with the dma-buf's reservation lock held (dma_resv_lock): so that no mapping is created concurrently with an ongoing move`);
}

function recursive(m: Machine, fn: string, o: StepOutcome): void {
  printk(m, o, 'lockdep.recursive');
  printk(m, o, 'lockdep.recursive-detail', { fn });
}

/** A function that takes the lock itself (or `might_lock`s it): lockdep reports recursion when the task holds it. */
function mustNotHold(m: Machine, db: DmaBuf, fn: string, o: StepOutcome): void {
  if (m.kernel < K_DYNAMIC || !db.locked) return;
  recursive(m, fn, o);
  observe(o, 'dma-buf/lock-held', `${fn} takes the reservation lock itself: calling it with the lock held deadlocks on the ww_mutex (the explorer carries on)`);
}

export function dmaResvLock(m: Machine, db: DmaBuf, o: StepOutcome): number {
  if (db.locked) {
    recursive(m, 'dma_resv_lock', o);
    observe(o, 'dma-buf/lock-held', 'the reservation lock is already held by this task: dma_resv_lock(resv, NULL) on a ww_mutex the task holds never returns');
    return 0;
  }
  db.locked = true;
  o.events.push({ kind: 'dmabuf', op: 'lock', buf: db.name, why: why('dma_resv_lock', 'the reservation lock (a ww_mutex) serialises mapping against moves and fences', RESV) });
  return 0;
}

export function dmaResvUnlock(m: Machine, db: DmaBuf, o: StepOutcome): void {
  if (!db.locked) {
    printk(m, o, 'lockdep.bad-unlock');
    printk(m, o, 'lockdep.bad-unlock-detail');
    return;
  }
  db.locked = false;
  o.events.push({ kind: 'dmabuf', op: 'unlock', buf: db.name, why: why('dma_resv_unlock', 'the reservation lock is released', RESV) });
}

// ---------------------------------------------------------------------------
// export

export interface ExportOptions {
  dynamic: boolean;
  cacheSgt: boolean;
  /** `ops=gem`: the GEM PRIME helpers' ops. */
  gem?: boolean;
  /** `proposal="sync_cached"`: thread 004's proposal. */
  syncCached?: boolean;
}

/** The event text every step of the proposal carries. */
export const SYNC_CACHED_PROPOSAL = 'PROPOSAL, not in any kernel: thread 004 (Daniel Vetter, "dma-buf: change DMA-buf locking convention", September 2019) — "We cache a bidirectional mapping" and "put the right dma_sg_sync_for_cpu/device calls in place for map/unmap"';

/** The first mapping of an attachment is cached (cache_sgt_mapping on 5.3–6.14, drm_prime's own cache before 5.3). */
function cachesOnMap(m: Machine, db: DmaBuf): boolean {
  if (m.kernel >= K_NO_CACHE) return false;
  return m.kernel >= K_CACHE_SGT ? db.cacheSgt : db.gem;
}

/** `dma_buf_export(&exp_info)` for a system-heap style exporter over [off, off+size) of `b`. */
export function dmaBufExport(m: Machine, exporter: Device, b: Buffer, off: number, size: number, opts: ExportOptions, name: string, o: StepOutcome): DmaBuf | null {
  touchBuffer(o, b.id);
  let { dynamic, cacheSgt } = opts;
  const gem = opts.gem === true;
  const syncCached = opts.syncCached === true;
  // drm_gem_prime_dmabuf_ops sets cache_sgt_mapping from 5.3 on (before, drm_prime caches itself)
  if (gem && m.kernel >= K_CACHE_SGT && m.kernel < K_NO_CACHE) cacheSgt = true;
  if (off + size > b.size || size <= 0) {
    o.error = 'EINVAL';
    observe(o, 'dma-buf/bad-range', `the exported range [${off}, ${off + size}) does not fit in '${b.name}' (${b.size} bytes)`);
    return null;
  }
  if (cacheSgt && m.kernel < K_CACHE_SGT) {
    cacheSgt = false;
    observe(o, 'api/not-in-this-kernel', `cache_sgt_mapping does not exist before 5.3 (f13e143e7444): every map calls the exporter${gem ? '' : ' (only the GEM PRIME helpers cache, in drm_prime.c: ops=gem)'}`);
  }
  if (syncCached && m.kernel >= K_NO_CACHE) observe(o, 'dma-buf/proposal-no-effect', 'proposal="sync_cached" changes nothing on 6.15+: dma-buf caches no mapping any more, so every map and unmap already calls the exporter with its cache maintenance');
  if (dynamic && m.kernel < K_DYNAMIC) {
    dynamic = false;
    observe(o, 'api/not-in-this-kernel', 'dynamic dma-buf handling (pin/unpin, move_notify) does not exist before 5.5 (15fd552d186c): the exporter is static');
  }
  if (cacheSgt && m.kernel >= K_NO_CACHE) {
    cacheSgt = false;
    o.events.push({ kind: 'note', text: 'cache_sgt_mapping ignored', why: why('dma_buf_export', 'from 6.15 (b72f66f22c0e) dma-buf no longer caches sg_tables: the flag is gone and every map calls the exporter') });
  }
  if (dynamic && cacheSgt) {
    printk(m, o, 'dma-buf.export-cache-sgt-pin');
    o.error = 'EINVAL';
    return null;
  }
  const db: DmaBuf = { id: m.dmaBufs.length, name, exporter: exporter.name, bufId: b.id, offset: off, size, dynamic, cacheSgt, gem, syncCached, locked: false, attachments: [], pins: 0, moves: 0 };
  m.dmaBufs.push(db);
  o.events.push({
    kind: 'dmabuf',
    op: 'export',
    buf: name,
    why: why('dma_buf_export', `${exporter.name} exports ${size} bytes of '${b.name}' (${gem ? (m.kernel < K_CACHE_SGT ? 'the GEM PRIME helpers: drm_gem_map_dma_buf caches each attachment\'s first mapping itself' : 'the GEM PRIME helpers, drm_gem_prime_dmabuf_ops') : 'system-heap style ops'}${dynamic ? ', with pin/unpin: a dynamic exporter that may move its backing storage' : ''}${cacheSgt ? ', cache_sgt_mapping' : ''})`),
  });
  if (syncCached) o.events.push({ kind: 'note', text: 'proposal: sync_cached', why: why('dma_buf_export', `${SYNC_CACHED_PROPOSAL}: cached mappings of this dma-buf are made DMA_BIDIRECTIONAL and synced at every map and unmap`) });
  return db;
}

// ---------------------------------------------------------------------------
// the exporter's map_dma_buf / unmap_dma_buf

function exporterMap(m: Machine, db: DmaBuf, at: DmaBufAttachment, dir: DmaDir, o: StepOutcome): SgTable | null {
  const b = m.buffers[db.bufId]!;
  const dev = m.devices[at.dev]!;
  const entries: SgEntry[] = physChunks(m, b, db.offset, db.size).map((ch) => ({ bufId: b.id, offset: db.offset + ch.at, length: ch.len, phys: ch.phys, dmaAddress: 0, dmaLength: 0 }));
  const sgt: SgTable = { id: m.sgts.length, name: `${at.name}:sgt${at.mapped.length}`, entries, nents: 0, mappedFor: null, dir: null };
  m.sgts.push(sgt);
  const before = o.error;
  // the GEM PRIME helpers map with DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance for the importer
  dmaMapSg(m, dev, sgt, dir, { skipCpuSync: db.gem, noWarn: false }, o);
  o.result = null;
  o.resultKind = null;
  if (o.error && o.error !== before) return null;
  if (!sgt.nents) {
    o.error = m.kernel >= G.sgtableEio.code ? 'EIO' : 'EINVAL';
    o.events.push({ kind: 'note', text: 'map_dma_buf failed', why: why('system_heap_map_dma_buf', `dma_map_sgtable(${dev.name}, …) failed: the exporter returns ERR_PTR(${o.error === 'EIO' ? '-EIO' : '-EINVAL'})`, HEAP) });
    return null;
  }
  o.events.push({
    kind: 'dmabuf',
    op: 'map_dma_buf',
    buf: db.name,
    attachment: at.name,
    dir,
    sgt: sgt.name,
    why: db.gem
      ? why('drm_gem_map_dma_buf', `dma_map_sg(${dev.name}, …, ${dir}, DMA_ATTR_SKIP_CPU_SYNC): mapped for the importer's own device, but a GEM exporter does no cache maintenance for it`, PRIME)
      : why('system_heap_map_dma_buf', `dma_map_sgtable(${dev.name}, table, ${dir}, 0): mapped for the importer's own device, with the DMA API's cache maintenance and bouncing for ${dev.name}`, HEAP),
  });
  return sgt;
}

function exporterUnmap(m: Machine, db: DmaBuf, at: DmaBufAttachment, sgt: SgTable, dir: DmaDir, o: StepOutcome): void {
  dmaUnmapSg(m, m.devices[at.dev]!, sgt, dir, { skipCpuSync: db.gem, noWarn: false }, o);
  o.events.push({
    kind: 'dmabuf',
    op: 'unmap_dma_buf',
    buf: db.name,
    attachment: at.name,
    dir,
    sgt: sgt.name,
    why: db.gem ? why('drm_gem_map_detach', `dma_unmap_sg(${at.dev}, …, ${dir}, DMA_ATTR_SKIP_CPU_SYNC)`, PRIME) : why('system_heap_unmap_dma_buf', `dma_unmap_sgtable(${at.dev}, table, ${dir}, 0)`, HEAP),
  });
}

function dropMapping(at: DmaBufAttachment, sgtId: number): DmaBufMapping | undefined {
  const i = at.mapped.findIndex((x) => x.sgt === sgtId);
  if (i < 0) return undefined;
  return at.mapped.splice(i, 1)[0];
}

// ---------------------------------------------------------------------------
// attach / detach

/** `dma_buf_dynamic_attach(dmabuf, dev, importer_ops, priv)`; `dma_buf_attach` is the same with no importer_ops. */
export function dmaBufAttach(m: Machine, db: DmaBuf, dev: Device, dynamic: boolean, name: string, o: StepOutcome): DmaBufAttachment | null {
  const fn = dynamic ? 'dma_buf_dynamic_attach' : 'dma_buf_attach';
  if (dynamic && m.kernel < K_DYNAMIC) {
    dynamic = false;
    observe(o, 'api/not-in-this-kernel', 'dma_buf_dynamic_attach does not exist before 5.5: this is a static attachment');
  }
  mustNotHold(m, db, fn, o);
  const at: DmaBufAttachment = { id: m.dmaBufAttachments.length, name, db: db.id, dev: dev.name, dynamic, live: true, sgt: -1, dir: null, cachedAtAttach: false, pinnedAtAttach: false, mapped: [], pins: 0 };
  m.dmaBufAttachments.push(at);
  db.attachments.unshift(at.id);
  o.events.push({ kind: 'dmabuf', op: 'attach', buf: db.name, attachment: name, why: why(fn, `${dev.name} joins the attachment list${dynamic ? ' with importer_ops: it will get move_notify' : ' as a static importer (no move_notify)'}`) });
  if (m.kernel >= K_DYNAMIC && m.kernel < K_NO_CACHE && dynamic !== db.dynamic) {
    if (db.dynamic && m.kernel >= K_PIN) {
      db.pins++;
      at.pinnedAtAttach = true;
      o.events.push({ kind: 'dmabuf', op: 'pin', buf: db.name, attachment: name, why: why(fn, 'the exporter is dynamic but the importer is not: the buffer is pinned for the life of the attachment, since a static importer cannot be told about moves') });
    }
    const sgt = exporterMap(m, db, at, 'DMA_BIDIRECTIONAL', o);
    if (!sgt) {
      if (at.pinnedAtAttach) db.pins--;
      db.attachments = db.attachments.filter((x) => x !== at.id);
      at.live = false;
      return null;
    }
    at.sgt = sgt.id;
    at.dir = 'DMA_BIDIRECTIONAL';
    at.cachedAtAttach = true;
    at.mapped.push({ sgt: sgt.id, dir: 'DMA_BIDIRECTIONAL', pinned: false, stale: false });
    o.events.push(cachedSgtEvent('map_at_attach', db, name, 'DMA_BIDIRECTIONAL', sgt,
      why(fn, `exporter and importer disagree on dynamic handling (exporter ${db.dynamic ? 'dynamic' : 'static'}, importer ${dynamic ? 'dynamic' : 'static'}): the mapping is made now, DMA_BIDIRECTIONAL, and cached in attach->sgt; every later dma_buf_map_attachment returns it without calling the exporter (15fd552d186c, 5.5–6.14)`),
    ));
  }
  return at;
}

export function dmaBufDetach(m: Machine, db: DmaBuf, at: DmaBufAttachment, o: StepOutcome): void {
  if (at.db !== db.id) {
    observe(o, 'dma-buf/bad-attachment', `'${at.name}' is an attachment of another dma-buf: the kernel would corrupt both attachment lists`);
    return;
  }
  if (!at.live) {
    observe(o, 'dma-buf/bad-attachment', `'${at.name}' was already detached: the attachment was freed (use after free)`);
    return;
  }
  mustNotHold(m, db, 'dma_buf_detach', o);
  if (m.kernel < K_NO_CACHE && at.sgt >= 0) {
    const sgt = sgTableForWrite(m, at.sgt);
    exporterUnmap(m, db, at, sgt, at.dir!, o);
    dropMapping(at, at.sgt);
    if (at.pinnedAtAttach) {
      db.pins--;
      o.events.push({ kind: 'dmabuf', op: 'unpin', buf: db.name, attachment: at.name, why: why('dma_buf_detach', 'the pin taken at attach is dropped with the cached mapping') });
    }
    at.sgt = -1;
    at.dir = null;
  }
  for (const x of at.mapped) {
    observe(o, 'dma-buf/detach-while-mapped', `'${m.sgts[x.sgt]!.name}' is still mapped for ${at.dev} (${x.dir}): dma_buf_detach does not unmap it; the importer must call dma_buf_unmap_attachment first`);
    if (x.pinned) db.pins--;
  }
  at.mapped = [];
  if (at.pins) observe(o, 'dma-buf/detach-while-pinned', `'${at.name}' is detached with ${at.pins} dma_buf_pin(s) not undone: the exporter stays pinned`);
  db.attachments = db.attachments.filter((x) => x !== at.id);
  at.live = false;
  o.events.push({ kind: 'dmabuf', op: 'detach', buf: db.name, attachment: at.name, why: why('dma_buf_detach', 'the attachment leaves the list (under the reservation lock) and is freed') });
}

// ---------------------------------------------------------------------------
// map / unmap

/**
 * Does this map pin the exporter? 5.7–6.14: a dynamic exporter is pinned at
 * map when CONFIG_DMABUF_MOVE_NOTIFY=n (static importers got their pin at
 * attach); 6.15+ dma_buf_pin_on_map(): exporter has pin and (no importer_ops
 * or !CONFIG_DMABUF_MOVE_NOTIFY). Before 5.7 there is no pin.
 */
function pinsOnMap(m: Machine, db: DmaBuf, at: DmaBufAttachment): boolean {
  if (m.kernel < K_PIN || !db.dynamic) return false;
  const moveNotify = m.config.dmabufMoveNotify === true;
  if (m.kernel >= K_NO_CACHE) return !at.dynamic || !moveNotify;
  return !moveNotify;
}

/**
 * A map that finds the attachment's cached mapping: drm_prime (before 5.3)
 * returns it for exactly its direction; the core (5.3–6.14) for its
 * direction or when it is BIDIRECTIONAL; otherwise -EBUSY. Under thread
 * 004's proposal the returned mapping is synced for the device.
 */
function mapCached(m: Machine, db: DmaBuf, at: DmaBufAttachment, dir: DmaDir, o: StepOutcome): SgTable | null {
  const fn = 'dma_buf_map_attachment';
  const sgt = sgTableForWrite(m, at.sgt);
  const prime = m.kernel < K_CACHE_SGT && !at.cachedAtAttach;
  const ok = prime ? at.dir === dir || db.syncCached : at.dir === dir || at.dir === 'DMA_BIDIRECTIONAL';
  if (!ok) {
    o.error = 'EBUSY';
    o.result = EBUSY;
    o.resultKind = 'status';
    if (prime) printk(m, o, 'drm-prime.map-busy');
    o.events.push({
      kind: 'dmabuf',
      op: 'map',
      buf: db.name,
      attachment: at.name,
      dir,
      why: prime
        ? why('drm_gem_map_dma_buf', `the drm_prime_attachment caches a ${at.dir} mapping and returns it only for that exact direction: "two mappings with different directions for the same attachment are not allowed" — WARN_ON and ERR_PTR(-EBUSY)${at.dir === 'DMA_BIDIRECTIONAL' ? ' (even against a BIDIRECTIONAL one, which the 5.3 core would accept)' : ''}`, PRIME)
        : why(fn, `the attachment caches a ${at.dir} mapping (cache_sgt_mapping): "Two mappings with different directions for the same attachment are not allowed" — ERR_PTR(-EBUSY) until 6.15 dropped the cache`),
    });
    return null;
  }
  const dev = m.devices[at.dev]!;
  o.events.push(cachedSgtEvent('map_cached', db, at.name, dir, sgt,
    prime
      ? why('drm_gem_map_dma_buf', `"return the cached mapping when possible": the drm_prime_attachment's ${at.dir} table is returned as is — no dma_map_sg, so no cache maintenance for this map`, PRIME)
      : why(fn, `attach->sgt is cached (${at.cachedAtAttach ? 'mapped DMA_BIDIRECTIONAL at attach' : `first mapped ${at.dir}`}): it is returned as is — no exporter call, so no cache maintenance for this map`),
  ));
  if (db.syncCached) {
    dmaSyncSg(m, dev, sgt, dir, false, o);
    o.result = null;
    o.resultKind = null;
    o.events.push({ kind: 'note', text: 'proposal: synced for the device', why: why(fn, `${SYNC_CACHED_PROPOSAL}: dma_sync_sg_for_device(${dev.name}, …, ${dir}) on the cached table, the maintenance a fresh map would have done`) });
  } else if (!dev.coherent) {
    observe(o, 'dma-buf/cached-without-sync', `the cached mapping is returned without any cache maintenance: CPU writes to the buffer since it was mapped may still sit in dirty cache lines that ${dev.name} (not coherent) cannot see`);
  }
  return sgt;
}

/** `dma_buf_map_attachment(attach, dir)`: the sg_table mapped for the importer's device, or null with o.error. */
export function dmaBufMapAttachment(m: Machine, at: DmaBufAttachment, dir: DmaDir, o: StepOutcome): SgTable | null {
  const db = m.dmaBufs[at.db]!;
  touchBuffer(o, db.bufId);
  const fn = 'dma_buf_map_attachment';
  if (!at.live) {
    o.error = 'EINVAL';
    observe(o, 'dma-buf/bad-attachment', `'${at.name}' was detached`);
    return null;
  }
  if (m.kernel >= K_LOCK_ALL || at.dynamic) assertHeld(m, db, fn, 'attach->dmabuf->resv', o);
  if (m.kernel < K_NO_CACHE && at.sgt >= 0) return mapCached(m, db, at, dir, o);
  if (m.kernel >= K_DYNAMIC && m.kernel < K_LOCK_ALL && db.dynamic && !at.dynamic) assertHeld(m, db, fn, 'attach->dmabuf->resv', o);
  const pinOnMap = pinsOnMap(m, db, at);
  if (pinOnMap) {
    db.pins++;
    o.events.push({
      kind: 'dmabuf',
      op: 'pin',
      buf: db.name,
      attachment: at.name,
      why: why(
        m.kernel >= K_NO_CACHE ? 'dma_buf_pin_on_map' : fn,
        at.dynamic
          ? 'CONFIG_DMABUF_MOVE_NOTIFY=n (the default): even a dynamic importer gets the exporter pinned for as long as this mapping exists, so the buffer cannot move under it'
          : 'a static importer of a dynamic exporter: the exporter is pinned for as long as this mapping exists',
      ),
    });
  }
  const caches = cachesOnMap(m, db);
  // thread 004's proposal: what gets cached is mapped DMA_BIDIRECTIONAL
  const mapDir: DmaDir = caches && db.syncCached ? 'DMA_BIDIRECTIONAL' : dir;
  const sgt = exporterMap(m, db, at, mapDir, o);
  if (!sgt) {
    if (pinOnMap) db.pins--;
    return null;
  }
  at.mapped.push({ sgt: sgt.id, dir: mapDir, pinned: pinOnMap, stale: false });
  if (caches && db.syncCached && db.gem) {
    dmaSyncSg(m, m.devices[at.dev]!, sgt, dir, false, o);
    o.result = null;
    o.resultKind = null;
    o.events.push({ kind: 'note', text: 'proposal: synced for the device', why: why(fn, `${SYNC_CACHED_PROPOSAL}: the GEM exporter mapped with DMA_ATTR_SKIP_CPU_SYNC, so the proposal's map syncs the table for the device (${dir})`) });
  }
  if (caches) {
    at.sgt = sgt.id;
    at.dir = mapDir;
    const prime = m.kernel < K_CACHE_SGT;
    o.events.push(cachedSgtEvent('cache', db, at.name, mapDir, sgt,
      db.syncCached
        ? why(fn, `${SYNC_CACHED_PROPOSAL}: the mapping is made DMA_BIDIRECTIONAL (asked: ${dir}) and cached; later maps sync it for the device, unmaps for the CPU, so no direction is refused and no flush is lost`)
        : prime
          ? why('drm_gem_map_dma_buf', `the GEM PRIME helpers (before 5.3) cache this first mapping in the drm_prime_attachment with its direction (${dir}): the same direction gets it back, any other gets WARN_ON and -EBUSY`, PRIME)
          : why(fn, `cache_sgt_mapping: this first mapping (${dir}) is cached on the attachment and returned by every later map; a different direction will get -EBUSY`),
    ));
  }
  return sgt;
}

export function dmaBufUnmapAttachment(m: Machine, at: DmaBufAttachment, sgt: SgTable, dir: DmaDir, o: StepOutcome): void {
  const db = m.dmaBufs[at.db]!;
  touchBuffer(o, db.bufId);
  const fn = 'dma_buf_unmap_attachment';
  if (m.kernel >= K_LOCK_ALL || at.dynamic) assertHeld(m, db, fn, 'attach->dmabuf->resv', o);
  if (m.kernel < K_NO_CACHE && at.sgt === sgt.id) {
    const prime = m.kernel < K_CACHE_SGT && !at.cachedAtAttach;
    o.events.push(cachedSgtEvent('unmap_cached', db, at.name, dir, sgt,
      prime
        ? why('drm_gem_unmap_dma_buf', '"nothing to be done here": the drm_prime_attachment keeps its mapping until drm_gem_map_detach', PRIME)
        : why(fn, 'attach->sgt == sg_table: the cached mapping stays until dma_buf_detach; nothing is unmapped and no cache maintenance is done'),
    ));
    if (db.syncCached) {
      dmaSyncSg(m, m.devices[at.dev]!, sgt, dir, true, o);
      o.events.push({ kind: 'note', text: 'proposal: synced for the CPU', why: why(fn, `${SYNC_CACHED_PROPOSAL}: dma_sync_sg_for_cpu(${at.dev}, …, ${dir}) on the cached table, the maintenance a real unmap would have done`) });
    }
    return;
  }
  if (m.kernel >= K_DYNAMIC && m.kernel < K_LOCK_ALL && db.dynamic && !at.dynamic) assertHeld(m, db, fn, 'attach->dmabuf->resv', o);
  const rec = dropMapping(at, sgt.id);
  if (!rec) observe(o, 'dma-buf/unmap-unknown', `'${sgt.name}' was not mapped through '${at.name}': the exporter unmaps a table it did not hand out`);
  else if (rec.stale) o.events.push({ kind: 'note', text: 'stale mapping unmapped', why: why(fn, 'the importer tears down the mapping move_notify invalidated; a new map will point at the new location') });
  exporterUnmap(m, db, at, sgt, dir, o);
  if (rec?.pinned) {
    db.pins--;
    o.events.push({ kind: 'dmabuf', op: 'unpin', buf: db.name, attachment: at.name, why: why('dma_buf_unmap_attachment', 'the pin taken at map (dma_buf_pin_on_map) is dropped') });
  }
}

// ---------------------------------------------------------------------------
// pin / unpin

export function dmaBufPin(m: Machine, at: DmaBufAttachment, o: StepOutcome): number {
  const db = m.dmaBufs[at.db]!;
  if (m.kernel < K_PIN) {
    o.error = errnoName(ENOSYS);
    observe(o, 'api/not-in-this-kernel', 'dma_buf_pin does not exist before 5.7 (bb42df4662a4): 5.5–5.6 had only the dynamic_mapping flag');
    return ENOSYS;
  }
  if (!at.dynamic) printk(m, o, 'dma-buf.pin-static-importer', { fn: 'dma_buf_pin' });
  assertHeld(m, db, 'dma_buf_pin', 'dmabuf->resv', o);
  at.pins++;
  if (db.dynamic) db.pins++;
  o.events.push({ kind: 'dmabuf', op: 'pin', buf: db.name, attachment: at.name, why: why('dma_buf_pin', db.dynamic ? 'the exporter pins the backing storage: it must not move until dma_buf_unpin (meant for scanout and the like, not for temporary pins)' : 'the exporter has no pin callback (it never moves): nothing to do') });
  return 0;
}

export function dmaBufUnpin(m: Machine, at: DmaBufAttachment, o: StepOutcome): void {
  const db = m.dmaBufs[at.db]!;
  if (m.kernel < K_PIN) {
    o.error = 'ENOSYS';
    observe(o, 'api/not-in-this-kernel', 'dma_buf_unpin does not exist before 5.7 (bb42df4662a4): 5.5–5.6 had only the dynamic_mapping flag');
    return;
  }
  if (!at.dynamic) printk(m, o, 'dma-buf.pin-static-importer', { fn: 'dma_buf_unpin' });
  assertHeld(m, db, 'dma_buf_unpin', 'dmabuf->resv', o);
  if (!at.pins) {
    observe(o, 'dma-buf/pin-underflow', `'${at.name}' has no dma_buf_pin to undo: the exporter's pin count would underflow`);
    return;
  }
  at.pins--;
  if (db.dynamic) db.pins--;
  o.events.push({ kind: 'dmabuf', op: 'unpin', buf: db.name, attachment: at.name, why: why('dma_buf_unpin', 'the exporter may move the buffer again, and will tell dynamic importers through move_notify') });
}

// ---------------------------------------------------------------------------
// moving the backing storage

/** New pages for the exporter's buffer, data copied; the Buffer record follows, so its name keeps working. */
function moveBacking(m: Machine, b: Buffer, o: StepOutcome): boolean {
  if (b.phys >= 0) {
    const to = allocHighest(m.free, b.allocSize, PAGE_SIZE, m.config.ram);
    if (to < 0) return false;
    const from = b.phys;
    evictRange(m.cache, m.ram, from, b.allocSize, o.events);
    ramCopy(m.ram, to, from, b.allocSize);
    freeRange(m.free, from, b.allocSize);
    b.phys = to;
    if (!isVmallocAddr(b.va)) b.va = LINEAR_BASE + to;
    o.events.push({ kind: 'note', text: `${b.name}: ${hex(from)} → ${hex(to)}`, why: why('dma_buf_move', `the exporter copies ${b.allocSize} bytes to new pages and frees the old ones`) });
    return true;
  }
  const news: number[] = [];
  for (let i = 0; i < b.pages.length; i++) {
    const p = allocHighest(m.free, PAGE_SIZE, PAGE_SIZE, m.config.ram);
    if (p < 0) {
      for (const q of news) freeRange(m.free, q, PAGE_SIZE);
      return false;
    }
    news.push(p);
  }
  b.pages.forEach((old, i) => {
    evictRange(m.cache, m.ram, old, PAGE_SIZE, o.events);
    ramCopy(m.ram, news[i]!, old, PAGE_SIZE);
    freeRange(m.free, old, PAGE_SIZE);
    m.vmap.set(b.va / PAGE_SIZE + i, news[i]!);
  });
  b.pages = news;
  o.events.push({ kind: 'note', text: `${b.name}: ${news.length} page(s) moved`, why: why('dma_buf_move', 'the exporter copies every page to a new one and frees the old ones') });
  return true;
}

/** The exporter moves the backing storage and calls `dma_buf_move_notify`. Returns 0 or a negative errno. */
export function dmaBufMove(m: Machine, db: DmaBuf, o: StepOutcome): number {
  const b = m.buffers[db.bufId]!;
  if (!db.dynamic) {
    o.error = 'EINVAL';
    observe(o, 'dma-buf/cannot-move', `'${db.name}' has a static exporter (no pin/unpin): it cannot tell importers about a move, so it must keep the backing storage in place`);
    return EINVAL;
  }
  if (m.kernel < K_PIN) {
    o.error = 'EINVAL';
    observe(o, 'api/not-in-this-kernel', 'there is no dma_buf_move_notify before 5.7 (bb42df4662a4): a 5.5–5.6 dynamic_mapping exporter cannot tell importers about a move, so it must keep the backing storage in place');
    return EINVAL;
  }
  if (db.pins > 0) {
    o.error = 'EBUSY';
    const who = db.attachments.map((id) => m.dmaBufAttachments[id]!).filter((a) => a.pins || a.pinnedAtAttach || a.mapped.some((x) => x.pinned)).map((a) => a.name);
    observe(o, 'dma-buf/cannot-move', `'${db.name}' is pinned (${who.join(', ') || 'by an attachment'}): a pinned buffer must not move, so the exporter's eviction skips it`);
    return EBUSY;
  }
  if (b.kind !== 'pages' && b.kind !== 'kmalloc' && b.kind !== 'vmalloc') {
    o.error = 'EINVAL';
    observe(o, 'dma-buf/cannot-move', `'${b.name}' (${b.kind}) is not memory this exporter can move; back the dma-buf with alloc_pages, kmalloc or vmalloc to move it`);
    return EINVAL;
  }
  const tookLock = !db.locked;
  if (!moveBacking(m, b, o)) {
    o.error = 'ENOMEM';
    return ENOMEM;
  }
  db.moves++;
  o.events.push({ kind: 'dmabuf', op: 'move', buf: db.name, why: why('dma_buf_move_notify', `the exporter ${tookLock ? 'takes the reservation lock, ' : ''}moves the backing storage and calls dma_buf_move_notify with the lock held`) });
  for (const id of db.attachments) {
    const at = m.dmaBufAttachments[id]!;
    if (!at.dynamic) continue;
    for (const x of at.mapped) x.stale = true;
    o.events.push({ kind: 'dmabuf', op: 'move_notify', buf: db.name, attachment: at.name, why: why('dma_buf_move_notify', 'move_notify: "Mappings stay valid and are not directly affected by this callback. But the DMA-buf can now be in a different physical location, so all mappings should be destroyed and re-created as soon as possible."') });
    for (const x of at.mapped) {
      observe(o, 'dma-buf/stale-mapping', `'${m.sgts[x.sgt]!.name}' (${at.dev}) still holds the old DMA addresses: device accesses through it reach the old pages, which the exporter has freed, until the importer unmaps and maps again`);
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------
// CPU access

/** `dma_buf_begin_cpu_access` / `dma_buf_end_cpu_access` with the system heap's callbacks. */
export function dmaBufCpuAccess(m: Machine, db: DmaBuf, dir: DmaDir, begin: boolean, o: StepOutcome): number {
  const fn = begin ? 'dma_buf_begin_cpu_access' : 'dma_buf_end_cpu_access';
  // might_lock(&dmabuf->resv->lock.base) from 5.12; before, the system heap never takes the lock here
  if (m.kernel >= G.mightLock.code) mustNotHold(m, db, fn, o);
  let synced = 0;
  for (const id of db.attachments) {
    const at = m.dmaBufAttachments[id]!;
    for (const x of at.mapped) {
      dmaSyncSg(m, m.devices[at.dev]!, sgTableForWrite(m, x.sgt), dir, begin, o);
      synced++;
    }
  }
  o.events.push({
    kind: 'dmabuf',
    op: begin ? 'begin_cpu_access' : 'end_cpu_access',
    buf: db.name,
    dir,
    why: why(
      begin ? 'system_heap_dma_buf_begin_cpu_access' : 'system_heap_dma_buf_end_cpu_access',
      `${begin ? 'dma_sync_sgtable_for_cpu' : 'dma_sync_sgtable_for_device'}(a->dev, a->table, ${dir}) for each attachment that is currently mapped (${synced} table(s)); attachments that are not mapped get no cache maintenance`,
      HEAP,
    ),
  });
  return 0;
}

// ---------------------------------------------------------------------------
// the dma-buf view (a plain projection for snapshots; reads only)

export interface DmaBufView {
  name: string;
  exporter: string;
  buffer: string;
  size: number;
  dynamic: boolean;
  cacheSgt: boolean;
  locked: boolean;
  pinned: number;
  moves: number;
  attachments: Array<{
    name: string;
    dev: string;
    dynamic: boolean;
    /** The cached mapping (attach->sgt) and its direction, before 6.15. */
    cached: { sgt: string; dir: DmaDir; atAttach: boolean } | null;
    pins: number;
    mappings: Array<{ sgt: string; dir: DmaDir; stale: boolean; segments: Array<{ dma: number; len: number }> }>;
  }>;
}

export function dmaBufViews(m: Machine): DmaBufView[] {
  return m.dmaBufs.map((db) => ({
    name: db.name,
    exporter: db.exporter,
    buffer: m.buffers[db.bufId]?.name ?? '?',
    size: db.size,
    dynamic: db.dynamic,
    cacheSgt: db.cacheSgt,
    locked: db.locked,
    pinned: db.pins,
    moves: db.moves,
    attachments: db.attachments.map((id) => {
      const at = m.dmaBufAttachments[id]!;
      return {
        name: at.name,
        dev: at.dev,
        dynamic: at.dynamic,
        cached: at.sgt >= 0 && at.dir ? { sgt: m.sgts[at.sgt]!.name, dir: at.dir, atAttach: at.cachedAtAttach } : null,
        pins: at.pins,
        mappings: at.mapped.map((x) => {
          const t = m.sgts[x.sgt]!;
          return { sgt: t.name, dir: x.dir, stale: x.stale, segments: t.entries.slice(0, t.nents).map((e) => ({ dma: e.dmaAddress, len: e.dmaLength })) };
        }),
      };
    }),
  }));
}
