/**
 * The CPU data cache: sets × ways, each set a column of `ways` cells, sets
 * folded into rows. Cells say D (dirty) or C (clean) in colour; empty cells
 * are invalid. The lines this step touched (fills, evictions, cleans,
 * invalidates, from the step's events) get a yellow ring that flashes once;
 * a line invalidated away shows as a dashed ghost in the way it left. Dirty
 * data an invalidate discarded is called out above the grid with its bytes.
 * Hover: the line's physical address, state, dirty bytes, owner buffer and
 * its mappings; click selects the line (and its buffer) in every view.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { MachineSnapshot } from '../../../sim/snapshot.ts';
import type { ViewProps } from '../registry.ts';
import { useStore } from '../../store/store.ts';
import type { Selection } from '../../store/store.ts';
import { cacheGrid, cellXY, discardedData, hexPairs, hitCell, setOfLine, touchWords, touchedLines } from '../../viz/cache.ts';
import type { Touched } from '../../viz/cache.ts';
import { bufferAt, mappingsOf, resolveSelection } from '../../viz/machine-lookup.ts';
import { Canvas, Key, NoSnapshot, Tip, themeColors, useSelect, useWidth } from './common.tsx';
import type { TipState } from './common.tsx';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';

/** The state letters' size: no text under 11 px anywhere (issue: legible at 1280×720). */
const LETTER_PX = 11;
/** The smallest cell an 11 px letter fits in; smaller cells (zoomed out, huge caches) show the state by colour only. */
const LETTER_CELL = 16;

const COLORS = ['st-clean', 'st-clean-bg', 'st-dirty', 'st-dirty-bg', 'st-invalid', 'st-invalid-bg', 'sel', 'flash', 'muted', 'panel', 'text'] as const;

type CacheLine = MachineSnapshot['cache']['lines'][number];

/** The swiotlb slot a line lies in, if any. */
function slotOf(s: MachineSnapshot, addr: number): number | null {
  const sw = s.swiotlb;
  return sw && addr >= sw.start && addr < sw.end ? Math.floor((addr - sw.start) / 2048) : null;
}

function lineTip(s: MachineSnapshot, l: CacheLine | null, set: number, way: number, touched: Touched | undefined): string[] {
  if (!l) {
    const out = [`set ${set}, way ${way}: invalid (empty)`];
    if (touched) out.push(`this step: ${hexGrouped(touched.line)} ${touchWords(touched)}`);
    return out;
  }
  const out = [`line ${hexGrouped(l.line)} – ${hexGrouped(l.line + s.cache.line - 1)}`, `set ${set}, way ${way}: ${l.state === 'D' ? `DIRTY (${l.dirtyBytes} byte${l.dirtyBytes === 1 ? '' : 's'} not in RAM)` : 'clean (matches RAM as of its last fill or clean)'}`];
  const hit = bufferAt(s, l.line);
  const slot = slotOf(s, l.line);
  if (slot !== null) out.push(`swiotlb pool, slot ${slot}: a bounce buffer`);
  if (hit) {
    out.push(`buffer "${hit.buffer.name}" at +${hexGrouped(hit.offset)} (${hit.buffer.kind}, ${sizeShort(hit.buffer.size)})`);
    for (const r of mappingsOf(s, hit.buffer.id)) out.push(`mapped by ${r.dev}, ${r.dir}, ${r.owner === 'device' ? 'the device owns it' : 'the CPU owns it'}`);
  } else if (slot === null) out.push('no live buffer here');
  if (touched) out.push(`this step: ${touchWords(touched)}`);
  return out;
}

type Ghost = { t: Touched; set: number; way: number | null; present: boolean };
type Grid = ReturnType<typeof cacheGrid>;

/** The grid: each cell's state, the selection's lines ringed, this step's lines ringed (flashing) and lines gone as dashed ghosts. */
function drawCache(ctx: CanvasRenderingContext2D, grid: Grid, c: MachineSnapshot['cache'], bySlot: Map<number, CacheLine>, ghosts: Ghost[], selRange: { start: number; end: number } | null | undefined, flash: number): void {
  const col = themeColors(COLORS);
  const { cell: cs } = grid;
  const letters = cs >= LETTER_CELL;
  ctx.font = `600 ${Math.max(LETTER_PX, Math.round(cs * 0.7))}px ui-monospace, Menlo, Consolas, monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  // Row labels: the first set of each row.
  ctx.fillStyle = col.muted;
  for (let row = 0; row < grid.rows; row++) {
    const y = row * grid.blockH;
    ctx.save();
    ctx.textAlign = 'left';
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    ctx.fillText(`set ${row * grid.setsPerRow}`, 0, y + 12 + (grid.ways * (cs + grid.gap)) / 2);
    if (row === 0) ctx.fillText(`${grid.setsPerRow} sets a row · ${c.ways} ways each (top to bottom)`, grid.labelW, 5);
    ctx.restore();
  }
  for (let set = 0; set < c.sets; set++) {
    for (let way = 0; way < c.ways; way++) {
      const { x, y } = cellXY(grid, set, way);
      const l = bySlot.get(set * c.ways + way);
      if (!l) {
        ctx.fillStyle = col['st-invalid-bg'];
        ctx.fillRect(x, y, cs, cs);
        continue;
      }
      ctx.fillStyle = l.state === 'D' ? col['st-dirty'] : col['st-clean'];
      ctx.fillRect(x, y, cs, cs);
      if (letters) {
        ctx.fillStyle = '#fff';
        ctx.fillText(l.state, x + cs / 2, y + cs / 2 + 0.5);
      }
      if (selRange && l.line < selRange.end && l.line + c.line > selRange.start) {
        ctx.strokeStyle = col.sel;
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 1, y - 1, cs + 2, cs + 2);
      }
    }
  }
  // This step's lines: a ring (and a fading halo while flashing); lines gone from the cache as dashed ghosts.
  for (const g of ghosts) {
    if (g.way === null) {
      // Way unknown: mark the whole set.
      const top = cellXY(grid, g.set, 0);
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = col.flash;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(top.x - 1.5, top.y - 1.5, cs + 3, c.ways * (cs + grid.gap) - grid.gap + 3);
      ctx.setLineDash([]);
      continue;
    }
    const { x, y } = cellXY(grid, g.set, g.way);
    if (!g.present) {
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = g.t.kinds.includes('discard') ? col['st-dirty'] : col.muted;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x + 0.75, y + 0.75, cs - 1.5, cs - 1.5);
      ctx.setLineDash([]);
      if (letters) {
        ctx.fillStyle = col.muted;
        ctx.fillText('×', x + cs / 2, y + cs / 2 + 0.5);
      }
    }
    ctx.strokeStyle = col.flash;
    ctx.lineWidth = 2;
    ctx.strokeRect(x - 1.5, y - 1.5, cs + 3, cs + 3);
    if (flash > 0) {
      ctx.globalAlpha = flash * 0.8;
      ctx.lineWidth = 3;
      const pad = 2 + (1 - flash) * 5;
      ctx.strokeRect(x - pad, y - pad, cs + 2 * pad, cs + 2 * pad);
      ctx.globalAlpha = 1;
    }
  }
}

/** Brings this step's first touched cell into view once (does nothing if it is visible). */
function ScrollAnchor({ x, y, size }: { x: number; y: number; size: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, []);
  return <div ref={ref} aria-hidden="true" style={{ position: 'absolute', left: x - 4, top: y - 4, width: size + 8, height: size + 8, pointerEvents: 'none' }} />;
}

/** One short flash per step that touched the cache (none for reduced motion): 1 fading to 0. */
function useFlash(runId: number | undefined, step: number | undefined, touched: number): number {
  const [flash, setFlash] = useState(0);
  useEffect(() => {
    if (touched === 0 || matchMedia('(prefers-reduced-motion: reduce)').matches) {
      setFlash(0);
      return;
    }
    const t0 = performance.now();
    let raf = 0;
    const tick = () => {
      const p = (performance.now() - t0) / 700;
      setFlash(p >= 1 ? 0 : 1 - p);
      if (p < 1) raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [step, runId, touched]);
  return flash;
}

/** The cache's shape and line counts, cell zoom, and the legend. */
function CacheHead({ c, dirty, zoom, onZoom }: { c: MachineSnapshot['cache']; dirty: number; zoom: number; onZoom: (z: number | ((z: number) => number)) => void }) {
  return (
    <>
      <div className="mv-head">
        <span className="mv-facts">
          <b>{sizeShort(c.size)}</b>, {c.line} B lines, {c.ways}-way, {c.sets} sets · <b data-testid="cache-dirty">{dirty}</b> dirty, <b data-testid="cache-clean">{c.lines.length - dirty}</b> clean, {c.sets * c.ways - c.lines.length} invalid
        </span>
        <span className="grow" />
        <span className="seg-btns">
          <button type="button" onClick={() => onZoom((z) => Math.max(0.6, z / 1.25))} aria-label="Smaller cells" disabled={zoom <= 0.6}>
            −
          </button>
          <button type="button" onClick={() => onZoom(1)} aria-label="Reset cell size">
            {Math.round(zoom * 100)}%
          </button>
          <button type="button" onClick={() => onZoom((z) => Math.min(3, z * 1.25))} aria-label="Larger cells" disabled={zoom >= 3}>
            +
          </button>
        </span>
      </div>
      <div className="legend">
        <Key cls="dirty" mark="D">dirty: holds bytes RAM lacks</Key>
        <Key cls="clean" mark="C">clean: same as RAM had</Key>
        <Key cls="invalid">invalid (empty)</Key>
        <Key cls="flash" title="Filled, evicted, cleaned or invalidated by this step">touched this step</Key>
        <Key cls="sel">selected</Key>
      </div>
    </>
  );
}

/** Dirty data an invalidate threw away this step, with its bytes. */
function DiscardedData({ discarded, snap }: { discarded: ReturnType<typeof discardedData>; snap: MachineSnapshot }) {
  return (
    <>
      {discarded.map((d, i) => {
        const p = hexPairs(d.hex);
        const hit = bufferAt(snap, d.line + d.offset);
        return (
          <div key={i} className="callout" data-testid="cache-discard" role="alert">
            <b>Dirty data discarded</b> by {d.instr} ({d.op === 'inval' ? 'invalidate' : d.op}) on line <span className="mono">{hexGrouped(d.line)}</span>
            {hit ? ` (buffer "${hit.buffer.name}" +${hexGrouped(hit.offset)})` : ''}: {p.spaced.split(' ').length} byte(s) the CPU wrote never reached RAM:{' '}
            <span className="mono">{p.spaced.length > 96 ? `${p.spaced.slice(0, 96)}…` : p.spaced}</span> <span className="mono">"{p.text.slice(0, 32)}"</span>
          </div>
        );
      })}
    </>
  );
}

/** The lines this step filled, evicted, cleaned or invalidated (the first 12). */
function TouchedLines({ touched, present, snap, onSelect }: { touched: Touched[]; present: number; snap: MachineSnapshot; onSelect: (sel: Selection) => void }) {
  return (
    <div className="cache-touched" data-testid="cache-touched">
      {touched.length === 0 ? (
        <span>This step did not touch the cache.</span>
      ) : (
        <>
          <span>This step:</span>
          {touched.slice(0, 12).map((t) => (
            <span key={t.line}>
              <button type="button" onClick={() => onSelect({ line: t.line, ...(bufferAt(snap, t.line) ? { buffer: bufferAt(snap, t.line)!.buffer.name } : {}) })} title="Select this line">
                {hexGrouped(t.line)}
              </button>{' '}
              {touchWords(t)}
            </span>
          ))}
          {touched.length > 12 && <span>… and {touched.length - 12} more lines ({present} still in the cache)</span>}
        </>
      )}
    </div>
  );
}

/** The lines in the cache worth naming first (touched, then the selected buffer's, then by address): six chips. */
function PresentLines({ chips, lineSize, selRange, snap, onSelect }: { chips: Array<{ l: CacheLine; hit: ReturnType<typeof bufferAt> }>; lineSize: number; selRange: { start: number; end: number } | null | undefined; snap: MachineSnapshot; onSelect: (sel: Selection) => void }) {
  return (
    <div className="cache-touched" data-testid="cache-present">
      {chips.length === 0 ? (
        <span>The cache is empty.</span>
      ) : (
        <>
          <span>In the cache:</span>
          {chips.slice(0, 6).map(({ l, hit }) => (
            <button
              key={l.line}
              type="button"
              className={`line-chip ${l.state}${selRange && l.line < selRange.end && l.line + lineSize > selRange.start ? ' on' : ''}`}
              onClick={() => onSelect({ line: l.line, ...(hit ? { buffer: hit.buffer.name } : {}) })}
              title={`set ${l.set}, way ${l.way}: ${l.state === 'D' ? `dirty, ${l.dirtyBytes} byte(s) not in RAM` : 'clean'}`}
            >
              {l.state} {hexGrouped(l.line)}
              {hit ? ` ${hit.buffer.name}+${hit.offset.toString(16)}` : slotOf(snap, l.line) !== null ? ` swiotlb slot ${slotOf(snap, l.line)}` : ''}
            </button>
          ))}
          {chips.length > 6 && <span>+{chips.length - 6} more (hover the grid)</span>}
        </>
      )}
    </div>
  );
}

/**
 * Where each line this step touched is (or was): its slot now, else the
 * event's set/way, else where it was in the previous step's snapshot (kept
 * here), to draw a line that left the cache in the way it left.
 */
function useGhosts(frame: ViewProps['frame'], c: MachineSnapshot['cache'] | undefined, touched: Touched[]): Ghost[] {
  // The previous snapshot, to place lines that left the cache this step in the way they left.
  const prev = useRef<{ step: number; runId: number; lines: Map<number, { set: number; way: number }> } | null>(null);
  const ghosts = useMemo(() => {
    const out: Ghost[] = [];
    if (!c) return out;
    const now = new Map<number, CacheLine>();
    for (const l of c.lines) now.set(l.line, l);
    for (const t of touched) {
      const here = now.get(t.line);
      if (here) out.push({ t, set: here.set, way: here.way, present: true });
      else {
        const was = frame && prev.current && prev.current.runId === frame.runId && prev.current.step === frame.step - 1 ? prev.current.lines.get(t.line) : undefined;
        out.push({ t, set: t.set ?? was?.set ?? setOfLine(t.line, c.line, c.sets), way: t.way ?? was?.way ?? null, present: false });
      }
    }
    return out;
  }, [touched, c, frame]);

  useEffect(() => {
    if (!frame || !c) return;
    const lines = new Map<number, { set: number; way: number }>();
    for (const l of c.lines) lines.set(l.line, { set: l.set, way: l.way });
    prev.current = { step: frame.step, runId: frame.runId, lines };
  }, [frame, c]);
  return ghosts;
}

function CacheView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  const [box, width] = useWidth(640);
  const [zoom, setZoom] = useState(1);
  const [tip, setTip] = useState<TipState | null>(null);
  const events = frame?.json?.events ?? [];
  const touched = useMemo(() => touchedLines(events), [events]);
  const discarded = useMemo(() => discardedData(events), [events]);

  const c = snap?.cache;
  // Cells big enough for an 11 px state letter (D/V), except in caches too large to show that way (colour only there).
  const cell = Math.round((c && c.sets * c.ways > 4096 ? 9 : LETTER_CELL) * zoom);
  const grid = useMemo(() => (c ? cacheGrid(c.sets, c.ways, width, cell) : null), [c?.sets, c?.ways, width, cell]);
  const bySlot = useMemo(() => {
    const m = new Map<number, CacheLine>();
    if (c) for (const l of c.lines) m.set(l.set * c.ways + l.way, l);
    return m;
  }, [c]);

  const ghosts = useGhosts(frame, c, touched);
  const flash = useFlash(frame?.runId, frame?.step, touched.length);

  if (!frame || !snap || !c || !grid) return <NoSnapshot what="the cache" />;
  const resolved = resolveSelection(snap, selection);
  const selRange = resolved.range;
  const dirty = c.lines.filter((l) => l.state === 'D').length;
  const clean = c.lines.length - dirty;

  const draw = (ctx: CanvasRenderingContext2D) => drawCache(ctx, grid, c, bySlot, ghosts, selRange, flash);

  const onMove = (x: number, y: number) => {
    const h = hitCell(grid, x, y);
    if (!h) return setTip(null);
    const l = bySlot.get(h.set * c.ways + h.way) ?? null;
    const t = ghosts.find((g) => g.set === h.set && g.way === h.way)?.t;
    setTip({ x, y, lines: lineTip(snap, l, h.set, h.way, t) });
  };
  const onClick = (x: number, y: number) => {
    const h = hitCell(grid, x, y);
    if (!h) return;
    const l = bySlot.get(h.set * c.ways + h.way);
    if (!l) return;
    const hit = bufferAt(snap, l.line);
    select({ line: l.line, ...(hit ? { buffer: hit.buffer.name } : {}) });
  };

  const present = ghosts.filter((g) => g.present).length;
  // The lines worth naming: touched this step, then the selected buffer's, then the rest by address.
  const touchedSet = new Set(touched.map((t) => t.line));
  const selBuf = resolved.buffer;
  const chips = [...c.lines]
    .map((l) => {
      const hit = bufferAt(snap, l.line);
      const rank = touchedSet.has(l.line) ? 0 : hit && selBuf && hit.buffer.id === selBuf.id ? 1 : hit ? 2 : 3;
      return { l, hit, rank };
    })
    .sort((a, b) => a.rank - b.rank || a.l.line - b.l.line);
  const anchor = ghosts.find((g) => g.way !== null) ?? null;
  const anchorXY = anchor ? cellXY(grid, anchor.set, anchor.way!) : null;
  return (
    <div className="mv" data-testid="cache-view" data-step={frame.step}>
      <CacheHead c={c} dirty={dirty} zoom={zoom} onZoom={setZoom} />
      <DiscardedData discarded={discarded} snap={snap} />
      <TouchedLines touched={touched} present={present} snap={snap} onSelect={select} />
      <PresentLines chips={chips} lineSize={c.line} selRange={selRange} snap={snap} onSelect={select} />
      <div ref={box} className="canvas-box" onMouseLeave={() => setTip(null)}>
        {anchorXY && <ScrollAnchor key={`${frame.runId}:${frame.step}`} x={anchorXY.x} y={anchorXY.y} size={grid.cell} />}
        <Canvas
          width={Math.max(grid.width, 100)}
          height={grid.height}
          draw={draw}
          deps={[snap, bySlot, ghosts, flash, selRange?.start, selRange?.end, grid]}
          onMove={onMove}
          onLeave={() => setTip(null)}
          onClick={onClick}
          label={`CPU cache: ${c.sets} sets of ${c.ways} ways; ${dirty} dirty and ${clean} clean lines`}
          testId="cache-canvas"
          cursor="pointer"
        />
        <Tip tip={tip} boxWidth={width} />
      </div>
      {/* The same content as text, for screen readers and tests. */}
      <ul className="sr-only" data-testid="cache-lines">
        {c.lines.map((l) => (
          <li key={`${l.set}.${l.way}`} data-line={hexGrouped(l.line)} data-state={l.state}>
            line {hexGrouped(l.line)} set {l.set} way {l.way} {l.state === 'D' ? 'dirty' : 'clean'}
          </li>
        ))}
      </ul>
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default CacheView;
