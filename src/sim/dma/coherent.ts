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
import { archOps, hasZoneDma32, zoneName } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { PAGE_SIZE, SZ_4G } from '../hw/memory.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine } from '../machine.ts';
import { cpuMemset, getOrder } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { coherentGfpZone, coherentLimit, coherentZoneLimit, dmaNoopOps } from './direct.ts';
import { pageAlign } from '../align.ts';
import type { DmaAllocated } from './map-ops.ts';
import { dmaDirectAllocFromCma, dmaDirectFreeBuffer } from './contiguous-ops.ts';
import { hex } from '../format.ts';
import { dmaFile } from '../kernel-versions.ts';

const FILE = 'kernel/dma/direct.c';

function newDmaBuffer(m: Machine, name: string, kind: 'coherent' | 'noncoherent', va: number, size: number, phys: number, allocSize: number, dev: Device): Buffer {
  const b: Buffer = { id: m.buffers.length, name, kind, va, size, phys, pages: [], allocSize, uncached: false, live: true, step: m.step, dev: dev.name, dmaAddr: phys };
  m.buffers.push(b);
  return b;
}

/** The event of a dma-direct allocation: `size` bytes at `b`'s physical address, in its zone. */
function allocEvent(m: Machine, allocator: string, b: Buffer, size: number, why: Why): SimEvent {
  return { kind: 'alloc', allocator, name: b.name, va: b.va, phys: b.phys, size, zone: zoneName(archOps(m.arch), m.kernel, b.phys), why };
}

/** Reserve vmalloc address space mapping the contiguous block at `phys` (dma_common_contiguous_remap). */
function remap(m: Machine, phys: number, size: number): number {
  const va = m.vmallocNext;
  m.vmallocNext += size + PAGE_SIZE;
  for (let i = 0; i < size / PAGE_SIZE; i++) m.vmap.set(va / PAGE_SIZE + i, phys + i * PAGE_SIZE);
  return va;
}

/**
 * __dma_direct_alloc_pages(): the page-aligned size from CMA first
 * (dma_alloc_contiguous), else an order-sized block from the page allocator
 * below the zone the coherent mask allows; phys is -1 when neither has it.
 */
function allocPages(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): { alloc: number; order: number; limit: number; phys: number; allocSize: number; failed?: string } {
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const limit = coherentZoneLimit(m, dev);
  const block = PAGE_SIZE * 2 ** order;
  // riscv 4.15: dma_noop_alloc() is __get_free_pages() alone, no CMA (ARCH_GATES.riscvDmaDirect)
  const cma = dmaNoopOps(m) ? -1 : dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  if (cma >= 0) return { alloc, order, limit, phys: cma, allocSize: alloc };
  const phys = allocHighest(m.free, block, block, limit);
  if (dmaNoopOps(m) || archOps(m.arch).zoneDmaBits(m.kernel) !== null) return { alloc, order, limit, phys, allocSize: block };
  return { alloc, order, ...buddyWithoutZoneDma(m, dev, block, limit, phys), allocSize: block };
}

/**
 * The buddy half of __dma_direct_alloc_pages() on an architecture without
 * ZONE_DMA (riscv): the page from the zone coherentZoneLimit picked must pass
 * dma_coherent_ok() (its last byte within min_not_zero(coherent_dma_mask,
 * bus_dma_limit)); if it does not, it is freed and the allocation retried with
 * GFP_DMA32 — only when ZONE_DMA32 exists and no zone modifier was set yet —
 * and after that "if (IS_ENABLED(CONFIG_ZONE_DMA) && !(gfp & GFP_DMA))", which
 * riscv never passes: NULL. (kernel/dma/direct.c, the same in 4.16's
 * dma_direct_alloc "goto again" and 6.x's while loop.) Elsewhere the engine
 * keeps its zone-only placement.
 */
function buddyWithoutZoneDma(m: Machine, dev: Device, block: number, zoneTop: number, first: number): { limit: number; phys: number; failed?: string } {
  const mask = coherentLimit(dev);
  const ok = (p: number): boolean => p >= 0 && p + block - 1 <= mask;
  if (first < 0 || ok(first)) return { limit: zoneTop, phys: first };
  freeRange(m.free, first, block);
  const zone = coherentGfpZone(m, dev);
  const a = archOps(m.arch);
  if (zone === null && hasZoneDma32(a, m.kernel)) {
    const top = Math.min(SZ_4G, m.config.ram);
    const again = allocHighest(m.free, block, block, top);
    if (ok(again)) return { limit: top, phys: again };
    if (again >= 0) freeRange(m.free, again, block);
    return { limit: top, phys: -1, failed: `neither the ZONE_NORMAL page at ${hex(first)} nor the GFP_DMA32 retry at ${hex(again)} ends within ${dev.name}'s coherent limit ${hex(mask)} (dma_coherent_ok fails), and ${m.arch} has no ZONE_DMA for the GFP_DMA retry: NULL` };
  }
  const asked = zone === 'GFP_DMA' ? `GFP_DMA (${m.arch} has no ZONE_DMA: ZONE_NORMAL)` : zone === 'GFP_DMA32' ? (hasZoneDma32(a, m.kernel) ? 'GFP_DMA32 (ZONE_DMA32, below 4 GiB)' : 'GFP_DMA32 (no ZONE_DMA32 yet: ZONE_NORMAL)') : 'no zone modifier (no ZONE_DMA32 yet to retry in)';
  return { limit: zoneTop, phys: -1, failed: `the page from ${asked} at ${hex(first)} ends above ${dev.name}'s coherent limit ${hex(mask)} (dma_coherent_ok fails); it is freed, and with the zone modifier already set there is no GFP_DMA32 retry and ${m.arch} has no ZONE_DMA for a GFP_DMA one: NULL` };
}

/** dma_direct_alloc(): pages below the coherent mask (CMA first); an uncached alias for a non-coherent device. */
export function directAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const { alloc, order, limit, phys, allocSize, failed } = allocPages(m, dev, size, gfp, o);
  if (phys < 0) {
    o.error = 'NULL';
    o.events.push({ kind: 'note', text: failed ? 'out of reach' : 'no memory', why: { fn: '__dma_direct_alloc_pages', file: FILE, rule: failed ?? `no free order-${order} block below ${hex(limit)}` } });
    return null;
  }
  let b: Buffer;
  if (!dev.coherent) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) runMaintenance(m, phys, alloc, plan, o);
    b = newDmaBuffer(m, name, 'coherent', remap(m, phys, alloc), size, phys, allocSize, dev);
    b.uncached = true;
  } else {
    b = newDmaBuffer(m, name, 'coherent', LINEAR_BASE + phys, size, phys, allocSize, dev);
  }
  b.order = order;
  o.events.push(
    allocEvent(m, 'dma_alloc_coherent', b, alloc, {
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
export function directFreeCoherent(m: Machine, cpu: Buffer | null, o: StepOutcome): void {
  if (cpu && cpu.live && cpu.kind === 'coherent') {
    if (cpu.uncached) for (let i = 0; i < cpu.allocSize / PAGE_SIZE; i++) m.vmap.delete(cpu.va / PAGE_SIZE + i);
    dmaDirectFreeBuffer(m, cpu, 'dma_free_coherent', 'dma_direct_free', o);
  }
}

/** dma_direct_alloc_pages(): cacheable pages, the DMA address is the physical one. */
export function directAllocNoncoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const { alloc, order, phys, allocSize, failed } = allocPages(m, dev, size, gfp, o);
  if (phys < 0) {
    o.error = 'NULL';
    if (failed) o.events.push({ kind: 'note', text: 'out of reach', why: { fn: '__dma_direct_alloc_pages', file: FILE, rule: failed } });
    return null;
  }
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
  const { alloc, order, phys, allocSize, failed } = allocPages(m, dev, size, gfp, o);
  if (phys < 0) {
    o.error = 'NULL';
    if (failed) o.events.push({ kind: 'note', text: 'out of reach', why: { fn: '__dma_direct_alloc_pages', file: FILE, rule: failed } });
    return null;
  }
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
