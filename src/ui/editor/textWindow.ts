/**
 * A scenario too long for the editor to hold whole (bigText.ts: an imported
 * trace of a million lines is 134 MB): the editor shows a window of its lines
 * around the current step, read-only, and moves the window as the steps move.
 * The store keeps the whole text as bytes (it still runs and downloads as it
 * is); only the editor's document is the window, decoded from the bytes. The
 * lines are found by a LineIndex built a slice of time at a time.
 */
import { indexInSlices, type LineIndex } from './lineIndex.ts';
import type { BigText } from './bigText.ts';

/** Lines in the window. */
export const WINDOW_LINES = 2000;
/** The window moves once the step's line comes this close to one of its edges. */
const MARGIN = 200;
/** The first window is cut at once: up to this long may go into finding its lines. */
const FIRST_SCAN_MS = 20;

export interface WindowSlice {
  /** First and last line of the window (1-based, in the whole text). */
  from: number;
  to: number;
  text: string;
}

export class TextWindow {
  readonly big: BigText;
  from = 1;
  to = 1;
  private stopped = false;

  constructor(big: BigText) {
    this.big = big;
    this.index.scan(FIRST_SCAN_MS, WINDOW_LINES);
  }

  get index(): LineIndex {
    return this.big.index;
  }

  /** Lines before the window: the editor's line n is line n + offset of the text. */
  get offset(): number {
    return this.from - 1;
  }

  /** Indexes the rest of the text in the background; `done` runs once every line can be reached. */
  indexRest(done: () => void): void {
    indexInSlices(this.index, done, () => this.stopped);
  }

  stop(): void {
    this.stopped = true;
  }

  /** The window that shows `line` (null: the current one does, or the index has not reached it yet). */
  around(line: number | null): WindowSlice | null {
    const first = this.to === 1 && this.from === 1;
    const target = line ?? 1;
    const last = this.index.lines;
    const nearTop = this.from > 1 && target < this.from + MARGIN;
    const nearEnd = (last === null || this.to < last) && target > this.to - MARGIN;
    if (!first && target >= this.from && target <= this.to && !nearTop && !nearEnd) return null;
    if (target > this.index.scanned) return null;
    const s = this.index.slice(Math.max(1, target - WINDOW_LINES / 2), Math.max(1, target - WINDOW_LINES / 2) + WINDOW_LINES - 1);
    if (!first && s.from === this.from && s.to === this.to) return null;
    this.from = s.from;
    this.to = s.to;
    return s;
  }
}
