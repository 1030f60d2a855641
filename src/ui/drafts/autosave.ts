/**
 * Saving the session's text and step: debounced while typing, flushed at
 * once when the page is hidden or left (so an edit made just before closing
 * the tab is not lost), failures reported once, and never over another tab's
 * text: when the stored text is not what this tab last read or wrote, another
 * tab saved it, and it is kept as a draft before this tab writes.
 */
import { useStore } from '../store/store.ts';
import { loadSavedText, saveSession, saveStep } from '../store/persist.ts';
import { keepIfTyped } from './draftStore.ts';

const DEBOUNCE_MS = 300;
/**
 * Longer texts are not written to storage (a browser gives a page about 5 MB
 * of it, UTF-16): trying would copy the text for nothing and fail. The stored
 * text stays what it was, and the user is told once (an imported trace's
 * scenario: download it, or import the trace again).
 */
export const SAVE_MAX_CHARS = 2_000_000;

/** The text this tab last read from or wrote to storage. */
let lastSeen: string | null = null;

export function noteStoredText(text: string | null): void {
  lastSeen = text;
}

/** Save now. Returns why it failed, or null. */
export function saveNow(text: string, step: number): string | null {
  // Only the step moved: the text in storage is the one this tab last wrote or read, so only the step is
  // written (a 400 KB scenario is not read back and copied into storage every time the user steps).
  if (text === lastSeen) return saveStep(step);
  const stored = loadSavedText();
  if (stored !== null && stored !== lastSeen && stored !== text) keepIfTyped(stored, 'saved by another tab', 0, 'another tab saved its own text');
  const failed = saveSession(text, step);
  if (!failed) lastSeen = text;
  return failed;
}

export function startAutosave(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let reported = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const s = useStore.getState();
    if (!s.ready) return;
    if (s.text.length > SAVE_MAX_CHARS) {
      if (!reported) {
        reported = true;
        const mb = (s.text.length / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 });
        s.notify('info', `This scenario (${mb} MB) is too long to keep in this browser: reloading the page brings back your last shorter text. Download it (above the editor) to keep it.`);
      }
      return;
    }
    const failed = saveNow(s.text, s.step);
    if (failed && !reported) {
      reported = true;
      s.notify('error', `Your text could not be saved in this browser (${failed}): it is lost when this tab closes. Copy it, or keep it with Share or Export.`);
    }
    if (!failed) reported = false;
  };
  const unsub = useStore.subscribe((s, prev) => {
    if (!s.ready || (s.text === prev.text && s.step === prev.step)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  });
  const onHide = () => {
    if (timer) flush();
  };
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  window.addEventListener('pagehide', onHide);
  window.addEventListener('beforeunload', onHide);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    unsub();
    if (timer) clearTimeout(timer);
    window.removeEventListener('pagehide', onHide);
    window.removeEventListener('beforeunload', onHide);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
