/**
 * What one frame sends, kept small: the step's record trimmed (events, cache
 * lines, data), the machine snapshot with its long lists capped, the extents
 * of every buffer and mapping (never capped), the buffer the step is about, and
 * the last few snapshots cached by step and wanted buffer.
 */
import type { SimEvent } from '../sim/events.ts';
import { plainEvents } from '../sim/hw/line-actions.ts';
import type { Machine } from '../sim/machine.ts';
import type { MachineSnapshot } from '../sim/snapshot.ts';
import type { Touches } from '../sim/outcome.ts';
import type { StepJson } from '../scenario/result.ts';
import { bufferInfo } from '../sim/snapshot.ts';
import { FRAME_MAX_DATA_BYTES, FRAME_MAX_EVENTS, FRAME_MAX_LINES_PER_EVENT, SNAPSHOT_MAX_ITEMS } from './api.ts';
import type { EngineCore, Extents, FrameOmitted, SnapshotOmitted } from './api.ts';

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
 * the snapshot of a shallow copy holding only the buffers worth sending (the
 * wanted ones first) and no dma-debug entries (their count goes in
 * `omitted`), so the cost does not grow with every live buffer; the extents
 * still cover every buffer and mapping.
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
  const shallow: Machine = { ...m, buffers: kept, debug: { ...m.debug, buckets: [], liveCount: 0, cachelines: new Map() } };
  const part = core.snapshot(shallow);
  const maps = part.mappings;
  const mappings = maps.length > SNAPSHOT_MAX_ITEMS ? maps.filter((r) => ids.has(r.bufId)).slice(0, SNAPSHOT_MAX_ITEMS) : maps;
  // Extents of every live buffer (contiguous ones without building their BufferInfo).
  const ext: number[] = [];
  for (const b of m.buffers) {
    if (!b.live) continue;
    if (b.phys >= 0) ext.push(b.phys, b.size, b.id);
    else for (const p of bufferInfo(m, b).pieces) ext.push(p.phys, p.len, b.id);
  }
  return {
    snapshot: { ...part, mappings, debug: { entries: [], cachelines: [] } },
    omitted: { buffers: live - kept.length, mappings: maps.length - mappings.length, debugEntries: m.debug.liveCount },
    extents: { buffers: Float64Array.from(ext), mappings: mappingExtents(maps) },
  };
}

/** The last few frame snapshots of a run, by step and the buffers they keep. */
export class FrameCache {
  private readonly frames = new Map<string, FrameSnapshot>();

  get(core: Pick<EngineCore, 'snapshot'>, m: Machine, step: number, want: string | null, focus: string | null): FrameSnapshot {
    const key = `${step}|${want ?? ''}|${focus ?? ''}`;
    let cached = this.frames.get(key);
    if (!cached) {
      const keep = new Set<string>();
      if (want) keep.add(want);
      if (focus) keep.add(focus);
      cached = frameSnapshot(core, m, keep);
      this.frames.set(key, cached);
      if (this.frames.size > FRAME_CACHE_SIZE) this.frames.delete(this.frames.keys().next().value!);
    }
    return cached;
  }
}
