/**
 * The runner's result: the JSON of `run FILE --json` (SCENARIO-LANGUAGE.md,
 * "The runner's JSON"), also what the worker sends the explorer.
 */
import type { MachineConfig } from '../sim/config.ts';
import type { ObservationRule, SimEvent } from '../sim/events.ts';
import type { Teaching } from './teaching.ts';

export type { Teaching } from './teaching.ts';

export interface CheckResult {
  /** The check as written, e.g. `=> "hello"`. */
  expected: string;
  passed: boolean;
  /** What the step actually gave, in the same notation, when the check failed. */
  actual?: string;
  /** A prediction (`=>? a | b`): every choice in check notation, the answer first; `expected` is `=> ` and the answer. */
  choices?: string[];
}

export interface StepJson {
  /** 1-based index among the statements after the header. */
  index: number;
  line: number;
  source: string;
  op: string;
  /** A DMA address as a "0x…" string, a count or status as a number, or null. */
  result: string | number | null;
  data: { hex: string; text: string | null } | null;
  error: string | null;
  warnings: string[];
  /** What the explorer saw that the kernel would not log, in words. */
  observations: string[];
  /** The rule of each observation, in the same order (the language's JSON keeps `observations` as words). */
  observationRules: ObservationRule[];
  events: SimEvent[];
  checks: CheckResult[];
}

export interface ParseErrorJson {
  line: number;
  col: number;
  message: string;
}

export interface RunResult {
  ok: boolean;
  config: MachineConfig | null;
  steps: StepJson[];
  checks: { passed: number; failed: number };
  /** Non-empty when the text did not parse: then nothing ran. */
  errors: ParseErrorJson[];
  /** The scenario's teaching markup (lesson header, narration by step, compare presets, hints, bug-hunt regions); absent when it has none. */
  teaching?: Teaching;
}
