/**
 * A pasted or dropped text imported for the engine: a kernel trace or a
 * dma-debug dump becomes the scenario that replays it (src/import); a
 * scenario or a kernel log (which the page explains) is not imported. Shared
 * by the engine's core (imported where it runs) and the import worker (a
 * long input: import.worker.ts).
 */
import { detectInput, importPieces, type InputKind } from '../import/index.ts';
import type { ImportProgress } from '../import/lines.ts';
import type { Arch } from '../sim/config.ts';
import type { ImportedLong } from './api.ts';
import { ScenarioBytes, packSpans } from './text-bytes.ts';
import { WIRE_BYTES_MIN } from './wire-text.ts';

const CR = 13;

/** Whether a text of this kind is imported (a kernel log is explained by the page, src/explain). */
export function imported(kind: InputKind): boolean {
  return kind === 'trace' || kind === 'dump';
}

/**
 * The import of a trace or dump, its progress as lines done of both passes;
 * null for a text that is not one. `long`: a scenario of WIRE_BYTES_MIN
 * characters or more comes as its bytes (for the page) and its spans (for
 * the run: text-bytes.ts), a trace's written straight into bytes
 * (ScenarioBytes), never held as strings; else as one string.
 */
export function importInput(text: string, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void, long = false): ImportedLong | null {
  const kind = detectInput(text);
  if (!imported(kind)) return null;
  const sink = long && kind === 'trace' ? new ScenarioBytes(text.length) : null;
  let total = 0;
  const onProgress = (p: ImportProgress) => {
    total = p.total;
    // A trace is read twice (its two passes share the count), a dump once.
    progress(kind === 'dump' ? p.done : p.phase === 'read' ? p.done / 2 : (p.total + p.done) / 2, p.total);
  };
  const r = importPieces(text, { ...opts, onProgress, ...(sink ? { body: sink.body } : {}) }, kind);
  // Every line read (progress came every 65,536 lines): what follows, the packing of a long one, is not a stall at the last count.
  if (total > 0) progress(total, total);
  const { summary, report } = r;
  const bytes = sink ? sink.finish(r.pieces, r.bodyAt) : null;
  if (!long || (bytes === null && r.pieces.reduce((n, p) => n + p.length + 1, 0) < WIRE_BYTES_MIN)) return { scenario: r.pieces.join('\n'), summary, report };
  const b = bytes ?? new TextEncoder().encode(r.pieces.join('\n'));
  // Short after all, or with a '\r' (its lines could not be read a span at a time): one string.
  if (b.length < WIRE_BYTES_MIN || b.includes(CR)) return { scenario: new TextDecoder().decode(b), summary, report };
  // Spans as they are: the run deflates each as its scan reads it (TextBytes.span), after it is steppable.
  return { bytes: b, spans: packSpans(b, false), summary, report };
}
