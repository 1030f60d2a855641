/**
 * What one frame sends, kept small: the step's record trimmed (events, cache
 * lines, data), the machine snapshot with its long lists capped, the extents
 * of every buffer and mapping (never capped), the buffer the step is about, and
 * the last few snapshots cached by step and wanted buffer. Parts a step did
 * not change are the objects built before (FrameParts), named by id, and not
 * sent again to a caller that holds them: a step with 10,000 live mappings
 * sends what it changed, not the whole picture.
 */
import type { SimEvent } from '../sim/events.ts';
import { plainEvents } from '../sim/hw/line-actions.ts';
import type { Machine, MapRecord } from '../sim/machine.ts';
import type { MachineSnapshot } from '../sim/snapshot.ts';
import type { Touches } from '../sim/outcome.ts';
import type { StepJson } from '../scenario/result.ts';
import { bufferInfo } from '../sim/snapshot.ts';
import { FRAME_MAX_DATA_BYTES, FRAME_MAX_EVENTS, FRAME_MAX_LINES_PER_EVENT, SNAPSHOT_MAX_ITEMS } from './api.ts';
import type { EngineCore, Extents, Frame, FrameOmitted, FrameOptions, FramePart, ListDelta, SnapshotOmitted } from './api.ts';
import { allMappings, liveMappingCount } from '../sim/dma/tracking.ts';

/** Snapshots kept per run (stepping back and forth over a few steps reuses them). */
const FRAME_CACHE_SIZE = 6;

export function nothingOmitted(): FrameOmitted {
  return { events: 0, lines: 0, dataBytes: 0 };
}

/**
 * The events a frame sends: at most FRAME_MAX_EVENTS, each `cache_maint`
 * with at most FRAME_MAX_LINES_PER_EVENT lines, as plain objects (a
 * `cache_maint` lists its lines only when read: postMessage would drop them).
 */
function trimEvents(events: SimEvent[]): { events: SimEvent[]; omitted: FrameOmitted } {
  const omitted: FrameOmitted = nothingOmitted();
  let out = plainEvents(events);
  if (out.length > FRAME_MAX_EVENTS) {
    omitted.events = out.length - FRAME_MAX_EVENTS;
    out = out.slice(0, FRAME_MAX_EVENTS);
  }
  if (out.some((e) => e.kind === 'cache_maint' && e.lines.length > FRAME_MAX_LINES_PER_EVENT)) {
    out = out.map((e) => {
      if (e.kind !== 'cache_maint' || e.lines.length <= FRAME_MAX_LINES_PER_EVENT) return e;
      omitted.lines += e.lines.length - FRAME_MAX_LINES_PER_EVENT;
      return { ...e, lines: e.lines.slice(0, FRAME_MAX_LINES_PER_EVENT) };
    });
  }
  return { events: out, omitted };
}

/** A step's record with its events, cache lines and data capped, and what was left out. */
export function trimJson(s: StepJson): { json: StepJson; omitted: FrameOmitted } {
  const trimmed = trimEvents(s.events);
  const omitted = trimmed.omitted;
  let data = s.data;
  if (data && data.hex.length > 2 * FRAME_MAX_DATA_BYTES) {
    omitted.dataBytes = data.hex.length / 2 - FRAME_MAX_DATA_BYTES;
    data = { hex: data.hex.slice(0, 2 * FRAME_MAX_DATA_BYTES), text: data.text === null ? null : data.text.slice(0, FRAME_MAX_DATA_BYTES) };
  }
  return { json: { ...s, data, events: trimmed.events }, omitted };
}

/**
 * The buffer a step is about: the first buffer its outcome says it touched
 * (what it allocated, then what it mapped, accessed or freed) that its name
 * still holds — bytesThreeWays finds buffers by name — or -1.
 */
export function focusOf(m: Machine, touches: Touches): number {
  for (const id of touches.buffers) {
    const b = m.buffers[id];
    const bound = b ? m.names[b.name] : undefined;
    if (bound && bound.t === 'buf' && bound.id === id) return id;
  }
  return -1;
}

/** The snapshot with its long lists capped at SNAPSHOT_MAX_ITEMS, the buffers in `keep` kept first. */
function capSnapshot(s: MachineSnapshot, keep: Set<string>): { snapshot: MachineSnapshot; omitted: SnapshotOmitted } {
  const omitted: SnapshotOmitted = { buffers: 0, mappings: 0, debugEntries: 0 };
  let { buffers, mappings } = s;
  let entries = s.debug.entries;
  if (buffers.length > SNAPSHOT_MAX_ITEMS) {
    const wanted = buffers.filter((b) => keep.has(b.name));
    const ids = new Set(wanted.map((b) => b.id));
    const rest = buffers.filter((b) => !ids.has(b.id)).slice(0, SNAPSHOT_MAX_ITEMS - wanted.length);
    omitted.buffers = buffers.length - wanted.length - rest.length;
    buffers = [...wanted, ...rest].sort((a, b) => a.id - b.id);
  }
  if (mappings.length > SNAPSHOT_MAX_ITEMS) {
    const ids = new Set(buffers.map((b) => b.id));
    const wanted = mappings.filter((r) => ids.has(r.bufId)).slice(0, SNAPSHOT_MAX_ITEMS);
    omitted.mappings = mappings.length - wanted.length;
    mappings = wanted;
  }
  if (entries.length > SNAPSHOT_MAX_ITEMS) {
    omitted.debugEntries = entries.length - SNAPSHOT_MAX_ITEMS;
    entries = entries.slice(0, SNAPSHOT_MAX_ITEMS);
  }
  if (buffers === s.buffers && mappings === s.mappings && entries === s.debug.entries) return { snapshot: s, omitted };
  return { snapshot: { ...s, buffers, mappings, debug: { ...s.debug, entries } }, omitted };
}

/** Mappings as [phys, size, tlbAddr, owner (1 device, 0 cpu)]…. */
function mappingExtents(maps: MachineSnapshot['mappings']): Float64Array {
  const out = new Float64Array(maps.length * 4);
  let i = 0;
  for (const r of maps) {
    out[i++] = r.phys;
    out[i++] = r.size;
    out[i++] = r.tlbAddr;
    out[i++] = r.owner === 'device' ? 1 : 0;
  }
  return out;
}

function extentsOf(s: MachineSnapshot): Extents {
  let n = 0;
  for (const b of s.buffers) n += b.pieces.length;
  const buffers = new Float64Array(n * 3);
  let i = 0;
  for (const b of s.buffers) {
    for (const p of b.pieces) {
      buffers[i++] = p.phys;
      buffers[i++] = p.len;
      buffers[i++] = b.id;
    }
  }
  return { buffers, mappings: mappingExtents(s.mappings) };
}

/** The live buffers worth sending: the wanted ones first, then the oldest, up to SNAPSHOT_MAX_ITEMS, in id order. */
function keptBuffers(m: Machine, keep: Set<string>): Machine['buffers'] {
  const kept: Machine['buffers'] = [];
  const ids = new Set<number>();
  const add = (b: Machine['buffers'][number] | undefined) => {
    if (b && b.live && !ids.has(b.id)) {
      kept.push(b);
      ids.add(b.id);
    }
  };
  for (const name of keep) {
    const v = m.names[name];
    add(v && v.t === 'buf' ? m.buffers[v.id] : undefined);
  }
  for (const b of m.buffers) {
    if (kept.length >= SNAPSHOT_MAX_ITEMS) break;
    add(b);
  }
  return kept.sort((a, b) => a.id - b.id);
}

export interface FrameSnapshot {
  snapshot: MachineSnapshot;
  omitted: SnapshotOmitted;
  extents: Extents;
}

/**
 * The snapshot a frame sends. Small machines: the engine's snapshot, long
 * lists capped. Machines with thousands of live buffers or dma-debug entries:
 * the snapshot of only the buffers worth sending (the wanted ones first), the
 * mappings of those, and no dma-debug entries (their count goes in
 * `omitted`); one pass over every live buffer and mapping gives the extents,
 * which still cover them all, and copies nothing else of them.
 */
export function frameSnapshot(core: Pick<EngineCore, 'snapshot'>, m: Machine, keep: Set<string>): FrameSnapshot {
  let live = 0;
  for (const b of m.buffers) if (b.live) live++;
  if (live <= SNAPSHOT_MAX_ITEMS && m.debug.liveCount <= SNAPSHOT_MAX_ITEMS) {
    const full = core.snapshot(m);
    const { snapshot, omitted } = capSnapshot(full, keep);
    return { snapshot, omitted, extents: extentsOf(full) };
  }
  const kept = keptBuffers(m, keep);
  const ids = new Set(kept.map((b) => b.id));
  const maps = new Float64Array(liveMappingCount(m) * 4);
  const sent: MapRecord[] = [];
  let i = 0;
  for (const r of allMappings(m)) {
    maps[i++] = r.phys;
    maps[i++] = r.size;
    maps[i++] = r.tlbAddr;
    maps[i++] = r.owner === 'device' ? 1 : 0;
    if (sent.length < SNAPSHOT_MAX_ITEMS && ids.has(r.bufId)) sent.push(r);
  }
  // Extents of every live buffer (contiguous ones without building their BufferInfo).
  let pieces = 0;
  for (const b of m.buffers) if (b.live) pieces += b.phys >= 0 ? 1 : bufferInfo(m, b).pieces.length;
  const bufs = new Float64Array(pieces * 3);
  let j = 0;
  for (const b of m.buffers) {
    if (!b.live) continue;
    for (const p of b.phys >= 0 ? [{ phys: b.phys, len: b.size }] : bufferInfo(m, b).pieces) {
      bufs[j++] = p.phys;
      bufs[j++] = p.len;
      bufs[j++] = b.id;
    }
  }
  return {
    snapshot: core.snapshot(m, { buffers: kept, mappings: sent }),
    omitted: { buffers: live - kept.length, mappings: maps.length / 4 - sent.length, debugEntries: m.debug.liveCount },
    extents: { buffers: bufs, mappings: maps },
  };
}

/** The snapshot's parts that FramePart names (the rest are numbers and names, sent every time). */
const SNAPSHOT_PARTS = ['regions', 'cache', 'buffers', 'mappings', 'swiotlb', 'debug', 'devices', 'iommu', 'cma', 'gpuVms', 'dmaBufs'] as const satisfies readonly FramePart[];

/** Plain data (objects, arrays, typed arrays, numbers, strings) equal all the way down. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor || a.byteLength !== b.byteLength) return false;
    // Four bytes at a time where both line up (a frame's extents are ~100,000 numbers).
    const words = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.byteLength % 4 === 0;
    const view = (v: ArrayBufferView): ArrayLike<number> => (words ? new Int32Array(v.buffer, v.byteOffset, v.byteLength / 4) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    const x = view(a);
    const y = view(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  // Maps, sets, dates and the like are not plain data: never taken as the same.
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** The list parts sent as what differs from the caller's (Frame.lists). */
const LIST_PARTS = ['buffers', 'mappings'] as const satisfies readonly FramePart[];
/** Lists remembered by id to send the next as a difference (a caller holds the one it was sent last). */
const LISTS_KEPT = 16;

/** Values of a part kept to compare a new one with (stepping back and forth over a change finds the one before it). */
const PART_HISTORY = 4;
/** Items of list parts remembered by key (a few frames' worth of buffers and mappings). */
const ITEMS_REMEMBERED = 4 * SNAPSHOT_MAX_ITEMS;

/**
 * Frame parts by identity: a part equal to one of the last few built under
 * its name is that object again (so the page can keep what it drew from it,
 * and a caller holding it is not sent it again), and each object has one id
 * for as long as the engine runs. Ids count up across runs: a new run never
 * reuses one.
 */
export class FrameParts {
  private readonly ids = new WeakMap<object, number>();
  /** The lists given ids lately, by id: a new list is sent as the items that differ from the one the caller holds. */
  private readonly lists = new Map<number, readonly object[]>();
  private readonly recent = new Map<FramePart, object[]>();
  private readonly items = new Map<FramePart, Map<string | number, object>>();
  private next = 1;

  /** `value`, or the equal part built lately under `name`. */
  share<T>(name: FramePart, value: T): T {
    if (value === null || typeof value !== 'object') return value;
    let list = this.recent.get(name);
    if (!list) this.recent.set(name, (list = []));
    const same = list.find((v) => sameData(v, value));
    if (same) return same as T;
    list.unshift(value);
    if (list.length > PART_HISTORY) list.pop();
    return value;
  }

  /**
   * The items of a list part, each the object built before for its key when
   * equal to it, so that comparing two lists is mostly comparing references.
   * Items of the last few lists are remembered (bounded).
   */
  private shareItems<T extends object>(name: FramePart, list: T[], key: (x: T) => string | number): T[] {
    let known = this.items.get(name) as Map<string | number, T> | undefined;
    if (!known || known.size > ITEMS_REMEMBERED) this.items.set(name, (known = new Map()));
    return list.map((x) => {
      const k = key(x);
      const before = known.get(k);
      if (before && sameData(before, x)) return before;
      known.set(k, x);
      return x;
    });
  }

  /** The snapshot and extents with every part that did not change replaced by the object built before. */
  shareSnapshot(f: FrameSnapshot): FrameSnapshot {
    const snapshot = { ...f.snapshot };
    snapshot.buffers = this.shareItems('buffers', snapshot.buffers, (b) => b.id);
    snapshot.mappings = this.shareItems('mappings', snapshot.mappings, (r) => `${r.dev}@${r.addr}`);
    for (const k of SNAPSHOT_PARTS) (snapshot as Record<string, unknown>)[k] = this.share(k, snapshot[k]);
    return { ...f, snapshot, extents: this.share('extents', f.extents) };
  }

  id(part: object): number {
    let id = this.ids.get(part);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(part, id);
    }
    return id;
  }

  /** The id of a list part, kept to send later lists as what differs from it (the last LISTS_KEPT of them). */
  private listId(list: readonly object[]): number {
    const id = this.id(list);
    if (!this.lists.has(id)) {
      this.lists.set(id, list);
      if (this.lists.size > LISTS_KEPT) this.lists.delete(this.lists.keys().next().value!);
    }
    return id;
  }

  /**
   * A list as the items of the held list `from` it shares (their index) and
   * the new ones (themselves), or null when the caller holds no list this
   * engine still knows, or most items are new.
   */
  private listDelta(list: readonly object[], from: number | undefined): ListDelta | null {
    const base = from === undefined ? undefined : this.lists.get(from);
    if (!base) return null;
    const at = new Map(base.map((x, i) => [x, i]));
    let shared = 0;
    const items = list.map((x) => {
      const i = at.get(x);
      if (i === undefined) return x;
      shared++;
      return i;
    });
    return shared * 2 >= list.length ? { from: from!, items } : null;
  }

  /**
   * The frame with its parts' ids, and without the parts `have` says the
   * caller holds (listed in `reused`). Null parts (no swiotlb, no CMA) are
   * always sent.
   */
  send(frame: Frame, have: FrameOptions['have']): Frame {
    const parts: NonNullable<Frame['parts']> = {};
    const reused: FramePart[] = [];
    const out: Frame = { ...frame, parts };
    const snap = frame.snapshot ? { ...frame.snapshot } : null;
    const note = (name: FramePart, value: unknown): boolean => {
      if (value === null || typeof value !== 'object') return false;
      const id = this.id(value);
      parts[name] = id;
      if (have?.[name] !== id) return false;
      reused.push(name);
      return true;
    };
    if (snap) {
      for (const k of SNAPSHOT_PARTS) if (note(k, snap[k])) delete (snap as Partial<MachineSnapshot>)[k];
      // A long list that changed in a few items (the buffer this step is about) goes as those items and indexes.
      for (const k of LIST_PARTS) {
        const list = snap[k];
        if (!list) continue;
        this.listId(list);
        const delta = this.listDelta(list, have?.[k]);
        if (!delta) continue;
        (out.lists ??= {})[k] = delta;
        delete (snap as Partial<MachineSnapshot>)[k];
      }
      out.snapshot = snap;
    }
    if (note('extents', frame.extents)) delete out.extents;
    if (note('config', frame.config)) delete (out as Partial<Frame>).config;
    if (reused.length > 0) out.reused = reused;
    return out;
  }
}

/** The last few frame snapshots of a run, by step and the buffers they keep; parts equal to the last built are shared. */
export class FrameCache {
  private readonly frames = new Map<string, FrameSnapshot>();

  constructor(private readonly parts: FrameParts) {}

  get(core: Pick<EngineCore, 'snapshot'>, m: Machine, step: number, want: string | null, focus: string | null): FrameSnapshot {
    const key = `${step}|${want ?? ''}|${focus ?? ''}`;
    let cached = this.frames.get(key);
    if (!cached) {
      const keep = new Set<string>();
      if (want) keep.add(want);
      if (focus) keep.add(focus);
      cached = this.parts.shareSnapshot(frameSnapshot(core, m, keep));
      this.frames.set(key, cached);
      if (this.frames.size > FRAME_CACHE_SIZE) this.frames.delete(this.frames.keys().next().value!);
    }
    return cached;
  }
}

/** Whole frames kept (their snapshots share most parts, so a kept frame costs little more than its record and bytes). */
const SHOWN_FRAMES = 64;

/**
 * The whole frames of the steps shown lately, by step and what was asked
 * (buffer, window into it): stepping back over steps just shown answers from
 * here, without restoring a checkpoint and replaying up to the step.
 */
export class ShownFrames {
  private readonly frames = new Map<string, Frame>();

  static key(step: number, opts: FrameOptions): string {
    return `${step}|${opts.buffer ?? ''}|${opts.offset ?? ''}|${opts.len ?? ''}`;
  }

  get(key: string): Frame | undefined {
    const f = this.frames.get(key);
    if (f) {
      // Most recently used last: the oldest goes first.
      this.frames.delete(key);
      this.frames.set(key, f);
    }
    return f;
  }

  set(key: string, f: Frame): void {
    this.frames.set(key, f);
    if (this.frames.size > SHOWN_FRAMES) this.frames.delete(this.frames.keys().next().value!);
  }
}
