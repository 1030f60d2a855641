/**
 * Events: what one step did, and why.
 *
 * Every step returns a list of these. The explorer animates and explains from
 * them (it never diffs whole states to guess what happened), and the CLI prints
 * them. Each event that follows from a kernel decision carries a `why`: the
 * kernel function, its file, and the rule in words.
 */

import type { Level, MessageId } from './kernel-log/catalogue.ts';

export interface Why {
  /** Kernel function that made the decision, e.g. `dma_direct_map_phys`. */
  fn: string;
  /** Kernel source file, e.g. `kernel/dma/direct.h`. */
  file: string;
  /** The rule in plain words. */
  rule: string;
}

/** enum dma_data_direction (include/linux/dma-direction.h), by the kernel's names, in the enum's order (0 to 3). */
export const DMA_DIRS = ['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE'] as const;
export type DmaDir = (typeof DMA_DIRS)[number];

/** The streaming DMA API call a `dma_map` event reports (include/linux/dma-mapping.h). */
export type DmaMapApi = 'dma_map_single' | 'dma_map_page' | 'dma_map_sg';
/** The call a `dma_unmap` event reports. */
export type DmaUnmapApi = 'dma_unmap_single' | 'dma_unmap_page' | 'dma_unmap_sg';
/** The call a `dma_sync` event reports. */
export type DmaSyncApi = 'dma_sync_single_for_cpu' | 'dma_sync_single_for_device' | 'dma_sync_sg_for_cpu' | 'dma_sync_sg_for_device';

/**
 * What a `dmabuf` event reports: a dma-buf core function or an exporter
 * callback (drivers/dma-buf/dma-buf.c, include/linux/dma-buf.h). `map` /
 * `unmap_dma_buf` are the exporter's map_dma_buf / unmap_dma_buf callbacks,
 * `map_at_attach` the era-B mapping made by dma_buf_dynamic_attach, `cache`
 * and `map_cached` the attachment's cached sg_table, `move` the exporter
 * moving its storage and `move_notify` the importer's callback.
 */
export type DmaBufOp =
  | 'export'
  | 'attach'
  | 'detach'
  | 'lock'
  | 'unlock'
  | 'map'
  | 'map_dma_buf'
  | 'unmap_dma_buf'
  | 'map_at_attach'
  | 'map_cached'
  | 'cache'
  | 'unmap_cached'
  | 'pin'
  | 'unpin'
  | 'move'
  | 'move_notify'
  | 'begin_cpu_access'
  | 'end_cpu_access';

/**
 * What the explorer saw that the kernel would not log, by rule: `area/what`
 * (cpu, dev, cache, mm, sg, swiotlb, iommu, arm-iommu, gpu, cma, dma-buf, api,
 * log, explorer). Views and tools select observations by rule, never by
 * their words.
 */
export type ObservationRule =
  | 'api/bad-direction'
  | 'api/failed-handle'
  | 'api/not-in-this-kernel'
  | 'api/not-on-this-arch'
  | 'api/vmalloc-address'
  | 'arm-iommu/arch-internals'
  | 'arm-iommu/iova-zero'
  | 'arm-iommu/not-attached'
  | 'cache/dirty-discarded'
  | 'cache/dirty-over-device-write'
  | 'cache/flush-does-nothing'
  | 'cache/outside-ram'
  | 'cma/freed-while-pinned'
  | 'cma/migrated-while-mapped'
  | 'cma/not-from-cma'
  | 'cma/partial-release'
  | 'cma/unpin-underflow'
  | 'cpu/access-while-device-owned'
  | 'cpu/mismatched-alias'
  | 'cpu/stale-read'
  | 'dev/access-while-cpu-owned'
  | 'dev/beyond-mask'
  | 'dev/bus-abort'
  | 'dev/foreign-address'
  | 'dev/outside-mapping'
  | 'dev/own-mmu-fault'
  | 'dev/stale-read'
  | 'dev/write-to-device-only'
  | 'dma-buf/bad-attachment'
  | 'dma-buf/bad-range'
  | 'dma-buf/cached-without-sync'
  | 'dma-buf/cannot-move'
  | 'dma-buf/detach-while-mapped'
  | 'dma-buf/detach-while-pinned'
  | 'dma-buf/lock-held'
  | 'dma-buf/lock-not-held'
  | 'dma-buf/pin-underflow'
  | 'dma-buf/proposal-no-effect'
  | 'dma-buf/stale-mapping'
  | 'dma-buf/unmap-unknown'
  | 'dma-direct/silent-failure'
  | 'dma-direct/unreachable-buffer'
  | 'explorer/exception'
  | 'explorer/hung'
  | 'explorer/refused'
  | 'explorer/unsupported'
  | 'gpu/map-refused'
  | 'gpu/no-mmu'
  | 'gpu/partial-unmap'
  | 'gpu/stage2-fault'
  | 'gpu/unaligned'
  | 'iommu/arch-mapping-taken'
  | 'iommu/fault'
  | 'iommu/map-hang'
  | 'iommu/map-past-buffer'
  | 'iommu/no-such-iommu'
  | 'iommu/not-attached'
  | 'iommu/nothing-mapped'
  | 'iommu/padding-zeroed'
  | 'iommu/stale-iotlb-hit'
  | 'iommu/untrusted-ignored'
  | 'iommu/untrusted-not-bounced'
  | 'log/warn-once-silent'
  | 'mm/double-free'
  | 'mm/freed-while-mapped'
  | 'mm/not-ram'
  | 'mm/order-too-large'
  | 'mm/slab-bug'
  | 'mm/out-of-bounds'
  | 'mm/stack-overflow'
  | 'mm/use-after-free'
  | 'mm/wrong-allocator'
  | 'sg/entry-past-nents'
  | 'sg/map-failure-leaves-entries'
  | 'sg/nents-mismatch'
  | 'sg/not-mapped'
  | 'swiotlb/bad-slot'
  | 'swiotlb/no-pool-oops'
  | 'swiotlb/no-pool-panic'
  | 'swiotlb/overflow-panic';

/**
 * A kernel decision told as a note that a tool acts on, by rule (`area/what`,
 * as observations): `api/vmalloc-rejected` is dma_map_single_attrs()
 * refusing a vmalloc address before dma_map_page_attrs() (5.5, 4544b9f25e70),
 * so the call maps nothing and fires no dma tracepoint. Notes no tool acts on
 * carry none; nothing selects a note by its words.
 */
export type NoteRule = 'api/vmalloc-rejected';

/** One observation: its rule and the sentence that explains it. */
export interface Observation {
  rule: ObservationRule;
  text: string;
}

export type CacheLineState = 'I' | 'C' | 'D';

/** What a cache maintenance operation did to one line that was present. */
export interface LineAction {
  /** Physical address of the line. */
  line: number;
  before: CacheLineState;
  after: CacheLineState;
  /** Dirty bytes were written to RAM. */
  wroteBack: boolean;
  /** Dirty bytes were thrown away (invalidate of a dirty line): their hex… */
  lostHex?: string;
  /** …starting at this offset in the line. */
  lostOffset?: number;
}

export type MaintOp = 'clean' | 'inval' | 'clean_inval';

export type SimEvent =
  | { kind: 'alloc'; allocator: string; name: string; va: number; phys: number; size: number; zone: string; why: Why }
  | { kind: 'free'; allocator: string; name: string; phys: number; size: number; why: Why }
  | { kind: 'cpu_access'; op: 'read' | 'write'; va: number; phys: number; len: number; hits: number; misses: number; uncached: boolean; memType?: 'wc' | 'uc' }
  | { kind: 'cache_fill'; line: number; set: number; way: number; why?: Why }
  | { kind: 'cache_evict'; line: number; set: number; way: number; dirty: boolean; reason: 'lru' | 'cache_evict' | 'snoop' }
  | { kind: 'cache_maint'; op: MaintOp; start: number; size: number; lines: LineAction[]; instr: string; why: Why }
  | { kind: 'bounce'; from: number; to: number; len: number; toSlot: boolean; why: Why }
  | { kind: 'swiotlb_alloc'; index: number; nslots: number; tlbAddr: number; orig: number; size: number; why: Why; /** the slots are a coherent buffer themselves (before 4.20), with no original */ coherent?: true }
  | { kind: 'swiotlb_free'; index: number; nslots: number; tlbAddr: number; why: Why }
  | { kind: 'dma_map'; dev: string; api: DmaMapApi; addr: number; phys: number; size: number; dir: DmaDir; path: 'direct' | 'swiotlb' | 'iommu'; why: Why }
  | { kind: 'dma_unmap'; dev: string; api: DmaUnmapApi; addr: number; size: number; dir: DmaDir; why: Why }
  /** `untracked`: no live mapping of the device holds the range (a sync after unmap, a wrong handle): nothing changes hands, though the kernel syncs the addresses all the same. */
  | { kind: 'dma_sync'; dev: string; api: DmaSyncApi; addr: number; size: number; dir: DmaDir; forCpu: boolean; untracked?: true; why: Why }
  /**
   * `nosnoop`: the device is one the DMA API believes coherent, but this
   * transaction did not snoop (No Snoop, or a Non-cacheable IOMMU leaf).
   */
  | { kind: 'dev_access'; dev: string; op: 'read' | 'write'; addr: number; phys: number; len: number; via: 'direct' | 'iommu' | 'gpu-mmu'; snooped: boolean; nosnoop?: 'no-snoop' | 'iommu-nc'; why: Why }
  /**
   * A report: `id` names the catalogue entry (kernel-log/catalogue.ts) of the
   * line the kernel prints, as a `log` event's does; null when the kernel
   * prints nothing (a hang the explorer reports for it).
   */
  | { kind: 'finding'; rule: string; id: MessageId | null; message: string; why: Why }
  /** A kernel log line: `id` names its catalogue entry (kernel-log/catalogue.ts), so views select lines by id, never by their words. */
  | { kind: 'log'; level: Level; id: MessageId; text: string }
  | { kind: 'note'; text: string; why: Why; rule?: NoteRule }
  // IOMMU, GPU MMU, CMA and dma-buf events (filled in by their modules)
  | { kind: 'iommu_map'; domain: string; iova: number; phys: number; size: number; prot: string; why: Why }
  | { kind: 'iommu_unmap'; domain: string; iova: number; size: number; queued: boolean; why: Why }
  | { kind: 'iova_alloc'; domain: string; iova: number; size: number; why: Why }
  | { kind: 'iova_free'; domain: string; iova: number; size: number; deferred: boolean; why: Why }
  | { kind: 'pt_walk'; domain: string; iova: number; levels: number[]; phys: number | null; why: Why }
  | { kind: 'iotlb'; domain: string; op: 'hit' | 'miss' | 'fill' | 'flush' | 'inval'; iova: number; phys?: number; stale?: boolean; why: Why }
  | { kind: 'iommu_fault'; domain: string; dev: string; iova: number; write: boolean; stage: string; why: Why }
  | { kind: 'fq'; domain: string; op: 'queue' | 'flush'; entries: number; why: Why }
  /**
   * A device-internal MMU (GPU): `walk` is stage 1 (GPU VA → DMA address, with
   * the table index used at each level); a `fault` names its `stage`: the
   * GPU's own MMU (no GPU PTE) or the system IOMMU / bus behind it (stage 2),
   * and `write` the direction of the access that faulted.
   */
  | { kind: 'gpu_vm'; vm: string; op: 'map' | 'unmap' | 'walk' | 'fault'; va: number; size: number; dmaAddr?: number; as?: number; levels?: number[]; stage?: 'gpu-mmu' | 'iommu'; write?: boolean; why: Why }
  /** CMA: `borrow` = movable pages lent from the area, `pin` / `unpin` = short-term GUP pins (pfn = first page). */
  | { kind: 'cma'; op: 'alloc' | 'release' | 'busy_retry' | 'fail' | 'migrate' | 'borrow' | 'pin' | 'unpin'; pfn: number; count: number; to?: number; why: Why }
  /** dma-buf: `op` says which (DmaBufOp); `sgt` names the sg_table of a mapping, `cached` marks the era-B cached mapping. */
  | { kind: 'dmabuf'; op: DmaBufOp; buf: string; attachment?: string; dir?: DmaDir; sgt?: string; cached?: boolean; why: Why };

export type SimEventKind = SimEvent['kind'];

/**
 * Who reports a finding: dma-debug for its checks (kernel/dma/debug.c,
 * lib/dma-debug.c before 4.18), else the kernel function it names (a hang in
 * __iommu_map is the kernel's state, not a dma-debug report).
 */
export function findingSource(e: Extract<SimEvent, { kind: 'finding' }>): string {
  return /(^|\/)(dma-)?debug\.c$/.test(e.why.file) ? 'dma-debug' : e.why.fn;
}

/** The text of the kernel log lines among `events` whose catalogue id `pick` accepts, in order. */
export function logLines(events: readonly SimEvent[], pick: (id: MessageId) => boolean): string[] {
  const out: string[] = [];
  for (const e of events) if (e.kind === 'log' && pick(e.id)) out.push(e.text);
  return out;
}
