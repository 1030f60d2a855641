/**
 * The lessons' tracks, in the order a learner should take them. Each track
 * is a folder of this directory holding its lessons as `NN-name.dma`, in
 * order; every lesson's `lesson(track=…)` names its folder (the tests check
 * it). The five thread tracks replay the mailing-list threads the explorer
 * grew from, one argument per lesson.
 */
export interface Track {
  id: string;
  title: string;
  /** One line: what the track teaches. */
  summary: string;
}

export const TRACKS: readonly Track[] = [
  { id: 'ownership', title: 'Ownership and syncs', summary: 'Who may touch a buffer when, and what the kernel does to the CPU cache at each call.' },
  { id: 'bounce', title: 'Bounce buffers', summary: 'When a device cannot reach memory, swiotlb copies it: slots, limits, syncs and a leak.' },
  { id: 'iommu', title: 'IOMMUs', summary: 'IOVAs, faults, strict and lazy invalidation, untrusted devices, scatter-gather merging.' },
  { id: 'gpu', title: 'GPUs and device MMUs', summary: 'Two stages of translation, and drivers that program the IOMMU themselves.' },
  { id: 'cma', title: 'CMA', summary: 'Contiguous memory that is lent out until a driver needs it back.' },
  { id: 'dmabuf', title: 'dma-buf', summary: 'One buffer shared by several devices: attachments, cached mappings, move_notify, locking.' },
  { id: 'debug', title: 'dma-debug', summary: 'One lesson per family of CONFIG_DMA_API_DEBUG warnings, and the bug each one catches.' },
  { id: 'thread-000', title: 'Thread: “noveau vs arm dma ops” (2018)', summary: 'GPU drivers against the DMA API: bounce buffers behind their back, non-snooped access and drm_clflush.' },
  { id: 'thread-001', title: 'Thread: “Export commonly used symbols” (2017)', summary: 'A camera with its own MMU: its own dma_map_ops, or the middle ground.' },
  { id: 'thread-002', title: 'Thread: “Provide a DMA page iterator” (2019)', summary: 'TTM maps once and never syncs; what “coherent” means; why memory cannot just be mapped uncached.' },
  { id: 'thread-003', title: 'Thread: “sharing attacher constraints with dma-parms” (2015)', summary: 'System IOMMU or device IOMMU, and who does the cache maintenance.' },
  { id: 'thread-004', title: 'Thread: “change DMA-buf locking convention” (2019)', summary: 'A cached dma-buf mapping: skipped flushes and -EBUSY.' },
];
