/**
 * The UI's side of the engine worker.
 *
 * One call at a time goes to the worker (a queue), each with a time limit. If
 * the worker throws, dies or does not answer in time, the client terminates
 * it, starts a new one, replays the last scenario that ran (with the same run
 * id, so frames the UI holds stay valid) and tells the UI in words through
 * `onNotice`. The failed call rejects with an EngineError; the UI shows its
 * message and keeps the last good trace on screen.
 */
import * as Comlink from 'comlink';
import type { EngineApi, Frame, LoadOptions, LoadSummary } from './api.ts';

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

export type EngineFailure = 'timeout' | 'crash' | 'threw';

export class EngineError extends Error {
  readonly failure: EngineFailure;
  constructor(failure: EngineFailure, message: string) {
    super(message);
    this.name = 'EngineError';
    this.failure = failure;
  }
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
  private lastGood: { text: string; opts: LoadOptions; runId: number } | null = null;
  private readonly loadTimeoutMs: number;
  private readonly frameTimeoutMs: number;
  private readonly createWorker: () => WorkerLike;
  private readonly onNotice: (n: EngineNotice) => void;
  /** How many times the worker was replaced (for tests and the status line). */
  restarts = 0;

  constructor(opts: EngineClientOptions = {}) {
    this.loadTimeoutMs = opts.loadTimeoutMs ?? 20_000;
    this.frameTimeoutMs = opts.frameTimeoutMs ?? 5_000;
    this.createWorker = opts.createWorker ?? defaultWorker;
    this.onNotice = opts.onNotice ?? (() => {});
  }

  /** Runs a scenario. Resolves with the summary (ok=false on parse errors); rejects with EngineError if the engine failed. */
  load(text: string, opts: LoadOptions = {}): Promise<LoadSummary> {
    const runId = ++this.runCounter;
    return this.enqueue(async () => {
      let s: LoadSummary;
      try {
        s = await this.call((r) => r.load(text, { ...opts, runId }), this.loadTimeoutMs);
      } catch (e) {
        const err = this.asEngineError(e);
        await this.restart(
          err.failure === 'threw'
            ? `The engine failed on this scenario: ${err.message}`
            : err.message,
        );
        throw err;
      }
      if (s.ok) this.lastGood = { text, opts, runId: s.runId };
      return s;
    });
  }

  /** The frame of step N of the current run. Retries once on a fresh worker. */
  frame(step: number): Promise<Frame> {
    return this.enqueue(async () => {
      try {
        return await this.call((r) => r.frame(step), this.frameTimeoutMs);
      } catch (e) {
        const err = this.asEngineError(e);
        await this.restart(err.message);
        try {
          return await this.call((r) => r.frame(step), this.frameTimeoutMs);
        } catch (e2) {
          throw this.asEngineError(e2);
        }
      }
    });
  }

  ping(): Promise<string> {
    return this.enqueue(() => this.call((r) => r.ping(), this.frameTimeoutMs));
  }

  dispose(): void {
    this.live?.worker.terminate();
    this.live = null;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const p = this.queue.then(task, task);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private ensure(): Live {
    if (this.live) return this.live;
    const worker = this.createWorker();
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

  private call<T>(fn: (r: Comlink.Remote<EngineApi>) => Promise<T>, ms: number): Promise<T> {
    const live = this.ensure();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new EngineError('timeout', `The engine did not answer within ${Math.round(ms / 1000)} s.`)),
        ms,
      );
      live.crashed.catch((e: unknown) => reject(e));
      fn(live.remote).then(resolve, reject).finally(() => clearTimeout(timer));
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
      const s = await this.call((r) => r.load(good.text, { ...good.opts, runId: good.runId }), this.loadTimeoutMs);
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
