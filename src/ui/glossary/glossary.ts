/**
 * The explorer's glossary: one entry per term a newcomer meets in the
 * explanation, the captions and the view headers, with the words to match
 * and a definition that says where the kernel does it. The one source for
 * hover cards (Glossed.tsx) and the help overlay.
 *
 * Also commit ids: an abbreviated kernel commit id (12 hex digits, as the
 * kernel's "Fixes:" tags write them) links to the commit, with its subject
 * as the tooltip when the kernel-version table knows it.
 */
import { ALL_GATES } from '../../sim/kernel-versions.ts';

export interface Term {
  id: string;
  /** How the term is written in the card's title. */
  term: string;
  /** Ways it appears in text (case-insensitive unless `exact`); the longest match wins. */
  match: string[];
  exact?: boolean;
  def: string;
  /** Where the kernel does it: file, and the function (or macro, type) where there is one, as written in a card. */
  source: readonly KernelSource[];
}

export interface KernelSource {
  /** Path in the kernel tree. */
  file: string;
  /** "dcache_clean_poc()", "IO_TLB_SIZE", "enum dma_data_direction". */
  fn?: string;
}

/** "file: fn()" as a card shows it. */
export function sourceText(s: KernelSource): string {
  return s.fn ? `${s.file}: ${s.fn}` : s.file;
}

export const GLOSSARY: readonly Term[] = [
  { id: 'finding', term: 'finding', match: ['finding', 'findings'], def: 'Something the kernel itself reported at this step: a dma-debug warning, an swiotlb or IOMMU message, a fault in the log. Marked ⚠ and in red: a bug the kernel would tell you about.', source: [{ file: 'kernel/dma/debug.c', fn: 'err_printk()' }] },
  { id: 'observation', term: 'observation', match: ['observation', 'observations', 'observed'], def: 'Something the explorer saw that the kernel did not report: a stale read, lost writes, a device reaching freed memory. Marked "obs" in purple: the silent bugs a real machine would not tell you about.', source: [{ file: 'Documentation/core-api/dma-api-howto.rst' }] },
  { id: 'poc', term: 'PoC (Point of Coherency)', match: ['PoC', 'point of coherency'], def: 'Arm: the point in the memory system where every observer — all CPUs and all DMA masters — sees the same copy of a location. Cleaning to the PoC makes RAM current for a non-coherent device.', source: [{ file: 'arch/arm64/mm/cache.S', fn: 'dcache_clean_poc()' }] },
  { id: 'dc-cvac', term: 'dc cvac', match: ['dc cvac', 'dcache_clean_poc'], def: 'arm64 "Data Cache Clean by VA to PoC": writes a dirty line back to memory and keeps it in the cache. dcache_clean_poc() issues it for every line of a range; arch_sync_dma_for_device() calls that before the device\'s transfer.', source: [{ file: 'arch/arm64/mm/cache.S', fn: 'dcache_clean_poc()' }, { file: 'arch/arm64/mm/dma-mapping.c', fn: 'arch_sync_dma_for_device()' }] },
  { id: 'dc-civac', term: 'dc civac', match: ['dc civac', 'dcache_clean_inval_poc'], def: 'arm64 "Clean and Invalidate by VA to PoC": writes a dirty line back, then drops it. dcache_clean_inval_poc() issues it for every line of a range; dcache_inval_poc() only for the partial lines at the two ends of its range, so bytes outside the buffer that share those lines are not lost.', source: [{ file: 'arch/arm64/mm/cache.S', fn: 'dcache_clean_inval_poc()' }, { file: 'arch/arm64/mm/cache.S', fn: 'dcache_inval_poc()' }] },
  { id: 'dc-ivac', term: 'dc ivac', match: ['dc ivac', 'dcache_inval_poc'], def: 'arm64 "Invalidate by VA to PoC": drops a line without writing it back — dirty bytes in it are lost. dcache_inval_poc() issues it for the whole lines of a range (the partial lines at its ends get dc civac); arch_sync_dma_for_cpu() calls that once the device has written (not for DMA_TO_DEVICE). Before 5.19 (c50f11c6196f) arch_sync_dma_for_device() invalidated DMA_FROM_DEVICE buffers at map time too.', source: [{ file: 'arch/arm64/mm/cache.S', fn: 'dcache_inval_poc()' }, { file: 'arch/arm64/mm/dma-mapping.c', fn: 'arch_sync_dma_for_cpu()' }] },
  { id: 'clean', term: 'clean (cache maintenance)', match: ['clean', 'cleans', 'cleaned'], exact: false, def: 'Write a dirty cache line back to RAM and keep it valid. Before a non-coherent device reads, the kernel cleans the buffer so RAM holds what the CPU wrote.', source: [{ file: 'arch/arm64/mm/dma-mapping.c', fn: 'arch_sync_dma_for_device()' }] },
  { id: 'invalidate', term: 'invalidate', match: ['invalidate', 'invalidates', 'invalidated', 'invalidation'], def: 'Drop cache lines (CPU caches) or translations (the IOTLB) so the next access fetches the current value. A CPU-cache invalidate does not write back: dirty bytes in the line are lost.', source: [{ file: 'arch/arm64/mm/dma-mapping.c', fn: 'arch_sync_dma_for_cpu()' }, { file: 'include/linux/iommu.h', fn: 'iommu_iotlb_sync()' }] },
  { id: 'dirty', term: 'dirty line', match: ['dirty line', 'dirty lines', 'dirty cache line', 'dirty cache lines'], def: 'A cache line the CPU wrote that RAM does not have yet. A non-coherent device reading RAM sees the old bytes until the line is cleaned.', source: [{ file: 'arch/arm64/mm/dma-mapping.c', fn: 'arch_sync_dma_for_device()' }] },
  { id: 'coherent', term: 'coherent / non-coherent device', match: ['non-coherent', 'cache-coherent', 'coherent DMA'], def: 'A coherent device snoops the CPU caches, so it sees (and updates) cached data; a non-coherent one sees RAM only, and the DMA API must clean and invalidate around each transfer (dev_is_dma_coherent()).', source: [{ file: 'include/linux/dma-map-ops.h', fn: 'dev_is_dma_coherent()' }] },
  { id: 'snoop', term: 'snoop', match: ['snoop', 'snoops', 'snooping', 'snooped'], def: 'The interconnect checks the CPU caches for a device\'s access, so a coherent device reads dirty lines and its writes update or invalidate cached copies.', source: [{ file: 'drivers/of/address.c', fn: 'of_dma_is_coherent()' }] },
  { id: 'swiotlb', term: 'swiotlb', match: ['swiotlb'], exact: true, def: 'The kernel\'s bounce-buffer pool (kernel/dma/swiotlb.c): memory every device can reach, in 2 KiB slots. A buffer a device cannot address (or must not see) is copied into a slot, and the device uses the copy.', source: [{ file: 'kernel/dma/swiotlb.c', fn: 'swiotlb_tbl_map_single()' }] },
  { id: 'slot', term: 'swiotlb slot', match: ['swiotlb slot', 'swiotlb slots', 'bounce slot', 'bounce slots'], def: 'One 2 KiB unit of the swiotlb pool (IO_TLB_SIZE). A mapping takes as many consecutive slots as it needs, aligned as the device requires.', source: [{ file: 'include/linux/swiotlb.h', fn: 'IO_TLB_SIZE' }] },
  { id: 'bounce', term: 'bounce', match: ['bounce', 'bounced', 'bounces', 'bouncing'], def: 'A CPU copy between a buffer and an swiotlb slot: into the slot when mapping (or syncing) for the device, back to the buffer when unmapping (or syncing) for the CPU.', source: [{ file: 'kernel/dma/swiotlb.c', fn: 'swiotlb_bounce()' }] },
  { id: 'iova', term: 'IOVA', match: ['IOVA', 'IOVAs'], exact: true, def: 'I/O virtual address: the DMA address a device behind an IOMMU uses. The IOMMU translates it to a physical address through its page table (drivers/iommu/dma-iommu.c allocates them).', source: [{ file: 'drivers/iommu/dma-iommu.c', fn: 'iommu_dma_alloc_iova()' }] },
  { id: 'iotlb', term: 'IOTLB', match: ['IOTLB'], exact: true, def: 'The IOMMU\'s cache of translations. After an unmap the kernel must invalidate it, or the device can still reach the old page through a stale entry.', source: [{ file: 'include/linux/iommu.h', fn: 'iommu_iotlb_sync()' }] },
  { id: 'rcache', term: 'rcache', match: ['rcache', 'rcaches'], def: 'The IOVA allocator\'s per-CPU cache of freed small ranges (drivers/iommu/iova.c): a freed IOVA is often handed out again at once.', source: [{ file: 'drivers/iommu/iova.c', fn: 'iova_rcache_insert()' }] },
  { id: 'fq', term: 'flush queue', match: ['flush queue', 'flush queues'], def: 'Lazy IOMMU mode: unmapped IOVAs wait in a queue and the IOTLB is invalidated in batches (on a timer or when full) before they are reused. Until then the device can still reach the old pages.', source: [{ file: 'drivers/iommu/dma-iommu.c', fn: 'queue_iova()' }, { file: 'drivers/iommu/dma-iommu.c', fn: 'fq_flush_timeout()' }] },
  { id: 'granule', term: 'granule', match: ['granule'], def: 'The IOMMU domain\'s smallest page size: IOVA allocations and mappings are rounded to it.', source: [{ file: 'drivers/iommu/iova.c', fn: 'init_iova_domain()' }] },
  { id: 'stage', term: 'stage 1 / stage 2', match: ['stage 1', 'stage 2', 'stage-1', 'stage-2'], def: 'Two translations in series. For a GPU here: stage 1 is its own MMU (GPU VA → DMA address), stage 2 the system IOMMU behind it (IOVA → physical). (In the Arm SMMU\'s own terms, stage 1 is VA → IPA and stage 2 IPA → PA, for virtual machines.)', source: [{ file: 'drivers/iommu/io-pgtable-arm.c', fn: 'arm_64_lpae_alloc_pgtable_s1()' }, { file: 'drivers/iommu/io-pgtable-arm.c', fn: 'arm_64_lpae_alloc_pgtable_s2()' }] },
  { id: 'pte', term: 'PTE', match: ['PTE', 'PTEs', 'page-table entry'], exact: true, def: 'Page-table entry: one translation (and its permissions) in an MMU\'s or IOMMU\'s page table.', source: [{ file: 'drivers/iommu/io-pgtable-arm.c', fn: 'arm_lpae_init_pte()' }] },
  { id: 'translation-fault', term: 'translation fault', match: ['translation fault'], def: 'The address has no entry in the page table: nothing maps it. The IOMMU terminates the access (arm-smmu: FSR.TF).', source: [{ file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c', fn: 'arm_smmu_context_fault()' }] },
  { id: 'permission-fault', term: 'permission fault', match: ['permission fault'], def: 'The address is mapped, but not for this access — e.g. a device write to a DMA_TO_DEVICE mapping, which is read-only. The IOMMU terminates it (arm-smmu: FSR.PF).', source: [{ file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c', fn: 'arm_smmu_context_fault()' }] },
  { id: 'cma', term: 'CMA', match: ['CMA'], exact: true, def: 'Contiguous Memory Allocator (mm/cma.c): a reserved area lent to movable pages, which are migrated away when a driver needs physically contiguous memory.', source: [{ file: 'mm/cma.c', fn: 'cma_alloc()' }] },
  { id: 'dmabuf', term: 'dma-buf', match: ['dma-buf'], def: 'A buffer shared between drivers (drivers/dma-buf): an exporter owns the memory, importers attach to it and map it for their own device.', source: [{ file: 'drivers/dma-buf/dma-buf.c', fn: 'dma_buf_export()' }] },
  { id: 'attachment', term: 'dma-buf attachment', match: ['attachment', 'attachments'], def: 'One importer device\'s link to a dma-buf (dma_buf_attach()). dma_buf_map_attachment() gives that device an sg_table mapped for it.', source: [{ file: 'drivers/dma-buf/dma-buf.c', fn: 'dma_buf_attach()' }, { file: 'drivers/dma-buf/dma-buf.c', fn: 'dma_buf_map_attachment()' }] },
  { id: 'sg', term: 'sg_table', match: ['sg_table', 'scatter-gather', 'scatterlist'], def: 'A scatter-gather table: a list of (page, offset, length) pieces. dma_map_sg() gives each a DMA address; behind an IOMMU neighbouring pieces may merge into one segment.', source: [{ file: 'lib/scatterlist.c', fn: 'sg_alloc_table()' }, { file: 'kernel/dma/mapping.c', fn: 'dma_map_sgtable()' }] },
  { id: 'mask', term: 'DMA mask', match: ['DMA mask', 'dma_mask'], def: 'The highest address a device can put on the bus (DMA_BIT_MASK(n)). A buffer above it must be bounced (swiotlb) or remapped (IOMMU).', source: [{ file: 'include/linux/dma-mapping.h', fn: 'DMA_BIT_MASK()' }, { file: 'include/linux/dma-direct.h', fn: 'dma_capable()' }] },
  { id: 'dmadebug', term: 'dma-debug', match: ['dma-debug'], def: 'CONFIG_DMA_API_DEBUG (kernel/dma/debug.c): the kernel\'s checker of DMA API use. It logs wrong directions, syncs after unmap, unchecked mapping errors, leaks.', source: [{ file: 'kernel/dma/debug.c', fn: 'check_sync()' }] },
  { id: 'to-device', term: 'DMA_TO_DEVICE', match: ['DMA_TO_DEVICE'], exact: true, def: 'The device only reads the buffer: the kernel cleans (or bounces in) before the transfer; behind an IOMMU the mapping is read-only for the device.', source: [{ file: 'include/linux/dma-direction.h', fn: 'enum dma_data_direction' }] },
  { id: 'from-device', term: 'DMA_FROM_DEVICE', match: ['DMA_FROM_DEVICE'], exact: true, def: 'The device only writes the buffer: the CPU must not read it until it is given back (unmap or sync for CPU), which invalidates stale cache lines (or bounces out).', source: [{ file: 'include/linux/dma-direction.h', fn: 'enum dma_data_direction' }] },
  { id: 'bidir', term: 'DMA_BIDIRECTIONAL', match: ['DMA_BIDIRECTIONAL'], exact: true, def: 'The device may read and write: the kernel does both directions\' maintenance.', source: [{ file: 'include/linux/dma-direction.h', fn: 'enum dma_data_direction' }] },
  { id: 'writeback', term: 'write-back', match: ['write-back', 'written back'], def: 'A dirty cache line\'s bytes go to RAM (on a clean, or when the line is evicted).', source: [{ file: 'arch/arm64/mm/cache.S', fn: 'dcache_clean_poc()' }] },
];

export const TERM_BY_ID: ReadonlyMap<string, Term> = new Map(GLOSSARY.map((t) => [t.id, t]));

/** Commit id → subject, from the kernel-version table (ids there may be lists: "a, b"). */
const SUBJECTS: ReadonlyMap<string, string> = new Map(
  ALL_GATES.flatMap((g) => (g.commit ? g.commit.split(/[,\s]+/).filter(Boolean).map((id) => [id.toLowerCase(), g.subject] as const) : [])),
);

export function commitUrl(id: string): string {
  return `https://git.kernel.org/linus/${id}`;
}

export function commitSubject(id: string): string | null {
  const key = id.toLowerCase();
  for (const [k, v] of SUBJECTS) if (k.startsWith(key) || key.startsWith(k)) return v;
  return null;
}

export type Piece = string | { term: Term; text: string } | { commit: string };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const ALTS = GLOSSARY.flatMap((t) => t.match.map((m) => ({ m, t }))).sort((a, b) => b.m.length - a.m.length);
const PATTERN = new RegExp(`(?<![\\w-])(${ALTS.map((a) => escape(a.m)).join('|')})(?![\\w-])|\\b([0-9a-f]{12})\\b`, 'gi');

function termFor(found: string): Term | null {
  for (const a of ALTS) {
    if (a.t.exact ? a.m === found : a.m.toLowerCase() === found.toLowerCase()) return a.t;
  }
  return null;
}

/**
 * Splits `text` into plain strings, glossary terms (each term once per text,
 * at its first appearance) and commit ids.
 */
export function glossPieces(text: string): Piece[] {
  const out: Piece[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (const m of text.matchAll(PATTERN)) {
    const i = m.index;
    let piece: Piece | null = null;
    if (m[2]) piece = { commit: m[2] };
    else {
      const t = termFor(m[1]!);
      if (t && !seen.has(t.id)) {
        seen.add(t.id);
        piece = { term: t, text: m[1]! };
      }
    }
    if (!piece) continue;
    if (i > at) out.push(text.slice(at, i));
    out.push(piece);
    at = i + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
