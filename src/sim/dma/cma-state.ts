/**
 * The machine's CMA state — the default area that `dma_contiguous_reserve`
 * declares at boot (`kernel/dma/contiguous.c`, area "reserved") plus what the
 * page allocator and GUP know about the pages lent to movable allocations:
 * which movable buffer holds each page (`MIGRATE_CMA` pageblocks lent to
 * page cache / anonymous memory) and how many short-term pins each page
 * carries (`pin_user_pages` / `unpin_user_page`, `mm/gup.c`).
 *
 * What it is for: plain data the CMA operations (contiguous-ops.ts) and the
 * CMA view read. The allocator itself (bitmap, `cma_range_alloc`) is
 * contiguous.ts; this file only adds the bookkeeping around it.
 *
 * Simplified:
 * - One area, the default one; no per-device (`dev->cma_area`) or per-NUMA
 *   areas, so `dev_get_cma_area(dev)` is always the default area.
 * - Pins are counted per physical page (the kernel counts them in the folio's
 *   refcount with `GUP_PIN_COUNTING_BIAS`); a pinned page never moves, so a
 *   physical key stays valid for as long as the pin.
 * - This file imports no machine code, so machine.ts can create the state
 *   without an import cycle.
 */
import { createCmaArea, type CmaArea } from './contiguous.ts';

export interface CmaState {
  /** The default area (`dma_contiguous_default_area`); count 0 when `cma=0`. */
  area: CmaArea;
  /** Per page of the area: id of the movable buffer borrowing it, or -1. */
  owner: Int32Array;
  /** Short-term pin count per physical page frame number (any page, in CMA or not). */
  pins: Record<number, number>;
}

export function createCmaState(basePfn: number, count: number): CmaState {
  const owner = new Int32Array(count);
  owner.fill(-1);
  return { area: createCmaArea({ basePfn, count }), owner, pins: {} };
}

/** Is the page at `pfn` pinned? */
export function cmaPinned(s: CmaState, pfn: number): boolean {
  return (s.pins[pfn] ?? 0) > 0;
}

/** The movable buffer borrowing the CMA page at `pfn`, or -1 (outside the area, or not lent). */
export function cmaOwnerOf(s: CmaState, pfn: number): number {
  const i = pfn - s.area.basePfn;
  return i >= 0 && i < s.area.count ? s.owner[i]! : -1;
}

/** Free CMA pages: neither allocated by CMA nor lent to a movable allocation. */
export function cmaFreePages(s: CmaState): number {
  let n = 0;
  for (let i = 0; i < s.area.count; i++) if (!s.area.bitmap[i] && !s.area.borrowed[i]) n++;
  return n;
}
