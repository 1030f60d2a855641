/**
 * The two loops both runs on screen share (the explorer's run, engine.ts,
 * and compare mode's side B, compareEngine.ts): loads where only the latest
 * answer counts, and the frame fetch: one request at a time; while it is on
 * its way, step changes coalesce into one more request for the latest, so
 * scrubbing fast asks only for the step the user stopped on. An answer about
 * an older run is dropped.
 */
import { EngineError } from '../worker/client.ts';
import type { EngineClient } from '../worker/client.ts';
import type { Frame, FrameOptions, LoadSummary } from '../worker/api.ts';

export interface FrameTarget {
  /** The run on screen and the step to show (null: no run yet). */
  wanted(): { summary: LoadSummary; step: number; options?: FrameOptions } | null;
  /** A frame of the run on screen arrived. */
  show(frame: Frame): void;
  /** A failure the client did not already report (it reports engine failures itself). */
  fail(message: string): void;
}

/** The loop for one target; call the function it returns whenever the wanted step or run changes. */
export function framePull(client: EngineClient, target: FrameTarget, stopped: () => boolean): () => Promise<void> {
  let inFlight = false;
  return async () => {
    if (inFlight || stopped()) return;
    inFlight = true;
    try {
      for (;;) {
        const asked = target.wanted();
        if (!asked) return;
        const frame = await client.frame(asked.step, asked.options);
        if (stopped()) return;
        const now = target.wanted();
        if (frame.runId === now?.summary.runId) target.show(frame);
        if (now && now.step === asked.step && now.summary === asked.summary) return;
        // The step or the run changed while we waited: ask again for the latest.
      }
    } catch (e) {
      if (!(e instanceof EngineError)) target.fail(String(e));
    } finally {
      inFlight = false;
    }
  };
}

export interface LoadTarget<A extends unknown[], T> {
  /** The side is running a load (or no longer). */
  running(on: boolean): void;
  /** The latest load answered. */
  loaded(answer: T, ...args: A): void;
  /** The latest load failed (the client has already restarted a failed worker and told the user). */
  failed(e: unknown): void;
}

/** Loads where only the latest counts: the answer or failure of a load a newer one overtook is dropped. */
export function latestLoad<A extends unknown[], T>(load: (...args: A) => Promise<T>, target: LoadTarget<A, T>, stopped: () => boolean): (...args: A) => Promise<void> {
  let seq = 0;
  return async (...args: A) => {
    const mine = ++seq;
    target.running(true);
    try {
      const answer = await load(...args);
      if (stopped() || mine !== seq) return;
      target.loaded(answer, ...args);
    } catch (e) {
      if (stopped() || mine !== seq) return;
      target.failed(e);
    } finally {
      if (!stopped() && mine === seq) target.running(false);
    }
  };
}
