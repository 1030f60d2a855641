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
 *   behind a coherent allocation (dma-direct's dma_direct_get_sgtable, and
 *   before 5.5 dma_common_get_sgtable or arm32's arm_dma_get_sgtable: one
 *   entry for a contiguous allocation; iommu_dma_get_sgtable and arm32's
 *   arm_iommu_get_sgtable: the remapped pages, contiguous runs merged). The
 *   kernel's own comment: "The whole dma_get_sgtable() idea is fundamentally
 *   unsafe" — mapping those pages with the streaming API maintains the
 *   cacheable alias, not the one the CPU uses. Thread 000: GPU drivers "grab
 *   the sgt to get at the CMA allocations because that's the only way".
 *
 * The allocations themselves go through the front door (mapping.ts:
 * dma_alloc_attrs, dma_free_attrs, dma_alloc_noncoherent, …).
 *
 * Simplified: dma_alloc_pages is recorded by dma-debug as
 * dma_alloc_noncoherent is.
 */
import type { OpRun } from '../operation.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { argAttrs, argDev, argDir, argFlags, argHandle, argInt, argPtr } from '../args.ts';
import type { Buffer, Device, Machine, SgEntry } from '../machine.ts';
import { physChunks } from '../mm/buffers.ts';
import { ARCH_GATES, DIRECT_GATES, DMA_API_GATES, DMA_IOMMU_GATES, since } from '../kernel-versions.ts';
import { ENXIO } from '../errno.ts';
import { pageAlign } from '../align.ts';
import { dmaAllocAttrs, dmaAllocNoncoherent, dmaBackEnd, dmaFreeCoherent, dmaFreeNoncoherent } from './mapping.ts';
import type { DmaBackEnd } from './map-ops.ts';
import { hex } from '../format.ts';
import { apiAvailable } from './queries.ts';
import { armDmaOps } from './direct.ts';

/**
 * The get_sgtable dma_get_sgtable_attrs() reaches for this back end, or null
 * when it returns -ENXIO: dma_map_ops without ->get_sgtable fall back to
 * dma_common_get_sgtable before DMA_API_GATES.getSgtableEnxio (f9f3232a7d0a,
 * 5.4) and get -ENXIO from it on.
 */
function getSgtableImpl(m: Machine, be: DmaBackEnd): { fn: string; file: string } | null {
  if (be === 'iommu') {
    if (m.arch === 'arm64' && !since(m.kernel, DMA_IOMMU_GATES.commonOps)) return { fn: '__iommu_get_sgtable', file: 'arch/arm64/mm/dma-mapping.c' };
    return { fn: 'iommu_dma_get_sgtable', file: 'drivers/iommu/dma-iommu.c' };
  }
  if (be === 'direct') return directGetSgtable(m);
  if (be.getSgtable) return be.getSgtable;
  if (since(m.kernel, DMA_API_GATES.getSgtableEnxio)) return null;
  return commonGetSgtable(m);
}

/** dma_common_get_sgtable as the fallback (before 5.5 only): drivers/base/dma-mapping.c before 4.18, kernel/dma/mapping.c after. */
function commonGetSgtable(m: Machine): { fn: string; file: string } {
  return { fn: 'dma_common_get_sgtable', file: since(m.kernel, DIRECT_GATES.kernelDmaDir) ? 'kernel/dma/mapping.c' : 'drivers/base/dma-mapping.c' };
}

/**
 * What a device without an IOMMU gets, by version: arm32 before its switch to
 * dma-direct has arm_dma_ops (and arm_coherent_dma_ops), whose ->get_sgtable
 * is arm_dma_get_sgtable; elsewhere dma_get_sgtable_attrs() falls back to
 * dma_common_get_sgtable (an ops without ->get_sgtable before 5.0, the
 * dma_is_direct() branch after) until dma-direct got its own override.
 */
function directGetSgtable(m: Machine): { fn: string; file: string } {
  if (armDmaOps(m)) return { fn: 'arm_dma_get_sgtable', file: 'arch/arm/mm/dma-mapping.c' };
  // arm64_swiotlb_dma_ops' .get_sgtable (the generic swiotlb_dma_ops of 4.20 have none: dma_common_get_sgtable)
  if (m.arch === 'arm64' && !since(m.kernel, ARCH_GATES.arm64GenericSwiotlbOps)) return { fn: '__swiotlb_get_sgtable', file: 'arch/arm64/mm/dma-mapping.c' };
  if (since(m.kernel, DIRECT_GATES.directGetSgtable)) return { fn: 'dma_direct_get_sgtable', file: 'kernel/dma/direct.c' };
  return commonGetSgtable(m);
}

/** `sgt = dma_get_sgtable(dev, cpu, h, size)`: the pages behind a coherent allocation. */
export function dmaGetSgtable(m: Machine, dev: Device, name: string, cpu: Buffer, h: number, size: number, o: StepOutcome): number {
  touchBuffer(o, cpu.id);
  const entries: SgEntry[] = [];
  const len = Math.min(pageAlign(size), cpu.allocSize || pageAlign(size));
  for (const ch of physChunks(m, cpu, 0, len)) {
    const last = entries[entries.length - 1];
    if (last && last.phys + last.length === ch.phys) last.length += ch.len;
    else entries.push({ bufId: cpu.id, offset: ch.at, length: ch.len, phys: ch.phys, dmaAddress: 0, dmaLength: 0 });
  }
  const at = getSgtableImpl(m, dmaBackEnd(m, dev));
  if (!at) {
    const g = DMA_API_GATES.getSgtableEnxio;
    o.error = 'ENXIO';
    o.events.push({ kind: 'note', text: 'no ->get_sgtable: -ENXIO', why: { fn: 'dma_get_sgtable_attrs', file: 'kernel/dma/mapping.c', rule: `${dev.name}'s dma_map_ops have no ->get_sgtable: from ${g.from} (${g.commit}, "${g.subject}") dma_get_sgtable returns -ENXIO instead of falling back to dma_common_get_sgtable; no sg_table is built` } });
    return -1;
  }
  const id = m.sgts.length;
  m.sgts.push({ id, name, entries, nents: 0, mappedFor: null, dir: null });
  o.events.push({
    kind: 'note',
    text: `sg_table of ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`,
    why: {
      fn: at.fn,
      file: at.file,
      rule: `the pages behind '${cpu.name}' (DMA address ${hex(h)} for ${dev.name}), as an sg_table: ${entries.length === 1 ? 'one contiguous entry' : `${entries.length} runs of pages`}. The kernel's own comment on dma_get_sgtable() calls the whole idea fundamentally unsafe: mapping these pages with the streaming API for another device maintains the cacheable linear alias, not the alias the CPU uses${cpu.uncached ? " (here: an uncached one)" : ''}`,
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
  if (!apiAvailable(m, 'dma_alloc_pages', DMA_API_GATES.allocPages, o)) return;
  const dev = argDev(m, a.dev);
  const b = dmaAllocNoncoherent(m, dev, c.targets[0] ?? '(pages)', argInt(m, a.size, 'a size'), argDir(a.dir), o, argFlags(a.gfp ?? { k: 'name', name: 'GFP_KERNEL', loc: c.loc }));
  if (b) {
    for (const e of o.events) if (e.kind === 'alloc' && e.allocator === 'dma_alloc_noncoherent' && e.name === b.name) e.allocator = 'dma_alloc_pages';
  }
  bind(m, c.targets, dev, b, o);
};

export const dmaFreePagesRun: OpRun<'dev' | 'size' | 'page' | 'h' | 'dir'> = (m, a, o) => {
  if (!apiAvailable(m, 'dma_free_pages', DMA_API_GATES.allocPages, o)) return;
  const dev = argDev(m, a.dev);
  dmaFreeNoncoherent(m, dev, argInt(m, a.size, 'a size'), argPtr(m, a.page).buf, argHandle(m, a.h), argDir(a.dir), o);
};

export const dmaGetSgtableRun: OpRun<'dev' | 'cpu' | 'h' | 'size'> = (m, a, o, c) => {
  const dev = argDev(m, a.dev);
  const cpu = argPtr(m, a.cpu).buf;
  const id = dmaGetSgtable(m, dev, c.targets[0] ?? '(sgt)', cpu, argHandle(m, a.h), argInt(m, a.size, 'a size'), o);
  o.resultKind = 'status';
  if (id < 0) {
    o.result = ENXIO;
    return;
  }
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'sgt', id };
  o.result = 0;
};

function bind(m: Machine, targets: readonly string[], dev: Device, b: Buffer | null, o: StepOutcome): void {
  if (targets[0]) m.names[targets[0]] = { t: 'buf', id: b ? b.id : -1 };
  if (targets[1]) m.names[targets[1]] = { t: 'dma', addr: b ? b.dmaAddr! : 0, dev: dev.name };
  if (!b) o.error = 'NULL';
}
