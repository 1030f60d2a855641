/**
 * Share links: `#s=1.PAYLOAD&step=N` (SCENARIO-LANGUAGE.md, "URLs"), then the
 * view choices as more `&key=value` pairs:
 *   arch, kernel, iommu        machine-setting overrides of the run
 *   view                       the open machine view tab
 *   cmp=1, b.arch, b.kernel, b.iommu   compare mode and side B's settings
 *   sel.buf, sel.addr, sel.line, sel.slot, sel.iova   the selection (share-selection.ts)
 *   embed=1                    the compact read-only player (src/ui/embed)
 *
 * Links point at the public address the build names, else at this page (share-base.ts).
 * A link is untrusted input: it is decoded by src/scenario/url.ts (bounded,
 * versioned), its text only ever goes to the editor and the engine, and any
 * failure becomes a dismissible message while the default scenario loads.
 * Every view choice is checked against the known values first: an unknown
 * one is ignored with a message, never passed on.
 */
import { decodeShareHash, encodeShareHash } from '../scenario/url.ts';
import { DEFAULT_SCENARIO } from './defaultScenario.ts';
import { loadSavedStep, loadSavedText } from './store/persist.ts';
import { useStore } from './store/store.ts';
import { useCompare } from './compare/compareStore.ts';
import { NO_OVERRIDES, overridesToExtra } from './compare/settings.ts';
import { linkChoices } from './compare/link.ts';
import { getView } from './panels/registry.ts';
import { startFirstVisit } from './lesson/firstVisit.ts';
import { selectionFromExtra, selectionToExtra } from './share-selection.ts';
import { publicBase } from './share-base.ts';
import './panels/views.ts';

/** The view choices a link carries, from the stores. */
export function currentShareExtras(): Record<string, string> {
  const st = useStore.getState();
  const cmp = useCompare.getState();
  const extra: Record<string, string> = { ...overridesToExtra(st.overrides) };
  if (st.activeView) extra.view = st.activeView;
  Object.assign(extra, selectionToExtra(st.selection));
  if (cmp.open) Object.assign(extra, { cmp: '1' }, overridesToExtra(cmp.b, 'b.'));
  return extra;
}

/** True when the fragment looks like a share link (something to decode). */
export function hasShareHash(hash: string = location.hash): boolean {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return /(^|&)s=/.test(h);
}

export async function shareUrl(text: string, step: number, extra: Record<string, string> = currentShareExtras()): Promise<string> {
  const hash = await encodeShareHash(text, step, extra);
  return `${publicBase()}#${hash}`;
}

function dropHash(): void {
  try {
    history.replaceState(null, '', location.pathname + location.search);
  } catch {
    /* ignore */
  }
}

/**
 * Decides the text the session starts with: a share link (overrides saved
 * text), else the saved text, else the first lesson on a first visit, else the
 * default scenario. Marks the store ready.
 */
let initialized = false;

export async function initialLoad(): Promise<void> {
  // Once per page (React StrictMode runs effects twice in development).
  if (initialized) return;
  initialized = true;
  const st = useStore.getState();
  if (hasShareHash()) {
    await applyShareHash(location.hash);
  } else {
    const saved = loadSavedText();
    if (saved !== null && saved.trim() !== '') st.replaceText(saved, loadSavedStep());
    else if (!(await startFirstVisit())) st.replaceText(DEFAULT_SCENARIO, 0);
  }
  useStore.getState().setReady();
}

/** Opens a share link; on failure tells the user why and opens the default scenario. */
export async function applyShareHash(hash: string): Promise<void> {
  const st = useStore.getState();
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  let message: string;
  try {
    const r = await decodeShareHash(raw);
    if (r.ok) {
      // View choices first, so the first run already uses the link's machine settings.
      const c = linkChoices(r.extra, (id) => getView(id) !== undefined);
      const sel = selectionFromExtra(r.extra);
      c.problems.push(...sel.problems);
      st.setOverrides(c.overrides);
      if (c.view !== null) st.setActiveView(c.view);
      if (c.compare) useCompare.getState().openCompare(c.compare);
      else useCompare.getState().closeCompare();
      if (c.problems.length > 0) st.notify('warn', `From the link: ${c.problems.join('; ')}.`);
      st.replaceText(r.text, Math.max(0, Math.trunc(r.step) || 0));
      st.setSelection(sel.selection);
      // An embedded player keeps its hash: it is the player's whole state, and it saves nothing.
      if (r.extra.embed === '1') return;
      // The text now lives in the editor and localStorage; a reload keeps edits.
      dropHash();
      return;
    }
    message = r.message;
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  st.notify('error', `This share link could not be opened: ${message.replace(/[.\s]+$/, '')}. The default scenario is loaded instead.`);
  st.setOverrides(NO_OVERRIDES);
  st.replaceText(DEFAULT_SCENARIO, 0);
  dropHash();
}
