/**
 * The page's side of a streamed run's rows: the chunks the worker posts are
 * queued and appended to the run's StepRows in slices of at most SLICE_MS
 * (SLICE_ROWS rows at a time), each its own task, so a million rows arriving
 * never hold the main thread long enough to be a long task (50 ms) and the
 * page draws and takes input between slices. Rows come out in order, the
 * same as appended at once. Runs on the page and in tests.
 */
import type { RowChunk, StepRows } from './rows.ts';

/** Time a slice may take before it yields (well under the 50 ms of a long task, on a slow machine too). */
const SLICE_MS = 8;
/** Rows appended between two looks at the clock. */
const SLICE_ROWS = 1000;

export class RowInbox {
  private queue: RowChunk[] = [];
  /** Rows of queue[0] already appended. */
  private done = 0;
  private scheduled = false;
  private waiting: (() => void)[] = [];
  private dropped = false;

  constructor(
    readonly rows: StepRows,
    private readonly schedule: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(c: RowChunk): void {
    if (this.dropped) return;
    this.queue.push(c);
    this.kick();
  }

  /** Resolves once every chunk added so far is appended. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.waiting.push(r));
  }

  /** The run was abandoned: what is still queued is not appended. */
  drop(): void {
    this.dropped = true;
    this.queue = [];
    this.release();
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.work());
  }

  private work(): void {
    this.scheduled = false;
    const t0 = this.now();
    while (this.queue.length > 0 && this.now() - t0 < SLICE_MS) {
      const c = this.queue[0]!;
      const end = Math.min(c.count, this.done + SLICE_ROWS);
      try {
        this.rows.append(c, this.done, end);
      } catch (e) {
        // Rows out of order: the rest cannot follow on; whoever waits gets the rows so far.
        this.drop();
        throw e;
      }
      this.done = end;
      if (end === c.count) {
        this.queue.shift();
        this.done = 0;
      }
    }
    if (this.queue.length > 0) this.kick();
    else this.release();
  }

  private release(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const r of w) r();
  }
}
