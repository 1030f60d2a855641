/**
 * Physical memory: sparse RAM and its zones.
 *
 * Mirrors what `mm/memblock.c` and the zone layout give the DMA layer: RAM
 * starts zeroed, pages are materialised on first write (an 8 GiB machine costs
 * only what a scenario touches), and every address belongs to a zone that
 * decides which GFP flags may use it.
 *
 * Simplified:
 * - RAM is one bank at physical 0 on every architecture.
 * - Zones are ZONE_DMA [0, 16 MiB), ZONE_DMA32 [16 MiB, 4 GiB) and ZONE_NORMAL
 *   above, on every architecture (arm64's ZONE_DMA limit depends on firmware).
 * - No highmem: every page has a linear-map address.
 */

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const SZ_16M = 16 * 1024 * 1024;
export const SZ_4G = 4 * 1024 * 1024 * 1024;

/** One materialised page: its bytes, and the same bytes as 32-bit words (whole cache lines move a word at a time). */
export interface RamPage {
  b: Uint8Array;
  w: Int32Array;
}

export interface Ram {
  size: number;
  /** Materialised pages by page frame number. */
  pages: Map<number, RamPage>;
}

export function createRam(size: number): Ram {
  return { size, pages: new Map() };
}

export function zoneOf(phys: number): 'DMA' | 'DMA32' | 'Normal' {
  if (phys < SZ_16M) return 'DMA';
  if (phys < SZ_4G) return 'DMA32';
  return 'Normal';
}

function newPage(): RamPage {
  const w = new Int32Array(PAGE_SIZE / 4);
  return { b: new Uint8Array(w.buffer), w };
}

function pageFor(ram: Ram, pfn: number, create: boolean): RamPage | undefined {
  let page = ram.pages.get(pfn);
  if (!page && create) {
    page = newPage();
    ram.pages.set(pfn, page);
  }
  return page;
}

/**
 * Spans up to this many bytes are copied element by element: creating the
 * subarray view `set()` needs costs more than the loop (and makes garbage).
 */
const LOOP_MAX = 64;

/**
 * Whole cache lines between RAM and a cache's word array: `phys` and
 * `words * 4` stay inside one page (a line never crosses one), 4-byte aligned.
 */
export function ramReadWords(ram: Ram, phys: number, dst: Int32Array, dstWord: number, words: number): void {
  const page = ram.pages.get(Math.floor(phys / PAGE_SIZE));
  if (!page) {
    for (let i = 0; i < words; i++) dst[dstWord + i] = 0;
    return;
  }
  const w = page.w;
  const from = (phys % PAGE_SIZE) >> 2;
  for (let i = 0; i < words; i++) dst[dstWord + i] = w[from + i]!;
}

export function ramWriteWords(ram: Ram, phys: number, src: Int32Array, srcWord: number, words: number): void {
  const w = pageFor(ram, Math.floor(phys / PAGE_SIZE), true)!.w;
  const to = (phys % PAGE_SIZE) >> 2;
  for (let i = 0; i < words; i++) w[to + i] = src[srcWord + i]!;
}

/** Copy `len` bytes of RAM at `phys` into `out[outOff…]`. Unwritten RAM reads as zero. */
export function ramRead(ram: Ram, phys: number, len: number, out: Uint8Array, outOff = 0): void {
  let done = 0;
  while (done < len) {
    const addr = phys + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const off = addr - pfn * PAGE_SIZE;
    const n = Math.min(len - done, PAGE_SIZE - off);
    const page = pageFor(ram, pfn, false)?.b;
    if (!page) out.fill(0, outOff + done, outOff + done + n);
    else if (n <= LOOP_MAX) for (let i = 0; i < n; i++) out[outOff + done + i] = page[off + i]!;
    else out.set(page.subarray(off, off + n), outOff + done);
    done += n;
  }
}

/** Write `src[srcOff…srcOff+len)` to RAM at `phys`. */
export function ramWrite(ram: Ram, phys: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): void {
  let done = 0;
  while (done < len) {
    const addr = phys + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const off = addr - pfn * PAGE_SIZE;
    const n = Math.min(len - done, PAGE_SIZE - off);
    const page = pageFor(ram, pfn, true)!.b;
    if (n <= LOOP_MAX) for (let i = 0; i < n; i++) page[off + i] = src[srcOff + done + i]!;
    else page.set(src.subarray(srcOff + done, srcOff + done + n), off);
    done += n;
  }
}

export function ramFill(ram: Ram, phys: number, byte: number, len: number): void {
  let done = 0;
  while (done < len) {
    const addr = phys + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const off = addr - pfn * PAGE_SIZE;
    const n = Math.min(len - done, PAGE_SIZE - off);
    const page = pageFor(ram, pfn, byte !== 0);
    if (page) page.b.fill(byte, off, off + n);
    done += n;
  }
}

/** Copy RAM to RAM (a page migration, a DMA engine copy). */
export function ramCopy(ram: Ram, to: number, from: number, len: number): void {
  const tmp = new Uint8Array(len);
  ramRead(ram, from, len, tmp);
  ramWrite(ram, to, tmp);
}
