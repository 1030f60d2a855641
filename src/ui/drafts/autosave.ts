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
 * Longer texts are never written to storage: a browser gives a page about
 * 5 MB of it (UTF-16) for the text and the drafts together, so trying would
 * copy the text on the main thread for nothing and fail with "storage full".
 * A scenario the page keeps as bytes (an import, a long dropped file) is
 * never tried either. The stored text stays what it was (a reload brings it
 * back), and the user is told once per text that this one is not kept, and
 * how to keep it: its file.
 */
export const SAVE_MAX_CHARS = 1_000_000;

/** Whether the store's scenario is too long to keep in this browser. */
export function tooLongToKeep(s: { text: string; big: unknown }): boolean {
  return s.big !== null || s.text.length > SAVE_MAX_CHARS;
}

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
  /** The long text the user was last told is not kept (told once per text). */
  let toldLong: unknown = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const s = useStore.getState();
    if (!s.ready) return;
    if (tooLongToKeep(s)) {
      if (toldLong !== (s.big ?? s.text)) {
        toldLong = s.big ?? s.text;
        const mb = ((s.big?.size ?? s.text.length) / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 });
        s.notify(
          'info',
          `This scenario (${mb} MB) is too big to keep in this browser: it is not saved, nor kept as a draft. To keep it, keep its file (download it above the editor). What you had before is kept: reloading the page brings back your last saved text.`,
          // one notice for the text on screen: a second long text replaces the first one's
          'too-long-to-keep',
        );
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
    if (!s.ready || (s.text === prev.text && s.big === prev.big && s.step === prev.step)) return;
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
