/**
 * A whole run's records from the worker: every step's StepJson, for compare
 * mode's exact differences and for "Export JSON" (the runner's JSON, as
 * `run FILE --json` prints it).
 *
 * The worker's `runJson()` answers the whole run at once, full records and no
 * snapshots, without moving the position the views read from; `runJsonOf`
 * uses it. A source without it (a test double) is asked frame by frame.
 */
import type { RunResult, StepJson } from '../../scenario/result.ts';
import type { Frame, LoadSummary } from '../../worker/api.ts';

/** What this module needs of an EngineClient. */
export interface StepSource {
  frame(step: number): Promise<Frame>;
  /** The run as the CLI prints it (null when nothing is loaded). */
  runJson?: () => Promise<RunResult | null>;
}

export interface CollectOptions {
  /** Stop once this many steps are collected (the rest stay unknown). */
  limit?: number;
  /** Checked between calls: false stops the collection (a newer run started). */
  live?: () => boolean;
  onStep?: (json: StepJson, trimmed: boolean) => void;
}

/** Steps 1..min(n, limit) of run `runId`, in order. Stops early (returning what it has) when `live()` turns false or the run changed. */
export async function collectSteps(src: StepSource, runId: number, n: number, opts: CollectOptions = {}): Promise<{ steps: StepJson[]; trimmed: number; complete: boolean }> {
  const limit = Math.min(n, opts.limit ?? n);
  const steps: StepJson[] = [];
  let trimmed = 0;
  for (let k = 1; k <= limit; k++) {
    if (opts.live && !opts.live()) return { steps, trimmed, complete: false };
    const f = await src.frame(k);
    if (f.runId !== runId || !f.json) return { steps, trimmed, complete: false };
    const cut = f.omitted.events > 0 || f.omitted.lines > 0 || f.omitted.dataBytes > 0;
    if (cut) trimmed++;
    // The runner's JSON has no snapshot: keep the record only.
    steps.push(f.json);
    opts.onStep?.(f.json, cut);
  }
  return { steps, trimmed, complete: limit === n };
}

/** The runner's JSON for a run, from its summary and records (as src/scenario/run.ts computes `ok` and `checks`). */
export function runResultOf(summary: LoadSummary, steps: StepJson[]): RunResult {
  const passed = steps.reduce((k, s) => k + s.checks.filter((c) => c.passed).length, 0);
  const failed = steps.reduce((k, s) => k + s.checks.filter((c) => !c.passed).length, 0);
  return {
    ok: failed === 0 && !steps.some((s) => s.error === 'EXCEPTION'),
    config: summary.config,
    steps,
    checks: { passed, failed },
    errors: [],
  };
}

/** The current run as the CLI's `--json` prints it. `trimmed`: steps whose events the frames capped (0 when exact). */
export async function runJsonOf(src: StepSource, summary: LoadSummary, live?: () => boolean): Promise<{ result: RunResult; trimmed: number } | null> {
  if (typeof src.runJson === 'function') {
    const result = await src.runJson();
    return result ? { result, trimmed: 0 } : null;
  }
  const got = await collectSteps(src, summary.runId, summary.stepCount, live ? { live } : {});
  if (!got.complete) return null;
  return { result: runResultOf(summary, got.steps), trimmed: got.trimmed };
}

/** The text of the download: two-space JSON and a newline, as the CLI prints it. */
export function runJsonText(r: RunResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** A file name for the download: `dma-run-x86-6.18.json`. */
export function traceFileName(r: RunResult): string {
  const c = r.config;
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '');
  return c ? `dma-run-${safe(c.arch)}-${safe(c.kernel)}.json` : 'dma-run.json';
}
