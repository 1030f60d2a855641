/**
 * What the learner has done in the lesson on screen, and their progress
 * across lessons. View state only: nothing here goes to the worker or into a
 * share link. The lesson itself (narration, predictions, hints, regions) is
 * the run summary's `teaching`, from the worker.
 */
import { create } from 'zustand';
import { loadProgress, saveProgress } from '../library/progress.ts';

export interface LessonUiState {
  /** The predictions answered, by the line of their statement: the choice picked (as printed). */
  answers: Readonly<Record<number, string>>;
  /** How many of the lesson's hints are shown. */
  hintsShown: number;
  /** The catalogue entry opened from the library (or the first visit), with its text as shipped (for Reset). */
  opened: { id: string; text: string } | null;
  /** Lessons finished (ids), kept in localStorage. */
  done: ReadonlySet<string>;
  /** The open view was chosen by a narration focus (so a step without one goes back to the diagram). */
  viewByFocus: boolean;
  libraryOpen: boolean;
}

export interface LessonUiActions {
  answer(line: number, choice: string): void;
  showHint(): void;
  /** A new text was loaded: forget answers and hints (and the opened entry unless given). */
  reset(opened?: { id: string; text: string } | null): void;
  markDone(id: string): void;
  setViewByFocus(on: boolean): void;
  setLibraryOpen(open: boolean): void;
}

export const useLesson = create<LessonUiState & LessonUiActions>()((set, get) => ({
  answers: {},
  hintsShown: 0,
  opened: null,
  done: loadProgress(),
  viewByFocus: false,
  libraryOpen: false,
  answer: (line, choice) => set({ answers: { ...get().answers, [line]: choice } }),
  showHint: () => set({ hintsShown: get().hintsShown + 1 }),
  reset: (opened) => set({ answers: {}, hintsShown: 0, ...(opened !== undefined ? { opened } : {}) }),
  markDone: (id) => {
    if (get().done.has(id)) return;
    const done = new Set(get().done);
    done.add(id);
    saveProgress(done);
    set({ done });
  },
  setViewByFocus: (viewByFocus) => set({ viewByFocus }),
  setLibraryOpen: (libraryOpen) => set({ libraryOpen }),
}));
