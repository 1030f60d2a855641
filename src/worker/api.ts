/**
 * The engine worker's API: what the explorer may ask the engine, and the
 * shapes of the answers.
 *
 * The UI imports this file for its types only (`import type`); the worker
 * (engine.worker.ts) builds the real object with `createEngineApi(runScenario)`
 * and exposes it through comlink. The runner is passed in, not imported, so
 * this file stays free of the engine and tests can drive it with a fake runner.
 *
 * Messages are kept small: `load` answers with one line of facts per step, and
 * `frame` sends one step's StepJson (events capped) when the UI shows it.
 */
import type { Arch, MachineConfig } from '../sim/config.ts';
import type { SimEvent } from '../sim/events.ts';
import type { ParseErrorJson, RunResult, StepJson } from '../scenario/result.ts';

export interface LoadOptions {
  arch?: Arch;
  kernel?: string;
  /**
   * The caller's id for this run (the client numbers runs, across worker
   * restarts). Frames carry it, so an answer about an older run can be told
   * apart from one about the current run.
   */
  runId?: number;
}

/** One line of facts about one step: enough for the timeline and "next finding". */
export interface StepInfo {
  /** 1-based, as StepJson.index. */
  index: number;
  line: number;
  source: string;
  op: string;
  error: string | null;
  warnings: number;
  observations: number;
  checksPassed: number;
  checksFailed: number;
  /** Worth stopping at: a kernel log line, a failed check, an observation, or an error no check expected. */
  finding: boolean;
}

export interface LoadSummary {
  /** True when the text parsed and ran; false on parse errors (then the previous run stays loaded). */
  ok: boolean;
  errors: ParseErrorJson[];
  /** The run that `frame()` now answers about (the previous good one when `ok` is false; 0: none). */
  runId: number;
  /** Number of statements after the header (steps 1..stepCount; step 0 is "machine built"). */
  stepCount: number;
  steps: StepInfo[];
  checks: { passed: number; failed: number };
  config: MachineConfig | null;
  /** Milliseconds the run took inside the worker. */
  ms: number;
}

/** How much of a step's record was left out to keep a frame small. */
export interface FrameOmitted {
  events: number;
  /** Cache lines left out of `cache_maint` events. */
  lines: number;
  /** Bytes left out of `data` (a long read). */
  dataBytes: number;
}

export interface Frame {
  runId: number;
  /** 0: the machine is built and nothing else ran; N: statement N has run. */
  step: number;
  stepCount: number;
  /** The step's record; null for step 0. */
  json: StepJson | null;
  omitted: FrameOmitted;
  config: MachineConfig | null;
  /** Machine state after this step, for the machine views (added later). */
  snapshot?: unknown;
}

export interface EngineApi {
  ping(): string;
  load(text: string, opts?: LoadOptions): LoadSummary;
  frame(step: number): Frame;
}

export type Runner = (text: string, opts?: { arch?: Arch; kernel?: string }) => RunResult;

/** Caps that keep one frame message small (a 4 MiB sync can touch 65,536 lines). */
export const FRAME_MAX_EVENTS = 500;
export const FRAME_MAX_LINES_PER_EVENT = 256;
export const FRAME_MAX_DATA_BYTES = 64 * 1024;

const ERROR_CHECK = /^=>\s*(E[A-Z]+|DMA_MAPPING_ERROR|NULL|FAULT)\s*$/;

export function stepInfo(s: StepJson): StepInfo {
  let passed = 0;
  let failed = 0;
  let errorExpected = false;
  for (const c of s.checks) {
    if (c.passed) {
      passed++;
      if (s.error !== null && ERROR_CHECK.test(c.expected.trim())) errorExpected = true;
    } else failed++;
  }
  const observations = s.observations?.length ?? 0;
  return {
    index: s.index,
    line: s.line,
    source: s.source,
    op: s.op,
    error: s.error,
    warnings: s.warnings.length,
    observations,
    checksPassed: passed,
    checksFailed: failed,
    finding: s.warnings.length > 0 || failed > 0 || observations > 0 || (s.error !== null && !errorExpected),
  };
}

function trimEvents(events: SimEvent[]): { events: SimEvent[]; omitted: FrameOmitted } {
  const omitted: FrameOmitted = { events: 0, lines: 0, dataBytes: 0 };
  let out = events;
  if (out.length > FRAME_MAX_EVENTS) {
    omitted.events = out.length - FRAME_MAX_EVENTS;
    out = out.slice(0, FRAME_MAX_EVENTS);
  }
  if (out.some((e) => e.kind === 'cache_maint' && e.lines.length > FRAME_MAX_LINES_PER_EVENT)) {
    out = out.map((e) => {
      if (e.kind !== 'cache_maint' || e.lines.length <= FRAME_MAX_LINES_PER_EVENT) return e;
      omitted.lines += e.lines.length - FRAME_MAX_LINES_PER_EVENT;
      return { ...e, lines: e.lines.slice(0, FRAME_MAX_LINES_PER_EVENT) };
    });
  }
  return { events: out, omitted };
}

/** The engine API over a runner. Holds the last run that parsed. */
export function createEngineApi(run: Runner, now: () => number = () => 0): EngineApi {
  let current: RunResult | null = null;
  let currentId = 0;
  let nextId = 1;
  let infos: StepInfo[] = [];

  function summary(ok: boolean, errors: ParseErrorJson[], ms: number): LoadSummary {
    return {
      ok,
      errors,
      runId: currentId,
      stepCount: current?.steps.length ?? 0,
      steps: ok ? infos : [],
      checks: current?.checks ?? { passed: 0, failed: 0 },
      config: current?.config ?? null,
      ms,
    };
  }

  return {
    ping: () => 'pong',

    load(text, opts = {}) {
      const t0 = now();
      const { runId, ...runOpts } = opts;
      const result = run(text, runOpts);
      const ms = now() - t0;
      if (result.errors.length > 0 || (!result.ok && result.steps.length === 0 && result.config === null)) {
        const errors = result.errors.length > 0 ? result.errors : [{ line: 1, col: 1, message: 'the scenario could not be run' }];
        return summary(false, errors, ms);
      }
      current = result;
      currentId = runId ?? nextId;
      nextId = Math.max(nextId, currentId) + 1;
      infos = result.steps.map(stepInfo);
      return summary(true, [], ms);
    },

    frame(step) {
      const n = current?.steps.length ?? 0;
      const k = Math.max(0, Math.min(n, Math.trunc(Number.isFinite(step) ? step : 0)));
      const s = k > 0 && current ? current.steps[k - 1]! : null;
      let json: StepJson | null = null;
      let omitted: FrameOmitted = { events: 0, lines: 0, dataBytes: 0 };
      if (s) {
        const trimmed = trimEvents(s.events);
        omitted = trimmed.omitted;
        let data = s.data;
        if (data && data.hex.length > 2 * FRAME_MAX_DATA_BYTES) {
          omitted.dataBytes = data.hex.length / 2 - FRAME_MAX_DATA_BYTES;
          data = { hex: data.hex.slice(0, 2 * FRAME_MAX_DATA_BYTES), text: data.text === null ? null : data.text.slice(0, FRAME_MAX_DATA_BYTES) };
        }
        json = { ...s, data, events: trimmed.events };
      }
      return { runId: currentId, step: k, stepCount: n, json, omitted, config: current?.config ?? null };
    },
  };
}
