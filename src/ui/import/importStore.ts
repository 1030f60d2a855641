/**
 * The last import: what a pasted or dropped kernel trace or dma-debug dump
 * became (the report the worker sent) and the text it came from, so the user
 * can still take the original back. View state: never sent to the worker.
 */
import { create } from 'zustand';
import type { ImportedInput } from '../../worker/api.ts';

export interface ImportState {
  imported: ImportedInput | null;
  /** The pasted or dropped text (the editor now holds the scenario). */
  original: string | null;
  /** A file's name, when dropped. */
  fileName: string | null;
  show(imported: ImportedInput, original: string, fileName: string | null): void;
  clear(): void;
}

export const useImport = create<ImportState>()((set) => ({
  imported: null,
  original: null,
  fileName: null,
  show: (imported, original, fileName) => set({ imported, original, fileName }),
  clear: () => set({ imported: null, original: null, fileName: null }),
}));
