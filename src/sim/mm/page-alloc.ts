/**
 * The physical allocator behind kmalloc, alloc_pages and vmalloc
 * (`mm/page_alloc.c`, `mm/slub.c`), reduced to the product's deterministic rule
 * (KERNEL-FACTS "Modelling decisions"): hand out the highest-addressed free
 * block that fits and that the GFP zone allows. So a block just freed is the
 * next one handed out, and on an 8 GiB machine GFP_KERNEL memory sits above
 * 4 GiB, out of reach of a 32-bit device.
 *
 * Simplified:
 * - One free list of byte ranges instead of per-order buddy lists and slabs;
 *   alignment stands in for the buddy's natural alignment and slab size classes.
 * - The swiotlb pool and the CMA area are never on this list: ordinary
 *   allocations do not come from them (the CMA area is lent to movable pages
 *   only, by contiguous.ts).
 */

import { alignDown } from '../align.ts';

export interface FreeList {
  /** Sorted, disjoint, non-adjacent free ranges [starts[i], ends[i]). */
  starts: number[];
  ends: number[];
}

export function createFreeList(ranges: Array<[number, number]>): FreeList {
  const fl: FreeList = { starts: [], ends: [] };
  for (const [s, e] of ranges) if (e > s) freeRange(fl, s, e - s);
  return fl;
}

/**
 * Highest block of `size` bytes aligned to `align` that lies below `limit`
 * (exclusive). Returns its address, or -1 when none fits.
 */
export function allocHighest(fl: FreeList, size: number, align: number, limit: number): number {
  for (let i = fl.starts.length - 1; i >= 0; i--) {
    const start = fl.starts[i]!;
    if (start >= limit) continue;
    const top = Math.min(fl.ends[i]!, limit);
    const cand = alignDown(top - size, align);
    if (cand >= start) {
      takeRange(fl, i, cand, size);
      return cand;
    }
  }
  return -1;
}

/** Claim exactly [addr, addr+size) if it is free; false when any of it is not. */
export function allocAt(fl: FreeList, addr: number, size: number): boolean {
  const i = findContaining(fl, addr);
  if (i < 0 || fl.ends[i]! < addr + size) return false;
  takeRange(fl, i, addr, size);
  return true;
}

export function isFree(fl: FreeList, addr: number, size: number): boolean {
  const i = findContaining(fl, addr);
  return i >= 0 && fl.ends[i]! >= addr + size;
}

/** Return [addr, addr+size) to the list, merging with free neighbours. */
export function freeRange(fl: FreeList, addr: number, size: number): void {
  const end = addr + size;
  // index of the first range starting after addr
  let lo = 0;
  let hi = fl.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fl.starts[mid]! <= addr) lo = mid + 1;
    else hi = mid;
  }
  const mergeLeft = lo > 0 && fl.ends[lo - 1] === addr;
  const mergeRight = lo < fl.starts.length && fl.starts[lo] === end;
  if (mergeLeft && mergeRight) {
    fl.ends[lo - 1] = fl.ends[lo]!;
    fl.starts.splice(lo, 1);
    fl.ends.splice(lo, 1);
  } else if (mergeLeft) {
    fl.ends[lo - 1] = end;
  } else if (mergeRight) {
    fl.starts[lo] = addr;
  } else {
    fl.starts.splice(lo, 0, addr);
    fl.ends.splice(lo, 0, end);
  }
}

export function freeBytes(fl: FreeList): number {
  let n = 0;
  for (let i = 0; i < fl.starts.length; i++) n += fl.ends[i]! - fl.starts[i]!;
  return n;
}

function findContaining(fl: FreeList, addr: number): number {
  let lo = 0;
  let hi = fl.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fl.starts[mid]! > addr) hi = mid - 1;
    else if (fl.ends[mid]! <= addr) lo = mid + 1;
    else return mid;
  }
  return -1;
}

function takeRange(fl: FreeList, i: number, addr: number, size: number): void {
  const s = fl.starts[i]!;
  const e = fl.ends[i]!;
  const end = addr + size;
  if (s === addr && e === end) {
    fl.starts.splice(i, 1);
    fl.ends.splice(i, 1);
  } else if (s === addr) {
    fl.starts[i] = end;
  } else if (e === end) {
    fl.ends[i] = addr;
  } else {
    fl.ends[i] = addr;
    fl.starts.splice(i + 1, 0, end);
    fl.ends.splice(i + 1, 0, e);
  }
}
