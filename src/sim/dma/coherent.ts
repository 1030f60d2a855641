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
 * A device behind an IOMMU DMA domain allocates through iommu/dma-iommu.ts
 * (iommu_dma_alloc, dma_common_alloc_pages) instead.
 *
 * CMA first (`__dma_direct_alloc_pages` → `dma_alloc_contiguous`): more than
 * one page with a blocking gfp comes from the default CMA area (contiguous-ops.ts),
 * else — or when CMA fails or is out of the device's reach — the page allocator;
 * the free path releases to CMA when the pages came from there.
 *
 * Simplified: no atomic pools, no NO_KERNEL_MAPPING cookies, no per-device
 * coherent pools.
 */
import type { Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { archOps } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { PAGE_SIZE, zoneOf } from '../hw/memory.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine } from '../machine.ts';
import { cpuMemset, getOrder } from '../mm/buffers.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { debugMap, debugUnmap, type DmaDir } from './debug.ts';
import { coherentZoneLimit, pageAlign } from './direct.ts';
import { report } from './mapping.ts';
import { trackMapping, untrackMapping } from './tracking.ts';
import { dmaDirectAllocFromCma, dmaDirectFreeBuffer } from './contiguous-ops.ts';
import { devUsesDmaIommu } from '../iommu/iommu.ts';
import { armIommuAllocAttrs, armIommuFreeAttrs, armIommuMapping } from '../arch/arm-dma-iommu.ts';
import { iommuDmaAllocCoherent, iommuDmaAllocNoncoherent, iommuDmaFreeCoherent, iommuDmaFreeNoncoherent } from '../iommu/dma-iommu.ts';

const FILE = 'kernel/dma/direct.c';

function newDmaBuffer(m: Machine, name: string, kind: 'coherent' | 'noncoherent', va: number, size: number, phys: number, allocSize: number, dev: Device): Buffer {
  const b: Buffer = { id: m.buffers.length, name, kind, va, size, phys, pages: [], allocSize, uncached: false, live: true, step: m.step, dev: dev.name, dmaAddr: phys };
  m.buffers.push(b);
  return b;
}

/** Reserve vmalloc address space mapping the contiguous block at `phys` (dma_common_contiguous_remap). */
function remap(m: Machine, phys: number, size: number): number {
  const va = m.vmallocNext;
  m.vmallocNext += size + PAGE_SIZE;
  for (let i = 0; i < size / PAGE_SIZE; i++) m.vmap.set(va / PAGE_SIZE + i, phys + i * PAGE_SIZE);
  return va;
}

export function dmaAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): Buffer | null {
  if (devUsesDmaIommu(m, dev)) return iommuDmaAllocCoherent(m, dev, name, size, o, gfp);
  const arm = armIommuMapping(m, dev);
  if (arm) return armIommuAllocAttrs(m, dev, arm, name, size, o);
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const limit = coherentZoneLimit(m, dev);
  const cma = dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  const phys = cma >= 0 ? cma : allocHighest(m.free, PAGE_SIZE * 2 ** order, PAGE_SIZE * 2 ** order, limit);
  const allocSize = cma >= 0 ? alloc : PAGE_SIZE * 2 ** order;
  if (phys < 0) {
    o.error = 'NULL';
    o.events.push({ kind: 'note', text: 'no memory', why: { fn: '__dma_direct_alloc_pages', file: FILE, rule: `no free order-${order} block below 0x${limit.toString(16)}` } });
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
  o.events.push({
    kind: 'alloc',
    allocator: 'dma_alloc_coherent',
    name,
    va: b.va,
    phys,
    size: alloc,
    zone: zoneOf(phys),
    why: {
      fn: 'dma_direct_alloc',
      file: FILE,
      rule: dev.coherent
        ? `${m.arch === 'x86' ? 'on x86 every device is coherent, so' : 'the device is coherent, so'} the memory is ordinary cached memory; CPU and device see the same bytes without any sync`
        : 'the device is not coherent: the kernel alias is cleaned (arch_dma_prep_coherent) and the CPU gets an uncached alias (dma_common_contiguous_remap), so CPU stores reach RAM directly',
    },
  });
  cpuMemset(m, b, 0, 0, alloc > size ? size : alloc, o);
  report(debugMap(m.debug, { dev: dev.name, devAddr: phys, size, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', paddr: phys, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: b.va, mapErr: 'n/a', step: m.step }, true), o);
  trackMapping(m, { dev: dev.name, addr: phys, size: alloc, dir: 'DMA_BIDIRECTIONAL', api: 'coherent', phys, tlbAddr: -1, bufId: b.id, owner: 'device', step: m.step, line: m.line });
  o.result = phys;
  o.resultKind = 'addr';
  return b;
}

export function dmaFreeCoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void {
  if (devUsesDmaIommu(m, dev)) return iommuDmaFreeCoherent(m, dev, size, cpu, addr, o);
  const arm = armIommuMapping(m, dev);
  if (arm) return armIommuFreeAttrs(m, dev, arm, size, cpu, addr, o);
  report(debugUnmap(m.debug, { dev: dev.name, devAddr: addr, size, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: cpu?.va ?? 0, cpuPaddr: cpu && cpu.phys >= 0 ? cpu.phys : undefined }), o);
  untrackMapping(m, dev.name, addr);
  if (cpu && cpu.live && cpu.kind === 'coherent') {
    if (cpu.uncached) for (let i = 0; i < cpu.allocSize / PAGE_SIZE; i++) m.vmap.delete(cpu.va / PAGE_SIZE + i);
    dmaDirectFreeBuffer(m, cpu, 'dma_free_coherent', 'dma_direct_free', o);
  }
}

export function dmaAllocNoncoherent(m: Machine, dev: Device, name: string, size: number, dir: DmaDir, o: StepOutcome, gfp: readonly string[] = []): Buffer | null {
  if (devUsesDmaIommu(m, dev)) return iommuDmaAllocNoncoherent(m, dev, name, size, dir, o, gfp);
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const cma = dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  const phys = cma >= 0 ? cma : allocHighest(m.free, PAGE_SIZE * 2 ** order, PAGE_SIZE * 2 ** order, coherentZoneLimit(m, dev));
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  const b = newDmaBuffer(m, name, 'noncoherent', LINEAR_BASE + phys, size, phys, cma >= 0 ? alloc : PAGE_SIZE * 2 ** order, dev);
  b.order = order;
  return handOutNoncoherent(m, dev, b, { dir, size, alloc, addr: phys }, { fn: 'dma_direct_alloc_pages', file: FILE, rule: 'cacheable memory, zeroed through the cache with no maintenance: the driver moves ownership with dma_sync_single_for_device / _for_cpu' }, o);
}

/**
 * The common tail of dma_alloc_noncoherent (dma-direct and dma-iommu): the
 * pages are zeroed through the cacheable mapping with no maintenance,
 * dma-debug records a noncoherent entry, and the CPU owns the buffer.
 */
export function handOutNoncoherent(m: Machine, dev: Device, b: Buffer, a: { dir: DmaDir; size: number; alloc: number; addr: number }, why: Why, o: StepOutcome): Buffer {
  o.events.push({ kind: 'alloc', allocator: 'dma_alloc_noncoherent', name: b.name, va: b.va, phys: b.phys, size: a.alloc, zone: zoneOf(b.phys), why });
  cpuMemset(m, b, 0, 0, a.alloc, o);
  report(debugMap(m.debug, { dev: dev.name, devAddr: a.addr, size: a.size, type: 'noncoherent', dir: a.dir, paddr: b.phys, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: b.va, mapErr: 'n/a', step: m.step }, true), o);
  trackMapping(m, { dev: dev.name, addr: a.addr, size: a.alloc, dir: a.dir, api: 'noncoherent', phys: b.phys, tlbAddr: -1, bufId: b.id, owner: 'cpu', step: m.step, line: m.line });
  o.result = a.addr;
  o.resultKind = 'addr';
  return b;
}

export function dmaFreeNoncoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, dir: DmaDir, o: StepOutcome): void {
  if (devUsesDmaIommu(m, dev)) return iommuDmaFreeNoncoherent(m, dev, size, cpu, addr, dir, o);
  report(debugUnmap(m.debug, { dev: dev.name, devAddr: addr, size, type: 'noncoherent', dir, cpuAddr: cpu?.va ?? 0, cpuPaddr: cpu && cpu.phys >= 0 ? cpu.phys : undefined }), o);
  untrackMapping(m, dev.name, addr);
  if (cpu && cpu.live && cpu.kind === 'noncoherent') dmaDirectFreeBuffer(m, cpu, 'dma_free_noncoherent', 'dma_direct_free_pages', o);
  else if (!cpu) freeRange(m.free, addr, pageAlign(size));
}
