/**
 * Packs a long trace's scenario body into spans (text-bytes.ts) while the
 * import worker goes on writing it, on the other core: started by the import
 * worker for one import (import.worker.ts, a BodyPacker).
 *
 * In: { chunk } (a body chunk's bytes, moved; whole lines) as each is written,
 * then { end }. Out: the spans of every chunk, joined in order (PackedSpans).
 */
import { joinSpans, packSpans, spansBuffers, type PackedSpans } from './text-bytes.ts';

const port = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };
const parts: PackedSpans[] = [];

port.onmessage = (e: MessageEvent<{ chunk?: Uint8Array; end?: true }>) => {
  if (e.data.chunk) {
    parts.push(packSpans(e.data.chunk));
    return;
  }
  const spans = parts.length ? joinSpans(parts) : packSpans(new Uint8Array(0));
  port.postMessage(spans, spansBuffers(spans));
};
