/**
 * The last import: what a pasted or dropped kernel trace or dma-debug dump
 * became (the report the worker sent) and the text it came from, so the user
 * can still take the original back. View state: never sent to the worker.
 */
import { create } from 'zustand';
import type { ImportedInput } from '../../worker/api.ts';

/** What the import did (its scenario is the editor's). */
export type ImportReport = Omit<ImportedInput, 'scenario'>;

export interface ImportState {
  imported: ImportReport | null;
  /** The pasted text, or the dropped file (not read into a string: it may be 150 MB); the editor now holds the scenario. */
  original: string | Blob | null;
  /** A file's name, when dropped. */
  fileName: string | null;
  show(imported: ImportReport, original: string | Blob, fileName: string | null): void;
  clear(): void;
}

export const useImport = create<ImportState>()((set) => ({
  imported: null,
  original: null,
  fileName: null,
  show: (imported, original, fileName) => set({ imported, original, fileName }),
  clear: () => set({ imported: null, original: null, fileName: null }),
}));
