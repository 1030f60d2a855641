/**
 * What one maintenance range did to the cache lines present in it, kept as
 * runs: consecutive lines that went the same way (before, after, written
 * back) are one run of three numbers, and only a line whose dirty bytes were
 * thrown away keeps its bytes (as the hex the event shows). A bounced 4 KiB
 * buffer's maintenance is then one run instead of 64 objects; the
 * `LineAction`s a `cache_maint` event lists are made from the runs the first
 * time something reads them (the explorer's frame, the CLI's output), the
 * same objects, in the same order, as one per line would have been.
 */
import type { CacheLineState, LineAction, MaintOp, SimEvent, Why } from '../events.ts';

/** A line's outcome as bits: how it was, how it was left, whether it was written back. */
export const WAS_DIRTY = 1;
export const LEFT_INVALID = 2;
export const WROTE_BACK = 4;

/** The bytes an invalidate threw away: the line's index among those recorded, and the hex from `offset`. */
interface Lost {
  index: number;
  offset: number;
  hex: string;
}

export class LineRuns {
  /**
   * [first line, lines, outcome bits] per run, in address order; a line is
   * counted in lines from `first` (small integers: an address above 2^31
   * would be boxed on the heap at each call).
   */
  private readonly runs: number[] = [];
  private count = 0;
  private lost: Lost[] | null = null;

  /** `first`: the address of the range's first line; `lineSize`: the cache's line size. */
  constructor(
    private readonly first: number,
    private readonly lineSize: number,
  ) {}

  /** Record the next present line (in address order), `k` lines after the first, and what happened to it. */
  add(k: number, bits: number): void {
    const r = this.runs;
    const n = r.length;
    if (n > 0 && r[n - 1] === bits && r[n - 3]! + r[n - 2]! === k) r[n - 2]!++;
    else r.push(k, 1, bits);
    this.count++;
  }

  /** The line just added had dirty bytes thrown away: `hex` from `offset`. */
  addLost(offset: number, hex: string): void {
    (this.lost ??= []).push({ index: this.count - 1, offset, hex });
  }

  get size(): number {
    return this.count;
  }

  /** Lines whose dirty bytes were thrown away, with their address. */
  losses(): Array<{ line: number; offset: number; hex: string }> {
    if (!this.lost) return [];
    return this.lost.map((l) => ({ line: this.lineAt(l.index), offset: l.offset, hex: l.hex }));
  }

  private lineAt(index: number): number {
    const r = this.runs;
    for (let k = 0; k < r.length; k += 3) {
      if (index < r[k + 1]!) return this.first + (r[k]! + index) * this.lineSize;
      index -= r[k + 1]!;
    }
    return -1;
  }

  /** One `LineAction` per line, as the event lists them. */
  actions(): LineAction[] {
    const out: LineAction[] = new Array(this.count);
    const r = this.runs;
    let i = 0;
    for (let k = 0; k < r.length; k += 3) {
      const bits = r[k + 2]!;
      const before: CacheLineState = bits & WAS_DIRTY ? 'D' : 'C';
      const after: CacheLineState = bits & LEFT_INVALID ? 'I' : 'C';
      const wroteBack = (bits & WROTE_BACK) !== 0;
      for (let j = 0; j < r[k + 1]!; j++) out[i++] = { line: this.first + (r[k]! + j) * this.lineSize, before, after, wroteBack };
    }
    if (this.lost) for (const l of this.lost) Object.assign(out[l.index]!, { lostHex: l.hex, lostOffset: l.offset });
    return out;
  }
}

type CacheMaint = Extract<SimEvent, { kind: 'cache_maint' }>;

/**
 * A `cache_maint` event whose `lines` are made from its runs when first read
 * (then kept). An object literal with a getter is a slow (dictionary-mode)
 * object in V8, so the getter lives on this class; `toJSON` gives the plain
 * event, in the order its fields are listed, for JSON.stringify.
 *
 * A structured clone (postMessage, structuredClone) copies own fields only
 * and would lose `lines`: whatever crosses to another thread or is cloned
 * goes through `plainEvents` first.
 */
export class CacheMaintEvent implements CacheMaint {
  // own fields in the order a plain event lists them (a structured clone or a spread keeps that order)
  readonly kind: 'cache_maint';
  readonly op: MaintOp;
  readonly start: number;
  readonly size: number;
  readonly instr: string;
  readonly why: Why;
  #runs: LineRuns;
  #lines: LineAction[] | null = null;

  constructor(op: MaintOp, start: number, size: number, runs: LineRuns, instr: string, why: Why) {
    this.kind = 'cache_maint';
    this.op = op;
    this.start = start;
    this.size = size;
    this.instr = instr;
    this.why = why;
    this.#runs = runs;
  }

  get lines(): LineAction[] {
    return (this.#lines ??= this.#runs.actions());
  }

  toJSON(): CacheMaint {
    return { kind: this.kind, op: this.op, start: this.start, size: this.size, lines: this.lines, instr: this.instr, why: this.why };
  }
}

/** The events as plain objects (each `cache_maint` with its `lines` listed), for a structured clone; the same list when nothing changes. */
export function plainEvents(events: SimEvent[]): SimEvent[] {
  return events.some((e) => e instanceof CacheMaintEvent) ? events.map((e) => (e instanceof CacheMaintEvent ? e.toJSON() : e)) : events;
}
