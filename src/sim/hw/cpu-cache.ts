/**
 * The CPU data cache: one level, set-associative, write-back, write-allocate,
 * LRU (KERNEL-FACTS "Modelling decisions"). Lines are Invalid, Clean or Dirty
 * and hold their own bytes, so what the CPU reads through its cache, what RAM
 * holds and what a device reads can differ, as on real non-coherent hardware.
 *
 * The maintenance primitives here are the instructions the architectures'
 * DMA code issues (`dc cvac` / `dc ivac` / `dc civac` on arm64, `cbo.*` on
 * riscv, `mcr p15` on arm); arch/*.ts decides which one runs on which line.
 *
 * Simplified:
 * - Nothing is evicted or prefetched behind the scenario's back: only a set
 *   overflow (LRU), `cache_evict` and `cpu_prefetch` move lines.
 * - Physically indexed and tagged; no TLB, no write buffers, no other levels.
 */
import type { CacheLineState, LineAction, SimEvent } from '../events.ts';
import { LEFT_INVALID, LineRuns, WAS_DIRTY, WROTE_BACK } from './line-actions.ts';
import { copyWords, PAGE_SHIFT, PAGE_SIZE, PageCursor, ramPage, ramRead, ramWrite, type Ram } from './memory.ts';

const I = 0;
const C = 1;
const D = 2;
const STATE_NAMES: readonly CacheLineState[] = ['I', 'C', 'D'];

export interface CpuCache {
  size: number;
  line: number;
  ways: number;
  sets: number;
  /**
   * Physical address of the line in each slot; -1 exactly when the slot is
   * invalid. Slots are numbered way by way (way × sets + set), so one way's
   * lines for consecutive sets — a run of consecutive lines — sit next to
   * each other, and their bytes move with one copy.
   */
  tags: Float64Array;
  state: Uint8Array;
  /** Last-use stamp per slot, for LRU. */
  lru: Float64Array;
  /** The lines' bytes, `line` bytes per slot in slot order. */
  data: Uint8Array;
  /** `data` as 32-bit words (the same memory): whole lines move a word at a time. */
  words: Int32Array;
  /**
   * One bit per byte the CPU stored since the line was last clean (what an
   * invalidate would lose): `dirtyWords` words per slot, bit i of word w is
   * byte 32w + i of the line.
   */
  dirty: Int32Array;
  dirtyWords: number;
  /** sets - 1 when sets is a power of two (the scenario language requires it), else -1. */
  setMask: number;
  /** log2(line). */
  lineShift: number;
  /**
   * Lines present per bucket of physical pages (page frame number modulo
   * PAGE_BUCKETS): a zero says no line of any page in the bucket is cached,
   * so maintenance skips the page without looking its lines up. Pages
   * sharing a bucket only cost a walk over lines that turn out absent.
   */
  pageBuckets: Int32Array;
  clock: number;
}

const PAGE_BUCKETS = 1024;

/** The page bucket of a physical address (`>>>` keeps the low 32 bits, which hold the page number's low bits). */
function bucketOf(addr: number): number {
  return (addr >>> PAGE_SHIFT) & (PAGE_BUCKETS - 1);
}

/** May a line of the page holding `addr` be cached? (false: certainly not) */
export function pageMayHaveLines(c: CpuCache, addr: number): boolean {
  return c.pageBuckets[bucketOf(addr)] !== 0;
}

export function createCache(size: number, line: number, ways: number): CpuCache {
  const slots = size / line;
  const sets = slots / ways;
  const words = new Int32Array(size / 4);
  const dirtyWords = Math.ceil(line / 32);
  return {
    size,
    line,
    ways,
    sets,
    tags: new Float64Array(slots).fill(-1),
    state: new Uint8Array(slots),
    lru: new Float64Array(slots),
    data: new Uint8Array(words.buffer),
    words,
    dirty: new Int32Array(slots * dirtyWords),
    dirtyWords,
    setMask: (sets & (sets - 1)) === 0 ? sets - 1 : -1,
    lineShift: 31 - Math.clz32(line),
    pageBuckets: new Int32Array(PAGE_BUCKETS),
    clock: 0,
  };
}

/*
 * Addresses reach past 2^32, so `%` here would be a floating-point modulo (a
 * call into the runtime on every access). Line size and set count are powers
 * of two, so the low bits are shifted and masked instead: `>>>` takes the
 * address modulo 2^32 first, which keeps every bit below that, and the set
 * index lies below it (line × sets ≤ the cache's size).
 */
export function setOf(c: CpuCache, lineAddr: number): number {
  return c.setMask >= 0 ? (lineAddr >>> c.lineShift) & c.setMask : (lineAddr / c.line) % c.sets;
}

/** The slot of a set's way. */
export function slotAt(c: CpuCache, set: number, way: number): number {
  return way * c.sets + set;
}

/** The set and way of a slot. */
function placeOf(c: CpuCache, slot: number): { set: number; way: number } {
  const set = slot % c.sets;
  return { set, way: (slot - set) / c.sets };
}

/** Offset of `addr` within its cache line (the line size is a power of two). */
function lineOffset(c: CpuCache, addr: number): number {
  return addr & (c.line - 1);
}

/** Byte copy without allocating views (the spans here are at most one line). */
function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n > 64) dst.set(src.subarray(srcOff, srcOff + n), dstOff);
  else for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/** Mark bytes [off, off+n) of the slot's line as stored by the CPU. */
function markDirty(c: CpuCache, slot: number, off: number, n: number): void {
  const base = slot * c.dirtyWords;
  if (n === c.line && (n & 31) === 0) {
    for (let w = 0; w < c.dirtyWords; w++) c.dirty[base + w] = -1;
    return;
  }
  const end = off + n;
  for (let w = off >> 5; w << 5 < end; w++) {
    const lo = Math.max(off, w << 5) - (w << 5);
    const hi = Math.min(end, (w + 1) << 5) - (w << 5);
    c.dirty[base + w]! |= hi - lo === 32 ? -1 : ((1 << (hi - lo)) - 1) << lo;
  }
}

function clearDirty(c: CpuCache, slot: number): void {
  const base = slot * c.dirtyWords;
  for (let w = 0; w < c.dirtyWords; w++) c.dirty[base + w] = 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** How many bytes of the slot's line the CPU stored since it was last clean. */
export function dirtyByteCount(c: CpuCache, slot: number): number {
  let n = 0;
  for (let w = 0; w < c.dirtyWords; w++) n += popcount(c.dirty[slot * c.dirtyWords + w]!);
  return n;
}

/** Slot holding the line at `lineAddr`, or -1 (an invalid slot's tag is -1, never a line address). */
export function lookup(c: CpuCache, lineAddr: number): number {
  const tags = c.tags;
  for (let s = setOf(c, lineAddr); s < tags.length; s += c.sets) if (tags[s] === lineAddr) return s;
  return -1;
}

export function lineState(c: CpuCache, lineAddr: number): CacheLineState {
  const s = lookup(c, lineAddr);
  return s < 0 ? 'I' : STATE_NAMES[c.state[s]!]!;
}

/** Write the slot's line back to its RAM page (`page`: the words of the page holding it; a line never crosses a page). */
function writeBack(c: CpuCache, page: Int32Array, slot: number): void {
  const words = c.line >> 2;
  copyWords(page, (c.tags[slot]! & (PAGE_SIZE - 1)) >> 2, c.words, slot * words, words);
  c.state[slot] = C;
  clearDirty(c, slot);
}

function invalidateSlot(c: CpuCache, slot: number): void {
  if (c.state[slot] !== I) c.pageBuckets[bucketOf(c.tags[slot]!)]!--;
  c.state[slot] = I;
  c.tags[slot] = -1;
  clearDirty(c, slot);
}

/**
 * One pass over the line's set: the slot holding the line, or, when it is
 * not present, -1 - the slot a fill takes (the first invalid way, else the
 * least recently used one, the lowest way on a tie).
 */
function probe(c: CpuCache, lineAddr: number): number {
  const tags = c.tags;
  const lru = c.lru;
  const set = setOf(c, lineAddr);
  let invalid = -1;
  let oldest = set;
  for (let s = set; s < tags.length; s += c.sets) {
    const tag = tags[s]!;
    if (tag === lineAddr) return s;
    if (tag === -1) {
      if (invalid < 0) invalid = s;
    } else if (lru[s]! < lru[oldest]! || tags[oldest] === -1) oldest = s;
  }
  return -1 - (invalid >= 0 ? invalid : oldest);
}

/*
 * The hot paths pass slots, word offsets and array references between
 * functions, not addresses: an address above 2^31 is a double, which V8 boxes
 * on the heap at every call it is not inlined into (for a bounced 4 KiB
 * buffer that was one allocation per line).
 */

/** The slot a fill takes gives up the line it holds (an LRU eviction), written back first when dirty. */
function evictVictim(c: CpuCache, ram: Ram, victim: number, ev: SimEvent[] | null): void {
  if (c.state[victim] === I) return;
  const line = c.tags[victim]!;
  const dirty = c.state[victim] === D;
  if (dirty) writeBack(c, ramPage(ram, line, true)!, victim);
  if (ev) ev.push({ kind: 'cache_evict', line, ...placeOf(c, victim), dirty, reason: 'lru' });
  c.pageBuckets[bucketOf(line)]!--;
}

/** The slot's line was just filled: the event, when events are kept. */
function noteFill(c: CpuCache, slot: number, ev: SimEvent[]): void {
  ev.push({ kind: 'cache_fill', line: c.tags[slot]!, ...placeOf(c, slot) });
}

/** The bytes of `n` consecutive slots from `slot` on, from a RAM page's words from `pageWord` (no page: never written, zeros). */
function loadLines(c: CpuCache, slot: number, n: number, page: Int32Array | undefined, pageWord: number): void {
  const words = c.line >> 2;
  if (!page) c.words.fill(0, slot * words, (slot + n) * words);
  else moveWords(c.words, slot * words, page, pageWord, n * words);
}

/** The slot takes the line (clean), its page bucket counted. */
function claim(c: CpuCache, slot: number, lineAddr: number): void {
  c.pageBuckets[bucketOf(lineAddr)]!++;
  c.tags[slot] = lineAddr;
  c.state[slot] = C;
}

/**
 * Bring the line into `victim` (from probe()), clean, evicting what it held.
 * `page`: the RAM page under the line (undefined: never written, reads as
 * zero). `whole`: the caller is about to overwrite every byte, so reading RAM
 * would be unobservable and is skipped.
 */
function fillSlot(c: CpuCache, ram: Ram, lineAddr: number, victim: number, ev: SimEvent[] | null, page: Int32Array | undefined, whole: boolean): number {
  evictVictim(c, ram, victim, ev);
  claim(c, victim, lineAddr);
  if (!whole) loadLines(c, victim, 1, page, (lineAddr & (PAGE_SIZE - 1)) >> 2);
  if (ev) noteFill(c, victim, ev);
  return victim;
}

/** Bring the line into the cache (clean), evicting the LRU way of its set (the line is not present). */
function fill(c: CpuCache, ram: Ram, lineAddr: number, ev: SimEvent[] | null, whole = false): number {
  const p = probe(c, lineAddr);
  return fillSlot(c, ram, lineAddr, -1 - p, ev, whole ? undefined : ramPage(ram, lineAddr, false), whole);
}

export interface AccessCount {
  hits: number;
  misses: number;
}

/**
 * The slot holding the line at `lineAddr` for a CPU access: filled on a miss (`whole`: the
 * store overwrites the whole line, so nothing is read from RAM), counted, made most recent.
 */
function accessLine(c: CpuCache, ram: Ram, lineAddr: number, ev: SimEvent[] | null, n: AccessCount, whole = false): number {
  let slot = lookup(c, lineAddr);
  if (slot < 0) {
    slot = fill(c, ram, lineAddr, ev, whole);
    n.misses++;
  } else n.hits++;
  c.lru[slot] = ++c.clock;
  return slot;
}

/** A CPU load of `len` bytes at `phys` through the cache. */
export function cacheRead(c: CpuCache, ram: Ram, phys: number, len: number, out: Uint8Array, ev: SimEvent[] | null): AccessCount {
  const n = { hits: 0, misses: 0 };
  let done = 0;
  while (done < len) {
    const addr = phys + done;
    const lineAddr = addr - lineOffset(c, addr);
    const off = addr - lineAddr;
    const take = Math.min(len - done, c.line - off);
    const slot = accessLine(c, ram, lineAddr, ev, n);
    copyBytes(out, done, c.data, slot * c.line + off, take);
    done += take;
  }
  return n;
}

/** A CPU store of `src` at `phys` through the cache (write-allocate, write-back). */
export function cacheWrite(c: CpuCache, ram: Ram, phys: number, src: Uint8Array, ev: SimEvent[] | null): AccessCount {
  const n = { hits: 0, misses: 0 };
  let done = 0;
  const len = src.length;
  while (done < len) {
    const addr = phys + done;
    const lineAddr = addr - lineOffset(c, addr);
    const off = addr - lineAddr;
    const take = Math.min(len - done, c.line - off);
    const slot = accessLine(c, ram, lineAddr, ev, n, take === c.line);
    copyBytes(c.data, slot * c.line + off, src, done, take);
    markDirty(c, slot, off, take);
    c.state[slot] = D;
    done += take;
  }
  return n;
}

/**
 * A CPU memcpy of `len` bytes from `src` to `dst` (physical), through the
 * cache: loads fill source lines, stores dirty destination lines, line by
 * line, as a load and a store of each line would. When both sides share
 * their offset within a line (swiotlb's bounce copies do), each line is
 * loaded then stored inside the cache without a bounce buffer; when, on top
 * of that, no set is reached by two of its lines in an order the two phases
 * below could swap, the bytes move by runs (copyByRuns).
 */
export function cacheCopy(c: CpuCache, ram: Ram, dst: number, src: number, len: number, ev: SimEvent[] | null): void {
  if (lineOffset(c, dst - src) !== 0) {
    const tmp = new Uint8Array(len);
    cacheRead(c, ram, src, len, tmp, ev);
    cacheWrite(c, ram, dst, tmp, ev);
    return;
  }
  if (ev === null && len > 0 && setsApart(c, dst, src, len)) copyByRuns(c, ram, dst, src, len);
  else copyByLines(c, ram, dst, src, len, ev);
}

/**
 * Can copyByRuns do this copy? Its lines must each reach a set of their own
 * on either side (no more lines than sets), and where a set is reached from
 * both sides, by the same line's load and store: the source's sets and the
 * destination's are then the same ones, or none in common. Then every set
 * sees what it would see line by line (a load, then perhaps a store), and
 * no slot is written twice. One way is left out: a store's fill there can
 * evict the line its own load just brought in.
 */
function setsApart(c: CpuCache, dst: number, src: number, len: number): boolean {
  if (c.ways < 2 || c.setMask < 0) return false;
  const { first, last } = linesOf(c, src, len);
  const n = (last - first) / c.line + 1;
  if (n > c.sets) return false;
  const delta = (setOf(c, dst - lineOffset(c, dst)) - setOf(c, first)) & c.setMask;
  return delta === 0 || (delta >= n && c.sets - delta >= n);
}

/**
 * What copyByRuns's second phase moves, gathered by its first: runs of fills
 * from RAM (first slot, lines, page frame, first word in the page) and runs
 * of copies inside the cache (destination byte, source byte, bytes), four
 * and three numbers each. Reused from call to call (grown when needed).
 */
let fillRuns = new Float64Array(4 * 64);
let copyRuns = new Int32Array(3 * 64);

/**
 * cacheCopy in two phases. First the bookkeeping, line by line in the order
 * of a memcpy: the source line looked up (filled on a miss: its slot's old
 * line evicted), then the destination line (filled unless the store covers
 * it whole), LRU stamps, dirty bits. Then the bytes: every fill from RAM,
 * then every copy, by runs of consecutive slots (one way, consecutive sets),
 * each with a single native copy where it is long. setsApart makes the order
 * of the bytes' moves unobservable: each line's slots are its own, and an
 * eviction writes back a line this copy neither reads nor writes.
 */
function copyByRuns(c: CpuCache, ram: Ram, dst: number, src: number, len: number): void {
  const L = c.line;
  const W = L >> 2;
  const lru = c.lru;
  const state = c.state;
  const dirty = c.dirty;
  const dw = c.dirtyWords;
  const first = src - lineOffset(c, src);
  const dFirst = dst - lineOffset(c, dst);
  const n = (src + len - 1 - lineOffset(c, src + len - 1) - first) / L + 1;
  if (fillRuns.length < 4 * (n + 2)) fillRuns = new Float64Array(4 * (n + 2));
  if (copyRuns.length < 3 * n) copyRuns = new Int32Array(3 * n);
  const fr = fillRuns;
  const cr = copyRuns;
  let fills = 0;
  let copies = 0;
  let clock = c.clock;
  for (let i = 0; i < n; i++) {
    const sLine = first + i * L;
    const dLine = dFirst + i * L;
    const lo = i === 0 ? lineOffset(c, src) : 0;
    const hi = i === n - 1 ? lineOffset(c, src + len - 1) + 1 : L;
    let ss = probe(c, sLine);
    if (ss < 0) {
      ss = -1 - ss;
      if (state[ss] !== I) evictVictim(c, ram, ss, null);
      claim(c, ss, sLine);
      fills = addFill(fr, fills, ss, sLine, W);
    }
    lru[ss] = ++clock;
    let ds = probe(c, dLine);
    if (ds < 0) {
      ds = -1 - ds;
      if (state[ds] !== I) evictVictim(c, ram, ds, null);
      claim(c, ds, dLine);
      // a store over the whole line makes reading it from RAM unobservable
      if (hi - lo !== L) fills = addFill(fr, fills, ds, dLine, W);
    }
    lru[ds] = ++clock;
    if (hi - lo === L && (L & 31) === 0) for (let w = ds * dw; w < ds * dw + dw; w++) dirty[w] = -1;
    else markDirty(c, ds, lo, hi - lo);
    state[ds] = D;
    // the copy: a whole line joins the run before it when both its slots follow that run's
    const at = 3 * (copies - 1);
    if (copies > 0 && hi - lo === L && cr[at + 2]! % L === 0 && cr[at]! + cr[at + 2]! === ds * L && cr[at + 1]! + cr[at + 2]! === ss * L && lo === 0) cr[at + 2]! += L;
    else {
      cr[3 * copies] = ds * L + lo;
      cr[3 * copies + 1] = ss * L + lo;
      cr[3 * copies + 2] = hi - lo;
      copies++;
    }
  }
  c.clock = clock;
  // the bytes: fills from RAM first, then the copies
  const pages = new PageCursor(ram);
  for (let f = 0; f < fills; f++) loadLines(c, fr[4 * f]!, fr[4 * f + 1]!, pages.page(fr[4 * f + 2]!, false), fr[4 * f + 3]!);
  for (let k = 0; k < copies; k++) {
    const to = cr[3 * k]!;
    const from = cr[3 * k + 1]!;
    const bytes = cr[3 * k + 2]!;
    if (((to | from | bytes) & 3) === 0) moveWords(c.words, to >> 2, c.words, from >> 2, bytes >> 2);
    else c.data.copyWithin(to, from, from + bytes);
  }
}

/**
 * A fill of `slot` with the line at `line` joins the last run of fills when
 * it follows it (next slot, next line of the same page), else starts one.
 * Returns the number of runs.
 */
function addFill(fr: Float64Array, runs: number, slot: number, line: number, wordsPerLine: number): number {
  const pfn = Math.floor(line / PAGE_SIZE);
  const word = (line & (PAGE_SIZE - 1)) >> 2;
  const at = 4 * (runs - 1);
  if (runs > 0 && fr[at]! + fr[at + 1]! === slot && fr[at + 2] === pfn && fr[at + 3]! + fr[at + 1]! * wordsPerLine === word) {
    fr[at + 1]!++;
    return runs;
  }
  fr[4 * runs] = slot;
  fr[4 * runs + 1] = 1;
  fr[4 * runs + 2] = pfn;
  fr[4 * runs + 3] = word;
  return runs + 1;
}

/**
 * Runs of at least this many words move with one native copy (`set` of a
 * view, `copyWithin`); shorter ones with copyWords, which costs less than
 * the view and the call.
 */
const NATIVE_MIN_WORDS = 64;

/** Copy `n` words between two word arrays (the same one included: then the ranges do not overlap). */
function moveWords(dst: Int32Array, d: number, src: Int32Array, s: number, n: number): void {
  if (n < NATIVE_MIN_WORDS) copyWords(dst, d, src, s, n);
  else if (dst === src) dst.copyWithin(d, s, s + n);
  else dst.set(src.subarray(s, s + n), d);
}

/** cacheCopy one line at a time: a line's load, then its store. */
function copyByLines(c: CpuCache, ram: Ram, dst: number, src: number, len: number, ev: SimEvent[] | null): void {
  const L = c.line;
  // the RAM page under each side, looked up once per page
  const srcPages = new PageCursor(ram);
  const dstPages = new PageCursor(ram);
  let done = 0;
  while (done < len) {
    const s = src + done;
    const off = lineOffset(c, s);
    const take = Math.min(len - done, L - off);
    const sLine = s - off;
    const dLine = dst + done - off;
    let ss = probe(c, sLine);
    if (ss < 0) ss = fillSlot(c, ram, sLine, -1 - ss, ev, srcPages.page(Math.floor(sLine / PAGE_SIZE), false), false);
    c.lru[ss] = ++c.clock;
    let ds = probe(c, dLine);
    if (ds < 0) {
      const whole = take === L;
      const page = whole ? undefined : dstPages.page(Math.floor(dLine / PAGE_SIZE), false);
      if (-1 - ds === ss) {
        // one way and both lines in one set: the load happened before the store evicts its line
        const loaded = c.data.slice(ss * L + off, ss * L + off + take);
        ds = fillSlot(c, ram, dLine, ss, ev, page, whole);
        c.data.set(loaded, ds * L + off);
      } else {
        ds = fillSlot(c, ram, dLine, -1 - ds, ev, page, whole);
        copyInCache(c, ds * L + off, ss * L + off, take);
      }
    } else copyInCache(c, ds * L + off, ss * L + off, take);
    c.lru[ds] = ++c.clock;
    markDirty(c, ds, off, take);
    c.state[ds] = D;
    done += take;
  }
}

/** Move `n` bytes between two places in the cache's data, a word at a time when both are aligned. */
function copyInCache(c: CpuCache, to: number, from: number, n: number): void {
  if (((to | from | n) & 3) !== 0) {
    c.data.copyWithin(to, from, from + n);
    return;
  }
  copyWords(c.words, to >> 2, c.words, from >> 2, n >> 2);
}

/** The bytes of a dirty line the CPU stored since it was last clean (what an invalidate throws away) into `runs`. */
function recordLost(c: CpuCache, slot: number, runs: LineRuns): void {
  const dbase = slot * c.dirtyWords;
  let first = -1;
  let last = -1;
  for (let w = 0; w < c.dirtyWords; w++) {
    const bits = c.dirty[dbase + w]!;
    if (bits === 0) continue;
    // lowest set bit: 31 - clz32(bits & -bits); highest: 31 - clz32(bits)
    if (first < 0) first = (w << 5) + 31 - Math.clz32(bits & -bits);
    last = (w << 5) + 31 - Math.clz32(bits);
  }
  if (first < 0) return;
  const base = slot * c.line;
  let hex = '';
  for (let i = first; i <= last; i++) hex += c.data[base + i]!.toString(16).padStart(2, '0');
  runs.addLost(first, hex);
}

export type LineOp = 'clean' | 'inval' | 'clean_inval';

/** One maintenance instruction on the line at `lineAddr`; null when the line is not present. */
export function maintainLine(c: CpuCache, ram: Ram, lineAddr: number, op: LineOp): LineAction | null {
  const runs = new LineRuns(lineAddr, c.line);
  maintainRange(c, ram, lineAddr, c.line, op, false, runs);
  return runs.size ? runs.actions()[0]! : null;
}

/**
 * A maintenance instruction on every line of [start, start+size) that is
 * present, in address order, recorded in `runs` (made for the range's first
 * line, linesOf). Each line's instruction touches only that line (and its
 * bytes in RAM), so only the lines present are visited: the lines are looked
 * up one by one (pages with no line cached skipped whole), or, when the range
 * has more lines than the cache has sets, the cache's slots are scanned
 * instead (a large range costs no more than the cache is big).
 * `promoteEdges`: an invalidate of a line only partly inside the range cleans
 * it first (clean+invalidate). The write-backs are gathered into runs
 * (consecutive slots holding consecutive lines of one page), each moved with
 * one copy: nothing here changes a line's bytes, so a write-back may wait.
 */
export function maintainRange(c: CpuCache, ram: Ram, start: number, size: number, op: LineOp, promoteEdges: boolean, runs: LineRuns): void {
  const { first, last } = linesOf(c, start, size);
  const end = start + size;
  const edgeOp = op === 'inval' && promoteEdges ? 'clean_inval' : op;
  const pages = new PageCursor(ram);
  const L = c.line;
  const W = L >> 2;
  const tags = c.tags;
  const state = c.state;
  const buckets = c.pageBuckets;
  const dirty = c.dirty;
  const dw = c.dirtyWords;
  const lines = (last - first) / L + 1;
  const scanned = lines > c.sets ? scanSlots(c, first, last) : null;
  let wbSlot = -1;
  let wbLines = 0;
  let wbPage: Int32Array | undefined;
  let wbWord = 0;
  // the loop runs once per line of every DMA sync: everything inline
  for (let i = 0; i < (scanned ? scanned.length : lines); i++) {
    let slot = -1;
    let l: number;
    if (scanned) {
      slot = scanned[i]!;
      l = tags[slot]!;
    } else {
      l = first + i * L;
      if (buckets[(l >>> PAGE_SHIFT) & (PAGE_BUCKETS - 1)] === 0) {
        // nothing of this page is cached: on to its last line
        i += (PAGE_SIZE - (l & (PAGE_SIZE - 1))) / L - 1;
        continue;
      }
      for (let s = setOf(c, l); s < tags.length; s += c.sets) {
        if (tags[s] === l) {
          slot = s;
          break;
        }
      }
      if (slot < 0) continue;
    }
    const k = (l - first) / L;
    const lineOp = l < start || l + L > end ? edgeOp : op;
    const wasDirty = state[slot] === D;
    let bits = wasDirty ? WAS_DIRTY : 0;
    if (lineOp === 'inval') {
      bits |= LEFT_INVALID;
      runs.add(k, bits);
      if (wasDirty) recordLost(c, slot, runs);
    } else {
      if (wasDirty) {
        const page = pages.page(Math.floor(l / PAGE_SIZE), true)!;
        const word = (l & (PAGE_SIZE - 1)) >> 2;
        if (page === wbPage && slot === wbSlot + wbLines && word === wbWord + wbLines * W) wbLines++;
        else {
          if (wbLines) moveWords(wbPage!, wbWord, c.words, wbSlot * W, wbLines * W);
          wbSlot = slot;
          wbLines = 1;
          wbPage = page;
          wbWord = word;
        }
        bits |= WROTE_BACK;
      }
      if (lineOp === 'clean_inval') bits |= LEFT_INVALID;
      runs.add(k, bits);
    }
    if (bits & LEFT_INVALID) {
      buckets[(l >>> PAGE_SHIFT) & (PAGE_BUCKETS - 1)]!--;
      tags[slot] = -1;
      state[slot] = I;
    } else state[slot] = C;
    // a line not dirty has no dirty bits (markDirty sets them only with the state)
    if (wasDirty) for (let w = slot * dw; w < slot * dw + dw; w++) dirty[w] = 0;
  }
  if (wbLines) moveWords(wbPage!, wbWord, c.words, wbSlot * W, wbLines * W);
}

/** The slots holding lines in [first, last], in address order, found by scanning every slot. */
function scanSlots(c: CpuCache, first: number, last: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < c.tags.length; s++) {
    if (c.state[s] !== I && c.tags[s]! >= first && c.tags[s]! <= last) out.push(s);
  }
  return out.sort((a, b) => c.tags[a]! - c.tags[b]!);
}

/** Every line that intersects [start, start+size), as line addresses. */
export function linesOf(c: CpuCache, start: number, size: number): { first: number; last: number } {
  const first = start - lineOffset(c, start);
  const endByte = start + Math.max(size, 1) - 1;
  const last = endByte - lineOffset(c, endByte);
  return { first, last };
}

/** Every present line of the range leaves the cache, written back first when dirty. */
function flushOut(c: CpuCache, ram: Ram, start: number, size: number, reason: 'cache_evict' | 'snoop', ev: SimEvent[]): void {
  const { first, last } = linesOf(c, start, size);
  for (let l = first; l <= last; l += c.line) {
    const slot = lookup(c, l);
    if (slot < 0) continue;
    const dirty = c.state[slot] === D;
    if (dirty) writeBack(c, ramPage(ram, l, true)!, slot);
    ev.push({ kind: 'cache_evict', line: l, ...placeOf(c, slot), dirty, reason });
    invalidateSlot(c, slot);
  }
}

/** `cache_evict`: the lines leave the cache; dirty ones are written back first. */
export function evictRange(c: CpuCache, ram: Ram, start: number, size: number, ev: SimEvent[]): void {
  flushOut(c, ram, start, size, 'cache_evict', ev);
}

/** `cpu_prefetch`: the CPU speculatively loads the lines (clean) that are not present. */
export function prefetchRange(c: CpuCache, ram: Ram, start: number, size: number, ev: SimEvent[]): void {
  const { first, last } = linesOf(c, start, size);
  for (let l = first; l <= last; l += c.line) {
    if (lookup(c, l) < 0) c.lru[fill(c, ram, l, ev)] = ++c.clock;
  }
}

/**
 * A coherent device's read: RAM, with any dirty cache line supplying its
 * newer bytes (the interconnect snoops the CPU cache).
 */
export function snoopRead(c: CpuCache, ram: Ram, phys: number, len: number, out: Uint8Array): number {
  ramRead(ram, phys, len, out);
  let snooped = 0;
  const { first, last } = linesOf(c, phys, len);
  for (let l = first; l <= last; l += c.line) {
    const slot = lookup(c, l);
    if (slot < 0 || c.state[slot] !== D) continue;
    snooped++;
    const from = Math.max(l, phys);
    const to = Math.min(l + c.line, phys + len);
    out.set(c.data.subarray(slot * c.line + (from - l), slot * c.line + (to - l)), from - phys);
  }
  return snooped;
}

/**
 * A coherent device's write: dirty lines it touches are written back first
 * (the snoop), the data lands in RAM, and the CPU's copies are invalidated,
 * so nothing the CPU wrote to other bytes of those lines is lost.
 */
export function snoopWrite(c: CpuCache, ram: Ram, phys: number, src: Uint8Array, ev: SimEvent[]): void {
  flushOut(c, ram, phys, src.length, 'snoop', ev);
  ramWrite(ram, phys, src);
}

/** Lines present in the cache, for the explorer's cache view. */
export function cacheLines(c: CpuCache): Array<{ set: number; way: number; line: number; state: CacheLineState }> {
  const out: Array<{ set: number; way: number; line: number; state: CacheLineState }> = [];
  for (let set = 0; set < c.sets; set++) {
    for (let way = 0; way < c.ways; way++) {
      const s = slotAt(c, set, way);
      if (c.state[s] !== I) out.push({ set, way, line: c.tags[s]!, state: STATE_NAMES[c.state[s]!]! });
    }
  }
  return out;
}

/** The bytes a present line holds (for the byte views), or null. */
export function lineBytes(c: CpuCache, lineAddr: number): Uint8Array | null {
  const s = lookup(c, lineAddr);
  return s < 0 ? null : c.data.slice(s * c.line, (s + 1) * c.line);
}
