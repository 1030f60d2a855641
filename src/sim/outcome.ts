/**
 * What one step of the engine returns: the call's result as the kernel would
 * give it, the kernel log lines it wrote, what the explorer observed beyond
 * that, and the events that explain it.
 */
import type { Observation, SimEvent } from './events.ts';

export interface StepOutcome {
  /** Integer result (a DMA address, a count, a status), or null. */
  result: number | null;
  /** How to print `result`: addresses in hex, counts and statuses in decimal. */
  resultKind: 'addr' | 'count' | 'status' | null;
  /** Bytes the step read (cpu_read, dev_read, gpu_read), or null. */
  data: Uint8Array | null;
  /** How the call failed, by the kernel's name: EBUSY, DMA_MAPPING_ERROR, NULL, FAULT, … */
  error: string | null;
  /** Kernel log lines, in the kernel's wording. */
  warnings: string[];
  /** What the explorer saw that the kernel would not log (stale reads, lost dirty data…), each with its rule (observe.ts). */
  observations: Observation[];
  events: SimEvent[];
  /** Which buffers and mappings the step touched (not part of the runner's JSON). */
  touches: Touches;
}

/** A live mapping as the explorer keys it (dma/tracking.ts): its device and DMA address. */
export interface MappingRef {
  dev: string;
  addr: number;
}

/**
 * The buffers (by id) and mappings a step touched — allocated, freed,
 * mapped, unmapped, synced, read or written by the CPU or a device — in the
 * order it reached them, so the buffer the step is about comes first. Filled
 * where the work happens: the DMA front door (dma/mapping.ts) for every
 * mapping it records, drops or hands over, the allocators and frees, the CPU
 * and device accesses. The explorer's ownership lanes and the views' focus
 * read it, instead of guessing from the statement or the events.
 */
export interface Touches {
  buffers: number[];
  mappings: MappingRef[];
}

/**
 * A step's touches start as this one empty list, frozen (so a push to it
 * throws instead of reaching other steps); the first touch replaces it by a
 * list of its own. Most steps touch one buffer and at most one mapping: a
 * one-element list is a fraction of what an empty list's first push makes.
 */
const UNTOUCHED: never[] = Object.freeze([]) as unknown as never[];

/** The step touched buffer `id` (repeats in a row are kept once). */
export function touchBuffer(o: StepOutcome, id: number): void {
  const b = o.touches.buffers;
  if (b.length === 0) o.touches.buffers = [id];
  else if (b[b.length - 1] !== id) b.push(id);
}

/** The step acted on every buffer of a scatterlist, in the table's order. */
export function touchSg(o: StepOutcome, sgt: { entries: ReadonlyArray<{ bufId: number }> }): void {
  for (const e of sgt.entries) touchBuffer(o, e.bufId);
}

/** The step touched a mapping (recorded, dropped, handed over or reached through) and so its buffer. */
export function touchMapping(o: StepOutcome, r: MappingRef & { bufId: number }): void {
  const ms = o.touches.mappings;
  if (ms.length === 0) o.touches.mappings = [{ dev: r.dev, addr: r.addr }];
  else ms.push({ dev: r.dev, addr: r.addr });
  touchBuffer(o, r.bufId);
}

/**
 * The error of a call the kernel never returns from (an endless loop in the
 * kernel): the machine stops there, and every later statement reports it too
 * instead of running (step.ts).
 */
export const HANG = 'HANG';

export function emptyOutcome(): StepOutcome {
  return { result: null, resultKind: null, data: null, error: null, warnings: [], observations: [], events: [], touches: { buffers: UNTOUCHED, mappings: UNTOUCHED } };
}
