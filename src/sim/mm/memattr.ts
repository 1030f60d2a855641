/**
 * CPU memory attributes: how the CPU's mappings of a page are cached.
 *
 * - x86 `set_memory_wc(addr, numpages)`, `set_memory_uc`, `set_memory_wb`
 *   (`arch/x86/mm/pat/set_memory.c`): change_page_attr_set_clr() rewrites the
 *   linear map's PTEs, then cpa_flush() flushes the range with
 *   clflush_cache_range_opt() page by page — only when a caching attribute
 *   was set ("No need to flush, when we did not set any of the caching
 *   attributes": set_memory_wb does not flush). Afterwards CPU loads and
 *   stores to those pages bypass the cache. There is one mapping and it
 *   changed, so there is no mismatched alias: this is how TTM switches pages
 *   between cached and write-combined on x86 (ttm_set_pages_caching is
 *   CONFIG_X86 only).
 * - arm64 (and arm, riscv) have no set_memory_wc/uc: the linear map's memory
 *   type cannot change.
 * - `vmap(pages, count, VM_MAP, prot)` (`mm/vmalloc.c`) with
 *   pgprot_writecombine / pgprot_noncached: a second, uncached alias of the
 *   pages in vmalloc space. vmap does no cache maintenance, and the
 *   cacheable linear alias stays: its dirty lines can be written back over
 *   what the uncached alias wrote, and the CPU can fill it speculatively
 *   (`cpu_prefetch`), so reads through it go stale. This is why the kernel
 *   will not map arbitrary memory uncached (thread 002), and why
 *   dma_alloc_coherent cleans the linear alias first (arch_dma_prep_coherent).
 *
 * Simplified: write-combining is modelled as uncached stores that reach RAM
 * at once (no WC buffer, no fences); no PAT memtype reservation
 * (memtype_reserve), so conflicting requests are not refused; set_memory_uc
 * is UC- (_PAGE_CACHE_MODE_UC_MINUS) and behaves as uncached.
 */
import type { Expr } from '../command.ts';
import type { OpRun } from '../operation.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { SimError, argInt, argName, argPtr } from '../args.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { zoneName } from '../arch/arch.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { lineState } from '../hw/cpu-cache.ts';
import { VMALLOC_BASE, type Buffer, type Machine } from '../machine.ts';
import { physOf } from './buffers.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE_CPA = 'arch/x86/mm/pat/set_memory.c';

type MemType = 'wc' | 'uc' | 'wb';

/** set_memory_wc / _uc / _wb on the linear map of `npages` pages from `p`. */
export function setMemory(m: Machine, b: Buffer, off: number, npages: number, type: MemType, o: StepOutcome): void {
  touchBuffer(o, b.id);
  const fn = `set_memory_${type}`;
  o.resultKind = 'status';
  if (m.arch !== 'x86') {
    o.error = 'ENOSYS';
    observe(o, 'api/not-on-this-arch',
      `${fn}() does not exist on ${m.arch}: its linear map's memory type cannot be changed (only set_memory_ro/rw/x/nx and the direct-map valid bits), so arbitrary kernel pages cannot be made uncached; an uncached CPU view comes from dma_alloc_coherent (or a vmap alias, with the mismatched-alias hazard)`,
    );
    return;
  }
  if (b.uncached || b.va >= VMALLOC_BASE) {
    throw new SimError(`${fn} takes a linear-map address (page_address()); '${b.name}' is ${b.uncached ? 'an uncached alias' : 'in vmalloc space'}`);
  }
  const va = b.va + off;
  if (va % PAGE_SIZE !== 0) throw new SimError(`${fn}: the address must be page aligned ('${b.name}'+${off} is not)`);
  const start = physOf(m, b, off);
  const size = npages * PAGE_SIZE;
  for (let i = 0; i < npages; i++) {
    const pfn = Math.floor(start / PAGE_SIZE) + i;
    if (type === 'wb') m.memattr.delete(pfn);
    else m.memattr.set(pfn, type);
  }
  if (type !== 'wb') {
    // cpa_flush(&cpa, cache): clflush every line of every page whose attribute changed
    runMaintenance(m, start, size, {
      op: 'clean_inval',
      edges: 'same',
      instr: 'clflush_cache_range_opt: clflushopt on every line of each page',
      why: { fn: 'cpa_flush', file: FILE_CPA, rule: 'a caching attribute was set: the pages are flushed (written back and invalidated) so no cached copy outlives the cacheable mapping' },
    }, o);
  }
  const what = type === 'wc' ? 'write-combining (modelled as uncached: stores reach RAM at once)' : type === 'uc' ? 'uncached (UC-)' : 'write-back: cached again';
  o.events.push({
    kind: 'note',
    text: `${npages} page(s) now ${type.toUpperCase()}`,
    why: {
      fn: 'change_page_attr_set_clr',
      file: FILE_CPA,
      rule: `the linear map's PTEs of ${npages} page(s) from ${hex(start)} are now ${what}${type === 'wb' ? '; set_memory_wb sets no caching attribute, so cpa_flush does not flush the cache' : ''}. x86 changes the one mapping, so no cacheable alias is left behind`,
    },
  });
  o.result = 0;
}

function protOf(e: Expr | undefined, kw: ReadonlyArray<{ key: string; value: Expr }>): 'wc' | 'uc' | 'cached' {
  const kv = kw.find((k) => k.key === 'prot');
  if (!kv && !e) return 'cached';
  const name = argName(kv?.value ?? e, 'prot=wc, uc or cached');
  if (name === 'wc' || name === 'uc' || name === 'cached') return name;
  throw new SimError(`prot must be wc, uc or cached, got '${name}'`, (kv?.value ?? e)!.loc);
}

/** `q = vmap(p, npages, prot=…)`: a second virtual mapping of the pages, in vmalloc space. */
export function vmapAlias(m: Machine, name: string, b: Buffer, off: number, npages: number, prot: 'wc' | 'uc' | 'cached', o: StepOutcome): Buffer {
  if ((b.va + off) % PAGE_SIZE !== 0) throw new SimError(`vmap maps whole pages: '${b.name}'+${off} is not page aligned`);
  const pages: number[] = [];
  for (let i = 0; i < npages; i++) {
    const pa = physOf(m, b, off + i * PAGE_SIZE);
    if (pa < 0 || i * PAGE_SIZE >= b.size) throw new SimError(`vmap: '${b.name}' has no page ${i} (it is ${b.size} bytes)`);
    pages.push(pa - (pa % PAGE_SIZE));
  }
  const va = m.vmallocNext;
  m.vmallocNext += (npages + 1) * PAGE_SIZE;
  pages.forEach((p, i) => m.vmap.set(va / PAGE_SIZE + i, p));
  const q: Buffer = { id: m.buffers.length, name, kind: 'vmap', va, size: npages * PAGE_SIZE, phys: -1, pages, allocSize: 0, uncached: prot !== 'cached', live: true, step: m.step };
  if (prot !== 'cached') q.memType = prot;
  m.buffers.push(q);
  let present = 0;
  let dirty = 0;
  for (const p of pages) {
    for (let l = p; l < p + PAGE_SIZE; l += m.cache.line) {
      const st = lineState(m.cache, l);
      if (st !== 'I') present++;
      if (st === 'D') dirty++;
    }
  }
  const pgprot = prot === 'wc' ? 'pgprot_writecombine(PAGE_KERNEL)' : prot === 'uc' ? 'pgprot_noncached(PAGE_KERNEL)' : 'PAGE_KERNEL';
  o.events.push({
    kind: 'alloc',
    allocator: 'vmap',
    name,
    va,
    phys: pages[0] ?? -1,
    size: npages * PAGE_SIZE,
    zone: zoneName(m, pages[0] ?? 0),
    why: {
      fn: 'vmap',
      file: 'mm/vmalloc.c',
      rule: `${npages} page(s) of '${b.name}' mapped again in vmalloc space with ${pgprot}${prot === 'cached' ? '' : '; vmap does no cache maintenance and the cacheable linear alias of the same pages stays'}`,
    },
  });
  if (prot !== 'cached' && present) {
    observe(o, 'cpu/mismatched-alias',
      `mismatched alias: '${b.name}' is still mapped cacheable in the linear map and ${present} of its line(s) are in the CPU cache${dirty ? ` (${dirty} dirty: written back on eviction, over whatever the uncached alias stores)` : ''}; the CPU may also fill that alias speculatively at any time. dma_alloc_coherent avoids this with arch_dma_prep_coherent before handing out its uncached alias`,
    );
  }
  return q;
}

/** set_memory_wc / _uc / _wb(p, npages). */
export function setMemoryRun(type: MemType): OpRun<'p' | 'npages'> {
  return (m, a, o) => {
    const { buf, off } = argPtr(m, a.p);
    setMemory(m, buf, off, argInt(m, a.npages, 'a page count'), type, o);
  };
}

/** `q = vmap(p, npages, prot=…)`. */
export const vmapRun: OpRun<'p' | 'npages'> = (m, a, o, c) => {
  const { buf, off } = argPtr(m, a.p);
  const q = vmapAlias(m, c.targets[0] ?? '(vmap)', buf, off, argInt(m, a.npages, 'a page count'), protOf(c.args[2], c.kwargs), o);
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'buf', id: q.id };
};

/** vunmap(q): the alias goes, the pages stay. */
export const vunmapRun: OpRun<'q'> = (m, a, o) => {
  const { buf } = argPtr(m, a.q);
  if (buf.kind !== 'vmap') throw new SimError(`'${buf.name}' did not come from vmap`);
  buf.live = false;
  touchBuffer(o, buf.id);
  buf.pages.forEach((_, i) => m.vmap.delete(buf.va / PAGE_SIZE + i));
  o.events.push({ kind: 'note', text: `alias '${buf.name}' unmapped`, why: { fn: 'vunmap', file: 'mm/vmalloc.c', rule: 'the alias goes; the pages stay with their owner (vunmap frees no pages)' } });
};
