/**
 * Runs src/explain in its own worker (src/worker/explain.worker.ts): a new
 * request ends the one in flight (its worker is terminated), so a second
 * paste never waits for a 50 MB first one.
 */
import type { Explanation } from '../../explain/explain.ts';
import type { ExplainReply, ExplainRequest } from '../../worker/explain-api.ts';

let current: { worker: Worker; reject: (e: Error) => void } | null = null;
let ids = 0;

export function explainInWorker(text: string, onProgress: (done: number, total: number) => void): Promise<Explanation> {
  if (current) {
    current.worker.terminate();
    current.reject(new Error('replaced by a newer request'));
    current = null;
  }
  const worker = new Worker(new URL('../../worker/explain.worker.ts', import.meta.url), { type: 'module', name: 'dma-explain' });
  const id = ++ids;
  return new Promise<Explanation>((resolve, reject) => {
    const me = { worker, reject };
    current = me;
    const done = () => {
      worker.terminate();
      if (current === me) current = null;
    };
    worker.onmessage = (e: MessageEvent<ExplainReply>) => {
      const m = e.data;
      if (m.id !== id) return;
      if (m.type === 'progress') onProgress(m.done, m.total);
      else if (m.type === 'done') {
        done();
        resolve(m.result);
      } else {
        done();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      done();
      reject(new Error(`the explainer stopped: ${e.message || 'out of memory?'}`));
    };
    worker.postMessage({ id, text } satisfies ExplainRequest);
  });
}
