/**
 * Layout of the physical memory map: what to draw in which lane (zones,
 * reserved regions, buffers, what devices address), the visible address
 * range (zoom, pan, zoom to a selection) and power-of-two address ticks.
 * Pure: no DOM, no React; the view draws on a canvas.
 */
import type { MachineSnapshot } from '../../sim/snapshot.ts';
import { hexGrouped, sizeShort } from '../../sim/format.ts';

export type Domain = readonly [number, number];

export const LANES = ['zones', 'reserved', 'buffers', 'device sees'] as const;

export type ItemKind = 'zone' | 'kernel' | 'swiotlb' | 'cma' | 'buffer' | 'mapping' | 'bounce';

export interface MapItem {
  lane: number;
  start: number;
  end: number;
  kind: ItemKind;
  label: string;
  /** The buffer it belongs to (buffers and mappings). */
  buffer?: string;
  /** Lines for the tooltip (built when asked: a frame can list thousands of items, a pointer hovers one). */
  tip: () => string[];
}

export const SZ_4G = 4 * 1024 ** 3;

export function memItems(s: Pick<MachineSnapshot, 'regions' | 'buffers' | 'mappings'>): MapItem[] {
  const out: MapItem[] = [];
  for (const r of s.regions) {
    const lane = r.kind === 'zone' ? 0 : 1;
    out.push({ lane, start: r.start, end: r.end, kind: r.kind, label: r.name, tip: () => [r.name, `${hexGrouped(r.start)} – ${hexGrouped(r.end)}`, sizeShort(r.end - r.start)] });
  }
  const names = new Map<number, string>();
  for (const b of s.buffers) {
    names.set(b.id, b.name);
    for (const p of b.pieces) {
      out.push({
        lane: 2,
        start: p.phys,
        end: p.phys + p.len,
        kind: 'buffer',
        label: b.name,
        buffer: b.name,
        tip: () => [`buffer "${b.name}" (${b.kind})${b.pieces.length > 1 ? `, piece at +${hexGrouped(p.at)}` : ''}`, `phys ${hexGrouped(p.phys)} – ${hexGrouped(p.phys + p.len)}`, `${sizeShort(p.len)}${memTypeText(b)}`],
      });
    }
  }
  for (const r of s.mappings) {
    const bounced = r.tlbAddr >= 0;
    const start = bounced ? r.tlbAddr : r.phys;
    const name = names.get(r.bufId) ?? `#${r.bufId}`;
    out.push({
      lane: 3,
      start,
      end: start + r.size,
      kind: bounced ? 'bounce' : 'mapping',
      label: `${r.dev}${bounced ? ' (bounce)' : ''}`,
      buffer: name,
      tip: () => [
        `${r.dev}: ${r.api} mapping of "${name}", ${r.dir}`,
        `DMA address ${hexGrouped(r.addr)}, ${sizeShort(r.size)}`,
        bounced ? `bounced: the device reads/writes the swiotlb slot at ${hexGrouped(r.tlbAddr)}, not the buffer at ${hexGrouped(r.phys)}` : `the device reads/writes the buffer itself at ${hexGrouped(r.phys)}`,
        `owned by the ${r.owner === 'device' ? 'device' : 'CPU'} now`,
      ],
    });
  }
  return out;
}

export function clampDomain(d: Domain, total: number, minSpan = 64): Domain {
  let [a, b] = d;
  let span = Math.max(minSpan, b - a);
  if (span > total) span = total;
  a = Math.max(0, Math.min(a, total - span));
  b = a + span;
  return [a, b];
}

/** Zoom by `factor` (< 1 zooms in) keeping address `center` where it is. */
export function zoomAt(d: Domain, factor: number, center: number, total: number): Domain {
  const [a, b] = d;
  const na = center - (center - a) * factor;
  const nb = center + (b - center) * factor;
  return clampDomain([na, nb], total);
}

export function panBy(d: Domain, delta: number, total: number): Domain {
  return clampDomain([d[0] + delta, d[1] + delta], total);
}

/** A range around [start, end) with some context either side, so a 4 KiB buffer on an 8 GiB map is a visible block. */
export function focusDomain(start: number, end: number, total: number): Domain {
  const len = Math.max(1, end - start);
  const pad = Math.max(len * 1.5, 256);
  return clampDomain([start - pad, end + pad], total);
}

export interface Tick {
  value: number;
  label: string;
  major: boolean;
}

/** Ticks at multiples of a power of two, about `count` of them, labelled in hex (and binary units when round). */
export function addrTicks(d: Domain, count = 6): Tick[] {
  const [a, b] = d;
  const span = b - a;
  if (span <= 0) return [];
  let step = 2 ** Math.floor(Math.log2(span / count));
  if (span / step > count * 1.6) step *= 2;
  step = Math.max(1, step);
  const out: Tick[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b && out.length < 64; v += step) {
    const round = v !== 0 && v % (1024 * 1024) === 0;
    out.push({ value: v, label: round && span > 16 * 1024 * 1024 ? `${hexGrouped(v)} (${sizeShort(v)})` : hexGrouped(v), major: v % (step * 2) === 0 });
  }
  return out;
}

export function xOf(d: Domain, width: number, v: number): number {
  return ((v - d[0]) / (d[1] - d[0])) * width;
}

export function addrAt(d: Domain, width: number, x: number): number {
  return d[0] + (x / width) * (d[1] - d[0]);
}

/** Pixel span of an item, at least `min` px wide so tiny buffers stay visible and clickable. */
export function itemSpan(d: Domain, width: number, start: number, end: number, min = 3): { x: number; w: number } | null {
  if (end < d[0] || start > d[1]) return null;
  const x0 = Math.max(-2, xOf(d, width, start));
  const x1 = Math.min(width + 2, xOf(d, width, end));
  const w = x1 - x0;
  if (w >= min) return { x: x0, w };
  const c = (x0 + x1) / 2;
  return { x: c - min / 2, w: min };
}

/**
 * Pixel columns covered by [start, start+len) spans (at least one column
 * each), as runs [x, w]…: thousands of buffers on an 8 GiB map fall on a few
 * hundred columns, so the map draws a rectangle per run, not per buffer.
 * `spans` holds `stride` numbers per span, its start at `at` and its length
 * at `at + 1`; `startOf` picks another start (a bounce slot) when given.
 */
export function coveredRuns(d: Domain, width: number, spans: ArrayLike<number>, stride: number, startOf?: (i: number) => number): number[] {
  const cols = Math.max(1, Math.ceil(width));
  const hit = new Uint8Array(cols);
  const scale = cols / (d[1] - d[0]);
  for (let i = 0; i + 1 < spans.length; i += stride) {
    const start = startOf ? startOf(i) : spans[i]!;
    const end = start + spans[i + 1]!;
    if (end < d[0] || start > d[1]) continue;
    const x0 = Math.max(0, Math.floor((start - d[0]) * scale));
    const x1 = Math.min(cols, Math.max(x0 + 1, Math.ceil((end - d[0]) * scale)));
    hit.fill(1, x0, x1);
  }
  const runs: number[] = [];
  for (let x = 0; x < cols; x++) {
    if (!hit[x]) continue;
    const from = x;
    while (x < cols && hit[x]) x++;
    runs.push(from, x - from);
  }
  return runs;
}

/** The items under pixel x in a lane, smallest first. */
export function itemsAt(items: MapItem[], d: Domain, width: number, lane: number, x: number): MapItem[] {
  return items
    .filter((it) => it.lane === lane)
    .filter((it) => {
      const s = itemSpan(d, width, it.start, it.end, 5);
      return s !== null && x >= s.x - 1 && x <= s.x + s.w + 1;
    })
    .sort((p, q) => p.end - p.start - (q.end - q.start));
}

/** How the CPU maps a buffer, when not plain write-back. */
function memTypeText(b: MachineSnapshot['buffers'][number]): string {
  if (b.noKernelMapping) return ', no CPU mapping (DMA_ATTR_NO_KERNEL_MAPPING)';
  if (b.uncached) return `, CPU uses an ${b.memType === 'wc' ? 'write-combining' : 'uncached'} alias`;
  if (b.memType) return `, linear map ${b.memType === 'wc' ? 'write-combining' : 'uncached'} (set_memory_${b.memType})`;
  return '';
}
