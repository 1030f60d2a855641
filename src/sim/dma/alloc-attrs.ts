/**
 * The DMA allocation calls beside dma_alloc_coherent (`kernel/dma/mapping.c`,
 * `kernel/dma/direct.c`):
 *
 * - `dma_alloc_attrs(dev, size, &h, gfp, attrs)`: dma_alloc_coherent with
 *   attributes. DMA_ATTR_NO_KERNEL_MAPPING (dma-direct's
 *   dma_direct_alloc_no_mapping): the pages are allocated, not zeroed
 *   (`gfp & ~__GFP_ZERO`), the kernel alias is cleaned for a non-coherent device (arch_dma_prep_coherent)
 *   and *no* CPU mapping is made: the returned "address" is a cookie for
 *   dma_free_attrs / dma_mmap_attrs only. DMA_ATTR_WRITE_COMBINE makes the
 *   uncached alias of a non-coherent device write-combining (dma_pgprot).
 * - `dma_alloc_pages(dev, size, &h, dir, gfp)` / `dma_free_pages` (5.10+):
 *   cacheable pages mapped for the device (dma_direct_alloc_pages), owned
 *   and synced like a streaming mapping; dma_alloc_noncoherent is this plus
 *   page_address().
 * - `dma_get_sgtable(dev, sgt, cpu, h, size)`: an sg_table of the pages
 *   behind a coherent allocation (dma_common_get_sgtable: one entry for a
 *   contiguous allocation; iommu_dma_get_sgtable: the remapped pages). The
 *   kernel's own comment: "The whole dma_get_sgtable() idea is fundamentally
 *   unsafe" — mapping those pages with the streaming API maintains the
 *   cacheable alias, not the one the CPU uses. Thread 000: GPU drivers "grab
 *   the sgt to get at the CMA allocations because that's the only way".
 *
 * Simplified: behind dma-iommu NO_KERNEL_MAPPING still allocates as
 * iommu_dma_alloc does and only marks the result unmapped; dma_alloc_pages
 * is recorded by dma-debug as dma_alloc_noncoherent is.
 */
import type { OpRun } from '../operation.ts';
import type { StepOutcome } from '../outcome.ts';
import { argAttrs, argDev, argDir, argFlags, argHandle, argInt, argPtr } from '../args.ts';
import { archOps } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { PAGE_SIZE, zoneOf } from '../hw/memory.ts';
import { LINEAR_BASE, type Buffer, type Device, type Machine, type SgEntry } from '../machine.ts';
import { getOrder, physChunks } from '../mm/buffers.ts';
import { allocHighest } from '../mm/page-alloc.ts';
import { DMA_API_GATES } from '../kernel-versions.ts';
import { debugMap } from './debug.ts';
import { coherentZoneLimit, pageAlign } from './direct.ts';
import { report } from './mapping.ts';
import { trackMapping } from './tracking.ts';
import { dmaDirectAllocFromCma } from './contiguous-ops.ts';
import { dmaAllocCoherent, dmaAllocNoncoherent, dmaFreeCoherent, dmaFreeNoncoherent } from './coherent.ts';
import { devUsesDmaIommu } from '../iommu/iommu.ts';

const FILE = 'kernel/dma/direct.c';

/** dma_direct_alloc_no_mapping(): pages (not zeroed), the kernel alias cleaned; no CPU mapping. */
function allocNoMapping(m: Machine, dev: Device, name: string, size: number, gfp: readonly string[], o: StepOutcome): Buffer | null {
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const cma = dmaDirectAllocFromCma(m, dev, alloc, gfp, o);
  const phys = cma >= 0 ? cma : allocHighest(m.free, PAGE_SIZE * 2 ** order, PAGE_SIZE * 2 ** order, coherentZoneLimit(m, dev));
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  // gfp & ~__GFP_ZERO: nothing is zeroed (no CPU mapping to zero through); old bytes stay
  if (!dev.coherent) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) runMaintenance(m, phys, alloc, plan, o);
  }
  const b: Buffer = { id: m.buffers.length, name, kind: 'coherent', va: LINEAR_BASE + phys, size, phys, pages: [], allocSize: cma >= 0 ? alloc : PAGE_SIZE * 2 ** order, uncached: false, live: true, step: m.step, dev: dev.name, dmaAddr: phys, order, noKernelMapping: true };
  m.buffers.push(b);
  o.events.push({
    kind: 'alloc',
    allocator: 'dma_alloc_attrs',
    name,
    va: b.va,
    phys,
    size: alloc,
    zone: zoneOf(phys),
    why: {
      fn: 'dma_direct_alloc_no_mapping',
      file: FILE,
      rule: `DMA_ATTR_NO_KERNEL_MAPPING: pages allocated with gfp & ~__GFP_ZERO (not zeroed: the old bytes stay)${dev.coherent ? '' : ' whose kernel alias is cleaned (arch_dma_prep_coherent: "remove any dirty cache lines on the kernel alias")'} and no CPU mapping at all: the returned pointer is the struct page, a cookie for dma_free_attrs and dma_mmap_attrs; the device gets DMA address 0x${phys.toString(16)}`,
    },
  });
  report(debugMap(m.debug, { dev: dev.name, devAddr: phys, size, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', paddr: phys, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: b.va, mapErr: 'n/a', step: m.step }, true), o);
  trackMapping(m, { dev: dev.name, addr: phys, size: alloc, dir: 'DMA_BIDIRECTIONAL', api: 'coherent', phys, tlbAddr: -1, bufId: b.id, owner: 'device', step: m.step, line: m.line });
  o.result = phys;
  o.resultKind = 'addr';
  return b;
}

/** `cpu, h = dma_alloc_attrs(dev, size, gfp, attrs)`. */
export function dmaAllocAttrs(m: Machine, dev: Device, name: string, size: number, gfp: readonly string[], attrs: readonly string[], o: StepOutcome): Buffer | null {
  if (attrs.includes('DMA_ATTR_NO_KERNEL_MAPPING')) {
    if (!devUsesDmaIommu(m, dev)) return allocNoMapping(m, dev, name, size, gfp, o);
    const b = dmaAllocCoherent(m, dev, name, size, o, gfp);
    if (b) {
      b.noKernelMapping = true;
      o.events.push({ kind: 'note', text: 'no kernel mapping', why: { fn: 'iommu_dma_alloc', file: 'drivers/iommu/dma-iommu.c', rule: 'DMA_ATTR_NO_KERNEL_MAPPING: the CPU gets no usable mapping; the returned pointer is a cookie for dma_free_attrs and dma_mmap_attrs' } });
    }
    return b;
  }
  const b = dmaAllocCoherent(m, dev, name, size, o, gfp);
  if (b && b.uncached && attrs.includes('DMA_ATTR_WRITE_COMBINE')) {
    b.memType = 'wc';
    o.events.push({ kind: 'note', text: 'write-combining alias', why: { fn: 'dma_pgprot', file: 'kernel/dma/mapping.c', rule: 'DMA_ATTR_WRITE_COMBINE on a non-coherent device: the CPU alias is pgprot_writecombine instead of pgprot_dmacoherent (modelled as uncached)' } });
  }
  return b;
}

/** `sgt = dma_get_sgtable(dev, cpu, h, size)`: the pages behind a coherent allocation. */
export function dmaGetSgtable(m: Machine, dev: Device, name: string, cpu: Buffer, h: number, size: number, o: StepOutcome): number {
  const entries: SgEntry[] = [];
  const len = Math.min(pageAlign(size), cpu.allocSize || pageAlign(size));
  for (const ch of physChunks(m, cpu, 0, len)) {
    const last = entries[entries.length - 1];
    if (last && last.phys + last.length === ch.phys) last.length += ch.len;
    else entries.push({ bufId: cpu.id, offset: ch.at, length: ch.len, phys: ch.phys, dmaAddress: 0, dmaLength: 0 });
  }
  const id = m.sgts.length;
  m.sgts.push({ id, name, entries, nents: 0, mappedFor: null, dir: null });
  const iommu = devUsesDmaIommu(m, dev);
  o.events.push({
    kind: 'note',
    text: `sg_table of ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`,
    why: {
      fn: iommu ? 'iommu_dma_get_sgtable' : 'dma_common_get_sgtable',
      file: iommu ? 'drivers/iommu/dma-iommu.c' : 'kernel/dma/ops_helpers.c',
      rule: `the pages behind '${cpu.name}' (DMA address 0x${h.toString(16)} for ${dev.name}), as an sg_table: ${entries.length === 1 ? 'one contiguous entry' : `${entries.length} runs of pages`}. kernel/dma/mapping.c warns that the whole dma_get_sgtable() idea is fundamentally unsafe: mapping these pages with the streaming API for another device maintains the cacheable linear alias, not the alias the CPU uses${cpu.uncached ? " (here: an uncached one)" : ''}`,
    },
  });
  return id;
}

export const dmaAllocAttrsRun: OpRun<'dev' | 'size' | 'gfp' | 'attrs'> = (m, a, o, c) => {
  const dev = argDev(m, a.dev);
  const b = dmaAllocAttrs(m, dev, c.targets[0] ?? '(coherent)', argInt(m, a.size, 'a size'), argFlags(a.gfp), argFlags(a.attrs), o);
  bind(m, c.targets, dev, b, o);
};

export const dmaFreeAttrsRun: OpRun<'dev' | 'size' | 'cpu' | 'h' | 'attrs'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  argAttrs(a.attrs);
  dmaFreeCoherent(m, dev, argInt(m, a.size, 'a size'), argPtr(m, a.cpu).buf, argHandle(m, a.h), o);
};

export const dmaAllocPagesRun: OpRun<'dev' | 'size' | 'dir' | 'gfp'> = (m, a, o, c) => {
  if (m.kernel < DMA_API_GATES.allocPages.code) {
    const g = DMA_API_GATES.allocPages;
    o.error = 'ENOSYS';
    o.observations.push(`dma_alloc_pages() does not exist in ${m.config.kernel}: it was added in ${g.from} by ${g.commit} ("${g.subject}"); a driver calling it would not build on this kernel`);
    return;
  }
  const dev = argDev(m, a.dev);
  const b = dmaAllocNoncoherent(m, dev, c.targets[0] ?? '(pages)', argInt(m, a.size, 'a size'), argDir(a.dir), o, argFlags(a.gfp ?? { k: 'name', name: 'GFP_KERNEL', loc: c.loc }));
  if (b) {
    for (const e of o.events) if (e.kind === 'alloc' && e.allocator === 'dma_alloc_noncoherent' && e.name === b.name) e.allocator = 'dma_alloc_pages';
  }
  bind(m, c.targets, dev, b, o);
};

export const dmaFreePagesRun: OpRun<'dev' | 'size' | 'page' | 'h' | 'dir'> = (m, a, o) => {
  if (m.kernel < DMA_API_GATES.allocPages.code) {
    o.error = 'ENOSYS';
    o.observations.push(`dma_free_pages() does not exist in ${m.config.kernel} (added in ${DMA_API_GATES.allocPages.from})`);
    return;
  }
  const dev = argDev(m, a.dev);
  dmaFreeNoncoherent(m, dev, argInt(m, a.size, 'a size'), argPtr(m, a.page).buf, argHandle(m, a.h), argDir(a.dir), o);
};

export const dmaGetSgtableRun: OpRun<'dev' | 'cpu' | 'h' | 'size'> = (m, a, o, c) => {
  const dev = argDev(m, a.dev);
  const cpu = argPtr(m, a.cpu).buf;
  const id = dmaGetSgtable(m, dev, c.targets[0] ?? '(sgt)', cpu, argHandle(m, a.h), argInt(m, a.size, 'a size'), o);
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'sgt', id };
  o.result = 0;
  o.resultKind = 'status';
};

function bind(m: Machine, targets: readonly string[], dev: Device, b: Buffer | null, o: StepOutcome): void {
  if (targets[0]) m.names[targets[0]] = { t: 'buf', id: b ? b.id : -1 };
  if (targets[1]) m.names[targets[1]] = { t: 'dma', addr: b ? b.dmaAddr! : 0, dev: dev.name };
  if (!b) o.error = 'NULL';
}
