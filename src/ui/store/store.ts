/**
 * The explorer's state (DESIGN §2.9):
 * - authored truth: the scenario text and the cursor;
 * - what the worker last said: the summary of the last run that parsed, the
 *   parse errors of the current text, and the frame on screen (replaced whole);
 * - view state: selected step, playback, theme, overlays, the open view tab.
 * None of the view state is ever sent to the worker.
 */
import { create } from 'zustand';
import { immer } from 'zustand/middleware/immer';
import type { Frame, LoadSummary } from '../../worker/api.ts';
import type { ParseErrorJson } from '../../scenario/result.ts';
import type { OperationDoc } from '../../sim/operation.ts';
import type { Theme } from './persist.ts';
import { NO_OVERRIDES, type MachineOverrides } from '../compare/settings.ts';
import type { BigText } from '../editor/bigText.ts';

export interface Notice {
  id: number;
  kind: 'error' | 'warn' | 'info';
  text: string;
  /** What the notice is about: a newer notice with the same key takes its place (the same news about another text). */
  key?: string;
}

export interface ShareState {
  url: string | null;
  copied: boolean;
  error: string | null;
}

/**
 * What the user picked in one machine view, highlighted in all of them: a
 * buffer (by name), a physical address, a cache line (its physical address),
 * a swiotlb slot (its index) or an IOVA. Share links carry it (share-selection.ts).
 */
export interface Selection {
  buffer?: string;
  addr?: number;
  line?: number;
  slot?: number;
  iova?: number;
}

export interface AppState {
  // authored truth
  text: string;
  cursor: { line: number; col: number };
  /** Bumped when the text is replaced from outside the editor (link, library), so the editor resets. */
  textEpoch: number;
  /** A scenario too long to be a string on the page (an import, a dropped file), as its bytes; `text` is empty meanwhile. */
  big: BigText | null;

  // from the worker
  summary: LoadSummary | null;
  errors: ParseErrorJson[];
  frame: Frame | null;
  running: boolean;
  /** The operations of the scenario language (the engine's table, asked of the worker once); empty until it answers. */
  operations: readonly OperationDoc[];

  /** Machine settings the run uses instead of the header's (header selectors, links); sent with the text. */
  overrides: MachineOverrides;

  // view state
  ready: boolean;
  step: number;
  /** A step to select once the next run finishes (from a shared link or a reload). */
  pendingStep: number | null;
  playing: boolean;
  /** Steps per second while playing. */
  speed: number;
  pauseAtFindings: boolean;
  theme: Theme;
  helpOpen: boolean;
  share: ShareState | null;
  activeView: string;
  /** Linked selection across the machine views. */
  selection: Selection;
  notices: Notice[];
  /** A short status shown by the controls ("no finding after step 7"). */
  hint: string | null;
}

export interface AppActions {
  setText(text: string): void;
  replaceText(text: string, step: number | null): void;
  /** Replaces the text with a long one kept as bytes (editor/bigText.ts). */
  openBig(big: BigText, step: number | null): void;
  setCursor(line: number, col: number): void;
  setStep(step: number): void;
  setPlaying(playing: boolean): void;
  setSpeed(speed: number): void;
  setPauseAtFindings(on: boolean): void;
  setTheme(theme: Theme): void;
  setHelpOpen(open: boolean): void;
  setShare(share: ShareState | null): void;
  setActiveView(id: string): void;
  /** Replaces the selection (an empty object clears it). */
  setSelection(sel: Selection): void;
  notify(kind: Notice['kind'], text: string, key?: string): void;
  dismiss(id: number): void;
  setHint(hint: string | null): void;
  applySummary(summary: LoadSummary): void;
  setFrame(frame: Frame): void;
  setRunning(running: boolean): void;
  setOperations(ops: readonly OperationDoc[]): void;
  setReady(): void;
  setOverrides(o: Partial<MachineOverrides>): void;
}

export type Store = AppState & AppActions;

let noticeId = 0;

export const initialState = (theme: Theme): AppState => ({
  text: '',
  cursor: { line: 1, col: 1 },
  textEpoch: 0,
  big: null,
  summary: null,
  errors: [],
  frame: null,
  running: false,
  operations: [],
  overrides: NO_OVERRIDES,
  ready: false,
  step: 0,
  pendingStep: null,
  playing: false,
  speed: 2,
  pauseAtFindings: true,
  theme,
  helpOpen: false,
  share: null,
  activeView: '',
  selection: {},
  notices: [],
  hint: null,
});

export function stepCount(s: Pick<AppState, 'summary'>): number {
  return s.summary?.stepCount ?? 0;
}

export const useStore = create<Store>()(
  immer((set, get) => ({
    ...initialState('light'),

    setText: (text) =>
      set((s) => {
        s.text = text;
      }),
    replaceText: (text, step) =>
      set((s) => {
        s.text = text;
        s.big = null;
        s.textEpoch++;
        s.pendingStep = step;
        s.playing = false;
        s.errors = [];
      }),
    // Not a recipe: the bytes are not drafted or frozen.
    openBig: (big, step) => set({ text: '', big, textEpoch: get().textEpoch + 1, pendingStep: step, playing: false, errors: [] }),
    setCursor: (line, col) =>
      set((s) => {
        s.cursor = { line, col };
      }),
    setStep: (step) =>
      set((s) => {
        const n = stepCount(s);
        s.step = Math.max(0, Math.min(n, Math.trunc(step)));
        s.hint = null;
        if (s.step >= n) s.playing = false;
      }),
    setPlaying: (playing) =>
      set((s) => {
        s.playing = playing && stepCount(s) > 0;
        if (s.playing && s.step >= stepCount(s)) s.step = 0;
      }),
    setSpeed: (speed) =>
      set((s) => {
        s.speed = speed;
      }),
    setPauseAtFindings: (on) =>
      set((s) => {
        s.pauseAtFindings = on;
      }),
    setTheme: (theme) =>
      set((s) => {
        s.theme = theme;
      }),
    setHelpOpen: (open) =>
      set((s) => {
        s.helpOpen = open;
      }),
    setShare: (share) =>
      set((s) => {
        s.share = share;
      }),
    setActiveView: (id) =>
      set((s) => {
        s.activeView = id;
      }),
    setSelection: (sel) =>
      set((s) => {
        const next: Selection = {};
        if (sel.buffer !== undefined) next.buffer = sel.buffer;
        if (sel.addr !== undefined && Number.isFinite(sel.addr)) next.addr = sel.addr;
        if (sel.line !== undefined && Number.isFinite(sel.line)) next.line = sel.line;
        if (sel.slot !== undefined && Number.isFinite(sel.slot)) next.slot = sel.slot;
        if (sel.iova !== undefined && Number.isFinite(sel.iova)) next.iova = sel.iova;
        s.selection = next;
      }),
    notify: (kind, text, key) =>
      set((s) => {
        if (s.notices.some((n) => n.text === text)) return;
        if (key !== undefined) s.notices = s.notices.filter((n) => n.key !== key);
        s.notices.push({ id: ++noticeId, kind, text, ...(key !== undefined ? { key } : {}) });
        if (s.notices.length > 4) s.notices.shift();
      }),
    dismiss: (id) =>
      set((s) => {
        s.notices = s.notices.filter((n) => n.id !== id);
      }),
    setHint: (hint) =>
      set((s) => {
        s.hint = hint;
      }),
    applySummary: (summary) => {
      // A plain object, not an immer recipe: summaries and frames are replaced
      // whole and not deep-frozen (a long run has one StepInfo per step).
      const s = get();
      if (!summary.ok) {
        set({ errors: summary.errors });
        return;
      }
      const n = summary.stepCount;
      const want = s.pendingStep ?? s.step;
      set({
        summary,
        errors: [],
        // A step the run has not reached yet (a link's) waits for the rest of a run still loading.
        pendingStep: summary.partial && want > n ? want : null,
        step: Math.max(0, Math.min(n, want)),
        playing: s.playing && want < n,
      });
    },
    setFrame: (frame) => {
      set({ frame });
    },
    // Replaced whole, never drafted: the table is read-only data from the engine.
    setOperations: (ops) => set({ operations: ops }),
    setRunning: (running) =>
      set((s) => {
        s.running = running;
      }),
    setReady: () =>
      set((s) => {
        s.ready = true;
      }),
    setOverrides: (o) =>
      set((s) => {
        const next = { ...s.overrides, ...o };
        if (next.arch !== s.overrides.arch || next.kernel !== s.overrides.kernel || next.iommu !== s.overrides.iommu) s.overrides = next;
      }),
  })),
);
