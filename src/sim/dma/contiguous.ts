/**
 * CMA area allocator — mirrors `mm/cma.c` (`cma_alloc`, from 6.12 → `__cma_alloc`,
 * from 6.15 → `cma_range_alloc`; `cma_release`, `cma_debug_show_areas`) and the DMA
 * glue in `kernel/dma/contiguous.c` (`dma_alloc_contiguous`,
 * `cma_alloc_aligned`, the default area named "reserved").
 *
 * What it is for: physically contiguous buffers for devices without an
 * IOMMU (`dma_alloc_coherent` with CMA, `DMA_ATTR_FORCE_CONTIGUOUS`). The
 * area's pages are lent to movable allocations (page cache, anonymous memory)
 * while CMA does not use them; a CMA allocation must migrate those out, and a
 * pinned page makes the candidate range fail with -EBUSY.
 *
 * Kernel behaviour kept:
 * - One bit per page (`order_per_bit` 0, as `dma_contiguous_reserve_area`
 *   declares the default area), `available_count`.
 * - `cma_range_alloc`: `mask = cma_bitmap_aligned_mask(align)`, `offset =
 *   cma_bitmap_aligned_offset(align)` (alignment is of the pfn, not of the
 *   bit index), stop when `count > available_count`, candidate from
 *   `bitmap_find_next_zero_area_off`, claim the bits, then
 *   `alloc_contig_range` (`alloc_contig_frozen_range` after 6.18) migrates every
 *   in-use movable page; on -EBUSY release the claim and retry from
 *   `bitmap_no + mask + 1` (trace `cma_alloc_busy_retry`).
 * - `ret` starts as -EBUSY, so every failure here reports -16.
 * - On failure without `__GFP_NOWARN`: `pr_err_ratelimited("%s: %s: alloc
 *   failed, req-size: %lu pages, ret: %d\n", __func__, cma->name, …)` with
 *   mm/cma.c's `pr_fmt` "cma: ", then `cma_debug_show_areas` — in the
 *   wording of the kernel passed (the catalogue's `cma.*` entries; the
 *   frozen-page rework's `__cma_alloc_frozen`, after 6.18, is not modelled).
 * - `cma_debug_show_areas` (newest form, `for_each_clear_bitrange`): "+"
 *   before every free run that does not start at bit 0.
 * - `cma_release` returns false for pages outside the area.
 * - `cma_alloc_aligned`: `align = min(get_order(size), CONFIG_CMA_ALIGNMENT)`
 *   with `CONFIG_CMA_ALIGNMENT` = 8; `dma_alloc_contiguous` uses the default
 *   area only for blocking allocations larger than one page.
 *
 * Simplified:
 * - One range per area (`nranges` = 1: "range 0").
 * - Migration is per page through the caller's callbacks, in pfn order; a
 *   page that cannot move is skipped and the rest of the range still migrates
 *   (the kernel migrates in batches and retries a few times), then the
 *   candidate fails with "alloc_contig_range: [start, end) PFNs busy".
 *   Pages migrated stay migrated.
 * - Pages lent to movable allocations are tracked here (`borrowed`), separately
 *   from the CMA bitmap: they are free in the bitmap but occupied in reality.
 * - `cma_release` of pages that are not allocated is not caught by the kernel
 *   (it frees them again); here it only clears bits that were set and reports
 *   how many were not, so `available_count` stays exact.
 */
import type { SimEvent, Why } from '../events.ts';
import { kernelCode, NEWEST_KERNEL } from '../config.ts';
import { kernelHas, kline, kmsg, type LogLine } from '../kernel-log/catalogue.ts';
import { kernelName } from '../kernel-versions.ts';
import { EBUSY } from '../errno.ts';
import { alignUp } from '../align.ts';

const NEWEST = kernelCode(NEWEST_KERNEL);

const FILE = 'mm/cma.c';

/** `CONFIG_CMA_ALIGNMENT` default. */
export const CMA_ALIGNMENT = 8;
/** `dma_contiguous_reserve_area` names the default area "reserved". */
export const CMA_DEFAULT_NAME = 'reserved';

export interface CmaArea {
  name: string;
  basePfn: number;
  /** Pages in the area. */
  count: number;
  orderPerBit: number;
  /** One byte per page: 1 = allocated by CMA. */
  bitmap: Uint8Array;
  availableCount: number;
  /** One byte per page: 1 = lent to a movable allocation (free in the bitmap). */
  borrowed: Uint8Array;
  borrowedCount: number;
  /** sysfs `alloc_pages_success` / `alloc_pages_fail`. */
  allocPagesSuccess: number;
  allocPagesFail: number;
}

export interface CmaAreaOptions {
  name?: string;
  basePfn: number;
  count: number;
}

/** Is the page at pfn in use (holds a movable page that must be migrated)? */
export type CmaIsBusy = (pfn: number) => boolean;
/**
 * Migrate the page at pfn out of the way: false if it cannot move (pinned),
 * true or the destination pfn if it moved.
 */
export type CmaMigrate = (pfn: number) => boolean | number;

export interface CmaAllocOptions {
  /** `__GFP_NOWARN` / `no_warn`: no log lines on failure. */
  noWarn?: boolean;
  /** Kernel version code for the wording of the log lines (default the newest modelled). */
  kernel?: number;
}

export interface CmaAllocResult {
  /** First pfn of the allocation, or -1. */
  pfn: number;
  /** 0 or -EBUSY. */
  ret: number;
  /** Kernel log lines on failure (the pr_err and `cma_debug_show_areas`). */
  log: LogLine[];
  /** alloc_contig_range's "PFNs busy" line for each candidate a page could not leave. */
  busyLines: string[];
  /** Pages migrated out (including those of failed candidates). */
  migrated: number;
  events: SimEvent[];
}

export interface CmaReleaseResult {
  ok: boolean;
  /** Pages in the range that were not allocated (a double free in the kernel). */
  notAllocated: number;
  events: SimEvent[];
}

export function createCmaArea(opts: CmaAreaOptions): CmaArea {
  return {
    name: opts.name ?? CMA_DEFAULT_NAME,
    basePfn: opts.basePfn,
    count: opts.count,
    orderPerBit: 0,
    bitmap: new Uint8Array(opts.count),
    availableCount: opts.count,
    borrowed: new Uint8Array(opts.count),
    borrowedCount: 0,
    allocPagesSuccess: 0,
    allocPagesFail: 0,
  };
}

/** `get_order(size)` for 4 KiB pages. */
export function getOrder(size: number, pageSize = 4096): number {
  let o = 0;
  while (pageSize * 2 ** o < size) o++;
  return o;
}

/** `cma_alloc_aligned`: `min(get_order(size), CONFIG_CMA_ALIGNMENT)`. */
export function cmaAlignForSize(size: number, pageSize = 4096): number {
  return Math.min(getOrder(size, pageSize), CMA_ALIGNMENT);
}

/**
 * `dma_alloc_contiguous`: may this allocation use CMA? Never from atomic
 * context (CMA migrates and sleeps); the default (global or per-NUMA) area
 * is not used for a single page; a device's own area is used for any size.
 */
export function dmaContiguousEligible(size: number, canBlock: boolean, deviceArea: boolean, pageSize = 4096): boolean {
  if (!canBlock) return false;
  if (deviceArea) return true;
  return size > pageSize;
}

/** `bitmap_find_next_zero_area_off`: returns the index, or a value ≥ size when nothing fits. */
export function bitmapFindNextZeroAreaOff(map: Uint8Array, size: number, start: number, nr: number, alignMask: number, alignOffset: number): number {
  for (;;) {
    let index = start;
    while (index < size && map[index]) index++; // find_next_zero_bit
    // index = __ALIGN_MASK(index + align_offset, align_mask) - align_offset
    index = alignUp(index + alignOffset, alignMask + 1) - alignOffset;
    const end = index + nr;
    if (end > size) return end;
    let i = index;
    while (i < end && !map[i]) i++; // find_next_bit(map, end, index)
    if (i < end) {
      start = i + 1;
      continue;
    }
    return index;
  }
}

/** The whys of an allocation, naming the functions as kernel `k` does (kernelName: cma_alloc, __cma_alloc, cma_range_alloc). */
function allocWhys(k: number): { alloc: Why; migrate: Why; busy: Why; fail: Why } {
  const search = kernelName(k, 'cmaSearch');
  return {
    alloc: { ...search, rule: 'First free, aligned run of bits (bitmap_find_next_zero_area_off); the bits are claimed, then every movable page in the range is migrated out.' },
    // alloc_contig_frozen_range is a name of kernels after 6.18, the newest modelled one
    migrate: { fn: 'alloc_contig_range', file: 'mm/page_alloc.c', rule: 'A movable page borrowing CMA memory is migrated out so the range becomes free for the contiguous allocation.' },
    busy: { ...search, rule: 'A page in the candidate range cannot be migrated (pinned): -EBUSY; the claim is released and the next aligned candidate is tried (bitmap_no + mask + 1).' },
    fail: { ...kernelName(k, 'cmaAlloc'), rule: 'No aligned run of free bits could be claimed and migrated: the CMA allocation fails (the errno depends on the era and on whether a candidate was busy).' },
  };
}
const WHY_RELEASE: Why = { fn: 'cma_release', file: FILE, rule: 'The pages are freed and their bitmap bits cleared.' };

/** The failure line of an allocation as this kernel prints it (kernel-log catalogue `cma.alloc-failed`: pr_info 4.11–4.14, pr_err from 4.15), or none before 4.11. */
export function cmaAllocFailedLine(area: CmaArea, count: number, ret: number, kernel: number = NEWEST): LogLine[] {
  return kernelHas(kernel, 'cma.alloc-failed') ? [kline(kernel, 'cma.alloc-failed', { area: area.name, count, ret })] : [];
}

/**
 * `cma_debug_show_areas`, as the log lines it produces (6.14+; before, only
 * with CONFIG_CMA_DEBUG): `pr_info` starts a record, `pr_cont` appends, and
 * the `pr_info("\n")` record ends with a newline so the final `pr_cont`
 * starts a record of its own.
 */
export function cmaDebugShowAreas(area: CmaArea, kernel: number = NEWEST): LogLine[] {
  if (!kernelHas(kernel, 'cma.areas-head')) return [];
  let runs = '';
  for (const r of cmaFreeRanges(area)) {
    const nrPart = r.count * 2 ** area.orderPerBit;
    runs += `${r.start ? '+' : ''}${nrPart}@${r.start}`;
  }
  return [
    kline(kernel, 'cma.areas-head'),
    kline(kernel, 'cma.areas-range', { range: 0, runs }),
    kline(kernel, 'cma.areas-end'),
    kline(kernel, 'cma.areas-total', { free: area.availableCount, total: area.count }),
  ];
}

/** Free runs of bitmap bits (`for_each_clear_bitrange`), for the view and the log. */
export function cmaFreeRanges(area: CmaArea): Array<{ start: number; count: number }> {
  const out: Array<{ start: number; count: number }> = [];
  const map = area.bitmap;
  let i = 0;
  while (i < area.count) {
    if (map[i]) {
      i++;
      continue;
    }
    const s = i;
    while (i < area.count && !map[i]) i++;
    out.push({ start: s, count: i - s });
  }
  return out;
}

function setBits(area: CmaArea, start: number, n: number): void {
  area.bitmap.fill(1, start, start + n);
  area.availableCount -= n;
}

/** `cma_clear_bitmap`. */
function clearBits(area: CmaArea, start: number, n: number): number {
  let cleared = 0;
  for (let i = start; i < start + n; i++) {
    if (area.bitmap[i]) {
      area.bitmap[i] = 0;
      cleared++;
    }
  }
  area.availableCount += cleared;
  return cleared;
}

/**
 * `cma_alloc(cma, count, align, no_warn)`. `align` is a page order; it is
 * capped at `CONFIG_CMA_ALIGNMENT` as `cma_alloc_aligned` and
 * `dma_alloc_from_contiguous` do. `isBusy` says which pages hold movable
 * data, `migrate` moves one (false: pinned). Pages marked borrowed in the
 * area are unmarked when they migrate.
 */
export function cmaAlloc(area: CmaArea, count: number, align: number, isBusy: CmaIsBusy, migrate: CmaMigrate, opts: CmaAllocOptions = {}): CmaAllocResult {
  const events: SimEvent[] = [];
  let migrated = 0;
  if (!area.count || !count) return { pfn: -1, ret: 0, log: [], busyLines: [], migrated, events };
  const whys = allocWhys(opts.kernel ?? NEWEST);
  align = Math.min(align, CMA_ALIGNMENT);
  const op = area.orderPerBit;
  // cma_bitmap_aligned_mask / cma_bitmap_aligned_offset
  const mask = align <= op ? 0 : 2 ** (align - op) - 1;
  const offset = Math.floor((area.basePfn % 2 ** align) / 2 ** op);
  const maxno = Math.floor(area.count / 2 ** op);
  const bitmapCount = Math.ceil(count / 2 ** op);
  let ret = EBUSY;
  let pfnOut = -1;
  const busyLines: string[] = [];

  if (bitmapCount <= maxno) {
    for (let start = 0; ; ) {
      // If the request is larger than the available number of pages, stop right away.
      if (count > area.availableCount) break;
      const bitmapNo = bitmapFindNextZeroAreaOff(area.bitmap, maxno, start, bitmapCount, mask, offset);
      if (bitmapNo >= maxno) break;
      setBits(area, bitmapNo, bitmapCount);
      const pfn = area.basePfn + bitmapNo * 2 ** op;
      // alloc_contig_range(pfn, pfn + count, …) (alloc_contig_frozen_range after 6.18): migrate_pages
      // moves every page it can; one that stays makes the isolation test fail
      let ok = true;
      for (let p = pfn; p < pfn + count; p++) {
        if (!isBusy(p)) continue;
        const r = migrate(p);
        if (r === false) {
          ok = false;
          continue;
        }
        migrated++;
        const bi = p - area.basePfn;
        if (area.borrowed[bi]) {
          area.borrowed[bi] = 0;
          area.borrowedCount--;
        }
        events.push({ kind: 'cma', op: 'migrate', pfn: p, count: 1, to: typeof r === 'number' ? r : undefined, why: whys.migrate });
      }
      if (ok) {
        ret = 0;
        pfnOut = pfn;
        break;
      }
      // test_pages_isolated() failed: pr_info_ratelimited("%s: [%lx, %lx) PFNs busy\n", __func__, outer_start, end)
      // until CMA_GATES.pfnsBusySilent; later kernels leave it to the test_pages_isolated trace event
      const kernel = opts.kernel ?? NEWEST;
      if (kernelHas(kernel, 'cma.pfns-busy')) {
        const busyLine = kmsg(kernel, 'cma.pfns-busy', { start: pfn.toString(16), end: (pfn + count).toString(16) });
        busyLines.push(busyLine);
        events.push({ kind: 'log', level: 'info', id: 'cma.pfns-busy', text: busyLine });
      }
      events.push({ kind: 'cma', op: 'busy_retry', pfn, count, why: whys.busy });
      clearBits(area, bitmapNo, bitmapCount);
      // try again with a bit different memory target
      start = bitmapNo + mask + 1;
    }
  }

  if (ret === 0) {
    area.allocPagesSuccess += count;
    events.push({ kind: 'cma', op: 'alloc', pfn: pfnOut, count, why: whys.alloc });
    return { pfn: pfnOut, ret, log: [], busyLines, migrated, events };
  }
  area.allocPagesFail += count;
  const log: LogLine[] = [];
  if (!opts.noWarn) {
    log.push(...cmaAllocFailedLine(area, count, ret, opts.kernel), ...cmaDebugShowAreas(area, opts.kernel));
    for (const line of log) events.push({ kind: 'log', ...line });
  }
  events.push({ kind: 'cma', op: 'fail', pfn: area.basePfn, count, why: whys.fail });
  return { pfn: -1, ret, log, busyLines, migrated, events };
}

/** `cma_release(cma, pages, count)`: false when the pages are not in the area. */
export function cmaRelease(area: CmaArea, pfn: number, count: number): CmaReleaseResult {
  const events: SimEvent[] = [];
  if (pfn < area.basePfn || pfn >= area.basePfn + area.count || pfn + count > area.basePfn + area.count) {
    return { ok: false, notAllocated: 0, events };
  }
  const cleared = clearBits(area, pfn - area.basePfn, count);
  events.push({ kind: 'cma', op: 'release', pfn, count, why: WHY_RELEASE });
  return { ok: true, notAllocated: count - cleared, events };
}

/**
 * A movable allocation borrows CMA memory: the lowest page that is free in
 * the bitmap and not already lent. Returns its pfn, or -1 when none is left.
 */
export function cmaBorrowMovable(area: CmaArea): number {
  for (let i = 0; i < area.count; i++) {
    if (!area.bitmap[i] && !area.borrowed[i]) {
      area.borrowed[i] = 1;
      area.borrowedCount++;
      return area.basePfn + i;
    }
  }
  return -1;
}

/** `n` pages for a movable allocation, each the lowest free page (`cmaBorrowMovable`); fewer if the area runs out. */
export function cmaBorrowMovablePages(area: CmaArea, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = cmaBorrowMovable(area);
    if (p < 0) break;
    out.push(p);
  }
  return out;
}

/** The movable page at pfn is freed (or moved away): the page is no longer lent. */
export function cmaReturnMovable(area: CmaArea, pfn: number): boolean {
  const i = pfn - area.basePfn;
  if (i < 0 || i >= area.count || !area.borrowed[i]) return false;
  area.borrowed[i] = 0;
  area.borrowedCount--;
  return true;
}

export function cmaIsBorrowed(area: CmaArea, pfn: number): boolean {
  const i = pfn - area.basePfn;
  return i >= 0 && i < area.count && area.borrowed[i] === 1;
}

/** Does pfn lie inside the area? */
export function cmaContains(area: CmaArea, pfn: number): boolean {
  return pfn >= area.basePfn && pfn < area.basePfn + area.count;
}
