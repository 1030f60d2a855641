/**
 * The CMA area: its pages as a grid (free, allocated by cma_alloc, lent to
 * movable allocations, pinned), rows labelled with their physical address.
 * This step's events are drawn on it: pages migrated out of a candidate
 * range as arrows to where they went (outside the area), busy candidate
 * ranges (a pinned page made alloc_contig_range fail with -EBUSY) boxed and
 * marked "retry", the range an allocation claimed or released outlined, and
 * a failed allocation called out with mm/cma.c's line. Hover a page for its
 * owner; click it (or a run in the list) to select its physical address.
 */
import { useMemo, useState } from 'react';
import type { CmaView as CmaArea } from '../../../sim/dma/contiguous-ops.ts';
import type { ViewProps } from '../registry.ts';
import { useStore } from '../../store/store.ts';
import { bufferAt, resolveSelection } from '../../viz/machine-lookup.ts';
import { ALLOCATED, BORROWED, PAGE, cellOf, cmaCounts, cmaGrid, cmaPages, cmaStep, gridLayout, inArea, rangeOutline } from '../../viz/cma.ts';
import type { CmaGrid, CmaPages, CmaStep, GridLayout } from '../../viz/cma.ts';
import { Canvas, Key, NoSnapshot, Tip, themeColors, useSelect, useWidth } from './common.tsx';
import type { TipState } from './common.tsx';
import './engine-views.css';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';
import { logLines } from '../../../sim/events.ts';
import type { MessageId } from '../../../sim/kernel-log/catalogue.ts';

/** A failed cma_alloc's lines: the pr_err and cma_debug_show_areas (not alloc_contig_range's "PFNs busy"). */
const CMA_FAIL_LINES: ReadonlySet<MessageId> = new Set<MessageId>(['cma.alloc-failed', 'cma.areas-head', 'cma.areas-range', 'cma.areas-end', 'cma.areas-total']);

const COLORS = ['cma-free', 'cma-alloc', 'cma-borrowed', 'cma-pinned', 'sel', 'flash', 'bad', 'muted', 'text', 'panel', 'good', 'border-strong'] as const;
const LABEL_W = 80;
const TOP = 16;
const DEST_W = 150;
const GUTTER = 36;
const MAX_GRID_H = 200;
const MAX_ARROWS = 12;

interface Geo {
  cw: number;
  ch: number;
  gridW: number;
  gridH: number;
  destX: number;
  width: number;
  height: number;
}

function geometry(g: CmaGrid, lay: GridLayout, migrations: number): Geo {
  const gridW = g.cols * lay.cellW;
  const gridH = g.rows * lay.cellH;
  const destRows = Math.min(migrations, MAX_ARROWS) + (migrations > MAX_ARROWS ? 1 : 0);
  const height = TOP + Math.max(gridH, destRows * 16) + 8;
  return { cw: lay.cellW, ch: lay.cellH, gridW, gridH, destX: LABEL_W + gridW + GUTTER, width: LABEL_W + gridW + GUTTER + DEST_W, height };
}

function cellXY(geo: Geo, g: CmaGrid, c: number): [number, number] {
  return [LABEL_W + (c % g.cols) * geo.cw, TOP + Math.floor(c / g.cols) * geo.ch];
}

function arrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number) {
  const mx = (x0 + x1) / 2;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.bezierCurveTo(mx, y0, mx, y1, x1 - 6, y1);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 7, y1 - 4);
  ctx.lineTo(x1 - 7, y1 + 4);
  ctx.closePath();
  ctx.fill();
}

function pageWords(p: CmaPages, i: number): string[] {
  const phys = p.base + i * PAGE;
  const st = p.state[i];
  const out = [`page ${i} of the area · pfn ${hexGrouped(phys / PAGE)} · ${hexGrouped(phys)}`];
  if (st === ALLOCATED) out.push('allocated by cma_alloc (bitmap bit set)');
  else if (st === BORROWED) out.push(`free in CMA's bitmap, lent to the movable allocation "${p.owner[i] ?? '?'}" (migrates out when CMA needs it)`);
  else out.push('free');
  if (p.pins[i]! > 0) out.push(`pinned ×${p.pins[i]} (short-term GUP pin): cannot migrate → -EBUSY`);
  return out;
}

function CmaGridCanvas({ p, g, geo, step, range, frameKey, onPick }: { p: CmaPages; g: CmaGrid; geo: Geo; step: CmaStep; range: { start: number; end: number } | null; frameKey: string; onPick: (i: number) => void }) {
  const [tip, setTip] = useState<TipState | null>(null);
  const cellAt = (x: number, y: number): number | null => {
    const cx = Math.floor((x - LABEL_W) / geo.cw);
    const cy = Math.floor((y - TOP) / geo.ch);
    if (cx < 0 || cx >= g.cols || cy < 0 || cy >= g.rows) return null;
    const c = cy * g.cols + cx;
    return c < g.cells ? c : null;
  };
  const draw = (ctx: CanvasRenderingContext2D) => {
    const col = themeColors(COLORS);
    const { cw, ch } = geo;
    const gap = cw >= 5 ? 1 : 0;
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    // Row labels every few rows.
    const every = Math.max(1, Math.ceil(13 / ch));
    for (let r = 0; r < g.rows; r += every) {
      ctx.fillStyle = col.muted;
      ctx.fillText(hexGrouped(p.base + r * g.cols * g.perCell * PAGE), 0, TOP + r * ch + Math.min(ch, 10) / 2);
    }
    for (let c = 0; c < g.cells; c++) {
      const [x, y] = cellXY(geo, g, c);
      const st = g.state[c];
      ctx.fillStyle = st === ALLOCATED ? col['cma-alloc'] : st === BORROWED ? col['cma-borrowed'] : col['cma-free'];
      ctx.fillRect(x, y, cw - gap, ch - 1);
      if (g.pinned[c]) {
        ctx.fillStyle = col['cma-pinned'];
        ctx.fillRect(x, y, cw - gap, ch - 1);
      }
    }
    // Selection.
    if (range) {
      ctx.strokeStyle = col.sel;
      ctx.lineWidth = 2;
      for (let c = 0; c < g.cells; c++) {
        const lo = p.base + c * g.perCell * PAGE;
        if (lo < range.end && lo + g.perCell * PAGE > range.start) {
          const [x, y] = cellXY(geo, g, c);
          ctx.strokeRect(x - 1, y - 1, cw + 1, ch + 1);
        }
      }
    }
    const drawn = new Set<string>();
    const box = (pfn: number, count: number, color: string, dash: number[], label?: string) => {
      const c0 = cellOf(p, g, pfn);
      const c1 = cellOf(p, g, pfn + count - 1);
      if (c0 === null || c1 === null) return;
      const key = `${c0}:${c1}`;
      const again = drawn.has(key);
      drawn.add(key);
      if (!again) {
        ctx.strokeStyle = color;
        ctx.lineWidth = 2;
        ctx.setLineDash(dash);
        ctx.beginPath();
        rangeOutline(c0, c1, g.cols).forEach(([cx, cy], i) => {
          const x = LABEL_W + cx * cw;
          const y = TOP + cy * ch;
          if (i === 0) ctx.moveTo(x - 1, y - 1);
          else ctx.lineTo(x - 1, y - 1);
        });
        ctx.closePath();
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (label) {
        ctx.font = '600 11px system-ui, sans-serif';
        ctx.fillStyle = color;
        const [x, y] = cellXY(geo, g, c0);
        ctx.fillText(label, Math.max(LABEL_W, Math.min(x, LABEL_W + geo.gridW - ctx.measureText(label).width)), y - 7);
        ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
      }
    };
    for (const a of step.release) box(a.pfn, a.count, col.muted, [3, 2], 'released');
    for (const a of step.alloc) box(a.pfn, a.count, col.good, [], `cma_alloc: ${a.count} page${a.count === 1 ? '' : 's'}`);
    for (const b of step.busy) box(b.pfn, b.count, col.bad, [4, 3], 'busy (-EBUSY) → retry the next candidate');
    for (const f of step.fail) box(f.pfn, f.count, col.bad, [2, 2]);
    // Migration arrows: from the page in the area to where it went.
    ctx.lineWidth = 1.5;
    const shown = step.migrations.slice(0, MAX_ARROWS);
    shown.forEach((m, k) => {
      const c = cellOf(p, g, m.from);
      if (c === null) return;
      const [x, y] = cellXY(geo, g, c);
      ctx.strokeStyle = col.flash;
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 1, y - 1, cw + 1, ch + 1);
      const ty = TOP + 6 + k * 16;
      ctx.strokeStyle = col.text;
      ctx.fillStyle = col.text;
      ctx.lineWidth = 1.2;
      arrow(ctx, x + cw, y + ch / 2, geo.destX, ty);
      const to = m.to >= 0 ? hexGrouped(m.to * PAGE) : '?';
      ctx.fillText(`${to}${inArea(p, m.to) ? ' (in the area)' : ''}${m.owner ? ` "${m.owner}"` : ''}`, geo.destX + 4, ty);
    });
    if (step.migrations.length > MAX_ARROWS) {
      ctx.fillStyle = col.muted;
      ctx.fillText(`… ${step.migrations.length - MAX_ARROWS} more`, geo.destX + 4, TOP + 6 + MAX_ARROWS * 16);
    }
    if (shown.length > 0) {
      ctx.fillStyle = col.muted;
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.fillText('migrated to', geo.destX, TOP - 8);
    }
  };
  return (
    <div className="canvas-box" onMouseLeave={() => setTip(null)}>
      <Canvas
        width={geo.width}
        height={geo.height}
        draw={draw}
        deps={[frameKey, geo, g, range?.start, range?.end]}
        label={`CMA pages: ${cmaCounts(p).allocated} allocated, ${cmaCounts(p).borrowed} lent to movable allocations, ${step.migrations.length} migrated this step`}
        testId="cma-canvas"
        cursor="pointer"
        onLeave={() => setTip(null)}
        onMove={(x, y) => {
          const c = cellAt(x, y);
          if (c === null) return setTip(null);
          const first = c * g.perCell;
          const lines = g.perCell === 1 ? pageWords(p, first) : [`pages ${first}–${Math.min(p.pages, first + g.perCell) - 1} (${g.perCell} per cell)`, ...pageWords(p, first).slice(1)];
          setTip({ x, y, lines });
        }}
        onClick={(x, y) => {
          const c = cellAt(x, y);
          if (c !== null) onPick(c * g.perCell);
        }}
      />
      <Tip tip={tip} boxWidth={geo.width} />
    </div>
  );
}

/** Contiguous runs of one state (allocated, or lent to one owner), for the keyboard-accessible list. */
function runs(p: CmaPages): Array<{ from: number; count: number; kind: 'allocated' | 'borrowed'; owner: string | null; pinned: number }> {
  const out: Array<{ from: number; count: number; kind: 'allocated' | 'borrowed'; owner: string | null; pinned: number }> = [];
  for (let i = 0; i < p.pages; ) {
    const st = p.state[i];
    if (st !== ALLOCATED && st !== BORROWED) {
      i++;
      continue;
    }
    const own = p.owner[i] ?? null;
    let j = i;
    let pinned = 0;
    while (j < p.pages && p.state[j] === st && (p.owner[j] ?? null) === own) {
      if (p.pins[j]! > 0) pinned++;
      j++;
    }
    out.push({ from: i, count: j - i, kind: st === ALLOCATED ? 'allocated' : 'borrowed', owner: own, pinned });
    i = j;
  }
  return out;
}

function CmaView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  const [box, width] = useWidth(700);
  const cma: CmaArea | null = snap?.cma ?? null;
  const p = useMemo(() => (cma ? cmaPages(cma) : null), [cma]);
  const events = frame?.json?.events;
  const step = useMemo(() => cmaStep(events, (phys) => (snap ? (bufferAt(snap, phys)?.buffer.name ?? null) : null)), [events, snap]);
  if (!frame || !snap) return <NoSnapshot what="the CMA area" />;
  if (!cma || !p) {
    return (
      <div className="mv ev" data-testid="cma-view" data-step={frame.step}>
        <p className="mv-empty" data-testid="cma-none">
          This machine has no CMA area (<code>cma=0</code>): dma_alloc_from_contiguous() has nowhere to carve large contiguous buffers from. Add <code>cma=16M</code> to <code>machine(…)</code>.
        </p>
      </div>
    );
  }
  const lay = gridLayout(p.pages, Math.max(160, width - LABEL_W - GUTTER - DEST_W - 4), MAX_GRID_H);
  const g = cmaGrid(p, lay.cols, lay.perCell);
  const geo = geometry(g, lay, step.migrations.length);
  const counts = cmaCounts(p);
  const range = resolveSelection(snap, selection).range;
  const pick = (i: number) => {
    const phys = p.base + i * PAGE;
    const hit = bufferAt(snap, phys);
    select(hit ? { addr: phys, buffer: hit.buffer.name } : { addr: phys });
  };
  const failLines = logLines(frame.json?.events ?? [], (id) => CMA_FAIL_LINES.has(id));
  const active = step.migrations.length + step.busy.length + step.alloc.length + step.release.length + step.fail.length + step.borrow.length + step.pin.length > 0;
  return (
    <div className="mv ev" ref={box} data-testid="cma-view" data-step={frame.step}>
      <div className="mv-head">
        <span className="mv-facts" data-testid="cma-facts">
          CMA area "{cma.name}" <b>{hexGrouped(cma.base)}</b>–{hexGrouped(cma.base + cma.pages * PAGE)} ({sizeShort(cma.pages * PAGE)}, {cma.pages} pages) · <b data-testid="cma-allocated">{counts.allocated}</b> allocated ·{' '}
          <b data-testid="cma-borrowed">{counts.borrowed}</b> lent to movable · <b>{counts.pinned}</b> pinned · <b>{counts.free}</b> free
          {g.perCell > 1 && <> · {g.perCell} pages per cell</>}
        </span>
      </div>
      {step.fail.length > 0 ? (
        <div className="callout ev-fault" role="alert" data-testid="cma-fail">
          <b>
            cma_alloc failed: {step.fail[0]!.count} pages, no candidate range could be migrated{step.busy.length ? ` (${step.busy.length} busy candidate${step.busy.length === 1 ? '' : 's'}: a pinned page cannot move)` : ''}
          </b>
          {failLines.length > 0 && <div className="mono ev-log">{failLines.slice(0, 4).join('\n')}</div>}
        </div>
      ) : (
        <div className="ev-status" data-testid="cma-step">
          {active ? cmaStepWords(step) : 'This step did not touch the CMA area.'}
        </div>
      )}
      <div className="legend">
        <Key cls="cma-key-free">free</Key>
        <Key cls="cma-key-alloc">allocated (cma_alloc)</Key>
        <Key cls="cma-key-borrowed">lent to a movable allocation</Key>
        <Key cls="cma-key-pinned">pinned (blocks migration)</Key>
        <Key cls="cma-key-busy">busy candidate → retry</Key>
        <span className="key">→ migrated this step</span>
      </div>
      <div className="ev-grid-box">
        <CmaGridCanvas p={p} g={g} geo={geo} step={step} range={range} frameKey={`${frame.runId}:${frame.step}`} onPick={pick} />
      </div>
      {step.migrations.length > 0 && (
        <ul className="ev-mig-list" data-testid="cma-migrations" aria-label="Pages migrated this step">
          {step.migrations.map((m, i) => (
            <li key={i} data-testid="cma-migration">
              <button type="button" className="ev-link" onClick={() => m.to >= 0 && select({ addr: m.to * PAGE, ...(m.owner ? { buffer: m.owner } : {}) })}>
                {m.owner ? `"${m.owner}" ` : ''}page {hexGrouped(m.from * PAGE)} → {m.to >= 0 ? hexGrouped(m.to * PAGE) : '?'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul className="ev-run-list" aria-label="Pages in use">
        {runs(p).map((r, i) => {
          const lo = p.base + r.from * PAGE;
          const sel = range !== null && lo < range.end && lo + r.count * PAGE > range.start;
          return (
            <li key={i} className={sel ? 'sel' : ''}>
              <button type="button" className="ev-link" onClick={() => pick(r.from)}>
                {hexGrouped(lo)} +{r.count} page{r.count === 1 ? '' : 's'}
              </button>{' '}
              <span className="muted">
                {r.kind === 'allocated' ? 'allocated' : `lent to "${r.owner}"`}
                {r.pinned ? ` · ${r.pinned} pinned` : ''}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function cmaStepWords(s: CmaStep): string {
  const parts: string[] = [];
  if (s.borrow.length) parts.push(`${s.borrow.reduce((n, b) => n + b.count, 0)} page(s) lent to a movable allocation`);
  for (const b of s.busy) parts.push(`candidate ${hexGrouped(b.pfn * PAGE)} (+${b.count} pages) busy: a page could not migrate (-EBUSY), retried at the next aligned candidate`);
  if (s.migrations.length) parts.push(`${s.migrations.length} page(s) migrated out (alloc_contig_range)`);
  for (const a of s.alloc) parts.push(`claimed ${a.count} page(s) at ${hexGrouped(a.pfn * PAGE)}`);
  for (const r of s.release) parts.push(`released ${r.count} page(s) at ${hexGrouped(r.pfn * PAGE)}`);
  for (const q of s.pin) parts.push(`${q.op === 'pin' ? 'pinned' : 'unpinned'} ${q.count} page(s) at ${hexGrouped(q.pfn * PAGE)}`);
  return `This step: ${parts.join(' · ')}.`;
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default CmaView;
