/**
 * Events in words: one sentence per event, from its fields alone. The one
 * place the explorer says what an event means: the explanation panel lists
 * these sentences, the CLI's text output prints them (with the event's rule),
 * and the machine diagram's marks caption with them. Pure: no DOM, no React.
 */
import { findingSource, type SimEvent } from '../sim/events.ts';
import { hex, hexDma, plural, sizeExact as size } from '../sim/format.ts';
import { faultSentence, faultsOf } from './faults.ts';

const MAINT: Record<string, string> = {
  clean: 'Clean (write back dirty lines, keep them)',
  inval: 'Invalidate (drop lines without writing back)',
  clean_inval: 'Clean + invalidate',
};

/** One sentence per event. */
export function describeEvent(e: SimEvent): string {
  switch (e.kind) {
    case 'alloc':
      return `${e.allocator} allocated "${e.name}": ${size(e.size)} at ${e.phys >= 0 ? `phys ${hex(e.phys)}` : 'scattered pages'} (va ${hex(e.va)}, zone ${e.zone}).`;
    case 'free':
      return `${e.allocator} freed "${e.name}": ${size(e.size)} at phys ${hex(e.phys)}.`;
    case 'cpu_access':
      return `CPU ${e.op} of ${size(e.len)} at va ${hex(e.va)} (phys ${hex(e.phys)})${
        e.uncached ? (e.memType === 'wc' ? ', write-combined (modelled as uncached)' : ', uncached') : `: ${plural(e.hits, 'cache hit')}, ${plural(e.misses, 'miss', 'misses')}`
      }.`;
    case 'cache_fill':
      return `Cache line ${hex(e.line)} filled from RAM (set ${e.set}, way ${e.way}).`;
    case 'cache_evict':
      return `Cache line ${hex(e.line)} evicted (set ${e.set}, way ${e.way}, ${e.reason})${e.dirty ? ': dirty, written back to RAM' : ''}.`;
    case 'cache_maint': {
      const wb = e.lines.filter((l) => l.wroteBack).length;
      const lost = e.lines.filter((l) => l.lostHex !== undefined).length;
      let s = `${MAINT[e.op] ?? e.op} of ${hex(e.start)}..${hex(e.start + e.size)} with ${e.instr}: ${plural(e.lines.length, 'line')} present`;
      if (wb) s += `, ${wb} written back`;
      if (lost) s += `, ${lost} with dirty data DISCARDED`;
      return `${s}.`;
    }
    case 'bounce':
      return `Bounce copy of ${size(e.len)} from ${hex(e.from)} to ${hex(e.to)} (${e.toSlot ? 'into the swiotlb slot' : 'back to the original buffer'}).`;
    case 'swiotlb_alloc':
      if (e.coherent) return `swiotlb gave ${plural(e.nslots, 'slot')} from index ${e.index} at ${hex(e.tlbAddr)} as a ${size(e.size)} coherent buffer (no original, nothing copied).`;
      return `swiotlb gave ${plural(e.nslots, 'slot')} from index ${e.index} at ${hex(e.tlbAddr)} for ${size(e.size)} at ${hex(e.orig)}.`;
    case 'swiotlb_free':
      return `swiotlb released ${plural(e.nslots, 'slot')} from index ${e.index} (${hex(e.tlbAddr)}).`;
    case 'dma_map':
      return `${e.api}: ${e.dev} gets DMA address ${hex(e.addr)} for phys ${hex(e.phys)}, ${size(e.size)}, ${e.dir}, via ${e.path}.`;
    case 'dma_unmap':
      return `${e.api}: ${e.dev} gives back ${hexDma(e.addr)}, ${size(e.size)}, ${e.dir}.`;
    case 'dma_sync':
      return `${e.api}: ${hexDma(e.addr)}, ${size(e.size)}, ${e.dir}; ${e.untracked ? 'no live mapping holds it, so nothing changes hands (the kernel syncs the addresses all the same)' : `ownership goes to the ${e.forCpu ? 'CPU' : 'device'}`}.`;
    case 'dev_access':
      return `${e.dev} DMA ${e.op} of ${size(e.len)} at ${hex(e.addr)} → phys ${hex(e.phys)} (${e.via}${e.snooped ? ', snooping the CPU cache' : e.nosnoop === 'no-snoop' ? ', non-snooped (No Snoop) although the DMA API believes the device coherent: RAM only' : e.nosnoop === 'iommu-nc' ? ', through a Non-cacheable IOMMU leaf (no IOMMU_CACHE): RAM only' : ', RAM only, caches not snooped'}).`;
    case 'finding':
      return `${findingSource(e)} [${e.rule}]: ${e.message}`;
    case 'log':
      return `kernel log (${e.level}): ${e.text}`;
    case 'note':
      return e.text;
    case 'iommu_map':
      return `IOMMU ${e.domain}: map IOVA ${hex(e.iova)} → phys ${hex(e.phys)}, ${size(e.size)}, ${e.prot}.`;
    case 'iommu_unmap':
      return `IOMMU ${e.domain}: unmap IOVA ${hex(e.iova)}, ${size(e.size)}${e.queued ? ' (IOTLB invalidation queued, lazy mode: the device can still reach it until the flush)' : ''}.`;
    case 'iova_alloc':
      return `IOVA ${hex(e.iova)} (${size(e.size)}) allocated in ${e.domain}.`;
    case 'iova_free':
      return `IOVA ${hex(e.iova)} (${size(e.size)}) freed in ${e.domain}${e.deferred ? ' (deferred until the flush)' : ''}.`;
    case 'pt_walk':
      return `Page-table walk in ${e.domain} for IOVA ${hex(e.iova)}: ${e.phys === null ? 'no mapping' : `phys ${hex(e.phys)}`} (levels ${e.levels.join(' → ')}).`;
    case 'iotlb':
      return `IOTLB ${e.op} in ${e.domain} at IOVA ${hex(e.iova)}${e.phys !== undefined ? ` → ${hex(e.phys)}` : ''}${e.stale ? ' (STALE entry: it still points at memory that was unmapped)' : ''}.`;
    case 'iommu_fault':
      return faultSentence(faultsOf([e])[0]!);
    case 'fq':
      return `Flush queue of ${e.domain}: ${e.op}, ${plural(e.entries, 'entry', 'entries')}.`;
    case 'gpu_vm':
      if (e.op === 'fault') return `GPU VM ${e.vm}: ${e.write === undefined ? 'access' : e.write ? 'write' : 'read'} at VA ${hex(e.va)} faults at stage ${e.stage === 'gpu-mmu' ? '1 (the GPU MMU)' : `2 (the IOMMU behind it${e.dmaAddr !== undefined ? `, DMA address ${hex(e.dmaAddr)}` : ''})`}.`;
      return `GPU VM ${e.vm}: ${e.op} VA ${hex(e.va)}, ${size(e.size)}${e.dmaAddr !== undefined ? ` → DMA ${hex(e.dmaAddr)}` : ''}.`;
    case 'cma':
      return `CMA ${e.op}: pfn ${hex(e.pfn)}, ${plural(e.count, 'page')}${e.to !== undefined ? ` → pfn ${hex(e.to)}` : ''}.`;
    case 'dmabuf':
      return `dma-buf ${e.buf}: ${e.op}${e.attachment ? ` (${e.attachment})` : ''}${e.dir ? `, ${e.dir}` : ''}.`;
    default: {
      const other = e as { kind: string };
      return `${other.kind}`;
    }
  }
}
