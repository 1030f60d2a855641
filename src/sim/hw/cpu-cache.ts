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
import { copyWords, lineFromPage, lineToPage, PAGE_SHIFT, PAGE_SIZE, PageCursor, ramRead, ramWrite, type Ram } from './memory.ts';

const I = 0;
const C = 1;
const D = 2;
const STATE_NAMES: readonly CacheLineState[] = ['I', 'C', 'D'];

export interface CpuCache {
  size: number;
  line: number;
  ways: number;
  sets: number;
  /** Physical address of the line in each slot (set * ways + way); -1 exactly when the slot is invalid. */
  tags: Float64Array;
  state: Uint8Array;
  /** Last-use stamp per slot, for LRU. */
  lru: Float64Array;
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
  const base = setOf(c, lineAddr) * c.ways;
  for (let s = base; s < base + c.ways; s++) if (c.tags[s] === lineAddr) return s;
  return -1;
}

export function lineState(c: CpuCache, lineAddr: number): CacheLineState {
  const s = lookup(c, lineAddr);
  return s < 0 ? 'I' : STATE_NAMES[c.state[s]!]!;
}

/** Write the slot's line back to RAM; `ram` finds its page (a cursor when a run of lines is written back). */
function writeBack(c: CpuCache, ram: Ram | PageCursor, slot: number): void {
  const words = c.line >> 2;
  const line = c.tags[slot]!;
  const page = ram instanceof PageCursor ? ram.words(line, true)! : new PageCursor(ram).words(line, true)!;
  lineToPage(page, line, c.words, slot * words, words);
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
  const base = setOf(c, lineAddr) * c.ways;
  let invalid = -1;
  let oldest = base;
  for (let s = base; s < base + c.ways; s++) {
    const tag = c.tags[s]!;
    if (tag === lineAddr) return s;
    if (tag === -1) {
      if (invalid < 0) invalid = s;
    } else if (c.lru[s]! < c.lru[oldest]! || c.tags[oldest] === -1) oldest = s;
  }
  return -1 - (invalid >= 0 ? invalid : oldest);
}

/**
 * Bring the line into `victim` (from probe()), clean, evicting what it held.
 * `page`: the RAM page under the line (undefined: never written, reads as
 * zero). `whole`: the caller is about to overwrite every byte, so reading RAM
 * would be unobservable and is skipped.
 */
function fillSlot(c: CpuCache, ram: Ram, lineAddr: number, victim: number, ev: SimEvent[] | null, page: Int32Array | undefined, whole: boolean): number {
  const way = victim % c.ways;
  if (c.state[victim] !== I) {
    const dirty = c.state[victim] === D;
    if (dirty) writeBack(c, ram, victim);
    ev?.push({ kind: 'cache_evict', line: c.tags[victim]!, set: (victim - way) / c.ways, way, dirty, reason: 'lru' });
    c.pageBuckets[bucketOf(c.tags[victim]!)]!--;
  }
  c.pageBuckets[bucketOf(lineAddr)]!++;
  c.tags[victim] = lineAddr;
  c.state[victim] = C;
  if (!whole) lineFromPage(page, lineAddr, c.words, victim * (c.line >> 2), c.line >> 2);
  ev?.push({ kind: 'cache_fill', line: lineAddr, set: (victim - way) / c.ways, way });
  return victim;
}

/** Bring the line into the cache (clean), evicting the LRU way of its set (the line is not present). */
function fill(c: CpuCache, ram: Ram, lineAddr: number, ev: SimEvent[] | null, whole = false): number {
  const p = probe(c, lineAddr);
  return fillSlot(c, ram, lineAddr, -1 - p, ev, whole ? undefined : new PageCursor(ram).words(lineAddr, false), whole);
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
 * cache: loads fill source lines, stores dirty destination lines. When both
 * sides share their offset within a line (swiotlb's bounce copies do), each
 * line is loaded then stored inside the cache without a bounce buffer, one
 * pass over each side's set, the RAM page under each side found once per page.
 */
export function cacheCopy(c: CpuCache, ram: Ram, dst: number, src: number, len: number, ev: SimEvent[] | null): void {
  if (lineOffset(c, dst - src) !== 0) {
    const tmp = new Uint8Array(len);
    cacheRead(c, ram, src, len, tmp, ev);
    cacheWrite(c, ram, dst, tmp, ev);
    return;
  }
  const srcPages = new PageCursor(ram);
  const dstPages = new PageCursor(ram);
  let done = 0;
  while (done < len) {
    const s = src + done;
    const off = lineOffset(c, s);
    const take = Math.min(len - done, c.line - off);
    const sLine = s - off;
    const dLine = dst + done - off;
    let ss = probe(c, sLine);
    if (ss < 0) ss = fillSlot(c, ram, sLine, -1 - ss, ev, srcPages.words(sLine, false), false);
    c.lru[ss] = ++c.clock;
    let ds = probe(c, dLine);
    if (ds < 0) {
      const whole = take === c.line;
      const page = whole ? undefined : dstPages.words(dLine, false);
      if (-1 - ds === ss) {
        // one way and both lines in one set: the load happened before the store evicts its line
        const loaded = c.data.slice(ss * c.line + off, ss * c.line + off + take);
        ds = fillSlot(c, ram, dLine, ss, ev, page, whole);
        c.data.set(loaded, ds * c.line + off);
      } else {
        ds = fillSlot(c, ram, dLine, -1 - ds, ev, page, whole);
        copyInCache(c, ds * c.line + off, ss * c.line + off, take);
      }
    } else copyInCache(c, ds * c.line + off, ss * c.line + off, take);
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

/** The bytes of a dirty line the CPU stored since it was last clean: what an invalidate throws away. */
function lostBytes(c: CpuCache, slot: number): { offset: number; hex: string } | null {
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
  if (first < 0) return null;
  const base = slot * c.line;
  let hex = '';
  for (let i = first; i <= last; i++) hex += c.data[base + i]!.toString(16).padStart(2, '0');
  return { offset: first, hex };
}

export type LineOp = 'clean' | 'inval' | 'clean_inval';

/** One maintenance instruction on the line at `lineAddr`; null when the line is not present. */
export function maintainLine(c: CpuCache, ram: Ram, lineAddr: number, op: LineOp): LineAction | null {
  const slot = lookup(c, lineAddr);
  return slot < 0 ? null : maintainSlot(c, ram, slot, op);
}

/**
 * One maintenance instruction on the line the slot holds (present). `ram`
 * finds the page a write-back goes to: a cursor over a run of lines looks
 * each page up once.
 */
export function maintainSlot(c: CpuCache, ram: Ram | PageCursor, slot: number, op: LineOp): LineAction {
  const before = STATE_NAMES[c.state[slot]!]!;
  const dirty = c.state[slot] === D;
  const action: LineAction = { line: c.tags[slot]!, before, after: before, wroteBack: false };
  if (op === 'inval') {
    if (dirty) {
      const lost = lostBytes(c, slot);
      if (lost) {
        action.lostHex = lost.hex;
        action.lostOffset = lost.offset;
      }
    }
    invalidateSlot(c, slot);
    action.after = 'I';
    return action;
  }
  if (dirty) {
    writeBack(c, ram, slot);
    action.wroteBack = true;
  }
  if (op === 'clean_inval') {
    invalidateSlot(c, slot);
    action.after = 'I';
  } else action.after = 'C';
  return action;
}

/**
 * The slots holding lines in [first, last] (line addresses), in address
 * order: the lines are looked up one by one, or, when the range has more
 * lines than the cache has sets, the cache's slots are scanned instead (a
 * large range costs no more than the cache is big).
 */
export function presentSlots(c: CpuCache, first: number, last: number): number[] {
  const out: number[] = [];
  const lines = (last - first) / c.line + 1;
  if (lines <= c.sets) {
    for (let l = first; l <= last; l += c.line) {
      if (!pageMayHaveLines(c, l)) {
        // nothing of this page is cached: on to its last line
        l = l - (l & (PAGE_SIZE - 1)) + PAGE_SIZE - c.line;
        continue;
      }
      const slot = lookup(c, l);
      if (slot >= 0) out.push(slot);
    }
    return out;
  }
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
    if (dirty) writeBack(c, ram, slot);
    const set = setOf(c, l);
    ev.push({ kind: 'cache_evict', line: l, set, way: slot - set * c.ways, dirty, reason });
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
  for (let s = 0; s < c.tags.length; s++) {
    if (c.state[s] === I) continue;
    out.push({ set: Math.floor(s / c.ways), way: s % c.ways, line: c.tags[s]!, state: STATE_NAMES[c.state[s]!]! });
  }
  return out;
}

/** The bytes a present line holds (for the byte views), or null. */
export function lineBytes(c: CpuCache, lineAddr: number): Uint8Array | null {
  const s = lookup(c, lineAddr);
  return s < 0 ? null : c.data.slice(s * c.line, (s + 1) * c.line);
}
