/**
 * The engine's Web Worker: the only place in the browser where the engine runs
 * (DESIGN §2.2). It exposes the API of api.ts through comlink; the UI talks to
 * it through client.ts.
 */
import * as Comlink from 'comlink';
import { runScenario } from '../scenario/run.ts';
import { createEngineApi } from './api.ts';

const api = createEngineApi(runScenario, () => performance.now());

// Explicit `self` (TOOLCHAIN G4): identical in browsers, and works under @vitest/web-worker.
Comlink.expose(api, self as unknown as Comlink.Endpoint);
