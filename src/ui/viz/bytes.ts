/**
 * Layout of "bytes, three ways": a buffer's bytes as the CPU sees them
 * (through its cache), as RAM holds them and as each device with a live
 * mapping reads them, 16 bytes a group, aligned column for column, with the
 * bytes that differ from the CPU's view marked, the cache line state under
 * each byte, and a short verdict where the views disagree. Runs of groups
 * with nothing to see (one fill value everywhere, the same in every view)
 * fold into one line, as hexdump's `*` does. Pure: no DOM, no React.
 */
import type { CacheLineState } from '../../sim/events.ts';

export const GROUP = 16;

export interface ByteSource {
  who: string;
  via: string;
  bytes: Uint8Array;
}

export interface BytesInput {
  offset: number;
  len: number;
  cpu: ByteSource;
  ram: ByteSource;
  devices: ByteSource[];
  lineStates: CacheLineState[];
}

export type RowKind = 'cpu' | 'ram' | 'dev';

export interface HexRow {
  kind: RowKind;
  who: string;
  via: string;
  /** Two hex digits per byte. */
  hex: string[];
  /** Printable ASCII, '.' otherwise. */
  ascii: string;
  /** Per byte: differs from the CPU's view (always false on the CPU row). */
  diff: boolean[];
  anyDiff: boolean;
  /** Per byte: this observer has no view of this byte (a device mapping that does not cover it). */
  absent: boolean[];
}

/** A run of bytes in the group under one cache line (or not cached). */
export interface LineSegment {
  /** Column range [from, to) in the group. */
  from: number;
  to: number;
  state: CacheLineState;
  /** Physical address of the cache line, when known. */
  line: number | null;
}

export interface HexGroup {
  kind: 'group';
  /** Buffer offset of the first byte. */
  offset: number;
  len: number;
  /** Physical address of the first byte, when known. */
  phys: number | null;
  rows: HexRow[];
  segments: LineSegment[];
  /** Why the views disagree here, in a few words; null when they agree. */
  verdict: { text: string; tone: 'bad' | 'warn' | 'info' } | null;
}

export interface HexGap {
  kind: 'gap';
  offset: number;
  len: number;
  /** What the folded bytes hold, e.g. "all 00 in every view, not cached". */
  note: string;
}

export type HexItem = HexGroup | HexGap;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

/** Where a byte's device view is absent: a device mapping covering only part of the buffer reads as zeros elsewhere; we cannot tell, so only the CPU/RAM rows count as "present" for every byte. */
function row(kind: RowKind, src: ByteSource, from: number, n: number, cpu: Uint8Array | null, coverage: ((i: number) => boolean) | null): HexRow {
  const hex: string[] = new Array(n);
  const diff: boolean[] = new Array(n);
  const absent: boolean[] = new Array(n);
  let ascii = '';
  let anyDiff = false;
  for (let i = 0; i < n; i++) {
    const v = src.bytes[from + i] ?? 0;
    const missing = coverage ? !coverage(from + i) : false;
    absent[i] = missing;
    hex[i] = missing ? '  ' : HEX[v]!;
    ascii += missing ? ' ' : printable(v);
    const d = !missing && cpu !== null && v !== cpu[from + i];
    diff[i] = d;
    if (d) anyDiff = true;
  }
  return { kind, who: src.who, via: src.via, hex, ascii, diff, anyDiff, absent };
}

function verdictFor(rows: HexRow[], segs: LineSegment[]): HexGroup['verdict'] {
  const ram = rows.find((r) => r.kind === 'ram');
  const devs = rows.filter((r) => r.kind === 'dev' && r.anyDiff);
  const stateAt = (i: number) => segs.find((s) => i >= s.from && i < s.to)?.state ?? 'I';
  if (ram?.anyDiff) {
    const states = new Set(ram.diff.map((d, i) => (d ? stateAt(i) : null)).filter((x) => x !== null));
    if (states.has('C')) return { text: 'stale cache: the CPU reads an old clean line, RAM has newer bytes', tone: 'bad' };
    if (states.has('D')) return { text: 'dirty in the cache: RAM is behind until a clean/write-back', tone: 'warn' };
    return { text: 'the CPU and RAM disagree', tone: 'warn' };
  }
  if (devs.length > 0) {
    const bounced = devs.some((d) => d.via.includes('swiotlb'));
    return { text: bounced ? 'the bounce slot differs from the buffer' : `${devs.map((d) => d.who).join(', ')} would read other bytes than the CPU`, tone: 'warn' };
  }
  return null;
}

function segmentsFor(states: CacheLineState[], from: number, n: number, physAt: (off: number) => number | null, lineSize: number, offset: number): LineSegment[] {
  const out: LineSegment[] = [];
  for (let i = 0; i < n; i++) {
    const st = states[from + i] ?? 'I';
    const p = physAt(offset + from + i);
    const line = p === null ? null : p - (p % lineSize);
    const last = out.at(-1);
    if (last && last.state === st && last.line === line && last.to === i) last.to = i + 1;
    else out.push({ from: i, to: i + 1, state: st, line });
  }
  return out;
}

/**
 * The groups (and folded gaps) for one buffer window. `physAt(bufferOffset)`
 * gives a byte's physical address (null when unknown); `coverage[k](i)` says
 * whether device k's view covers window byte i.
 */
export function hexLayout(
  input: BytesInput,
  physAt: (bufferOffset: number) => number | null,
  lineSize: number,
  opts: { fold?: boolean; coverage?: Array<(i: number) => boolean> } = {},
): HexItem[] {
  const fold = opts.fold ?? true;
  const groups: HexGroup[] = [];
  for (let from = 0; from < input.len; from += GROUP) {
    const n = Math.min(GROUP, input.len - from);
    const cpu = input.cpu.bytes;
    const rows: HexRow[] = [row('cpu', input.cpu, from, n, null, null), row('ram', input.ram, from, n, cpu, null)];
    input.devices.forEach((d, k) => rows.push(row('dev', d, from, n, cpu, opts.coverage?.[k] ?? null)));
    const segments = segmentsFor(input.lineStates, from, n, physAt, lineSize, input.offset);
    groups.push({
      kind: 'group',
      offset: input.offset + from,
      len: n,
      phys: physAt(input.offset + from),
      rows,
      segments,
      verdict: verdictFor(rows, segments),
    });
  }
  if (!fold) return groups;
  return foldGroups(groups);
}

/** A group is foldable when every byte of every view holds the same value and nothing differs. */
function fillOf(g: HexGroup): string | null {
  if (g.verdict) return null;
  const v = g.rows[0]!.hex[0]!;
  for (const r of g.rows) for (let i = 0; i < r.hex.length; i++) if (!r.absent[i] && r.hex[i] !== v) return null;
  return v;
}

function stateSummary(g: HexGroup): string {
  const s = new Set(g.segments.map((x) => x.state));
  return [...s].sort().join('');
}

const STATE_WORDS: Record<string, string> = { I: 'not cached', C: 'cached clean', D: 'cached dirty', CI: 'partly cached (clean)', DI: 'partly cached (dirty)', CD: 'cached, clean and dirty lines', CDI: 'partly cached' };

export function foldGroups(groups: HexGroup[]): HexItem[] {
  const out: HexItem[] = [];
  let i = 0;
  while (i < groups.length) {
    const g = groups[i]!;
    const fill = fillOf(g);
    let j = i + 1;
    if (fill !== null) {
      const st = stateSummary(g);
      while (j < groups.length && fillOf(groups[j]!) === fill && stateSummary(groups[j]!) === st) j++;
      // Fold runs of 2+ groups into one line.
      if (j - i >= 2) {
        const first = g;
        const lastG = groups[j - 1]!;
        const len = lastG.offset + lastG.len - first.offset;
        out.push({ kind: 'gap', offset: first.offset, len, note: `all ${fill} in every view, ${STATE_WORDS[st] ?? 'cached'}` });
        i = j;
        continue;
      }
    }
    out.push(g);
    i++;
  }
  return out;
}

/** Counts for the view's summary line. */
export function diffStats(items: HexItem[]): { groups: number; differing: number; dirtyBytes: number; staleBytes: number } {
  let groups = 0;
  let differing = 0;
  let dirty = 0;
  let stale = 0;
  for (const it of items) {
    if (it.kind !== 'group') continue;
    groups++;
    if (it.verdict) differing++;
    const ram = it.rows[1]!;
    for (let i = 0; i < it.len; i++) {
      const st = it.segments.find((s) => i >= s.from && i < s.to)?.state;
      if (ram.diff[i] && st === 'D') dirty++;
      if (ram.diff[i] && st === 'C') stale++;
    }
  }
  return { groups, differing, dirtyBytes: dirty, staleBytes: stale };
}
