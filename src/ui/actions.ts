/**
 * The controls' actions, shared by the buttons and the keyboard.
 */
import { useStore, stepCount } from './store/store.ts';
import { NO_ROWS } from '../worker/rows.ts';

export function stepBy(delta: number): void {
  const s = useStore.getState();
  s.setPlaying(false);
  s.setStep(s.step + delta);
}

export function first(): void {
  const s = useStore.getState();
  s.setPlaying(false);
  s.setStep(0);
}

export function last(): void {
  const s = useStore.getState();
  s.setPlaying(false);
  s.setStep(stepCount(s));
}

export function togglePlay(): void {
  const s = useStore.getState();
  s.setPlaying(!s.playing);
}

/** The step at which the statement on (or last before) `line` has run. */
export function stepForLine(line: number): number {
  const steps = useStore.getState().summary?.steps ?? NO_ROWS;
  let k = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps.line(i) <= line) k = i + 1;
    else break;
  }
  return k;
}

export function runToCursor(): void {
  const s = useStore.getState();
  s.setPlaying(false);
  const k = stepForLine(s.cursor.line);
  s.setStep(k);
  if (k === 0) s.setHint(`no statement at or before line ${s.cursor.line}`);
}

/** Index of the next step after `from` that is a finding, or null. */
export function nextFindingAfter(from: number): number | null {
  const steps = useStore.getState().summary?.steps ?? NO_ROWS;
  for (let i = Math.max(0, from); i < steps.length; i++) if (steps.finding(i)) return i + 1;
  return null;
}

export function nextFinding(): void {
  const s = useStore.getState();
  s.setPlaying(false);
  const k = nextFindingAfter(s.step);
  if (k === null) s.setHint(s.step === 0 ? 'no findings or observations in this scenario' : `no finding or observation after step ${s.step}`);
  else s.setStep(k);
}

export function toggleTheme(): void {
  const s = useStore.getState();
  s.setTheme(s.theme === 'dark' ? 'light' : 'dark');
}
