/**
 * The signature table of the scenario language: every operation of
 * SCENARIO-LANGUAGE.md (header and "Operations (v1 set)"), with its positional
 * argument kinds, optional arguments, key=value options, results, and which
 * checks make sense for it. The validator (validate.ts) applies it; the editor
 * can use it for completion and hover help.
 *
 * Also the kernel constants the language knows (directions, GFP flags, DMA
 * attributes, IOMMU prot flags) and the error names a check may expect.
 */

/** What a positional argument or option value must be. */
export type ArgKind =
  /** A device declared in the header. */
  | 'dev'
  /** An iommu declared in the header. */
  | 'iommu'
  /** A buffer pointer: a buffer name or `name ± offset`. */
  | 'ptr'
  /** A buffer name itself (what an allocator returned). */
  | 'buf'
  /** A size or count: a positive integer. */
  | 'size'
  /** A size that may be 0. */
  | 'size0'
  /** A non-negative integer (an order, an index, an address, microseconds). */
  | 'int'
  /** DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL or DMA_NONE. */
  | 'dir'
  /** GFP flags joined with `|`. */
  | 'gfp'
  /** 0, or DMA_ATTR_* joined with `|`. */
  | 'attrs'
  /** IOMMU_READ, IOMMU_WRITE, … joined with `|`. */
  | 'prot'
  /** Bytes: a string, x"…", fill(…), or parts joined with `+`. */
  | 'bytes'
  /** A DMA address: a handle name, `handle ± offset`, or an integer. */
  | 'handle'
  | 'sgt'
  | 'domain'
  | 'vm'
  | 'dmabuf'
  | 'attach'
  /** A byte value 0..255. */
  | 'byte'
  /** A mask width in bits, 1..64. */
  | 'bits'
  /** A mask width in bits, 0 (none) or 1..64. */
  | 'bits0'
  /** A new name being declared (device and iommu names in the header). */
  | 'newname'
  /** true or false. */
  | 'bool'
  /** A kernel version string "MAJOR.MINOR" in the modelled range. */
  | 'version'
  /** Any string (a label). */
  | 'text'
  /** One of the option's `values`. */
  | 'enum';

/** What a name holds after an assignment. */
export type ValueType = 'buf' | 'handle' | 'int' | 'sgt' | 'domain' | 'vm' | 'dmabuf' | 'attach';

export interface ArgSpec {
  /** The parameter's name in the signature, e.g. `size`. */
  name: string;
  kind: ArgKind;
}

export interface OptionSpec {
  kind: ArgKind;
  /** For 'enum': the allowed values. */
  values?: readonly string[];
  /** The default, as written in the language reference. */
  def?: string;
}

export type OpSection = 'header' | 'memory' | 'cache' | 'streaming' | 'coherent' | 'queries' | 'device' | 'iommu' | 'gpu' | 'cma' | 'dma-buf';

export interface OpSig {
  name: string;
  section: OpSection;
  /** Required positional arguments, in order. */
  args: readonly ArgSpec[];
  /** Optional positional arguments, after the required ones, in order. */
  optional: readonly ArgSpec[];
  /** A group that repeats one or more times instead of `args` (sg_table's pointer, length pairs). */
  repeat?: readonly ArgSpec[];
  /** Allowed key=value options. */
  options: Readonly<Record<string, OptionSpec>>;
  /** The types of its results: `h = …` has one, `cpu, h = …` two. Assigning is optional. */
  results: readonly ValueType[];
  /** It reads bytes (then `=> "text"` is a valid check). */
  readsBytes: boolean;
  /** It yields an integer (then `=> 0` is a valid check). */
  yieldsInt: boolean;
  /** One line of help. */
  doc: string;
}

export const DIRECTIONS = ['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE'] as const;
export const GFP_FLAGS = ['GFP_KERNEL', 'GFP_DMA32', 'GFP_DMA', 'GFP_ATOMIC', 'GFP_NOWAIT', '__GFP_NOWARN', '__GFP_ZERO'] as const;
export const DMA_ATTRS = [
  'DMA_ATTR_SKIP_CPU_SYNC',
  'DMA_ATTR_WEAK_ORDERING',
  'DMA_ATTR_WRITE_COMBINE',
  'DMA_ATTR_NO_WARN',
  'DMA_ATTR_PRIVILEGED',
  'DMA_ATTR_NO_KERNEL_MAPPING',
  'DMA_ATTR_FORCE_CONTIGUOUS',
] as const;
export const IOMMU_PROT = ['IOMMU_READ', 'IOMMU_WRITE', 'IOMMU_CACHE', 'IOMMU_NOEXEC', 'IOMMU_PRIV', 'IOMMU_MMIO'] as const;

/** Every constant name the language knows. */
export const CONSTANTS: ReadonlySet<string> = new Set<string>([...DIRECTIONS, ...GFP_FLAGS, ...DMA_ATTRS, ...IOMMU_PROT]);

/** Error names a check may expect besides any errno name (E[A-Z0-9]+). */
/** BUG: the kernel would oops (BUG_ON), e.g. DMA_NONE passed to a mapping call. HANG: the call never returns (iommu_map without
 * IOMMU_READ|IOMMU_WRITE on 5.15–6.10); the run stops there and every later statement reports HANG too. */
export const SPECIAL_ERRORS = ['DMA_MAPPING_ERROR', 'NULL', 'FAULT', 'BUG', 'HANG'] as const;
/** The errno names most scenarios expect (for help and suggestions). */
export const COMMON_ERRORS = ['EBUSY', 'ENOMEM', 'EINVAL', 'EIO', 'EEXIST', ...SPECIAL_ERRORS] as const;

/** Whether `name` is a valid error name for a `=> NAME` check. */
export function isErrorName(name: string): boolean {
  return /^E[A-Z0-9]+$/.test(name) || (SPECIAL_ERRORS as readonly string[]).includes(name);
}

/** Names that can never be assigned: constants, error names, booleans. */
export function isReservedName(name: string): boolean {
  return CONSTANTS.has(name) || isErrorName(name) || name === 'true' || name === 'false';
}

export const ARCH_VALUES = ['arm64', 'arm', 'x86', 'riscv'] as const;

const a = (name: string, kind: ArgKind): ArgSpec => ({ name, kind });

interface SigInit {
  args?: ArgSpec[];
  optional?: ArgSpec[];
  repeat?: ArgSpec[];
  options?: Record<string, OptionSpec>;
  results?: ValueType[];
  readsBytes?: boolean;
  yieldsInt?: boolean;
  doc: string;
}

function sig(name: string, section: OpSection, init: SigInit): OpSig {
  return {
    name,
    section,
    args: init.args ?? [],
    optional: init.optional ?? [],
    ...(init.repeat ? { repeat: init.repeat } : {}),
    options: init.options ?? {},
    results: init.results ?? [],
    readsBytes: init.readsBytes ?? false,
    yieldsInt: init.yieldsInt ?? false,
    doc: init.doc,
  };
}

const dev = a('dev', 'dev');
const dir = a('dir', 'dir');
const attrs = a('attrs', 'attrs');
const size = a('size', 'size');
const handle = a('h', 'handle');
/** Per-access snooping: dev_read, dev_write, gpu_read, gpu_write. */
const NOSNOOP: Record<string, OptionSpec> = { nosnoop: { kind: 'bool', def: 'the device\'s' } };

const SIGS: OpSig[] = [
  // Header
  sig('machine', 'header', {
    options: {
      arch: { kind: 'enum', values: ARCH_VALUES, def: 'arm64' },
      kernel: { kind: 'version', def: '"6.18"' },
      ram: { kind: 'size', def: '8G' },
      cache: { kind: 'size', def: '32K' },
      line: { kind: 'size', def: '64' },
      ways: { kind: 'size', def: '4' },
      swiotlb: { kind: 'size0', def: '4M' },
      cma: { kind: 'size0', def: '16M' },
      imported: { kind: 'bool', def: 'false' },
      dmabuf_move_notify: { kind: 'bool', def: 'false' },
    },
    doc: 'The machine: architecture, kernel version, RAM, CPU cache geometry, swiotlb pool and CMA area sizes; imported=true when the steps replay a kernel trace; dmabuf_move_notify=true is CONFIG_DMABUF_MOVE_NOTIFY=y (default n, as in Kconfig).',
  }),
  sig('iommu', 'header', {
    args: [a('name', 'newname')],
    options: {
      mode: { kind: 'enum', values: ['strict', 'lazy', 'passthrough'], def: 'strict' },
      pgsize: { kind: 'size', def: '4K' },
    },
    doc: 'A system IOMMU; devices attached with iommu=NAME get a DMA domain (strict, lazy) or an identity domain (passthrough).',
  }),
  sig('device', 'header', {
    args: [a('name', 'newname')],
    options: {
      dma_mask: { kind: 'bits', def: '64' },
      coherent: { kind: 'bool', def: 'false' },
      nosnoop: { kind: 'bool', def: 'false' },
      iommu: { kind: 'iommu' },
      mmu: { kind: 'bool', def: 'false' },
      bus: { kind: 'enum', values: ['platform', 'pci'], def: 'platform' },
      untrusted: { kind: 'bool', def: 'false' },
      swiotlb: { kind: 'enum', values: ['auto', 'force'], def: 'auto' },
      bus_limit: { kind: 'bits0', def: '0' },
      label: { kind: 'text', def: '""' },
      dma_ops: { kind: 'enum', values: ['system', 'own'], def: 'system' },
    },
    doc: 'A DMA-capable device: its DMA mask (bits), bus limit, coherence, IOMMU, internal MMU, bus, swiotlb policy; nosnoop=true makes every access non-snooped (PCIe No Snoop: RAM behind the CPU cache, while the DMA API still believes the device coherent); label= the kernel\'s name for it, shown by the views; dma_ops=own (with mmu=true): thread 001\'s rejected proposal — the DMA API returns addresses in the device\'s own MMU.',
  }),

  // CPU memory and CPU access
  sig('kmalloc', 'memory', {
    args: [size, a('gfp', 'gfp')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'Allocate physically contiguous memory (at= places it at a physical address).',
  }),
  sig('kzalloc', 'memory', {
    args: [size, a('gfp', 'gfp')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'kmalloc, then zero the memory through the CPU cache (__GFP_ZERO).',
  }),
  sig('kfree', 'memory', { args: [a('p', 'buf')], doc: 'Free a kmalloc buffer.' }),
  sig('alloc_pages', 'memory', {
    args: [a('gfp', 'gfp'), a('order', 'int')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'Allocate 2^order pages (at= places them at a physical address).',
  }),
  sig('__free_pages', 'memory', { args: [a('page', 'buf'), a('order', 'int')], doc: 'Free pages from alloc_pages.' }),
  sig('vmalloc', 'memory', { args: [size], results: ['buf'], doc: 'Allocate virtually contiguous memory (pages scattered in RAM).' }),
  sig('vfree', 'memory', { args: [a('p', 'buf')], doc: 'Free a vmalloc buffer.' }),
  sig('stack_buffer', 'memory', { args: [size], results: ['buf'], doc: 'A buffer on the (vmapped) kernel stack.' }),
  sig('cpu_write', 'memory', { args: [a('p', 'ptr'), a('bytes', 'bytes')], doc: 'CPU stores through the cache.' }),
  sig('cpu_read', 'memory', {
    args: [a('p', 'ptr'), a('len', 'size')],
    readsBytes: true,
    doc: 'CPU loads through the cache.',
  }),
  sig('memset', 'memory', { args: [a('p', 'ptr'), a('byte', 'byte'), a('len', 'size')], doc: 'CPU fills memory with a byte.' }),
  sig('cache_evict', 'memory', { args: [a('p', 'ptr'), a('len', 'size')], doc: 'Those cache lines leave the cache (dirty ones are written back).' }),
  sig('cpu_prefetch', 'memory', { args: [a('p', 'ptr'), a('len', 'size')], doc: 'The CPU speculatively loads those lines.' }),
  sig('udelay', 'memory', { args: [a('us', 'int')], doc: 'Time passes (timers such as the lazy IOMMU flush queue fire).' }),

  // Streaming DMA
  sig('dma_map_single', 'streaming', {
    args: [dev, a('p', 'ptr'), size, dir],
    optional: [attrs],
    results: ['handle'],
    yieldsInt: true,
    doc: 'Map a buffer for streaming DMA; returns its DMA address.',
  }),
  sig('dma_unmap_single', 'streaming', { args: [dev, handle, size, dir], optional: [attrs], doc: 'Unmap a dma_map_single mapping.' }),
  sig('dma_map_page', 'streaming', {
    args: [dev, a('page', 'buf'), a('offset', 'int'), size, dir],
    optional: [attrs],
    results: ['handle'],
    yieldsInt: true,
    doc: 'Map part of a page for streaming DMA; returns its DMA address.',
  }),
  sig('dma_unmap_page', 'streaming', { args: [dev, handle, size, dir], optional: [attrs], doc: 'Unmap a dma_map_page mapping.' }),
  sig('dma_sync_single_for_cpu', 'streaming', { args: [dev, handle, size, dir], doc: 'Give the buffer back to the CPU.' }),
  sig('dma_sync_single_for_device', 'streaming', { args: [dev, handle, size, dir], doc: 'Give the buffer back to the device.' }),
  sig('dma_mapping_error', 'streaming', {
    args: [dev, handle],
    yieldsInt: true,
    doc: 'Check a DMA address: 0, or fails with ENOMEM.',
  }),
  sig('sg_table', 'streaming', {
    repeat: [a('p', 'ptr'), a('len', 'size')],
    results: ['sgt'],
    doc: 'Build a scatter-gather table from (pointer, length) pairs.',
  }),
  sig('dma_map_sg', 'streaming', {
    args: [dev, a('sgt', 'sgt'), dir],
    optional: [attrs],
    results: ['int'],
    yieldsInt: true,
    doc: 'Map a scatter-gather table; returns the number of DMA segments.',
  }),
  sig('dma_unmap_sg', 'streaming', {
    args: [dev, a('sgt', 'sgt'), dir],
    optional: [attrs],
    options: { nents: { kind: 'int' } },
    doc: 'Unmap a scatter-gather table (nents= passes another entry count than the table has: the classic bug of passing the count dma_map_sg returned).',
  }),
  sig('dma_sync_sg_for_cpu', 'streaming', { args: [dev, a('sgt', 'sgt'), dir], options: { nents: { kind: 'int' } }, doc: 'Give a scatter-gather table back to the CPU (nents= as for dma_unmap_sg).' }),
  sig('dma_sync_sg_for_device', 'streaming', { args: [dev, a('sgt', 'sgt'), dir], options: { nents: { kind: 'int' } }, doc: 'Give a scatter-gather table back to the device (nents= as for dma_unmap_sg).' }),
  sig('sg_dma_address', 'streaming', {
    args: [a('sgt', 'sgt'), a('i', 'int')],
    results: ['handle'],
    yieldsInt: true,
    doc: 'The DMA address of mapped segment i.',
  }),
  sig('sg_dma_len', 'streaming', {
    args: [a('sgt', 'sgt'), a('i', 'int')],
    results: ['int'],
    yieldsInt: true,
    doc: 'The length of mapped segment i.',
  }),
  sig('dma_set_mask', 'streaming', { args: [dev, a('bits', 'bits')], yieldsInt: true, doc: 'Set the streaming DMA mask (0, or fails with EIO).' }),
  sig('dma_set_mask_and_coherent', 'streaming', {
    args: [dev, a('bits', 'bits')],
    yieldsInt: true,
    doc: 'Set the streaming and coherent DMA masks (0, or fails with EIO).',
  }),
  sig('dma_set_max_seg_size', 'streaming', { args: [dev, size], yieldsInt: true, doc: 'Set the largest DMA segment the device handles.' }),
  sig('device_release_driver', 'streaming', { args: [dev], doc: 'The driver unbinds (dma-debug reports mappings still live).' }),

  // Coherent and non-coherent allocations
  sig('dma_alloc_coherent', 'coherent', {
    args: [dev, size],
    optional: [a('gfp', 'gfp')],
    results: ['buf', 'handle'],
    yieldsInt: true,
    doc: 'Allocate coherent memory; gives the CPU pointer and the DMA address.',
  }),
  sig('dma_free_coherent', 'coherent', { args: [dev, size, a('cpu', 'buf'), handle], doc: 'Free coherent memory.' }),
  sig('dma_alloc_noncoherent', 'coherent', {
    args: [dev, size, dir],
    optional: [a('gfp', 'gfp')],
    results: ['buf', 'handle'],
    yieldsInt: true,
    doc: 'Allocate non-coherent DMA memory; gives the CPU pointer and the DMA address.',
  }),
  sig('dma_free_noncoherent', 'coherent', { args: [dev, size, a('cpu', 'buf'), handle, dir], doc: 'Free non-coherent DMA memory.' }),

  // Device side
  sig('dev_read', 'device', {
    args: [dev, a('addr', 'handle'), a('len', 'size')],
    options: NOSNOOP,
    readsBytes: true,
    doc: "The device's DMA engine reads at a DMA address (nosnoop= this transaction's No Snoop attribute; default: the device's).",
  }),
  sig('dev_write', 'device', { args: [dev, a('addr', 'handle'), a('bytes', 'bytes')], options: NOSNOOP, doc: "The device's DMA engine writes at a DMA address (nosnoop= as for dev_read)." }),

  // System IOMMU used directly
  sig('iommu_domain_alloc', 'iommu', { args: [a('iommu', 'iommu')], results: ['domain'], doc: 'Allocate an unmanaged IOMMU domain.' }),
  sig('iommu_attach_device', 'iommu', { args: [a('dom', 'domain'), dev], yieldsInt: true, doc: 'Attach a device to a domain.' }),
  sig('iommu_detach_device', 'iommu', { args: [a('dom', 'domain'), dev], doc: 'Detach a device from a domain.' }),
  sig('iommu_map', 'iommu', {
    args: [a('dom', 'domain'), a('iova', 'int'), a('p', 'ptr'), size, a('prot', 'prot')],
    yieldsInt: true,
    doc: 'Map an IOVA range to a buffer in a domain.',
  }),
  sig('iommu_unmap', 'iommu', {
    args: [a('dom', 'domain'), a('iova', 'int'), size],
    yieldsInt: true,
    doc: 'Unmap an IOVA range; returns the size unmapped.',
  }),
  sig('arm_iommu_detach_device', 'iommu', { args: [dev], doc: "32-bit ARM only: take the device off the ARM_DMA_USE_IOMMU mapping arch_setup_dma_ops gave it (its DMA API becomes dma-direct) — arch internals a driver should not touch." }),
  sig('iommu_flush_iotlb_all', 'iommu', { args: [a('dom', 'domain')], doc: "Invalidate the domain's whole IOTLB (iommu_flush_iotlb_all); in the kernel this does not release a DMA_FQ flush queue's held IOVAs." }),

  // Device-internal MMU (GPU)
  sig('gpu_vm_create', 'gpu', { args: [dev], results: ['vm'], doc: "Create a VM in the device's own MMU." }),
  sig('gpu_vm_map', 'gpu', {
    args: [a('vm', 'vm'), a('va', 'int'), a('dma_addr', 'handle'), size],
    yieldsInt: true,
    doc: 'Map GPU virtual addresses to a DMA address.',
  }),
  sig('gpu_vm_unmap', 'gpu', { args: [a('vm', 'vm'), a('va', 'int'), size], doc: 'Unmap GPU virtual addresses.' }),
  sig('gpu_read', 'gpu', { args: [a('vm', 'vm'), a('va', 'int'), a('len', 'size')], options: NOSNOOP, readsBytes: true, doc: 'The GPU reads through its MMU (nosnoop=true: a non-snooped access, as for an uncached or write-combined GTT mapping).' }),
  sig('gpu_write', 'gpu', { args: [a('vm', 'vm'), a('va', 'int'), a('bytes', 'bytes')], options: NOSNOOP, doc: 'The GPU writes through its MMU (nosnoop= as for gpu_read).' }),

  // CMA
  sig('dma_alloc_from_contiguous', 'cma', {
    args: [dev, a('count', 'size'), a('align_order', 'int')],
    results: ['buf'],
    doc: 'Allocate count pages from the CMA area (migrating movable pages out).',
  }),
  sig('dma_release_from_contiguous', 'cma', {
    args: [dev, a('page', 'buf'), a('count', 'size')],
    yieldsInt: true,
    doc: 'Release CMA pages.',
  }),
  sig('alloc_movable', 'cma', { args: [size], results: ['buf'], doc: 'Movable pages placed in the CMA area, lowest free first.' }),
  sig('free_movable', 'cma', { args: [a('p', 'buf')], doc: 'Free movable pages from alloc_movable (their CMA pages return to the area).' }),
  sig('pin_pages', 'cma', { args: [a('p', 'ptr'), a('len', 'size')], yieldsInt: true, doc: 'Pin pages (short-term): they cannot migrate.' }),
  sig('unpin_pages', 'cma', { args: [a('p', 'ptr'), a('len', 'size')], doc: 'Unpin pages.' }),

  // dma-buf
  sig('dma_buf_export', 'dma-buf', {
    args: [a('exporter', 'dev'), a('p', 'ptr'), size],
    options: {
      dynamic: { kind: 'bool', def: 'false' },
      cache_sgt: { kind: 'bool', def: 'false' },
      ops: { kind: 'enum', values: ['heap', 'gem'], def: 'heap' },
      proposal: { kind: 'enum', values: ['none', 'sync_cached'], def: 'none' },
    },
    results: ['dmabuf'],
    doc: 'Export a buffer as a dma-buf. ops=gem: the GEM PRIME helpers (before 5.3 drm_prime caches each attachment\'s first mapping itself; from 5.3 cache_sgt_mapping). proposal="sync_cached": thread 004\'s never-merged proposal — cache a BIDIRECTIONAL mapping and sync it at every map and unmap.',
  }),
  sig('dma_buf_attach', 'dma-buf', { args: [a('db', 'dmabuf'), dev], results: ['attach'], doc: 'Attach an importer device.' }),
  sig('dma_buf_dynamic_attach', 'dma-buf', {
    args: [a('db', 'dmabuf'), dev],
    results: ['attach'],
    doc: 'Attach an importer that handles move_notify.',
  }),
  sig('dma_buf_detach', 'dma-buf', { args: [a('db', 'dmabuf'), a('at', 'attach')], doc: 'Detach an importer.' }),
  sig('dma_buf_map_attachment', 'dma-buf', {
    args: [a('at', 'attach'), dir],
    results: ['sgt'],
    doc: "Map the dma-buf for the importer's device.",
  }),
  sig('dma_buf_unmap_attachment', 'dma-buf', { args: [a('at', 'attach'), a('sgt', 'sgt'), dir], doc: 'Unmap an attachment mapping.' }),
  sig('dma_buf_pin', 'dma-buf', { args: [a('at', 'attach')], yieldsInt: true, doc: 'Pin the backing storage in place.' }),
  sig('dma_buf_unpin', 'dma-buf', { args: [a('at', 'attach')], doc: 'Unpin the backing storage.' }),
  sig('dma_buf_move', 'dma-buf', { args: [a('db', 'dmabuf')], doc: 'The exporter moves the backing storage and calls move_notify.' }),
  sig('dma_resv_lock', 'dma-buf', { args: [a('db', 'dmabuf')], yieldsInt: true, doc: "Take the dma-buf's reservation lock." }),
  sig('dma_resv_unlock', 'dma-buf', { args: [a('db', 'dmabuf')], doc: "Drop the dma-buf's reservation lock." }),
  sig('dma_buf_begin_cpu_access', 'dma-buf', { args: [a('db', 'dmabuf'), dir], yieldsInt: true, doc: 'Begin CPU access (syncs for the CPU).' }),
  sig('dma_buf_end_cpu_access', 'dma-buf', { args: [a('db', 'dmabuf'), dir], yieldsInt: true, doc: 'End CPU access (syncs for the device).' }),

  // Snooping and CPU memory attributes (handlers: src/sim/arch/x86-cacheflush.ts, src/sim/mm/memattr.ts)
  sig('clflush', 'cache', { args: [a('p', 'ptr'), a('len', 'size')], doc: 'x86 clflush_cache_range: write back and invalidate every cache line of the range (what a driver does for a non-snooping device; ENOSYS elsewhere).' }),
  sig('wbinvd', 'cache', { doc: 'x86 wbinvd: write back and invalidate the whole CPU cache.' }),
  sig('drm_clflush_sg', 'cache', { args: [a('sgt', 'sgt')], doc: 'drm_cache.c: clflush every page of an sg_table (x86); elsewhere "Architecture has no drm_cache.c support" and a WARN, nothing flushed.' }),
  sig('set_memory_wc', 'cache', { args: [a('p', 'ptr'), a('npages', 'size')], yieldsInt: true, doc: "x86: make the linear map of npages pages write-combining (flushed first, as cpa_flush does); CPU accesses then bypass the cache (WC modelled as uncached). ENOSYS on other architectures." }),
  sig('set_memory_uc', 'cache', { args: [a('p', 'ptr'), a('npages', 'size')], yieldsInt: true, doc: 'x86: make the linear map of npages pages uncached (flushed first).' }),
  sig('set_memory_wb', 'cache', { args: [a('p', 'ptr'), a('npages', 'size')], yieldsInt: true, doc: 'x86: make those pages write-back (cached) again; no flush.' }),
  sig('vmap', 'cache', {
    args: [a('p', 'ptr'), a('npages', 'size')],
    options: { prot: { kind: 'enum', values: ['cached', 'wc', 'uc'], def: 'cached' } },
    results: ['buf'],
    doc: 'mm/vmalloc.c vmap: a second mapping of the pages in vmalloc space, uncached with prot=uc|wc; no cache maintenance, and the cacheable linear alias stays (the mismatched-alias hazard).',
  }),
  sig('vunmap', 'cache', { args: [a('q', 'buf')], doc: 'Remove a vmap alias (the pages stay).' }),

  // DMA allocations with attributes, pages and sg_tables (handlers: src/sim/dma/alloc-attrs.ts)
  sig('dma_alloc_attrs', 'coherent', {
    args: [dev, size, a('gfp', 'gfp'), attrs],
    results: ['buf', 'handle'],
    yieldsInt: true,
    doc: 'dma_alloc_coherent with attributes: DMA_ATTR_NO_KERNEL_MAPPING gives no CPU mapping (the pointer is a cookie), DMA_ATTR_WRITE_COMBINE a write-combining alias.',
  }),
  sig('dma_free_attrs', 'coherent', { args: [dev, size, a('cpu', 'buf'), handle, attrs], doc: 'Free a dma_alloc_attrs allocation.' }),
  sig('dma_alloc_pages', 'coherent', {
    args: [dev, size, dir],
    optional: [a('gfp', 'gfp')],
    results: ['buf', 'handle'],
    yieldsInt: true,
    doc: 'Cacheable pages mapped for the device (5.10+): owned and synced like a streaming mapping.',
  }),
  sig('dma_free_pages', 'coherent', { args: [dev, size, a('page', 'buf'), handle, dir], doc: 'Free dma_alloc_pages memory.' }),
  sig('dma_get_sgtable', 'coherent', {
    args: [dev, a('cpu', 'buf'), handle, size],
    results: ['sgt'],
    yieldsInt: true,
    doc: 'The pages behind a coherent allocation as an sg_table ("fundamentally unsafe", says kernel/dma/mapping.c).',
  }),

  // The DMA API's queries (handlers: src/sim/dma/queries.ts), each from the version that added it
  sig('dma_need_sync', 'queries', { args: [dev, handle], results: ['int'], yieldsInt: true, doc: 'Do dma_sync_* calls do anything for this mapping? 1 or 0 (5.8+).' }),
  sig('dma_addressing_limited', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'Can the device not reach all of memory directly (so mappings may bounce)? 1 or 0 (5.1+).' }),
  sig('dma_max_mapping_size', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'The largest single mapping in bytes: 262144 when it may bounce through swiotlb, else SIZE_MAX (5.1+).' }),
  sig('dma_opt_mapping_size', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'The largest mapping that stays fast: 131072 behind dma-iommu (the IOVA caches), else as dma_max_mapping_size (6.0+).' }),
  sig('dma_get_required_mask', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'The DMA mask needed to reach all of RAM directly.' }),
  sig('is_swiotlb_active', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'Is there a swiotlb pool to bounce through? 1 or 0 (5.1+).' }),
  sig('dma_streaming_is_coherent', 'queries', { args: [dev], results: ['int'], yieldsInt: true, doc: 'A proposal from thread 002 (January 2019), in no kernel: would streaming mappings of this device never need syncs? 1 or 0.' }),
];

/** Every operation, by name. */
export const OPS: ReadonlyMap<string, OpSig> = new Map(SIGS.map((s) => [s.name, s]));

/** The header statements. */
export const HEADER_OPS: ReadonlySet<string> = new Set(['machine', 'iommu', 'device']);

export function lookupOp(name: string): OpSig | undefined {
  return OPS.get(name);
}

/** The signature as text, e.g. `h = dma_map_single(dev, p, size, dir[, attrs])`. */
export function signatureText(s: OpSig): string {
  const targets = s.results.length === 0 ? '' : `${s.results.map(resultName).join(', ')} = `;
  const parts: string[] = s.repeat
    ? [...s.repeat.map((r) => `${r.name}1`), ...s.repeat.map((r) => `${r.name}2`), '…']
    : s.args.map((r) => r.name);
  let text = parts.join(', ');
  for (const o of s.optional) text += text ? `[, ${o.name}]` : `[${o.name}]`;
  for (const [k, o] of Object.entries(s.options)) {
    const v = o.values ? o.values.join('|') : (o.def ?? k.toUpperCase());
    text += text ? `[, ${k}=${v}]` : `[${k}=${v}]`;
  }
  return `${targets}${s.name}(${text})`;
}

function resultName(t: ValueType, _i: number, all: readonly ValueType[]): string {
  const names: Record<ValueType, string> = {
    buf: all.length > 1 ? 'cpu' : 'p',
    handle: 'h',
    int: 'n',
    sgt: 'sgt',
    domain: 'dom',
    vm: 'vm',
    dmabuf: 'db',
    attach: 'at',
  };
  return names[t];
}

/** How a kind reads in an error message: "a buffer pointer (name or name + offset)". */
export function describeKind(kind: ArgKind, values?: readonly string[]): string {
  switch (kind) {
    case 'dev':
      return 'a device name';
    case 'iommu':
      return 'an iommu name';
    case 'ptr':
      return 'a buffer pointer (name or name + offset)';
    case 'buf':
      return 'a buffer name';
    case 'size':
      return 'a positive size';
    case 'size0':
      return 'a size (0 for none)';
    case 'int':
      return 'a non-negative integer';
    case 'dir':
      return 'a DMA direction (DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL)';
    case 'gfp':
      return 'GFP flags (GFP_KERNEL, GFP_DMA32, … joined with |)';
    case 'attrs':
      return 'DMA attributes (0 or DMA_ATTR_… joined with |)';
    case 'prot':
      return 'IOMMU prot flags (IOMMU_READ|IOMMU_WRITE, …)';
    case 'bytes':
      return 'bytes ("text", x"de ad", fill(BYTE, COUNT), joined with +)';
    case 'handle':
      return 'a DMA address (a handle, handle + offset, or an integer)';
    case 'sgt':
      return 'an sg_table';
    case 'domain':
      return 'an IOMMU domain';
    case 'vm':
      return 'a GPU VM';
    case 'dmabuf':
      return 'a dma-buf';
    case 'attach':
      return 'a dma-buf attachment';
    case 'byte':
      return 'a byte value (0..255)';
    case 'bits':
      return 'a mask width in bits (1..64)';
    case 'bits0':
      return 'a width in bits (0 for none, or 1..64)';
    case 'newname':
      return 'a new name';
    case 'bool':
      return 'true or false';
    case 'version':
      return 'a kernel version string such as "6.18"';
    case 'text':
      return 'a string such as "0000:03:00.0"';
    case 'enum':
      return `one of ${(values ?? []).join(', ')}`;
  }
}

/** What a value type reads as: "a buffer", "a DMA handle", … */
export function describeType(t: ValueType): string {
  const names: Record<ValueType, string> = {
    buf: 'a buffer',
    handle: 'a DMA handle',
    int: 'an integer result',
    sgt: 'an sg_table',
    domain: 'an IOMMU domain',
    vm: 'a GPU VM',
    dmabuf: 'a dma-buf',
    attach: 'a dma-buf attachment',
  };
  return names[t];
}

/** The operation that makes a value of this type, for "assign it first" hints. */
export function makerOf(kind: ArgKind): string {
  switch (kind) {
    case 'handle':
      return 'dma_map_single(...)';
    case 'sgt':
      return 'sg_table(...)';
    case 'domain':
      return 'iommu_domain_alloc(...)';
    case 'vm':
      return 'gpu_vm_create(...)';
    case 'dmabuf':
      return 'dma_buf_export(...)';
    case 'attach':
      return 'dma_buf_attach(...)';
    default:
      return 'kmalloc(...)';
  }
}

/** The closest candidate to `word` (1 edit for short words, more for long ones), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length <= 2) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  const limit = word.length <= 5 ? 1 : Math.max(2, Math.floor(word.length / 4));
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), limit);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions, capped at limit + 1. */
function editDistance(x: string, y: string, limit: number): number {
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[y.length]!;
}
