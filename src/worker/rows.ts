/**
 * The timeline's rows (one StepInfo per step) stored by column: typed arrays
 * per numeric field, operation and error names as small ints into one name
 * table, sources joined into a few long strings. A million steps as objects
 * cost about 110 bytes each on the page's heap; stored this way about 13
 * bytes plus the source text.
 *
 * The worker fills a StepRows as it steps and sends it in pieces
 * (`take()` → RowChunk: plain typed arrays and strings, cheap to post); the
 * page appends each piece (`append`) to its own StepRows. Readers ask
 * `at(i)` for one row (a fresh StepInfo, for the few rows on screen) or a
 * column accessor (`line(i)`, `finding(i)`, …) in loops over the whole run.
 * Runs in the worker, the page and tests.
 */
import type { StepInfo } from './api.ts';

/** Rows in transit: rows from+1 … from+count. Names are this chunk's own (op/error codes index into them; error 0 is none). */
export interface RowChunk {
  from: number;
  count: number;
  names: string[];
  line: Uint32Array;
  op: Uint16Array;
  error: Uint16Array;
  /** warnings, observations, checksPassed, checksFailed per row, interleaved. */
  counts: Uint32Array;
  finding: Uint8Array;
  /** The rows' sources joined; row k's ends at sourceEnd[k]. */
  source: string;
  sourceEnd: Uint32Array;
}

const COUNT_FIELDS = 4;
/** A count at or above this is kept in the overflow map (the column is one byte per row). */
const COUNT_BIG = 255;
/** Sources are joined into one string per this many rows. */
const SOURCE_BLOCK = 4096;

function grown<T extends Uint8Array | Uint16Array | Uint32Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** What readers see of the rows (the page's store keeps them behind this). */
export interface Rows extends Iterable<StepInfo> {
  readonly length: number;
  /** Row i (0-based: step i + 1) as a fresh object; undefined outside 0 … length-1. */
  at(i: number): StepInfo | undefined;
  line(i: number): number;
  op(i: number): string;
  error(i: number): string | null;
  warnings(i: number): number;
  observations(i: number): number;
  finding(i: number): boolean;
  source(i: number): string;
  /** The operation names that occur in the rows. */
  opNames(): string[];
}

export class StepRows implements Rows {
  length = 0;
  private cap = 0;
  private lines = new Uint32Array(0);
  private ops = new Uint16Array(0);
  private errors = new Uint16Array(0);
  private counts = new Uint8Array(0);
  private findings = new Uint8Array(0);
  /** Counts of COUNT_BIG or more, by row * COUNT_FIELDS + field. */
  private big = new Map<number, number>();
  private names: string[] = [];
  private nameIds = new Map<string, number>();
  /** Sources of rows [k * SOURCE_BLOCK, (k+1) * SOURCE_BLOCK) joined; their ends in sourceEnds (relative to the block). */
  private blocks: string[] = [];
  private sourceEnds = new Uint32Array(0);
  /** Sources of the block being filled. */
  private open: string[] = [];
  private openLen = 0;

  /** Rows from objects (tests, hand-made summaries). Each row's index is its position + 1. */
  static of(infos: readonly StepInfo[]): StepRows {
    const r = new StepRows();
    for (const s of infos) r.push(s);
    return r;
  }

  private reserve(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(1024, this.cap * 2, n);
    this.lines = grown(this.lines, cap);
    this.ops = grown(this.ops, cap);
    this.errors = grown(this.errors, cap);
    this.counts = grown(this.counts, cap * COUNT_FIELDS);
    this.findings = grown(this.findings, cap);
    this.sourceEnds = grown(this.sourceEnds, cap);
    this.cap = cap;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      if (id > 0xffff) throw new Error('more than 65,536 operation and error names in one run');
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  private setCount(i: number, field: number, v: number): void {
    const k = i * COUNT_FIELDS + field;
    if (v >= COUNT_BIG) {
      this.counts[k] = COUNT_BIG;
      this.big.set(k, v);
    } else this.counts[k] = v;
  }

  private count(i: number, field: number): number {
    const k = i * COUNT_FIELDS + field;
    const v = this.counts[k]!;
    return v === COUNT_BIG ? this.big.get(k)! : v;
  }

  private pushSource(i: number, s: string): void {
    this.openLen += s.length;
    this.open.push(s);
    this.sourceEnds[i] = this.openLen;
    if (this.open.length === SOURCE_BLOCK) {
      this.blocks.push(this.open.join(''));
      this.open = [];
      this.openLen = 0;
    }
  }

  private pushRow(line: number, op: string, error: string | null, w: number, o: number, p: number, f: number, finding: boolean, source: string): void {
    const i = this.length;
    this.reserve(i + 1);
    this.lines[i] = line;
    this.ops[i] = this.nameId(op);
    this.errors[i] = error === null ? 0 : this.nameId(error) + 1;
    this.setCount(i, 0, w);
    this.setCount(i, 1, o);
    this.setCount(i, 2, p);
    this.setCount(i, 3, f);
    this.findings[i] = finding ? 1 : 0;
    this.pushSource(i, source);
    this.length = i + 1;
  }

  push(s: StepInfo): void {
    this.pushRow(s.line, s.op, s.error, s.warnings, s.observations, s.checksPassed, s.checksFailed, s.finding, s.source);
  }

  /** Appends rows sent by another StepRows' take() (they must follow on: c.from === length). */
  append(c: RowChunk): void {
    if (c.from !== this.length) throw new Error(`rows ${c.from + 1}… arrived after row ${this.length}`);
    let start = 0;
    for (let k = 0; k < c.count; k++) {
      const e = c.error[k]!;
      const j = k * COUNT_FIELDS;
      const end = c.sourceEnd[k]!;
      this.pushRow(c.line[k]!, c.names[c.op[k]!]!, e === 0 ? null : c.names[e - 1]!, c.counts[j]!, c.counts[j + 1]!, c.counts[j + 2]!, c.counts[j + 3]!, c.finding[k] === 1, c.source.slice(start, end));
      start = end;
    }
  }

  /** Rows `from` … length-1 as a chunk to post (plain data; its typed arrays can be transferred). */
  chunk(from: number): RowChunk {
    const count = this.length - from;
    const local = new Map<number, number>();
    const names: string[] = [];
    const code = (id: number): number => {
      let c = local.get(id);
      if (c === undefined) {
        c = names.length;
        names.push(this.names[id]!);
        local.set(id, c);
      }
      return c;
    };
    const op = new Uint16Array(count);
    const error = new Uint16Array(count);
    const counts = new Uint32Array(count * COUNT_FIELDS);
    const sourceEnd = new Uint32Array(count);
    const sources: string[] = [];
    let len = 0;
    for (let k = 0; k < count; k++) {
      const i = from + k;
      op[k] = code(this.ops[i]!);
      const e = this.errors[i]!;
      error[k] = e === 0 ? 0 : code(e - 1) + 1;
      for (let f = 0; f < COUNT_FIELDS; f++) counts[k * COUNT_FIELDS + f] = this.count(i, f);
      const s = this.source(i);
      sources.push(s);
      len += s.length;
      sourceEnd[k] = len;
    }
    return {
      from,
      count,
      names,
      line: this.lines.slice(from, from + count),
      op,
      error,
      counts,
      finding: this.findings.slice(from, from + count),
      source: sources.join(''),
      sourceEnd,
    };
  }

  at(i: number): StepInfo | undefined {
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) return undefined;
    return {
      index: i + 1,
      line: this.lines[i]!,
      source: this.source(i),
      op: this.op(i),
      error: this.error(i),
      warnings: this.count(i, 0),
      observations: this.count(i, 1),
      checksPassed: this.count(i, 2),
      checksFailed: this.count(i, 3),
      finding: this.findings[i] === 1,
    };
  }

  line(i: number): number {
    return this.lines[i]!;
  }

  op(i: number): string {
    return this.names[this.ops[i]!]!;
  }

  error(i: number): string | null {
    const e = this.errors[i]!;
    return e === 0 ? null : this.names[e - 1]!;
  }

  warnings(i: number): number {
    return this.count(i, 0);
  }

  observations(i: number): number {
    return this.count(i, 1);
  }

  finding(i: number): boolean {
    return this.findings[i] === 1;
  }

  source(i: number): string {
    const b = Math.floor(i / SOURCE_BLOCK);
    const start = i % SOURCE_BLOCK === 0 ? 0 : this.sourceEnds[i - 1]!;
    const end = this.sourceEnds[i]!;
    if (b < this.blocks.length) return this.blocks[b]!.slice(start, end);
    return this.open[i - b * SOURCE_BLOCK]!;
  }

  opNames(): string[] {
    const seen = new Uint8Array(this.names.length);
    for (let i = 0; i < this.length; i++) seen[this.ops[i]!] = 1;
    return this.names.filter((_, id) => seen[id] === 1);
  }

  /** Every row, as objects (for tests and small runs; loops over a long run use the column accessors). */
  *[Symbol.iterator](): IterableIterator<StepInfo> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}

/** No rows (a failed or empty load). Never appended to. */
export const NO_ROWS: StepRows = Object.freeze(new StepRows()) as StepRows;
