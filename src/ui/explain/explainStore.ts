/**
 * The "Explain a kernel log" dialog's state: the pasted or dropped text, the
 * explanation the explain worker sent back, its progress. View state: never
 * sent to the engine, never in a share link.
 */
import { create } from 'zustand';
import type { Explanation } from '../../explain/explain.ts';
import { explainInWorker } from './explainClient.ts';

export interface ExplainState {
  open: boolean;
  text: string;
  fileName: string | null;
  running: boolean;
  progress: { done: number; total: number } | null;
  result: Explanation | null;
  error: string | null;
  /** Opens the dialog; with a text (a drop, a paste routed here), explains it at once. */
  show(text?: string, fileName?: string | null): void;
  close(): void;
  setText(text: string): void;
  explain(): Promise<void>;
}

let seq = 0;

export const useExplain = create<ExplainState>()((set, get) => ({
  open: false,
  text: '',
  fileName: null,
  running: false,
  progress: null,
  result: null,
  error: null,
  show: (text, fileName = null) => {
    set({ open: true });
    if (text !== undefined) {
      set({ text, fileName, result: null, error: null });
      void get().explain();
    }
  },
  close: () => set({ open: false }),
  setText: (text) => set({ text, fileName: null }),
  explain: async () => {
    const id = ++seq;
    const { text } = get();
    set({ running: true, progress: null, error: null });
    try {
      const result = await explainInWorker(text, (done, total) => {
        if (id === seq) set({ progress: { done, total } });
      });
      if (id === seq) set({ result, running: false, progress: null });
    } catch (e) {
      if (id === seq) set({ error: e instanceof Error ? e.message : String(e), running: false, progress: null });
    }
  },
}));
