/**
 * What the operation table's entries for CPU memory and the streaming DMA
 * API share: binding results to the scenario's names, the allocators'
 * and frees' argument reading, sg_table, and the explorer's own check of CPU
 * accesses against device ownership (not a kernel log).
 */
import type { Command, Expr } from './command.ts';
import { touchSg, type StepOutcome } from './outcome.ts';
import type { Buffer, Machine, SgEntry } from './machine.ts';
import { argFlags, argInt, argPtr, argSgt, kwInt } from './args.ts';
import { allocPages, freeBuffer, kmalloc, physOf } from './mm/buffers.ts';
import { mappingsOfBuffer } from './dma/tracking.ts';
import { observe } from './observe.ts';

export function bindBuf(m: Machine, c: Command, id: number): void {
  const t = c.targets[0];
  if (t) m.names[t] = { t: 'buf', id };
}

export function bindNull(m: Machine, c: Command, o: StepOutcome): void {
  const t = c.targets[0];
  if (t) m.names[t] = { t: 'buf', id: -1 };
  // an allocator that BUG()ed never returned: the oops is the step's error, not the NULL the explorer carries on with
  if (o.error !== 'BUG') o.error = 'NULL';
}

/** `p = alloc(…)`: the buffer, or NULL. */
export function bindBufOrNull(m: Machine, c: Command, o: StepOutcome, b: Buffer | null): void {
  if (b) bindBuf(m, c, b.id);
  else bindNull(m, c, o);
}

export function bindDma(m: Machine, c: Command, index: number, addr: number, dev: string): void {
  const t = c.targets[index];
  if (t) m.names[t] = { t: 'dma', addr, dev };
}

/** `cpu, h = dma_alloc_*(…)`: the CPU pointer and the DMA handle (NULL and 0 on failure). */
export function bindCpuAndHandle(m: Machine, c: Command, o: StepOutcome, dev: string, b: Buffer | null): void {
  if (b) {
    bindBuf(m, c, b.id);
    bindDma(m, c, 1, b.dmaAddr!, dev);
  } else {
    bindNull(m, c, o);
    bindDma(m, c, 1, 0, dev);
  }
}

/** GFP_KERNEL, for an optional gfp argument left out. */
export function gfpKernel(c: Command): Expr {
  return { k: 'name', name: 'GFP_KERNEL', loc: c.loc };
}

/** kmalloc and kzalloc (which adds __GFP_ZERO to its flags). */
export function kmallocRun(m: Machine, size: Expr | undefined, gfp: Expr | undefined, o: StepOutcome, c: Command): void {
  bindBufOrNull(m, c, o, kmalloc(m, c.targets[0] ?? '(unnamed)', argInt(m, size, 'a size'), argFlags(gfp), kwInt(m, c.kwargs, 'at'), o));
}

export function allocPagesRun(m: Machine, gfp: Expr | undefined, order: Expr | undefined, o: StepOutcome, c: Command): void {
  bindBufOrNull(m, c, o, allocPages(m, c.targets[0] ?? '(unnamed)', argFlags(gfp), argInt(m, order, 'an order'), kwInt(m, c.kwargs, 'at'), o));
}

/** kfree, __free_pages, vfree: the explorer notes a double free, the wrong allocator, the wrong order and a buffer freed while mapped. */
export function freeRun(m: Machine, p: Expr | undefined, order: Expr | undefined, kind: 'kmalloc' | 'pages' | 'vmalloc', fn: string, o: StepOutcome): void {
  const { buf } = argPtr(m, p);
  if (!buf.live) {
    observe(o, 'mm/double-free', `double free: '${buf.name}' was already freed; with KASAN or SLUB debugging the kernel would report it here`);
    return;
  }
  if (buf.kind !== kind) observe(o, 'mm/wrong-allocator', `'${buf.name}' came from ${buf.kind}, not from the allocator ${fn} frees to`);
  if (kind === 'pages' && order && argInt(m, order) !== buf.order) {
    observe(o, 'mm/wrong-allocator', `__free_pages with order ${argInt(m, order)} but '${buf.name}' was allocated with order ${buf.order}`);
  }
  const live = mappingsOfBuffer(m, buf.id);
  for (const r of live) observe(o, 'mm/freed-while-mapped', `'${buf.name}' is freed while still mapped for ${r.dev} (mapped at line ${r.line}): the device can still reach memory the allocator will hand out again`);
  freeBuffer(m, buf, fn, fn, o);
}

/** `sgt = sg_table(p1, len1, p2, len2, …)`: the repeating pairs, read in order. */
export function sgTableRun(m: Machine, o: StepOutcome, c: Command): void {
  const entries: SgEntry[] = [];
  for (let i = 0; i + 1 < c.args.length; i += 2) {
    const { buf, off } = argPtr(m, c.args[i]);
    const length = argInt(m, c.args[i + 1], 'a length');
    entries.push({ bufId: buf.id, offset: off, length, phys: physOf(m, buf, off), dmaAddress: 0, dmaLength: 0 });
  }
  const id = m.sgts.length;
  m.sgts.push({ id, name: c.targets[0] ?? '(sgt)', entries, nents: 0, mappedFor: null, dir: null });
  touchSg(o, { entries });
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'sgt', id };
  o.result = entries.length;
  o.resultKind = 'count';
  o.events.push({ kind: 'note', text: `sg_table of ${entries.length} entries`, why: { fn: 'sg_alloc_table', file: 'lib/scatterlist.c', rule: 'each entry is a page, an offset and a length; they need not be contiguous' } });
}

/** sg_dma_address / sg_dma_len: entry i of a table and how many DMA segments dma_map_sg returned. */
export function sgIndex(m: Machine, sgtArg: Expr | undefined, iArg: Expr | undefined, o: StepOutcome): { e: SgEntry | undefined; i: number; n: number } {
  const sgt = argSgt(m, sgtArg);
  const i = argInt(m, iArg, 'an index');
  const e = sgt.entries[i];
  // a DMA segment may span several entries once merged: the query reads the table
  touchSg(o, sgt);
  return { e, i, n: sgt.nents };
}

/** The explorer's ownership check for CPU loads and stores (not a kernel log). */
export function cpuTouch(m: Machine, bufId: number, off: number, len: number, write: boolean, o: StepOutcome): void {
  for (const r of mappingsOfBuffer(m, bufId)) {
    if (r.owner !== 'device' || r.api === 'coherent') continue;
    const b = m.buffers[bufId]!;
    const start = r.phys - (b.phys >= 0 ? b.phys : r.phys);
    if (b.phys >= 0 && (off + len <= start || off >= start + r.size)) continue;
    observe(o, 'cpu/access-while-device-owned',
      `the CPU ${write ? 'wrote to' : 'read'} '${b.name}' while ${r.dev} owns it (${r.dir}, mapped at line ${r.line}${r.api === 'noncoherent' ? '' : ', not synced for the CPU'}): the DMA API forbids CPU access until dma_sync_*_for_cpu or unmap`,
    );
  }
}
