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
import { ramRead, ramReadWords, ramWrite, ramWriteWords, type Ram } from './memory.ts';

const I = 0;
const C = 1;
const D = 2;
const STATE_NAMES: readonly CacheLineState[] = ['I', 'C', 'D'];

export interface CpuCache {
  size: number;
  line: number;
  ways: number;
  sets: number;
  /** Physical address of the line in each slot (set * ways + way); -1 when invalid. */
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
  /** Lines present per physical page: lets maintenance skip pages with nothing cached. */
  pageLines: Map<number, number>;
  clock: number;
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
    pageLines: new Map(),
    clock: 0,
  };
}

/*
 * Addresses reach past 2^32, so `%` here would be a floating-point modulo (a
 * call into the runtime on every access). Line size and set count are powers
 * of two, so the low bits are masked instead: `&` takes the address modulo
 * 2^32 first, which keeps every bit below that.
 */
export function setOf(c: CpuCache, lineAddr: number): number {
  return c.setMask >= 0 ? (lineAddr / c.line) & c.setMask : (lineAddr / c.line) % c.sets;
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

/** Slot holding the line at `lineAddr`, or -1. */
export function lookup(c: CpuCache, lineAddr: number): number {
  const base = setOf(c, lineAddr) * c.ways;
  for (let w = 0; w < c.ways; w++) {
    const s = base + w;
    if (c.tags[s] === lineAddr && c.state[s] !== I) return s;
  }
  return -1;
}

export function lineState(c: CpuCache, lineAddr: number): CacheLineState {
  const s = lookup(c, lineAddr);
  return s < 0 ? 'I' : STATE_NAMES[c.state[s]!]!;
}

function writeBack(c: CpuCache, ram: Ram, slot: number): void {
  const words = c.line >> 2;
  ramWriteWords(ram, c.tags[slot]!, c.words, slot * words, words);
  c.state[slot] = C;
  clearDirty(c, slot);
}

const PAGE = 4096;

function notePresent(c: CpuCache, lineAddr: number, delta: 1 | -1): void {
  const pfn = Math.floor(lineAddr / PAGE);
  const n = (c.pageLines.get(pfn) ?? 0) + delta;
  if (n) c.pageLines.set(pfn, n);
  else c.pageLines.delete(pfn);
}

/** Are any lines of the page at `pfn` in the cache? */
export function pageHasLines(c: CpuCache, pfn: number): boolean {
  return c.pageLines.has(pfn);
}

function invalidateSlot(c: CpuCache, slot: number): void {
  if (c.state[slot] !== I) notePresent(c, c.tags[slot]!, -1);
  c.state[slot] = I;
  c.tags[slot] = -1;
  clearDirty(c, slot);
}

/**
 * Bring the line into the cache (clean), evicting the LRU way of its set.
 * `whole`: the caller is about to overwrite every byte, so reading RAM would
 * be unobservable and is skipped.
 */
function fill(c: CpuCache, ram: Ram, lineAddr: number, ev: SimEvent[] | null, whole = false): number {
  const set = setOf(c, lineAddr);
  const base = set * c.ways;
  let victim = -1;
  for (let w = 0; w < c.ways; w++) {
    if (c.state[base + w] === I) {
      victim = base + w;
      break;
    }
  }
  if (victim < 0) {
    victim = base;
    for (let w = 1; w < c.ways; w++) if (c.lru[base + w]! < c.lru[victim]!) victim = base + w;
    const dirty = c.state[victim] === D;
    if (dirty) writeBack(c, ram, victim);
    ev?.push({ kind: 'cache_evict', line: c.tags[victim]!, set, way: victim - base, dirty, reason: 'lru' });
    notePresent(c, c.tags[victim]!, -1);
  }
  notePresent(c, lineAddr, 1);
  c.tags[victim] = lineAddr;
  c.state[victim] = C;
  if (!whole) ramReadWords(ram, lineAddr, c.words, victim * (c.line >> 2), c.line >> 2);
  ev?.push({ kind: 'cache_fill', line: lineAddr, set, way: victim - base });
  return victim;
}

export interface AccessCount {
  hits: number;
  misses: number;
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
    let slot = lookup(c, lineAddr);
    if (slot < 0) {
      slot = fill(c, ram, lineAddr, ev);
      n.misses++;
    } else n.hits++;
    c.lru[slot] = ++c.clock;
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
    let slot = lookup(c, lineAddr);
    if (slot < 0) {
      slot = fill(c, ram, lineAddr, ev, take === c.line);
      n.misses++;
    } else n.hits++;
    c.lru[slot] = ++c.clock;
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
 * sides share their offset within a line (swiotlb's bounce copies do), lines
 * are copied inside the cache without a bounce buffer.
 */
export function cacheCopy(c: CpuCache, ram: Ram, dst: number, src: number, len: number, ev: SimEvent[] | null): void {
  if (lineOffset(c, dst - src) !== 0) {
    const tmp = new Uint8Array(len);
    cacheRead(c, ram, src, len, tmp, ev);
    cacheWrite(c, ram, dst, tmp, ev);
    return;
  }
  let done = 0;
  while (done < len) {
    const s = src + done;
    const off = lineOffset(c, s);
    const take = Math.min(len - done, c.line - off);
    const sLine = s - off;
    const dLine = dst + done - off;
    let ss = lookup(c, sLine);
    if (ss < 0) ss = fill(c, ram, sLine, ev);
    c.lru[ss] = ++c.clock;
    let ds = lookup(c, dLine);
    if (ds < 0) {
      ds = fill(c, ram, dLine, ev, take === c.line);
      // the fill may have evicted the source line; reload it
      if (c.tags[ss] !== sLine || c.state[ss] === I) {
        ss = lookup(c, sLine);
        if (ss < 0) ss = fill(c, ram, sLine, ev);
      }
    }
    c.lru[ds] = ++c.clock;
    copyInCache(c, ds * c.line + off, ss * c.line + off, take);
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
  const w = c.words;
  const t = to >> 2;
  const f = from >> 2;
  for (let i = 0; i < n >> 2; i++) w[t + i] = w[f + i]!;
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
  if (slot < 0) return null;
  const before = STATE_NAMES[c.state[slot]!]!;
  const dirty = c.state[slot] === D;
  const action: LineAction = { line: lineAddr, before, after: before, wroteBack: false };
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
