/**
 * Numbers in words: addresses in hex and sizes in binary units, as the
 * engine's messages, the CLI, the explanation and the views write them. The
 * one owner of these formats; it lives in the engine (pure, no imports) so
 * every layer above may read it.
 */

/** `0x1f00`; a negative number keeps its sign (`-0x10`, an offset before a buffer). */
export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/**
 * `%016llx` of a dma_addr_t or phys_addr_t: 16 hex digits, no `0x`. A
 * negative number (the explorer's DMA_MAPPING_ERROR, -1) prints as its 64-bit
 * two's complement, as the kernel's ~0 does.
 */
export function hex16(n: number): string {
  if (n >= 0) return n.toString(16).padStart(16, '0');
  return BigInt.asUintN(64, BigInt(n)).toString(16).padStart(16, '0');
}

/** A dma_addr_t as the explorer shows a handle: `0x1000`, and the explorer's DMA_MAPPING_ERROR (-1) as the kernel's all ones, `0xffffffffffffffff`. */
export function hexDma(n: number): string {
  return n < 0 ? `0x${hex16(n)}` : hex(n);
}

/**
 * A kernel virtual address as `%px` prints it: 16 hex digits, the engine's
 * 48-bit VAs under the arm64 0xffff prefix; anything else as `%016llx`.
 */
export function kernelPtr(va: number): string {
  return va >= 0 && va < 2 ** 48 ? `ffff${va.toString(16).padStart(12, '0')}` : hex16(va);
}

/** Bytes as two lowercase hex digits each, no separator: `[0xde, 0xad]` → `dead`. */
export function bytesHex(b: Iterable<number>): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** `0x1_0000_0000`: hex with a separator every 4 digits, so long addresses stay readable. */
export function hexGrouped(n: number): string {
  if (n < 0) return `-${hexGrouped(-n)}`;
  const h = Math.floor(n).toString(16);
  return `0x${h.replace(/\B(?=(?:[0-9a-f]{4})+$)/g, '_')}`;
}

/** `1 line`, `3 lines`; `many` for an irregular plural (`2 misses`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
];

/** Bytes in the largest binary unit that divides them: `4 KiB`, `2 MiB`, `1 GiB`, else `300 B`. */
export function sizeExact(n: number): string {
  for (const [unit, v] of UNITS) if (n >= v && n % v === 0) return `${n / v} ${unit}`;
  return `${n} B`;
}

/** Bytes in binary units, short, fractions allowed: `4 KiB`, `1.5 MiB`, `8 GiB`, `300 B`. */
export function sizeShort(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = u === 0 || Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${s} ${units[u]}`;
}

/** A size as the scenario language writes it: `4K`, `2M`, `1G`, else the number. */
export function sizeLiteral(n: number): string {
  if (n === 0) return '0';
  for (const [unit, v] of UNITS) if (n % v === 0) return `${n / v}${unit[0]}`;
  return String(n);
}
