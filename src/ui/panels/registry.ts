/**
 * Machine views plug in here. A view is a React component that gets the
 * current frame (and the run's summary) and draws one part of the machine:
 * cache, memory, bytes three ways, swiotlb, IOMMU…
 *
 * To add one: write `src/ui/panels/views/MyView.tsx` exporting the component
 * as its default, and list it in `src/ui/panels/views.ts` (title, order, when
 * it shows) as a `React.lazy` component, so it loads only when its tab is
 * first opened.
 */
import type { ComponentType } from 'react';
import type { Frame, LoadSummary } from '../../worker/api.ts';

export interface ViewProps {
  /** The frame on screen: the step's record, plus `snapshot` once the engine sends machine state. */
  frame: Frame | null;
  summary: LoadSummary | null;
  /** The selected step (the frame may lag it by one round trip). */
  step: number;
}

export interface ViewDef {
  /** Stable id, used in the DOM (data-view) and later in share links. */
  id: string;
  /** Tab title. */
  title: string;
  /** Tabs sort by this, then by title. */
  order: number;
  component: ComponentType<ViewProps>;
  /** Whether the tab is worth showing for this run (default: always); hidden tabs keep the strip short. */
  when?: (summary: LoadSummary | null) => boolean;
}

/** Does the run call any operation whose name starts with one of these prefixes? (True while nothing is known.) */
export function usesOps(summary: LoadSummary | null, ...prefixes: string[]): boolean {
  if (!summary || summary.steps.length === 0) return true;
  return summary.steps.opNames().some((op) => prefixes.some((p) => op.startsWith(p)));
}

const views = new Map<string, ViewDef>();

export function registerView(view: ViewDef): void {
  views.set(view.id, view);
}

export function listViews(summary?: LoadSummary | null): ViewDef[] {
  const all = [...views.values()].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  return summary === undefined ? all : all.filter((v) => !v.when || v.when(summary));
}

export function getView(id: string): ViewDef | undefined {
  return views.get(id);
}
