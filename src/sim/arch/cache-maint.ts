/**
 * Executes an architecture's maintenance plan on the CPU cache over a
 * physical range, line by line, and reports one `cache_maint` event with what
 * happened to every line that was present (written back, invalidated, dirty
 * bytes discarded).
 */
import type { LineAction, SimEvent } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { linesOf, maintainSlot, presentSlots } from '../hw/cpu-cache.ts';
import { PageCursor } from '../hw/memory.ts';
import type { Machine } from '../machine.ts';
import type { MaintPlan } from './arch.ts';
import { isSwiotlbBuffer } from '../dma/swiotlb.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

export function runMaintenance(m: Machine, start: number, size: number, plan: MaintPlan, o: StepOutcome): void {
  const c = m.cache;
  const { first, last } = linesOf(c, start, size);
  const end = start + size;
  // each line's instruction touches only that line (and its bytes in RAM), so
  // only the lines present are visited, in address order; the RAM page a
  // write-back lands in is found once per page
  const pages = new PageCursor(m.ram);
  const slots = presentSlots(c, first, last);
  const lines: LineAction[] = [];
  for (const slot of slots) {
    const l = c.tags[slot]!;
    let op = plan.op;
    if (op === 'inval' && plan.edges === 'promote' && (l < start || l + c.line > end)) op = 'clean_inval';
    lines.push(maintainSlot(c, pages, slot, op));
  }
  const ev: SimEvent = { kind: 'cache_maint', op: plan.op, start, size, lines, instr: plan.instr, why: plan.why };
  o.events.push(ev);
  reportDiscards(m, lines, plan, o);
}

/** One observation per kind of memory for the dirty bytes an invalidate threw away. */
function reportDiscards(m: Machine, lines: LineAction[], plan: MaintPlan, o: StepOutcome): void {
  if (!lines.some((a) => a.lostHex)) return;
  const groups = { slot: { bytes: 0, lines: 0, first: -1 }, other: { bytes: 0, lines: 0, first: -1 } };
  for (const a of lines) {
    if (!a.lostHex) continue;
    const at = a.line + (a.lostOffset ?? 0);
    const g = isSwiotlbBuffer(m, at) ? groups.slot : groups.other;
    g.bytes += a.lostHex.length / 2;
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
