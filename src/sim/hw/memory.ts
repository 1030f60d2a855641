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

export interface Ram {
  size: number;
  /**
   * Materialised pages by page frame number, as 32-bit words: whole cache
   * lines move a word at a time; byte accesses take a Uint8Array view of the
   * same memory. One object per page keeps a checkpoint's clone cheap.
   */
  pages: Map<number, Int32Array>;
  /**
   * Where new pages come from: a chunk of zeroed pages (newPage), each page
   * a view of it, `chunkUsed` of them handed out. A typed array of its
   * own per page cost an off-heap allocation each, and V8 collects garbage
   * by the external memory they add: a bounce pool's first pass (a page
   * written back per bounced mapping) spent a quarter of its time there. A
   * structured clone copies a chunk once and keeps its pages views of the
   * copy, so a clone's pages stay apart from the original's.
   */
  chunk: Int32Array | null;
  chunkUsed: number;
}

/**
 * Chunks double from one page up to PAGES_PER_CHUNK (64 KiB): a machine that
 * touches a few pages (most scenarios, and a checkpoint is a clone of one)
 * holds at most twice the pages it uses, a busy one one allocation per 16.
 */
const PAGES_PER_CHUNK = 16;
const PAGE_WORDS = 1024;

export function createRam(size: number): Ram {
  return { size, pages: new Map(), chunk: null, chunkUsed: 0 };
}

/** A zeroed page's words, the next of the current chunk. */
function newPage(ram: Ram): Int32Array {
  if (ram.chunk === null || ram.chunkUsed * PAGE_WORDS === ram.chunk.length) {
    const pages = ram.chunk === null ? 1 : Math.min(PAGES_PER_CHUNK, (2 * ram.chunk.length) / PAGE_WORDS);
    ram.chunk = new Int32Array(pages * PAGE_WORDS);
    ram.chunkUsed = 0;
  }
  const at = ram.chunkUsed++ * PAGE_WORDS;
  return ram.chunk.subarray(at, at + PAGE_WORDS);
}

function pageWords(ram: Ram, pfn: number, create: boolean): Int32Array | undefined {
  let page = ram.pages.get(pfn);
  if (!page && create) {
    page = newPage(ram);
    ram.pages.set(pfn, page);
  }
  return page;
}

/** The words of the RAM page holding `phys`; created (zeroed) when `create` and not yet written. */
export function ramPage(ram: Ram, phys: number, create: boolean): Int32Array | undefined {
  return pageWords(ram, Math.floor(phys / PAGE_SIZE), create);
}

/** The page's bytes (a view, made once per run of bytes within the page). */
function pageFor(ram: Ram, pfn: number, create: boolean): Uint8Array | undefined {
  const w = pageWords(ram, pfn, create);
  return w && new Uint8Array(w.buffer, w.byteOffset, PAGE_SIZE);
}

/**
 * Spans up to this many bytes are copied element by element: creating the
 * subarray view `set()` needs costs more than the loop (and makes garbage).
 */
const LOOP_MAX = 64;

/**
 * The RAM page under a run of cache lines, looked up once per page rather
 * than once per line: a cursor lives for one run (one maintenance range) and
 * remembers the last page it found. It takes page frame numbers (small
 * integers), not addresses: an address above 2^31 is a double, boxed on the
 * heap at a call that is not inlined.
 */
export class PageCursor {
  private pfn = -1;
  private words: Int32Array | undefined;
  constructor(private readonly ram: Ram) {}

  /** The words of page `pfn`; created (zeroed) when `create` and not yet written. */
  page(pfn: number, create: boolean): Int32Array | undefined {
    // a page not yet written is looked up again: a write-back may create it meanwhile
    if (pfn !== this.pfn || this.words === undefined) {
      this.words = pageWords(this.ram, pfn, create);
      this.pfn = pfn;
    }
    return this.words;
  }
}

/**
 * Copy `n` 32-bit words. Unrolled by eight: a plain element loop costs about
 * four times as much per word in V8, and a cache line is a multiple of eight
 * words from 32 bytes up (16-byte lines take the plain loop).
 */
export function copyWords(dst: Int32Array, d: number, src: Int32Array, s: number, n: number): void {
  if ((n & 7) !== 0) {
    for (let k = 0; k < n; k++) dst[d + k] = src[s + k]!;
    return;
  }
  for (let k = 0; k < n; k += 8) {
    dst[d + k] = src[s + k]!;
    dst[d + k + 1] = src[s + k + 1]!;
    dst[d + k + 2] = src[s + k + 2]!;
    dst[d + k + 3] = src[s + k + 3]!;
    dst[d + k + 4] = src[s + k + 4]!;
    dst[d + k + 5] = src[s + k + 5]!;
    dst[d + k + 6] = src[s + k + 6]!;
    dst[d + k + 7] = src[s + k + 7]!;
  }
}

/** Walks `[phys, phys + len)` a page at a time: `visit` gets the page frame, the offset in it, the bytes there and how many came before. */
function eachPage(phys: number, len: number, visit: (pfn: number, off: number, n: number, done: number) => void): void {
  let done = 0;
  while (done < len) {
    const addr = phys + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const off = addr - pfn * PAGE_SIZE;
    const n = Math.min(len - done, PAGE_SIZE - off);
    visit(pfn, off, n, done);
    done += n;
  }
}

/** Copy `len` bytes of RAM at `phys` into `out[outOff…]`. Unwritten RAM reads as zero. */
export function ramRead(ram: Ram, phys: number, len: number, out: Uint8Array, outOff = 0): void {
  eachPage(phys, len, (pfn, off, n, done) => {
    const page = pageFor(ram, pfn, false);
    if (!page) out.fill(0, outOff + done, outOff + done + n);
    else if (n <= LOOP_MAX) for (let i = 0; i < n; i++) out[outOff + done + i] = page[off + i]!;
    else out.set(page.subarray(off, off + n), outOff + done);
  });
}

/** Write `src[srcOff…srcOff+len)` to RAM at `phys`. */
export function ramWrite(ram: Ram, phys: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): void {
  eachPage(phys, len, (pfn, off, n, done) => {
    const page = pageFor(ram, pfn, true)!;
    if (n <= LOOP_MAX) for (let i = 0; i < n; i++) page[off + i] = src[srcOff + done + i]!;
    else page.set(src.subarray(srcOff + done, srcOff + done + n), off);
  });
}

export function ramFill(ram: Ram, phys: number, byte: number, len: number): void {
  eachPage(phys, len, (pfn, off, n) => {
    const page = pageFor(ram, pfn, byte !== 0);
    if (page) page.fill(byte, off, off + n);
  });
}

/** Copy RAM to RAM (a page migration, a DMA engine copy). */
export function ramCopy(ram: Ram, to: number, from: number, len: number): void {
  const tmp = new Uint8Array(len);
  ramRead(ram, from, len, tmp);
  ramWrite(ram, to, tmp);
}
