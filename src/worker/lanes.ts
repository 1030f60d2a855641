/**
 * The ownership lanes' data format and the words for their states, shared by
 * the worker (which records them, ownership.ts) and the timeline (which draws
 * them and names each state in its tooltip). Pure: no imports.
 */

/** Ownership state of a buffer from one step on. */
export const OWN_NONE = 0;
/** Allocated, not mapped for any device: the CPU's. */
export const OWN_CPU = 1;
/** Mapped, but given back to the CPU (dma_sync_*_for_cpu, or a non-coherent allocation the CPU holds). */
export const OWN_CPU_MAPPED = 2;
/** Mapped and owned by a device: the CPU must not touch it. */
export const OWN_DEVICE = 3;
/** dma_alloc_coherent memory: CPU and device share it, no ownership passes. */
export const OWN_COHERENT = 4;

export type OwnState = 0 | 1 | 2 | 3 | 4;

/** Each state in words: `name` where states are listed (a lane's changes as text), `title` for the timeline's tooltip. */
export const OWN_WORDS: Readonly<Record<OwnState, { name: string; title: string }>> = {
  [OWN_NONE]: { name: 'not allocated', title: 'not allocated' },
  [OWN_CPU]: { name: 'CPU', title: 'the CPU owns it (not mapped for any device)' },
  [OWN_CPU_MAPPED]: { name: 'CPU (mapped, synced for the CPU)', title: 'mapped, but given back to the CPU (synced for the CPU): the CPU may access it' },
  [OWN_DEVICE]: { name: 'device', title: 'a device owns it: the CPU must not touch it until sync_for_cpu or unmap' },
  [OWN_COHERENT]: { name: 'shared (coherent)', title: 'coherent memory: CPU and device share it' },
};

/**
 * Ownership lanes of every buffer of a run, in allocation order (buffer id).
 * Lane i's changes are steps[offsets[i] .. offsets[i+1]) with the state from
 * that step on in states[…]; before its first change a buffer does not exist.
 */
export interface OwnershipLanes {
  names: string[];
  kinds: string[];
  offsets: Int32Array;
  steps: Int32Array;
  states: Uint8Array;
}

/** The state of lane `i` at `step` (binary search in its changes). */
export function laneStateAt(l: OwnershipLanes, i: number, step: number): OwnState {
  let lo = l.offsets[i]!;
  let hi = l.offsets[i + 1]! - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (l.steps[mid]! <= step) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return (ans < 0 ? OWN_NONE : l.states[ans]!) as OwnState;
}

export const EMPTY_LANES: OwnershipLanes = {
  names: [],
  kinds: [],
  offsets: new Int32Array(1),
  steps: new Int32Array(0),
  states: new Uint8Array(0),
};

