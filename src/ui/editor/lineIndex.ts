/**
 * Where the lines of a long text start, in its UTF-8 bytes, found a slice of
 * time at a time so the page never stops for it: a scenario of a million
 * lines (an imported trace) is shown by the editor a window of lines at a
 * time, and finding line 700,000 must not mean splitting 134 MB in one task.
 * Only the lines shown are ever decoded into a string.
 *
 * Only every ANCHOR_EVERY-th line's start is kept (a few thousand numbers for
 * a million lines); a line in between is found from its anchor with at most
 * ANCHOR_EVERY - 1 searches for a newline.
 */
export const ANCHOR_EVERY = 256;

const NL = 0x0a;

export class LineIndex {
  readonly bytes: Uint8Array;
  /** anchors[k]: the byte where line k * ANCHOR_EVERY + 1 starts. */
  private readonly anchors: number[] = [0];
  /** Lines whose start is known: 1 … known. */
  private known = 1;
  /** The byte where line `known` starts. */
  private pos = 0;
  /** The number of lines (as an editor counts them: a final newline starts an empty last line), once scanned to the end. */
  lines: number | null = null;
  private readonly decoder = new TextDecoder();

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * Scans on until line `upTo` is known or `budgetMs` has passed (whichever
   * comes first); returns true once the whole text is indexed.
   */
  scan(budgetMs: number, upTo = Infinity): boolean {
    const t0 = performance.now();
    const { bytes, anchors } = this;
    while (this.lines === null && this.known < upTo) {
      // the clock is read once per batch: a newline search (a native indexOf) costs well under a microsecond
      for (let k = 0; k < 4096 && this.known < upTo; k++) {
        const nl = bytes.indexOf(NL, this.pos);
        if (nl < 0) {
          this.lines = this.known;
          break;
        }
        this.pos = nl + 1;
        if (this.known % ANCHOR_EVERY === 0) anchors.push(this.pos);
        this.known++;
      }
      if (performance.now() - t0 > budgetMs) break;
    }
    return this.lines !== null;
  }

  /** The byte where 1-based line `n` starts; null while the scan has not reached it (or past the end). */
  startOf(n: number): number | null {
    if (n < 1 || n > this.known) return null;
    const k = Math.floor((n - 1) / ANCHOR_EVERY);
    let p = this.anchors[k]!;
    for (let i = k * ANCHOR_EVERY + 1; i < n; i++) p = this.bytes.indexOf(NL, p) + 1;
    return p;
  }

  /** Lines `from` … `to` (1-based, inclusive, clamped to what is known), decoded, without the final newline. */
  slice(from: number, to: number): { from: number; to: number; text: string } {
    const a = Math.max(1, Math.min(from, this.known));
    const b = Math.max(a, Math.min(to, this.known));
    const start = this.startOf(a)!;
    let end = this.startOf(b)!;
    const nl = this.bytes.indexOf(NL, end);
    end = nl < 0 ? this.bytes.length : nl;
    return { from: a, to: b, text: this.decoder.decode(this.bytes.subarray(start, end)) };
  }

  /** Lines known so far. */
  get scanned(): number {
    return this.known;
  }
}

/** Indexes the whole text in slices of `sliceMs`, yielding to the page between them; `done` runs at the end (not if `stopped()` first). */
export function indexInSlices(index: LineIndex, done: () => void, stopped: () => boolean, sliceMs = 8): void {
  const next = () => {
    if (stopped()) return;
    if (index.scan(sliceMs)) done();
    else setTimeout(next, 0);
  };
  next();
}
