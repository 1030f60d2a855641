/**
 * What one step changed, view by view: a short badge for the view's tab
 * ("bounced", "3 lines", "IOTLB"), a one-line caption saying what to notice
 * in the view, and how much it matters (the view that "follow the step" opens).
 * Derived from the step's events only (the same fields the explanation words),
 * so a badge never says what the explanation does not. Pure: no React.
 */
import type { ObservationRule, SimEvent } from '../../sim/events.ts';
import { faultSentence, faultsOf } from '../../scenario/faults.ts';
import { hex, plural, sizeExact } from '../../sim/format.ts';
import { sawStaleData } from '../../sim/observe.ts';

export interface ViewChange {
  /** A word or two on the view's tab. */
  badge: string;
  /** What to notice in the view at this step, in one line. */
  caption: string;
  /** Higher wins when following the step: a fault > a bounce > cache maintenance > … */
  weight: number;
  /** Something went wrong here (a fault, a stale entry, discarded data). */
  bad: boolean;
}

type Changes = Partial<Record<string, ViewChange>>;


function cacheChange(events: readonly SimEvent[]): ViewChange | null {
  let fills = 0;
  let wb = 0;
  let dropped = 0;
  let lost = 0;
  let evicted = 0;
  let instr = '';
  for (const e of events) {
    if (e.kind === 'cache_fill') fills++;
    else if (e.kind === 'cache_evict') evicted++;
    else if (e.kind === 'cache_maint') {
      instr ||= e.instr.split(':')[0]!;
      for (const l of e.lines) {
        if (l.lostHex !== undefined) lost++;
        else if (l.wroteBack) wb++;
        if (l.after === 'I' && l.lostHex === undefined && e.op !== 'clean') dropped++;
      }
    }
  }
  const touched = fills + wb + dropped + lost + evicted;
  if (touched === 0) {
    const maint = events.find((e) => e.kind === 'cache_maint');
    if (!maint) return null;
    return { badge: 'no lines', caption: `Cache maintenance (${maint.instr.split(':')[0]}) found no line of the range in the cache: nothing to do.`, weight: 2, bad: false };
  }
  const parts: string[] = [];
  if (lost) parts.push(`${plural(lost, 'dirty line')} DISCARDED (the CPU's writes are lost)`);
  if (wb) parts.push(`${plural(wb, 'dirty line')} written back to RAM`);
  if (dropped) parts.push(`${plural(dropped, 'line')} invalidated`);
  if (fills) parts.push(`${plural(fills, 'line')} filled from RAM`);
  if (evicted) parts.push(`${plural(evicted, 'line')} evicted`);
  const how = instr ? ` (${instr})` : '';
  return { badge: plural(touched, 'line'), caption: `${parts.join(', ')}${wb || dropped || lost ? how : ''}.`, weight: lost ? 8 : wb || dropped ? 5 : 2, bad: lost > 0 };
}

function bytesChange(events: readonly SimEvent[], observed: readonly ObservationRule[]): ViewChange | null {
  const stale = sawStaleData(observed);
  const dev = events.find((e) => e.kind === 'dev_access');
  const cpu = events.find((e) => e.kind === 'cpu_access');
  if (stale) return { badge: 'stale', caption: 'The CPU, RAM and the device do not agree here: one of them sees stale bytes.', weight: 7, bad: true };
  if (dev?.kind === 'dev_access') return { badge: `device ${dev.op}`, caption: `${dev.dev} ${dev.op === 'read' ? 'reads' : 'writes'} ${sizeExact(dev.len)}${dev.snooped ? ', snooping the CPU cache' : ': RAM only'}. Compare the device's bytes with the CPU's.`, weight: 3, bad: false };
  if (cpu?.kind === 'cpu_access') return { badge: `CPU ${cpu.op}`, caption: `The CPU ${cpu.op === 'read' ? 'reads' : 'writes'} ${sizeExact(cpu.len)}${cpu.uncached ? ' uncached' : ' through its cache'}: the CPU's column ${cpu.op === 'write' && !cpu.uncached ? 'now differs from RAM' : 'shows what it got'}.`, weight: 1, bad: false };
  return null;
}

function swiotlbChange(events: readonly SimEvent[]): ViewChange | null {
  const bounces = events.filter((e) => e.kind === 'bounce');
  const alloc = events.find((e) => e.kind === 'swiotlb_alloc');
  const free = events.find((e) => e.kind === 'swiotlb_free');
  if (bounces.length) {
    const bytes = bounces.reduce((n, e) => n + (e.kind === 'bounce' ? e.len : 0), 0);
    const into = bounces.some((e) => e.kind === 'bounce' && e.toSlot);
    return { badge: 'bounced', caption: `${sizeExact(bytes)} copied ${into ? 'into a bounce slot: the device uses the copy, not the buffer' : 'back from a bounce slot to the buffer'}.`, weight: 6, bad: false };
  }
  if (alloc?.kind === 'swiotlb_alloc') return { badge: 'slot', caption: `${plural(alloc.nslots, 'slot')} reserved from index ${alloc.index} for ${sizeExact(alloc.size)}.`, weight: 4, bad: false };
  if (free?.kind === 'swiotlb_free') return { badge: 'freed', caption: `${plural(free.nslots, 'slot')} from index ${free.index} released.`, weight: 2, bad: false };
  return null;
}

function memmapChange(events: readonly SimEvent[]): ViewChange | null {
  const a = events.find((e) => e.kind === 'alloc');
  const f = events.find((e) => e.kind === 'free');
  if (a?.kind === 'alloc') return { badge: 'alloc', caption: `${a.name}: ${sizeExact(a.size)} at ${hex(a.phys)} (zone ${a.zone}).`, weight: 2, bad: false };
  if (f?.kind === 'free') return { badge: 'freed', caption: `${f.name} (${sizeExact(f.size)} at ${hex(f.phys)}) freed.`, weight: 1, bad: false };
  return null;
}

function iommuChange(events: readonly SimEvent[]): ViewChange | null {
  const fault = faultsOf(events).find((f) => f.unit === 'iommu');
  if (fault) return { badge: 'fault', caption: faultSentence(fault), weight: 10, bad: true };
  const stale = events.find((e) => e.kind === 'iotlb' && e.stale);
  if (stale?.kind === 'iotlb') return { badge: 'stale IOTLB', caption: `A stale IOTLB entry still translates IOVA ${hex(stale.iova)}: the device reaches memory that was unmapped.`, weight: 9, bad: true };
  const tlb = events.filter((e) => e.kind === 'iotlb');
  const map = events.find((e) => e.kind === 'iommu_map');
  const unmap = events.find((e) => e.kind === 'iommu_unmap');
  const fq = events.find((e) => e.kind === 'fq');
  if (unmap?.kind === 'iommu_unmap') return { badge: 'unmap', caption: `IOVA ${hex(unmap.iova)} unmapped${unmap.queued ? '; the IOTLB invalidation is only queued (lazy): the device can still reach it' : ' and the IOTLB invalidated'}.`, weight: 5, bad: false };
  if (map?.kind === 'iommu_map') return { badge: 'map', caption: `IOVA ${hex(map.iova)} → ${hex(map.phys)} mapped (${sizeExact(map.size)}, ${map.prot}).`, weight: 4, bad: false };
  if (tlb.length) {
    const ops = [...new Set(tlb.map((e) => (e.kind === 'iotlb' ? e.op : '')))];
    return { badge: 'IOTLB', caption: `IOTLB ${ops.join(', ')}: ${ops.includes('miss') ? 'the IOMMU walks the page table, then caches the translation' : ops.includes('hit') ? 'the cached translation is used, no table walk' : 'entries change'}.`, weight: 4, bad: false };
  }
  if (fq?.kind === 'fq') return { badge: 'flush queue', caption: `Flush queue ${fq.op}: ${plural(fq.entries, 'entry', 'entries')}.`, weight: 3, bad: false };
  const iova = events.find((e) => e.kind === 'iova_alloc' || e.kind === 'iova_free');
  if (iova) return { badge: 'IOVA', caption: `IOVA ${iova.kind === 'iova_alloc' ? 'allocated' : 'freed'} at ${hex(iova.iova)}.`, weight: 2, bad: false };
  return null;
}

function gpuChange(events: readonly SimEvent[]): ViewChange | null {
  const fault = faultsOf(events).find((f) => f.gpuStage !== null);
  if (fault) return { badge: `stage ${fault.gpuStage} fault`, caption: faultSentence(fault), weight: 11, bad: true };
  const g = events.find((e) => e.kind === 'gpu_vm');
  if (g?.kind === 'gpu_vm') return { badge: g.op, caption: `GPU VM ${g.vm}: ${g.op} VA ${hex(g.va)}${g.dmaAddr !== undefined ? ` → DMA address ${hex(g.dmaAddr)}` : ''}.`, weight: 4, bad: false };
  return null;
}

function cmaChange(events: readonly SimEvent[]): ViewChange | null {
  const c = events.find((e) => e.kind === 'cma');
  if (c?.kind !== 'cma') return null;
  return { badge: c.op.replace('_', ' '), caption: `CMA ${c.op.replace('_', ' ')}: ${plural(c.count, 'page')} at pfn ${hex(c.pfn)}${c.to !== undefined ? ` → ${hex(c.to)}` : ''}.`, weight: c.op === 'fail' ? 9 : 5, bad: c.op === 'fail' };
}

function dmabufChange(events: readonly SimEvent[]): ViewChange | null {
  const d = events.find((e) => e.kind === 'dmabuf');
  if (d?.kind !== 'dmabuf') return null;
  return { badge: d.op.replace('_', ' '), caption: `dma-buf ${d.buf}: ${d.op}${d.attachment ? ` (${d.attachment})` : ''}.`, weight: 5, bad: false };
}

/** What this step changed, by view id. The diagram shows every step's movement and is never badged. */
/** `observed`: the rules of the step's observations (StepJson.observationRules). */
export function stepChanges(events: readonly SimEvent[] | undefined, observed: readonly ObservationRule[] = []): Changes {
  const ev = events ?? [];
  const out: Changes = {};
  const put = (id: string, c: ViewChange | null) => {
    if (c) out[id] = c;
  };
  put('cache', cacheChange(ev));
  put('bytes', bytesChange(ev, observed));
  put('swiotlb', swiotlbChange(ev));
  put('memmap', memmapChange(ev));
  put('iommu', iommuChange(ev));
  put('gpuvm', gpuChange(ev));
  put('cma', cmaChange(ev));
  put('dmabuf', dmabufChange(ev));
  return out;
}

/** Below this weight a change stays on the diagram when following (an allocation, a cache fill). */
const FOLLOW_MIN = 4;

/** The view "follow the step" opens: the one that changed most, among those on screen; the diagram when none changed enough. */
export function followTarget(changes: Changes, shown: readonly string[]): string {
  let best = 'diagram';
  let w = FOLLOW_MIN - 1;
  for (const id of shown) {
    const c = changes[id];
    if (c && c.weight > w) {
      best = id;
      w = c.weight;
    }
  }
  return best;
}
