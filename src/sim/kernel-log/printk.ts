/**
 * How the engine logs: every kernel line comes from the catalogue (kmsg),
 * goes to the step's `warnings` (what the kernel would log) and, as a `log`
 * event, to the explorer. `printkOnce` is a WARN_ONCE / dev_*_once call site:
 * it prints the first time and is silent after (the explorer says so).
 */
import type { Machine } from '../machine.ts';
import type { StepOutcome } from '../outcome.ts';
import { kernelLevel, kmsg, type MessageId, type Who } from './catalogue.ts';
import { observe } from '../observe.ts';

export type MessageArgs = Readonly<Record<string, string | number>>;

export function printk(m: Machine, o: StepOutcome, id: MessageId, args: MessageArgs = {}, by?: Who): string {
  const text = kmsg(m.kernel, id, args, by);
  o.warnings.push(text);
  o.events.push({ kind: 'log', level: kernelLevel(m.kernel, id), id, text });
  return text;
}

export function printkOnce(m: Machine, o: StepOutcome, site: string, id: MessageId, args: MessageArgs = {}, by?: Who): void {
  if (m.warnedOnce[site]) {
    observe(o, 'log/warn-once-silent', `WARN_ONCE already fired at this site, so the kernel logs nothing this time: "${kmsg(m.kernel, id, args, by)}"`);
    return;
  }
  m.warnedOnce[site] = true;
  printk(m, o, id, args, by);
}
