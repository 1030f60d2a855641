/**
 * The scenario runner: text → RunResult (the JSON of `run FILE --json`,
 * SCENARIO-LANGUAGE.md "The runner's JSON"), used by the CLI and the worker.
 *
 * Parse; on errors return them and run nothing. Otherwise build the machine
 * from the header and step it through every statement after the header,
 * turning each StepOutcome into a StepJson and evaluating its `=> …` checks.
 * A failed check never stops the run; a step that throws (an engine bug) is
 * recorded with error "EXCEPTION" and the run goes on.
 *
 * `RunResult.ok` is true when the text parsed, every check passed and no step
 * threw (the CLI's exit status 0).
 */
import type { Check, Command } from '../sim/command.ts';
import type { Arch, MachineConfig } from '../sim/config.ts';
import type { StepOutcome } from '../sim/outcome.ts';
import { createMachine } from '../sim/machine.ts';
import type { Machine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import { configFromHeader } from './header.ts';
import { scanScenario } from './parser.ts';
import type { ParseError } from './parser.ts';
import { printCheckValue, printCommand, quoteBytes } from './printer.ts';
import { teachingField } from './teaching.ts';
import type { CheckResult, RunResult, StepJson } from './result.ts';
import { bytesHex, hexDma } from '../sim/format.ts';

export interface RunOptions {
  arch?: Arch;
  kernel?: string;
  /**
   * Each step's record as it is made: a caller with a budget (the
   * browser's JSON export) stops the run by throwing.
   */
  onStep?: (step: StepJson) => void;
  /** false: each record goes to onStep only and the result's `steps` is empty (a run too long to hold: the CLI's text output). */
  keepSteps?: boolean;
}

export type Prepared =
  | { ok: true; config: MachineConfig; header: Command[]; body: Command[] }
  | { ok: false; errors: ParseError[] };

/**
 * Parse and build the configuration (overrides applied), without running
 * anything, keeping every step's statement. It keeps them as the scan makes
 * them: parseScenario's `body` would read each step's line a second time.
 */
export function prepareScenario(text: string, opts: RunOptions = {}): Prepared {
  const scan = scanScenario(text);
  const body: Command[] = [];
  let r = scan.next();
  for (; !r.done; r = scan.next()) body.push(r.value.cmd);
  if (!r.value.ok) return r.value;
  const { header } = r.value.scenario;
  return { ok: true, config: configFromHeader(header, opts), header, body };
}

/**
 * Run a whole scenario. Never throws (but passes on what `opts.onStep`
 * throws). Each step runs as the parse reaches it (scanScenario), so the
 * parsed statements are never all held at once; a text with an error gives
 * its errors and no steps, as if nothing had run.
 */
export function runScenario(text: string, opts: RunOptions = {}): RunResult {
  const scan = scanScenario(text);
  let config: MachineConfig | null = null;
  let machine: Machine | null = null;
  let noMachine: string | null = null;
  /** The machine the header describes, built once: at the first step, or after the parse when there is none. */
  const build = (header: readonly Command[]): Machine | null => {
    if (config) return machine;
    config = configFromHeader(header, opts);
    try {
      machine = createMachine(config);
    } catch (e) {
      noMachine = `the engine could not build this machine: ${messageOf(e)}`;
    }
    return machine;
  };
  const steps: StepJson[] = [];
  let index = 0;
  let passed = 0;
  let failedN = 0;
  let threw = false;
  let r = scan.next();
  for (; !r.done; r = scan.next()) {
    const m = build(r.value.header);
    if (!m) continue;
    const json = runStep(m, r.value.cmd, ++index).json;
    for (const c of json.checks) if (c.passed) passed++;
    else failedN++;
    if (json.error === EXCEPTION) threw = true;
    opts.onStep?.(json);
    if (opts.keepSteps !== false) steps.push(json);
  }
  const scanned = r.value;
  if (!scanned.ok) return failed(scanned.errors, null);
  build(scanned.scenario.header);
  if (noMachine !== null) return failed([{ line: 1, col: 1, message: noMachine }], config);
  return {
    ok: failedN === 0 && !threw,
    config,
    steps,
    checks: { passed, failed: failedN },
    errors: [],
    ...teachingField(scanned.scenario.teaching),
  };
}

function failed(errors: ParseError[], config: MachineConfig | null): RunResult {
  return { ok: false, config, steps: [], checks: { passed: 0, failed: 0 }, errors };
}

/** The error name recorded when the engine throws on a step. */
export const EXCEPTION = 'EXCEPTION';

/** Run one statement (index: 1-based among the statements after the header). Never throws. */
export function runStep(machine: Machine, cmd: Command, index: number): { outcome: StepOutcome; json: StepJson } {
  let outcome: StepOutcome;
  try {
    outcome = step(machine, cmd);
  } catch (e) {
    outcome = {
      result: null,
      resultKind: null,
      data: null,
      error: EXCEPTION,
      warnings: [],
      observations: [{ rule: 'explorer/exception', text: `the engine threw: ${messageOf(e)}` }],
      events: [],
      // the machine is left as the throw left it (however broken): any buffer may have changed
      touches: { buffers: Array.from(machine.buffers ?? [], (b) => b.id), mappings: [] },
    };
  }
  return { outcome, json: stepJson(cmd, index, outcome) };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A StepOutcome as the runner's JSON, with its checks evaluated. */
export function stepJson(cmd: Command, index: number, o: StepOutcome): StepJson {
  return {
    index,
    line: cmd.loc.line,
    source: cmd.source || printCommand(cmd),
    op: cmd.op,
    result: resultJson(o),
    data: o.data === null ? null : { hex: bytesHex(o.data), text: asText(o.data) },
    error: o.error,
    warnings: o.warnings,
    observations: o.observations.map((x) => x.text),
    observationRules: o.observations.map((x) => x.rule),
    events: o.events,
    checks: cmd.checks.map((c) => evaluateCheck(c, o)),
  };
}

function resultJson(o: StepOutcome): string | number | null {
  if (o.result === null) return null;
  return o.resultKind === 'addr' ? hexDma(o.result) : o.result;
}

/** The bytes as text when all are printable ASCII (or \n, \t, \r), else null. */
export function asText(b: Uint8Array): string | null {
  let s = '';
  for (const x of b) {
    if ((x < 0x20 || x > 0x7e) && x !== 10 && x !== 9 && x !== 13) return null;
    s += String.fromCharCode(x);
  }
  return s;
}

/** Evaluate one `=> …` check against a step's outcome. */
export function evaluateCheck(c: Check, o: StepOutcome): CheckResult {
  // A prediction is checked as its answer; its choices go along for the explorer.
  const expected = `=> ${printCheckValue(c)}`;
  const choices = c.choices ? { choices: c.choices.map(printCheckValue) } : {};
  const verdict = (passed: boolean, actual: string): CheckResult => (passed ? { expected, passed, ...choices } : { expected, passed, actual, ...choices });
  switch (c.k) {
    case 'bytes':
      return verdict(o.error === null && o.data !== null && sameBytes(o.data, c.bytes), describeData(o));
    case 'int':
      return verdict(o.error === null && o.result === c.value, describeResult(o));
    case 'error':
      return verdict(o.error === c.name, o.error ?? describeResult(o));
    case 'warning':
      return verdict(
        o.warnings.some((w) => w.includes(c.text)),
        o.warnings.length === 0 ? 'no warning' : o.warnings.map((w) => JSON.stringify(w)).join('; '),
      );
    case 'ok':
      return verdict(
        o.error === null && o.warnings.length === 0,
        o.error !== null ? o.error : `warning ${JSON.stringify(o.warnings[0] ?? '')}`,
      );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What the step gave, in check notation: `"hello"`, `x"00 ff"`, an error name. */
function describeData(o: StepOutcome): string {
  if (o.error !== null) return o.error;
  if (o.data === null) return 'no data';
  const shown = o.data.length > 64 ? o.data.subarray(0, 64) : o.data;
  const more = o.data.length > 64 ? ` … (${o.data.length} bytes)` : '';
  const text = asText(shown);
  if (text !== null) return `${quoteBytes(shown)}${more}`;
  return `x"${(bytesHex(shown).match(/../g) ?? []).join(' ')}"${more}`;
}

function describeResult(o: StepOutcome): string {
  if (o.error !== null) return o.error;
  if (o.result === null) return 'no result';
  return o.resultKind === 'addr' ? hexDma(o.result) : String(o.result);
}
