/**
 * The one dispatch: step(machine, command) → outcome. Each operation of the
 * scenario language maps to the kernel function of the same name; its entry
 * in the operation table (operations.ts) reads the arguments by name, calls
 * the subsystem module and binds results to the scenario's names. This file
 * looks the entry up, holds the call to the explorer's budgets, and keeps a
 * `p ± offset` outside RAM from reaching the machine.
 */
import type { Command, Expr } from './command.ts';
import { BUDGETS, commandOverBudget } from './budgets.ts';
import { HANG, emptyOutcome, type StepOutcome } from './outcome.ts';
import { SimError, argInt } from './args.ts';
import type { Machine } from './machine.ts';
import { namedArgs, type Operation } from './operation.ts';
import { OPERATIONS } from './operations.ts';
import { rangeInRam } from './mm/kasan.ts';
import { observe } from './observe.ts';

function notSupportedYet(c: Command, o: StepOutcome): void {
  o.error = 'ENOSYS';
  observe(o, 'explorer/unsupported', `${c.op} is not supported by this version of the explorer yet`);
}

export function step(m: Machine, cmd: Command): StepOutcome {
  const o = emptyOutcome();
  m.step++;
  m.line = cmd.loc.line;
  if (m.hung) return stillHung(m, o);
  const op = OPERATIONS.get(cmd.op);
  const born = m.buffers.length;
  try {
    refuseOverBudget(m, op, cmd);
    if (op?.run) op.run(m, namedArgs(op, cmd), o, cmd);
    else notSupportedYet(cmd, o);
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    o.error = 'EINVAL';
    observe(o, 'explorer/refused', err.message);
  }
  if (o.error === HANG) m.hung = { line: cmd.loc.line, fn: cmd.op };
  if (m.buffers.length > born) touchNewBuffers(o, born, m.buffers.length);
  capEvents(o);
  return o;
}

/** Buffers the step allocated (ids born..end) are what it made: they come first among what it touched. */
function touchNewBuffers(o: StepOutcome, born: number, end: number): void {
  const made: number[] = [];
  for (let id = born; id < end; id++) made.push(id);
  o.touches.buffers = [...made, ...o.touches.buffers.filter((id) => id < born)];
}

/** A statement after the kernel hung: it never runs. */
function stillHung(m: Machine, o: StepOutcome): StepOutcome {
  o.error = HANG;
  observe(o, 'explorer/hung', `not run: the kernel has been stuck in ${m.hung!.fn} since line ${m.hung!.line}`);
  return o;
}

/** A value over the explorer's budget fails the call before the handler does any work. */
function refuseOverBudget(m: Machine, op: Operation | undefined, c: Command): void {
  const over = op && op.budgeted.length ? commandOverBudget(c, op.positional, op.budgeted, (e) => (e.k === 'name' ? readInt(m, e) : null)) : null;
  if (over) throw new SimError(`line ${over.at.loc.line}:${over.at.loc.col}: ${over.message}`, over.at.loc);
  // CPU accesses are checked (and reported as KASAN would) by their handlers.
  if (op?.cpuAccess) return;
  for (const e of c.args) if (e.k === 'offset') refuseOutsideRam(m, e);
}

/** `p ± offset` handed to the kernel must still point into RAM: no negative or out-of-RAM address reaches the machine. */
function refuseOutsideRam(m: Machine, e: Extract<Expr, { k: 'offset' }>): void {
  const v = m.names[e.name];
  if (v?.t !== 'buf') return;
  const buf = m.buffers[v.id];
  if (!buf || rangeInRam(m, buf, e.offset, 1)) return;
  throw new SimError(`line ${e.loc.line}:${e.loc.col}: '${e.name} ${e.offset < 0 ? '-' : '+'} ${e.raw}' is not an address in RAM (${buf.phys >= 0 ? `phys ${buf.phys + e.offset < 0 ? '-' : ''}0x${Math.abs(buf.phys + e.offset).toString(16)}` : 'outside the vmalloc area'}): the explorer does not pass it on`, e.loc);
}

function readInt(m: Machine, e: Expr): number | null {
  try {
    return argInt(m, e);
  } catch {
    return null;
  }
}

/** Keep a step's events within the budget: the rest are counted, not kept (same for every run). */
function capEvents(o: StepOutcome): void {
  const max = BUDGETS.eventsPerStep;
  if (o.events.length <= max) return;
  const dropped = o.events.length - (max - 1);
  o.events.length = max - 1;
  o.events.push({ kind: 'note', text: `${dropped} more events not recorded`, why: { fn: 'step', file: '(the explorer)', rule: `the explorer records at most ${max} events per step` } });
}
