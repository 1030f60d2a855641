/**
 * The real engine behind the worker API (api.ts): parse, build, step, clone,
 * snapshot. Imported at run time only by engine.worker.ts and by tests; the
 * UI never imports it (DESIGN §2.2).
 */
import { runScenario, runStep } from '../scenario/run.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import { bytesThreeWays, snapshot } from '../sim/snapshot.ts';
import type { EngineCore, Scanned, ScannedStep } from './api.ts';
import { traceLineOf } from '../import/index.ts';
import { importInput } from './import-input.ts';
import { scanScenario, statementAt } from '../scenario/parser.ts';
import { configFromHeader } from '../scenario/header.ts';
import { teachingField } from '../scenario/teaching.ts';
import type { MachineConfig } from '../sim/config.ts';
import { copyMachine, keepMachine } from './machine-copy.ts';

/** The parse, step by step, with the configuration (overrides applied) the header gives. */
function* scan(text: string, opts: { arch?: MachineConfig['arch']; kernel?: string }): Generator<ScannedStep, Scanned, void> {
  const it = scanScenario(text);
  let config: MachineConfig | null = null;
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) {
      const p = r.value;
      if (!p.ok) return { ok: false, errors: p.errors.map((e) => ({ line: e.line, col: e.col, message: e.message })) };
      return { ok: true, config: config ?? configFromHeader(p.scenario.header, opts), ...teachingField(p.scenario.teaching) };
    }
    const { cmd, line, lineStart, header } = r.value;
    config ??= configFromHeader(header, opts);
    yield { cmd, line, lineStart, config };
  }
}

/** An imported step's `# trace line N · time task` comment, without its comment mark (null when the comment is not one). */
function originOf(comment: string | null): string | null {
  return comment !== null && traceLineOf(comment) !== null ? comment.replace(/^(#|\/\/)\s*/, '') : null;
}

export const realCore: EngineCore = {
  scan,
  statementAt(text, lineStart, line) {
    const { cmd, comment } = statementAt(text, lineStart, line);
    return { cmd, origin: originOf(comment) };
  },
  importInput,
  run: (text, opts, onStep) => runScenario(text, { ...opts, onStep }),
  createMachine,
  runStep(m, cmd, index) {
    const r = runStep(m, cmd, index);
    return { json: r.json, touches: r.outcome.touches };
  },
  replayStep(m, cmd) {
    try {
      step(m, cmd);
    } catch {
      // runStep records the exception as error EXCEPTION; the machine is left as the throw left it, here too.
    }
  },
  // Machines are plain data (Maps and typed arrays included), copied whole but for the names, which copies share (machine-copy.ts).
  clone: copyMachine,
  keep: keepMachine,
  snapshot,
  bytes: (m, buffer, offset, len) => bytesThreeWays(m, buffer, offset, len),
};
