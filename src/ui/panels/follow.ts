/**
 * "Follow the step": when on, each new step opens the view it changed most
 * (stepChanges.ts), else the diagram. On by default in a lesson, off
 * otherwise; the learner's choice is kept in localStorage. Narration focus
 * (a lesson step's `[view=…]`) still wins: src/ui/lesson/focus.ts asks
 * `followedView` only for steps without one.
 */
import { create } from 'zustand';
import type { Frame } from '../../worker/api.ts';
import { useStore } from '../store/store.ts';
import { followTarget, stepChanges } from './stepChanges.ts';
import { listViews } from './registry.ts';

const KEY = 'dma-explorer:follow';

function load(): boolean | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === '1' ? true : v === '0' ? false : null;
  } catch {
    return null;
  }
}

export const useFollow = create<{ choice: boolean | null; set(on: boolean): void }>()((set) => ({
  choice: load(),
  set: (on) => {
    try {
      localStorage.setItem(KEY, on ? '1' : '0');
    } catch {
      /* private mode: the choice lasts this page */
    }
    set({ choice: on });
  },
}));

/** Whether views follow the step: the user's choice, else on in a lesson. */
export function following(inLesson: boolean, choice = useFollow.getState().choice): boolean {
  return choice ?? inLesson;
}

/** The view a step should show when following: the most telling change among the tabs on screen, else the diagram. */
export function followedView(frame: Frame): string {
  const s = useStore.getState();
  const json = frame.json;
  if (!json) return 'diagram';
  const shown = listViews(s.summary).map((v) => v.id);
  return followTarget(stepChanges(json.events, json.observationRules), shown);
}

/** Follows the step outside lessons (focus.ts does it inside one); returns a function that stops it. */
export function startFollow(): () => void {
  let lastKey = '';
  return useStore.subscribe((s, prev) => {
    const frame = s.frame;
    if (!frame || frame === prev.frame || s.summary?.teaching?.lesson) return;
    const key = `${frame.runId}:${frame.step}`;
    if (key === lastKey) return;
    lastKey = key;
    if (following(false)) s.setActiveView(followedView(frame));
  });
}
