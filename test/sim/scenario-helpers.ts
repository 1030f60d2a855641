// Helpers shared by the engine tests that drive the machine through scenario text.
import { expect } from 'vitest';
import { prepareScenario, runScenario } from '../../src/scenario/run.ts';
import { createMachine, type Machine } from '../../src/sim/machine.ts';
import type { StepOutcome } from '../../src/sim/outcome.ts';
import type { SimEvent } from '../../src/sim/events.ts';
import { step } from '../../src/sim/step.ts';

/** Builds the machine of `text` and runs every statement on it; the outcomes in statement order. */
export function sim(text: string): { m: Machine; out: StepOutcome[] } {
  const p = prepareScenario(text);
  if (!p.ok) throw new Error(p.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const m = createMachine(p.config);
  return { m, out: p.body.map((c) => step(m, c)) };
}

/** The scenario's failed checks, one line each (none when the engine agrees with every `=>`). */
export function failures(text: string): string[] {
  const r = runScenario(text);
  expect(r.errors).toEqual([]);
  return r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
}

/** The events of one kind in an outcome. */
export function kinds(o: StepOutcome, kind: SimEvent['kind']): SimEvent[] {
  return o.events.filter((e) => e.kind === kind);
}
