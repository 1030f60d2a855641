/**
 * A long trace or dma-debug dump imported in a worker of its own, started by
 * the engine worker for one import and ended with it (engine.worker.ts). The
 * import of a 1,000,000-line trace makes ~400 MB the engine never needs
 * again — the trace as a string, the importer's state, the scenario's pieces —
 * and in the engine's own heap all of it stayed until a full collection,
 * which might not come before the run's end. Here it goes when the worker
 * ends, at once. What it sends back: the report, and the scenario (short) or
 * its bytes for the page and its spans for the run (text-bytes.ts), moved.
 *
 * In: { bytes, opts } (the bytes moved to it). Out: { progress: [done, total] }
 * while importing, then { result: ImportedLong } or { error: message }.
 */
import type { Arch } from '../sim/config.ts';
import { importInput } from './import-input.ts';
import { takeText } from './wire-text.ts';

const port = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };

port.onmessage = (e: MessageEvent<{ bytes: Uint8Array; opts: { arch?: Arch; kernel?: string } }>) => {
  try {
    // The bytes are let go once decoded (the message would keep them to the end): 141 MiB of a 1,000,000-line trace.
    const text = takeText(e.data.bytes);
    const result = importInput(text, e.data.opts, (done, total) => port.postMessage({ progress: [done, total] }), true);
    if (!result || 'scenario' in result) {
      port.postMessage({ result });
      return;
    }
    // Moved, not copied (each buffer once: a list naming one twice is refused).
    const { bytes, spans } = result;
    const moved = new Set<ArrayBuffer>([bytes.buffer as ArrayBuffer, spans.rawLength.buffer as ArrayBuffer, ...spans.packed.map((p) => p.buffer as ArrayBuffer)]);
    port.postMessage({ result }, [...moved]);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
