/**
 * The explorer's own record of live mappings and coherent allocations (who
 * owns which buffer, since which line): not a kernel structure — dma-direct
 * keeps none — but what the ownership views, the observations and the
 * timeline lanes read. One Map per device keyed by DMA address keeps map and
 * unmap O(1); an index by buffer answers "who maps this buffer?" without a
 * scan (CPU accesses ask it on every load and store).
 */
import type { Machine, MapRecord } from '../machine.ts';
import { touchMapping, type StepOutcome } from '../outcome.ts';

function perDevice(m: Machine, dev: string): Map<number, MapRecord> {
  let t = m.maps[dev];
  if (!t) {
    t = new Map();
    m.maps[dev] = t;
  }
  return t;
}

/**
 * Buffers whose emptied Set stays in the index for their next mapping (a
 * driver maps the same buffer again and again: a Set made and dropped per
 * map and unmap showed in the profile of every map+unmap); past this many buffers
 * in the index an emptied Set goes, so the empty ones stay few. An empty Set
 * and none read the same everywhere.
 */
const KEEP_EMPTY_BELOW = 1024;

function unindex(m: Machine, r: MapRecord): void {
  const set = m.mapsByBuf.get(r.bufId);
  if (!set) return;
  set.delete(r);
  if (!set.size && m.mapsByBuf.size >= KEEP_EMPTY_BELOW) m.mapsByBuf.delete(r.bufId);
}

export function trackMapping(m: Machine, r: MapRecord): void {
  const t = perDevice(m, r.dev);
  const old = t.get(r.addr);
  if (old) unindex(m, old);
  t.set(r.addr, r);
  let set = m.mapsByBuf.get(r.bufId);
  if (!set) {
    set = new Set();
    m.mapsByBuf.set(r.bufId, set);
  }
  set.add(r);
}

export function untrackMapping(m: Machine, dev: string, addr: number): MapRecord | undefined {
  const t = m.maps[dev];
  const r = t?.get(addr);
  if (r) {
    t!.delete(addr);
    unindex(m, r);
  }
  return r;
}

export function exactMapping(m: Machine, dev: string, addr: number): MapRecord | undefined {
  return m.maps[dev]?.get(addr);
}

/** The live mapping of `dev` that contains [addr, addr+size), exact start first. */
export function findMapping(m: Machine, dev: string, addr: number, size: number): MapRecord | undefined {
  const t = m.maps[dev];
  if (!t) return undefined;
  const exact = t.get(addr);
  if (exact && addr + size <= exact.addr + exact.size) return exact;
  for (const r of t.values()) if (addr >= r.addr && addr + size <= r.addr + r.size) return r;
  return undefined;
}

/** How many mappings are live (one Map size per device). */
export function liveMappingCount(m: Machine): number {
  let n = 0;
  for (const dev in m.maps) n += m.maps[dev]!.size;
  return n;
}

/** A call that names a DMA address touches the live mapping holding its first byte, if any. */
export function touchMappingAt(m: Machine, dev: string, addr: number, o: StepOutcome): void {
  const r = findMapping(m, dev, addr, 1);
  if (r) touchMapping(o, r);
}

export function* allMappings(m: Machine): Generator<MapRecord> {
  for (const dev in m.maps) yield* m.maps[dev]!.values();
}

export function mappingsOfBuffer(m: Machine, bufId: number): MapRecord[] {
  const set = m.mapsByBuf.get(bufId);
  return set ? [...set] : [];
}
