/**
 * scanScenario and statementAt (src/scenario/parser.ts): the parse that
 * keeps no step. Over every library scenario and lesson, and random edits of
 * them, it yields exactly parseScenario's steps and says what parseScenario
 * says (errors, teaching) — the two share one reader, one keeping what the
 * other does not, and both check a plainly valid step from its tokens, as
 * the scan taking the full path for every line confirms;
 * a step read back from its line is the statement the scan yielded; and the
 * runner, which streams through it, gives the same RunResult with or without
 * keeping the records.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, scanScenario, statementAt } from '../../src/scenario/parser.ts';
import type { ScanOptions, ScanResult, ScannedStep, TextSpans } from '../../src/scenario/parser.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { BUDGETS } from '../../src/sim/budgets.ts';
import type { StepJson } from '../../src/scenario/result.ts';
import { HEAD, scenarioFiles } from './helpers.ts';

/** A text as TextSpans of `perSpan` lines each (as the worker reads a long text: text-bytes.ts), counting whole() reads. */
function spansOf(text: string, perSpan: number): TextSpans & { wholeReads: number } {
  const lines = text.split('\n');
  const spans: string[] = [];
  for (let i = 0; i < lines.length; i += perSpan) spans.push(lines.slice(i, i + perSpan).join('\n'));
  return {
    lines: lines.length,
    spanCount: spans.length,
    span: (i) => spans[i]!,
    wholeReads: 0,
    whole() {
      this.wholeReads++;
      return text;
    },
  };
}

function scanAll(text: string | TextSpans, opts?: ScanOptions): { steps: ScannedStep[]; result: ScanResult } {
  const it = scanScenario(text, opts);
  const steps: ScannedStep[] = [];
  let r = it.next();
  for (; !r.done; r = it.next()) steps.push(r.value);
  return { steps, result: r.value };
}

describe('scanScenario', () => {
  it.each(scenarioFiles())('%s: the steps, header, configuration and teaching of parseScenario, each step read back from its line', (file) => {
    const text = readFileSync(file, 'utf8');
    const whole = parseScenario(text);
    const { steps, result } = scanAll(text);
    expect(result.ok).toBe(whole.ok);
    if (!whole.ok || !result.ok) return;
    expect(steps.map((s) => s.cmd)).toEqual(whole.scenario.body);
    expect(result.scenario.steps).toBe(whole.scenario.body.length);
    expect(result.scenario.header).toEqual(whole.scenario.header);
    expect(result.scenario.config).toEqual(whole.scenario.config);
    expect(result.scenario.teaching).toEqual(whole.scenario.teaching);
    for (const s of steps) {
      expect(s.header).toEqual(whole.scenario.header);
      expect(statementAt(text, s.lineStart, s.line).cmd).toEqual(s.cmd);
    }
  });

  it.each(scenarioFiles())('%s read in spans of lines: the same steps (line starts in the whole text), result and teaching; the whole text is read only for narration or a bug hunt', (file) => {
    const text = readFileSync(file, 'utf8');
    const once = scanAll(text);
    for (const per of [1, 2, 7]) {
      const spans = spansOf(text, per);
      expect(scanAll(spans)).toEqual(once);
      for (const s of once.steps) expect(statementAt(text, s.lineStart, s.line).cmd).toEqual(s.cmd);
      const marked = text.includes('fix:') || (once.result.ok && once.result.scenario.teaching.narration.length > 0);
      if (!marked) expect(spans.wholeReads).toBe(0);
    }
  });

  it('applies the line budget to a text read in spans as to one string', () => {
    const spans = { ...spansOf(`${HEAD}a = kmalloc(64, GFP_KERNEL)\n`, 1), lines: BUDGETS.lines + 5 };
    const { steps, result } = scanAll(spans);
    expect(steps).toEqual([]);
    expect(result).toEqual({ ok: false, errors: [{ line: BUDGETS.lines + 1, col: 1, message: `the scenario has ${(BUDGETS.lines + 5).toLocaleString('en-US')} lines (the explorer reads at most ${BUDGETS.lines.toLocaleString('en-US')})` }] });
  });

  it('finds a line start after \\n, \\r\\n and \\r alike, and reads the trailing comment back', () => {
    const text = `${HEAD}a = kmalloc(64, GFP_KERNEL)\r\nkfree(a) # freed\rb = kmalloc(32, GFP_KERNEL)\n`;
    const { steps, result } = scanAll(text);
    expect(result.ok).toBe(true);
    expect(steps.map((s) => [s.line, text.slice(s.lineStart, s.lineStart + 5)])).toEqual([
      [2, 'a = k'],
      [3, 'kfree'],
      [4, 'b = k'],
    ]);
    expect(statementAt(text, steps[1]!.lineStart, 3)).toMatchObject({ cmd: { op: 'kfree', source: 'kfree(a)' }, comment: '# freed' });
  });

  it('stops yielding steps at the first error and returns the errors parseScenario gives', () => {
    const text = `${HEAD}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\nkfree(nope)\nb = kmalloc(64\nkfree(a)\n`;
    const { steps, result } = scanAll(text);
    expect(steps.map((s) => s.cmd.op)).toEqual(['kmalloc', 'kfree']);
    const whole = parseScenario(text);
    expect(whole.ok).toBe(false);
    expect(result).toEqual(whole);
  });

  it('attaches narration to steps as parseScenario does (the steps are read again for it)', () => {
    const text = `${HEAD}#> First.\na = kmalloc(64, GFP_KERNEL)\n#> [view=bytes buffer=a] Now *a* holds bytes.\ncpu_write(a, "hi")\n`;
    const whole = parseScenario(text);
    const { result } = scanAll(text);
    expect(whole.ok && whole.scenario.teaching.narration.length).toBe(2);
    expect(result.ok && result.scenario.teaching).toEqual(whole.ok && whole.scenario.teaching);
  });
});

/** Pieces an edit inserts: what makes a line fail to lex, parse or validate, or change its meaning. */
const PIECES = ['(', ')', ',', '=', '"', 'x"', '#', '#> ', '\n', '\r\n', 'é', '\t', '\u202e', 'zz', '4K', 'kfree(', 'machine(arch=x86_64)\n', 'GFP_KERNEL', '=> ok', '# fix: end\n'];

describe('scanScenario against parseScenario on edited texts', () => {
  const texts = scenarioFiles().map((f) => readFileSync(f, 'utf8'));
  it('gives the same errors, or the same steps, header, configuration and teaching, each step read back from its line', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...PIECES), fc.nat(2), (which, at, piece, kind) => {
        const base = texts[which % texts.length]!;
        const i = at % (base.length + 1);
        // Delete a character, insert a piece, or put a piece in a character's place.
        const text = kind === 0 ? base.slice(0, i) + base.slice(i + 1) : base.slice(0, i) + piece + base.slice(kind === 1 ? i : i + 1);
        const whole = parseScenario(text);
        const { steps, result } = scanAll(text);
        // Every line the long way (no step checked from its tokens) says the same; so does the text read in spans of lines.
        expect(scanAll(text, { fullPath: true })).toEqual({ steps, result });
        if (!text.includes('\r')) expect(scanAll(spansOf(text, 1 + (at % 3)))).toEqual({ steps, result });
        if (!whole.ok) {
          expect(result).toEqual(whole);
          return;
        }
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(steps.map((s) => s.cmd)).toEqual(whole.scenario.body);
        expect(result.scenario).toEqual({ header: whole.scenario.header, config: whole.scenario.config, teaching: whole.scenario.teaching, steps: whole.scenario.body.length });
        for (const s of steps) expect(statementAt(text, s.lineStart, s.line).cmd).toEqual(s.cmd);
      }),
      { numRuns: 400 },
    );
  });
});

describe('runScenario streams through the scan', () => {
  it('gives the same records to onStep and in the result, and none kept with keepSteps: false', () => {
    const text = readFileSync('src/scenario/library/swiotlb-32bit-device.dma', 'utf8');
    const seen: StepJson[] = [];
    const kept = runScenario(text);
    const streamed = runScenario(text, { onStep: (s) => seen.push(s), keepSteps: false });
    expect(seen).toEqual(kept.steps);
    expect(streamed.steps).toEqual([]);
    expect({ ...streamed, steps: kept.steps }).toEqual(kept);
  });

  it('runs nothing visible when an error comes after steps: the errors, no steps, no configuration', () => {
    const r = runScenario(`${HEAD}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\nkfree(nope)\n`);
    expect(r).toMatchObject({ ok: false, config: null, steps: [], errors: [{ line: 4 }] });
  });
});
