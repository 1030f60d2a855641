/**
 * The run's JSON from worker frames (src/ui/compare/trace.ts): what "Export
 * JSON" downloads must equal what `run FILE --json` prints.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { stepInfo, type Frame, type LoadSummary } from '../../src/worker/api.ts';
import type { RunResult } from '../../src/scenario/result.ts';
import { collectSteps, runJsonOf, runJsonText, runResultOf, traceFileName, type StepSource } from '../../src/ui/compare/trace.ts';
import { library } from './engine-fixtures.ts';

function fakeSource(r: RunResult, runId = 7, opts: { cut?: number } = {}): StepSource & { calls: number } {
  const src = {
    calls: 0,
    async frame(step: number): Promise<Frame> {
      src.calls++;
      const s = step > 0 ? r.steps[step - 1]! : null;
      const omitted = { events: step === opts.cut ? 3 : 0, lines: 0, dataBytes: 0 };
      return { runId, step, stepCount: r.steps.length, json: s, omitted, config: r.config, snapshot: null };
    },
  };
  return src;
}

function summaryOf(r: RunResult, runId = 7): LoadSummary {
  return { ok: true, errors: [], runId, stepCount: r.steps.length, steps: r.steps.map(stepInfo), checks: r.checks, config: r.config, ms: 1 } as unknown as LoadSummary;
}

describe('runJsonOf', () => {
  for (const name of ['swiotlb-32bit-device', 'x86-always-coherent', 'debug-sync-direction']) {
    it(`rebuilds ${name} as the CLI prints it`, async () => {
      const r = runScenario(library(name));
      const got = await runJsonOf(fakeSource(r), summaryOf(r));
      expect(got).not.toBeNull();
      expect(got!.trimmed).toBe(0);
      expect(runJsonText(got!.result)).toBe(`${JSON.stringify(r, null, 2)}\n`);
    });
  }

  it('says how many steps the frames cut', async () => {
    const r = runScenario(library('swiotlb-32bit-device'));
    const got = await runJsonOf(fakeSource(r, 7, { cut: 2 }), summaryOf(r));
    expect(got!.trimmed).toBe(1);
  });

  it('prefers a whole-run call when the worker has one', async () => {
    const r = runScenario(library('swiotlb-32bit-device'));
    const src = { ...fakeSource(r), runJson: async () => r };
    const got = await runJsonOf(src, summaryOf(r));
    expect(got!.result).toBe(r);
  });

  it('gives up (null) when the run changes underneath', async () => {
    const r = runScenario(library('swiotlb-32bit-device'));
    expect(await runJsonOf(fakeSource(r, 8), summaryOf(r, 7))).toBeNull();
    let live = true;
    const src = fakeSource(r);
    const p = collectSteps(src, 7, r.steps.length, { live: () => live, onStep: () => (live = false) });
    const got = await p;
    expect(got.complete).toBe(false);
    expect(got.steps).toHaveLength(1);
  });

  it('collectSteps honours a limit; ok follows the checks', async () => {
    const r = runScenario(library('x86-always-coherent'), { arch: 'arm64' });
    const got = await collectSteps(fakeSource(r), 7, r.steps.length, { limit: 2 });
    expect(got.steps).toHaveLength(2);
    expect(got.complete).toBe(false);
    const all = runResultOf(summaryOf(r), r.steps);
    expect(all.ok).toBe(false);
    expect(all.checks.failed).toBeGreaterThan(0);
    expect(traceFileName(all)).toBe('dma-run-arm64-6.18.json');
    expect(traceFileName({ ...all, config: null })).toBe('dma-run.json');
  });
});
