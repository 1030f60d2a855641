/**
 * The timeline's rows (one StepInfo per step) stored by column: typed arrays
 * per numeric field, operation and error names as small ints into one name
 * table, each distinct source once (joined into a few long strings) and a
 * row's as an int. A million steps as objects cost about 100 bytes each on
 * the page's heap; stored this way 17 bytes (in pages of 65,536 rows) plus
 * the distinct sources (a long run is mostly a loop: few distinct sources).
 *
 * The worker fills a StepRows as it steps and sends it in pieces
 * (`chunk()` → RowChunk: plain typed arrays and strings, cheap to post); the
 * page appends each piece (`append`) to its own StepRows. Readers ask
 * `at(i)` for one row (a fresh StepInfo, for the few rows on screen) or a
 * column accessor (`line(i)`, `finding(i)`, …) in loops over the whole run.
 * Runs in the worker, the page and tests.
 */
import type { StepInfo } from './api.ts';
import { grown } from './grown.ts';

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
  /** The chunk's distinct sources (each its own string: a slice of one long string would keep all of it alive). */
  sources: string[];
  /** Row k's source is sources[source[k]]; with `cut`, where it is in its line (cutAt). */
  source: Uint32Array;
  /** The sources are not sent: the page cuts them from the text it holds (a long imported scenario's bytes). */
  cut?: true;
}

/**
 * A source cut from its line: its column (12 bits) and length (20 bits), or
 * CUT_LINE (the statement starts too far in, or is too long: its trimmed
 * line stands for it).
 */
export function cutAt(col: number, len: number): number {
  return col < 1 << 12 && len < 1 << 20 ? ((col << 20) | len) >>> 0 : CUT_LINE;
}
const CUT_LINE = 0xffffffff;

const COUNT_FIELDS = 4;
/** A count at or above this is kept in the overflow map (the column is one byte per row). */
const COUNT_BIG = 255;
/** Distinct sources are joined into one string per this many. */
const SOURCE_BLOCK = 4096;
/**
 * Sources looked up to share (a run whose sources are all different, such as
 * an imported trace, keeps each anyway; the lookup is bounded so it does not
 * cost more than it saves there). Once it is full having found fewer than one
 * source in SOURCE_LOOKUP_HITS already known, it is no longer asked: looking a
 * string up hashes all of it, and for a million different sources (an
 * imported trace) that was seconds of the page's main thread.
 */
const SOURCE_LOOKUP_MAX = 65_536;
const SOURCE_LOOKUP_HITS = 8;

/**
 * Whether a run's sources are still looked up, and how often that found one.
 * One is kept across the StepRows of one run: the worker starts a StepRows for
 * each progress message (it keeps only the rows not yet sent), and a fresh
 * lookup for each would hash every row's source of an imported trace, a
 * million times, to find next to nothing.
 */
export class SourceSharing {
  on = true;
  private hits = 0;
  private misses = 0;

  hit(): void {
    this.hits++;
  }

  /** A source not known: once SOURCE_LOOKUP_MAX of them came with fewer than one hit in SOURCE_LOOKUP_HITS, the lookup is off. */
  miss(): void {
    this.misses++;
    if (this.misses >= SOURCE_LOOKUP_MAX && this.hits * SOURCE_LOOKUP_HITS < this.misses) this.on = false;
  }
}

/** Rows per page of columns: a long run grows by whole pages (no copy, no doubling); the first page grows from small. */
const PAGE_BITS = 16;
const PAGE_ROWS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_ROWS - 1;

/** The columns of up to PAGE_ROWS rows. */
interface Page {
  line: Uint32Array;
  op: Uint16Array;
  error: Uint16Array;
  /** COUNT_FIELDS a row. */
  counts: Uint8Array;
  finding: Uint8Array;
  source: Uint32Array;
}

function newPage(rows: number): Page {
  return {
    line: new Uint32Array(rows),
    op: new Uint16Array(rows),
    error: new Uint16Array(rows),
    counts: new Uint8Array(rows * COUNT_FIELDS),
    finding: new Uint8Array(rows),
    source: new Uint32Array(rows),
  };
}

function grownPage(p: Page, rows: number): Page {
  return {
    line: grown(p.line, rows),
    op: grown(p.op, rows),
    error: grown(p.error, rows),
    counts: grown(p.counts, rows * COUNT_FIELDS),
    finding: grown(p.finding, rows),
    source: grown(p.source, rows),
  };
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
  private pages: Page[] = [];
  /** Rows the last page has room for. */
  private room = 0;
  /** Counts of COUNT_BIG or more, by row * COUNT_FIELDS + field. */
  private big = new Map<number, number>();
  private names: string[] = [];
  private nameIds = new Map<string, number>();
  /** Names that some row has as its operation (by name id). */
  private usedAsOp: boolean[] = [];
  /** Distinct sources [k * SOURCE_BLOCK, (k+1) * SOURCE_BLOCK) joined; their ends in sourceEnds (relative to the block). */
  private blocks: string[] = [];
  private sourceEnds = new Uint32Array(0);
  private sources = 0;
  /** Distinct sources of the block being filled. */
  private open: string[] = [];
  private openLen = 0;
  /** Sources looked up to share, by id (at most SOURCE_LOOKUP_MAX; then only those already in it are found). */
  private sourceLookup = new Map<string, number>();

  /**
   * The sources are where they are in their lines (cutAt), not kept: a long
   * imported scenario's million different sources were 78 MiB of the page's
   * heap, next to the bytes of the scenario they are cut from.
   */
  private cut = false;
  /** A line of the text, for cut sources (null: not at hand; the source reads as ''). */
  private lineText: ((line: number) => string | null) | null = null;

  /** The chunk being appended in parts, and its sources' ids here (-1: not yet looked up). */
  private appending: { chunk: RowChunk; ids: Int32Array } | null = null;

  /** `sharing`: the lookup's state, shared by the StepRows of one run that is sent in pieces. */
  constructor(private readonly sharing = new SourceSharing()) {}

  /** Rows from objects (tests, hand-made summaries). Each row's index is its position + 1. */
  static of(infos: readonly StepInfo[]): StepRows {
    const r = new StepRows();
    for (const s of infos) r.push(s);
    return r;
  }

  /** The page for row i (= length), made or grown when full. */
  private pageForNext(i: number): Page {
    const k = i >>> PAGE_BITS;
    const off = i & PAGE_MASK;
    if (k === this.pages.length) {
      this.pages.push(newPage(k === 0 ? 1024 : PAGE_ROWS));
      this.room = k === 0 ? 1024 : PAGE_ROWS;
    } else if (off === this.room) {
      this.room = Math.min(PAGE_ROWS, this.room * 2);
      this.pages[k] = grownPage(this.pages[k]!, this.room);
    }
    return this.pages[k]!;
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

  private setCount(p: Page, i: number, field: number, v: number): void {
    const k = (i & PAGE_MASK) * COUNT_FIELDS + field;
    if (v >= COUNT_BIG) {
      p.counts[k] = COUNT_BIG;
      this.big.set(i * COUNT_FIELDS + field, v);
    } else p.counts[k] = v;
  }

  private count(i: number, field: number): number {
    const v = this.pages[i >>> PAGE_BITS]!.counts[(i & PAGE_MASK) * COUNT_FIELDS + field]!;
    return v === COUNT_BIG ? this.big.get(i * COUNT_FIELDS + field)! : v;
  }

  private sourceId(s: string): number {
    const lookup = this.sharing.on ? this.sourceLookup : null;
    const known = lookup?.get(s);
    if (known !== undefined) {
      this.sharing.hit();
      return known;
    }
    const id = this.sources++;
    if (id >= this.sourceEnds.length) this.sourceEnds = grown(this.sourceEnds, Math.max(1024, id * 2));
    this.openLen += s.length;
    this.open.push(s);
    this.sourceEnds[id] = this.openLen;
    if (lookup) {
      if (lookup.size < SOURCE_LOOKUP_MAX) lookup.set(s, id);
      this.sharing.miss();
      // Off for good: what it holds is no longer asked.
      if (!this.sharing.on) this.sourceLookup.clear();
    }
    if (this.open.length === SOURCE_BLOCK) {
      this.blocks.push(this.open.join(''));
      this.open = [];
      this.openLen = 0;
    }
    return id;
  }

  private pushRow(line: number, op: string, error: string | null, w: number, o: number, p: number, f: number, finding: boolean, sourceId: number): void {
    const i = this.length;
    const pg = this.pageForNext(i);
    const j = i & PAGE_MASK;
    pg.line[j] = line;
    const opId = this.nameId(op);
    pg.op[j] = opId;
    this.usedAsOp[opId] = true;
    pg.error[j] = error === null ? 0 : this.nameId(error) + 1;
    this.setCount(pg, i, 0, w);
    this.setCount(pg, i, 1, o);
    this.setCount(pg, i, 2, p);
    this.setCount(pg, i, 3, f);
    pg.finding[j] = finding ? 1 : 0;
    pg.source[j] = sourceId;
    this.length = i + 1;
  }

  push(s: StepInfo): void {
    this.pushRow(s.line, s.op, s.error, s.warnings, s.observations, s.checksPassed, s.checksFailed, s.finding, this.sourceId(s.source));
  }

  /** A row whose source is not kept: it starts at 0-based column `col` of its line (the page holds the text). Every row of a run is cut, or none. */
  pushCut(s: StepInfo, col: number): void {
    this.cut = true;
    this.pushRow(s.line, s.op, s.error, s.warnings, s.observations, s.checksPassed, s.checksFailed, s.finding, cutAt(col, s.source.length));
  }

  /** Where cut sources are read from: the text's line n (1-based). */
  readSourcesFrom(lineText: (line: number) => string | null): void {
    this.lineText = lineText;
  }

  /**
   * Appends rows start … end-1 of a chunk sent by another StepRows' chunk() (they must follow on: c.from + start === length).
   * A chunk may come in several parts (the page appends a long run's in slices), each part after the one before.
   */
  append(c: RowChunk, start = 0, end = c.count): void {
    if (c.from + start !== this.length) throw new Error(`rows ${c.from + start + 1}… arrived after row ${this.length}`);
    // The chunk's sources are distinct and in the order its rows first use them: each is looked up once, when first used.
    if (this.appending?.chunk !== c) this.appending = { chunk: c, ids: new Int32Array(c.sources.length).fill(-1) };
    const ids = this.appending.ids;
    if (c.cut) this.cut = true;
    for (let k = start; k < end; k++) {
      const e = c.error[k]!;
      const j = k * COUNT_FIELDS;
      const sc = c.source[k]!;
      let id = c.cut ? sc : ids[sc]!;
      if (id < 0) ids[sc] = id = this.sourceId(c.sources[sc]!);
      this.pushRow(c.line[k]!, c.names[c.op[k]!]!, e === 0 ? null : c.names[e - 1]!, c.counts[j]!, c.counts[j + 1]!, c.counts[j + 2]!, c.counts[j + 3]!, c.finding[k] === 1, id);
    }
    if (end === c.count) this.appending = null;
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
    const line = new Uint32Array(count);
    const op = new Uint16Array(count);
    const finding = new Uint8Array(count);
    const error = new Uint16Array(count);
    const counts = new Uint32Array(count * COUNT_FIELDS);
    const source = new Uint32Array(count);
    const sources: string[] = [];
    // By source id (the worker's StepRows holds one chunk's rows: as many ids as rows at most), -1 for not yet in the chunk.
    const sourceCode = new Int32Array(this.cut ? 0 : this.sources).fill(-1);
    for (let k = 0; k < count; k++) {
      const i = from + k;
      const pg = this.pages[i >>> PAGE_BITS]!;
      const j = i & PAGE_MASK;
      line[k] = pg.line[j]!;
      finding[k] = pg.finding[j]!;
      op[k] = code(pg.op[j]!);
      const e = pg.error[j]!;
      error[k] = e === 0 ? 0 : code(e - 1) + 1;
      for (let f = 0; f < COUNT_FIELDS; f++) counts[k * COUNT_FIELDS + f] = this.count(i, f);
      const id = pg.source[j]!;
      if (this.cut) {
        source[k] = id;
        continue;
      }
      let sc = sourceCode[id]!;
      if (sc < 0) {
        sc = sourceCode[id] = sources.length;
        sources.push(this.source(i));
      }
      source[k] = sc;
    }
    return {
      from,
      count,
      names,
      line,
      op,
      error,
      counts,
      finding,
      sources,
      source,
      ...(this.cut ? { cut: true as const } : {}),
    };
  }

  at(i: number): StepInfo | undefined {
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) return undefined;
    return {
      index: i + 1,
      line: this.line(i),
      source: this.source(i),
      op: this.op(i),
      error: this.error(i),
      warnings: this.count(i, 0),
      observations: this.count(i, 1),
      checksPassed: this.count(i, 2),
      checksFailed: this.count(i, 3),
      finding: this.finding(i),
    };
  }

  line(i: number): number {
    return this.pages[i >>> PAGE_BITS]!.line[i & PAGE_MASK]!;
  }

  op(i: number): string {
    return this.names[this.pages[i >>> PAGE_BITS]!.op[i & PAGE_MASK]!]!;
  }

  error(i: number): string | null {
    const e = this.pages[i >>> PAGE_BITS]!.error[i & PAGE_MASK]!;
    return e === 0 ? null : this.names[e - 1]!;
  }

  warnings(i: number): number {
    return this.count(i, 0);
  }

  observations(i: number): number {
    return this.count(i, 1);
  }

  finding(i: number): boolean {
    return this.pages[i >>> PAGE_BITS]!.finding[i & PAGE_MASK] === 1;
  }

  source(i: number): string {
    const id = this.pages[i >>> PAGE_BITS]!.source[i & PAGE_MASK]!;
    if (this.cut) {
      const line = this.lineText?.(this.line(i)) ?? null;
      if (line === null) return '';
            const col = id >>> 20;
      return id === CUT_LINE ? line.trim() : line.slice(col, col + (id & 0xfffff));
    }
    const b = Math.floor(id / SOURCE_BLOCK);
    if (b === this.blocks.length) return this.open[id - b * SOURCE_BLOCK]!;
    const start = id % SOURCE_BLOCK === 0 ? 0 : this.sourceEnds[id - 1]!;
    return this.blocks[b]!.slice(start, this.sourceEnds[id]!);
  }

  opNames(): string[] {
    return this.names.filter((_, id) => this.usedAsOp[id] === true);
  }

  /** Every row, as objects (for tests and small runs; loops over a long run use the column accessors). */
  *[Symbol.iterator](): IterableIterator<StepInfo> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}

/** No rows (a failed or empty load). Never appended to. */
export const NO_ROWS: StepRows = Object.freeze(new StepRows()) as StepRows;
