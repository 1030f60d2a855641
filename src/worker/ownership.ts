/**
 * Who owns each buffer at each step (the timeline's ownership lanes), and the
 * bytes bounced through swiotlb per step (the swiotlb view's plot), recorded
 * while the worker runs a scenario.
 *
 * Ownership is read from the engine's live mappings (MapRecord.owner), but a
 * full scan after every step would cost O(live mappings) per step, so the
 * tracker follows the step's events (dma_map / dma_unmap / dma_sync of single
 * mappings, allocations and frees) and keeps an index from mapping key to
 * buffer. A step whose outcome says it may have touched any buffer or
 * mapping (`touches: 'any'`, from the operation table: scatter-gather,
 * dma-buf, IOMMU, CMA, frees that may untrack another buffer), and events it
 * does not model one by one, fall back to one full rescan of the mappings.
 * test/ui/ownership.test.ts checks it against a full scan at every step of
 * every library scenario.
 *
 * Runs in the worker (and in tests), never in the UI.
 */
import type { SimEvent } from '../sim/events.ts';
import type { Touches } from '../sim/operation.ts';
import type { Machine } from '../sim/machine.ts';
import { allMappings, exactMapping, findMapping } from '../sim/dma/tracking.ts';

import { OWN_COHERENT, OWN_CPU, OWN_CPU_MAPPED, OWN_DEVICE, OWN_NONE } from './lanes.ts';
import type { OwnState, OwnershipLanes } from './lanes.ts';

export * from './lanes.ts';

function mapKey(dev: string, addr: number): string {
  return `${dev}@${addr}`;
}

function byKey(m: Machine, k: string) {
  const at = k.lastIndexOf('@');
  return exactMapping(m, k.slice(0, at), Number(k.slice(at + 1)));
}

export class OwnershipTracker {
  private keyBuf = new Map<string, number>();
  private bufKeys = new Map<number, Set<string>>();
  /** Live buffers by the address their free event reports. */
  private physBuf = new Map<number, number>();
  private seen = 0;
  private cur: number[] = [];
  private tSteps: number[][] = [];
  private tStates: number[][] = [];
  private names: string[] = [];
  private kinds: string[] = [];
  /** Live mappings the tracker knows of (for memory estimates). */
  get liveMappings(): number {
    return this.keyBuf.size;
  }

  /** After step `step`: what its outcome says it touched, and its events. */
  afterStep(m: Machine, step: number, touches: Touches, events: readonly SimEvent[]): void {
    const dirty: number[] = [];
    while (this.seen < m.buffers.length) {
      const b = m.buffers[this.seen]!;
      this.names[b.id] = b.name;
      this.kinds[b.id] = b.kind;
      this.cur[b.id] = OWN_NONE;
      this.tSteps[b.id] = [];
      this.tStates[b.id] = [];
      const at = b.phys >= 0 ? b.phys : (b.pages[0] ?? -1);
      if (b.live && at >= 0) this.physBuf.set(at, b.id);
      dirty.push(b.id);
      this.seen++;
    }
    let rescan = touches === 'any';
    for (const e of events) {
      if (rescan) break;
      switch (e.kind) {
        case 'dma_map': {
          if (e.api.endsWith('_sg')) {
            rescan = true;
            break;
          }
          const r = exactMapping(m, e.dev, e.addr);
          if (r) this.index(mapKey(e.dev, e.addr), r.bufId, dirty);
          break;
        }
        case 'dma_unmap': {
          if (e.api.endsWith('_sg')) {
            rescan = true;
            break;
          }
          const k = mapKey(e.dev, e.addr);
          const id = this.keyBuf.get(k);
          if (id !== undefined && !exactMapping(m, e.dev, e.addr)) {
            this.unindex(k, id);
            dirty.push(id);
          }
          break;
        }
        case 'dma_sync': {
          if (e.api.includes('_sg_')) {
            rescan = true;
            break;
          }
          const id = this.findSynced(m, e.dev, e.addr, e.size);
          if (id === undefined) rescan = true;
          else dirty.push(id);
          break;
        }
        case 'alloc': {
          if (e.allocator.startsWith('dma_alloc')) {
            const id = this.physBuf.get(e.phys);
            const b = id === undefined ? undefined : m.buffers[id];
            if (!b || b.dev === undefined) {
              rescan = true;
              break;
            }
            const addr = b.dmaAddr ?? b.phys;
            if (exactMapping(m, b.dev, addr)) this.index(mapKey(b.dev, addr), b.id, dirty);
            else rescan = true;
          }
          break;
        }
        case 'free': {
          const id = this.physBuf.get(e.phys);
          const b = id === undefined ? undefined : m.buffers[id];
          if (id === undefined || !b || b.live) {
            rescan = true;
            break;
          }
          this.physBuf.delete(e.phys);
          const keys = this.bufKeys.get(id);
          if (keys) for (const k of [...keys]) if (!byKey(m, k)) this.unindex(k, id);
          dirty.push(id);
          break;
        }
        case 'cma':
        case 'dmabuf':
        case 'iommu_map':
        case 'iommu_unmap':
        case 'gpu_vm':
          rescan = true;
          break;
        default:
          break;
      }
    }
    if (rescan) this.rescan(m, dirty);
    for (const id of dirty) {
      const s = this.stateOf(m, id);
      if (s !== this.cur[id]) {
        this.cur[id] = s;
        this.tSteps[id]!.push(step);
        this.tStates[id]!.push(s);
      }
    }
  }

  private index(k: string, id: number, dirty: number[]): void {
    const old = this.keyBuf.get(k);
    if (old !== undefined && old !== id) {
      this.unindex(k, old);
      dirty.push(old);
    }
    this.keyBuf.set(k, id);
    let s = this.bufKeys.get(id);
    if (!s) this.bufKeys.set(id, (s = new Set()));
    s.add(k);
    dirty.push(id);
  }

  private unindex(k: string, id: number): void {
    this.keyBuf.delete(k);
    const s = this.bufKeys.get(id);
    if (s) {
      s.delete(k);
      if (s.size === 0) this.bufKeys.delete(id);
    }
  }

  private findSynced(m: Machine, dev: string, addr: number, size: number): number | undefined {
    const r = findMapping(m, dev, addr, size);
    if (!r) return undefined;
    return this.keyBuf.get(mapKey(r.dev, r.addr));
  }

  /** Rebuilds the index from every live mapping and re-checks every buffer's liveness. */
  private rescan(m: Machine, dirty: number[]): void {
    for (const id of this.bufKeys.keys()) dirty.push(id);
    this.keyBuf.clear();
    this.bufKeys.clear();
    for (const r of allMappings(m)) {
      const k = mapKey(r.dev, r.addr);
      this.keyBuf.set(k, r.bufId);
      let s = this.bufKeys.get(r.bufId);
      if (!s) this.bufKeys.set(r.bufId, (s = new Set()));
      s.add(k);
      dirty.push(r.bufId);
    }
    this.physBuf.clear();
    for (let id = 0; id < this.seen; id++) {
      const b = m.buffers[id]!;
      if (!b.live && this.cur[id] !== OWN_NONE) dirty.push(id);
      if (b.live) {
        const at = b.phys >= 0 ? b.phys : (b.pages[0] ?? -1);
        if (at >= 0) this.physBuf.set(at, id);
      }
      if ((this.cur[id] !== OWN_NONE) !== b.live) dirty.push(id);
    }
  }

  private stateOf(m: Machine, id: number): OwnState {
    const b = m.buffers[id];
    if (!b || !b.live) return OWN_NONE;
    const keys = this.bufKeys.get(id);
    if (!keys || keys.size === 0) return OWN_CPU;
    let device = false;
    let coherent = false;
    for (const k of keys) {
      const r = byKey(m, k);
      if (!r) continue;
      if (r.api === 'coherent') coherent = true;
      else if (r.owner === 'device') device = true;
    }
    return device ? OWN_DEVICE : coherent ? OWN_COHERENT : OWN_CPU_MAPPED;
  }

  /** Current state of every buffer, by id (for tests). */
  current(): number[] {
    return this.cur.slice();
  }

  lanes(): OwnershipLanes {
    const n = this.seen;
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      offsets[i] = total;
      total += this.tSteps[i]!.length;
    }
    offsets[n] = total;
    const steps = new Int32Array(total);
    const states = new Uint8Array(total);
    for (let i = 0; i < n; i++) {
      steps.set(this.tSteps[i]!, offsets[i]!);
      states.set(this.tStates[i]!, offsets[i]!);
    }
    return { names: this.names.slice(0, n), kinds: this.kinds.slice(0, n), offsets, steps, states };
  }
}

/** Ground truth by a full scan (tests; what the tracker must agree with). */
export function ownershipByScan(m: Machine): number[] {
  const out: number[] = m.buffers.map((b) => (b.live ? OWN_CPU : OWN_NONE));
  const flags = new Map<number, { device: boolean; coherent: boolean }>();
  for (const r of allMappings(m)) {
    const f = flags.get(r.bufId) ?? { device: false, coherent: false };
    if (r.api === 'coherent') f.coherent = true;
    else if (r.owner === 'device') f.device = true;
    flags.set(r.bufId, f);
  }
  for (const [id, f] of flags) {
    if (out[id] === OWN_NONE) continue;
    out[id] = f.device ? OWN_DEVICE : f.coherent ? OWN_COHERENT : OWN_CPU_MAPPED;
  }
  return out;
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
