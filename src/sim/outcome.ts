/**
 * What one step of the engine returns: the call's result as the kernel would
 * give it, the kernel log lines it wrote, what the explorer observed beyond
 * that, and the events that explain it.
 */
import type { Observation, SimEvent } from './events.ts';
import type { Touches } from './operation.ts';

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
  /**
   * Which buffers and mappings the step may have changed: those its events
   * name ('events'), or possibly any ('any': from the operation table's
   * entry). The explorer's ownership lanes read it; it is not part of the
   * runner's JSON.
   */
  touches: Touches;
}

/**
 * The error of a call the kernel never returns from (an endless loop in the
 * kernel): the machine stops there, and every later statement reports it too
 * instead of running (step.ts).
 */
export const HANG = 'HANG';

export function emptyOutcome(): StepOutcome {
  return { result: null, resultKind: null, data: null, error: null, warnings: [], observations: [], events: [], touches: 'events' };
}
