/**
 * The catalogue of kernel messages: every log line the engine can print, one
 * entry per message, with its wording by version range (a template with
 * typed placeholders), the kernel function and file that print it, what the
 * driver probably did when it appears, and the related rule. The engine
 * prints only through `kmsg` (no message text anywhere else in src/sim);
 * `matchLine` recognises a line in any version's wording — a dmesg timestamp,
 * log level or "kernel:" prefix allowed — for explaining a pasted splat.
 *
 * Templates: literal text with `{name}` or `{name:type}` placeholders, type
 * one of int (decimal), hex (hex digits; the template writes any "0x"), word
 * (no spaces, the default), dir (a DMA_* direction), text (anything). Every
 * wording starts at a version gate of kernel-versions.ts (the oldest version
 * when `from` is absent) and lasts until the next wording, or until `until`
 * for a message the kernel later dropped: the versions have one owner.
 *
 * Prefixes (the part of the line the kernel's printk helpers add):
 * - `dev`: dev_printk's "<driver> <device>: "; the scenario's device name
 *   stands for both (the IOMMU's name for arm-smmu, with driver "arm-smmu");
 * - `dma-api`: err_printk's "DMA-API: <driver> <device>: " (pr_fmt, 5.0+),
 *   "<driver> <device>: DMA-API: " before;
 * - `dma-api-nodev`: a pr_err/WARN with pr_fmt "DMA-API: " and no device;
 * - `none`: the template is the whole line.
 */
import { kernelCode } from '../config.ts';
import { ARCH_GATES, ARM_SMMU_GATES, CMA_GATES, DEBUG_GATES, DIRECT_GATES, DMA_BUF_GATES, DMA_IOMMU_GATES, INTEL_IOMMU_GATES, IO_PGTABLE_GATES, MM_GATES, RISCV_IOMMU_GATES, SWIOTLB_GATES, kernelFile, kernelName, type Gate, type KernelFn, type RenamedFn } from '../kernel-versions.ts';

export type Prefix = 'dev' | 'dma-api' | 'dma-api-nodev' | 'none';

/** A printk log level (KERN_EMERG, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_INFO, KERN_NOTICE). */
export type Level = 'emerg' | 'crit' | 'err' | 'warn' | 'info' | 'notice';

export interface Wording {
  /** First version with this wording (the gate that introduced it); absent: the oldest modelled. */
  from?: Gate;
  /** The message is gone from this version on. */
  until?: Gate;
  prefix?: Prefix;
  template: string;
  /** The function that prints this wording when it is not the entry's (printerFor). */
  printedBy?: KernelFn;
}

export interface CatalogueEntry {
  id: string;
  /** Who prints it. */
  source: 'dma-debug' | 'swiotlb' | 'dma-direct' | 'dma-mapping' | 'dma-iommu' | 'iommu' | 'io-pgtable' | 'arm-smmu' | 'intel-iommu' | 'riscv-iommu' | 'panfrost' | 'cma' | 'dma-buf' | 'lockdep' | 'drm' | 'slab';
  /** The level it is printed at in the newest kernel (levelFor gives it by version). */
  level: Level;
  /** A kernel before `until` printed it at `level` instead (the gate that changed the printk call). */
  earlierLevel?: { level: Level; until: Gate };
  /** Default prefix of the wordings. */
  prefix: Prefix;
  /** Oldest first. */
  wordings: Wording[];
  /** The function that prints it and its file (printerFor names them by version). */
  fn: string;
  file: string;
  /** Its function was renamed or moved across versions: printerFor() names it as kernelName() does for that kernel. */
  renamed?: RenamedFn;
  /** What the driver probably did, in one paragraph. */
  why: string;
  /** The related rule id (dma-debug's rule ids; subsystem/what for the others). */
  rule: string;
  /**
   * A WARN_ON / BUG_ON with no text of its own: a real log shows only the
   * `WARNING: … at FILE:LINE FN+0x…` line (or `kernel BUG at FILE:LINE!` and
   * the pc/RIP line), so the explainer recognises it by the file and the
   * function it fired in. The engine's line (the template) names the condition.
   */
  site?: Site;
}

export interface Site {
  /** The file in every era that has the check (the first is the current one). */
  files: string[];
  /** The functions the check is inlined into. */
  fns: string[];
}

const DEBUG_FILE = 'kernel/dma/debug.c';
/** dma-direct's overflow reporters before 5.6 (DIRECT_GATES.overflowReportAddr, overflowAlways). */
const CHECK_ADDR: KernelFn = { fn: 'check_addr', file: 'kernel/dma/direct.c' };
const REPORT_ADDR: KernelFn = { fn: 'report_addr', file: 'kernel/dma/direct.c' };

export const CATALOGUE = [
  // -------------------------------------------------------------------------
  // dma-debug (kernel/dma/debug.c; lib/dma-debug.c before 4.18)
  {
    id: 'dma-debug.unmap-not-allocated',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver tries to free DMA memory it has not allocated [device address=0x{addr:hex}] [size={size:int} bytes]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The driver unmapped or freed a DMA address dma-debug has no (unambiguous) entry for: a double unmap, a handle from another device or buffer, an address it computed itself, or a mapping that was never made.',
    rule: 'unmap/not-allocated',
  },
  {
    id: 'dma-debug.unmap-invalid-address',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver tries to free an invalid DMA memory address' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The handle passed to unmap is DMA_MAPPING_ERROR: the map failed and the driver did not check dma_mapping_error() before using and unmapping the handle.',
    rule: 'unmap/invalid-address',
  },
  {
    id: 'dma-debug.unmap-size',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver frees DMA memory with different size [device address=0x{addr:hex}] [map size={mapSize:int} bytes] [unmap size={unmapSize:int} bytes]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The unmap (or free) was given a different size from the map (or alloc): often the length of the data actually received instead of the buffer length that was mapped.',
    rule: 'unmap/size-mismatch',
  },
  {
    id: 'dma-debug.unmap-wrong-function',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver frees DMA memory with wrong function [device address=0x{addr:hex}] [size={size:int} bytes] [mapped as {mapped:word}] [unmapped as {unmapped:word}]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The mapping was undone by the wrong call: a dma_map_sg segment unmapped with dma_unmap_single, a coherent allocation unmapped instead of freed with dma_free_coherent, or (before 5.0) dma_map_page undone by dma_unmap_single. The type names printed are unreliable in 5.0–5.6 (a stale table).',
    rule: 'unmap/wrong-function',
  },
  {
    id: 'dma-debug.unmap-cpu-address',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [
      { template: 'device driver frees DMA memory with different CPU address [device address=0x{addr:hex}] [size={size:int} bytes] [cpu alloc address=0x{alloc:hex}] [cpu free address=0x{free:hex}]' },
      { from: DEBUG_GATES.paddr, template: 'device driver frees DMA memory with different CPU address [device address=0x{addr:hex}] [size={size:int} bytes] [cpu alloc address=0x0x{alloc:hex}] [cpu free address=0x0x{free:hex}]' },
    ],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'dma_free_coherent was given a CPU address that is not the one dma_alloc_coherent returned with this DMA handle: the CPU pointer and the handle of two different allocations were mixed up.',
    rule: 'unmap/cpu-address',
  },
  {
    id: 'dma-debug.unmap-sg-count',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver frees DMA sg list with different entry count [map count={mapCount:int}] [unmap count={unmapCount:int}]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'dma_unmap_sg was passed the count dma_map_sg returned (the number of DMA segments) instead of the nents given to dma_map_sg.',
    rule: 'unmap/sg-count',
  },
  {
    id: 'dma-debug.unmap-direction',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver frees DMA memory with different direction [device address=0x{addr:hex}] [size={size:int} bytes] [mapped with {mapped:dir}] [unmapped with {unmapped:dir}]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The unmap names another direction than the map; the direction decides the cache maintenance and the swiotlb copy-back at unmap, so the CPU may not see what the device wrote.',
    rule: 'unmap/direction',
  },
  {
    id: 'dma-debug.map-error-not-checked',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver failed to check map error[device address=0x{addr:hex}] [size={size:int} bytes] [mapped as {type:word}]' }],
    fn: 'check_unmap',
    file: DEBUG_FILE,
    why: 'The driver never called dma_mapping_error() on this handle: reported at unmap time. A map that fails (swiotlb full, IOVA space exhausted, an unreachable address) would have been used as a DMA address.',
    rule: 'unmap/map-error-not-checked',
  },
  {
    id: 'dma-debug.sync-not-allocated',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver tries to sync DMA memory it has not allocated [device address=0x{addr:hex}] [size={size:int} bytes]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'No live mapping of this device contains the synced range: a sync after unmap or before map, an offset+size past the end of the mapping, or (before 6.0) a sync further into a large mapping than dma_get_max_seg_size() reaches back.',
    rule: 'sync/not-allocated',
  },
  {
    id: 'dma-debug.sync-outside-range',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver syncs DMA memory outside allocated range [device address=0x{addr:hex}] [allocation size={size:int} bytes] [sync offset+size={end:int}]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'The sync covers more than the mapping it was found in: the size passed to the sync is larger than the mapping.',
    rule: 'sync/outside-range',
  },
  {
    id: 'dma-debug.sync-direction',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver syncs DMA memory with different direction [device address=0x{addr:hex}] [size={size:int} bytes] [mapped with {mapped:dir}] [synced with {synced:dir}]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'The sync names another direction than the map: the cache maintenance and swiotlb copy follow the sync\'s direction, so data may not reach the CPU or the device.',
    rule: 'sync/direction-mismatch',
  },
  {
    id: 'dma-debug.sync-device-read-only',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver syncs device read-only DMA memory for cpu [device address=0x{addr:hex}] [size={size:int} bytes] [mapped with {mapped:dir}] [synced with {synced:dir}]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'sync_for_cpu on a DMA_TO_DEVICE mapping with a direction that reads device data: the device only reads this buffer, so there is nothing for the CPU to take back.',
    rule: 'sync/device-read-only',
  },
  {
    id: 'dma-debug.sync-device-write-only',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver syncs device write-only DMA memory to device [device address=0x{addr:hex}] [size={size:int} bytes] [mapped with {mapped:dir}] [synced with {synced:dir}]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'sync_for_device on a DMA_FROM_DEVICE mapping with a direction that sends CPU data: the CPU must not write a buffer the device fills.',
    rule: 'sync/device-write-only',
  },
  {
    id: 'dma-debug.sync-sg-count',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver syncs DMA sg list with different entry count [map count={mapCount:int}] [sync count={syncCount:int}]' }],
    fn: 'check_sync',
    file: DEBUG_FILE,
    why: 'dma_sync_sg_* was passed the count dma_map_sg returned instead of the nents given to dma_map_sg.',
    rule: 'sync/sg-count',
  },
  {
    id: 'dma-debug.release-pending',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [
      {
        template:
          'device driver has pending DMA allocations while released from device [count={count:int}]\nOne of leaked entries details: [device address=0x{addr:hex}] [size={size:int} bytes] [mapped with {dir:dir}] [mapped as {type:word}]',
      },
    ],
    fn: 'dma_debug_device_change',
    file: DEBUG_FILE,
    why: 'The driver unbound with mappings or coherent allocations still live: its remove path misses an unmap or free (or an error path leaked one earlier).',
    rule: 'release/pending-allocations',
  },
  {
    id: 'dma-debug.map-stack',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [
      { template: 'device driver maps memory fromstack [addr={addr:hex}]' },
      { from: DEBUG_GATES.vmapStack, template: 'device driver maps memory from stack [{where:text}={addr:hex}]' },
    ],
    fn: 'check_for_stack',
    file: DEBUG_FILE,
    why: 'A buffer on the task stack was mapped for DMA (a local array handed to dma_map_*): stack memory is never DMA-safe, and with CONFIG_VMAP_STACK it is not even physically contiguous.',
    rule: 'map/stack',
  },
  {
    id: 'dma-debug.map-vmalloc',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ from: DEBUG_GATES.mapSingleCheck, template: 'device driver maps memory from vmalloc area [addr={addr:hex}] [len={len:int}]' }],
    fn: 'debug_dma_map_single',
    file: DEBUG_FILE,
    why: 'dma_map_single was given a vmalloc address (vmalloc, a vmapped stack, a module\'s data): it has no single struct page behind it, so virt_to_page() maps unrelated memory. Map its pages (vmalloc_to_page) with dma_map_page or an sg_table.',
    rule: 'map/vmalloc',
  },
  {
    id: 'dma-debug.map-invalid-area',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ from: DEBUG_GATES.mapSingleCheck, template: 'device driver maps memory from invalid area [addr={addr:hex}] [len={len:int}]' }],
    fn: 'debug_dma_map_single',
    file: DEBUG_FILE,
    why: 'dma_map_single was given an address outside the linear map (virt_addr_valid() is false): an ioremap or user pointer, or a computed address gone wrong.',
    rule: 'map/invalid-area',
  },
  {
    id: 'dma-debug.map-kernel-text',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'device driver maps memory from kernel text or rodata [addr={addr:hex}] [len={len:int}]' }],
    fn: 'check_for_illegal_area',
    file: DEBUG_FILE,
    why: 'The mapped range overlaps the kernel image text or rodata: a static const table or a string literal was handed to the DMA API.',
    rule: 'map/kernel-text',
  },
  {
    id: 'dma-debug.sg-segment-too-long',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'mapping sg segment longer than device claims to support [len={len:int}] [max={max:int}]' }],
    fn: 'check_sg_segment',
    file: DEBUG_FILE,
    why: 'A scatterlist segment is longer than dma_get_max_seg_size(): the driver built (or did not split) segments for a device whose dma_parms say it cannot take them.',
    rule: 'sg/segment-too-long',
  },
  {
    id: 'dma-debug.sg-segment-boundary',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api',
    wordings: [{ template: 'mapping sg segment across boundary [start=0x{start:hex}] [end=0x{end:hex}] [boundary=0x{boundary:hex}]' }],
    fn: 'check_sg_segment',
    file: DEBUG_FILE,
    why: 'A DMA segment crosses the dma_get_seg_boundary() mask: the device cannot cross that boundary within one segment.',
    rule: 'sg/segment-boundary',
  },
  {
    id: 'dma-debug.cacheline-overlap',
    source: 'dma-debug',
    level: 'err',
    prefix: 'dma-api',
    wordings: [
      { from: DEBUG_GATES.eexistPrErr, prefix: 'dma-api-nodev', template: "cacheline tracking EEXIST, overlapping mappings aren't supported" },
      { from: DEBUG_GATES.eexistErrPrintk, template: "cacheline tracking EEXIST, overlapping mappings aren't supported" },
    ],
    fn: 'add_dma_entry',
    file: DEBUG_FILE,
    why: 'Two live mappings the device may write start in the same CPU cacheline: the maintenance of one can destroy data of the other. Usually two buffers in one kmalloc slab line, or the same buffer mapped twice (use DMA_ATTR_SKIP_CPU_SYNC for the second map when that is intended).',
    rule: 'map/cacheline-overlap',
  },
  {
    id: 'dma-debug.overlap-limit',
    source: 'dma-debug',
    level: 'warn',
    prefix: 'dma-api-nodev',
    wordings: [{ template: 'exceeded {max:int} overlapping mappings of cacheline 0x{line:hex}' }],
    fn: 'active_cacheline_inc_overlap',
    file: DEBUG_FILE,
    why: 'More than seven live mappings start in one cacheline: mappings are leaking (mapped again without being unmapped).',
    rule: 'map/overlap-limit',
  },

  // -------------------------------------------------------------------------
  // swiotlb (kernel/dma/swiotlb.c; lib/swiotlb.c before 4.18)
  {
    id: 'swiotlb.no-pool',
    source: 'swiotlb',
    level: 'warn',
    // panic() prints its line with pr_emerg, until 639205ed206f (6.1) made it dev_warn_ratelimited
    earlierLevel: { level: 'emerg', until: SWIOTLB_GATES.noPoolWarn },
    prefix: 'dev',
    wordings: [
      // a panic before 6.1 (639205ed206f "swiotlb: don't panic!"), dev_warn_ratelimited after
      { prefix: 'none', template: "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer" },
      { from: SWIOTLB_GATES.noPoolWarn, template: "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer" },
    ],
    fn: 'swiotlb_tbl_map_single',
    file: 'kernel/dma/swiotlb.c',
    why: 'A mapping had to bounce but there is no swiotlb pool: swiotlb=noforce, or a pool that could not be allocated at boot. The device cannot reach the buffer: before 6.1 the kernel panics, from 6.1 the map fails with DMA_MAPPING_ERROR.',
    rule: 'swiotlb/no-pool',
  },
  {
    id: 'swiotlb.full',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    wordings: [
      { template: 'swiotlb buffer is full (sz: {size:int} bytes)' },
      { from: SWIOTLB_GATES.fullTotals, template: 'swiotlb buffer is full (sz: {size:int} bytes), total {total:int} (slots), used {used:int} (slots)' },
    ],
    fn: 'swiotlb_tbl_map_single',
    file: 'kernel/dma/swiotlb.c',
    why: 'No run of free 2 KiB slots fits the mapping: the pool is exhausted (mappings leak, or a device with a small DMA mask streams more than the pool holds), or the mapping is larger than 256 KiB (swiotlb_max_mapping_size). The map returns DMA_MAPPING_ERROR, which the driver must check.',
    rule: 'swiotlb/full',
  },
  {
    id: 'swiotlb.access-before-start',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    // 868c9ddc182b added it (5.15), e8068f2d756d removed it (6.9): before and after, such a sync copies unchecked
    wordings: [{ from: SWIOTLB_GATES.bounceOverflowChecks, until: SWIOTLB_GATES.partialSyncFix, template: 'Buffer overflow detected. Allocation size: {alloc:int}. Mapping size: {size:int}+{offset:int}.' }],
    fn: 'swiotlb_bounce',
    file: 'kernel/dma/swiotlb.c',
    why: 'A sync or unmap reached into a bounce slot past the end of its allocation: the offset of the synced address is already beyond the mapping. Nothing is copied (5.15–6.8; other kernels copy the whole size without a word).',
    rule: 'swiotlb/overflow',
  },
  {
    id: 'swiotlb.overflow',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    wordings: [
      // daf9514fd5eb (5.12): validate_sync_size_and_truncate(); 2bdba622c351 (5.13) moved the check into swiotlb_bounce
      { from: SWIOTLB_GATES.syncSizeCheck, template: 'Attempt for buffer overflow. Original size: {alloc:int}. Mapping size: {size:int}.', printedBy: { fn: 'validate_sync_size_and_truncate', file: 'kernel/dma/swiotlb.c' } },
      { from: SWIOTLB_GATES.bounceOffset, template: 'Buffer overflow detected. Allocation size: {alloc:int}. Mapping size: {size:int}.' },
    ],
    fn: 'swiotlb_bounce',
    file: 'kernel/dma/swiotlb.c',
    why: 'A sync or unmap asked swiotlb to copy more than the bounce allocation holds: the size passed is larger than the mapping. The copy is truncated to the allocation (from 5.12; before, the whole size was copied, past the end of the buffer).',
    rule: 'swiotlb/overflow',
  },
  {
    id: 'swiotlb.addr-overflow',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    // from "dma-direct: improve swiotlb error reporting" (5.6); before, report_addr() named the slot (dma-direct.overflow)
    wordings: [{ from: SWIOTLB_GATES.addrOverflowReport, template: 'swiotlb addr 0x{addr:hex}+{size:int} overflow (mask {mask:hex}, bus limit {bus:hex}).' }],
    fn: 'swiotlb_map',
    file: 'kernel/dma/swiotlb.c',
    why: 'Even the bounce slot is out of the device\'s reach: its DMA mask (or bus limit) does not cover the swiotlb pool. The mask is probably wrong or too small for this platform.',
    rule: 'swiotlb/addr-overflow',
  },
  {
    id: 'swiotlb.out-of-space',
    source: 'swiotlb',
    level: 'err',
    prefix: 'dev',
    wordings: [{ until: SWIOTLB_GATES.noOverflowBuffer, template: 'DMA: Out of SW-IOMMU space for {size:int} bytes' }],
    fn: 'swiotlb_full',
    // lib/swiotlb.c before 4.18 (fileFor)
    file: 'kernel/dma/swiotlb.c',
    why: 'Before 4.20: the pool was full and swiotlb_map_page handed out the overflow buffer, which dma_mapping_error() catches — if the driver checks it.',
    rule: 'swiotlb/full',
  },
  {
    id: 'swiotlb.coherent-mask',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    // printk with no level (the default, KERN_WARNING) and no device before coherentAllocBuffer, dev_warn from it
    wordings: [
      { prefix: 'none', template: 'hwdev DMA mask = 0x{mask:hex}, dev_addr = 0x{addr:hex}', printedBy: { fn: 'swiotlb_alloc_coherent', file: 'lib/swiotlb.c' } },
      { from: SWIOTLB_GATES.coherentAllocBuffer, until: SWIOTLB_GATES.noCoherentPool, template: 'hwdev DMA mask = 0x{mask:hex}, dev_addr = 0x{addr:hex}' },
    ],
    fn: 'swiotlb_alloc_buffer',
    file: 'kernel/dma/swiotlb.c',
    why: 'Before 4.20 a coherent allocation the page allocator could not satisfy within the coherent mask was taken from the swiotlb bounce pool; here even the pool slot lies above the coherent mask, so the slot is given back and the allocation fails. The device needs a wider coherent mask (or the platform an IOMMU).',
    rule: 'swiotlb/coherent-pool',
  },
  {
    id: 'swiotlb.coherent-failed',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    wordings: [
      { prefix: 'none', template: 'swiotlb: coherent allocation failed for device {device:word} size={size:int}', printedBy: { fn: 'swiotlb_alloc_coherent', file: 'lib/swiotlb.c' } },
      { from: SWIOTLB_GATES.coherentAllocBuffer, until: SWIOTLB_GATES.noCoherentPool, template: 'swiotlb: coherent allocation failed, size={size:int}' },
    ],
    fn: 'swiotlb_alloc_buffer',
    file: 'kernel/dma/swiotlb.c',
    why: 'Before 4.20 dma_alloc_coherent on a machine with swiotlb took the buffer from the bounce pool when no page within the coherent mask could be had, and that failed too: the pool is full (bounce mappings or earlier coherent allocations hold it), it is swiotlb=noforce, the size is above 256 KiB, or the pool is out of the mask. A stack dump follows; dma_alloc_coherent returns NULL. From 4.16 __GFP_NOWARN silences it.',
    rule: 'swiotlb/coherent-pool',
  },
  {
    id: 'swiotlb.cannot-dma',
    source: 'swiotlb',
    level: 'warn',
    prefix: 'dev',
    // %pa of a phys_addr_t: 0x and 16 hex digits
    // map_single() from 4.10, swiotlb_map_page() in 4.20 and swiotlb_map() from 5.0 (the printer is named map_single
    // throughout: not told apart), gone from 5.6: dma_direct_map_page() tests SWIOTLB_NO_FORCE itself and goes
    // straight to its overflow report
    wordings: [{ from: SWIOTLB_GATES.noForce, until: SWIOTLB_GATES.noForceInDirect, template: 'Cannot do DMA to address 0x{addr:hex}' }],
    fn: 'map_single',
    // lib/swiotlb.c before 4.18 (fileFor)
    file: 'kernel/dma/swiotlb.c',
    why: "swiotlb_force is SWIOTLB_NO_FORCE (the boot option swiotlb=noforce, which is what the explorer's swiotlb=0 means on a machine whose kernel would set up a pool; or arm64 whose RAM all fits in ZONE_DMA, so mem_init() set up no pool): a buffer the device cannot reach is not bounced, and the map fails. From 5.0 to 5.5 dma-direct's overflow report follows; from 5.6 that report comes alone.",
    rule: 'swiotlb/no-pool',
  },
  {
    id: 'swiotlb.panic',
    source: 'swiotlb',
    level: 'err',
    prefix: 'none',
    wordings: [{ until: SWIOTLB_GATES.noOverflowBuffer, template: 'Kernel panic - not syncing: DMA: Random memory could be DMA {what:word}' }],
    fn: 'swiotlb_full',
    // lib/swiotlb.c before 4.18 (fileFor)
    file: 'kernel/dma/swiotlb.c',
    why: 'Before 4.20: a mapping larger than the 32 KiB overflow buffer found the pool full, and swiotlb panicked rather than let the device reach random memory.',
    rule: 'swiotlb/full',
  },

  // -------------------------------------------------------------------------
  // dma-direct and the mapping front door
  {
    id: 'dma-direct.overflow',
    source: 'dma-direct',
    level: 'err',
    prefix: 'dev',
    wordings: [
      // check_addr(dev, addr, size, __func__): "dma_direct_map_page" or "dma_direct_map_sg", the caller
      { template: 'dma_direct_map_{op:word}: overflow 0x{addr:hex}+{size:int} of device mask {mask:hex}', printedBy: CHECK_ADDR },
      { from: DIRECT_GATES.overflowBusMask, template: 'dma_direct_map_{op:word}: overflow 0x{addr:hex}+{size:int} of device mask {mask:hex} bus mask {bus:hex}', printedBy: CHECK_ADDR },
      { from: DIRECT_GATES.overflowReportAddr, template: 'overflow 0x{addr:hex}+{size:int} of DMA mask {mask:hex} bus mask {bus:hex}', printedBy: REPORT_ADDR },
      { from: DIRECT_GATES.overflowBusLimit, template: 'overflow 0x{addr:hex}+{size:int} of DMA mask {mask:hex} bus limit {bus:hex}', printedBy: REPORT_ADDR },
      // 75467ee48a5e moved the report into dma_direct_map_page itself (and dma_direct_map_resource)
      { from: DIRECT_GATES.overflowAlways, template: 'DMA addr 0x{addr:hex}+{size:int} overflow (mask {mask:hex}, bus limit {bus:hex}).' },
    ],
    fn: 'dma_direct_map_phys',
    file: 'kernel/dma/direct.h',
    renamed: 'directMap',
    why: 'The buffer lies above what the device can address (its DMA mask or bus limit) and there is no swiotlb pool to bounce it through: the driver should set the right mask, allocate below it (GFP_DMA32, dma_alloc_*), or the platform needs swiotlb.',
    rule: 'direct/overflow',
  },
  {
    id: 'x86.nommu-overflow',
    source: 'dma-direct',
    level: 'err',
    prefix: 'none',
    wordings: [{ until: ARCH_GATES.x86DmaDirect, template: 'nommu_{op:word}: overflow {addr:hex}+{size:int} of device mask {mask:hex}' }],
    fn: 'check_addr',
    file: 'arch/x86/kernel/pci-nommu.c',
    why: 'x86 before 4.17, no IOMMU and no swiotlb (nommu_dma_ops): the buffer lies above the device\'s DMA mask, so nommu_map_page (map_single) or nommu_map_sg (map_sg) fails. Printed only for masks of 32 bits or more; a smaller mask fails silently.',
    rule: 'direct/overflow',
  },
  {
    id: 'dma-direct.report-addr-warn',
    source: 'dma-direct',
    level: 'warn',
    prefix: 'none',
    wordings: [{ from: DIRECT_GATES.overflowReportAddr, until: DIRECT_GATES.overflowAlways, template: 'WARNING: at kernel/dma/direct.c: report_addr: WARN_ON_ONCE(1)' }],
    fn: 'report_addr',
    file: 'kernel/dma/direct.c',
    why: 'The WARN_ON_ONCE that followed an unreachable-buffer report in 5.0–5.5 (for a mask under 32 bits, the only trace): see the overflow report.',
    rule: 'direct/overflow',
    site: { files: ['kernel/dma/direct.c'], fns: ['report_addr'] },
  },
  {
    id: 'dma-mapping.map-sg-zero',
    source: 'dma-mapping',
    level: 'warn',
    prefix: 'none',
    wordings: [{ from: DMA_BUF_GATES.sgtableEio, template: 'WARNING: at kernel/dma/mapping.c: __dma_map_sg_attrs: WARN_ON_ONCE(ents != -EINVAL && ents != -ENOMEM && ents != -EIO)' }],
    fn: '__dma_map_sg_attrs',
    file: 'kernel/dma/mapping.c',
    why: 'dma_map_sg or dma_map_sgtable was given a list the back end mapped to 0 entries (an empty scatterlist) where only a count or -EINVAL/-ENOMEM/-EIO is expected: WARN once, dma_map_sgtable returns -EIO and dma_map_sg 0. Before 5.15 the 0 was returned silently (and dma_map_sgtable turned it into -EINVAL).',
    rule: 'map/sg-empty',
    site: { files: ['kernel/dma/mapping.c'], fns: ['__dma_map_sg_attrs', 'dma_map_sg_attrs', 'dma_map_sgtable'] },
  },
  {
    id: 'dma-mapping.vmalloc-rejected',
    source: 'dma-mapping',
    level: 'warn',
    prefix: 'dev',
    wordings: [{ from: DIRECT_GATES.vmallocRejected, template: 'rejecting DMA map of vmalloc memory' }],
    fn: 'dma_map_single_attrs',
    file: 'include/linux/dma-mapping.h',
    why: 'dma_map_single was given a vmalloc address (vmalloc memory, a vmapped stack): refused with DMA_MAPPING_ERROR. Map the pages with dma_map_page or an sg_table, or use kmalloc memory.',
    rule: 'map/vmalloc',
  },
  {
    id: 'dma-mapping.bad-direction',
    source: 'dma-mapping',
    level: 'err',
    prefix: 'none',
    wordings: [{ template: 'kernel BUG at kernel/dma/mapping.c: {fn:word}: BUG_ON(!valid_dma_direction(dir))' }],
    fn: 'dma_map_page_attrs',
    file: 'kernel/dma/mapping.c',
    why: 'A map, unmap or sync was called with DMA_NONE (or garbage) as the direction: the kernel oopses.',
    rule: 'map/bad-direction',
    site: { files: ['kernel/dma/mapping.c', 'include/linux/dma-mapping.h'], fns: ['dma_map_page_attrs', 'dma_unmap_page_attrs', 'dma_map_phys', 'dma_unmap_phys', 'dma_map_sg_attrs', '__dma_map_sg_attrs', 'dma_unmap_sg_attrs', 'dma_map_resource', 'dma_unmap_resource', 'dma_sync_single_for_cpu', 'dma_sync_single_for_device', '__dma_sync_single_for_cpu', '__dma_sync_single_for_device', 'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device', '__dma_sync_sg_for_cpu', '__dma_sync_sg_for_device', 'dma_map_single_attrs', 'dma_unmap_single_attrs'] },
  },

  // -------------------------------------------------------------------------
  // The slab allocator's check of the gfp flags (GFP_SLAB_BUG_MASK: there is no kmalloc cache for GFP_DMA32)
  {
    id: 'slab.bad-gfp-emerg',
    source: 'slab',
    level: 'emerg',
    prefix: 'none',
    // pr_emerg("gfp: %u\n", flags & GFP_SLAB_BUG_MASK): the offending bits in decimal, then BUG()
    wordings: [{ until: MM_GATES.slabNoPanic, template: 'gfp: {bits:int}' }],
    fn: 'new_slab',
    file: 'mm/slub.c',
    why: 'Before 4.8: kmalloc was called with GFP_DMA32 (or __GFP_HIGHMEM) and needed a new slab page. No kmalloc cache serves those flags, so new_slab() printed the offending bits in decimal (4 is __GFP_DMA32) and BUG()ed. Use alloc_pages(GFP_DMA32, …) or dma_alloc_coherent for memory below 4 GiB.',
    rule: 'mm/slab-gfp',
  },
  {
    id: 'slab.bad-gfp-bug',
    source: 'slab',
    // report_bug()'s pr_crit("kernel BUG at %s:%u!")
    level: 'crit',
    prefix: 'none',
    wordings: [{ until: MM_GATES.slabNoPanic, template: 'kernel BUG at mm/slub.c: new_slab: BUG() (flags & GFP_SLAB_BUG_MASK)' }],
    fn: 'new_slab',
    file: 'mm/slub.c',
    why: 'The BUG() after "gfp: 4" before 4.8: kmalloc with GFP_DMA32 needed a new slab page and the kernel oopsed rather than fix the flags.',
    rule: 'mm/slab-gfp',
    site: { files: ['mm/slub.c'], fns: ['new_slab'] },
  },
  {
    id: 'slab.unexpected-gfp',
    source: 'slab',
    level: 'warn',
    prefix: 'none',
    wordings: [{ from: MM_GATES.slabNoPanic, template: 'Unexpected gfp: 0x{bad:hex} ({badNames:text}). Fixing up to gfp: 0x{fixed:hex} ({fixedNames:text}). Fix your code!' }],
    fn: 'new_slab',
    file: 'mm/slub.c',
    renamed: 'slabFixFlags',
    why: 'kmalloc was called with GFP_DMA32 (or __GFP_HIGHMEM). There is no kmalloc cache for GFP_DMA32 (only kmalloc-dma-* for GFP_DMA), so the object comes from the normal kmalloc-N cache, anywhere in RAM, and the flag is stripped where the allocator takes pages: new_slab() when a new slab page is needed, and from 5.9 every kmalloc above 8 KiB (kmalloc_fix_flags). A stack dump follows (SLUB from 4.11). The memory is not below 4 GiB: use alloc_pages(GFP_DMA32, …), dma_alloc_coherent or a streaming mapping instead.',
    rule: 'mm/slab-gfp',
  },

  // -------------------------------------------------------------------------
  // IOMMU
  {
    id: 'dma-iommu.dac',
    source: 'dma-iommu',
    level: 'notice',
    prefix: 'dev',
    wordings: [{ from: DMA_IOMMU_GATES.pci32Once, template: 'Using {bits:int}-bit DMA addresses' }],
    fn: 'iommu_dma_alloc_iova',
    file: 'drivers/iommu/dma-iommu.c',
    why: 'The 32-bit IOVA space of this PCI device is full, so dma-iommu stops trying it and hands out IOVAs up to the full mask. A device that misbehaves only after this probably has a wrong DMA mask or address lines that are not wired up.',
    rule: 'iommu/pci-32bit',
  },
  {
    id: 'dma-iommu.bounce-inactive',
    source: 'dma-iommu',
    level: 'warn',
    prefix: 'dev',
    wordings: [{ from: DMA_IOMMU_GATES.bounceInactiveCheck, template: 'DMA bounce buffers are inactive, unable to map unaligned transaction.' }],
    fn: 'iommu_dma_map_swiotlb',
    file: 'drivers/iommu/dma-iommu.c',
    why: 'An untrusted device (or an unsafe kmalloc buffer) needed a bounce slot but swiotlb is not set up: the map fails.',
    rule: 'iommu/bounce',
  },
  {
    id: 'iommu.unaligned-map',
    source: 'iommu',
    level: 'err',
    prefix: 'none',
    wordings: [{ template: 'iommu: unaligned: iova 0x{iova:hex} pa 0x{pa:hex} size 0x{size:hex} min_pagesz 0x{min:hex}' }],
    fn: 'iommu_map',
    file: 'drivers/iommu/iommu.c',
    why: 'The driver called iommu_map with an IOVA, physical address or size that is not a multiple of the IOMMU\'s smallest page size: it must map whole pages.',
    rule: 'iommu/unaligned',
  },
  {
    id: 'iommu.unaligned-unmap',
    source: 'iommu',
    level: 'err',
    prefix: 'none',
    wordings: [{ template: 'iommu: unaligned: iova 0x{iova:hex} size 0x{size:hex} min_pagesz 0x{min:hex}' }],
    fn: 'iommu_unmap',
    file: 'drivers/iommu/iommu.c',
    why: 'iommu_unmap with an IOVA or size that is not a multiple of the smallest IOMMU page: nothing is unmapped.',
    rule: 'iommu/unaligned',
  },
  {
    id: 'io-pgtable.partial-unmap',
    source: 'io-pgtable',
    level: 'warn',
    prefix: 'none',
    wordings: [{ from: IO_PGTABLE_GATES.noSplitBlock, template: 'Unmap of a partial large IOPTE is not allowed' }],
    fn: '__arm_lpae_unmap',
    file: 'drivers/iommu/io-pgtable-arm.c',
    why: 'The driver unmapped part of a range that iommu_map had installed as one block (2 MiB or 1 GiB): blocks are no longer split on unmap (before 6.13 they were). Unmap with the size that was mapped.',
    rule: 'iommu/partial-unmap',
  },
  {
    id: 'arm-smmu.context-fault',
    source: 'arm-smmu',
    level: 'err',
    prefix: 'dev',
    wordings: [
      { template: 'Unhandled context fault: iova=0x{iova:hex}, fsynr=0x{fsynr:hex}, cb={cb:int}' },
      { from: ARM_SMMU_GATES.fsrLine, template: 'Unhandled context fault: fsr=0x{fsr:hex}, iova=0x{iova:hex}, fsynr=0x{fsynr:hex}, cb={cb:int}' },
      { from: ARM_SMMU_GATES.cbfrsynra, template: 'Unhandled context fault: fsr=0x{fsr:hex}, iova=0x{iova:hex}, fsynr=0x{fsynr:hex}, cbfrsynra=0x{sid:hex}, cb={cb:int}' },
    ],
    fn: 'arm_smmu_context_fault',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    why: 'The device accessed an IOVA its domain does not map (fsr=0x2, a translation fault: DMA after unmap, a wrong or stale handle, a device whose driver bypassed the DMA API) or wrote a read-only one (fsr=0x8, a permission fault: a DMA_TO_DEVICE mapping written by the device). FSYNR0 bit 4 (WNR) says it was a write.',
    rule: 'iommu/fault',
  },
  {
    id: 'arm-smmu.already-attached',
    source: 'arm-smmu',
    level: 'err',
    prefix: 'dev',
    wordings: [{ until: ARM_SMMU_GATES.dmaDomains, template: 'already attached to IOMMU domain' }],
    fn: 'arm_smmu_attach_dev',
    file: 'drivers/iommu/arm-smmu.c',
    why: 'The driver attached its device to a second IOMMU domain without detaching it from the first: before 4.6 arm-smmu refused any attach while dev->archdata.iommu was set (-EEXIST). Call iommu_detach_device() first.',
    rule: 'iommu/attach-busy',
  },
  {
    id: 'arm-smmu.fsr',
    source: 'arm-smmu',
    level: 'err',
    prefix: 'dev',
    wordings: [{ from: ARM_SMMU_GATES.prettyPrint, template: 'FSR    = {fsr:hex} [{flags:text}], SID=0x{sid:hex}' }],
    fn: 'arm_smmu_print_context_fault_info',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    why: 'The decoded fault status of the context fault above: TF a translation fault, PF a permission fault; SID the stream of the faulting device.',
    rule: 'iommu/fault',
  },
  {
    id: 'arm-smmu.fsynr0',
    source: 'arm-smmu',
    level: 'err',
    prefix: 'dev',
    wordings: [{ from: ARM_SMMU_GATES.prettyPrint, template: 'FSYNR0 = {fsynr:hex} [{flags:text}]' }],
    fn: 'arm_smmu_print_context_fault_info',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    why: 'The decoded syndrome of the context fault above: WNR a write, PLVL the page-table level where the walk stopped.',
    rule: 'iommu/fault',
  },
  // Intel VT-d (x86): dmar_fault() in drivers/iommu/intel/dmar.c (drivers/iommu/dmar.c before 5.8), pr_fmt "DMAR: "
  {
    id: 'dmar.drhd-fault',
    source: 'intel-iommu',
    level: 'err',
    prefix: 'none',
    wordings: [{ template: 'DMAR: DRHD: handling fault status reg {status:hex}' }],
    fn: 'dmar_fault',
    file: 'drivers/iommu/intel/dmar.c',
    why: 'The VT-d unit raised its fault event interrupt: the fault status register (2 = DMA_FSTS_PPF, a primary fault is pending; 3 adds PFO, records overflowed) is printed before the fault records that follow. A device DMA was blocked by the IOMMU.',
    rule: 'iommu/fault',
  },
  {
    id: 'dmar.fault',
    source: 'intel-iommu',
    level: 'err',
    prefix: 'none',
    wordings: [
      { template: 'DMAR: [DMA {access:word}] Request device [{pciBus:hex}:{pciSlot:hex}.{pciFn:int}] fault addr {addr:hex} [fault reason {reason:int}] {reasonText:text}' },
      { from: INTEL_IOMMU_GATES.pasidInFault, template: 'DMAR: [DMA {access:word}] Request device [{pciBus:hex}:{pciSlot:hex}.{pciFn:int}] PASID {pasid:hex} fault addr {addr:hex} [fault reason {reason:int}] {reasonText:text}' },
      { from: INTEL_IOMMU_GATES.noPasid, template: 'DMAR: [DMA {access:word} NO_PASID] Request device [0x{pciBus:hex}:0x{pciSlot:hex}.{pciFn:int}] fault addr 0x{addr:hex} [fault reason 0x{reason:hex}] {reasonText:text}' },
      { from: INTEL_IOMMU_GATES.bdfNo0x, template: 'DMAR: [DMA {access:word} NO_PASID] Request device [{pciBus:hex}:{pciSlot:hex}.{pciFn:int}] fault addr 0x{addr:hex} [fault reason 0x{reason:hex}] {reasonText:text}' },
    ],
    fn: 'dmar_fault_do_one',
    file: 'drivers/iommu/intel/dmar.c',
    why: 'The device at that PCI address (bus:slot.function) made a DMA request the VT-d unit blocked: the address (the faulting page) is not mapped in its domain (a read reports fault reason 6, "PTE Read access is not set"; a write reason 5, "PTE Write access is not set": DMA after unmap, a wrong or stale handle, a driver that bypassed the DMA API), or a write hit a read-only mapping (reason 5: a DMA_TO_DEVICE buffer written by the device), or a read hit a write-only one (reason 6: a DMA_FROM_DEVICE buffer read by the device; VT-d has separate read and write bits). Reasons 0x30 and up are scalable-mode faults.',
    rule: 'iommu/fault',
  },
  // riscv_iommu_fault() in drivers/iommu/riscv/iommu.c (6.13 on): dev_warn_ratelimited(iommu->dev, "Fault %d devid: 0x%x
  // iotval: %llx iotval2: %llx\n", …) — a dev_* print, so the IOMMU device's driver and name prefix it (the
  // file's pr_fmt "riscv-iommu: " does not apply); the driver name of the platform driver is "riscv,iommu".
  {
    id: 'riscv-iommu.fault',
    source: 'riscv-iommu',
    level: 'warn',
    prefix: 'dev',
    wordings: [{ from: RISCV_IOMMU_GATES.driver, template: 'Fault {cause:int} devid: 0x{devid:hex} iotval: {iotval:hex} iotval2: {iotval2:hex}' }],
    fn: 'riscv_iommu_fault',
    file: 'drivers/iommu/riscv/iommu.c',
    why: 'The RISC-V IOMMU aborted a device access and queued a fault record: cause 13 is a read page fault, 15 a write/AMO page fault (nothing mapped at iotval, the IOVA: DMA after unmap, a wrong or stale handle; or a write to a read-only mapping — RISC-V leaves are always readable), 258 a device with no valid device context (the blocking domain). devid is the device ID of the requester. The driver only logs it: no fault handler is called.',
    rule: 'iommu/fault',
  },
  // __domain_mapping() in drivers/iommu/intel/iommu.c (intel-iommu.c before 5.8), pr_fmt "DMAR: ": the same pr_crit
  // in a 4.x tree ("tmp = cmpxchg64_local(&pte->val, 0ULL, pteval); if (tmp) { … pr_crit(…); … WARN_ON(1); }") and
  // the stored torvalds/linux tree (try_cmpxchg64_local), where the map still returns 0.
  {
    id: 'dmar.pte-already-set',
    source: 'intel-iommu',
    level: 'crit',
    prefix: 'none',
    wordings: [{ template: 'DMAR: ERROR: DMA PTE for vPFN 0x{pfn:hex} already set (to {old:hex} not {new:hex})' }],
    fn: '__domain_mapping',
    file: 'drivers/iommu/intel/iommu.c',
    why: 'iommu_map was asked to map an IOVA page that is already mapped (an unmap missing, or two mappings overlapping): VT-d keeps the old PTE (the first value; the second is the one refused), WARNs, and the map returns 0 anyway, so the caller believes the new mapping is in place.',
    rule: 'iommu/pte-already-set',
  },
  {
    id: 'dmar.pte-already-set-warn',
    source: 'intel-iommu',
    level: 'warn',
    prefix: 'none',
    wordings: [
      { until: INTEL_IOMMU_GATES.subdir, template: 'WARNING: at drivers/iommu/intel-iommu.c: __domain_mapping: WARN_ON(1)' },
      { from: INTEL_IOMMU_GATES.subdir, template: 'WARNING: at drivers/iommu/intel/iommu.c: __domain_mapping: WARN_ON(1)' },
    ],
    fn: '__domain_mapping',
    file: 'drivers/iommu/intel/iommu.c',
    why: 'The WARN_ON(1) right after "DMA PTE for vPFN … already set": see that line.',
    rule: 'iommu/pte-already-set',
    site: { files: ['drivers/iommu/intel/iommu.c', 'drivers/iommu/intel-iommu.c'], fns: ['__domain_mapping', 'domain_mapping', 'intel_iommu_map', 'iommu_map'] },
  },
  {
    id: 'panfrost.page-fault',
    source: 'panfrost',
    level: 'err',
    prefix: 'dev',
    wordings: [
      {
        template:
          'Unhandled Page fault in AS{as:int} at VA 0x{va:hex}\nReason: {reason:text}\nraw fault status: 0x{status:hex}\ndecoded fault status: {decoded:text}\nexception type 0x{exc:hex}: {excName:word}\naccess type 0x{acc:hex}: {accName:word}\nsource id 0x{source:hex}',
      },
    ],
    fn: 'panfrost_mmu_irq_handler_thread',
    file: 'drivers/gpu/drm/panfrost/panfrost_mmu.c',
    why: 'The GPU\'s own MMU found no PTE for a GPU virtual address (stage 1, not the system IOMMU): the driver (or userspace) submitted a job using a GPU VA it never mapped, or one already unmapped. The address space is disabled and its jobs are killed.',
    rule: 'gpu/fault',
  },

  // -------------------------------------------------------------------------
  // CMA (mm/cma.c, mm/page_alloc.c)
  {
    id: 'cma.alloc-failed',
    source: 'cma',
    level: 'err',
    // pr_info until 5984af1082f3 (4.15)
    earlierLevel: { level: 'info', until: CMA_GATES.failPrErr },
    prefix: 'none',
    wordings: [
      { from: CMA_GATES.failMessage, template: 'cma: cma_alloc: alloc failed, req-size: {count:int} pages, ret: {ret:int}' },
      { from: CMA_GATES.areaName, template: 'cma: cma_alloc: {area:word}: alloc failed, req-size: {count:int} pages, ret: {ret:int}' },
      { from: CMA_GATES.underscoreName, template: 'cma: __cma_alloc: {area:word}: alloc failed, req-size: {count:int} pages, ret: {ret:int}' },
    ],
    fn: 'cma_alloc',
    file: 'mm/cma.c',
    renamed: 'cmaAlloc',
    why: 'No aligned run of free pages in the CMA area could be claimed and emptied: the area is too small or fragmented (ret -12 on older kernels), or every candidate held a page that could not migrate, usually a short-term pin such as O_DIRECT in flight (ret -16).',
    rule: 'cma/alloc-failed',
  },
  {
    id: 'cma.areas-head',
    source: 'cma',
    level: 'info',
    prefix: 'none',
    wordings: [{ from: CMA_GATES.multiRange, template: 'cma: number of available pages: ' }],
    fn: 'cma_debug_show_areas',
    file: 'mm/cma.c',
    why: 'The start of the free-page dump that follows a failed CMA allocation.',
    rule: 'cma/alloc-failed',
  },
  {
    id: 'cma.areas-range',
    source: 'cma',
    level: 'info',
    prefix: 'none',
    wordings: [{ from: CMA_GATES.multiRange, template: 'cma: range {range:int}: {runs:text}' }],
    fn: 'cma_debug_show_areas',
    file: 'mm/cma.c',
    why: 'The free runs of one CMA range after a failed allocation, as pages@first-page: many small runs mean fragmentation.',
    rule: 'cma/alloc-failed',
  },
  {
    id: 'cma.areas-end',
    source: 'cma',
    level: 'info',
    prefix: 'none',
    wordings: [{ from: CMA_GATES.multiRange, template: 'cma: ' }],
    fn: 'cma_debug_show_areas',
    file: 'mm/cma.c',
    why: 'The record pr_info("\\n") leaves in the free-page dump of a failed CMA allocation.',
    rule: 'cma/alloc-failed',
  },
  {
    id: 'cma.areas-total',
    source: 'cma',
    level: 'info',
    prefix: 'none',
    wordings: [{ from: CMA_GATES.multiRange, template: '=> {free:int} free of {total:int} total pages' }],
    fn: 'cma_debug_show_areas',
    file: 'mm/cma.c',
    why: 'How many pages of the CMA area were free when the allocation failed: plenty free but no allocation means fragmentation or pinned pages.',
    rule: 'cma/alloc-failed',
  },
  {
    id: 'cma.pfns-busy',
    source: 'cma',
    level: 'info',
    prefix: 'none',
    wordings: [{ until: CMA_GATES.pfnsBusySilent, template: 'alloc_contig_range: [{start:hex}, {end:hex}) PFNs busy' }],
    fn: 'alloc_contig_range',
    file: 'mm/page_alloc.c',
    why: 'A page in this candidate range could not be migrated out (pinned, or with an extra reference): CMA retries at the next aligned candidate. Frequent lines point at short-term pins or unmovable allocations in the CMA area. Newer kernels print nothing here (only the test_pages_isolated trace event).',
    rule: 'cma/busy',
  },

  // -------------------------------------------------------------------------
  // dma-buf and lockdep
  {
    id: 'dma-buf.export-cache-sgt-pin',
    source: 'dma-buf',
    level: 'warn',
    prefix: 'none',
    wordings: [{ until: DMA_BUF_GATES.noCache, template: 'WARNING: at drivers/dma-buf/dma-buf.c: dma_buf_export: WARN_ON(exp_info->ops->cache_sgt_mapping && (exp_info->ops->pin || exp_info->ops->unpin))' }],
    fn: 'dma_buf_export',
    file: 'drivers/dma-buf/dma-buf.c',
    why: 'An exporter asked for cache_sgt_mapping and also has pin/unpin: a dynamic exporter may move the buffer, so a cached mapping would go stale. The export fails with -EINVAL.',
    rule: 'dmabuf/export',
    site: { files: ['drivers/dma-buf/dma-buf.c'], fns: ['dma_buf_export'] },
  },
  {
    id: 'drm-prime.map-busy',
    source: 'dma-buf',
    level: 'warn',
    prefix: 'none',
    wordings: [{ until: DMA_BUF_GATES.cacheSgt, template: 'WARNING: at drivers/gpu/drm/drm_prime.c: drm_gem_map_dma_buf: WARN_ON(prime_attach->dir != DMA_NONE)' }],
    fn: 'drm_gem_map_dma_buf',
    file: 'drivers/gpu/drm/drm_prime.c',
    why: 'The GEM PRIME helpers cache the first mapping of each attachment with its direction and return it only for exactly that direction: "two mappings with different directions for the same attachment are not allowed". The map fails with -EBUSY.',
    rule: 'dmabuf/direction',
  },
  {
    id: 'dma-buf.pin-static-importer',
    source: 'dma-buf',
    level: 'warn',
    prefix: 'none',
    wordings: [
      { from: DMA_BUF_GATES.pinUnpin, template: 'WARNING: at drivers/dma-buf/dma-buf.c: {fn:word}: WARN_ON(!dma_buf_attachment_is_dynamic(attach))' },
      { from: DMA_BUF_GATES.noCache, template: 'WARNING: at drivers/dma-buf/dma-buf.c: {fn:word}: WARN_ON(!attach->importer_ops)' },
    ],
    fn: 'dma_buf_pin',
    file: 'drivers/dma-buf/dma-buf.c',
    why: 'A static importer (dma_buf_attach, no importer_ops) called dma_buf_pin or dma_buf_unpin: only dynamic importers may pin; a static one is pinned by the core for it.',
    rule: 'dmabuf/pin',
    site: { files: ['drivers/dma-buf/dma-buf.c'], fns: ['dma_buf_pin', 'dma_buf_unpin'] },
  },
  {
    id: 'dma-buf.resv-not-held',
    source: 'dma-buf',
    level: 'warn',
    prefix: 'none',
    wordings: [{ from: DMA_BUF_GATES.dynamic, template: 'WARNING: at drivers/dma-buf/dma-buf.c: {fn:word}: lockdep_assert_held(&({expr:text})->lock.base)' }],
    fn: 'dma_resv_assert_held',
    file: 'drivers/dma-buf/dma-buf.c',
    why: 'The importer called dma_buf_map_attachment, dma_buf_unmap_attachment, dma_buf_pin or dma_buf_unpin without holding the buffer\'s reservation lock (dma_resv_lock), or should have used the _unlocked variant.',
    rule: 'dmabuf/locking',
    site: { files: ['drivers/dma-buf/dma-buf.c'], fns: ['dma_buf_map_attachment', 'dma_buf_unmap_attachment', 'dma_buf_pin', 'dma_buf_unpin'] },
  },
  {
    id: 'lockdep.recursive',
    source: 'lockdep',
    level: 'warn',
    prefix: 'none',
    wordings: [{ template: 'WARNING: possible recursive locking detected' }],
    fn: 'print_deadlock_bug',
    file: 'kernel/locking/lockdep.c',
    why: 'The task took a lock it already holds: for dma-buf, dma_buf_attach/detach or begin/end_cpu_access (which take or might_lock the reservation lock) called with dma_resv_lock held — a self-deadlock on the ww_mutex.',
    rule: 'dmabuf/locking',
  },
  {
    id: 'lockdep.recursive-detail',
    source: 'lockdep',
    level: 'warn',
    prefix: 'none',
    wordings: [{ template: 'trying to acquire lock (reservation_ww_class_mutex) at: {fn:word}, but task is already holding lock (reservation_ww_class_mutex) at: dma_resv_lock' }],
    fn: 'print_deadlock_bug',
    file: 'kernel/locking/lockdep.c',
    why: 'Where the recursive locking happened: the function that takes the reservation lock again.',
    rule: 'dmabuf/locking',
  },
  {
    id: 'lockdep.bad-unlock',
    source: 'lockdep',
    level: 'warn',
    prefix: 'none',
    wordings: [{ template: 'WARNING: bad unlock balance detected!' }],
    fn: 'print_unlock_imbalance_bug',
    file: 'kernel/locking/lockdep.c',
    why: 'The task released a lock it does not hold: an unlock too many, or an unlock on an error path that never locked.',
    rule: 'dmabuf/locking',
  },
  {
    id: 'lockdep.bad-unlock-detail',
    source: 'lockdep',
    level: 'warn',
    prefix: 'none',
    wordings: [{ template: 'trying to release lock (reservation_ww_class_mutex) at: dma_resv_unlock, but there are no more locks to release!' }],
    fn: 'print_unlock_imbalance_bug',
    file: 'kernel/locking/lockdep.c',
    why: 'Where the unbalanced unlock happened: dma_resv_unlock without a matching dma_resv_lock.',
    rule: 'dmabuf/locking',
  },
  // -------------------------------------------------------------------------
  // drm_cache.c: the GPU drivers' own cache flushing
  {
    id: 'drm.cache-no-arch-support',
    source: 'drm',
    level: 'err',
    prefix: 'none',
    wordings: [{ template: 'Architecture has no drm_cache.c support' }],
    fn: 'drm_clflush_sg',
    file: 'drivers/gpu/drm/drm_cache.c',
    why: 'A GPU driver called drm_clflush_sg (or drm_clflush_pages / drm_clflush_virt_range) on an architecture other than x86: drm_cache.c has no cache flush there, so nothing was flushed and a non-snooping device sees stale RAM. On arm and arm64 the cache maintenance belongs to the DMA API (dma_sync_*).',
    rule: 'drm/clflush',
  },
  {
    id: 'drm.cache-no-arch-warn',
    source: 'drm',
    level: 'warn',
    prefix: 'none',
    wordings: [{ template: 'WARNING: at drivers/gpu/drm/drm_cache.c: {fn:word}: WARN_ON_ONCE(1)' }],
    fn: 'drm_clflush_sg',
    file: 'drivers/gpu/drm/drm_cache.c',
    why: 'The WARN_ON_ONCE that follows "Architecture has no drm_cache.c support": see that message.',
    rule: 'drm/clflush',
  },
] as const satisfies readonly CatalogueEntry[];

export type MessageId = (typeof CATALOGUE)[number]['id'];

const BY_ID = new Map<string, CatalogueEntry>(CATALOGUE.map((e) => [e.id, e]));

/** A line of an IOMMU's fault report (arm-smmu's context fault and its decode lines, VT-d's DMAR lines): what the views pin to a fault. */
export function isIommuFaultLine(id: MessageId): boolean {
  return catalogueEntry(id).rule === 'iommu/fault';
}

export function catalogueEntry(id: MessageId): CatalogueEntry {
  return BY_ID.get(id)!;
}

/** Who a dev_printk / err_printk line names: dev_driver_string() and dev_name(). */
export interface Who {
  driver: string;
  device: string;
}

/** A device of the scenario: its name stands for both the driver's and the device's. */
/** dev_driver_string() and dev_name() of a device: the scenario's name, and the kernel's name (label=) when it has one. */
export function who(name: string, devName?: string): Who {
  return { driver: name, device: devName ?? name };
}

/**
 * The function that prints an entry in this kernel and its file, named as the
 * engine names it: the wording's own printer when another function printed
 * it, else the entry's renamed function (kernelName), else the entry's
 * function in its file of that version (kernelFile: kernel/dma files lived in
 * lib/ before 4.18, arm-smmu.c in drivers/iommu/ before 5.9).
 */
export function printerFor(e: CatalogueEntry, kernel: number): KernelFn {
  const w = wordingFor(e, kernel);
  if (w?.printedBy) return { fn: w.printedBy.fn, file: kernelFile(kernel, w.printedBy.file) };
  if (e.renamed) return kernelName(kernel, e.renamed);
  return { fn: e.fn, file: kernelFile(kernel, e.file) };
}

/** The file that prints an entry in this kernel (printerFor). */
export function fileFor(e: CatalogueEntry, kernel: number): string {
  return printerFor(e, kernel).file;
}

/** The level this kernel prints an entry at: its `earlierLevel` before that gate, else its own. */
export function levelFor(e: CatalogueEntry, kernel: number): Level {
  return e.earlierLevel && kernel < e.earlierLevel.until.code ? e.earlierLevel.level : e.level;
}

/** The level this kernel prints message `id` at (levelFor). */
export function kernelLevel(kernel: number, id: MessageId): Level {
  return levelFor(BY_ID.get(id)!, kernel);
}

/** Does this kernel print message `id` at all (some wording is in force)? */
export function kernelHas(kernel: number, id: MessageId): boolean {
  return wordingFor(BY_ID.get(id)!, kernel) !== null;
}

/** The wording this kernel prints for an entry, or null when the message does not exist in it. */
export function wordingFor(e: CatalogueEntry, kernel: number): Wording | null {
  let w: Wording | null = null;
  for (const x of e.wordings) if (!x.from || kernel >= x.from.code) w = x;
  if (!w) return null;
  if (w.from && kernel < w.from.code) return null;
  if (w.until && kernel >= w.until.code) return null;
  return w;
}

function prefixText(p: Prefix, kernel: number, by: Who | undefined): string {
  if (p === 'none') return '';
  if (p === 'dma-api-nodev') return 'DMA-API: ';
  if (!by) throw new Error(`a ${p} message needs the driver and device`);
  if (p === 'dev') return `${by.driver} ${by.device}: `;
  return kernel >= DEBUG_GATES.prFmt.code ? `DMA-API: ${by.driver} ${by.device}: ` : `${by.driver} ${by.device}: DMA-API: `;
}

/** A kernel log line and the catalogue entry it came from. */
export interface LogLine {
  id: MessageId;
  text: string;
  /** The level this kernel prints it at (kernelLevel). */
  level: Level;
}

/** kmsg, keeping the message id and this kernel's level with the line (a `log` event once given its kind). */
export function kline(kernel: number, id: MessageId, args: Readonly<Record<string, string | number>> = {}, by?: Who): LogLine {
  return { id, text: kmsg(kernel, id, args, by), level: kernelLevel(kernel, id) };
}

/**
 * The line this kernel prints for message `id` with these values (each
 * already formatted as the kernel formats it). Throws when the kernel does
 * not have the message or a value is missing: both are engine bugs.
 */
export function kmsg(kernel: number, id: MessageId, args: Readonly<Record<string, string | number>> = {}, by?: Who): string {
  const e = BY_ID.get(id)!;
  const w = wordingFor(e, kernel);
  if (!w) throw new Error(`kernel ${kernel} has no message ${id}`);
  const body = w.template.replace(/\{(\w+)(?::\w+)?\}/g, (_, name: string) => {
    const v = args[name];
    if (v === undefined) throw new Error(`message ${id}: no value for {${name}}`);
    return String(v);
  });
  return prefixText(w.prefix ?? e.prefix, kernel, by) + body;
}

// ---------------------------------------------------------------------------
// The matcher

const TYPE_RE: Record<string, string> = {
  int: '(-?\\d+)',
  hex: '([0-9a-fA-F]+)',
  word: '(\\S+)',
  dir: '(DMA_[A-Z_]+)',
  text: '(.*?)',
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The prefixes' regexes; err_printk's changed place with pr_fmt (DEBUG_GATES.prFmt), so each variant has its era. */
const PREFIX_RE: Record<Prefix, { re: string; names: string[]; from?: Gate; until?: Gate }[]> = {
  none: [{ re: '', names: [] }],
  'dma-api-nodev': [{ re: 'DMA-API: ', names: [] }],
  dev: [{ re: '(\\S+) (\\S+): ', names: ['driver', 'device'] }],
  'dma-api': [
    { re: 'DMA-API: (\\S+) (\\S+): ', names: ['driver', 'device'], from: DEBUG_GATES.prFmt },
    { re: '(\\S+) (\\S+): DMA-API: ', names: ['driver', 'device'], until: DEBUG_GATES.prFmt },
  ],
};

/** The versions that print a line: a first version (null: since the oldest modelled) and the first version without it (null: still printed). */
export interface Era {
  from: string | null;
  until: string | null;
}

/** The versions that print this wording: from its gate to the next wording's (or its own `until`). */
export function wordingEra(e: CatalogueEntry, w: Wording): Era {
  const i = e.wordings.indexOf(w);
  const next = e.wordings[i + 1];
  return { from: w.from?.from ?? null, until: w.until?.from ?? next?.from?.from ?? null };
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return kernelCode(a) >= kernelCode(b) ? a : b;
}

function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return kernelCode(a) <= kernelCode(b) ? a : b;
}

interface Compiled {
  entry: CatalogueEntry;
  wording: Wording;
  /** The wording's era narrowed by the prefix variant's. */
  era: Era;
  re: RegExp;
  /** The first line alone, for a multi-line message met line by line. */
  firstLine: RegExp | null;
  names: string[];
}

function compileTemplate(template: string): { re: string; names: string[] } {
  const names: string[] = [];
  let re = '';
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)(?::(\w+))?\}/g)) {
    re += escapeRe(template.slice(last, m.index));
    re += TYPE_RE[m[2] ?? 'word'] ?? TYPE_RE.word;
    names.push(m[1]!);
    last = m.index! + m[0].length;
  }
  return { re: re + escapeRe(template.slice(last)), names };
}

const COMPILED: Compiled[] = CATALOGUE.flatMap((entry: CatalogueEntry) =>
  entry.wordings.flatMap((wording) => {
    // trailing blanks (pr_info("cma: ")) may be lost in a copy: optional
    const body = compileTemplate(wording.template.trimEnd());
    const nl = wording.template.indexOf('\n');
    const first = nl >= 0 ? compileTemplate(wording.template.slice(0, nl)) : null;
    const era = wordingEra(entry, wording);
    return PREFIX_RE[wording.prefix ?? entry.prefix].map((p) => ({
      entry,
      wording,
      era: { from: later(era.from, p.from?.from ?? null), until: earlier(era.until, p.until?.from ?? null) },
      re: new RegExp(`^${p.re}${body.re}\\s*$`),
      firstLine: first ? new RegExp(`^${p.re}${first.re}$`) : null,
      names: [...p.names, ...body.names],
    }));
  }),
);

/** What dmesg, journalctl or a serial console put before the message: log level, timestamp, caller id, "kernel:". */
const LOG_DECORATION = /^\s*(?:<\d+>)?\s*(?:\[\s*\d+\.\d+\]\s*)?(?:\[\s*[TC]\d+\]\s*)?(?:kernel:\s*)?/;

export interface LineMatch {
  entry: CatalogueEntry;
  wording: Wording;
  /** The placeholders' values as printed (driver and device included for prefixed lines). */
  args: Record<string, string>;
  /** Only the first line of a multi-line message matched. */
  partial: boolean;
  /** The versions that print the line in this form (wording and prefix). */
  era: Era;
}

/** Every catalogue wording that recognises this log line (usually one). */
export function matchLine(line: string): LineMatch[] {
  const text = line.replace(LOG_DECORATION, '').replace(/[\r\n]+$/, '');
  const out: LineMatch[] = [];
  for (const c of COMPILED) {
    let partial = false;
    let m = c.re.exec(text);
    if (!m && c.firstLine) {
      m = c.firstLine.exec(text);
      partial = m !== null;
    }
    if (!m) continue;
    const args: Record<string, string> = {};
    c.names.forEach((name, i) => {
      const v = m![i + 1];
      if (v !== undefined) args[name] = v;
    });
    out.push({ entry: c.entry, wording: c.wording, args, partial, era: c.era });
  }
  return out;
}

/** The distinct catalogue entries a line matches (a line of the engine's own matches exactly one). */
export function entriesMatching(line: string): CatalogueEntry[] {
  return [...new Set(matchLine(line).map((x) => x.entry))];
}

// ---------------------------------------------------------------------------
// Quick tests for long logs: a line that contains no literal piece of any
// wording cannot match, and a line that contains one but does not match is
// a catalogue message cut short or garbled.

/** The literal pieces (12+ characters) of every wording, with their entries. */
const PIECES: Array<{ text: string; entry: CatalogueEntry }> = (() => {
  const out: Array<{ text: string; entry: CatalogueEntry }> = [];
  for (const entry of CATALOGUE as readonly CatalogueEntry[]) {
    for (const w of entry.wordings) {
      const chunks = w.template.split(/\{\w+(?::\w+)?\}|\n/).map((c) => c.trim());
      const long = chunks.filter((c) => c.length >= 12);
      // a wording made of short pieces only: its longest piece stands for it
      const use = long.length > 0 ? long : [chunks.reduce((a, b) => (b.length > a.length ? b : a), '')].filter((c) => c.length >= 4);
      for (const text of use) if (!out.some((o) => o.text === text && o.entry === entry)) out.push({ text, entry });
    }
  }
  return out;
})();

/**
 * A few words one of which every wording contains (chosen greedily, the word
 * in most wordings first): a line without any of them is skipped with a
 * handful of indexOf calls, which keeps a 50 MB log fast.
 */
export const KEYWORDS: string[] = (() => {
  const left = new Set((CATALOGUE as readonly CatalogueEntry[]).flatMap((e) => e.wordings.map((w) => w.template.replace(/\{\w+(?::\w+)?\}/g, '\n'))));
  const words: string[] = [];
  while (left.size > 0) {
    const count = new Map<string, number>();
    for (const t of left) for (const w of new Set(t.match(/[A-Za-z_-]{3,}/g) ?? [])) count.set(w, (count.get(w) ?? 0) + 1);
    let best = '';
    for (const [w, n] of count) if (n > (count.get(best) ?? 0) || (n === count.get(best) && w.length > best.length)) best = w;
    if (!best) throw new Error(`no keyword for the wording "${[...left][0]}"`);
    words.push(best);
    for (const t of [...left]) if (t.includes(best)) left.delete(t);
  }
  return words;
})();

const ANY_PIECE = new RegExp([...new Set(PIECES.map((p) => p.text))].sort((a, b) => b.length - a.length).map(escapeRe).join('|'));

/** False when the line cannot match any wording (a few indexOf calls, then one regex); true means "run matchLine". */
export function mayMatch(line: string): boolean {
  for (const w of KEYWORDS) if (line.includes(w)) return ANY_PIECE.test(line);
  return false;
}

/**
 * The entries one of whose wordings' literal pieces this line contains, or
 * ends inside (a line cut short keeps the start of its wording): for a line
 * that failed to match, what it resembles.
 */
export function resembles(line: string): CatalogueEntry[] {
  if (!KEYWORDS.some((w) => line.includes(w))) return [];
  const out: CatalogueEntry[] = [];
  for (const p of PIECES) {
    if (p.text.length < 12 || out.includes(p.entry)) continue;
    let hit = line.includes(p.text);
    if (!hit && p.text.length >= 24) {
      const at = line.indexOf(p.text.slice(0, 24));
      hit = at >= 0 && p.text.startsWith(line.slice(at).trimEnd());
    }
    if (hit) out.push(p.entry);
  }
  return out;
}
