/**
 * sg_tables shared between copies of a machine (a checkpoint and the machine
 * that goes on stepping, or a seek's cursor and its checkpoint), copied when
 * one of them is about to change. A run imported from a kernel trace creates
 * an sg_table at every dma_map_sg and never frees one (sg_free_table is not
 * traced), so a 1,000,000-line trace ends with ~20,000 of them: copied whole,
 * they were most of a checkpoint's time and memory.
 *
 * Every path that may change an sg_table (map, unmap, sync, a dma-buf's
 * exporter) reaches it through sgTableForWrite; reads may use m.sgts.
 */
import type { Machine, SgTable } from './machine.ts';

/** The tables a copy has made its own since it last shared (absent: a machine that never shared owns all of them). */
const owned = new WeakMap<Machine, WeakSet<SgTable>>();

/** `to` gets `from`'s tables, shared: the first change either makes to one copies it. */
export function shareSgTables(from: Machine, to: Machine): void {
  to.sgts = from.sgts.slice();
  owned.set(from, new WeakSet());
  owned.set(to, new WeakSet());
}

/** sg_table `id` of m, m's own (copied first when it is shared with another machine). */
export function sgTableForWrite(m: Machine, id: number): SgTable {
  const s = m.sgts[id]!;
  const mine = owned.get(m);
  if (!mine || mine.has(s)) return s;
  const c: SgTable = { ...s, entries: s.entries.map((e) => ({ ...e })) };
  mine.add(c);
  m.sgts[id] = c;
  return c;
}
