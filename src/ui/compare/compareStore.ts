/**
 * Compare mode's state: whether it is open, side B's machine settings, and
 * what side B's worker last said (summary, parse errors, frame), plus the
 * per-step differences between side A (the main run) and side B.
 *
 * Side A is the main run: its settings are the main store's `overrides`, its
 * summary and frame the main store's. Nothing here is sent to a worker except
 * side B's settings (by compareEngine.ts).
 */
import { create } from 'zustand';
import type { Frame, LoadSummary } from '../../worker/api.ts';
import type { ParseErrorJson } from '../../scenario/result.ts';
import { NO_OVERRIDES, type MachineOverrides } from './settings.ts';
import type { StepDiff } from './diff.ts';

export type SideView = 'explain' | 'diagram';

export interface CompareState {
  open: boolean;
  /** Side B's settings (null fields: as in the scenario). */
  b: MachineOverrides;
  summaryB: LoadSummary | null;
  errorsB: ParseErrorJson[];
  frameB: Frame | null;
  runningB: boolean;
  /** Per step (index - 1): how the two sides differ. Coarse at first, exact as the records arrive. */
  diffs: StepDiff[];
  /** The two runs have the same statements (else steps cannot be compared). */
  aligned: boolean;
  /** Steps compared from full records so far, and how many will be. */
  exact: number;
  exactTarget: number;
  /** What each side's column shows under the step. */
  sideView: SideView;
}

export interface CompareActions {
  openCompare(b: MachineOverrides): void;
  closeCompare(): void;
  setB(o: Partial<MachineOverrides>): void;
  setSummaryB(s: LoadSummary): void;
  setErrorsB(e: ParseErrorJson[]): void;
  setFrameB(f: Frame | null): void;
  setRunningB(r: boolean): void;
  setDiffs(diffs: StepDiff[], aligned: boolean, exact: number, exactTarget: number): void;
  setSideView(v: SideView): void;
}

const closed = {
  open: false,
  summaryB: null,
  errorsB: [],
  frameB: null,
  runningB: false,
  diffs: [],
  aligned: true,
  exact: 0,
  exactTarget: 0,
} satisfies Partial<CompareState>;

export const useCompare = create<CompareState & CompareActions>()((set, get) => ({
  ...closed,
  b: NO_OVERRIDES,
  sideView: 'explain',
  openCompare: (b) => set({ ...closed, open: true, b }),
  closeCompare: () => set({ ...closed }),
  setB: (o) => {
    const cur = get().b;
    const next = { ...cur, ...o };
    if (next.arch !== cur.arch || next.kernel !== cur.kernel || next.iommu !== cur.iommu) set({ b: next });
  },
  setSummaryB: (summaryB) => set({ summaryB, errorsB: [] }),
  setErrorsB: (errorsB) => set({ errorsB }),
  setFrameB: (frameB) => set({ frameB }),
  setRunningB: (runningB) => set({ runningB }),
  setDiffs: (diffs, aligned, exact, exactTarget) => set({ diffs, aligned, exact, exactTarget }),
  setSideView: (sideView) => set({ sideView }),
}));
