/**
 * The UI's side of the engine worker.
 *
 * One call at a time goes to the worker (a queue), each with a time limit. If
 * the worker throws, dies or does not answer in time, the client terminates
 * it, starts a new one, replays the last scenario that ran (with the same run
 * id, so frames the UI holds stay valid) and tells the UI in words through
 * `onNotice`. The failed call rejects with an EngineError; the UI shows its
 * message and keeps the last good trace on screen.
 *
 * Long runs: the worker posts progress (with the timeline's StepInfo rows in
 * chunks) while it runs; the client passes progress to `onProgress`
 * listeners, puts the rows back into the summary, and counts the load's time
 * limit from the last sign of life, not from the start. A new load cancels
 * the one still running.
 *
 * Long texts cross as bytes (wire-text.ts): a Uint8Array given to load() is
 * transferred to the worker (the caller no longer has it), and an imported
 * scenario that comes back as bytes is handed on as bytes (the page never
 * makes one string of 134 MB).
 */
import * as Comlink from 'comlink';
import type { BufferBytes, EngineApi, Frame, FrameOptions, ListDelta, LoadOptions, LoadSummary } from './api.ts';
import { NO_ROWS, StepRows } from './rows.ts';
import { RowInbox } from './row-inbox.ts';
import type { RunResult } from '../scenario/result.ts';
import type { OperationDoc } from '../sim/operation.ts';
import { WIRE_BYTES_MIN, concatInSlices, encodeInSlices, type WireProgress, type WireSummary, type WireText } from './wire-text.ts';
import type { MachineConfig } from '../sim/config.ts';

/** What the client needs of a Worker (tests pass a MessageChannel-backed fake). */
export type WorkerLike = Comlink.Endpoint & { terminate(): void };

export interface EngineNotice {
  kind: 'restarted' | 'failed';
  message: string;
}

export interface EngineClientOptions {
  loadTimeoutMs?: number;
  frameTimeoutMs?: number;
  createWorker?: () => WorkerLike;
  onNotice?: (n: EngineNotice) => void;
}

/** The load the client is collecting the rows of. */
interface Pending {
  runId: number;
  inbox: RowInbox;
  /** The findings posted so far, ascending. */
  findings: number[];
  config?: MachineConfig;
  imported?: WireProgress['imported'];
}

/**
 * A long load as it goes (`onPartial`): its machine, the rows appended so far
 * (the same StepRows grows as more arrive), the findings posted so far (some
 * may be past the rows appended yet) and what an import made.
 */
export interface PartialRun {
  runId: number;
  config: MachineConfig;
  rows: StepRows;
  findings: readonly number[];
  imported?: WireProgress['imported'];
}

/** What `onProgress` listeners get: where the current load is. */
export interface EngineProgress {
  runId: number;
  phase: 'import' | 'parse' | 'run' | 'done';
  done: number;
  total: number;
  /** The total is known, not estimated (importing: the trace's lines; running: only the run's last message). */
  exact?: boolean;
  ms: number;
}

export type EngineFailure = 'timeout' | 'crash' | 'threw';

export class EngineError extends Error {
  readonly failure: EngineFailure;
  constructor(failure: EngineFailure, message: string) {
    super(message);
    this.name = 'EngineError';
    this.failure = failure;
  }
}

/** The answer of a load a newer one overtook before it reached the worker (as the worker answers a cancelled load). */
function supersededSummary(runId: number): LoadSummary {
  return { runId, stepCount: 0, steps: NO_ROWS, checks: { passed: 0, failed: 0 }, config: null, ms: 0, ok: false, errors: [], cancelled: true };
}

/** Bytes for the worker from what the page keeps (a string, or bytes the page goes on holding: copied, the copy transferred). */
function wireCopy(text: WireText): Promise<WireText> | WireText {
  if (typeof text !== 'string') return concatInSlices([text]);
  return text.length >= WIRE_BYTES_MIN ? encodeInSlices(text) : text;
}

/** A frame with the parts it left out (Frame.reused) taken from `held`, the frame whose parts the request named. */
function withParts(f: Frame, held: Frame | null): Frame {
  const out: Frame = { ...f, snapshot: f.snapshot ? { ...f.snapshot } : f.snapshot };
  delete out.reused;
  delete out.lists;
  for (const [part, delta] of Object.entries(f.lists ?? {}) as Array<['buffers' | 'mappings', ListDelta]>) {
    const base = held?.snapshot?.[part] as object[] | undefined;
    if (!base || !out.snapshot || held?.parts?.[part] !== delta.from) throw new EngineError('threw', `a frame sent "${part}" as changes to a list no earlier frame holds`);
    (out.snapshot as unknown as Record<string, unknown>)[part] = delta.items.map((x) => (typeof x === 'number' ? base[x] : x));
  }
  for (const part of f.reused ?? []) {
    if (part === 'extents') out.extents = held?.extents;
    else if (part === 'config') out.config = held?.config ?? null;
    else if (out.snapshot && held?.snapshot) (out.snapshot as unknown as Record<string, unknown>)[part] = held.snapshot[part];
    // The worker names only parts the request said it holds: a missing one is a bug, not a state to draw.
    if (!held) throw new EngineError('threw', `a frame left out "${part}" but no earlier frame holds it`);
  }
  return out;
}

function defaultWorker(): WorkerLike {
  return new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'dma-engine' });
}

interface Live {
  worker: WorkerLike;
  remote: Comlink.Remote<EngineApi>;
  /** Rejects when the worker reports an uncaught error (e.g. its module failed to load). */
  crashed: Promise<never>;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

export class EngineClient {
  private live: Live | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private runCounter = 0;
  /** What a restarted worker replays: the text, or bytes the page keeps (never transferred, copied for each replay). */
  private lastGood: { text: WireText; opts: LoadOptions; runId: number } | null = null;
  /** The load whose rows the client is collecting. */
  private pending: Pending | null = null;
  private partialListeners = new Set<(p: PartialRun) => void>();
  private loading = 0;
  private progressListeners = new Set<(p: EngineProgress) => void>();
  /** Called on every progress message: restart the time limits of the calls on their way (a load, and a frame of the run it streams). */
  private alive = new Set<() => void>();
  private readonly loadTimeoutMs: number;
  private readonly frameTimeoutMs: number;
  private readonly createWorker: () => WorkerLike;
  private readonly onNotice: (n: EngineNotice) => void;
  /** How many times the worker was replaced (for tests and the status line). */
  restarts = 0;
  /** The last frame with a snapshot: its parts are what the next frame request says it holds. */
  private held: Frame | null = null;

  constructor(opts: EngineClientOptions = {}) {
    this.loadTimeoutMs = opts.loadTimeoutMs ?? 20_000;
    this.frameTimeoutMs = opts.frameTimeoutMs ?? 5_000;
    this.createWorker = opts.createWorker ?? defaultWorker;
    this.onNotice = opts.onNotice ?? (() => {});
  }

  /**
   * Runs a scenario, or imports a trace or dump (text, or its UTF-8 bytes: transferred, the caller no longer has them;
   * `keep`: the same bytes the caller keeps, replayed if the worker has to be restarted).
   * Resolves with the summary (ok=false on parse errors; an imported scenario of WIRE_BYTES_MIN characters or more as
   * its bytes, which the caller may keep); rejects with EngineError if the engine failed.
   */
  load(text: WireText, opts: LoadOptions = {}, keep?: Uint8Array): Promise<WireSummary> {
    const runId = ++this.runCounter;
    // A newer text makes the run in progress pointless: stop it (not queued, so it gets there now).
    if (this.loading > 0 && this.live) void this.live.remote.cancel().catch(() => undefined);
    this.loading++;
    const task = this.enqueue(async () => {
      let s: WireSummary;
      this.pending = { runId, inbox: new RowInbox(new StepRows()), findings: [] };
      try {
        const bytes = typeof text !== 'string' ? text : text.length >= WIRE_BYTES_MIN ? await encodeInSlices(text) : null;
        // A newer load came while the text was being encoded: its cancel reached the worker before this load did.
        if (typeof text === 'string' && bytes && runId !== this.runCounter) {
          this.pending.inbox.drop();
          this.pending = null;
          return supersededSummary(runId);
        }
        s = await this.send(bytes ?? text, { ...opts, runId });
      } catch (e) {
        this.pending?.inbox.drop();
        this.pending = null;
        const err = this.asEngineError(e);
        await this.restart(
          err.failure === 'threw'
            ? `The engine failed on this scenario: ${err.message}`
            : err.message,
        );
        throw err;
      }
      const pend = this.pending?.runId === runId ? this.pending : null;
      // The scenario an import became came with the progress (shown while it ran): the summary carries it again for the caller.
      if (s.imported?.scenarioPosted && pend?.imported) s = { ...s, imported: { ...s.imported, scenario: pend.imported.scenario } };
      // The rows still queued are appended (in slices) before the summary stands for them.
      if (pend) await pend.inbox.drained();
      const rows = pend ? pend.inbox.rows : NO_ROWS;
      this.pending = null;
      // What crossed the port is the rows' plain fields, not a StepRows: the streamed rows stand in for them.
      if (!(s.steps instanceof StepRows)) s = { ...s, steps: s.stepsStreamed && s.ok ? rows : NO_ROWS };
      // Shallow-frozen: immer (the store) then sees a frozen object and does not walk it on the next state change.
      Object.freeze(s);
      // after an import, a restart replays the scenario it became (not the import)
      const replay = s.imported?.scenario ?? (typeof text === 'string' ? text : keep);
      if (s.ok && replay !== undefined) this.lastGood = { text: replay, opts, runId: s.runId };
      this.emit({ runId, phase: 'done', done: s.stepCount, total: s.stepCount, exact: true, ms: s.ms });
      return s;
    });
    const done = () => {
      this.loading--;
    };
    task.then(done, done);
    return task;
  }

  /** One load on the wire (the bytes, if any, are transferred); its time limit grows with the text, since parsing sends no progress (about 1 s per MB). */
  private send(text: WireText, opts: LoadOptions): Promise<WireSummary> {
    const arg = typeof text === 'string' ? text : Comlink.transfer(text, [text.buffer]);
    const load = (r: Comlink.Remote<EngineApi>) => (r.load as unknown as (t: WireText, o: LoadOptions) => Promise<WireSummary>)(arg, opts);
    return this.call(load, this.loadTimeoutMs + Math.ceil(text.length / 1e6) * 1000);
  }

  /** Stops the load in progress at the worker's next safe point (between steps); it resolves with cancelled=true. */
  cancel(): void {
    if (this.loading > 0 && this.live) void this.live.remote.cancel().catch(() => undefined);
  }

  /** Listens to load progress; returns the function that stops listening. */
  onProgress(fn: (p: EngineProgress) => void): () => void {
    this.progressListeners.add(fn);
    return () => this.progressListeners.delete(fn);
  }

  private emit(p: EngineProgress): void {
    for (const fn of this.progressListeners) {
      try {
        fn(p);
      } catch {
        /* a listener's bug must not break the engine */
      }
    }
  }

  private onWorkerMessage(data: unknown): void {
    if (!data || typeof data !== 'object' || (data as { type?: unknown }).type !== 'dma-engine:progress') return;
    const p = data as WireProgress;
    for (const alive of this.alive) alive();
    const pend = this.pending;
    if (pend && pend.runId === p.runId) {
      if (p.rows) pend.inbox.add(p.rows);
      if (p.findings) for (const k of p.findings) pend.findings.push(k);
      if (p.config) pend.config = p.config;
      if (p.imported) pend.imported = p.imported;
      // The latest load (not one a newer load is cancelling) with steps to show: its listeners may show it as it goes.
      if (pend.config && p.phase === 'run' && !p.exact && pend.runId === this.runCounter) {
        const partial: PartialRun = { runId: p.runId, config: pend.config, rows: pend.inbox.rows, findings: pend.findings, ...(pend.imported ? { imported: pend.imported } : {}) };
        for (const fn of this.partialListeners) {
          try {
            fn(partial);
          } catch {
            /* a listener's bug must not break the engine */
          }
        }
      }
    }
    if (pend && pend.runId === p.runId) this.emit({ runId: p.runId, phase: p.phase, done: p.done, total: p.total, ...(p.exact ? { exact: true } : {}), ms: p.ms });
  }

  /** Listens to the steps of a long load as they come (after the first of them): the run can be stepped before it ends. */
  onPartial(fn: (p: PartialRun) => void): () => void {
    this.partialListeners.add(fn);
    return () => this.partialListeners.delete(fn);
  }

  /**
   * The frame of step N of the current run (with the bytes of `opts.buffer`, the caller's selection). Retries once on a fresh worker.
   * While a load streams its steps, the worker answers between its slices about the steps run so far: the request goes
   * at once (not queued behind the load), and a failure rejects without a restart (that would lose the load).
   */
  frame(step: number, opts: FrameOptions = {}): Promise<Frame> {
    if (this.loading > 0 && this.pending && this.live) return this.frameOnce(step, opts).catch((e: unknown) => Promise.reject(this.asEngineError(e)));
    return this.enqueue(async () => {
      try {
        return await this.frameOnce(step, opts);
      } catch (e) {
        const err = this.asEngineError(e);
        await this.restart(err.message);
        try {
          return await this.frameOnce(step, opts);
        } catch (e2) {
          throw this.asEngineError(e2);
        }
      }
    });
  }

  /**
   * One frame: the parts the last frame brought that are still the same are
   * not sent again (FrameOptions.have, Frame.reused) but taken from it, the
   * same objects, so the page redraws only what changed.
   */
  private async frameOnce(step: number, opts: FrameOptions): Promise<Frame> {
    const held = opts.snapshot === false ? null : this.held;
    const f = await this.call((r) => r.frame(step, held?.parts ? { ...opts, have: held.parts } : opts), this.frameTimeoutMs);
    const whole = f.reused || f.lists ? withParts(f, held) : f;
    if (whole.snapshot) this.held = whole;
    // Shallow-frozen for the same reason as summaries (a frame can hold thousands of objects).
    return Object.freeze(whole);
  }

  /** Bytes three ways of a buffer after step N (null: no such buffer). */
  bytes(step: number, buffer: string, offset = 0, len?: number): Promise<BufferBytes | null> {
    return this.enqueue(() => this.call((r) => r.bytes(step, buffer, offset, len), this.frameTimeoutMs));
  }

  /** The whole current run as the CLI's `--json` (full records, no snapshots); it does not move the frame position. */
  runJson(): Promise<RunResult | null> {
    return this.enqueue(() => this.call((r) => r.runJson(), this.loadTimeoutMs));
  }

  /** The operation table's plain data (asked once by the page: it never changes). */
  operations(): Promise<OperationDoc[]> {
    return this.enqueue(() => this.call((r) => r.operations(), this.frameTimeoutMs));
  }

  ping(): Promise<string> {
    return this.enqueue(() => this.call((r) => r.ping(), this.frameTimeoutMs));
  }

  dispose(): void {
    this.live?.worker.terminate();
    this.live = null;
    // A new worker knows none of the parts.
    this.held = null;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const p = this.queue.then(task, task);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private ensure(): Live {
    if (this.live) return this.live;
    let worker: WorkerLike;
    try {
      worker = this.createWorker();
    } catch (e) {
      // e.g. a page policy (Trusted Types, CSP worker-src) forbids the worker script
      throw new EngineError('crash', `The engine could not start in this browser (${errorText(e)}): the page's security policy may forbid its worker (Trusted Types or a CSP worker-src rule).`);
    }
    worker.addEventListener('message', (ev: unknown) => this.onWorkerMessage((ev as MessageEvent).data));
    const crashed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (ev: unknown) => {
        const msg = ev && typeof ev === 'object' && 'message' in ev && (ev as ErrorEvent).message;
        reject(new EngineError('crash', `The engine worker crashed${msg ? `: ${msg}` : ''}.`));
      });
    });
    crashed.catch(() => undefined);
    this.live = { worker, remote: Comlink.wrap<EngineApi>(worker), crashed };
    return this.live;
  }

  /** One call with a time limit, counted from the last sign of life (progress messages restart it). */
  private call<T>(fn: (r: Comlink.Remote<EngineApi>) => Promise<T>, ms: number): Promise<T> {
    const live = this.ensure();
    return new Promise<T>((resolve, reject) => {
      // Progress restarts the limit: only a worker with no sign of life for `ms` (one step that long) is stuck.
      const expire = () => reject(new EngineError('timeout', `The engine is stuck: no progress for ${Math.round(ms / 1000)} s.`));
      let timer = setTimeout(expire, ms);
      const alive = () => {
        clearTimeout(timer);
        timer = setTimeout(expire, ms);
      };
      this.alive.add(alive);
      live.crashed.catch((e: unknown) => reject(e));
      fn(live.remote)
        .then(resolve, reject)
        .finally(() => {
          clearTimeout(timer);
          this.alive.delete(alive);
        });
    });
  }

  private asEngineError(e: unknown): EngineError {
    if (e instanceof EngineError) return e;
    return new EngineError('threw', errorText(e));
  }

  /** Replaces the worker and replays the last good run. Never throws. */
  private async restart(reason: string): Promise<void> {
    this.dispose();
    this.restarts++;
    const good = this.lastGood;
    if (!good) {
      this.onNotice({ kind: 'restarted', message: `${reason} The engine was restarted.` });
      return;
    }
    try {
      // A replayed long scenario crosses as bytes too, with the time a load of its size gets.
      const s = await this.send(await wireCopy(good.text), { ...good.opts, runId: good.runId });
      if (!s.ok) throw new Error('the last good scenario no longer parses');
      this.onNotice({ kind: 'restarted', message: `${reason} The engine was restarted and the last good trace replayed.` });
    } catch (e) {
      this.dispose();
      this.onNotice({
        kind: 'failed',
        message: `${reason} Restarting the engine also failed (${errorText(e)}). Edit the scenario to try again.`,
      });
    }
  }
}
