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

/** PAGE_ALIGN(size): size rounded up to whole pages. */
export function pageAlign(size: number): number {
  return alignUp(size, PAGE_SIZE);
}
