/**
 * Words for the explanation panel: each event kind as a sentence, each
 * operation in one line, and number formatting (addresses in hex, sizes in
 * binary units). Pure functions: no React, no store.
 */
import { findingSource, type SimEvent } from '../sim/events.ts';
import { faultSentence, faultsOf } from './faults.ts';

export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

export function size(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const MAINT: Record<string, string> = {
  clean: 'Clean (write back dirty lines, keep them)',
  inval: 'Invalidate (drop lines without writing back)',
  clean_inval: 'Clean + invalidate',
};

/** One sentence per event. */
export function describeEvent(e: SimEvent): string {
  switch (e.kind) {
    case 'alloc':
      return `${e.allocator} allocated "${e.name}": ${size(e.size)} at phys ${hex(e.phys)} (va ${hex(e.va)}, zone ${e.zone}).`;
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
      return `swiotlb gave ${plural(e.nslots, 'slot')} from index ${e.index} at ${hex(e.tlbAddr)} for ${size(e.size)} at ${hex(e.orig)}.`;
    case 'swiotlb_free':
      return `swiotlb released ${plural(e.nslots, 'slot')} from index ${e.index} (${hex(e.tlbAddr)}).`;
    case 'dma_map':
      return `${e.api}: ${e.dev} gets DMA address ${hex(e.addr)} for phys ${hex(e.phys)}, ${size(e.size)}, ${e.dir}, via ${e.path}.`;
    case 'dma_unmap':
      return `${e.api}: ${e.dev} gives back ${hex(e.addr)}, ${size(e.size)}, ${e.dir}.`;
    case 'dma_sync':
      return `${e.api}: ${hex(e.addr)}, ${size(e.size)}, ${e.dir}; ownership goes to the ${e.forCpu ? 'CPU' : 'device'}.`;
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
      return `IOMMU ${e.domain}: unmap IOVA ${hex(e.iova)}, ${size(e.size)}${e.queued ? ' (IOTLB invalidation queued: lazy mode)' : ''}.`;
    case 'iova_alloc':
      return `IOVA ${hex(e.iova)} (${size(e.size)}) allocated in ${e.domain}.`;
    case 'iova_free':
      return `IOVA ${hex(e.iova)} (${size(e.size)}) freed in ${e.domain}${e.deferred ? ' (deferred until the flush)' : ''}.`;
    case 'pt_walk':
      return `Page-table walk in ${e.domain} for IOVA ${hex(e.iova)}: ${e.phys === null ? 'no mapping' : `phys ${hex(e.phys)}`} (levels ${e.levels.join(' → ')}).`;
    case 'iotlb':
      return `IOTLB ${e.op} in ${e.domain} at IOVA ${hex(e.iova)}${e.phys !== undefined ? ` → ${hex(e.phys)}` : ''}${e.stale ? ' (STALE entry)' : ''}.`;
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

/** Events that deserve attention in the list. */
export function eventTone(e: SimEvent): 'bad' | 'warn' | null {
  switch (e.kind) {
    case 'finding':
    case 'iommu_fault':
      return 'bad';
    case 'cache_maint':
      return e.lines.some((l) => l.lostHex !== undefined) ? 'bad' : null;
    case 'iotlb':
      return e.stale ? 'warn' : null;
    case 'log':
      return e.level === 'err' || e.level === 'warn' ? 'warn' : null;
    default:
      return null;
  }
}

/** The Elixir tag of a modelled kernel version ("6.18" → "v6.18"); "latest" when unknown. */
function elixirTag(kernel: string | undefined): string {
  return kernel !== undefined && /^\d+\.\d+$/.test(kernel) ? `v${kernel}` : 'latest';
}

/** A link to the kernel file on Elixir, at the run's kernel version (and line, when the event knows it). */
export function kernelLink(file: string, kernel?: string, line?: number): string {
  const at = line !== undefined && Number.isInteger(line) && line > 0 ? `#L${line}` : '';
  return `https://elixir.bootlin.com/linux/${elixirTag(kernel)}/source/${file.replace(/^\/+/, '')}${at}`;
}

/** A link to where a kernel function is defined and used, at the run's kernel version; null for a name that is not a C identifier. */
export function kernelFunctionLink(fn: string, kernel?: string): string | null {
  const name = fn.replace(/\(\)$/, '');
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `https://elixir.bootlin.com/linux/${elixirTag(kernel)}/A/ident/${name}` : null;
}

/** What each operation does, in one line. */
export const OP_DOCS: Record<string, string> = {
  machine: 'Describes the machine: architecture, kernel version, RAM, cache geometry, swiotlb and CMA sizes.',
  device: 'Declares a DMA-capable device: its DMA mask, whether it snoops the CPU caches, which IOMMU it sits behind.',
  iommu: 'Declares a system IOMMU and how DMA domains use it (strict, lazy or passthrough).',
  kmalloc: 'Allocates physically contiguous kernel memory from the slab allocator (mm/slub.c).',
  kfree: 'Frees a kmalloc allocation.',
  alloc_pages: 'Allocates 2^order contiguous pages from the page allocator (mm/page_alloc.c).',
  __free_pages: 'Returns pages to the page allocator.',
  vmalloc: 'Allocates virtually contiguous memory made of scattered pages: not usable with dma_map_single.',
  stack_buffer: 'A buffer on the kernel stack (vmapped): never valid for DMA.',
  cpu_write: 'The CPU stores bytes through its data cache (write-back, write-allocate).',
  cpu_read: 'The CPU loads bytes through its data cache: a hit returns the cached line, even if RAM changed.',
  memset: 'The CPU fills bytes through its data cache.',
  cache_evict: 'Those lines leave the cache; dirty ones are written back to RAM first.',
  cpu_prefetch: 'The CPU speculatively loads those lines from RAM into the cache.',
  udelay: 'Time passes; timers that expire fire (the lazy IOMMU flush queue, 10 ms).',
  dma_map_single: 'Hands a kernel buffer to the device: returns the DMA address it must use, after any cache maintenance or bounce (kernel/dma/mapping.c).',
  dma_unmap_single: 'Takes the buffer back from the device: cache maintenance for the CPU, copy back from a bounce slot, release the address.',
  dma_map_page: 'As dma_map_single, for a page and an offset.',
  dma_unmap_page: 'As dma_unmap_single, for a mapping made with dma_map_page.',
  dma_sync_single_for_cpu: 'Gives a mapped buffer back to the CPU without unmapping: invalidates stale lines, copies back from a bounce slot.',
  dma_sync_single_for_device: 'Gives a mapped buffer back to the device: writes the CPU’s data out (clean, or copy into the bounce slot).',
  dma_mapping_error: 'Checks whether a mapping call failed (DMA_MAPPING_ERROR). dma-debug complains if a driver never checks.',
  sg_table: 'Builds a scatter-gather table from buffer pieces.',
  dma_map_sg: 'Maps a scatter-gather table; returns how many DMA segments the device sees (entries may merge behind an IOMMU).',
  dma_unmap_sg: 'Unmaps a scatter-gather table (with the original number of entries).',
  dma_sync_sg_for_cpu: 'dma_sync_single_for_cpu for every entry of a scatter-gather table.',
  dma_sync_sg_for_device: 'dma_sync_single_for_device for every entry of a scatter-gather table.',
  sg_dma_address: 'The DMA address of one mapped segment.',
  sg_dma_len: 'The length of one mapped segment.',
  dma_set_mask: 'Sets the streaming DMA mask: the addresses the device can reach.',
  dma_set_mask_and_coherent: 'Sets the streaming and the coherent DMA masks.',
  dma_set_max_seg_size: 'Sets the largest segment the device accepts in a scatter-gather list.',
  device_release_driver: 'The driver unbinds; dma-debug reports every mapping still live.',
  dma_alloc_coherent: 'Allocates memory both CPU and device see consistently (uncached or snooped); returns the CPU pointer and the DMA address.',
  dma_free_coherent: 'Frees a coherent allocation.',
  dma_alloc_noncoherent: 'Allocates cacheable DMA memory: the driver must sync it like a streaming mapping.',
  dma_free_noncoherent: 'Frees a non-coherent allocation.',
  dev_read: 'The device’s DMA engine reads memory at a DMA address (through its IOMMU if it has one). It never sees the CPU cache unless it snoops.',
  dev_write: 'The device’s DMA engine writes memory at a DMA address, straight to RAM unless it snoops.',
  iommu_domain_alloc: 'Allocates an unmanaged IOMMU domain (as GPU drivers do).',
  iommu_attach_device: 'Attaches a device to an IOMMU domain.',
  iommu_detach_device: 'Detaches a device from its IOMMU domain.',
  iommu_map: 'Maps an IOVA range to physical memory in a domain’s page table.',
  iommu_unmap: 'Unmaps an IOVA range (and invalidates the IOTLB).',
  iommu_flush_iotlb_all: 'Invalidates every IOTLB entry of the domain.',
  arm_iommu_detach_device: 'arm32 only (<asm/dma-iommu.h>): detaches the device from the IOMMU mapping the arch code created for it, so its DMA API goes back to physical addresses (what nouveau does on Tegra).',
  gpu_vm_create: 'Creates a GPU virtual address space (the device’s own MMU).',
  gpu_vm_map: 'Maps GPU virtual addresses to DMA addresses.',
  gpu_vm_unmap: 'Unmaps GPU virtual addresses.',
  gpu_read: 'The GPU reads through its own MMU.',
  gpu_write: 'The GPU writes through its own MMU.',
  dma_alloc_from_contiguous: 'Allocates pages from the CMA area, migrating movable pages out of the way.',
  dma_release_from_contiguous: 'Returns pages to the CMA area.',
  alloc_movable: 'Allocates movable pages in the CMA area (as the page cache borrows CMA memory).',
  free_movable: 'Frees movable pages: their CMA pages return to the area.',
  pin_pages: 'Pins pages for a short time: they cannot migrate.',
  unpin_pages: 'Releases a pin.',
  dma_buf_export: 'An exporter wraps a buffer as a dma-buf.',
  dma_buf_attach: 'An importer device attaches to a dma-buf.',
  dma_buf_dynamic_attach: 'An importer attaches with move_notify support (dynamic).',
  dma_buf_detach: 'An importer detaches from a dma-buf.',
  dma_buf_map_attachment: 'Gets the scatter-gather table of the buffer, mapped for the importing device.',
  dma_buf_unmap_attachment: 'Releases a mapped attachment.',
  dma_buf_pin: 'Pins the dma-buf’s backing storage in place.',
  dma_buf_unpin: 'Releases the pin.',
  dma_buf_move: 'The exporter moves the backing storage and calls move_notify on dynamic importers.',
  dma_resv_lock: 'Takes the dma-buf’s reservation lock.',
  dma_resv_unlock: 'Releases the reservation lock.',
  dma_buf_begin_cpu_access: 'The CPU is about to access the dma-buf: the exporter syncs for the CPU.',
  dma_buf_end_cpu_access: 'The CPU is done: the exporter syncs for the device.',
  // snooping and CPU memory attributes
  clflush: 'x86 clflush_cache_range: writes back and invalidates every cache line of the range — the driver’s own flush for a device that does not snoop (the DMA API thinks it does).',
  wbinvd: 'x86 wbinvd: writes back and invalidates the whole CPU cache.',
  drm_clflush_sg: 'drm_cache.c: clflush every page of an sg_table on x86; on other architectures it only complains (“Architecture has no drm_cache.c support”).',
  set_memory_wc: 'x86: the linear mapping of those pages becomes write-combining (flushed first); CPU accesses then bypass the cache.',
  set_memory_uc: 'x86: the linear mapping of those pages becomes uncached (flushed first).',
  set_memory_wb: 'x86: those pages become cached (write-back) again.',
  vmap: 'Maps the pages a second time in vmalloc space (uncached with prot=uc or wc); the cacheable linear alias stays, which is the mismatched-alias hazard.',
  vunmap: 'Removes a vmap alias; the pages stay.',
  dma_alloc_attrs: 'dma_alloc_coherent with attributes: DMA_ATTR_NO_KERNEL_MAPPING returns no CPU mapping at all (a cookie).',
  dma_free_attrs: 'Frees a dma_alloc_attrs allocation.',
  dma_alloc_pages: 'Cacheable pages mapped for the device; the driver syncs them like a streaming mapping.',
  dma_free_pages: 'Frees dma_alloc_pages memory.',
  dma_get_sgtable: 'The pages behind a coherent allocation as an sg_table (to share them, e.g. through dma-buf).',
  // the DMA API's queries
  dma_need_sync: 'Asks whether dma_sync_* calls do anything for this mapping (1 or 0).',
  dma_addressing_limited: 'Asks whether the device cannot reach all of memory directly, so mappings may bounce (1 or 0).',
  dma_max_mapping_size: 'Asks how large one mapping may be: 256 KiB when it may bounce through swiotlb.',
  dma_opt_mapping_size: 'Asks how large a mapping may be and stay fast (the IOMMU’s IOVA caches).',
  dma_get_required_mask: 'Asks which DMA mask reaches all of RAM directly.',
  is_swiotlb_active: 'Asks whether there is a swiotlb pool to bounce through (1 or 0).',
  dma_streaming_is_coherent: 'A proposal from thread 002 that no kernel has: would streaming mappings of this device never need syncs? (1 or 0).',
};
