/**
 * Files dropped anywhere on the page: a kernel log opens the explain dialog;
 * a kernel trace or dma-debug dump goes
 * straight to the worker to be imported, as bytes (the editor then shows the
 * scenario it becomes; a 150 MB trace is never a string on the page); a
 * scenario file replaces the editor's text (a long one as its bytes). What a file is, is decided from
 * its first lines. A long paste goes the same way (openPasted). While a file is dragged over the page, `dragging`
 * is true (for the drop overlay).
 */
import { useEffect, useState } from 'react';
import { DETECT_HEAD_BYTES, detectInput } from '../../import/detect.ts';
import { useStore } from '../store/store.ts';
import { importDropped } from '../engine.ts';
import { useExplain } from '../explain/explainStore.ts';
import { openBigText, openText } from '../drafts/draftStore.ts';
import { BIG_TEXT_BYTES, BigText } from '../editor/bigText.ts';
import { inputTooLong } from '../../sim/budgets.ts';


/** Reads a dropped file and hands it to the one that takes it. */
async function take(file: File): Promise<void> {
  // refused before any of it is read (the CLI says the same)
  const refused = inputTooLong(file.name, file.size);
  if (refused) {
    useStore.getState().notify('error', refused);
    return;
  }
  const kind = detectInput(await file.slice(0, DETECT_HEAD_BYTES).text());
  if (kind === 'scenario') {
    // A long one stays bytes on the page (read off the main thread); the worker reads the file again for its own copy.
    if (file.size > BIG_TEXT_BYTES) openBigText(new BigText(new Uint8Array(await file.arrayBuffer()), file), `before opening ${file.name}`);
    else openText(await file.text(), null, `before opening ${file.name}`);
  }
  else if (kind === 'dmesg') useExplain.getState().show(await file.text(), file.name);
  else importDropped(new Uint8Array(await file.arrayBuffer()), file);
}

/**
 * Pastes longer than this many characters are opened as a dropped file would
 * be, not put in the editor: a 141 MiB trace pasted went into the editor's
 * document line by line and was sent to the worker as well, and the tab peaked
 * at 1,070 MiB; as a file its bytes go to the worker and the page keeps none.
 */
export const BIG_PASTE_CHARS = BIG_TEXT_BYTES;

/** A long paste (BIG_PASTE_CHARS or more), opened as a file named "pasted text" would be: imported, explained or opened. */
export function openPasted(text: string): void {
  take(new File([text], 'pasted text', { type: 'text/plain' })).catch((err: unknown) => useStore.getState().notify('error', `Could not read the pasted text: ${String(err)}`));
}

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
}

export function useFileDrop(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      take(file).catch((err: unknown) => useStore.getState().notify('error', `Could not read ${file.name}: ${String(err)}`));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}
