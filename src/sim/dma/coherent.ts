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
import { archOps, hasZoneDma32, zoneName, zoneTop, type ArchOps } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine } from '../machine.ts';
import { cpuMemset, getOrder } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { coherentGfpZone, coherentLimit, coherentZoneLimit, dmaNoopOps } from './direct.ts';
import { pageAlign } from '../align.ts';
import type { DmaAllocated } from './map-ops.ts';
import { dmaDirectAllocFromCma, dmaDirectFreeBuffer } from './contiguous-ops.ts';
import { hex } from '../format.ts';
import { ARCH_GATES, dmaFile, since } from '../kernel-versions.ts';

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
function allocPages(m: Machine, dev: Device, size: number, gfp: readonly string[], o: StepOutcome): { alloc: number; order: number; limit: number; phys: number; allocSize: number; failed?: string; failedWhy?: { fn: string; file: string } } {
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const limit = coherentZoneLimit(m, dev);
  const block = PAGE_SIZE * 2 ** order;
  // riscv 4.15: dma_noop_alloc() is __get_free_pages() alone, no CMA (ARCH_GATES.riscvDmaDirect)
  const cma = dmaNoopOps(m) ? -1 : dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  if (cma >= 0) return { alloc, order, limit, phys: cma, allocSize: alloc };
  const phys = allocHighest(m.free, block, block, limit);
  if (dmaNoopOps(m)) return { alloc, order, limit, phys, allocSize: block };
  return { alloc, order, ...reachRetry(m, dev, size, block, limit, phys, o), allocSize: block };
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
 *   coherentLimit); retry with GFP_DMA32 when ZONE_DMA32 exists, the limit is
 *   under 64 bits and no zone modifier was set yet; then with GFP_DMA when
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
 * Where the pages fail for good, the swiotlb-backed ops of kernels before 4.20
 * took the buffer from the swiotlb pool itself (swiotlb_alloc_coherent's "fall
 * back to swiotlb pool", 4.16's swiotlb_alloc_buffer; arm64 always, riscv from
 * ARCH_GATES.riscvSwiotlb, x86 with swiotlb), until "stop dipping into the swiotlb pool for coherent allocations"
 * in the series that gave arm64 the generic swiotlb ops
 * (ARCH_GATES.arm64GenericSwiotlbOps, 4.20). The explorer does not model that
 * pool allocation: it answers NULL and says so.
 * Simplified: the CMA attempt before the buddy uses dma_coherent_ok()'s test in
 * every era (old x86 applied its off-by-one there too); arm before
 * ARCH_GATES.armDmaDirect is treated like dma-direct (no zone to retry in), where
 * its arm_dma_ops refused a coherent mask not covering RAM before allocating
 * (get_coherent_dma_mask → __dma_supported, arch/arm/mm/dma-mapping.c), so a
 * page that happens to be in reach is handed out where that kernel said NULL.
 */
function reachRetry(m: Machine, dev: Device, size: number, block: number, zoneTop: number, first: number, o: StepOutcome): { limit: number; phys: number; failed?: string; failedWhy?: { fn: string; file: string } } {
  const mask = coherentLimit(m, dev);
  const a = archOps(m.arch);
  const k = m.kernel;
  const oldX86 = m.arch === 'x86' && !since(k, ARCH_GATES.x86DmaDirect);
  const oldArm64 = m.arch === 'arm64' && !since(k, ARCH_GATES.arm64ZoneDma32);
  // dma_coherent_ok(); old x86's "addr + size > dma_mask" refuses one byte more
  const ok = (p: number): boolean => p >= 0 && (oldX86 ? p + size <= mask : p + size - 1 <= mask);
  if (first < 0 || ok(first)) return { limit: zoneTop, phys: first };
  freeRange(m.free, first, block);
  const zone = coherentGfpZone(m, dev);
  const hasDma = a.zoneDmaBits(k) !== null;
  const oldArm = m.arch === 'arm' && !since(k, ARCH_GATES.armDmaDirect);
  const fn = oldX86 ? 'dma_generic_alloc_coherent' : oldArm64 ? 'swiotlb_alloc_coherent' : oldArm ? '__dma_alloc' : '__dma_direct_alloc_pages';
  const file = oldX86 ? 'arch/x86/kernel/pci-dma.c' : oldArm64 ? 'lib/swiotlb.c' : oldArm ? 'arch/arm/mm/dma-mapping.c' : dmaFile(k, FILE);
  const tried: string[] = [`${zoneLabel(a, k, zone)} at ${hex(first)}`];
  let top = zoneTop;
  const attempt = (z: 'GFP_DMA' | 'GFP_DMA32' | null, test: (p: number) => boolean, what: string): number => {
    top = z === null ? m.config.ram : zoneTopOf(m, z);
    const p = allocHighest(m.free, block, block, top);
    tried.push(`${what} ${p >= 0 ? `at ${hex(p)}` : '(no free block)'}`);
    if (p >= 0 && test(p)) {
      o.events.push({ kind: 'note', text: `retried: ${what}`, why: { fn, file, rule: `${tried.slice(0, -1).join(', then ')} ends above ${dev.name}'s coherent limit ${hex(mask)}, so it was freed; ${what} at ${hex(p)} is within it` } });
      return p;
    }
    if (p >= 0) freeRange(m.free, p, block);
    return -1;
  };
  if (!oldX86 && !oldArm64 && zone === null && hasZoneDma32(a, k) && mask < 2 ** 64 - 1) {
    const p = attempt('GFP_DMA32', ok, 'the GFP_DMA32 retry');
    if (p >= 0) return { limit: top, phys: p };
  }
  if (!oldArm64 && hasDma && zone !== 'GFP_DMA' && mask < 2 ** 32 - 1) {
    const p = attempt('GFP_DMA', ok, 'the GFP_DMA retry');
    if (p >= 0) return { limit: top, phys: p };
  }
  // swiotlb_dma_ops' allocator (pool fallback) before 4.20: arm64 always, riscv from its swiotlb, x86 with swiotlb (RAM above 4 GiB)
  const swiotlbOps =
    m.layout.swiotlbSize > 0 &&
    k < ARCH_GATES.arm64GenericSwiotlbOps.code &&
    (m.arch === 'arm64' || (m.arch === 'riscv' && since(k, ARCH_GATES.riscvSwiotlb)) || (m.arch === 'x86' && m.config.ram > 2 ** 32));
  if (oldX86 && swiotlbOps) {
    // x86_swiotlb_alloc_coherent → swiotlb_alloc_coherent: __get_free_pages(flags) with the zone of the first try
    const p = attempt(zone, (q) => q + size - 1 <= mask, "swiotlb_alloc_coherent's own page (x86_swiotlb_alloc_coherent's fallback, checked without the off-by-one)");
    if (p >= 0) return { limit: top, phys: p };
  }
  const noDma = hasDma ? '' : `; ${m.arch}${m.arch === 'arm64' ? ` ${m.config.kernel}` : ''} has no ZONE_DMA for a GFP_DMA retry`;
  const pool = swiotlbOps ? '; this kernel\'s swiotlb ops would now take the buffer from the swiotlb pool (swiotlb_alloc_coherent\'s "fall back to swiotlb pool"), which the explorer does not model' : '';
  const test = oldX86 ? (swiotlbOps ? '"addr + size > dma_mask", then "dev_addr + size - 1 > dma_mask"' : '"addr + size > dma_mask"') : oldArm64 ? '"dev_addr + size - 1 > dma_mask"' : 'dma_coherent_ok fails';
  // arm_dma_ops refuse such a mask before allocating (get_coherent_dma_mask → __dma_supported: "Coherent DMA mask … covers a smaller range of system memory than the DMA zone"): NULL as well
  const armOps = oldArm ? `; ${m.arch} ${m.config.kernel}'s arm_dma_ops refuse a coherent mask that does not cover RAM before allocating (get_coherent_dma_mask → __dma_supported), not modelled: the answer is NULL there too` : '';
  return { limit: top, phys: -1, failedWhy: { fn, file }, failed: `${tried.join(', then ')} — none ends within ${dev.name}'s coherent limit ${hex(mask)} (${oldArm ? 'the page is out of reach' : test})${noDma}: NULL${pool}${armOps}` };
}

/** The top of the zone a modifier asks for on this machine (gfp_zone through zoneTop). */
function zoneTopOf(m: Machine, z: 'GFP_DMA' | 'GFP_DMA32'): number {
  return zoneTop(archOps(m.arch), m.kernel, m.config.ram, z);
}

/** A zone modifier and the zone it means on this architecture and kernel. */
function zoneLabel(a: ArchOps, kernel: number, zone: 'GFP_DMA' | 'GFP_DMA32' | null): string {
  if (zone === 'GFP_DMA') return a.zoneDmaBits(kernel) === null ? `the GFP_DMA page (no ZONE_DMA on ${a.name}: ZONE_NORMAL)` : 'the GFP_DMA page';
  if (zone === 'GFP_DMA32') return hasZoneDma32(a, kernel) ? 'the GFP_DMA32 page' : `the GFP_DMA32 page (no ZONE_DMA32 on ${a.name} here: ZONE_NORMAL)`;
  return 'the page with no zone modifier';
}

type Pages = ReturnType<typeof allocPages>;

/**
 * No pages: NULL, and why — the device could not reach any page (the era's
 * retries, reachRetry), or, where `sayNoMemory`, that no block was free.
 */
function allocFailed(p: Pages, sayNoMemory: boolean, o: StepOutcome): null {
  o.error = 'NULL';
  if (p.failed) o.events.push({ kind: 'note', text: 'out of reach', why: { fn: '__dma_direct_alloc_pages', file: FILE, ...p.failedWhy, rule: p.failed } });
  else if (sayNoMemory) o.events.push({ kind: 'note', text: 'no memory', why: { fn: '__dma_direct_alloc_pages', file: FILE, rule: `no free order-${p.order} block below ${hex(p.limit)}` } });
  return null;
}

/** dma_direct_alloc(): pages below the coherent mask (CMA first); an uncached alias for a non-coherent device. */
export function directAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const pages = allocPages(m, dev, size, gfp, o);
  const { alloc, order, phys, allocSize } = pages;
  if (phys < 0) return allocFailed(pages, true, o);
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
  const pages = allocPages(m, dev, size, gfp, o);
  const { alloc, order, phys, allocSize } = pages;
  if (phys < 0) return allocFailed(pages, false, o);
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
  if (phys < 0) return allocFailed(pages, false, o);
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
