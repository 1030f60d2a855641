/**
 * Who owns each buffer at each step (the timeline's ownership lanes), and the
 * bytes bounced through swiotlb per step (the swiotlb view's plot), recorded
 * while the worker runs a scenario.
 *
 * Ownership is read from the engine's live mappings (MapRecord.owner, by
 * buffer: Machine.mapsByBuf). After each step only the buffers its outcome
 * says it touched (StepOutcome.touches) and the buffers it allocated are
 * looked at again, so the cost follows the step, not the machine.
 * test/ui/ownership.test.ts checks the lanes against a full scan at every
 * step of every library scenario.
 *
 * Runs in the worker (and in tests), never in the UI.
 */
import type { SimEvent } from '../sim/events.ts';
import type { Touches } from '../sim/outcome.ts';
import type { Machine, MapRecord } from '../sim/machine.ts';
import { allMappings, liveMappingCount } from '../sim/dma/tracking.ts';

import { grown } from './grown.ts';
import { OWN_COHERENT, OWN_CPU, OWN_CPU_MAPPED, OWN_DEVICE, OWN_NONE } from './lanes.ts';
import type { OwnState, OwnershipLanes } from './lanes.ts';

export * from './lanes.ts';

/** A live buffer's state from its live mappings: a device owns one → device; else coherent → shared; else mapped for the CPU; none → the CPU's. */
function stateOf(live: boolean, maps: Iterable<MapRecord>): OwnState {
  if (!live) return OWN_NONE;
  let mapped = false;
  let coherent = false;
  for (const r of maps) {
    if (r.api === 'coherent') coherent = true;
    else if (r.owner === 'device') return OWN_DEVICE;
    mapped = true;
  }
  return coherent ? OWN_COHERENT : mapped ? OWN_CPU_MAPPED : OWN_CPU;
}

/**
 * Every transition of every buffer, in step order, in typed arrays grown by
 * doubling: a JS array per buffer, grown push by push, put each growth's copy
 * in the worker's old generation (67 MiB of garbage over a 1,000,000-line
 * trace's run, allocation sampling in scripts/memory-long-run.ts); typed
 * arrays live outside the collected heap.
 */
class TransitionLog {
  length = 0;
  ids = new Int32Array(1024);
  steps = new Int32Array(1024);
  states = new Uint8Array(1024);

  push(id: number, step: number, state: number): void {
    if (this.length === this.ids.length) {
      const n = this.length * 2;
      this.ids = grown(this.ids, n);
      this.steps = grown(this.steps, n);
      this.states = grown(this.states, n);
    }
    this.ids[this.length] = id;
    this.steps[this.length] = step;
    this.states[this.length] = state;
    this.length++;
  }
}

export class OwnershipTracker {
  private seen = 0;
  private live = 0;
  private cur: number[] = [];
  private log = new TransitionLog();
  private names: string[] = [];
  private kinds: string[] = [];
  /** Live mappings after the last step (for memory estimates). */
  get liveMappings(): number {
    return this.live;
  }

  /** After step `step`: the buffers it allocated and those its outcome says it touched. */
  afterStep(m: Machine, step: number, touches: Touches): void {
    while (this.seen < m.buffers.length) {
      const b = m.buffers[this.seen]!;
      this.names[b.id] = b.name;
      this.kinds[b.id] = b.kind;
      this.cur[b.id] = OWN_NONE;
      this.seen++;
      this.update(m, step, b.id);
    }
    for (const id of touches.buffers) this.update(m, step, id);
    this.live = liveMappingCount(m);
  }

  private update(m: Machine, step: number, id: number): void {
    const s = stateOf(m.buffers[id]?.live ?? false, m.mapsByBuf.get(id) ?? []);
    if (s === this.cur[id]) return;
    this.cur[id] = s;
    this.log.push(id, step, s);
  }

  /** Current state of every buffer, by id (for tests). */
  current(): number[] {
    return this.cur.slice();
  }

  /** The log grouped by buffer (each buffer's transitions stay in step order): a counting sort. */
  lanes(): OwnershipLanes {
    const n = this.seen;
    const { length: total, ids, steps: logSteps, states: logStates } = this.log;
    const offsets = new Int32Array(n + 1);
    for (let k = 0; k < total; k++) offsets[ids[k]! + 1]!++;
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    const at = offsets.slice(0, n);
    const steps = new Int32Array(total);
    const states = new Uint8Array(total);
    for (let k = 0; k < total; k++) {
      const o = at[ids[k]!]!++;
      steps[o] = logSteps[k]!;
      states[o] = logStates[k]!;
    }
    return { names: this.names.slice(0, n), kinds: this.kinds.slice(0, n), offsets, steps, states };
  }
}

/** Ground truth by a full scan of every live mapping (tests; what the tracker must agree with). */
export function ownershipByScan(m: Machine): number[] {
  const byBuf = new Map<number, MapRecord[]>();
  for (const r of allMappings(m)) {
    const list = byBuf.get(r.bufId);
    if (list) list.push(r);
    else byBuf.set(r.bufId, [r]);
  }
  return m.buffers.map((b) => stateOf(b.live, byBuf.get(b.id) ?? []));
}

/** Bytes bounced per step, sparse: only steps that bounced. */
export interface BounceSeries {
  steps: Int32Array;
  /** Into the slot (map, sync_for_device): what the device will read. */
  toDevice: Float64Array;
  /** Back to the original buffer (unmap, sync_for_cpu). */
  toCpu: Float64Array;
  totalBytes: number;
}

export const EMPTY_BOUNCES: BounceSeries = {
  steps: new Int32Array(0),
  toDevice: new Float64Array(0),
  toCpu: new Float64Array(0),
  totalBytes: 0,
};

export class BounceRecorder {
  private steps: number[] = [];
  private toDev: number[] = [];
  private toCpu: number[] = [];
  private total = 0;

  afterStep(step: number, events: readonly SimEvent[]): void {
    let d = 0;
    let c = 0;
    for (const e of events) {
      if (e.kind !== 'bounce') continue;
      if (e.toSlot) d += e.len;
      else c += e.len;
    }
    if (d === 0 && c === 0) return;
    this.steps.push(step);
    this.toDev.push(d);
    this.toCpu.push(c);
    this.total += d + c;
  }

  series(): BounceSeries {
    return {
      steps: Int32Array.from(this.steps),
      toDevice: Float64Array.from(this.toDev),
      toCpu: Float64Array.from(this.toCpu),
      totalBytes: this.total,
    };
  }
}
