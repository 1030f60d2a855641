/**
 * After a lesson or scenario is opened to reproduce a kernel message: once
 * its run is in, go to the first step whose kernel log prints that message
 * (the catalogue id of its kernel log event, the one the explainer matched), so one click
 * shows the message, not the lesson's step 0. A step that logs something
 * else is passed over; when none logs it, the first step that logs anything.
 */
import { engineClient } from '../engine.ts';
import { useStore } from '../store/store.ts';

/** Warning steps whose frames are looked at (each is one request to the worker). */
const LOOK_AT = 12;
const WAIT_MS = 30_000;

/** Resolves with the run of `text` once it is on screen (null if the text changes or it takes too long). */
function runOf(text: string): Promise<NonNullable<ReturnType<typeof useStore.getState>['summary']> | null> {
  // the run on screen is the text's before it (the new one starts after the editor's debounce)
  const before = useStore.getState().summary;
  return new Promise((resolve) => {
    const done = (v: Parameters<typeof resolve>[0]) => {
      clearTimeout(timer);
      unsub();
      resolve(v);
    };
    const check = () => {
      const s = useStore.getState();
      if (s.text !== text) done(null);
      else if (s.summary !== before && !s.running && s.summary?.ok && s.frame?.runId === s.summary.runId) done(s.summary);
    };
    const unsub = useStore.subscribe(check);
    const timer = setTimeout(() => done(null), WAIT_MS);
    check();
  });
}

export async function landOnMessage(text: string, ids: readonly string[]): Promise<void> {
  const summary = await runOf(text);
  if (!summary) return;
  const steps = summary.steps;
  let first: number | null = null;
  let looked = 0;
  for (let i = 0; i < steps.length && looked < LOOK_AT; i++) {
    if (steps.warnings(i) === 0) continue;
    first ??= i + 1;
    looked++;
    const frame = await engineClient().frame(i + 1).catch(() => null);
    if (useStore.getState().text !== text || useStore.getState().step !== 0) return;
    if (frame?.json?.events.some((e) => e.kind === 'log' && ids.includes(e.id))) {
      useStore.getState().setStep(i + 1);
      return;
    }
  }
  if (first !== null && useStore.getState().text === text && useStore.getState().step === 0) useStore.getState().setStep(first);
}
