/**
 * The cache flushing a driver does itself when its device does not snoop but
 * the DMA API believes it coherent (x86 hard-wires dev_is_dma_coherent() to
 * true, so dma_sync_* do no cache maintenance there):
 *
 * - `clflush_cache_range(vaddr, size)` (`arch/x86/mm/pat/set_memory.c`):
 *   rounds the start down to the clflush line and runs clflushopt on every
 *   line up to vaddr + size, between two mb(): each line is written back if
 *   dirty and invalidated.
 * - `wbinvd()` (`arch/x86/include/asm/special_insns.h`): writes back and
 *   invalidates the whole cache (drm_clflush_* fall back to it on every CPU
 *   through an IPI when the CPU has no clflush).
 * - `drm_clflush_sg(st)` (`drivers/gpu/drm/drm_cache.c`): on x86 with
 *   clflush, drm_clflush_page() on every page of the table, whole pages; on
 *   any other architecture it prints "Architecture has no drm_cache.c
 *   support" and WARN_ON_ONCE(1): there is no GPU-driver cache flush API
 *   there ("arch maintainers regularly tell they won't allow that", thread
 *   000).
 *
 * Simplified: one CPU and one cache level (wbinvd's IPI to every CPU is the
 * same as one flush); the CPU always has clflush (X86_FEATURE_CLFLUSH).
 */
import type { OpRun } from '../operation.ts';
import { touchBuffer, touchSg, type StepOutcome } from '../outcome.ts';
import { argPtr, argInt, argSgt } from '../args.ts';
import { runMaintenance } from './cache-maint.ts';
import { cacheLines } from '../hw/cpu-cache.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import type { Machine } from '../machine.ts';
import type { MaintPlan } from './arch.ts';
import { physChunks } from '../mm/buffers.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import { observe } from '../observe.ts';

const FILE_CPA = 'arch/x86/mm/pat/set_memory.c';
const FILE_DRM = 'drivers/gpu/drm/drm_cache.c';

function plan(fn: string, file: string, instr: string, rule: string): MaintPlan {
  return { op: 'clean_inval', edges: 'same', instr, why: { fn, file, rule } };
}

/** Not x86: the function does not exist (clflush_cache_range, wbinvd) or only warns (drm_clflush_*). */
function notX86(m: Machine, fn: string, o: StepOutcome): boolean {
  if (m.arch === 'x86') return false;
  o.error = 'ENOSYS';
  observe(o, 'api/not-on-this-arch', `${fn}() is x86-only (the clflush and wbinvd instructions): ${m.arch} exports no cache flush for drivers; its cache maintenance lives inside the DMA API (dma_sync_*)`);
  return true;
}

export function clflushRange(m: Machine, phys: number, len: number, o: StepOutcome): void {
  runMaintenance(m, phys, len, plan('clflush_cache_range', FILE_CPA, 'clflushopt on every line, between two mb()', 'the driver flushes the range itself: every line is written back if dirty and invalidated, so a non-snooping device reads what the CPU wrote and the CPU then reads what the device wrote'), o);
}

export function wbinvd(m: Machine, o: StepOutcome): void {
  const lines = cacheLines(m.cache).map((l) => l.line).sort((a, b) => a - b);
  const first = lines[0] ?? 0;
  const last = lines.length ? lines[lines.length - 1]! + m.cache.line : 0;
  runMaintenance(m, first, Math.max(last - first, m.cache.line), plan('wbinvd', 'arch/x86/include/asm/special_insns.h', 'wbinvd: the whole cache', 'write back and invalidate every line of the cache (drm_clflush_* fall back to this, on every CPU, when there is no clflush): correct, and very slow on a large cache'), o);
}

/** clflush(p, len): clflush_cache_range over the buffer's physical runs (ENOSYS off x86). */
export const clflushRun: OpRun<'p' | 'len'> = (m, a, o) => {
  if (notX86(m, 'clflush_cache_range', o)) return;
  const { buf, off } = argPtr(m, a.p);
  touchBuffer(o, buf.id);
  for (const ch of physChunks(m, buf, off, argInt(m, a.len, 'a length'))) clflushRange(m, ch.phys, ch.len, o);
};

export const wbinvdRun: OpRun<never> = (m, _a, o) => {
  if (notX86(m, 'wbinvd', o)) return;
  wbinvd(m, o);
};

/** drm_clflush_sg(sgt): every page of the table, whole; elsewhere drm_cache.c's message and WARN. */
export const drmClflushSgRun: OpRun<'sgt'> = (m, a, o) => {
  const sgt = argSgt(m, a.sgt);
  touchSg(o, sgt);
  if (m.arch !== 'x86') {
    printk(m, o, 'drm.cache-no-arch-support');
    printkOnce(m, o, 'drm_clflush_sg:WARN_ON_ONCE', 'drm.cache-no-arch-warn', { fn: 'drm_clflush_sg' });
    observe(o, 'cache/flush-does-nothing', `drm_clflush_sg() flushes nothing on ${m.arch}: drm_cache.c has no code for it, so a driver that relies on it for a non-snooping device gets stale data there`);
    return;
  }
  // for_each_sgtable_page: whole pages, each flushed by drm_clflush_page
  const pages = new Set<number>();
  for (const e of sgt.entries) {
    const b = m.buffers[e.bufId]!;
    for (const ch of physChunks(m, b, e.offset, e.length)) {
      for (let p = ch.phys - (ch.phys % PAGE_SIZE); p < ch.phys + ch.len; p += PAGE_SIZE) pages.add(p);
    }
  }
  for (const p of [...pages].sort((x, y) => x - y)) {
    runMaintenance(m, p, PAGE_SIZE, plan('drm_clflush_sg', FILE_DRM, 'drm_clflush_page: clflushopt on every line of the page', `every page of '${sgt.name}' is flushed whole (written back and invalidated), between two mb(): what a GPU driver does for a non-snooping GPU, since the DMA API believes the GPU coherent on x86`), o);
  }
};
