/**
 * The page's side of drafts (drafts.ts): the list as the UI shows it, the
 * "kept as a draft — Undo" toast, and `openText`, the one way a source (a
 * link, a library entry, a lesson, a dropped file) replaces the editor's text
 * without losing what the user typed.
 */
import { create } from 'zustand';
import { useStore } from '../store/store.ts';
import { DEFAULT_SCENARIO } from '../defaultScenario.ts';
import type { BigText } from '../editor/bigText.ts';
import { DRAFTS_KEY, keepDraft, listDrafts, removeDraft, type Draft } from './drafts.ts';

interface DraftState {
  drafts: Draft[];
  /** The draft just kept, offered back with Undo. */
  toast: { draft: Draft; step: number; what: string } | null;
  menuOpen: boolean;
}

export const useDrafts = create<DraftState>(() => ({ drafts: listDrafts(), toast: null, menuOpen: false }));

export function refreshDrafts(): void {
  useDrafts.setState({ drafts: listDrafts() });
}

/** The text as last opened from a source (unchanged since: nothing typed to keep). */
let opened: string | null = null;

export function markOpened(text: string): void {
  opened = text;
}

/** Keep `text` as a draft when it may hold typing; tell the user what happened. Returns the draft kept. */
export function keepIfTyped(text: string, reason: string, step: number, what: string): Draft | null {
  if (text === opened || text === DEFAULT_SCENARIO) return null;
  const r = keepDraft(text, reason, Date.now());
  refreshDrafts();
  if (r.kept) {
    useDrafts.setState({ toast: { draft: r.kept, step, what } });
    return r.kept;
  }
  if (r.why === 'failed') useStore.getState().notify('error', `Your previous text could not be kept as a draft: ${r.message}. Ctrl+Z in the editor still brings it back.`);
  return null;
}

/** Replace the editor's text with `text` from a source; the current text is kept as a draft first. */
export function openText(text: string, step: number | null, reason: string): void {
  const st = useStore.getState();
  if (st.text !== text) keepIfTyped(st.text, reason, st.step, reason.replace(/^before /, ''));
  st.replaceText(text, step);
  opened = text;
}

/** Replace the editor's text with a long scenario kept as bytes (a dropped file); the current text is kept as a draft first. */
export function openBigText(big: BigText, reason: string): void {
  const st = useStore.getState();
  keepIfTyped(st.text, reason, st.step, reason.replace(/^before /, ''));
  st.openBig(big, null);
  opened = null;
}

/** Undo: the kept draft goes back into the editor (and out of the list). */
export function undoToast(): void {
  const t = useDrafts.getState().toast;
  if (!t) return;
  restoreDraft(t.draft, t.step);
}

export function restoreDraft(d: Draft, step = 0): void {
  const st = useStore.getState();
  useDrafts.setState({ toast: null, menuOpen: false });
  removeDraft(d.id);
  // The text being replaced may itself hold typing: keep it too, and say so (restoring never loses anything either).
  if (st.text !== d.text) keepIfTyped(st.text, `before restoring "${d.name}"`, st.step, 'restoring a draft');
  refreshDrafts();
  st.replaceText(d.text, step);
  opened = null;
}

export function dismissToast(): void {
  useDrafts.setState({ toast: null });
}

export function deleteDraft(id: string): void {
  removeDraft(id);
  refreshDrafts();
}

/** Other tabs keep drafts too: follow their changes to the list. */
export function startDraftSync(): () => void {
  const onStorage = (e: StorageEvent) => {
    if (e.key === DRAFTS_KEY || e.key === null) refreshDrafts();
  };
  window.addEventListener('storage', onStorage);
  return () => window.removeEventListener('storage', onStorage);
}
