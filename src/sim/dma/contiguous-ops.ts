/**
 * CMA as drivers and the rest of the kernel meet it — mirrors
 * `kernel/dma/contiguous.c` (`dma_alloc_from_contiguous`,
 * `dma_release_from_contiguous`, `dma_alloc_contiguous` /
 * `cma_alloc_aligned`, `dma_free_contiguous`), the migration step of
 * `alloc_contig_range` (`mm/page_alloc.c`, `mm/migrate.c`), short-term GUP
 * pins (`pin_user_pages` / `unpin_user_pages`, `mm/gup.c`), and the scenario
 * operations `alloc_movable` / `free_movable` that stand for page cache and
 * anonymous memory borrowing the area (`MIGRATE_CMA` pageblocks).
 *
 * What it is for: the CMA area is not reserved away from the rest of the
 * system. Movable pages live in it until a contiguous allocation needs the
 * range; then every one of them is migrated out (its data copied, the owner's
 * page tables updated) and a pinned page makes the candidate fail with -EBUSY,
 * so `cma_range_alloc` retries at the next aligned candidate.
 *
 * Kernel behaviour kept:
 * - `dma_alloc_from_contiguous(dev, count, align, no_warn)` caps `align` at
 *   `CONFIG_CMA_ALIGNMENT` and calls `cma_alloc(dev_get_cma_area(dev), …)`;
 *   `cma_alloc` of a NULL / empty area returns NULL. The pages are not zeroed.
 * - `dma_release_from_contiguous` → `cma_release`: false (0) for pages
 *   outside the area, and the caller then frees them itself.
 * - `dma_alloc_contiguous(dev, size, gfp)` (used by dma-direct's
 *   `__dma_direct_alloc_pages` for `dma_alloc_coherent`): NULL unless
 *   `gfpflags_allow_blocking(gfp)`; the default area only when `size >
 *   PAGE_SIZE`; `cma_alloc_aligned` with `align = min(get_order(size),
 *   CONFIG_CMA_ALIGNMENT)` and `no_warn = gfp & __GFP_NOWARN`.
 * - The failure line by version (CMA_GATES, each with its commit): none before
 *   4.11 (failMessage), `cma: cma_alloc: alloc failed, req-size: N pages, ret:
 *   R` until the area name was added in 5.12 (areaName), `cma: cma_alloc:
 *   reserved: …` (5.12–6.11), `cma: __cma_alloc: reserved: …` (6.12+,
 *   underscoreName), followed from 6.15 by `cma_debug_show_areas`
 *   (multiRange). `ret` starts at -ENOMEM before the multi-range rework (6.15)
 *   — so "nothing fits" reports -12 there unless a candidate failed with
 *   -EBUSY — and at -EBUSY after.
 * - Migration moves every page of the candidate range that nothing pins
 *   (migrate_pages keeps going past a page it cannot move); a page that stays
 *   makes test_pages_isolated() fail: "alloc_contig_range: [start, end) PFNs
 *   busy" and -EBUSY. A short-term pin
 *   (`pin_user_pages` without `FOLL_LONGTERM`, e.g. O_DIRECT in flight) keeps
 *   the extra reference that makes `alloc_contig_range` fail with -EBUSY.
 *   (Long-term pins migrate pages out of CMA before pinning —
 *   `check_and_migrate_movable_pages` — so only short-term pins block.)
 *
 * Simplified:
 * - Movable buffers are reached through a vmap-style mapping (their pages
 *   need not be contiguous and may move), so `dma_map_single` refuses them as
 *   it refuses vmalloc memory; map them with `dma_map_page` or an sg_table.
 * - Their pages are not zeroed when borrowed, and when the CMA area is full
 *   they come from ordinary memory (the highest free page).
 * - A migrated page goes to the highest free ordinary page. Its old page's
 *   cache lines are written back and dropped before the copy (the kernel
 *   copies through the cache with `folio_copy` and leaves the old lines to
 *   the next owner's maintenance — `arch_dma_prep_coherent` for
 *   `dma_alloc_coherent`); the copy itself is RAM to RAM.
 * - A page mapped for DMA without a pin is migrated anyway (the kernel would
 *   see only the references the driver took): the explorer says so, and the
 *   device keeps using the old page.
 */
import type { Why } from '../events.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { SimError } from '../args.ts';
import { evictRange } from '../hw/cpu-cache.ts';
import { PAGE_SIZE, ramCopy } from '../hw/memory.ts';
import { zoneName } from '../arch/arch.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine } from '../machine.ts';
import { freeBuffer, physOf } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { cmaDebugShowAreas, cmaAllocFailedLine, cmaAlloc, cmaAlignForSize, cmaBorrowMovable, cmaContains, cmaRelease, cmaReturnMovable, dmaContiguousEligible, CMA_ALIGNMENT } from './contiguous.ts';
import { cmaOwnerOf, cmaPinned, type CmaState } from './cma-state.ts';
import { CMA_GATES, DIRECT_GATES, dmaFile, kernelName } from '../kernel-versions.ts';
import { mappingsOfBuffer } from './tracking.ts';
import { EBUSY, ENOMEM } from '../errno.ts';
import { hex } from '../format.ts';
import { coherentLimit } from './direct.ts';
import { observe } from '../observe.ts';
import type { LogLine } from '../kernel-log/catalogue.ts';

const FILE = 'kernel/dma/contiguous.c';
const FILE_GUP = 'mm/gup.c';

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

/** The machine's CMA state (the default area, movable owners, pins). */
export function cmaOf(m: Machine): CmaState {
  return m.cma;
}

// ---------------------------------------------------------------------------
// movable pages borrowing the area

function newMovableBuffer(m: Machine, name: string, size: number, pages: number[]): Buffer {
  const va = m.vmallocNext;
  m.vmallocNext += (pages.length + 1) * PAGE_SIZE;
  pages.forEach((p, i) => m.vmap.set(va / PAGE_SIZE + i, p));
  const b: Buffer = { id: m.buffers.length, name, kind: 'movable', va, size, phys: -1, pages, allocSize: pages.length * PAGE_SIZE, uncached: false, live: true, step: m.step };
  m.buffers.push(b);
  return b;
}

/**
 * `alloc_movable(size)`: movable pages (page cache, anonymous memory) placed
 * in the CMA area, each the lowest page that is neither allocated by CMA nor
 * already lent; ordinary memory once the area is full.
 */
export function allocMovable(m: Machine, name: string, size: number, o: StepOutcome): Buffer | null {
  const s = cmaOf(m);
  const n = Math.max(1, Math.ceil(size / PAGE_SIZE));
  const pages: number[] = [];
  let borrowed = 0;
  for (let i = 0; i < n; i++) {
    const pfn = cmaBorrowMovable(s.area);
    if (pfn >= 0) {
      borrowed++;
      pages.push(pfn * PAGE_SIZE);
      continue;
    }
    const p = allocHighest(m.free, PAGE_SIZE, PAGE_SIZE, m.config.ram);
    if (p < 0) {
      for (const q of pages) releaseMovablePage(m, q);
      return null;
    }
    pages.push(p);
  }
  const b = newMovableBuffer(m, name, size, pages);
  for (const p of pages) {
    const i = p / PAGE_SIZE - s.area.basePfn;
    if (i >= 0 && i < s.area.count) s.owner[i] = b.id;
  }
  o.events.push({
    kind: 'alloc',
    allocator: 'alloc_movable',
    name,
    va: b.va,
    phys: pages[0]!,
    size: b.allocSize,
    zone: zoneName(m, pages[0]!),
    why: why(
      '__alloc_pages',
      borrowed === n
        ? `${n} movable page(s) borrowed from the CMA area, lowest free first: MIGRATE_CMA pageblocks serve movable allocations while CMA does not need them`
        : `${borrowed} of ${n} page(s) borrowed from the CMA area; the area is full, so the rest come from ordinary memory`,
      'mm/page_alloc.c',
    ),
  });
  if (borrowed) o.events.push({ kind: 'cma', op: 'borrow', pfn: pages[0]! / PAGE_SIZE, count: borrowed, why: why('__rmqueue_cma_fallback', 'a movable allocation may take a free page of a MIGRATE_CMA pageblock; CMA will migrate it out when it needs the range', 'mm/page_alloc.c') });
  return b;
}

function releaseMovablePage(m: Machine, phys: number): void {
  const s = cmaOf(m);
  const pfn = phys / PAGE_SIZE;
  if (cmaContains(s.area, pfn)) {
    cmaReturnMovable(s.area, pfn);
    s.owner[pfn - s.area.basePfn] = -1;
  } else freeRange(m.free, phys, PAGE_SIZE);
}

/** `free_movable(p)`: the movable pages are freed (the page cache drops them); CMA pages become free again. */
export function freeMovable(m: Machine, b: Buffer, o: StepOutcome): void {
  if (b.kind !== 'movable') throw new SimError(`'${b.name}' did not come from alloc_movable`);
  if (!b.live) {
    observe(o, 'mm/double-free', `double free: '${b.name}' was already freed`);
    return;
  }
  const s = cmaOf(m);
  const pinned = b.pages.filter((p) => cmaPinned(s, p / PAGE_SIZE)).length;
  if (pinned) observe(o, 'cma/freed-while-pinned', `${pinned} page(s) of '${b.name}' are still pinned: the pin holds a reference, so the kernel frees them only at unpin_user_page`);
  b.pages.forEach((p, i) => {
    releaseMovablePage(m, p);
    m.vmap.delete(b.va / PAGE_SIZE + i);
  });
  b.live = false;
  touchBuffer(o, b.id);
  o.events.push({ kind: 'free', allocator: 'free_movable', name: b.name, phys: b.pages[0] ?? -1, size: b.allocSize, why: why('folio_put', 'the movable pages are freed; those in the CMA area are free for CMA and for the next movable allocation', 'mm/swap.c') });
}

/** Page frames of [off, off+len) of a buffer. */
function pfnsOf(m: Machine, b: Buffer, off: number, len: number): number[] {
  const out: number[] = [];
  if (len <= 0) return out;
  const first = Math.floor((b.va + off) / PAGE_SIZE);
  const last = Math.floor((b.va + off + len - 1) / PAGE_SIZE);
  for (let v = first; v <= last; v++) {
    const p = physOf(m, b, v * PAGE_SIZE - b.va);
    if (p >= 0) out.push(Math.floor(p / PAGE_SIZE));
  }
  return out;
}

/** `pin_user_pages(…, FOLL_PIN)` without FOLL_LONGTERM: returns the number of pages pinned. */
export function pinPages(m: Machine, b: Buffer, off: number, len: number, o: StepOutcome): number {
  touchBuffer(o, b.id);
  const s = cmaOf(m);
  const pfns = pfnsOf(m, b, off, len);
  for (const pfn of pfns) s.pins[pfn] = (s.pins[pfn] ?? 0) + 1;
  const inCma = pfns.filter((p) => cmaContains(s.area, p)).length;
  o.events.push({ kind: 'cma', op: 'pin', pfn: pfns[0] ?? -1, count: pfns.length, why: why('pin_user_pages', `a short-term pin (no FOLL_LONGTERM): ${inCma} of the ${pfns.length} page(s) are in the CMA area and cannot be migrated until unpinned`, FILE_GUP) });
  return pfns.length;
}

/** `unpin_user_pages`: drop one pin from each page. */
export function unpinPages(m: Machine, b: Buffer, off: number, len: number, o: StepOutcome): void {
  touchBuffer(o, b.id);
  const s = cmaOf(m);
  const pfns = pfnsOf(m, b, off, len);
  let unpinned = 0;
  for (const pfn of pfns) {
    const n = s.pins[pfn] ?? 0;
    if (!n) continue;
    unpinned++;
    if (n === 1) delete s.pins[pfn];
    else s.pins[pfn] = n - 1;
  }
  if (unpinned < pfns.length) observe(o, 'cma/unpin-underflow', `${pfns.length - unpinned} page(s) were not pinned: unpinning them would underflow the page's pin count in the kernel`);
  o.events.push({ kind: 'cma', op: 'unpin', pfn: pfns[0] ?? -1, count: unpinned, why: why('unpin_user_pages', 'the pin is dropped: the pages can be migrated again', FILE_GUP) });
}

// ---------------------------------------------------------------------------
// migration (alloc_contig_range → migrate_pages)

/**
 * Move the movable page at `pfn` to the highest free ordinary page: write
 * back and drop the old page's cache lines, copy the bytes, point the owner's
 * mapping at the new page. False when it cannot move (pinned, or no memory).
 */
function migrateOut(m: Machine, pfn: number, o: StepOutcome): boolean | number {
  const s = cmaOf(m);
  if (cmaPinned(s, pfn)) {
    o.events.push({ kind: 'note', text: `pfn ${hex(pfn)} is pinned`, why: why('alloc_contig_range', 'a pinned page holds an extra reference: migration cannot move it, the range is busy (-EBUSY)', 'mm/page_alloc.c') });
    return false;
  }
  const owner = cmaOwnerOf(s, pfn);
  const b = owner >= 0 ? m.buffers[owner] : undefined;
  const oldPhys = pfn * PAGE_SIZE;
  const idx = b ? b.pages.indexOf(oldPhys) : -1;
  if (!b || idx < 0) return true;
  const to = allocHighest(m.free, PAGE_SIZE, PAGE_SIZE, m.config.ram);
  if (to < 0) return false;
  evictRange(m.cache, m.ram, oldPhys, PAGE_SIZE, o.events);
  ramCopy(m.ram, to, oldPhys, PAGE_SIZE);
  b.pages[idx] = to;
  m.vmap.set(b.va / PAGE_SIZE + idx, to);
  s.owner[pfn - s.area.basePfn] = -1;
  for (const r of mappingsOfBuffer(m, b.id)) {
    const first = r.phys;
    const last = r.phys + r.size;
    if (first < oldPhys + PAGE_SIZE && last > oldPhys) {
      observe(o, 'cma/migrated-while-mapped', `page ${hex(oldPhys)} of '${b.name}' was migrated while mapped for ${r.dev} (line ${r.line}) without a pin: the device still reaches the old page, which now belongs to the CMA allocation`);
    }
  }
  return to / PAGE_SIZE;
}

/** `cma_alloc` on the machine's area with migration; the failure lines as this kernel prints them. */
function cmaAllocMigrating(m: Machine, count: number, align: number, noWarn: boolean, fn: string, o: StepOutcome): number {
  const s = cmaOf(m);
  if (!s.area.count || !count) return -1;
  const r = cmaAlloc(
    s.area,
    count,
    align,
    (pfn) => cmaOwnerOf(s, pfn) >= 0 || cmaPinned(s, pfn),
    (pfn) => migrateOut(m, pfn, o),
    { noWarn: true, kernel: m.kernel },
  );
  const busy = r.events.some((e) => e.kind === 'cma' && e.op === 'busy_retry');
  o.events.push(...r.events);
  // the "PFNs busy" lines are already among r.events (one per busy candidate): the step's warnings only
  for (const text of r.busyLines) o.warnings.push(text);
  if (r.pfn >= 0) return r.pfn;
  const ret = m.kernel >= CMA_GATES.multiRange.code || busy ? EBUSY : ENOMEM;
  if (!noWarn) {
    const lines = cmaFailLines(m, count, ret);
    for (const line of lines) {
      o.warnings.push(line.text);
      o.events.push({ kind: 'log', ...line });
    }
  }
  o.events.push({ kind: 'note', text: `${fn} failed`, why: why(fn, ret === EBUSY ? 'every aligned candidate was allocated already or held a page that could not be migrated: -EBUSY' : `no aligned run of free bits was found: -ENOMEM (before ${CMA_GATES.multiRange.from} ret started at -ENOMEM)`) });
  return -1;
}

/** The kernel's failure lines for this version (mm/cma.c `pr_err_ratelimited`, `cma_debug_show_areas`). */
export function cmaFailLines(m: Machine, count: number, ret: number): LogLine[] {
  const area = cmaOf(m).area;
  return [...cmaAllocFailedLine(area, count, ret, m.kernel), ...cmaDebugShowAreas(area, m.kernel)];
}

// ---------------------------------------------------------------------------
// the DMA layer's entry points

/** `dma_alloc_from_contiguous(dev, count, align, false)`: a buffer over the pages, or null. */
export function dmaAllocFromContiguous(m: Machine, dev: Device, name: string, count: number, align: number, o: StepOutcome): Buffer | null {
  const capped = Math.min(align, CMA_ALIGNMENT);
  if (capped !== align) o.events.push({ kind: 'note', text: `align ${align} capped at ${CMA_ALIGNMENT}`, why: why('dma_alloc_from_contiguous', 'align > CONFIG_CMA_ALIGNMENT is reduced to CONFIG_CMA_ALIGNMENT (8: 1 MiB with 4 KiB pages)') });
  if (!cmaOf(m).area.count) {
    o.events.push({ kind: 'note', text: 'no CMA area', why: why('cma_alloc', 'cma=0: dev_get_cma_area() is NULL and cma_alloc returns NULL', 'mm/cma.c') });
    return null;
  }
  const pfn = cmaAllocMigrating(m, count, capped, false, 'dma_alloc_from_contiguous', o);
  if (pfn < 0) return null;
  const phys = pfn * PAGE_SIZE;
  const b: Buffer = { id: m.buffers.length, name, kind: 'cma', va: LINEAR_BASE + phys, size: count * PAGE_SIZE, phys, pages: [], allocSize: count * PAGE_SIZE, uncached: false, live: true, step: m.step, dev: dev.name };
  m.buffers.push(b);
  o.events.push({ kind: 'alloc', allocator: 'dma_alloc_from_contiguous', name, va: b.va, phys, size: b.size, zone: zoneName(m, phys), why: why('dma_alloc_from_contiguous', `${count} contiguous page(s) at the first free candidate aligned to 2^${capped} pages; CMA does not zero them`) });
  return b;
}

/** `dma_release_from_contiguous(dev, pages, count)` → `cma_release`: false when the pages are not in the area. */
export function dmaReleaseFromContiguous(m: Machine, b: Buffer, count: number, o: StepOutcome): boolean {
  const s = cmaOf(m);
  const phys = b.phys >= 0 ? b.phys : (b.pages[0] ?? -1);
  if (phys < 0 || !s.area.count) return false;
  const r = cmaRelease(s.area, phys / PAGE_SIZE, count);
  for (const e of r.events) o.events.push(e);
  if (!r.ok) {
    o.events.push({ kind: 'note', text: 'not CMA pages', why: why('dma_release_from_contiguous', 'cma_release returns false for pages outside the area: the caller must free them with __free_pages') });
    return false;
  }
  if (r.notAllocated) observe(o, 'cma/not-from-cma', `${r.notAllocated} of the ${count} page(s) were not allocated from CMA: the kernel would free them a second time`);
  if (b.kind === 'cma' && b.live) {
    if (count * PAGE_SIZE < b.size) observe(o, 'cma/partial-release', `only ${count} of the ${b.size / PAGE_SIZE} page(s) of '${b.name}' were released`);
    else {
      b.live = false;
      touchBuffer(o, b.id);
    }
  }
  o.events.push({ kind: 'free', allocator: 'dma_release_from_contiguous', name: b.name, phys, size: count * PAGE_SIZE, why: why('dma_release_from_contiguous', 'cma_release: the pages are freed and their bitmap bits cleared') });
  return true;
}

/**
 * `dma_alloc_contiguous(dev, size, gfp)` for dma-direct: the physical address
 * of `size` bytes from the default area, or -1 when CMA is not used or fails
 * (the caller then falls back to the page allocator).
 */
export function dmaAllocContiguous(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): number {
  void dev;
  const canBlock = !gfp.includes('GFP_ATOMIC') && !gfp.includes('GFP_NOWAIT');
  if (!cmaOf(m).area.count) return -1;
  // before 5.3 (bd2e75633c80) dma-direct called dma_alloc_from_contiguous for any blocking allocation, single pages included
  const singlePageToo = m.kernel < DIRECT_GATES.cmaSinglePage.code && canBlock;
  if (!singlePageToo && !dmaContiguousEligible(size, canBlock, false)) {
    // before 5.3 (b1d2dc009dec) dma-direct checked gfpflags_allow_blocking itself; after, dma_alloc_contiguous decides
    const decider = m.kernel < DIRECT_GATES.contiguousHelpers.code ? { fn: '__dma_direct_alloc_pages', file: dmaFile(m.kernel, 'kernel/dma/direct.c') } : kernelName(m.kernel, 'cmaDirectAlloc');
    o.events.push({
      kind: 'note',
      text: 'not from CMA',
      why: why(decider.fn, canBlock ? 'a single page never comes from the default CMA area: it is always contiguous, and using CMA for it would only fragment the area' : 'CMA may migrate pages and sleep: it is never used when the GFP flags do not allow blocking', decider.file),
    });
    return -1;
  }
  const align = cmaAlignForSize(size);
  // named after dma-direct's entry of the era: cma_alloc_aligned() is a later static helper of dma_alloc_contiguous()
  const pfn = cmaAllocMigrating(m, size / PAGE_SIZE, align, gfp.includes('__GFP_NOWARN'), kernelName(m.kernel, 'cmaDirectAlloc').fn, o);
  return pfn < 0 ? -1 : pfn * PAGE_SIZE;
}

/** `dma_free_contiguous`: true when the range was CMA's (released there); false: the caller frees it to the buddy allocator. */
export function dmaFreeContiguous(m: Machine, phys: number, size: number, o: StepOutcome): boolean {
  const s = cmaOf(m);
  if (!s.area.count || !cmaContains(s.area, phys / PAGE_SIZE)) return false;
  const r = cmaRelease(s.area, phys / PAGE_SIZE, Math.ceil(size / PAGE_SIZE));
  for (const e of r.events) o.events.push(e);
  return r.ok;
}

/**
 * The CMA-first half of dma-direct's `__dma_direct_alloc_pages`:
 * `dma_alloc_contiguous`, and if the pages are not `dma_coherent_ok` for the
 * device (above its coherent mask or bus limit) `dma_free_contiguous` again.
 * Returns the physical address, or -1 when the caller must fall back to the
 * page allocator (`alloc_pages_node`).
 */
export function dmaDirectAllocFromCma(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): number {
  const phys = dmaAllocContiguous(m, dev, size, gfp, o);
  if (phys < 0) return -1;
  // dma_coherent_ok(): the bus limit counts from DIRECT_GATES.overflowBusMask (direct.ts coherentLimit)
  const limit = coherentLimit(m, dev);
  if (phys + size - 1 > limit) {
    dmaFreeContiguous(m, phys, size, o);
    o.events.push({ kind: 'note', text: 'CMA pages out of reach', why: why('__dma_direct_alloc_pages', `the CMA pages end above what ${dev.name} can address (dma_coherent_ok fails): they go back to CMA and the page allocator is tried`, 'kernel/dma/direct.c') });
    return -1;
  }
  const cma = kernelName(m.kernel, 'cmaDirectAlloc');
  o.events.push({ kind: 'note', text: `from CMA at ${hex(phys)}`, why: why(cma.fn, m.kernel < DIRECT_GATES.cmaSinglePage.code
    ? `a blocking allocation (any size before ${DIRECT_GATES.cmaSinglePage.from}): dma-direct takes the ${size / PAGE_SIZE} page(s) from the default CMA area (cma_alloc, aligned to 2^${cmaAlignForSize(size)} pages)`
    : `more than one page and a blocking allocation: dma-direct takes the ${size / PAGE_SIZE} pages from the default CMA area (cma_alloc_aligned, aligned to 2^${cmaAlignForSize(size)} pages)`, cma.file) });
  return phys;
}

/** dma-direct's free of a contiguous block: `dma_free_contiguous` → `cma_release`, else `__free_pages` (here `freeBuffer`). */
export function dmaDirectFreeBuffer(m: Machine, b: Buffer, allocator: string, fn: string, o: StepOutcome, file = dmaFile(m.kernel, 'kernel/dma/direct.c')): void {
  if (b.phys >= 0 && inCmaArea(m, b.phys) && dmaFreeContiguous(m, b.phys, b.allocSize, o)) {
    b.live = false;
    touchBuffer(o, b.id);
    o.events.push({ kind: 'free', allocator, name: b.name, phys: b.phys, size: b.allocSize, why: { ...kernelName(m.kernel, 'cmaDirectFree'), rule: 'the pages came from the CMA area: cma_release clears their bits; movable allocations may borrow them again' } });
    return;
  }
  // `fn` is the caller's: dma_direct_free / dma_direct_free_pages by default (kernel/dma/direct.c, lib/ before 4.18)
  freeBuffer(m, b, allocator, fn, o, file);
}

/** Does this physical address lie in the CMA area? */
export function inCmaArea(m: Machine, phys: number): boolean {
  const s = cmaOf(m);
  return s.area.count > 0 && cmaContains(s.area, Math.floor(phys / PAGE_SIZE));
}

// ---------------------------------------------------------------------------
// the CMA view (a plain projection for snapshots; reads only)

export interface CmaView {
  name: string;
  base: number;
  pages: number;
  available: number;
  /** Runs of pages allocated by CMA (bitmap bits set), as physical ranges. */
  allocated: Array<{ phys: number; pages: number }>;
  /** Pages lent to movable buffers: physical address and the buffer's name. */
  borrowed: Array<{ phys: number; owner: string }>;
  /** Pinned pages anywhere in memory, with their pin counts. */
  pinned: Array<{ phys: number; count: number; inCma: boolean }>;
}

export function cmaView(m: Machine): CmaView {
  const s = cmaOf(m);
  const a = s.area;
  const allocated: CmaView['allocated'] = [];
  for (let i = 0; i < a.count; ) {
    if (!a.bitmap[i]) {
      i++;
      continue;
    }
    const start = i;
    while (i < a.count && a.bitmap[i]) i++;
    allocated.push({ phys: (a.basePfn + start) * PAGE_SIZE, pages: i - start });
  }
  const borrowed: CmaView['borrowed'] = [];
  for (let i = 0; i < a.count; i++) {
    const id = s.owner[i]!;
    if (id >= 0) borrowed.push({ phys: (a.basePfn + i) * PAGE_SIZE, owner: m.buffers[id]?.name ?? '?' });
  }
  const pinned = Object.keys(s.pins)
    .map(Number)
    .sort((x, y) => x - y)
    .map((pfn) => ({ phys: pfn * PAGE_SIZE, count: s.pins[pfn]!, inCma: cmaContains(a, pfn) }));
  return { name: a.name, base: a.basePfn * PAGE_SIZE, pages: a.count, available: a.availableCount, allocated, borrowed, pinned };
}
