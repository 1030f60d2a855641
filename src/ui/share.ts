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
import { MAX_SHARE_TEXT_BYTES, decodeShareHash, encodeShareHash } from '../scenario/url.ts';
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
import { openText } from './drafts/draftStore.ts';
import { noteStoredText, saveNow } from './drafts/autosave.ts';
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

/** Makes the link; throws, with the reason, rather than make one the explorer would refuse to open. */
export async function shareUrl(text: string, step: number, extra: Record<string, string> = currentShareExtras()): Promise<string> {
  // The store's long scenario is bytes (its `text` empty): far over what a link holds.
  const { big } = useStore.getState();
  if (big && text === useStore.getState().text) {
    throw new Error(`the scenario is ${(big.size / 1024 / 1024).toFixed(1)} MiB; a link holds at most ${MAX_SHARE_TEXT_BYTES / 1024 / 1024} MiB (download it to share it as a file)`);
  }
  const hash = await encodeShareHash(text, step, extra);
  const back = await decodeShareHash(hash);
  if (!back.ok) throw new Error(`this link would not open (${back.message})`);
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
  const saved = loadSavedText();
  noteStoredText(saved);
  if (hasShareHash()) {
    // The saved text is not in the editor yet: put it there, so opening the link keeps it as a draft.
    if (saved !== null && saved.trim() !== '') st.replaceText(saved, loadSavedStep());
    await applyShareHash(location.hash);
  } else if (saved !== null && saved.trim() !== '') st.replaceText(saved, loadSavedStep());
  else if (!(await startFirstVisit())) openText(DEFAULT_SCENARIO, 0, 'before opening the default scenario');
  useStore.getState().setReady();
}

/**
 * Opens a share link. The text it replaces is kept as a draft (with Undo);
 * the link's text is saved at once, so a reload opens it again, and the
 * address bar keeps the link until it is. A link that cannot be opened
 * changes nothing but a message (the saved text, or the default scenario
 * when there is none, stays in the editor).
 */
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
      const step = Math.max(0, Math.trunc(r.step) || 0);
      // An embedded player keeps its hash: it is the player's whole state, and it saves nothing.
      if (r.extra.embed === '1') {
        st.replaceText(r.text, step);
        st.setSelection(sel.selection);
        return;
      }
      openText(r.text, step, 'before opening a link');
      st.setSelection(sel.selection);
      // Saved now (not after the typing debounce): a reload opens the link's text again, so the hash can go.
      if (saveNow(r.text, step) === null) dropHash();
      return;
    }
    message = r.message;
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  const kept = useStore.getState().text.trim() !== '';
  st.notify('error', `This share link could not be opened: ${message.replace(/[.\s]+$/, '')}. ${kept ? 'Your text is unchanged.' : 'The default scenario is loaded instead.'}`);
  if (!kept) {
    st.setOverrides(NO_OVERRIDES);
    openText(DEFAULT_SCENARIO, 0, 'before opening the default scenario');
  }
  dropHash();
}
