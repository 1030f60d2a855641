/**
 * The swiotlb bounce-buffer pool: its 2 KiB slots in 128-slot segments, each
 * slot coloured by the mapping using it (hover: the original address, size,
 * device and buffer), the next-fit index (area->index) marked, wholly free
 * segments folded; and a d3 plot of the bytes bounced per step over the whole
 * run (into the slot for the device, back to the buffer for the CPU), with
 * the current step marked — click a bar to go to that step.
 */
import { useMemo, useState } from 'react';
import { scaleLinear, schemeTableau10 } from 'd3';
import type { ViewProps } from '../registry.ts';
import type { BounceSeries } from '../../../worker/api.ts';
import { useStore } from '../../store/store.ts';
import { resolveSelection } from '../../viz/machine-lookup.ts';
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, bounceBins, bouncedAt, byteTicks, segmentRows, slotOccupancy } from '../../viz/swiotlb.ts';
import type { Occupancy, SegRow } from '../../viz/swiotlb.ts';
import { Canvas, Key, NoSnapshot, Tip, themeColors, useSelect, useWidth } from './common.tsx';
import type { TipState } from './common.tsx';
import { hexGrouped, plural, sizeShort } from '../../../sim/format.ts';
import { OWN_CPU_MAPPED, OWN_DEVICE, OWN_WORDS } from '../../../worker/lanes.ts';

const ROW_H = 16;
const LABEL_W = 58;
const TOP = 14;
const COLORS = ['st-invalid-bg', 'st-invalid', 'sel', 'muted', 'text', 'border-strong', 'flash'] as const;

function runColor(i: number): string {
  return schemeTableau10[i % schemeTableau10.length]!;
}

function SlotGrid({ occ, rows, index, start, cellW, selRuns, onSelect, names, frameKey }: {
  occ: Occupancy;
  rows: SegRow[];
  index: number;
  start: number;
  cellW: number;
  selRuns: Set<number>;
  onSelect: (run: number, slot: number) => void;
  names: Map<number, string>;
  frameKey: string;
}) {
  const [tip, setTip] = useState<TipState | null>(null);
  const width = LABEL_W + IO_TLB_SEGSIZE * cellW + 4;
  const height = TOP + rows.length * ROW_H + 4;
  const slotAt = (x: number, y: number): number | null => {
    const r = Math.floor((y - TOP) / ROW_H);
    const row = rows[r];
    if (!row || row.kind !== 'seg') return null;
    const c = Math.floor((x - LABEL_W) / cellW);
    if (c < 0 || c >= IO_TLB_SEGSIZE) return null;
    const slot = row.seg * IO_TLB_SEGSIZE + c;
    return slot < occ.nslabs ? slot : null;
  };
  const draw = (ctx: CanvasRenderingContext2D) => {
    const col = themeColors(COLORS);
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    rows.forEach((row, r) => {
      const y = TOP + r * ROW_H;
      ctx.fillStyle = col.muted;
      if (row.kind === 'free') {
        ctx.fillText(`seg ${row.from}–${row.to - 1}`, 0, y + ROW_H / 2);
        ctx.fillText(`… ${row.to - row.from} segments, ${(row.to - row.from) * IO_TLB_SEGSIZE} slots, all free`, LABEL_W, y + ROW_H / 2);
        return;
      }
      ctx.fillText(`seg ${row.seg}`, 0, y + ROW_H / 2);
      for (let c = 0; c < IO_TLB_SEGSIZE; c++) {
        const slot = row.seg * IO_TLB_SEGSIZE + c;
        if (slot >= occ.nslabs) break;
        const o = occ.owner[slot]!;
        const x = LABEL_W + c * cellW;
        ctx.fillStyle = o < 0 ? col['st-invalid-bg'] : runColor(occ.runs[o]!.color);
        ctx.fillRect(x, y + 1, Math.max(1, cellW - (cellW > 3 ? 1 : 0)), ROW_H - 3);
        if (o >= 0 && selRuns.has(o)) {
          ctx.strokeStyle = col.sel;
          ctx.lineWidth = 1.5;
          ctx.strokeRect(x - 0.5, y + 0.5, cellW, ROW_H - 2);
        }
      }
      // Segment boundary tick every 32 slots.
      ctx.fillStyle = col['border-strong'];
      for (let c = 32; c < IO_TLB_SEGSIZE; c += 32) ctx.fillRect(LABEL_W + c * cellW - 0.5, y + ROW_H - 2, 1, 2);
    });
    // Next-fit index.
    const segRow = rows.findIndex((row) => row.kind === 'seg' && row.seg === Math.floor(index / IO_TLB_SEGSIZE));
    if (segRow >= 0) {
      const x = LABEL_W + (index % IO_TLB_SEGSIZE) * cellW + cellW / 2;
      const y = TOP + segRow * ROW_H;
      ctx.fillStyle = col.text;
      ctx.beginPath();
      ctx.moveTo(x, y + 1);
      ctx.lineTo(x - 4, y - 5);
      ctx.lineTo(x + 4, y - 5);
      ctx.fill();
      if (segRow === 0) {
        ctx.font = '600 11px system-ui, sans-serif';
        const t = `next-fit index ${index}`;
        const tw = ctx.measureText(t).width;
        ctx.fillText(t, Math.min(x + 6, width - tw - 2), y - 6);
      }
    }
  };
  return (
    <div className="canvas-box" onMouseLeave={() => setTip(null)}>
      <Canvas
        width={width}
        height={height}
        draw={draw}
        deps={[frameKey, rows, cellW, selRuns]}
        label={`swiotlb slots: ${occ.runs.length} allocations, next-fit index ${index}`}
        testId="swiotlb-canvas"
        cursor="pointer"
        onLeave={() => setTip(null)}
        onMove={(x, y) => {
          const slot = slotAt(x, y);
          if (slot === null) return setTip(null);
          const o = occ.owner[slot]!;
          const lines = [`slot ${slot} (segment ${Math.floor(slot / IO_TLB_SEGSIZE)}) at ${hexGrouped(start + slot * IO_TLB_SIZE)}${slot === index ? ' · next-fit index' : ''}`];
          if (o < 0) lines.push('free');
          else {
            const run = occ.runs[o]!;
            lines.push(`used: slots ${run.index}–${run.index + run.nslots - 1} (${sizeShort(run.nslots * IO_TLB_SIZE)})`, run.held ? `the coherent buffer "${run.held}" itself: dma_alloc_coherent took it from the pool (kernels before 4.20), no bounce copy` : `bounce copy of ${hexGrouped(run.orig)}`);
            if (run.map) lines.push(`${run.map.dev}: ${run.map.api} mapping of "${names.get(run.map.bufId) ?? `#${run.map.bufId}`}", ${sizeShort(run.map.size)}, ${run.map.dir}`, `DMA address ${hexGrouped(run.map.addr)} (the slot), owner: ${OWN_WORDS[run.map.owner === 'device' ? OWN_DEVICE : OWN_CPU_MAPPED].name}`);
          }
          setTip({ x, y, lines });
        }}
        onClick={(x, y) => {
          const slot = slotAt(x, y);
          if (slot !== null && occ.owner[slot]! >= 0) onSelect(occ.owner[slot]!, slot);
        }}
      />
      <Tip tip={tip} boxWidth={width} />
    </div>
  );
}

function BouncePlot({ series, stepCount, step, width, onStep }: { series: BounceSeries; stepCount: number; step: number; width: number; onStep: (s: number) => void }) {
  const W = Math.max(260, width);
  const H = 110;
  const m = { l: 54, r: 10, t: 8, b: 22 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const bins = useMemo(() => bounceBins(series, stepCount, Math.max(1, Math.floor(iw / 3))), [series, stepCount, iw]);
  const max = Math.max(1, ...bins.map((b) => b.toDevice + b.toCpu));
  const x = scaleLinear().domain([0.5, Math.max(1, stepCount) + 0.5]).range([0, iw]);
  const yTicks = byteTicks(max);
  const y = scaleLinear().domain([0, yTicks.at(-1)!]).range([ih, 0]);
  const xt = x.ticks(Math.min(8, Math.max(1, stepCount))).filter((t) => Number.isInteger(t));
  const yt = yTicks;
  // d3 scales give positions and ticks; React draws the SVG.
  const bw = Math.max(1, iw / bins.length - (iw / bins.length > 4 ? 1 : 0));
  const fmtBytes = (v: number) => (v === 0 ? '0' : sizeShort(v));
  return (
    <svg className="plot" width={W} height={H} role="img" aria-label="Bytes bounced per step" data-testid="bounce-plot">
      <g transform={`translate(${m.l},${m.t})`}>
        <g className="axis">
          {yt.map((t) => (
            <g key={t} transform={`translate(0,${y(t)})`}>
              <line x2={iw} stroke="currentColor" opacity={0.12} />
              <text x={-6} dy="0.32em" textAnchor="end">
                {fmtBytes(t)}
              </text>
            </g>
          ))}
          <line y1={ih} y2={ih} x2={iw} />
          {xt.map((t) => (
            <text key={t} x={x(t)} y={ih + 14} textAnchor="middle">
              {t}
            </text>
          ))}
        </g>
        {bins.map((b, i) => {
          const bx = (i / bins.length) * iw;
          const h1 = ih - y(b.toDevice);
          const h2 = ih - y(b.toCpu);
          return (
            <g key={i} data-from={b.from} data-to={b.to} data-bytes={b.toDevice + b.toCpu}>
              {b.toDevice > 0 && <rect className="to-dev" x={bx} y={ih - h1} width={bw} height={Math.max(1, h1)} />}
              {b.toCpu > 0 && <rect className="to-cpu" x={bx} y={ih - h1 - h2} width={bw} height={Math.max(1, h2)} />}
              <rect className="hit" x={bx} y={0} width={Math.max(bw, 2)} height={ih} onClick={() => onStep(b.to)}>
                <title>{`step${b.from === b.to ? ` ${b.from}` : `s ${b.from}–${b.to}`}: ${fmtBytes(b.toDevice)} into the slot, ${fmtBytes(b.toCpu)} back to the buffer`}</title>
              </rect>
            </g>
          );
        })}
        {step > 0 && (
          <>
            <line className="now" x1={x(step)} x2={x(step)} y1={-4} y2={ih} />
            <text className="now" x={Math.min(iw - 40, x(step) + 3)} y={2}>
              step {step}
            </text>
          </>
        )}
      </g>
    </svg>
  );
}

function SwiotlbView({ frame, summary }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const setStep = useStore((s) => s.setStep);
  const setPlaying = useStore((s) => s.setPlaying);
  const select = useSelect();
  const [box, width] = useWidth(640);
  const occ = useMemo(() => (snap ? slotOccupancy(snap) : null), [snap]);
  const rows = useMemo(() => (occ && snap?.swiotlb ? segmentRows(occ, snap.swiotlb.index) : []), [occ, snap]);
  if (!frame || !snap) return <NoSnapshot what="the swiotlb pool" />;
  const sw = snap.swiotlb;
  const series = summary?.bounces;
  const names = new Map(snap.buffers.map((b) => [b.id, b.name] as const));
  const resolved = resolveSelection(snap, selection);
  const selRuns = new Set<number>();
  if (occ && resolved.buffer) occ.runs.forEach((r, i) => r.map && r.map.bufId === resolved.buffer!.id && selRuns.add(i));
  // A slot picked here (or opened from a link) marks its run even when it holds no named buffer.
  if (occ && selection.slot !== undefined && (occ.owner[selection.slot] ?? -1) >= 0) selRuns.add(occ.owner[selection.slot]!);
  const here = series ? bouncedAt(series, frame.step) : { toDevice: 0, toCpu: 0 };
  const cellW = Math.max(2, Math.min(6, Math.floor((width - LABEL_W - 8) / IO_TLB_SEGSIZE)));

  return (
    <div className="mv" ref={box} data-testid="swiotlb-view" data-step={frame.step}>
      {!sw ? (
        <p className="mv-empty">
          This machine has no swiotlb pool: a mapping a device cannot reach fails instead of bouncing. Add <code>swiotlb=4M</code> to <code>machine(…)</code> to give it one.
        </p>
      ) : (
        <>
          <div className="mv-head">
            <span className="mv-facts" data-testid="swiotlb-facts">
              pool <b>{hexGrouped(sw.start)}</b>–{hexGrouped(sw.end)} ({sizeShort(sw.end - sw.start)}) · <b>{sw.nslabs}</b> slots of 2 KiB in {plural(Math.ceil(sw.nslabs / IO_TLB_SEGSIZE), 'segment')} · <b data-testid="swiotlb-used">{sw.used}</b> used · next-fit index <b>{sw.index}</b>
            </span>
          </div>
          <div className="legend">
            <Key cls="invalid">free slot</Key>
            <span className="key">
              {occ && occ.runs.length > 0 ? (
                occ.runs.slice(0, 6).map((r, i) => (
                  <span key={i} className="key" style={{ marginRight: 8 }}>
                    <span className="sw" style={{ background: runColor(r.color) }} aria-hidden="true" />
                    {r.map ? `${r.map.dev}: "${names.get(r.map.bufId) ?? `#${r.map.bufId}`}"` : r.held ? `coherent "${r.held}"` : hexGrouped(r.orig)} ({r.nslots} slot{r.nslots === 1 ? '' : 's'})
                  </span>
                ))
              ) : (
                <span>no slot in use</span>
              )}
              {occ && occ.runs.length > 6 && <span>… {occ.runs.length - 6} more</span>}
            </span>
            <span className="key">▼ next-fit index</span>
          </div>
          {occ && (
            <div className="sw-grid-box">
              <SlotGrid
                occ={occ}
                rows={rows}
                index={sw.index}
                start={sw.start}
                cellW={cellW}
                selRuns={selRuns}
                names={names}
                frameKey={`${frame.runId}:${frame.step}`}
                onSelect={(i, slot) => {
                  const r = occ.runs[i]!;
                  if (r.map) select({ buffer: names.get(r.map.bufId), slot });
                  else select({ addr: r.orig, slot });
                }}
              />
            </div>
          )}
        </>
      )}
      <div className="mv-head">
        <span className="mv-facts" data-testid="bounce-facts">
          Bytes bounced per step · whole run: <b>{sizeShort(series?.totalBytes ?? 0)}</b> in {series?.steps.length ?? 0} step{series?.steps.length === 1 ? '' : 's'} · this step:{' '}
          <b>{here.toDevice + here.toCpu > 0 ? `${sizeShort(here.toDevice)} into the slot, ${sizeShort(here.toCpu)} back` : 'none'}</b>
        </span>
      </div>
      <div className="legend">
        <Key cls="own-device">into the slot (map, sync for device)</Key>
        <Key cls="own-cpu-mapped">back to the buffer (unmap, sync for CPU)</Key>
      </div>
      {series && summary && series.steps.length === 0 ? (
        <p className="mv-empty" data-testid="bounce-plot-empty">
          Nothing bounced in this run: every mapping was reachable by its device (no swiotlb copy).
        </p>
      ) : series && summary ? (
        <BouncePlot
          series={series}
          stepCount={summary.stepCount}
          step={frame.step}
          width={width}
          onStep={(s) => {
            setPlaying(false);
            setStep(s);
          }}
        />
      ) : (
        <p className="mv-empty">No run yet.</p>
      )}
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default SwiotlbView;
