/**
 * An operation handler: reads a command's arguments, calls the subsystem,
 * binds results to the scenario's names, and fills the step's outcome.
 * Each subsystem exports a table of these; step.ts merges them into the one
 * dispatch on command.op.
 */
import type { Command } from './command.ts';
import type { Machine } from './machine.ts';
import type { StepOutcome } from './outcome.ts';

export type Handler = (m: Machine, c: Command, o: StepOutcome) => void;
export type OpTable = Record<string, Handler>;
