/**
 * Error numbers: `include/uapi/asm-generic/errno-base.h` (and ENOSYS, `errno.h`). Each constant is
 * what a kernel function returns for it (`return -EINVAL;`), so it is
 * negative; `errnoName` names such a value the way a step's `error` does.
 */

export const EIO = -5;
export const ENXIO = -6;
export const EFAULT = -14;
export const ENOMEM = -12;
export const EBUSY = -16;
export const EEXIST = -17;
export const ENODEV = -19;
export const EINVAL = -22;
export const ERANGE = -34;
export const ENOSYS = -38;

const NAMES: ReadonlyMap<number, string> = new Map([
  [EIO, 'EIO'],
  [ENXIO, 'ENXIO'],
  [ENOMEM, 'ENOMEM'],
  [EFAULT, 'EFAULT'],
  [EBUSY, 'EBUSY'],
  [EEXIST, 'EEXIST'],
  [ENODEV, 'ENODEV'],
  [EINVAL, 'EINVAL'],
  [ERANGE, 'ERANGE'],
  [ENOSYS, 'ENOSYS'],
]);

/** The name of a negative errno (`-22` → `EINVAL`); `E<n>` for one not listed here. */
export function errnoName(ret: number): string {
  return NAMES.get(ret) ?? `E${-ret}`;
}
