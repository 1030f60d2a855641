/**
 * The real engine behind the worker API (api.ts): parse, build, step, clone,
 * snapshot. Imported at run time only by engine.worker.ts and by tests; the
 * UI never imports it (DESIGN §2.2).
 */
import { prepareScenario, runStep, teachingOf } from '../scenario/run.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import { bytesThreeWays, snapshot } from '../sim/snapshot.ts';
import type { EngineCore } from './api.ts';

export const realCore: EngineCore = {
  prepare(text, opts) {
    const p = prepareScenario(text, opts);
    if (!p.ok) return { ok: false, errors: p.errors.map((e) => ({ line: e.line, col: e.col, message: e.message })) };
    return { ok: true, config: p.config, body: p.body, ...teachingOf(p.scenario) };
  },
  createMachine,
  runStep: (m, cmd, index) => runStep(m, cmd, index).json,
  replayStep(m, cmd) {
    try {
      step(m, cmd);
    } catch {
      // runStep records the exception as error EXCEPTION; the machine is left as the throw left it, here too.
    }
  },
  // Machines are plain data (Maps and typed arrays included): structuredClone is a valid checkpoint.
  clone: (m) => structuredClone(m),
  snapshot,
  bytes: (m, buffer, offset, len) => bytesThreeWays(m, buffer, offset, len),
};
