/**
 * Kernel memory the scenario allocates and the CPU's loads and stores to it:
 * kmalloc / kfree (`mm/slub.c`, `mm/slab_common.c`), alloc_pages /
 * __free_pages (`mm/page_alloc.c`), vmalloc (`mm/vmalloc.c`) and on-stack
 * buffers (`CONFIG_VMAP_STACK=y`: the task stack is vmalloc'd).
 *
 * Placement follows the product's rule (highest free block the zone allows).
 * kmalloc objects are aligned to the architecture's kmalloc alignment and
 * power-of-two sizes to their size; sizes above 8 KiB come from the page
 * allocator, as kmalloc_large does.
 *
 * Simplified:
 * - kmalloc rounds to the kmalloc size classes but objects do not share slab
 *   pages with anything but other kmalloc objects placed by the same rule.
 *   There are no slab caches: "the object is alone in a page that was wholly
 *   free" stands for "the cache took a new slab page", where the kernel checks
 *   GFP_SLAB_BUG_MASK (kmallocGfpCheck).
 * - vmalloc and the stack get physically discontiguous pages (each the highest
 *   free page), mapped at increasing virtual addresses with a guard page.
 */
import type { SimEvent, Why } from '../events.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { archOps, hasZoneDma32, kmallocAlign, zoneDmaBits, zoneDmaSource, zoneName, zoneTop } from '../arch/arch.ts';
import { cacheRead, cacheWrite, evictRange, lineState, linesOf, prefetchRange } from '../hw/cpu-cache.ts';
import { SimError } from '../args.ts';
import { PAGE_SIZE, ramFill, ramRead, ramWrite } from '../hw/memory.ts';
import { LINEAR_BASE, VMALLOC_BASE, type Buffer, type BufferKind, type Machine } from '../machine.ts';
import { allocAt, allocHighest, freeRange, isFree } from './page-alloc.ts';
import { ARCH_GATES, DIRECT_GATES, MM_GATES } from '../kernel-versions.ts';
import { gfpNames, gfpValue } from './gfp.ts';
import { printk } from '../kernel-log/printk.ts';
import { alignDown, alignUp } from '../align.ts';
import { hex, kernelPtr } from '../format.ts';
import { observe } from '../observe.ts';

const FILE_SLAB = 'mm/slub.c';
const FILE_PAGE = 'mm/page_alloc.c';
const KMALLOC_MAX_CACHE_SIZE = 8192;
/**
 * The largest order the buddy allocator hands out with 4 KiB pages: 10 on
 * every version and architecture modelled (MAX_ORDER 11, exclusive, before
 * 6.4; MAX_ORDER 10, inclusive, from 6.4 (23baf831a32c); renamed
 * MAX_PAGE_ORDER in 6.8 (5e0a760b4441)). __alloc_pages() returns NULL above
 * it (WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)); kmalloc_large is
 * alloc_pages, so kmalloc stops at KMALLOC_MAX_SIZE = 4 MiB (include/linux/slab.h).
 */
export const MAX_PAGE_ORDER = 10;
const KMALLOC_MAX_SIZE = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;
const THREAD_SIZE = 16384;

/** The zone modifier of a gfp list: GFP_DMA wins over GFP_DMA32 (GFP_ZONE_TABLE's ___GFP_DMA entry). */
function gfpZone(gfp: readonly string[]): 'GFP_DMA' | 'GFP_DMA32' | null {
  if (gfp.includes('GFP_DMA')) return 'GFP_DMA';
  return gfp.includes('GFP_DMA32') ? 'GFP_DMA32' : null;
}

/**
 * GFP zone modifiers → the highest address the allocation may use (exclusive):
 * ZONE_DMA by architecture and version (16 MiB on x86, up to 4 GiB on arm64,
 * none on riscv, where GFP_DMA is ZONE_NORMAL), ZONE_DMA32 below 4 GiB (on
 * riscv from ARCH_GATES.riscvZoneDma32).
 */
export function gfpLimit(m: Machine, gfp: readonly string[]): number {
  return zoneTop(m, gfpZone(gfp));
}

/** Why a zone modifier does not limit the allocation on this architecture and kernel, or where a firmware-sized ZONE_DMA's size comes from ('' otherwise). */
function unconfiguredZone(m: Machine, gfp: readonly string[]): string {
  const a = archOps(m.arch);
  const z = gfpZone(gfp);
  if (z === 'GFP_DMA' && zoneDmaBits(m) === null) {
    return `; ${m.arch}${m.arch === 'arm64' ? ` ${m.config.kernel}` : ''} has no CONFIG_ZONE_DMA, so GFP_DMA is OPT_ZONE_DMA = ZONE_NORMAL (gfp_zone, include/linux/gfp.h): the memory may sit anywhere in RAM${m.config.ram > 2 ** 32 ? ', above 4 GiB too' : ''}`;
  }
  const source = z === 'GFP_DMA' ? zoneDmaSource(m) : null;
  if (source) return `; ${source}`;
  if (z === 'GFP_DMA32' && !hasZoneDma32(a, m.kernel)) {
    const g = m.arch === 'riscv' ? ARCH_GATES.riscvZoneDma32 : m.arch === 'arm64' ? ARCH_GATES.arm64ZoneDma32 : null;
    const why = g ? `no CONFIG_ZONE_DMA32 yet (${g.commit} "${g.subject}" is ${g.from})` : 'no CONFIG_ZONE_DMA32 (32-bit arm never has one)';
    return `; ${m.arch} ${m.config.kernel} has ${why}, so GFP_DMA32 is OPT_ZONE_DMA32 = ZONE_NORMAL: the memory may sit anywhere in RAM${m.config.ram > 2 ** 32 ? ', above 4 GiB too' : ''}`;
  }
  return '';
}

/** kmalloc_size_roundup(): the kmalloc size class an allocation of `size` lands in. */
export function kmallocSizeRoundup(size: number, minAlign: number): number {
  if (size > KMALLOC_MAX_CACHE_SIZE) return alignUp(size, PAGE_SIZE) === size ? pow2Ceil(size) : pow2Ceil(alignUp(size, PAGE_SIZE));
  const classes = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
  for (const c of classes) {
    if (c < minAlign) continue;
    // kmalloc-96 and kmalloc-192 exist only when the minimum alignment allows them
    if ((c === 96 || c === 192) && minAlign > 32) continue;
    if (c >= size) return c;
  }
  return KMALLOC_MAX_CACHE_SIZE;
}

export function pow2Ceil(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

export function getOrder(size: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(size, 1) / PAGE_SIZE)));
}

function newBuffer(m: Machine, name: string, kind: BufferKind, va: number, size: number, phys: number, allocSize: number): Buffer {
  const b: Buffer = { id: m.buffers.length, name, kind, va, size, phys, pages: [], allocSize, uncached: false, live: true, step: m.step };
  m.buffers.push(b);
  return b;
}

function allocEvent(m: Machine, b: Buffer, allocator: string, fn: string, file: string, rule: string): SimEvent {
  return { kind: 'alloc', allocator, name: b.name, va: b.va, phys: b.phys, size: b.size, zone: zoneName(m, b.phys >= 0 ? b.phys : b.pages[0] ?? 0), why: { fn, file, rule } };
}

/** Claim `size` bytes aligned to `align` below `limit`, or exactly at `at`. -1 when impossible. */
export function claimPhys(m: Machine, size: number, align: number, limit: number, at: number | null): number {
  if (at !== null) {
    if (at % align !== 0 && align <= PAGE_SIZE && at % Math.min(align, PAGE_SIZE) !== 0) return -1;
    return allocAt(m.free, at, size) ? at : -1;
  }
  return allocHighest(m.free, size, align, limit);
}

export function kmalloc(m: Machine, name: string, size: number, gfp: readonly string[], at: number | null, o: StepOutcome): Buffer | null {
  const arch = archOps(m.arch);
  let allocSize: number;
  let align: number;
  // at= places memory that exists (an imported trace's buffers, whatever allocated them): the allocator limits do not apply to it
  if (size > KMALLOC_MAX_SIZE && at === null) {
    observe(o, 'mm/order-too-large', `kmalloc(${size}): above KMALLOC_MAX_SIZE (4 MiB) kmalloc_large asks the page allocator for order ${getOrder(size)}, more than MAX_PAGE_ORDER (${MAX_PAGE_ORDER}): __alloc_pages warns once (WARN_ON_ONCE_GFP) and returns NULL`);
    return null;
  }
  const large = size > KMALLOC_MAX_CACHE_SIZE;
  if (large) {
    allocSize = PAGE_SIZE * 2 ** getOrder(size);
    align = allocSize;
  } else {
    const minAlign = kmallocAlign(arch, m.kernel);
    allocSize = Math.max(kmallocSizeRoundup(size, minAlign), minAlign);
    align = (allocSize & (allocSize - 1)) === 0 ? Math.min(allocSize, PAGE_SIZE) : minAlign;
  }
  const zoneGfp = at === null ? kmallocZoneGfp(m, gfp, large) : gfp;
  const phys = claimPhys(m, allocSize, at !== null ? 1 : align, gfpLimit(m, zoneGfp), at);
  if (phys < 0) return null;
  if (at === null && gfp.includes('GFP_DMA32') && !kmallocGfpCheck(m, gfp, phys, allocSize, large, o)) {
    freeRange(m.free, phys, allocSize);
    return null;
  }
  const b = newBuffer(m, name, 'kmalloc', LINEAR_BASE + phys, size, phys, allocSize);
  o.events.push(
    allocEvent(
      m,
      b,
      'kmalloc',
      large ? 'kmalloc_large' : '__kmalloc',
      FILE_SLAB,
      at !== null
        ? `placed at ${hex(phys)} as the scenario asked`
        : `kmalloc-${allocSize} object, ${align}-byte aligned: the highest free block the ${zoneGfp.join('|') || 'GFP_KERNEL'} zone allows (${zoneName(m, phys)})${zoneGfp.length < gfp.length ? ', GFP_DMA32 left out (no kmalloc cache serves it)' : ''}${unconfiguredZone(m, zoneGfp)}`,
    ),
  );
  if (gfp.includes('__GFP_ZERO')) cpuMemset(m, b, 0, 0, size, o);
  return b;
}

/**
 * The flags that choose kmalloc's zone. GFP_DMA32 is in GFP_SLAB_BUG_MASK and
 * no kmalloc cache serves it (kmalloc-dma-* is for GFP_DMA only), so a slab
 * object comes from the normal kmalloc-N cache: any zone the other flags
 * allow. A large kmalloc is alloc_pages, which honoured GFP_DMA32 until
 * kmalloc_order() started stripping it (MM_GATES.kmallocLargeFixFlags).
 */
function kmallocZoneGfp(m: Machine, gfp: readonly string[], large: boolean): readonly string[] {
  if (large && m.kernel < MM_GATES.kmallocLargeFixFlags.code) return gfp;
  return gfp.filter((f) => f !== 'GFP_DMA32');
}

/**
 * The GFP_SLAB_BUG_MASK check of a kmalloc with GFP_DMA32 placed at `phys`.
 * The kernel checks only where it takes pages: new_slab(), when the cache has
 * no free object, and (from 5.9) kmalloc_order() on every large call. The
 * engine keeps no slabs, so it takes "the object is alone in a page that was
 * wholly free" as "SLUB needed a new slab page"; an object placed beside
 * earlier ones came from a slab page the cache already had, unchecked.
 * Returns false when the kernel BUG()s (before 4.8): kmalloc never returns.
 */
function kmallocGfpCheck(m: Machine, gfp: readonly string[], phys: number, allocSize: number, large: boolean, o: StepOutcome): boolean {
  const checked = large ? m.kernel >= MM_GATES.kmallocLargeFixFlags.code : freshPage(m, phys, allocSize);
  o.events.push({ kind: 'note', text: 'no kmalloc cache for GFP_DMA32', why: slabGfpWhy(m, large, checked) });
  if (!checked) return true;
  if (m.kernel < MM_GATES.slabNoPanic.code) {
    printk(m, o, 'slab.bad-gfp-emerg', { bits: 4 });
    printk(m, o, 'slab.bad-gfp-bug');
    observe(o, 'mm/slab-bug', `new_slab() BUG()s on GFP_DMA32 before ${MM_GATES.slabNoPanic.from} (${MM_GATES.slabNoPanic.commit}): the task oopses inside kmalloc, which never returns; the explorer carries on with NULL`);
    o.error = 'BUG';
    return false;
  }
  const fixed = gfpValue(m.kernel, gfp) & ~0x4;
  printk(m, o, 'slab.unexpected-gfp', { bad: '4', badNames: gfpNames(m.kernel, 0x4), fixed: fixed.toString(16), fixedNames: gfpNames(m.kernel, fixed) });
  return true;
}

/** Was the page (or pages) of [phys, phys+size) wholly free before this claim? */
function freshPage(m: Machine, phys: number, size: number): boolean {
  const first = alignDown(phys, PAGE_SIZE);
  const end = alignUp(phys + size, PAGE_SIZE);
  return (phys === first || isFree(m.free, first, phys - first)) && (phys + size === end || isFree(m.free, phys + size, end - phys - size));
}

/** A student's account of what kmalloc did with GFP_DMA32 on this kernel. */
function slabGfpWhy(m: Machine, large: boolean, checked: boolean): Why {
  const noCache = 'there is no kmalloc-dma32 cache: GFP_DMA32 is in GFP_SLAB_BUG_MASK ("do not use these with a slab allocator"), and only GFP_DMA has caches of its own (kmalloc-dma-*)';
  if (large) {
    if (!checked) return { fn: 'kmalloc_order', file: 'mm/slab_common.c', rule: `${noCache}, but above 8 KiB kmalloc is alloc_pages(), and before ${MM_GATES.kmallocLargeFixFlags.from} kmalloc_order() passes the flags on unchecked: these pages really are in ZONE_DMA32, below 4 GiB` };
    return { fn: 'kmalloc_fix_flags', file: 'mm/slab_common.c', rule: `${noCache}; above 8 KiB kmalloc is alloc_pages(), and from ${MM_GATES.kmallocLargeFixFlags.from} (${MM_GATES.kmallocLargeFixFlags.commit}) the large-kmalloc path (kmalloc_order, later __kmalloc_large_node) strips the flag first with kmalloc_fix_flags(): it warns, dumps the stack, and the pages come from any zone` };
  }
  const cache = `${noCache}, so kmalloc takes the normal kmalloc-N cache and the object sits wherever the other flags allow (with GFP_KERNEL, any zone), not necessarily below 4 GiB`;
  if (!checked) return { fn: 'kmalloc_slab', file: 'mm/slab_common.c', rule: `${cache}. The flags are only checked when the cache needs a new slab page (new_slab); here the object went into a page that already held kmalloc objects (the explorer's stand-in for a slab with a free object), so nothing checks and nothing is logged` };
  const what = m.kernel < MM_GATES.slabNoPanic.code ? `before ${MM_GATES.slabNoPanic.from} it prints "gfp: 4" and BUG()s` : `it strips the flag and warns${m.kernel < MM_GATES.slubDumpStack.code ? ' (SLUB dumps no stack before 4.11)' : ', then dumps the stack'}`;
  return { fn: 'new_slab', file: 'mm/slub.c', rule: `${cache}. This object is the first in a page that was wholly free (the explorer's stand-in for SLUB taking a new slab page), so new_slab() checks the flags: ${what}` };
}

export function allocPages(m: Machine, name: string, gfp: readonly string[], order: number, at: number | null, o: StepOutcome): Buffer | null {
  if (order > MAX_PAGE_ORDER && at === null) {
    observe(o, 'mm/order-too-large', `alloc_pages: order ${order} is above MAX_PAGE_ORDER (${MAX_PAGE_ORDER}, 4 MiB): __alloc_pages warns once (WARN_ON_ONCE_GFP) and returns NULL; large contiguous buffers come from CMA (dma_alloc_from_contiguous, dma_alloc_coherent)`);
    return null;
  }
  const size = PAGE_SIZE * 2 ** order;
  const phys = claimPhys(m, size, at !== null ? PAGE_SIZE : size, gfpLimit(m, gfp), at);
  if (phys < 0) return null;
  const b = newBuffer(m, name, 'pages', LINEAR_BASE + phys, size, phys, size);
  b.order = order;
  o.events.push(allocEvent(m, b, 'alloc_pages', '__alloc_pages', FILE_PAGE, `an order-${order} block (${size} bytes), naturally aligned: the highest free one in zone ${zoneName(m, phys)}${unconfiguredZone(m, gfp)}`));
  if (gfp.includes('__GFP_ZERO')) cpuMemset(m, b, 0, 0, size, o);
  return b;
}

/** Map `count` pages, each the highest free page, at fresh vmalloc addresses (with a guard page). */
function vmapPages(m: Machine, count: number): { va: number; pages: number[] } | null {
  const pages: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = allocHighest(m.free, PAGE_SIZE, PAGE_SIZE, m.config.ram);
    if (p < 0) {
      for (const q of pages) freeRange(m.free, q, PAGE_SIZE);
      return null;
    }
    pages.push(p);
  }
  const va = m.vmallocNext;
  m.vmallocNext += (count + 1) * PAGE_SIZE;
  pages.forEach((p, i) => m.vmap.set(va / PAGE_SIZE + i, p));
  return { va, pages };
}

export function vmalloc(m: Machine, name: string, size: number, o: StepOutcome): Buffer | null {
  const count = Math.ceil(size / PAGE_SIZE);
  const v = vmapPages(m, count);
  if (!v) return null;
  const b = newBuffer(m, name, 'vmalloc', v.va, size, -1, count * PAGE_SIZE);
  b.pages = v.pages;
  o.events.push(allocEvent(m, b, 'vmalloc', '__vmalloc_node_range', 'mm/vmalloc.c', `${count} page(s) taken one at a time and mapped contiguously in vmalloc space: physically they are not contiguous`));
  return b;
}

/**
 * A local array in the current task's stack: vmalloc'd with CONFIG_VMAP_STACK
 * (4.9+, ba14a194a434), THREAD_SIZE of contiguous linear-map pages before.
 */
export function stackBuffer(m: Machine, name: string, size: number, o: StepOutcome): Buffer | null {
  const vmapped = m.kernel >= DIRECT_GATES.vmapStack.code;
  if (!m.stack) {
    if (vmapped) {
      const v = vmapPages(m, THREAD_SIZE / PAGE_SIZE);
      if (!v) return null;
      m.stack = { base: v.va, top: v.va + THREAD_SIZE, pages: v.pages };
    } else {
      const phys = allocHighest(m.free, THREAD_SIZE, THREAD_SIZE, m.config.ram);
      if (phys < 0) return null;
      const pages = Array.from({ length: THREAD_SIZE / PAGE_SIZE }, (_, i) => phys + i * PAGE_SIZE);
      m.stack = { base: LINEAR_BASE + phys, top: LINEAR_BASE + phys + THREAD_SIZE, pages };
    }
  }
  const top = alignDown(m.stack.top - size, 8);
  // keep a little room for the rest of the frame, as a real stack would
  if (top - 256 < m.stack.base) return null;
  m.stack.top = top;
  const b = newBuffer(m, name, 'stack', top, size, vmapped ? -1 : top - LINEAR_BASE, size);
  if (vmapped) {
    const firstVpn = Math.floor(top / PAGE_SIZE);
    const lastVpn = Math.floor((top + size - 1) / PAGE_SIZE);
    for (let v = firstVpn; v <= lastVpn; v++) b.pages.push(m.vmap.get(v)!);
  }
  o.events.push(
    allocEvent(
      m,
      b,
      'stack',
      'alloc_thread_stack_node',
      'kernel/fork.c',
      vmapped ? "the task stack is vmalloc'd (CONFIG_VMAP_STACK=y), so a stack array lives in vmalloc space" : 'before 4.9 the task stack is THREAD_SIZE of linear-map pages: a stack array has a struct page and a physical address like kmalloc memory',
    ),
  );
  return b;
}

/** Free `b`; `file` is where `fn` lives when it is not the allocator's own file (dma-direct's frees). */
export function freeBuffer(m: Machine, b: Buffer, allocator: string, fn: string, o: StepOutcome, file?: string): void {
  b.live = false;
  touchBuffer(o, b.id);
  if (b.phys >= 0) freeRange(m.free, b.phys, b.allocSize);
  else if (b.kind === 'vmalloc') {
    b.pages.forEach((p, i) => {
      freeRange(m.free, p, PAGE_SIZE);
      m.vmap.delete(b.va / PAGE_SIZE + i);
    });
  }
  o.events.push({
    kind: 'free',
    allocator,
    name: b.name,
    phys: b.phys >= 0 ? b.phys : (b.pages[0] ?? -1),
    size: b.allocSize,
    why: { fn, file: file ?? (allocator === 'kfree' ? FILE_SLAB : FILE_PAGE), rule: 'the block goes back to the free list: the next allocation that fits gets it, old bytes included' },
  });
}

/** Physical address of byte `off` of the buffer. */
export function physOf(m: Machine, b: Buffer, off: number): number {
  if (b.phys >= 0) return b.phys + off;
  const va = b.va + off;
  const page = m.vmap.get(Math.floor(va / PAGE_SIZE));
  if (page === undefined) return -1;
  return page + (va % PAGE_SIZE);
}

/** Physically contiguous pieces of [off, off+len) of the buffer. */
export function physChunks(m: Machine, b: Buffer, off: number, len: number): Array<{ phys: number; len: number; at: number }> {
  if (b.phys >= 0) return [{ phys: b.phys + off, len, at: 0 }];
  const out: Array<{ phys: number; len: number; at: number }> = [];
  let done = 0;
  while (done < len) {
    const va = b.va + off + done;
    const n = Math.min(len - done, PAGE_SIZE - (va % PAGE_SIZE));
    out.push({ phys: physOf(m, b, off + done), len: n, at: done });
    done += n;
  }
  return out;
}

/** A piece of a CPU access and whether it bypasses the cache. */
interface CpuChunk {
  phys: number;
  len: number;
  at: number;
  uncached: boolean;
}

/**
 * The physically contiguous pieces of a CPU access and how each is cached:
 * an uncached alias (dma_alloc_coherent's remap, vmap(…, prot=wc|uc))
 * bypasses the cache; the linear map does too on pages x86 set_memory_wc/uc
 * changed (m.memattr), split page by page only when some page was changed.
 */
function cpuChunks(m: Machine, b: Buffer, off: number, len: number): CpuChunk[] {
  if (b.noKernelMapping) {
    throw new SimError(`'${b.name}' came from dma_alloc_attrs(…, DMA_ATTR_NO_KERNEL_MAPPING): it is a cookie for dma_free_attrs and dma_mmap_attrs, not a kernel address; the CPU has no mapping of this memory`);
  }
  const out: CpuChunk[] = [];
  const linear = !b.uncached && b.va < VMALLOC_BASE;
  for (const ch of physChunks(m, b, off, len)) {
    if (!linear || m.memattr.size === 0) {
      out.push({ ...ch, uncached: b.uncached });
      continue;
    }
    for (let done = 0; done < ch.len; ) {
      const phys = ch.phys + done;
      const n = Math.min(ch.len - done, PAGE_SIZE - (phys % PAGE_SIZE));
      out.push({ phys, len: n, at: ch.at + done, uncached: m.memattr.has(Math.floor(phys / PAGE_SIZE)) });
      done += n;
    }
  }
  return out;
}

/** What the cpu_access event says about caching: WC is modelled as uncached, and said so. */
function cpuAccessEvent(m: Machine, b: Buffer, op: 'read' | 'write', off: number, len: number, hits: number, misses: number, chunks: CpuChunk[], o: StepOutcome): void {
  const uncached = chunks.some((c) => c.uncached);
  const ev: SimEvent = { kind: 'cpu_access', op, va: b.va + off, phys: physOf(m, b, off), len, hits, misses, uncached };
  if (uncached) {
    const type = b.uncached ? (b.memType ?? 'uc') : m.memattr.get(Math.floor(chunks.find((c) => c.uncached)!.phys / PAGE_SIZE))!;
    ev.memType = type;
    if (type === 'wc' && op === 'write') {
      o.events.push({
        kind: 'note',
        text: 'write-combined store',
        why: { fn: 'pgprot_writecombine', file: 'arch/x86/include/asm/pgtable_types.h', rule: 'write-combining: stores bypass the cache and are merged in a write-combining buffer before reaching RAM (modelled here as uncached stores that reach RAM at once; no fence is needed between steps)' },
      });
    }
  }
  o.events.push(ev);
}

/** CPU stores through the cache (or straight to RAM through an uncached alias or page). */
export function cpuWrite(m: Machine, b: Buffer, off: number, data: Uint8Array, o: StepOutcome): void {
  let hits = 0;
  let misses = 0;
  const chunks = cpuChunks(m, b, off, data.length);
  for (const ch of chunks) {
    const piece = data.subarray(ch.at, ch.at + ch.len);
    if (ch.uncached) ramWrite(m.ram, ch.phys, piece);
    else {
      const n = cacheWrite(m.cache, m.ram, ch.phys, piece, o.events);
      hits += n.hits;
      misses += n.misses;
    }
  }
  cpuAccessEvent(m, b, 'write', off, data.length, hits, misses, chunks, o);
  mismatchedAlias(m, chunks, o);
}

export function cpuMemset(m: Machine, b: Buffer, off: number, byte: number, len: number, o: StepOutcome): void {
  if (b.uncached) {
    const chunks = cpuChunks(m, b, off, len);
    for (const ch of chunks) ramFill(m.ram, ch.phys, byte, ch.len);
    cpuAccessEvent(m, b, 'write', off, len, 0, 0, chunks, o);
    mismatchedAlias(m, chunks, o);
    return;
  }
  cpuWrite(m, b, off, new Uint8Array(len).fill(byte), o);
}

/**
 * An uncached store while the same bytes sit dirty in the cache through
 * another, cacheable alias: the dirty line will be written back over it when
 * evicted or cleaned. (Clean lines of that alias are harmless until someone
 * reads through it: cpuRead reports those stale bytes.)
 */
function mismatchedAlias(m: Machine, chunks: CpuChunk[], o: StepOutcome): void {
  let dirty = 0;
  for (const ch of chunks) {
    if (!ch.uncached) continue;
    const { first, last } = linesOf(m.cache, ch.phys, ch.len);
    for (let l = first; l <= last; l += m.cache.line) if (lineState(m.cache, l) === 'D') dirty++;
  }
  if (!dirty) return;
  observe(o, 'cpu/mismatched-alias',
    `mismatched alias: this uncached store went to RAM while the cacheable linear alias of the same bytes holds ${dirty} dirty line(s), which will be written back over it when evicted or cleaned: nothing cleaned them when the uncached alias was made (dma_alloc_coherent runs arch_dma_prep_coherent for this)`,
  );
}

/** CPU loads through the cache; notes bytes served from clean lines that RAM has since changed. */
export function cpuRead(m: Machine, b: Buffer, off: number, len: number, o: StepOutcome): Uint8Array {
  const out = new Uint8Array(len);
  let hits = 0;
  let misses = 0;
  let stale = 0;
  const mem = new Uint8Array(len);
  const chunks = cpuChunks(m, b, off, len);
  for (const ch of chunks) {
    const piece = out.subarray(ch.at, ch.at + ch.len);
    if (ch.uncached) {
      ramRead(m.ram, ch.phys, ch.len, piece);
      continue;
    }
    const n = cacheRead(m.cache, m.ram, ch.phys, ch.len, piece, o.events);
    hits += n.hits;
    misses += n.misses;
    ramRead(m.ram, ch.phys, ch.len, mem, ch.at);
    for (let i = 0; i < ch.len; i++) {
      if (piece[i] !== mem[ch.at + i]) {
        const addr = ch.phys + i;
        if (lineState(m.cache, addr - (addr % m.cache.line)) === 'C') stale++;
      }
    }
  }
  cpuAccessEvent(m, b, 'read', off, len, hits, misses, chunks, o);
  if (stale) {
    observe(o, 'cpu/stale-read', `stale read: ${stale} byte(s) came from clean cache lines that no longer match RAM (the device wrote RAM behind the CPU's cache)`);
  }
  return out;
}

export function cacheEvictBuffer(m: Machine, b: Buffer, off: number, len: number, o: StepOutcome): void {
  touchBuffer(o, b.id);
  for (const ch of physChunks(m, b, off, len)) evictRange(m.cache, m.ram, ch.phys, ch.len, o.events);
}

export function prefetchBuffer(m: Machine, b: Buffer, off: number, len: number, o: StepOutcome): void {
  touchBuffer(o, b.id);
  for (const ch of physChunks(m, b, off, len)) prefetchRange(m.cache, m.ram, ch.phys, ch.len, o.events);
}

export function isVmallocAddr(va: number): boolean {
  return va >= VMALLOC_BASE;
}

/** A kernel virtual address as %px would print it on arm64 (48-bit, 0xffff prefix), with 0x. */
export function fmtVa(va: number): string {
  return `0x${kernelPtr(va)}`;
}
