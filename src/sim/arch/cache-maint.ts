/**
 * Executes an architecture's maintenance plan on the CPU cache over a
 * physical range, line by line, and reports one `cache_maint` event with what
 * happened to every line that was present (written back, invalidated, dirty
 * bytes discarded): kept as runs of lines (hw/line-actions.ts), listed line
 * by line when the event is read.
 */
import type { StepOutcome } from '../outcome.ts';
import { linesOf, maintainRange } from '../hw/cpu-cache.ts';
import { CacheMaintEvent, LineRuns } from '../hw/line-actions.ts';
import type { Machine } from '../machine.ts';
import type { MaintPlan } from './arch.ts';
import { isSwiotlbBuffer } from '../dma/swiotlb.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

export function runMaintenance(m: Machine, start: number, size: number, plan: MaintPlan, o: StepOutcome): void {
  const runs = new LineRuns(linesOf(m.cache, start, size).first, m.cache.line);
  maintainRange(m.cache, m.ram, start, size, plan.op, plan.edges === 'promote', runs);
  // the lines' actions are made when something reads them (the explorer's frame, the CLI's output)
  o.events.push(new CacheMaintEvent(plan.op, start, size, runs, plan.instr, plan.why));
  reportDiscards(m, runs, plan, o);
}

/** One observation per kind of memory for the dirty bytes an invalidate threw away. */
function reportDiscards(m: Machine, runs: LineRuns, plan: MaintPlan, o: StepOutcome): void {
  const lost = runs.losses();
  if (!lost.length) return;
  const groups = { slot: { bytes: 0, lines: 0, first: -1 }, other: { bytes: 0, lines: 0, first: -1 } };
  for (const a of lost) {
    const at = a.line + a.offset;
    const g = isSwiotlbBuffer(m, at) ? groups.slot : groups.other;
    g.bytes += a.hex.length / 2;
    g.lines++;
    if (g.first < 0) g.first = at;
  }
  const how = `${plan.why.fn} invalidated ${plan.instr.split(':')[0]}`;
  const where = (g: { lines: number; first: number }) => `${g.lines} line(s) from ${hex(g.first)}`;
  if (groups.other.lines) {
    observe(o, 'cache/dirty-discarded', `dirty data discarded: ${groups.other.bytes} byte(s) the CPU wrote, in ${where(groups.other)}, were lost when ${how}; RAM keeps its older bytes`);
  }
  if (groups.slot.lines) {
    observe(o, 'cache/dirty-discarded',
      `dirty data discarded in the swiotlb slot: ${groups.slot.bytes} byte(s) that swiotlb copied in through the cache, in ${where(groups.slot)}, were lost when ${how}; the slot in RAM keeps older bytes, which a partial device write would let unmap copy back`,
    );
  }
}
