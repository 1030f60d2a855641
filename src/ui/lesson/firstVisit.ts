/**
 * The first visit: someone opening the bare URL for the first time (no saved
 * text, never here before) lands in the first lesson, with one line on the
 * keys. Returning visitors get their saved text back as before (share.ts).
 */
import { useStore } from '../store/store.ts';
import { firstLesson, loadCatalog, loadText } from '../library/catalog.ts';
import { useLesson } from './lessonStore.ts';
import { markOpened } from '../drafts/draftStore.ts';

const KEY = 'dma-explorer:visited';

export const KEYS_HINT = 'Welcome! Step through the lesson with → and ← (Space plays), press ? for every key, and L (or Library) for all the lessons.';

function seenBefore(): boolean {
  try {
    const seen = localStorage.getItem(KEY) !== null;
    localStorage.setItem(KEY, '1');
    return seen;
  } catch {
    return true;
  }
}

/** On a first visit opens the first lesson and returns true; otherwise (or if it cannot load) false. */
export async function startFirstVisit(): Promise<boolean> {
  if (seenBefore()) return false;
  try {
    const cat = await loadCatalog();
    const entry = firstLesson(cat);
    if (!entry) return false;
    const text = await loadText(entry);
    const st = useStore.getState();
    st.replaceText(text, 0);
    markOpened(text);
    useLesson.getState().reset({ id: entry.id, text });
    st.notify('info', KEYS_HINT);
    return true;
  } catch {
    return false;
  }
}
