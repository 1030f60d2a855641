/**
 * A typed array's contents in a new one of `cap` elements (the rest zero), of
 * the same kind: how the worker's growing columns (timeline rows, the step
 * index, the ownership log) make room.
 */
export function grown<T extends Int32Array | Uint8Array | Uint16Array | Uint32Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}
