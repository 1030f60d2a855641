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

// Yield to the event loop through a MessageChannel: no 4 ms timer clamping.
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

const api = createEngineApi(realCore, {
  now: () => performance.now(),
  post: (p) => {
    const { message, transfer } = progressToWire(p);
    (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(message, transfer);
  },
  yieldNow,
});

// Explicit `self` (TOOLCHAIN G4): identical in browsers, and works under @vitest/web-worker.
Comlink.expose(wireApi(api), self as unknown as Comlink.Endpoint);
