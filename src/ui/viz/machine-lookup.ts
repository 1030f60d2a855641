/**
 * Lookups the linked views share: which buffer holds an address, which
 * mappings a buffer has, what a selection points at, and address formatting.
 * Pure functions over the worker's MachineSnapshot (types only).
 */
import type { BufferInfo, MachineSnapshot } from '../../sim/snapshot.ts';
import type { MapRecord } from '../../sim/machine.ts';
import type { Selection } from '../store/store.ts';

/** The piece of a buffer that holds physical address `addr`, and the offset of that byte in the buffer. */
export function bufferAt(s: MachineSnapshot, addr: number): { buffer: BufferInfo; offset: number } | null {
  for (const b of s.buffers) {
    for (const p of b.pieces) {
      if (addr >= p.phys && addr < p.phys + p.len) return { buffer: b, offset: p.at + (addr - p.phys) };
    }
  }
  return null;
}

/** The buffers that overlap [start, end). */
export function buffersIn(s: MachineSnapshot, start: number, end: number): BufferInfo[] {
  return s.buffers.filter((b) => b.pieces.some((p) => p.phys < end && p.phys + p.len > start));
}

/** The physical address of byte `offset` of a buffer, or null if it has no such byte. */
export function physOf(b: BufferInfo, offset: number): number | null {
  for (const p of b.pieces) if (offset >= p.at && offset < p.at + p.len) return p.phys + (offset - p.at);
  return null;
}

export function mappingsOf(s: MachineSnapshot, bufId: number): MapRecord[] {
  return s.mappings.filter((r) => r.bufId === bufId);
}

export interface Resolved {
  /** The selected buffer (by name, or the one holding the selected address or line). */
  buffer: BufferInfo | null;
  /** Physical range to highlight: the line, the address's byte, or the buffer's extent. */
  range: { start: number; end: number } | null;
}

/** What a selection points at in this snapshot. */
export function resolveSelection(s: MachineSnapshot | null | undefined, sel: Selection): Resolved {
  if (!s) return { buffer: null, range: null };
  const line = s.cache.line;
  const named = sel.buffer !== undefined ? s.buffers.find((b) => b.name === sel.buffer) : undefined;
  if (sel.line !== undefined) {
    const buffer = named ?? bufferAt(s, sel.line)?.buffer ?? buffersIn(s, sel.line, sel.line + line)[0] ?? null;
    return { buffer, range: { start: sel.line, end: sel.line + line } };
  }
  if (sel.addr !== undefined) {
    const buffer = named ?? bufferAt(s, sel.addr)?.buffer ?? null;
    return { buffer, range: { start: sel.addr, end: sel.addr + 1 } };
  }
  if (named !== undefined) {
    const b = named;
    if (b.pieces.length === 0) return { buffer: b, range: null };
    const start = Math.min(...b.pieces.map((p) => p.phys));
    const end = Math.max(...b.pieces.map((p) => p.phys + p.len));
    return { buffer: b, range: { start, end } };
  }
  return { buffer: null, range: null };
}
