/**
 * Layout of the cache view: the sets × ways grid folded into blocks of sets
 * (each set a column of `ways` cells) so a 128-set cache fits a panel, hit
 * testing, and what the current step did to which line, read from its events
 * (cache_maint per-line actions, cache_fill, cache_evict) — never by diffing
 * states. Pure: no DOM, no React.
 */
import type { CacheLineState, SimEvent } from '../../sim/events.ts';

export interface CacheGrid {
  sets: number;
  ways: number;
  cell: number;
  gap: number;
  setsPerRow: number;
  rows: number;
  /** Left margin for the row labels. */
  labelW: number;
  /** Height of one block (a row of sets), label strip included. */
  blockH: number;
  width: number;
  height: number;
}

/** Fits sets into rows of a power-of-two count of sets no wider than `width`. */
export function cacheGrid(sets: number, ways: number, width: number, cell: number): CacheGrid {
  const gap = cell >= 10 ? 2 : 1;
  const labelW = 52;
  const avail = Math.max(cell + gap, width - labelW - 4);
  let setsPerRow = 1;
  while (setsPerRow * 2 <= sets && setsPerRow * 2 * (cell + gap) <= avail) setsPerRow *= 2;
  const rows = Math.ceil(sets / setsPerRow);
  const blockH = ways * (cell + gap) + 14;
  return { sets, ways, cell, gap, setsPerRow, rows, labelW, blockH, width: labelW + setsPerRow * (cell + gap), height: rows * blockH };
}

export function cellXY(g: CacheGrid, set: number, way: number): { x: number; y: number } {
  const row = Math.floor(set / g.setsPerRow);
  const col = set % g.setsPerRow;
  return { x: g.labelW + col * (g.cell + g.gap), y: row * g.blockH + 12 + way * (g.cell + g.gap) };
}

export function hitCell(g: CacheGrid, x: number, y: number): { set: number; way: number } | null {
  const row = Math.floor(y / g.blockH);
  const inBlock = y - row * g.blockH - 12;
  if (row < 0 || row >= g.rows || inBlock < 0) return null;
  const way = Math.floor(inBlock / (g.cell + g.gap));
  const col = Math.floor((x - g.labelW) / (g.cell + g.gap));
  if (way < 0 || way >= g.ways || col < 0 || col >= g.setsPerRow) return null;
  const set = row * g.setsPerRow + col;
  return set < g.sets ? { set, way } : null;
}

export type TouchKind = 'fill' | 'evict' | 'clean' | 'inval' | 'clean_inval' | 'writeback' | 'discard';

export interface Touched {
  line: number;
  kinds: TouchKind[];
  /** Where the event says the line sits (fill and evict say so). */
  set?: number;
  way?: number;
  before?: CacheLineState;
  after?: CacheLineState;
}

export interface Discarded {
  line: number;
  offset: number;
  hex: string;
  instr: string;
  op: string;
}

export function setOfLine(line: number, lineSize: number, sets: number): number {
  return Math.floor(line / lineSize) % sets;
}

/** Lines this step touched, in event order, one entry per line. */
export function touchedLines(events: readonly SimEvent[]): Touched[] {
  const by = new Map<number, Touched>();
  const get = (line: number) => {
    let t = by.get(line);
    if (!t) by.set(line, (t = { line, kinds: [] }));
    return t;
  };
  const add = (t: Touched, k: TouchKind) => {
    if (!t.kinds.includes(k)) t.kinds.push(k);
  };
  for (const e of events) {
    if (e.kind === 'cache_fill') {
      const t = get(e.line);
      add(t, 'fill');
      t.set = e.set;
      t.way = e.way;
    } else if (e.kind === 'cache_evict') {
      const t = get(e.line);
      add(t, 'evict');
      if (e.dirty) add(t, 'writeback');
      t.set = e.set;
      t.way = e.way;
    } else if (e.kind === 'cache_maint') {
      for (const l of e.lines) {
        const t = get(l.line);
        add(t, e.op);
        if (l.wroteBack) add(t, 'writeback');
        if (l.lostHex !== undefined) add(t, 'discard');
        t.before ??= l.before;
        t.after = l.after;
      }
    }
  }
  return [...by.values()];
}

/** Dirty bytes thrown away by invalidates this step, with their bytes. */
export function discardedData(events: readonly SimEvent[]): Discarded[] {
  const out: Discarded[] = [];
  for (const e of events) {
    if (e.kind !== 'cache_maint') continue;
    for (const l of e.lines) {
      if (l.lostHex !== undefined) out.push({ line: l.line, offset: l.lostOffset ?? 0, hex: l.lostHex, instr: e.instr, op: e.op });
    }
  }
  return out;
}

const TOUCH_WORDS: Record<TouchKind, string> = {
  fill: 'filled from RAM',
  evict: 'evicted',
  clean: 'cleaned',
  inval: 'invalidated',
  clean_inval: 'cleaned and invalidated',
  writeback: 'dirty bytes written back',
  discard: 'DIRTY DATA DISCARDED',
};

export function touchWords(t: Touched): string {
  return t.kinds.map((k) => TOUCH_WORDS[k]).join(', ');
}

/** "de ad be ef" → 'de ad be ef' and its printable text, for the discard callout. */
export function hexPairs(hex: string): { spaced: string; text: string } {
  const pairs = hex.match(/../g) ?? [];
  let text = '';
  for (const p of pairs) {
    const b = parseInt(p, 16);
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return { spaced: pairs.join(' '), text };
}
