/**
 * The engine's Web Worker: the only place in the browser where the engine runs
 * (DESIGN §2.2). It exposes the API of api.ts through comlink; the UI talks to
 * it through client.ts. Load progress goes out as plain messages on the same
 * port (so they arrive before the load's answer), tagged 'dma-engine:progress'.
 * Long texts cross as transferred bytes both ways (wire-text.ts).
 */
import * as Comlink from 'comlink';
import { createEngineApi } from './engine-api.ts';
import { realCore } from './core.ts';
import { progressToWire, wireApi } from './wire-text.ts';
import type { EngineEnv, ImportedLong } from './api.ts';
import { DETECT_HEAD_BYTES, detectInput } from '../import/detect.ts';
import { imported } from './import-input.ts';

// Yield to the event loop through a MessageChannel: no 4 ms timer clamping.
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

/** The import worker at work, if any, and how to stop it. */
let importing: { w: Worker; stop(): void } | null = null;

/** A long trace or dump imported in a worker of its own (import.worker.ts), ended with the import; null for anything else. */
const importLong: NonNullable<EngineEnv['importLong']> = (bytes, opts, progress) => {
  if (!imported(detectInput(new TextDecoder().decode(bytes.subarray(0, DETECT_HEAD_BYTES))))) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'dma-import' });
    const end = () => {
      w.terminate();
      if (importing?.w === w) importing = null;
    };
    importing = {
      w,
      stop: () => {
        end();
        reject(new Error('the import was stopped'));
      },
    };
    w.onmessage = (e: MessageEvent<{ progress?: [number, number]; result?: ImportedLong | null; error?: string }>) => {
      const d = e.data;
      if (d.progress) return progress(d.progress[0], d.progress[1]);
      end();
      if (d.error !== undefined) reject(new Error(`the import failed: ${d.error}`));
      else resolve(d.result ?? null);
    };
    w.onerror = (e) => {
      end();
      reject(new Error(`the import worker could not run${e.message ? `: ${e.message}` : ''}`));
    };
    w.postMessage({ bytes, opts }, bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : []);
  });
};

const api = createEngineApi(realCore, {
  // Where a worker cannot start workers of its own, long inputs are imported here.
  ...(typeof Worker === 'function' ? { importLong, stopImport: () => importing?.stop() } : {}),
  now: () => performance.now(),
  post: (p) => {
    const { message, transfer } = progressToWire(p);
    (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(message, transfer);
  },
  yieldNow,
});

// Explicit `self` (TOOLCHAIN G4): identical in browsers, and works under @vitest/web-worker.
Comlink.expose(wireApi(api), self as unknown as Comlink.Endpoint);
