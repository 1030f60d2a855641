/**
 * A long trace or dma-debug dump imported in a worker of its own, started by
 * the engine worker for one import and ended with it (engine.worker.ts). The
 * import of a 1,000,000-line trace makes ~400 MB the engine never needs
 * again — the trace as a string, the importer's state, the scenario's pieces —
 * and in the engine's own heap all of it stayed until a full collection,
 * which might not come before the run's end. Here it goes when the worker
 * ends, at once. What it sends back: the report, and the scenario (short) or
 * its bytes for the page and its spans for the run (text-bytes.ts), moved.
 * A trace's body is packed into spans by a worker of this one's as it is
 * written (pack.worker.ts), on the core the import leaves idle.
 *
 * In: { bytes, opts } (the bytes moved to it). Out: { progress: [done, total] }
 * while importing, then { result: ImportedLong } or { error: message }.
 */
import type { Arch } from '../sim/config.ts';
import { importInputPacked, packerHere, type BodyPacker } from './import-input.ts';
import type { ImportedLong } from './api.ts';
import { spansBuffers, type PackedSpans } from './text-bytes.ts';
import { takeText } from './wire-text.ts';

const port = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };

/** The packing worker, or null where a worker cannot start one (the chunks are then packed here). */
function packerWorker(): BodyPacker | null {
  if (typeof Worker !== 'function') return null;
  let w: Worker;
  try {
    w = new Worker(new URL('./pack.worker.ts', import.meta.url), { type: 'module', name: 'dma-pack' });
  } catch {
    return null;
  }
  const spans = new Promise<PackedSpans>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<PackedSpans>) => {
      w.terminate();
      resolve(e.data);
    };
    w.onerror = (e) => {
      e.preventDefault();
      w.terminate();
      reject(new Error(e.message || 'the packing worker could not run'));
    };
  });
  // Not awaited when the import fails first or its scenario goes as a string.
  spans.catch(() => undefined);
  return {
    add: (chunk) => w.postMessage({ chunk }, [chunk.buffer as ArrayBuffer]),
    spans: () => {
      w.postMessage({ end: true });
      return spans;
    },
    stop: () => w.terminate(),
  };
}

/**
 * The import, up to its wait for the packer. Not async: the text (141 MiB of a 1,000,000-line trace) is not held
 * by a suspended frame while the packer finishes. The bytes are let go once decoded (the message would keep them).
 */
function start(data: { bytes: Uint8Array; opts: { arch?: Arch; kernel?: string } }): Promise<ImportedLong | null> {
  return importInputPacked(takeText(data.bytes), data.opts, (done, total) => port.postMessage({ progress: [done, total] }), packerWorker() ?? packerHere());
}

port.onmessage = async (e: MessageEvent<{ bytes: Uint8Array; opts: { arch?: Arch; kernel?: string } }>) => {
  try {
    const result = await start(e.data);
    if (!result || 'scenario' in result) {
      port.postMessage({ result });
      return;
    }
    // Moved, not copied.
    port.postMessage({ result }, [...new Set([result.bytes.buffer as ArrayBuffer, ...spansBuffers(result.spans)])]);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
