/**
 * Alignment: `include/linux/align.h` (ALIGN, ALIGN_DOWN) and `PAGE_ALIGN`
 * (`include/linux/mm.h`). The one owner of rounding a size or an address to a
 * boundary; the kernel's macros need a power of two, these take any positive
 * integer.
 */
import { PAGE_SIZE } from './hw/memory.ts';

/** ALIGN(x, a): x rounded up to a multiple of a. */
export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** ALIGN_DOWN(x, a): x rounded down to a multiple of a. */
export function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

/**
 * x % a, the offset of x past a boundary: for x ≥ 0 by dividing and
 * subtracting (exact below 2^53 for a power of two), because `%` of an
 * address past 2^31 is a floating-point runtime call; a negative x (a bad
 * address a scenario passed) keeps `%`'s sign.
 */
export function offsetIn(x: number, a: number): number {
  return x >= 0 ? x - Math.floor(x / a) * a : x % a;
}

/** PAGE_ALIGN(size): size rounded up to whole pages. */
export function pageAlign(size: number): number {
  return alignUp(size, PAGE_SIZE);
}
