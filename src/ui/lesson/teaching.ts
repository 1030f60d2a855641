/**
 * Reading the lesson on screen: the run summary's teaching (from the worker)
 * and the learner's answers, as small pure helpers and hooks the lesson
 * components and the explanation panel share.
 */
import type { StepNarration, Teaching } from '../../scenario/teaching.ts';
import type { CheckResult, StepJson } from '../../scenario/result.ts';
import { useStore } from '../store/store.ts';
import { useLesson } from './lessonStore.ts';
import type { Frame } from '../../worker/api.ts';

export function useTeaching(): Teaching | null {
  return useStore((s) => s.summary?.teaching ?? null);
}

export function narrationFor(t: Teaching | null | undefined, step: number): StepNarration | null {
  return t?.narration.find((n) => n.step === step) ?? null;
}

/** The step's prediction check, if it has one. */
export function predictionOf(json: StepJson | null | undefined): CheckResult | null {
  return json?.checks.find((c) => c.choices) ?? null;
}

/** True while the frame's step has a prediction the learner has not answered: its result stays hidden. */
export function usePredictionPending(frame: Frame | null): boolean {
  const answers = useLesson((s) => s.answers);
  const json = frame?.json;
  if (!json || !predictionOf(json)) return false;
  return answers[json.line] === undefined;
}

/** The choices in the order shown: a fixed shuffle per statement, so the answer is not always first. */
export function shownChoices(choices: readonly string[], seed: string): string[] {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  const out = [...choices];
  for (let i = out.length - 1; i > 0; i--) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    const j = h % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A bug hunt is solved when the current text parses and every check passes. */
export function useHuntSolved(): boolean {
  return useStore((s) => {
    const t = s.summary?.teaching;
    return !!t && t.fixes.length > 0 && !s.running && s.errors.length === 0 && !!s.summary && s.summary.checks.failed === 0 && s.summary.checks.passed > 0;
  });
}
