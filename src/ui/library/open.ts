/**
 * Opening a catalogue entry (a lesson or a reference scenario): its text
 * replaces the editor's (kept as a draft, with Undo), the lesson state starts fresh, and
 * the run starts at step 0.
 */
import type { CatalogEntry } from '../../scenario/lessons/catalog.ts';
import { useStore } from '../store/store.ts';
import { useLesson } from '../lesson/lessonStore.ts';
import { loadText } from './catalog.ts';
import { openText } from '../drafts/draftStore.ts';
import { useImport } from '../import/importStore.ts';

export async function openEntry(entry: CatalogEntry): Promise<void> {
  let text: string;
  try {
    text = await loadText(entry);
  } catch (e) {
    useStore.getState().notify('error', `Could not load ${entry.title}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  openText(text, 0, `before opening ${entry.title}`);
  // the report of an earlier import is not about this text
  useImport.getState().clear();
  useLesson.getState().reset({ id: entry.id, text });
  useLesson.getState().setLibraryOpen(false);
}
