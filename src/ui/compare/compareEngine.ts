/**
 * Compare mode's engine side: a SECOND EngineClient (its own worker) runs the
 * same text under side B's settings, follows the selected step, and the two
 * runs' records are compared step by step.
 *
 * Side A is the main worker (engine.ts): its frames are read through the same
 * client, one call at a time, so the explorer's own requests interleave.
 * Started when compare mode opens, stopped (worker terminated) when it closes.
 */
import { EngineClient, EngineError } from '../../worker/client.ts';
import type { LoadSummary } from '../../worker/api.ts';
import { engineClient } from '../engine.ts';
import { framePull, latestLoad } from '../engine-loops.ts';
import { useStore } from '../store/store.ts';
import { useCompare } from './compareStore.ts';
import { aligned, diffStepJson, diffSummaries, type StepDiff } from './diff.ts';
import { scenarioLoadArgs } from '../editor/bigText.ts';
import { runOf } from '../../worker/wire-text.ts';

const DEBOUNCE_MS = 250;
/** Steps compared from full records; past this, the summaries' counts only. */
export const EXACT_LIMIT = 2000;

let clientB: EngineClient | null = null;

/** Side B's client (created on first use). */
export function compareClient(): EngineClient {
  if (!clientB) {
    clientB = new EngineClient({
      onNotice: (n) => useStore.getState().notify(n.kind === 'failed' ? 'error' : 'warn', `Compare, side B: ${n.message}`),
    });
  }
  return clientB;
}

/** Starts side B; returns a function that stops it and ends its worker. */
export function startCompareSync(): () => void {
  const c = compareClient();
  let stopped = false;
  let diffGen = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const loadB = latestLoad(
    async () => {
      const { text, big } = useStore.getState();
      const args = await scenarioLoadArgs(text, big, useCompare.getState().b);
      return c.load(args.text, args.opts, args.keep);
    },
    {
      running: (on) => useCompare.getState().setRunningB(on),
      loaded(s) {
        if (s.ok) useCompare.getState().setSummaryB(runOf(s));
        else useCompare.getState().setErrorsB(s.errors);
        void pullFrameB();
        void compareRuns();
      },
      failed(e) {
        if (!(e instanceof EngineError)) useStore.getState().notify('error', `Compare, side B: ${String(e)}`);
        void pullFrameB();
      },
    },
    () => stopped,
  );

  const pullFrameB = framePull(
    c,
    {
      wanted() {
        const summary = useCompare.getState().summaryB;
        return summary ? { summary, step: Math.min(useStore.getState().step, summary.stepCount) } : null;
      },
      show: (frame) => useCompare.getState().setFrameB(frame),
      fail: (message) => useStore.getState().notify('error', `Compare, side B: ${message}`),
    },
    () => stopped,
  );

  /** Coarse differences at once, then exact ones step by step from both workers. */
  async function compareRuns(): Promise<void> {
    const gen = ++diffGen;
    const a: LoadSummary | null = useStore.getState().summary;
    const b = useCompare.getState().summaryB;
    if (!a || !b) {
      useCompare.getState().setDiffs([], true, 0, 0);
      return;
    }
    if (!aligned(a.steps, b.steps)) {
      useCompare.getState().setDiffs([], false, 0, 0);
      return;
    }
    const diffs: StepDiff[] = diffSummaries(a.steps, b.steps);
    const target = Math.min(a.stepCount, EXACT_LIMIT);
    useCompare.getState().setDiffs(diffs.slice(), true, 0, target);
    const live = () => !stopped && gen === diffGen;
    const ca = engineClient();
    // Exact differences from both workers' full records (runJson reruns the
    // scenario afresh, so it does not move either side's frame position).
    if (a.stepCount > EXACT_LIMIT) return;
    try {
      const [ra, rb] = await Promise.all([ca.runJson(), c.runJson()]);
      if (!live() || !ra || !rb || useStore.getState().summary !== a || useCompare.getState().summaryB !== b) return;
      for (let k = 1; k <= target; k++) {
        const sa = ra.steps[k - 1];
        const sb = rb.steps[k - 1];
        if (sa && sb) diffs[k - 1] = diffStepJson(sa, sb);
      }
      useCompare.getState().setDiffs(diffs.slice(), true, target, target);
    } catch {
      /* a worker failed: the client restarts it and tells the user; keep the coarse diffs */
    }
  }

  function scheduleLoad(delay: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void loadB();
    }, delay);
  }

  const unsubMain = useStore.subscribe((s, prev) => {
    if (!s.ready) return;
    if (s.text !== prev.text || s.big !== prev.big || !prev.ready) scheduleLoad(s.textEpoch !== prev.textEpoch || !prev.ready ? 0 : DEBOUNCE_MS);
    if (s.step !== prev.step) void pullFrameB();
    if (s.summary !== prev.summary) void compareRuns();
  });
  const unsubCmp = useCompare.subscribe((s, prev) => {
    if (s.b !== prev.b) scheduleLoad(0);
  });

  if (useStore.getState().ready) scheduleLoad(0);

  return () => {
    stopped = true;
    diffGen++;
    unsubMain();
    unsubCmp();
    if (timer) clearTimeout(timer);
    clientB?.dispose();
    clientB = null;
  };
}
