/**
 * The page's queue of streamed rows (src/worker/row-inbox.ts): chunks are
 * appended in slices, each its own task, in order, the same rows as appended
 * at once; drained() waits for the last.
 */
import { describe, expect, it } from 'vitest';
import type { StepInfo } from '../../src/worker/api.ts';
import { StepRows } from '../../src/worker/rows.ts';
import { RowInbox } from '../../src/worker/row-inbox.ts';

const row = (i: number): StepInfo => ({
  index: i + 1, line: i + 4, source: `op(buf${i % 9})`, op: `op${i % 3}`, error: i % 5 === 0 ? 'ENOMEM' : null,
  warnings: i % 7 === 0 ? 1 : 0, observations: 0, checksPassed: i % 2, checksFailed: 0, finding: i % 7 === 0,
});

/** The rows as the worker sends them: 4000 a chunk. */
function chunks(n: number) {
  const out = [];
  for (let from = 0; from < n; from += 4000) out.push({ ...StepRows.of(Array.from({ length: Math.min(4000, n - from) }, (_, k) => row(from + k))).chunk(0), from });
  return out;
}

describe('RowInbox', () => {
  it('appends in slices (one task each, a clock that runs 1 ms a look), in order, the same rows', async () => {
    const tasks: (() => void)[] = [];
    let clock = 0;
    const inbox = new RowInbox(new StepRows(), (fn) => tasks.push(fn), () => clock++);
    for (const c of chunks(10_000)) inbox.add(c);
    let drained = false;
    void inbox.drained().then(() => (drained = true));
    // Nothing is appended in the message's own task.
    expect(inbox.rows.length).toBe(0);
    const lengths: number[] = [];
    while (tasks.length > 0) {
      tasks.shift()!();
      lengths.push(inbox.rows.length);
    }
    await Promise.resolve();
    expect(drained).toBe(true);
    // 8 ms a slice at 1 ms per look: several slices of at most 8 × 1000 rows, never all at once.
    expect(lengths.length).toBeGreaterThan(1);
    for (let k = 1; k < lengths.length; k++) expect(lengths[k]! - lengths[k - 1]!).toBeLessThanOrEqual(8000);
    expect([...inbox.rows]).toEqual(Array.from({ length: 10_000 }, (_, i) => row(i)));
  });

  it('stops at a slice boundary of a chunk and goes on from there', () => {
    const tasks: (() => void)[] = [];
    let clock = 0;
    // Every look at the clock is 5 ms later: two looks a slice, 1000 rows each.
    const inbox = new RowInbox(new StepRows(), (fn) => tasks.push(fn), () => (clock += 5));
    for (const c of chunks(4500)) inbox.add(c);
    tasks.shift()!();
    expect(inbox.rows.length).toBe(1000);
    while (tasks.length > 0) tasks.shift()!();
    expect(inbox.rows.length).toBe(4500);
    expect(inbox.rows.at(3999)).toEqual(row(3999));
    expect(inbox.rows.at(4499)).toEqual(row(4499));
  });

  it('drained() resolves at once with nothing queued; a dropped inbox appends no more and releases its waiters', async () => {
    const tasks: (() => void)[] = [];
    const inbox = new RowInbox(new StepRows(), (fn) => tasks.push(fn));
    await inbox.drained();
    inbox.add(chunks(100)[0]!);
    const w = inbox.drained();
    inbox.drop();
    await w;
    while (tasks.length > 0) tasks.shift()!();
    expect(inbox.rows.length).toBe(0);
  });
});
