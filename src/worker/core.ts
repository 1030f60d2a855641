/**
 * The real engine behind the worker API (api.ts): parse, build, step, clone,
 * snapshot. Imported at run time only by engine.worker.ts and by tests; the
 * UI never imports it (DESIGN §2.2).
 */
import { prepareScenario, runScenario, runStep, teachingOf } from '../scenario/run.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import { bytesThreeWays, snapshot } from '../sim/snapshot.ts';
import type { EngineCore } from './api.ts';
import { detectInput } from '../import/detect.ts';
import { importText, traceLineOf } from '../import/index.ts';
import type { ScenarioDoc } from '../scenario/parser.ts';

/** The comment of each statement after the header that says where an imported step came from. */
function origins(doc: ScenarioDoc, headerCount: number): Array<string | null> | undefined {
  const out: Array<string | null> = [];
  let seen = 0;
  let any = false;
  for (const l of doc.lines) {
    if (l.kind !== 'stmt' || seen++ < headerCount) continue;
    const c = l.comment !== null && traceLineOf(l.comment) !== null ? l.comment.replace(/^(#|\/\/)\s*/, '') : null;
    if (c) any = true;
    out.push(c);
  }
  return any ? out : undefined;
}

export const realCore: EngineCore = {
  prepare(text, opts) {
    const p = prepareScenario(text, opts);
    if (!p.ok) return { ok: false, errors: p.errors.map((e) => ({ line: e.line, col: e.col, message: e.message })) };
    const o = origins(p.scenario.doc, p.scenario.header.length);
    return { ok: true, config: p.config, body: p.body, ...(o ? { origins: o } : {}), ...teachingOf(p.scenario) };
  },
  importInput(text, opts, progress) {
    const kind = detectInput(text);
    // a kernel log is explained by the page (src/explain), not imported
    if (kind === 'scenario' || kind === 'dmesg') return null;
    const r = importText(text, { ...opts, onProgress: (p) => progress(p.phase === 'read' ? p.done / 2 : (p.total + p.done) / 2, p.total) }, kind);
    return { scenario: r.scenario, summary: r.summary, report: r.report };
  },
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
  // Machines are plain data (Maps and typed arrays included): structuredClone is a valid checkpoint.
  clone: (m) => structuredClone(m),
  snapshot,
  bytes: (m, buffer, offset, len) => bytesThreeWays(m, buffer, offset, len),
};
