/**
 * The timeline's rows by column (src/worker/rows.ts): what goes in comes out
 * the same, through the worker's chunks too.
 */
import { describe, expect, it } from 'vitest';
import type { StepInfo } from '../../src/worker/api.ts';
import { NO_ROWS, SourceSharing, StepRows } from '../../src/worker/rows.ts';

function row(i: number): StepInfo {
  const k = i % 7;
  return {
    index: i + 1,
    line: 3 + i * 2,
    source: k === 3 ? '' : `op${k}(buf${i}, ${i * 3})${k === 5 ? ' # ünïcode ✓' : ''}`,
    op: `op${k}`,
    error: k === 2 ? 'ENOMEM' : k === 4 ? 'DMA_MAPPING_ERROR' : null,
    warnings: k === 1 ? 1 : 0,
    // Counts past one byte are kept exactly.
    observations: i === 5000 ? 70_000 : k === 6 ? 2 : 0,
    checksPassed: i === 9000 ? 255 : k,
    checksFailed: k === 2 ? 1 : i === 9001 ? 1_000_000 : 0,
    finding: k === 1 || k === 2 || k === 6,
  };
}

const N = 10_000; // past two blocks of joined sources and several growths

describe('StepRows', () => {
  const want = Array.from({ length: N }, (_, i) => row(i));
  const rows = StepRows.of(want);

  it('gives back every row as it was pushed, by object and by column', () => {
    expect(rows.length).toBe(N);
    expect([...rows]).toEqual(want);
    for (const i of [0, 3, 4095, 4096, 4097, 5000, 8191, 8192, 9000, 9001, N - 1]) {
      const w = want[i]!;
      expect(rows.at(i)).toEqual(w);
      expect([rows.line(i), rows.op(i), rows.error(i), rows.warnings(i), rows.observations(i), rows.finding(i), rows.source(i)]).toEqual([
        w.line, w.op, w.error, w.warnings, w.observations, w.finding, w.source,
      ]);
    }
  });

  it('has no row outside 0 … length-1 (no counting from the end)', () => {
    expect(rows.at(-1)).toBeUndefined();
    expect(rows.at(N)).toBeUndefined();
    expect(rows.at(1.5)).toBeUndefined();
    expect(NO_ROWS.length).toBe(0);
    expect(NO_ROWS.at(0)).toBeUndefined();
  });

  it('lists the operations that occur', () => {
    expect(rows.opNames().sort()).toEqual(['op0', 'op1', 'op2', 'op3', 'op4', 'op5', 'op6']);
    expect(StepRows.of([row(1), row(8)]).opNames()).toEqual(['op1']);
  });

  it('chunks, posted (structured clone) and appended in order, make the same rows', () => {
    const page = new StepRows();
    for (let from = 0; from < N; from += 3000) {
      const part = StepRows.of(want.slice(from, from + 3000));
      page.append(structuredClone({ ...part.chunk(0), from }));
    }
    expect([...page]).toEqual(want);
    expect(page.opNames().sort()).toEqual(rows.opNames().sort());
  });

  it('cut sources: sent as where they are in their lines, cut again from the text on the page (no text at hand: empty)', () => {
    // Each row's line holds its statement after some indent, and a comment after it.
    const lineOf = (w: StepInfo) => `${' '.repeat(w.index % 5)}${w.source}   # trace line ${w.index}`;
    const text = new Map(want.map((w) => [w.line, lineOf(w)]));
    const page = new StepRows();
    for (let from = 0; from < N; from += 3000) {
      // As the worker sends a long run: a StepRows for each chunk.
      const worker = new StepRows();
      for (const w of want.slice(from, from + 3000)) worker.pushCut(w, w.index % 5);
      const c = structuredClone({ ...worker.chunk(0), from });
      expect(c).toMatchObject({ cut: true, sources: [] });
      page.append(c);
    }
    expect(page.source(1)).toBe('');
    page.readSourcesFrom((n) => text.get(n) ?? null);
    expect([...page]).toEqual(want);
    // A statement too long to place (or too far in) stands as its trimmed line.
    const long = { ...want[1]!, source: 'x'.repeat(1 << 20) };
    const odd = new StepRows();
    odd.pushCut(long, 2);
    odd.readSourcesFrom(() => `  ${long.source}  `);
    expect(odd.source(0)).toBe(long.source);
  });

  it('a chunk carries only its own names, and a chunk from the middle of a run', () => {
    const c = rows.chunk(N - 2);
    expect(c).toMatchObject({ from: N - 2, count: 2 });
    expect(c.names.length).toBeLessThanOrEqual(4);
    const tail = new StepRows();
    for (let i = 0; i < N - 2; i++) tail.push(want[i]!);
    tail.append(c);
    expect([...tail]).toEqual(want);
  });

  it('refuses a chunk that does not follow on', () => {
    const page = new StepRows();
    expect(() => page.append({ ...StepRows.of([row(0)]).chunk(0), from: 1 })).toThrow(/rows 2… arrived after row 0/);
  });

  it('keeps a repeated source once, and every source right past the bound of its lookup', () => {
    // 70,000 distinct sources (more than the lookup holds), then each again.
    const loop = (i: number): StepInfo => ({ ...row(0), index: i + 1, line: i * 3, source: `cpu_write(a + ${i % 70_000}, "w")` });
    const many = new StepRows();
    for (let i = 0; i < 140_000; i++) many.push(loop(i));
    for (const i of [0, 4095, 4096, 65_535, 65_536, 69_999, 70_000, 70_001, 131_072, 135_536, 139_999]) expect(many.at(i)).toEqual(loop(i));
    // A chunk sends each distinct source once.
    const few = StepRows.of(Array.from({ length: 5000 }, (_, i) => ({ ...row(0), source: `op(${i % 5})` })));
    const c = few.chunk(0);
    expect(c.sources.sort()).toEqual(['op(0)', 'op(1)', 'op(2)', 'op(3)', 'op(4)']);
    expect(c.count).toBe(5000);
  });

  it('the StepRows of one run sent in pieces share one lookup: off for sources all different, on for a loop', () => {
    /** The rows in 4000-row pieces as the worker sends them (one StepRows each), appended by the page. */
    const sendInPieces = (n: number, at: (i: number) => StepInfo) => {
      const sharing = new SourceSharing();
      const page = new StepRows();
      let sources = 0;
      for (let from = 0; from < n; from += 4000) {
        const part = new StepRows(sharing);
        for (let i = from; i < Math.min(n, from + 4000); i++) part.push(at(i));
        const c = part.chunk(0);
        sources += c.sources.length;
        page.append(structuredClone({ ...c, from }));
      }
      return { sharing, page, sources };
    };
    // An imported trace: every source different. Past SOURCE_LOOKUP_MAX (65,536) of them the lookup is off.
    const trace = (i: number): StepInfo => ({ ...row(0), index: i + 1, line: i + 4, source: `dma_map_single(nic, rx${i}, 1536, DMA_FROM_DEVICE)` });
    const t = sendInPieces(70_000, trace);
    expect(t.sharing.on).toBe(false);
    expect(t.sources).toBe(70_000);
    for (const i of [0, 3999, 4000, 65_535, 65_536, 69_999]) expect(t.page.at(i)).toEqual(trace(i));
    // A loop: each piece sends its few distinct sources, and the lookup stays on.
    const loop = (i: number): StepInfo => ({ ...row(0), index: i + 1, line: i + 4, source: `cpu_write(a + ${i % 5}, "w")` });
    const l = sendInPieces(70_000, loop);
    expect(l.sharing.on).toBe(true);
    expect(l.sources).toBe(5 * Math.ceil(70_000 / 4000));
    for (const i of [0, 4001, 69_999]) expect(l.page.at(i)).toEqual(loop(i));
  });
});
