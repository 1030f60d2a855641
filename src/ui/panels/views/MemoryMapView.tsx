/**
 * Physical memory, as one zoomable address line: zones (with the 4 GiB
 * boundary 32-bit devices cannot cross), the kernel image, the swiotlb pool
 * and the CMA area, live buffers, and what each device addresses (the buffer
 * itself, or its bounce slot, linked to the buffer by a line). Drawn on a
 * canvas; tiny items keep a minimum width and a marker so a 4 KiB buffer on
 * an 8 GiB map can be found, and "Zoom to selection" (or a click in the
 * buffer list) brings it into view. Wheel zooms at the pointer, drag pans.
 */
import { memo, useCallback, useMemo, useRef, useState } from 'react';
import type { ViewProps } from '../registry.ts';
import type { Frame, SnapshotOmitted } from '../../../worker/api.ts';
import type { MachineSnapshot } from '../../../sim/snapshot.ts';
import { useStore } from '../../store/store.ts';
import { resolveSelection } from '../../viz/machine-lookup.ts';
import { LANES, SZ_4G, addrAt, addrTicks, clampDomain, coveredRuns, focusDomain, itemSpan, itemsAt, memItems, panBy, xOf, zoomAt } from '../../viz/memmap.ts';
import type { Domain, MapItem } from '../../viz/memmap.ts';
import { Canvas, Key, NoSnapshot, Tip, themeColors, useSelect, useWidth } from './common.tsx';
import type { TipState } from './common.tsx';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';

const LANE_H = 26;
const TOP = 16;
const LABEL_W = 78;
const AXIS_H = 30;
const HEIGHT = TOP + LANES.length * (LANE_H + 4) + AXIS_H;
/** Narrower items get no label: even one 11 px character and its padding would not fit. */
const MIN_LABEL_W = 14;
const COLORS = ['zone-dma', 'zone-dma32', 'zone-normal', 'kernel', 'swiotlb', 'cma', 'buffer', 'mapping', 'own-device', 'own-cpu-mapped', 'sel', 'sel-bg', 'muted', 'text', 'border-strong', 'panel', 'bad'] as const;

function laneY(lane: number): number {
  return TOP + lane * (LANE_H + 4);
}

interface MapPaint {
  items: MapItem[];
  mappings: MachineSnapshot['mappings'];
  /** The address range shown, and the canvas width it spans (lane labels excluded). */
  d: Domain;
  width: number;
  total: number;
  selName: string | undefined;
  /** A selected address or cache line: a band across all lanes. */
  band: { start: number; end: number } | null;
  extents: Frame['extents'];
  omitted: SnapshotOmitted;
}

/** Lanes, items (bounce links between buffer and slot), the selection, the 4 GiB line and the address axis. */
function drawMemoryMap(ctx: CanvasRenderingContext2D, { items, mappings, d, width, total, selName, band, extents, omitted }: MapPaint): void {
  const col = themeColors(COLORS);
  const fill: Record<string, string> = { kernel: col.kernel, swiotlb: col.swiotlb, cma: col.cma, buffer: col.buffer, mapping: col.mapping, bounce: col['own-device'] };
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  // Lane labels.
  ctx.fillStyle = col.muted;
  LANES.forEach((name, i) => ctx.fillText(name, 2, laneY(i) + LANE_H / 2));
  ctx.save();
  ctx.translate(LABEL_W, 0);
  ctx.beginPath();
  ctx.rect(0, 0, width, HEIGHT);
  ctx.clip();
  // Lane backgrounds.
  for (let i = 0; i < LANES.length; i++) {
    ctx.fillStyle = col.panel;
    ctx.fillRect(0, laneY(i), width, LANE_H);
    ctx.strokeStyle = col['border-strong'];
    ctx.lineWidth = 0.5;
    ctx.strokeRect(0.5, laneY(i) + 0.5, width - 1, LANE_H - 1);
  }
  // Items not in the (capped) snapshot: thin ticks from the extents, so density still shows (one rectangle per run of covered pixels).
  if (extents && (omitted.buffers > 0 || omitted.mappings > 0)) {
    ctx.globalAlpha = 0.45;
    ctx.fillStyle = col.buffer;
    const bufs = coveredRuns(d, width, extents.buffers, 3);
    for (let i = 0; i < bufs.length; i += 2) ctx.fillRect(bufs[i]!, laneY(2) + LANE_H - 6, bufs[i + 1]!, 5);
    ctx.fillStyle = col.mapping;
    const mx = extents.mappings;
    const maps = coveredRuns(d, width, mx, 4, (i) => (mx[i + 2]! >= 0 ? mx[i + 2]! : mx[i]!));
    for (let i = 0; i < maps.length; i += 2) ctx.fillRect(maps[i]!, laneY(3) + LANE_H - 6, maps[i + 1]!, 5);
    ctx.globalAlpha = 1;
  }
  const zoneFill = (name: string) => (name === 'ZONE_DMA' ? col['zone-dma'] : name === 'ZONE_DMA32' ? col['zone-dma32'] : col['zone-normal']);
  // Bounce links: buffer (lane 2) to slot (lane 3), one path; links that land on the same pixels are drawn once.
  ctx.strokeStyle = col['own-device'];
  ctx.setLineDash([4, 3]);
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  const linked = new Set<number>();
  for (const r of mappings) {
    if (r.tlbAddr < 0) continue;
    const a = itemSpan(d, width, r.phys, r.phys + r.size);
    const b = itemSpan(d, width, r.tlbAddr, r.tlbAddr + r.size);
    if (!a || !b) continue;
    const key = Math.round(a.x + a.w / 2) * 65536 + Math.round(b.x + b.w / 2);
    if (linked.has(key)) continue;
    linked.add(key);
    ctx.moveTo(a.x + a.w / 2, laneY(2) + LANE_H);
    ctx.lineTo(b.x + b.w / 2, laneY(3));
  }
  ctx.stroke();
  ctx.setLineDash([]);
  // Tiny items on the same pixel of a lane, of one kind, draw once (thousands of 4 KiB buffers on an 8 GiB map).
  const tinyDrawn = new Set<string>();
  for (const it of items) {
    const s = itemSpan(d, width, it.start, it.end);
    if (!s) continue;
    const y = laneY(it.lane);
    const isSel = it.buffer !== undefined && it.buffer === selName;
    const tiny = s.w <= 4 && it.lane >= 1;
    if (tiny && !isSel) {
      const key = `${it.lane}:${it.kind}:${Math.round(s.x)}`;
      if (tinyDrawn.has(key)) continue;
      tinyDrawn.add(key);
    }
    ctx.fillStyle = it.kind === 'zone' ? zoneFill(it.label) : (fill[it.kind] ?? col.buffer);
    const inset = it.lane >= 2 ? 3 : 1;
    ctx.fillRect(s.x, y + inset, s.w, LANE_H - 2 * inset);
    if (isSel) {
      ctx.strokeStyle = col.sel;
      ctx.lineWidth = 2;
      ctx.strokeRect(s.x - 1, y + inset - 1, s.w + 2, LANE_H - 2 * inset + 2);
    }
    if (tiny) {
      // A marker over tiny items so they can be found.
      ctx.fillStyle = isSel ? col.sel : ctx.fillStyle;
      ctx.beginPath();
      ctx.moveTo(s.x + s.w / 2, y + 1);
      ctx.lineTo(s.x + s.w / 2 - 4, y - 4);
      ctx.lineTo(s.x + s.w / 2 + 4, y - 4);
      ctx.fill();
    }
    // A label needs more room than any item this narrow has (measuring thousands of them is not free).
    if (s.w < MIN_LABEL_W) continue;
    const label = it.label;
    const tw = ctx.measureText(label).width;
    if (tw + 8 < s.w) {
      ctx.fillStyle = it.lane >= 2 ? '#fff' : col.text;
      const cx = Math.max(s.x + 4, Math.min(s.x + s.w - tw - 4, width / 2 - tw / 2));
      ctx.fillText(label, Math.max(4, cx), y + LANE_H / 2 + 0.5);
    }
  }
  // Selected address or line: a band across all lanes.
  if (band) {
    const s = itemSpan(d, width, band.start, band.end, 2)!;
    if (s) {
      ctx.fillStyle = col['sel-bg'];
      ctx.fillRect(s.x, TOP, s.w, LANES.length * (LANE_H + 4));
      ctx.strokeStyle = col.sel;
      ctx.lineWidth = 1;
      ctx.strokeRect(s.x, TOP, s.w, LANES.length * (LANE_H + 4));
    }
  }
  // The 4 GiB line: the end of what a 32-bit DMA mask reaches.
  if (total > SZ_4G && SZ_4G >= d[0] && SZ_4G <= d[1]) {
    const x = xOf(d, width, SZ_4G);
    ctx.strokeStyle = col.bad;
    ctx.setLineDash([5, 3]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, TOP - 2);
    ctx.lineTo(x, laneY(LANES.length) - 2);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = col.bad;
    ctx.font = '600 11px system-ui, sans-serif';
    const t = '4 GiB: 32-bit DMA reaches only below this line';
    const tw = ctx.measureText(t).width;
    ctx.fillText(t, x + 4 + tw > width ? Math.max(2, x - tw - 4) : x + 4, TOP - 8);
  }
  // Axis.
  const ay = laneY(LANES.length) + 2;
  ctx.strokeStyle = col['border-strong'];
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, ay);
  ctx.lineTo(width, ay);
  ctx.stroke();
  ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
  ctx.fillStyle = col.muted;
  let lastEnd = -Infinity;
  for (const t of addrTicks(d, Math.max(2, Math.floor(width / 150)))) {
    const x = xOf(d, width, t.value);
    ctx.beginPath();
    ctx.moveTo(x, ay);
    ctx.lineTo(x, ay + 4);
    ctx.stroke();
    const tw = ctx.measureText(t.label).width;
    const lx = Math.min(Math.max(0, x - tw / 2), width - tw);
    if (lx > lastEnd + 8) {
      ctx.fillText(t.label, lx, ay + 13);
      lastEnd = lx + tw;
    }
  }
  ctx.restore();
}

/** Zoom buttons, the range shown, and the legend. */
function MapHead({ d, total, onDomain, target, selected, focus, omitted }: { d: Domain; total: number; onDomain: (d: Domain | null) => void; target: { start: number; end: number } | null; selected: boolean; focus: string | null; omitted: SnapshotOmitted }) {
  const zoomed = d[1] - d[0] < total;
  return (
    <>
      <div className="mv-head">
        <span className="seg-btns">
          <button type="button" onClick={() => onDomain(zoomAt(d, 0.5, (d[0] + d[1]) / 2, total))} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => onDomain(zoomAt(d, 2, (d[0] + d[1]) / 2, total))} aria-label="Zoom out" disabled={!zoomed}>
            −
          </button>
          <button type="button" onClick={() => onDomain(null)} disabled={!zoomed} title="Show all of RAM">
            All RAM
          </button>
        </span>
        <button
          type="button"
          className="small-btn"
          onClick={() => target && onDomain(focusDomain(target.start, target.end, total))}
          disabled={!target}
          data-testid="zoom-selection"
          title={selected ? 'Zoom to the selected buffer, address or line' : `Zoom to the buffer this step names${focus ? ` ("${focus}")` : ''}`}
        >
          {selected ? 'Zoom to selection' : 'Zoom to this step’s buffer'}
        </button>
        <span className="mm-range" data-testid="memmap-range">
          {hexGrouped(Math.floor(d[0]))} – {hexGrouped(Math.ceil(d[1]))} ({sizeShort(Math.round(d[1] - d[0]))} of {sizeShort(total)})
        </span>
      </div>
      <div className="legend">
        <Key cls="own-cpu-mapped" title="Live buffers">buffer</Key>
        <Key cls="own-device" title="Where a device's DMA lands: the buffer itself, or (bounced) its swiotlb slot">device addresses</Key>
        <Key cls="sel">selected</Key>
        <span className="key">wheel: zoom · drag: pan · click: select</span>
        {(omitted.buffers > 0 || omitted.mappings > 0) && (
          <span className="key">
            {omitted.buffers} buffers and {omitted.mappings} mappings shown as ticks only
          </span>
        )}
      </div>
    </>
  );
}

/** The live buffers by name (the first 200 that match the search): a click selects one and zooms to it. Drawn again only when the list or the selection changes. */
const BufferList = memo(function BufferList({ buffers, selName, onPick }: { buffers: MachineSnapshot['buffers']; selName: string | undefined; onPick: (name: string) => void }) {
  const [filter, setFilter] = useState('');
  const listed = buffers.filter((b) => !filter || b.name.toLowerCase().includes(filter.toLowerCase())).slice(0, 200);
  return (
    <div className="mm-list">
      <input type="search" className="text-field" placeholder="find buffer…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Find a buffer" />
      <ul data-testid="memmap-buffers">
        {listed.map((b) => (
          <li key={b.id}>
            <button
              type="button"
              className={b.name === selName ? 'on' : ''}
              onClick={() => onPick(b.name)}
              title={`Select "${b.name}" and zoom to it`}
            >
              <span>{b.name}</span>
              <span className="muted">
                {sizeShort(b.size)}
                {memTag(b) && (
                  <span className="attr" title={memTagTitle(b)} data-testid="memmap-attr">
                    {memTag(b)}
                  </span>
                )}
              </span>
            </button>
          </li>
        ))}
        {listed.length === 0 && <li className="muted small">no live buffers</li>}
      </ul>
    </div>
  );
});

function MemoryMapView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  const setSelection = useStore((s) => s.setSelection);
  const [box, boxW] = useWidth(700);
  const [domain, setDomain] = useState<Domain | null>(null);
  const [tip, setTip] = useState<TipState | null>(null);
  const drag = useRef<{ x: number; d: Domain; moved: boolean } | null>(null);

  // Frames share the parts a step did not change (worker/frames.ts): the items are rebuilt only when the lists are new.
  const regions = snap?.regions;
  const buffers = snap?.buffers;
  const mappings = snap?.mappings;
  const items = useMemo(() => (regions && buffers && mappings ? memItems({ regions, buffers, mappings }) : []), [regions, buffers, mappings]);
  // A click in the list selects the buffer and zooms to it (stable, so the list is not drawn again every step).
  const listed = useRef(buffers);
  listed.current = buffers;
  const total0 = snap?.ram ?? 0;
  const onPick = useCallback(
    (name: string) => {
      setSelection({ buffer: name });
      const b = listed.current?.find((x) => x.name === name);
      if (!b || b.pieces.length === 0) return;
      const start = Math.min(...b.pieces.map((p) => p.phys));
      const end = Math.max(...b.pieces.map((p) => p.phys + p.len));
      setDomain(focusDomain(start, end, total0));
    },
    [setSelection, total0],
  );
  if (!frame || !snap) return <NoSnapshot what="the memory map" />;
  const total = snap.ram;
  const d: Domain = clampDomain(domain ?? [0, total], total, 16);
  const width = Math.max(200, boxW - LABEL_W - 2);
  const resolved = resolveSelection(snap, selection);
  const selName = resolved.buffer?.name ?? selection.buffer;
  const omitted = frame.snapshotOmitted ?? { buffers: 0, mappings: 0, debugEntries: 0 };
  const extents = frame.extents;

  const band = resolved.range && (selection.addr !== undefined || selection.line !== undefined) ? resolved.range : null;
  const draw = (ctx: CanvasRenderingContext2D) => drawMemoryMap(ctx, { items, mappings: snap.mappings, d, width, total, selName, band, extents, omitted });

  const laneAt = (y: number) => {
    for (let i = 0; i < LANES.length; i++) if (y >= laneY(i) - 5 && y < laneY(i) + LANE_H + 2) return i;
    return -1;
  };
  const hover = (x: number, y: number): MapItem | null => {
    const lane = laneAt(y);
    if (lane < 0 || x < LABEL_W) return null;
    return itemsAt(items, d, width, lane, x - LABEL_W)[0] ?? null;
  };
  const onMove = (x: number, y: number, e: React.MouseEvent) => {
    const dr = drag.current;
    if (dr && e.buttons === 1) {
      const dx = x - dr.x;
      if (Math.abs(dx) > 2) dr.moved = true;
      setDomain(panBy(dr.d, -(dx / width) * (dr.d[1] - dr.d[0]), total));
      setTip(null);
      return;
    }
    const it = hover(x, y);
    if (!it) {
      if (x >= LABEL_W && laneAt(y) >= 0) setTip({ x, y, lines: [`phys ${hexGrouped(Math.floor(addrAt(d, width, x - LABEL_W)))}`] });
      else setTip(null);
      return;
    }
    setTip({ x, y, lines: it.tip() });
  };
  const onClick = (x: number, y: number) => {
    if (drag.current?.moved) {
      drag.current = null;
      return;
    }
    drag.current = null;
    const it = hover(x, y);
    if (it?.buffer) select({ buffer: it.buffer });
  };
  const onWheel = (x: number, _y: number, e: WheelEvent) => {
    if (x < LABEL_W) return;
    e.preventDefault();
    const center = addrAt(d, width, x - LABEL_W);
    setDomain(zoomAt(d, e.deltaY < 0 ? 0.7 : 1 / 0.7, center, total));
  };
  // Zoom to the selection, or (nothing selected) to the buffer this step names.
  const target = resolved.range ?? resolveSelection(snap, { buffer: frame.focus ?? undefined }).range;



  return (
    <div className="mv" data-testid="memmap-view" data-step={frame.step} data-frame-ms={frame.ms?.toFixed(1)}>
      <MapHead d={d} total={total} onDomain={setDomain} target={target} selected={!!resolved.range} focus={frame.focus ?? null} omitted={omitted} />
      <div className="mm-wrap">
        <div ref={box} className="canvas-box" onMouseLeave={() => setTip(null)}>
          <Canvas
            width={Math.max(200, boxW)}
            height={HEIGHT}
            draw={draw}
            deps={[items, d[0], d[1], width, selName, resolved.range?.start, resolved.range?.end, extents]}
            onMove={onMove}
            onLeave={() => {
              setTip(null);
              drag.current = null;
            }}
            onDown={(x) => {
              drag.current = { x, d, moved: false };
            }}
            onClick={onClick}
            onWheel={onWheel}
            label={`Physical memory map of ${sizeShort(total)}: ${snap.buffers.length} buffers, ${snap.mappings.length} mappings`}
            testId="memmap-canvas"
            cursor="grab"
          />
          <Tip tip={tip} boxWidth={boxW} />
        </div>
        <BufferList buffers={snap.buffers} selName={selName} onPick={onPick} />
      </div>
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default MemoryMapView;

/** The CPU mapping's caching, when not plain write-back: WC, UC (linear map or alias), or no mapping. */
function memTag(b: MachineSnapshot['buffers'][number]): string | null {
  if (b.noKernelMapping) return 'no map';
  return b.memType ? b.memType.toUpperCase() : null;
}

function memTagTitle(b: MachineSnapshot['buffers'][number]): string {
  if (b.noKernelMapping) return 'DMA_ATTR_NO_KERNEL_MAPPING: the CPU has no mapping of this memory';
  const what = b.memType === 'wc' ? 'write-combining (modelled as uncached)' : 'uncached';
  return b.uncached ? `the CPU reaches it through a ${what} alias; the cacheable linear alias of the same pages still exists` : `x86 set_memory_${b.memType}: the linear map of its pages is ${what}; CPU accesses bypass the cache`;
}
