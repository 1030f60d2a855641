/**
 * Layout of the swiotlb view: which mapping holds each 2 KiB slot, the slot
 * grid as rows of 128-slot segments (runs of wholly free segments folded),
 * and the bytes-bounced-per-step series binned to the plot's width.
 * Pure: no DOM, no React.
 */
import type { MachineSnapshot } from '../../sim/snapshot.ts';
import type { MapRecord } from '../../sim/machine.ts';
import type { BounceSeries } from '../../worker/api.ts';

export const IO_TLB_SIZE = 2048;
export const IO_TLB_SEGSIZE = 128;

export interface SlotRun {
  index: number;
  nslots: number;
  orig: number;
  /** The live mapping using these slots (matched by its bounce address), if known. */
  map: MapRecord | null;
  /** A live coherent buffer the slots are (kernels before 4.20 took dma_alloc_coherent from the pool): its name, else null. */
  held: string | null;
  /** Colour index (stable per run in this snapshot). */
  color: number;
}

export interface Occupancy {
  nslabs: number;
  /** Per slot: index into `runs`, or -1 when free. */
  owner: Int32Array;
  runs: SlotRun[];
}

export function slotOccupancy(s: MachineSnapshot): Occupancy | null {
  const sw = s.swiotlb;
  if (!sw) return null;
  const owner = new Int32Array(sw.nslabs).fill(-1);
  const runs: SlotRun[] = sw.runs.map((r, i) => {
    const lo = sw.start + r.index * IO_TLB_SIZE;
    const hi = lo + r.nslots * IO_TLB_SIZE;
    const map = s.mappings.find((m) => m.tlbAddr >= lo && m.tlbAddr < hi) ?? null;
    return { index: r.index, nslots: r.nslots, orig: r.orig, map, held: poolBufferAt(s, lo)?.name ?? null, color: i };
  });
  runs.forEach((r, i) => {
    for (let k = r.index; k < r.index + Math.max(1, r.nslots) && k < sw.nslabs; k++) owner[k] = i;
  });
  return { nslabs: sw.nslabs, owner, runs };
}

/** The live coherent buffer that starts at `phys` inside the swiotlb pool (swiotlb_alloc_buffer's slots), if any. */
export function poolBufferAt(s: MachineSnapshot, phys: number): MachineSnapshot['buffers'][number] | undefined {
  return s.buffers.find((b) => b.live && b.kind === 'coherent' && b.pieces[0]?.phys === phys);
}

export type SegRow = { kind: 'seg'; seg: number } | { kind: 'free'; from: number; to: number };

/** One row per segment; two or more wholly free segments in a row fold into one line (the next-fit index's segment never folds). */
export function segmentRows(o: Occupancy, index: number): SegRow[] {
  const nseg = Math.ceil(o.nslabs / IO_TLB_SEGSIZE);
  const used = new Uint8Array(nseg);
  for (let i = 0; i < o.nslabs; i++) if (o.owner[i]! >= 0) used[Math.floor(i / IO_TLB_SEGSIZE)] = 1;
  const keep = (seg: number) => used[seg] === 1 || seg === Math.floor(index / IO_TLB_SEGSIZE) || seg === 0;
  const out: SegRow[] = [];
  for (let seg = 0; seg < nseg; ) {
    if (keep(seg)) {
      out.push({ kind: 'seg', seg });
      seg++;
      continue;
    }
    let end = seg;
    while (end < nseg && !keep(end)) end++;
    if (end - seg >= 2) out.push({ kind: 'free', from: seg, to: end });
    else for (let k = seg; k < end; k++) out.push({ kind: 'seg', seg: k });
    seg = end;
  }
  return out;
}

export interface Bin {
  from: number;
  to: number;
  toDevice: number;
  toCpu: number;
}

/** The series summed into at most `bins` buckets over steps 1..stepCount. */
export function bounceBins(s: BounceSeries, stepCount: number, bins: number): Bin[] {
  const n = Math.max(1, stepCount);
  const nb = Math.max(1, Math.min(bins, n));
  const per = n / nb;
  const out: Bin[] = Array.from({ length: nb }, (_, i) => ({ from: Math.floor(i * per) + 1, to: Math.floor((i + 1) * per), toDevice: 0, toCpu: 0 }));
  for (let i = 0; i < s.steps.length; i++) {
    const st = s.steps[i]!;
    const b = Math.min(nb - 1, Math.max(0, Math.floor((st - 1) / per)));
    out[b]!.toDevice += s.toDevice[i]!;
    out[b]!.toCpu += s.toCpu[i]!;
  }
  return out;
}

/** Bytes bounced at one step (0 when none). */
export function bouncedAt(s: BounceSeries, step: number): { toDevice: number; toCpu: number } {
  let lo = 0;
  let hi = s.steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = s.steps[mid]!;
    if (v === step) return { toDevice: s.toDevice[mid]!, toCpu: s.toCpu[mid]! };
    if (v < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return { toDevice: 0, toCpu: 0 };
}

/** Ticks for a byte axis at power-of-two steps (0, 1 KiB, 2 KiB, …), the last one at or above `max`. */
export function byteTicks(max: number, count = 4): number[] {
  const m = Math.max(1, max);
  let step = 2 ** Math.floor(Math.log2(m / count));
  if (step < 1) step = 1;
  while (m / step > count + 1) step *= 2;
  const out: number[] = [];
  for (let v = 0; v < m + step && out.length <= count + 2; v += step) {
    out.push(v);
    if (v >= m) break;
  }
  return out;
}
