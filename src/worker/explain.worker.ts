/**
 * Explains a pasted kernel log off the main thread (a 50 MB log takes
 * seconds): text in, progress messages, then the explanation (src/explain).
 * A worker of its own, separate from the engine's: explaining never stops a
 * run, and the page ends it (terminate) to cancel.
 */
import { explainLog } from '../explain/explain.ts';
import type { ExplainReply, ExplainRequest } from './explain-api.ts';

const post = (m: ExplainReply) => (self as unknown as { postMessage(m: ExplainReply): void }).postMessage(m);

self.onmessage = (e: MessageEvent<ExplainRequest>) => {
  const { id, text } = e.data;
  try {
    const result = explainLog(text, { onProgress: (done, total) => post({ id, type: 'progress', done, total }) });
    post({ id, type: 'done', result });
  } catch (err) {
    post({ id, type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
