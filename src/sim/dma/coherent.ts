/**
 * Coherent and non-coherent allocations through dma-direct:
 * dma_alloc_coherent / dma_free_coherent (`kernel/dma/mapping.c` →
 * dma_direct_alloc in `kernel/dma/direct.c`) and dma_alloc_noncoherent /
 * dma_free_noncoherent (dma_direct_alloc_pages).
 *
 * - The size is PAGE_ALIGNed; the zone comes from the coherent mask.
 * - A non-coherent device gets arch_dma_prep_coherent on the kernel's
 *   cacheable alias (dirty lines removed) and an *uncached* vmap alias
 *   (DMA_DIRECT_REMAP): CPU stores reach RAM with no sync; the memory is
 *   zeroed through that alias.
 * - A coherent device (every device on x86) gets ordinary cached memory.
 * - dma_alloc_noncoherent: cacheable memory zeroed through the cache, with no
 *   maintenance at all: the zeroes may sit in dirty lines until the driver's
 *   first dma_sync_single_for_device.
 *
 * The front door (mapping.ts: dma_alloc_attrs, dma_free_attrs, …) chooses
 * this back end, iommu/dma-iommu.ts (iommu_dma_alloc, dma_common_alloc_pages)
 * or the device's dma_map_ops, then calls the dma-debug hook and records the
 * allocation; these functions only allocate, prepare and free.
 *
 * CMA first (`__dma_direct_alloc_pages` → `dma_alloc_contiguous`): more than
 * one page with a blocking gfp comes from the default CMA area (contiguous-ops.ts),
 * else — or when CMA fails or is out of the device's reach — the page allocator;
 * the free path releases to CMA when the pages came from there.
 *
 * Simplified: no atomic pools, no NO_KERNEL_MAPPING cookies, no per-device
 * coherent pools.
 */
import type { SimEvent, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { archOps, hasZoneDma32, zoneDmaBits, zoneDmaSource, zoneName, zoneTop } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { LINEAR_BASE, maskHex, type Buffer, type Device, type Machine } from '../machine.ts';
import { MAX_PAGE_ORDER, cpuMemset, getOrder } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { arm64RamBeyondDmaLimit, coherentGfpZone, coherentLimit, coherentZoneLimit, dmaNoopOps, noForce, swiotlbDmaOps } from './direct.ts';
import { isSwiotlbBuffer, tblMapSingle, tblUnmapSingle } from './swiotlb.ts';
import { printk } from '../kernel-log/printk.ts';
import { who } from '../kernel-log/catalogue.ts';
import { observe } from '../observe.ts';
import { touchBuffer } from '../outcome.ts';
import { pageAlign } from '../align.ts';
import type { DmaAllocated } from './map-ops.ts';
import { cmaOf, dmaAllocContiguous, dmaDirectAllocFromCma, dmaDirectFreeBuffer } from './contiguous-ops.ts';
import { hex, hex16, sizeExact } from '../format.ts';
import { ARCH_GATES, DIRECT_GATES, SWIOTLB_GATES, dmaFile, since } from '../kernel-versions.ts';

const FILE = 'kernel/dma/direct.c';

function newDmaBuffer(m: Machine, name: string, kind: 'coherent' | 'noncoherent', va: number, size: number, phys: number, allocSize: number, dev: Device): Buffer {
  const b: Buffer = { id: m.buffers.length, name, kind, va, size, phys, pages: [], allocSize, uncached: false, live: true, step: m.step, dev: dev.name, dmaAddr: phys };
  m.buffers.push(b);
  return b;
}

/** The event of a dma-direct allocation: `size` bytes at `b`'s physical address, in its zone. */
function allocEvent(m: Machine, allocator: string, b: Buffer, size: number, why: Why): SimEvent {
  return { kind: 'alloc', allocator, name: b.name, va: b.va, phys: b.phys, size, zone: zoneName(m, b.phys), why };
}

/** Reserve vmalloc address space mapping the contiguous block at `phys` (dma_common_contiguous_remap). */
function remap(m: Machine, phys: number, size: number): number {
  const va = m.vmallocNext;
  m.vmallocNext += size + PAGE_SIZE;
  for (let i = 0; i < size / PAGE_SIZE; i++) m.vmap.set(va / PAGE_SIZE + i, phys + i * PAGE_SIZE);
  return va;
}

/** What one way of getting pages gave: the address (-1: none) and, on failure, the note that says why. */
interface PageTry {
  phys: number;
  failed?: string;
  failedWhy?: { fn: string; file: string };
  /** The note's label (default 'out of reach'). */
  failedNote?: string;
  /** Nothing is tried after this failure (arm64's CMA-only path): no swiotlb pool either. */
  final?: true;
}

/**
 * __dma_direct_alloc_pages(): the page-aligned size from CMA first
 * (dma_alloc_contiguous), else an order-sized block from the page allocator
 * below the zone the coherent mask allows; phys is -1 when neither has it.
 */
function allocPages(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): PageTry & { alloc: number; order: number; limit: number; allocSize: number } {
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const limit = coherentZoneLimit(m, dev);
  const block = PAGE_SIZE * 2 ** order;
  if (arm64CmaOnly(m, gfp)) return { alloc, order, limit, allocSize: alloc, ...arm64FromCma(m, dev, alloc, gfp, o) };
  // riscv 4.15: dma_noop_alloc() is __get_free_pages() alone, no CMA (ARCH_GATES.riscvDmaDirect)
  const cma = dmaNoopOps(m) ? -1 : dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  if (cma >= 0) return { alloc, order, limit, phys: cma, allocSize: alloc };
  if (order > MAX_PAGE_ORDER) return { alloc, order, limit, allocSize: block, ...orderTooLarge(alloc, order, gfp, o) };
  const phys = allocHighest(m.free, block, block, limit);
  if (dmaNoopOps(m)) return { alloc, order, limit, phys, allocSize: block };
  return { alloc, order, ...reachRetry(m, dev, size, block, limit, phys, o), allocSize: block };
}

/**
 * The page allocator never hands out more than MAX_PAGE_ORDER (4 MiB): a
 * larger coherent buffer that CMA did not give fails in alloc_pages_node()
 * ("WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)", before 6.4 "order >=
 * MAX_ORDER" with MAX_ORDER 11: the same 4 MiB) — silently with __GFP_NOWARN.
 */
function orderTooLarge(alloc: number, order: number, gfp: readonly string[], o: StepOutcome): PageTry {
  if (!gfp.includes('__GFP_NOWARN')) observe(o, 'mm/order-too-large', `dma_alloc_coherent(${alloc}): CMA did not give the buffer, and the page allocator is asked for order ${order}, above MAX_PAGE_ORDER (${MAX_PAGE_ORDER}, 4 MiB): __alloc_pages warns once (a WARNING with a stack trace) and returns NULL`);
  return { phys: -1, failedNote: 'order too large', failedWhy: { fn: '__alloc_pages', file: 'mm/page_alloc.c' }, failed: `${sizeExact(alloc)} needs an order-${order} block and the buddy allocator has none above order ${MAX_PAGE_ORDER} (4 MiB): only CMA gives larger contiguous buffers (cma= on the machine, or a bigger area)` };
}

/**
 * arm64 before ARCH_GATES.arm64ZoneDma32 (4.16, the series that moved it to
 * swiotlb_alloc → dma_direct_alloc): __dma_alloc_coherent()
 * (arch/arm64/mm/dma-mapping.c) takes a blocking allocation from CMA alone —
 * "page = dma_alloc_from_contiguous(dev, size >> PAGE_SHIFT, get_order(size));
 * if (!page) return NULL;" — with no check that the device reaches the pages,
 * and nothing tried after a failure. Non-blocking ones go to
 * swiotlb_alloc_coherent (reachRetry). cma=0 is read as CONFIG_DMA_CMA=n.
 */
function arm64CmaOnly(m: Machine, gfp: readonly string[]): boolean {
  if (m.arch !== 'arm64' || since(m.kernel, ARCH_GATES.arm64ZoneDma32) || !cmaOf(m).area.count) return false;
  return !gfp.includes('GFP_ATOMIC') && !gfp.includes('GFP_NOWAIT');
}

function arm64FromCma(m: Machine, dev: Device, alloc: number, gfp: readonly string[], o: StepOutcome): PageTry {
  const where = { fn: '__dma_alloc_coherent', file: 'arch/arm64/mm/dma-mapping.c' };
  const phys = dmaAllocContiguous(m, dev, alloc, gfp, o);
  if (phys < 0) {
    return { phys, final: true, failedNote: 'no memory', failedWhy: where, failed: `the CMA area has no ${alloc / PAGE_SIZE} free page(s) for this blocking allocation, and arm64 ${m.config.kernel}'s __dma_alloc_coherent returns NULL when dma_alloc_from_contiguous fails: neither the page allocator nor the swiotlb pool is tried` };
  }
  o.events.push({ kind: 'note', text: `from CMA at ${hex(phys)}`, why: { ...where, rule: `a blocking allocation on arm64 ${m.config.kernel}: __dma_alloc_coherent takes every size from the CMA area (dma_alloc_from_contiguous) and hands out its address as it is` } });
  const limit = coherentLimit(m, dev);
  if (phys + alloc - 1 > limit) {
    observe(o, 'dma-direct/unreachable-buffer', `the CMA pages end at ${hex(phys + alloc - 1)}, beyond ${dev.name}'s coherent mask ${hex(limit)}, and arm64 ${m.config.kernel} never checks: dma_alloc_coherent succeeds with a DMA address the device cannot drive (its upper bits are lost on the bus). From ${ARCH_GATES.arm64ZoneDma32.from} dma_direct_alloc gives such pages back (dma_coherent_ok)`);
  }
  return { phys };
}

/**
 * The buddy half of a coherent allocation once the first page is in hand: it
 * must end within the device's coherent limit, else it is freed and the
 * allocation retried in a lower zone, by era:
 * - dma-direct (kernel/dma/direct.c: 4.16's dma_direct_alloc "goto again", 6.x's
 *   __dma_direct_alloc_pages while loop; x86 from ARCH_GATES.x86DmaDirect,
 *   arm64 from 4.16 through swiotlb_alloc → dma_direct_alloc, riscv, arm): the
 *   page must pass dma_coherent_ok() ("phys_to_dma(dev, phys) + size - 1 <=
 *   dev->coherent_dma_mask", the bus limit too from 4.20: direct.ts
 *   coherentLimit); retry with GFP_DMA32 (from DIRECT_GATES.dma32Retry, 4.17)
 *   when ZONE_DMA32 exists, the limit is under 64 bits and no zone modifier
 *   was set yet; then with GFP_DMA when
 *   ZONE_DMA exists, the limit is under 32 bits and GFP_DMA was not set yet
 *   (4.16: "IS_ENABLED(CONFIG_ZONE_DMA) && dev->coherent_dma_mask <
 *   DMA_BIT_MASK(32) && !(gfp & GFP_DMA)"); then NULL.
 * - x86 before x86DmaDirect, dma_generic_alloc_coherent()
 *   (arch/x86/kernel/pci-dma.c): "if (addr + size > dma_mask) { __free_pages…;
 *   if (dma_mask < DMA_BIT_MASK(32) && !(flag & GFP_DMA)) { flag = (flag &
 *   ~GFP_DMA32) | GFP_DMA; goto again; } return NULL; }": no GFP_DMA32 retry,
 *   and a buffer whose last byte is the mask's last address is refused (the
 *   off-by-one 4.16's dma_coherent_ok "fixed vs the x86 code", as the patch
 *   adding it says). With swiotlb (RAM above 4 GiB) x86_swiotlb_alloc_coherent
 *   then calls swiotlb_alloc_coherent(), whose own __get_free_pages() with the
 *   same zone is checked with "dev_addr + size - 1 > dma_mask".
 * - arm64 before ARCH_GATES.arm64ZoneDma32, swiotlb_alloc_coherent()
 *   (lib/swiotlb.c), after arm64's __dma_alloc_coherent() chose GFP_DMA for a
 *   mask of 32 bits or less: "if (dev_addr + size - 1 > dma_mask) {
 *   free_pages…; ret = NULL; }": no retry in another zone.
 * Where the pages fail for good, swiotlb's allocator of kernels before 4.20
 * takes the buffer from the bounce pool (swiotlbAllocBuffer).
 * Simplified: the CMA attempt before the buddy uses dma_coherent_ok()'s test in
 * every era but arm64's before 4.16 (arm64CmaOnly; old x86 applied its
 * off-by-one there too); arm before
 * ARCH_GATES.armDmaDirect is treated like dma-direct (no zone to retry in), where
 * its arm_dma_ops refused a coherent mask not covering RAM before allocating
 * (get_coherent_dma_mask → __dma_supported, arch/arm/mm/dma-mapping.c), so a
 * page that happens to be in reach is handed out where that kernel said NULL.
 */
function reachRetry(m: Machine, dev: Device, size: number, block: number, firstTop: number, first: number, o: StepOutcome): PageTry & { limit: number } {
  const mask = coherentLimit(m, dev);
  const a = archOps(m.arch);
  const k = m.kernel;
  const oldX86 = m.arch === 'x86' && !since(k, ARCH_GATES.x86DmaDirect);
  const oldArm64 = m.arch === 'arm64' && !since(k, ARCH_GATES.arm64ZoneDma32);
  // dma_coherent_ok(); old x86's "addr + size > dma_mask" refuses one byte more
  const ok = (p: number): boolean => p >= 0 && (oldX86 ? p + size <= mask : p + size - 1 <= mask);
  if (first < 0 || ok(first)) return { limit: firstTop, phys: first };
  freeRange(m.free, first, block);
  const zone = coherentGfpZone(m, dev);
  const hasDma = zoneDmaBits(m) !== null;
  const oldArm = m.arch === 'arm' && !since(k, ARCH_GATES.armDmaDirect);
  const { fn, file } = pagesFn(m);
  const tried: string[] = [`${zoneLabel(m, zone)} at ${hex(first)}`];
  let top = firstTop;
  const attempt = (z: 'GFP_DMA' | 'GFP_DMA32' | null, test: (p: number) => boolean, what: string): number => {
    top = zoneTop(m, z);
    const p = allocHighest(m.free, block, block, top);
    tried.push(`${what} ${p >= 0 ? `at ${hex(p)}` : '(no free block)'}`);
    if (p >= 0 && test(p)) {
      o.events.push({ kind: 'note', text: `retried: ${what}`, why: { fn, file, rule: `${tried.slice(0, -1).join(', then ')} ends above ${dev.name}'s coherent limit ${hex(mask)}, so it was freed; ${what} at ${hex(p)} is within it` } });
      return p;
    }
    if (p >= 0) freeRange(m.free, p, block);
    return -1;
  };
  // the GFP_DMA32 retry from DIRECT_GATES.dma32Retry (4.17): dma-direct of 4.16 (arm64, riscv) had only the GFP_DMA one
  if (!oldX86 && !oldArm64 && since(k, DIRECT_GATES.dma32Retry) && zone === null && hasZoneDma32(a, k) && mask < 2 ** 64 - 1) {
    const p = attempt('GFP_DMA32', ok, 'the GFP_DMA32 retry');
    if (p >= 0) return { limit: top, phys: p };
  }
  if (!oldArm64 && hasDma && zone !== 'GFP_DMA' && mask < 2 ** 32 - 1) {
    const p = attempt('GFP_DMA', ok, 'the GFP_DMA retry');
    if (p >= 0) return { limit: top, phys: p };
  }
  const swiotlbOps = swiotlbAllocator(m);
  if (oldX86 && swiotlbOps) {
    // x86_swiotlb_alloc_coherent → swiotlb_alloc_coherent: __get_free_pages(flags) with the zone of the first try
    const p = attempt(zone, (q) => q + size - 1 <= mask, "swiotlb_alloc_coherent's own page (x86_swiotlb_alloc_coherent's fallback, checked without the off-by-one)");
    if (p >= 0) return { limit: top, phys: p };
  }
  const noDma = hasDma ? '' : `; ${m.arch}${m.arch === 'arm64' ? ` ${m.config.kernel}` : ''} has no ZONE_DMA for a GFP_DMA retry`;
  const pool = swiotlbOps ? '; swiotlb\'s allocator falls back to its bounce pool' : '';
  const test = oldX86 ? (swiotlbOps ? '"addr + size > dma_mask", then "dev_addr + size - 1 > dma_mask"' : '"addr + size > dma_mask"') : oldArm64 ? '"dev_addr + size - 1 > dma_mask"' : 'dma_coherent_ok fails';
  // arm_dma_ops refuse such a mask before allocating (get_coherent_dma_mask → __dma_supported: "Coherent DMA mask … covers a smaller range of system memory than the DMA zone"): NULL as well
  const armOps = oldArm ? `; ${m.arch} ${m.config.kernel}'s arm_dma_ops refuse a coherent mask that does not cover RAM before allocating (get_coherent_dma_mask → __dma_supported), not modelled: the answer is NULL there too` : '';
  return { limit: top, phys: -1, failedWhy: { fn, file }, failed: `${tried.join(', then ')} — none ends within ${dev.name}'s coherent limit ${hex(mask)} (${oldArm ? 'the page is out of reach' : test})${noDma}${pool || ': NULL'}${armOps}` };
}

/** The function of this kernel that takes a coherent buffer's pages from the page allocator, and its file. */
function pagesFn(m: Machine): { fn: string; file: string } {
  const k = m.kernel;
  if (m.arch === 'x86' && !since(k, ARCH_GATES.x86DmaDirect)) return { fn: 'dma_generic_alloc_coherent', file: 'arch/x86/kernel/pci-dma.c' };
  if (m.arch === 'arm64' && !since(k, ARCH_GATES.arm64ZoneDma32)) return { fn: 'swiotlb_alloc_coherent', file: 'lib/swiotlb.c' };
  if (m.arch === 'arm' && !since(k, ARCH_GATES.armDmaDirect)) return { fn: '__dma_alloc', file: 'arch/arm/mm/dma-mapping.c' };
  return { fn: '__dma_direct_alloc_pages', file: dmaFile(k, FILE) };
}

/** A zone modifier and the zone it means on this architecture and kernel. */
function zoneLabel(m: Machine, zone: 'GFP_DMA' | 'GFP_DMA32' | null): string {
  const a = archOps(m.arch);
  const kernel = m.kernel;
  if (zone === 'GFP_DMA') {
    if (zoneDmaBits(m) === null) return `the GFP_DMA page (no ZONE_DMA on ${a.name}: ZONE_NORMAL)`;
    const source = zoneDmaSource(m);
    return source ? `the GFP_DMA page (${source})` : 'the GFP_DMA page';
  }
  if (zone === 'GFP_DMA32') return hasZoneDma32(a, kernel) ? 'the GFP_DMA32 page' : `the GFP_DMA32 page (no ZONE_DMA32 on ${a.name} here: ZONE_NORMAL)`;
  return 'the page with no zone modifier';
}

type Pages = ReturnType<typeof allocPages>;

/**
 * No pages: NULL, and why — the device could not reach any page (the era's
 * retries, reachRetry), or, where `sayNoMemory`, that no block was free.
 */
function allocFailed(m: Machine, p: Pages, sayNoMemory: boolean, o: StepOutcome): null {
  o.error = 'NULL';
  explainNoPages(m, p, sayNoMemory, o);
  return null;
}

/** Why no pages: the device could not reach any (the era's retries), or, where `sayNoMemory`, no block was free. */
function explainNoPages(m: Machine, p: Pages, sayNoMemory: boolean, o: StepOutcome): void {
  if (p.failed) o.events.push({ kind: 'note', text: p.failedNote ?? 'out of reach', why: { ...pagesFn(m), ...p.failedWhy, rule: p.failed } });
  else if (sayNoMemory) o.events.push({ kind: 'note', text: 'no memory', why: { ...pagesFn(m), rule: `no free order-${p.order} block below ${hex(p.limit)}` } });
}

/** dma_direct_alloc(): pages below the coherent mask (CMA first); an uncached alias for a non-coherent device. */
export function directAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const pages = allocPages(m, dev, size, gfp, o);
  const { alloc, order, allocSize } = pages;
  // arm64's __dma_alloc() PAGE_ALIGNs the size first; x86 and riscv pass the caller's size to swiotlb
  const poolSize = m.arch === 'arm64' ? alloc : size;
  let phys = pages.phys;
  if (phys < 0) {
    if (pages.final || !swiotlbAllocator(m)) return allocFailed(m, pages, true, o);
    explainNoPages(m, pages, true, o);
    phys = swiotlbAllocBuffer(m, dev, poolSize, gfp, o);
    if (phys < 0) {
      o.error = 'NULL';
      return null;
    }
  }
  const pooled = isSwiotlbBuffer(m, phys);
  let b: Buffer;
  if (!dev.coherent) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) runMaintenance(m, phys, alloc, plan, o);
    b = newDmaBuffer(m, name, 'coherent', remap(m, phys, alloc), size, phys, allocSize, dev);
    b.uncached = true;
  } else {
    b = newDmaBuffer(m, name, 'coherent', LINEAR_BASE + phys, size, phys, allocSize, dev);
  }
  if (!pooled) b.order = order;
  else b.allocSize = poolSize;
  o.events.push(
    allocEvent(m, 'dma_alloc_coherent', b, alloc, pooled ? poolWhy(m, dev) : {
      ...(dmaNoopOps(m) ? { fn: 'dma_noop_alloc', file: 'lib/dma-noop.c' } : { fn: 'dma_direct_alloc', file: dmaFile(m.kernel, FILE) }),
      rule: dmaNoopOps(m)
        ? 'riscv 4.15 has dma_noop_ops: dma_noop_alloc() takes pages with __get_free_pages() from any zone, whatever the coherent mask, and hands out their physical address'
        : dev.coherent
        ? `${m.arch === 'x86' ? 'on x86 every device is coherent, so' : 'the device is coherent, so'} the memory is ordinary cached memory; CPU and device see the same bytes without any sync`
        : 'the device is not coherent: the kernel alias is cleaned (arch_dma_prep_coherent) and the CPU gets an uncached alias (dma_common_contiguous_remap), so CPU stores reach RAM directly',
    }),
  );
  cpuMemset(m, b, 0, 0, alloc > size ? size : alloc, o);
  return { buf: b, addr: phys, paddr: phys, len: alloc };
}

/** dma_direct_free(): the uncached alias goes, the pages return (to CMA when they came from there). */
export function directFreeCoherent(m: Machine, dev: Device, cpu: Buffer | null, o: StepOutcome): void {
  if (cpu && cpu.live && cpu.kind === 'coherent') {
    if (cpu.uncached) for (let i = 0; i < pageAlign(cpu.allocSize) / PAGE_SIZE; i++) m.vmap.delete(cpu.va / PAGE_SIZE + i);
    if (isSwiotlbBuffer(m, cpu.phys)) swiotlbFreeBuffer(m, dev, cpu, o);
    else dmaDirectFreeBuffer(m, cpu, 'dma_free_coherent', 'dma_direct_free', o);
  }
}

/** dma_direct_alloc_pages(): cacheable pages, the DMA address is the physical one. */
export function directAllocNoncoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const pages = allocPages(m, dev, size, gfp, o);
  const { alloc, order, phys, allocSize } = pages;
  if (phys < 0) return allocFailed(m, pages, false, o);
  const b = newDmaBuffer(m, name, 'noncoherent', LINEAR_BASE + phys, size, phys, allocSize, dev);
  b.order = order;
  zeroNoncoherent(m, b, alloc, { fn: 'dma_direct_alloc_pages', file: dmaFile(m.kernel, FILE), rule: 'cacheable memory, zeroed through the cache with no maintenance: the driver moves ownership with dma_sync_single_for_device / _for_cpu' }, o);
  return { buf: b, addr: phys, paddr: phys, len: alloc };
}

/**
 * What dma_alloc_noncoherent does to its pages on both back ends (dma-direct
 * and dma-iommu): zeroed through the cacheable mapping with no maintenance.
 */
export function zeroNoncoherent(m: Machine, b: Buffer, alloc: number, why: Why, o: StepOutcome): void {
  o.events.push(allocEvent(m, 'dma_alloc_noncoherent', b, alloc, why));
  cpuMemset(m, b, 0, 0, alloc, o);
}

/** dma_direct_free_pages(); a free with no CPU pointer returns the pages at the DMA address. */
export function directFreeNoncoherent(m: Machine, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void {
  if (cpu && cpu.live && cpu.kind === 'noncoherent') dmaDirectFreeBuffer(m, cpu, 'dma_free_noncoherent', 'dma_direct_free_pages', o);
  else if (!cpu) freeRange(m.free, addr, pageAlign(size));
}

/** dma_direct_alloc_no_mapping() (DMA_ATTR_NO_KERNEL_MAPPING): pages (not zeroed), the kernel alias cleaned; no CPU mapping. */
export function directAllocNoMapping(m: Machine, dev: Device, name: string, size: number, gfp: readonly string[], o: StepOutcome): DmaAllocated | null {
  const pages = allocPages(m, dev, size, gfp, o);
  const { alloc, order, phys, allocSize } = pages;
  if (phys < 0) return allocFailed(m, pages, false, o);
  // gfp & ~__GFP_ZERO: nothing is zeroed (no CPU mapping to zero through); old bytes stay
  if (!dev.coherent) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) runMaintenance(m, phys, alloc, plan, o);
  }
  const b = newDmaBuffer(m, name, 'coherent', LINEAR_BASE + phys, size, phys, allocSize, dev);
  b.order = order;
  b.noKernelMapping = true;
  o.events.push(
    allocEvent(m, 'dma_alloc_attrs', b, alloc, {
      fn: 'dma_direct_alloc_no_mapping',
      file: FILE,
      rule: `DMA_ATTR_NO_KERNEL_MAPPING: pages allocated with gfp & ~__GFP_ZERO (not zeroed: the old bytes stay)${dev.coherent ? '' : ' whose kernel alias is cleaned (arch_dma_prep_coherent: "remove any dirty cache lines on the kernel alias")'} and no CPU mapping at all: the returned pointer is the struct page, a cookie for dma_free_attrs and dma_mmap_attrs; the device gets DMA address ${hex(phys)}`,
    }),
  );
  return { buf: b, addr: phys, paddr: phys, len: alloc };
}

// ---------------------------------------------------------------------------
// Coherent buffers from the swiotlb pool, before SWIOTLB_GATES.noCoherentPool (4.20)

/**
 * Is the coherent allocator swiotlb's on this machine — its dma_map_ops are
 * swiotlb's (direct.ts swiotlbDmaOps) — so that, before 4.20
 * (SWIOTLB_GATES.noCoherentPool), a buffer no page can give is taken from the
 * bounce pool?
 */
export function swiotlbAllocator(m: Machine): boolean {
  return !since(m.kernel, SWIOTLB_GATES.noCoherentPool) && swiotlbDmaOps(m);
}

/** The function of this kernel that takes a coherent buffer from the pool (SWIOTLB_GATES.coherentAllocBuffer). */
function poolFn(m: Machine, op: 'alloc' | 'free'): { fn: string; file: string } {
  const old = m.kernel < SWIOTLB_GATES.coherentAllocBuffer.code;
  const fn = op === 'alloc' ? (old ? 'swiotlb_alloc_coherent' : 'swiotlb_alloc_buffer') : old ? 'swiotlb_free_coherent' : 'swiotlb_free_buffer';
  return { fn, file: dmaFile(m.kernel, 'kernel/dma/swiotlb.c') };
}

function poolWhy(m: Machine, dev: Device): Why {
  return {
    ...poolFn(m, 'alloc'),
    rule: `no page within ${dev.name}'s coherent mask could be had, so swiotlb's allocator took the buffer from its bounce pool (zeroed): the slots stay in use until dma_free_coherent, and bounce mappings have that much less pool; ${SWIOTLB_GATES.noCoherentPool.from} (${SWIOTLB_GATES.noCoherentPool.commit}) stopped this "for no good reason" depletion`,
  };
}

/**
 * The pool half of swiotlb's coherent allocator, as each era wrote it:
 * - before SWIOTLB_GATES.coherentAllocBuffer (4.16), swiotlb_alloc_coherent():
 *   "map_single(hwdev, 0, size, DMA_FROM_DEVICE, 0)" — with SWIOTLB_NO_FORCE
 *   its "Cannot do DMA to address 0x0000000000000000" line; a full pool's line
 *   whatever __GFP_NOWARN; then printk "hwdev DMA mask = …" (no device) for a
 *   slot out of reach, and every failure ends in pr_warn "swiotlb: coherent
 *   allocation failed for device %s size=%zu" and dump_stack();
 * - 4.16–4.19, swiotlb_alloc_buffer(): SWIOTLB_NO_FORCE goes straight to the
 *   last line; __GFP_NOWARN (DMA_ATTR_NO_WARN) silences the full pool and the
 *   last line; dev_warn "hwdev DMA mask = …", dev_warn "swiotlb: coherent
 *   allocation failed, size=%zu".
 * The slots record original address 0 (orig_addr 0 + i << IO_TLB_SHIFT).
 * arm64 before 4.10 (no SWIOTLB_NO_FORCE) with no pool ends as its streaming
 * maps do (direct.ts swiotlbOpsWithoutPool): a panic, or an oops on io_tlb_list.
 * Returns the slot's address, or -1 (NULL). The stack dump is not printed.
 */
function swiotlbAllocBuffer(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): number {
  const old = m.kernel < SWIOTLB_GATES.coherentAllocBuffer.code;
  const noWarn = !old && gfp.includes('__GFP_NOWARN');
  const by = who(dev.name, dev.cfg.label);
  const { fn, file } = poolFn(m, 'alloc');
  const fail = (): number => {
    if (!noWarn) printk(m, o, 'swiotlb.coherent-failed', { device: by.device, size }, by);
    else o.events.push({ kind: 'note', text: 'no warning: __GFP_NOWARN', why: { fn, file, rule: 'swiotlb_alloc() turns __GFP_NOWARN into DMA_ATTR_NO_WARN, and out_warn prints nothing with it' } });
    return -1;
  };
  if (!m.swiotlb) {
    if (noForce(m)) {
      // map_single()'s SWIOTLB_NO_FORCE test before 4.16; swiotlb_alloc_buffer()'s "goto out_warn" from it
      if (old) printk(m, o, 'swiotlb.cannot-dma', { addr: hex16(0) }, by);
      o.events.push({ kind: 'note', text: 'swiotlb_force = SWIOTLB_NO_FORCE', why: { fn, file, rule: old ? 'the pool fallback goes through map_single(hwdev, 0, …), which refuses to bounce with SWIOTLB_NO_FORCE (the orig address it prints is 0)' : '"if (swiotlb_force == SWIOTLB_NO_FORCE) goto out_warn;": no pool to take the buffer from' } });
      return fail();
    }
    if (m.arch === 'arm64' && !arm64RamBeyondDmaLimit(m)) {
      observe(o, 'swiotlb/no-pool-oops', `before ${SWIOTLB_GATES.noForce.from} arm64 with all RAM inside ZONE_DMA set up no pool and nothing marks it missing: swiotlb_tbl_map_single() reads the NULL io_tlb_list ("Unable to handle kernel NULL pointer dereference"), an oops; the explorer carries on with NULL`);
      o.error = 'BUG';
      return -1;
    }
    tblMapSingle(m, dev, 0, size, 'DMA_FROM_DEVICE', false, noWarn, o);
    return -1;
  }
  const tlb = tblMapSingle(m, dev, 0, size, 'DMA_FROM_DEVICE', false, noWarn, o, {
    fn,
    copy: false,
    rule: `the coherent buffer itself: ${old ? 'map_single(hwdev, 0, size, DMA_FROM_DEVICE, 0)' : 'swiotlb_tbl_map_single(dev, …, 0, size, DMA_FROM_DEVICE, attrs)'} takes slots for original address 0, with no copy; the buffer is then zeroed`,
  });
  if (tlb < 0) return fail();
  if (tlb + size - 1 > coherentLimit(m, dev)) {
    printk(m, o, 'swiotlb.coherent-mask', { mask: maskHex(dev.coherentMaskBits).padStart(16, '0'), addr: hex16(tlb) }, by);
    // "DMA_TO_DEVICE to avoid memcpy in unmap_single"
    tblUnmapSingle(m, dev, tlb, size, 'DMA_TO_DEVICE', true, o);
    return fail();
  }
  return tlb;
}

/** swiotlb_free_coherent / swiotlb_free_buffer: a buffer inside the pool (is_swiotlb_buffer) gives its slots back, with no copy. */
function swiotlbFreeBuffer(m: Machine, dev: Device, b: Buffer, o: StepOutcome): void {
  b.live = false;
  touchBuffer(o, b.id);
  tblUnmapSingle(m, dev, b.phys, b.allocSize, 'DMA_TO_DEVICE', true, o);
  o.events.push({ kind: 'free', allocator: 'dma_free_coherent', name: b.name, phys: b.phys, size: b.allocSize, why: { ...poolFn(m, 'free'), rule: 'the buffer lies in the swiotlb pool (is_swiotlb_buffer): swiotlb_tbl_unmap_single(…, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC) gives its slots back, with no copy' } });
}
