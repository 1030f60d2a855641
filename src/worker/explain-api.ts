/** The messages between the page and explain.worker.ts (types only for the page). */
import type { Explanation } from '../explain/explain.ts';

export interface ExplainRequest {
  id: number;
  text: string;
}

export type ExplainReply =
  | { id: number; type: 'progress'; done: number; total: number }
  | { id: number; type: 'done'; result: Explanation }
  | { id: number; type: 'error'; message: string };
