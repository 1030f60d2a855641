/**
 * Words and per-step facts for the dma-buf view: which era of
 * dma_buf_map_attachment the machine's kernel is in (and so why a mapping is
 * cached), what this step did to each dma-buf and attachment (exporter
 * called, cached table returned, -EBUSY, move_notify delivered, pinned,
 * locked). Pure functions over the snapshot's DmaBufView and the step's
 * events (types only).
 */
import type { DmaBufOp as DmaBufEventOp, DmaDir, SimEvent } from '../../sim/events.ts';

/** "5.10" → [5, 10]; unparsable versions count as the newest. */
export function kernelVersion(kernel: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(kernel.trim());
  return m ? [Number(m[1]), Number(m[2])] : [99, 0];
}

export function kernelAtLeast(kernel: string, major: number, minor: number): boolean {
  const [a, b] = kernelVersion(kernel);
  return a > major || (a === major && b >= minor);
}

export type MapEra = 'no-cache-yet' | 'cached' | 'no-cache';

/** The era of dma_buf_map_attachment for a kernel version. */
export function mapEra(kernel: string): { era: MapEra; text: string } {
  if (!kernelAtLeast(kernel, 5, 3)) return { era: 'no-cache-yet', text: `${kernel}: before 5.3 every dma_buf_map_attachment() calls the exporter (no cached mappings yet).` };
  if (kernelAtLeast(kernel, 6, 15))
    return { era: 'no-cache', text: `${kernel}: 6.15 dropped the sg_table cache (b72f66f22c0e): every map calls the exporter, with the DMA API's cache maintenance; no -EBUSY for a second direction.` };
  return {
    era: 'cached',
    text: `${kernel}: 5.3–6.14 may cache an attachment's mapping (f13e143e7444); from 5.5 a dynamic-handling mismatch maps DMA_BIDIRECTIONAL at attach (15fd552d186c).`,
  };
}

/** Why this attachment's mapping is cached: the era rule that did it. */
export function cachedWhy(atAttach: boolean, dir: string): string {
  if (atAttach)
    return `Cached at attach (5.5–6.14, 15fd552d186c): exporter and importer disagree on dynamic handling, so dma_buf_dynamic_attach() pinned the exporter and mapped ${dir} at once. Every later map returns this table without calling the exporter: no cache maintenance.`;
  return `Cached by cache_sgt_mapping (5.3–6.14, f13e143e7444): the first map (${dir}) stays on the attachment; later maps return it without calling the exporter (no cache maintenance), unmap leaves it until dma_buf_detach, and ${
    dir === 'DMA_BIDIRECTIONAL' ? 'any direction is accepted' : 'a different direction gets -EBUSY'
  }.`;
}

export interface DmaBufOp {
  op: DmaBufEventOp;
  attachment: string | null;
  dir: DmaDir | null;
  sgt: string | null;
  cached: boolean;
  rule: string;
  fn: string;
}

export interface DmaBufStep {
  ops: DmaBufOp[];
  /** Attachments this step touched (any op naming them). */
  touched: Set<string>;
  /** Attachments whose importer got move_notify this step. */
  moveNotified: Set<string>;
  /** Attachments for which the exporter's map_dma_buf / unmap_dma_buf ran (with cache maintenance), and which. */
  exporterCalled: Map<string, 'map' | 'unmap'>;
  /** Attachments that got the cached table back (no exporter call), with the direction the caller asked for. */
  cachedReturned: Map<string, string | null>;
  /** A map refused this step (-EBUSY: a different direction than the cached mapping). */
  refused: { attachment: string | null; dir: string | null; rule: string } | null;
  moved: boolean;
  lock: 'lock' | 'unlock' | null;
}

/** What this step did to the dma-buf `name` (`error`: the step's error, e.g. "EBUSY"). */
export function dmabufStep(events: readonly SimEvent[] | undefined, name: string, error: string | null = null): DmaBufStep {
  const s: DmaBufStep = { ops: [], touched: new Set(), moveNotified: new Set(), exporterCalled: new Map(), cachedReturned: new Map(), refused: null, moved: false, lock: null };
  for (const e of events ?? []) {
    if (e.kind !== 'dmabuf' || e.buf !== name) continue;
    const op: DmaBufOp = { op: e.op, attachment: e.attachment ?? null, dir: e.dir ?? null, sgt: e.sgt ?? null, cached: e.cached === true, rule: e.why.rule, fn: e.why.fn };
    s.ops.push(op);
    const at = op.attachment;
    if (at) s.touched.add(at);
    if (e.op === 'move_notify' && at) s.moveNotified.add(at);
    if ((e.op === 'map_dma_buf' || e.op === 'unmap_dma_buf') && at) s.exporterCalled.set(at, e.op === 'map_dma_buf' ? 'map' : 'unmap');
    if ((e.op === 'map_cached' || e.op === 'unmap_cached') && at) s.cachedReturned.set(at, op.dir);
    if (e.op === 'move') s.moved = true;
    if (e.op === 'lock' || e.op === 'unlock') s.lock = e.op;
    if (e.op === 'map' && error) s.refused = { attachment: at, dir: op.dir, rule: op.rule };
  }
  return s;
}

/** Every dma-buf event op in words (typed by the event's union: a new op cannot go without its words). */
const OP_WORDS: Record<DmaBufEventOp, string> = {
  export: 'dma_buf_export: the exporter wraps its buffer',
  attach: 'attach: an importer device joins',
  detach: 'detach: the attachment leaves (a cached mapping is unmapped now)',
  map_dma_buf: "exporter's map_dma_buf: dma_map_sgtable for the importer (cache maintenance)",
  unmap_dma_buf: "exporter's unmap_dma_buf: dma_unmap_sgtable",
  map_at_attach: 'mapped at attach and cached',
  cache: 'the mapping is cached on the attachment',
  map_cached: 'the cached table returned: no exporter call, no cache maintenance',
  unmap_cached: 'unmap of the cached table: nothing happens',
  map: 'map refused',
  pin: 'pin: the exporter may not move the buffer',
  unpin: 'unpin',
  move: 'the exporter moved the backing storage',
  move_notify: 'move_notify delivered',
  lock: 'dma_resv_lock',
  unlock: 'dma_resv_unlock',
  begin_cpu_access: 'begin_cpu_access: sync every mapped attachment for the CPU',
  end_cpu_access: 'end_cpu_access: sync every mapped attachment for the device',
};

export function opWords(op: DmaBufEventOp): string {
  return OP_WORDS[op];
}

/** Short direction names: DMA_TO_DEVICE → TO_DEVICE. */
export function dirShort(dir: string): string {
  return dir.replace(/^DMA_/, '');
}

/** What a DMA address of an importer's mapping is: an IOVA, a swiotlb bounce slot, or the physical address. */
export function dmaKind(dma: number, dev: string, snap: { iommu: ReadonlyArray<{ name: string; type: string; devices: readonly string[] }>; swiotlb: { start: number; end: number } | null }): string {
  const dom = snap.iommu.find((d) => d.devices.includes(dev));
  if (dom && dom.type !== 'IDENTITY') return `IOVA (${dom.name})`;
  if (snap.swiotlb && dma >= snap.swiotlb.start && dma < snap.swiotlb.end) return 'swiotlb bounce slot';
  return 'physical';
}
