/**
 * The machine diagram view: CPU and data cache, the memory bus, RAM (live
 * buffers, the swiotlb pool with its bounce slots, the CMA area, an address
 * bar with the devices' DMA limits), system IOMMUs and devices; the current
 * step's data movement as numbered arrows, each with a caption in words.
 *
 * Layout is pure (src/ui/viz/diagram-layout.ts, the step's arrows in
 * diagram.ts); this file only draws it as SVG.
 * Colours come from the theme's CSS variables; arrows animate (a short
 * draw-in, then a slow flow) unless the user prefers reduced motion.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ViewDef, ViewProps } from '../registry.ts';
import { buildDiagram, pathOf } from '../../viz/diagram.ts';
import { BADGE_R, type DArrow, type DBox, type DiagramModel } from '../../viz/diagram-layout.ts';
import './MachineDiagram.css';
import Glossed from '../../glossary/Glossed.tsx';

/** Cuts text to what fits in `w` units at about `cw` units per character. */
function fit(text: string, w: number, cw = 6.3): string {
  const max = Math.max(2, Math.floor(w / cw));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const ARROW_TONES = ['dma', 'bounce', 'wb', 'fill', 'cpu', 'snoop', 'stale', 'fault'] as const;

function tone(a: DArrow): (typeof ARROW_TONES)[number] {
  if (a.stale) return 'stale';
  switch (a.kind) {
    case 'dma-read':
    case 'dma-write':
    case 'migrate':
      return 'dma';
    case 'bounce':
      return 'bounce';
    case 'writeback':
      return 'wb';
    case 'fill':
      return 'fill';
    case 'snoop':
      return 'snoop';
    case 'blocked':
      return 'fault';
    default:
      return 'cpu';
  }
}

/**
 * The smallest font, in viewBox units, that renders at 11 px at the SVG's scale
 * (pixels per unit): every text of the diagram is at least this big.
 */
export const MIN_PX = 11;

/** Scale of the drawn SVG: rendered pixels per viewBox unit, as "meet" fits it in its box (kept by a ResizeObserver). */
function useScale(width: number, height: number): [React.RefObject<SVGSVGElement | null>, number] {
  const ref = useRef<SVGSVGElement>(null);
  const [k, setK] = useState(1);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) setK(Math.min(r.width / width, r.height / height));
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, [width, height]);
  return [ref, k];
}

function Box({ b, min }: { b: DBox; min: number }) {
  const small = b.kind === 'chip' || b.kind === 'slot' || b.kind === 'mmu';
  const titleSize = Math.max(min, small ? 11 : b.kind === 'general' || b.kind === 'pool' || b.kind === 'cma' ? 11 : 13.5);
  const subSize = Math.max(min, small ? 9.5 : 10.5);
  const cls = `dg-box dg-${b.kind}${b.tone ? ` dg-tone-${b.tone}` : ''}${b.active ? ' dg-active' : ''}`;
  if (b.kind === 'bus') {
    return (
      <g className={cls}>
        <title>{b.tip}</title>
        <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={3} />
        <text className="dg-bus-label" x={b.x + b.w - 4} y={b.y + b.h + 11} textAnchor="end" style={{ fontSize: Math.max(min, 10) }}>
          {b.title}
        </text>
      </g>
    );
  }
  const pad = small ? 5 : 8;
  const region = b.kind === 'ram' || b.kind === 'general' || b.kind === 'pool' || b.kind === 'cma';
  const titleY = region ? 12 : small ? Math.max(13, titleSize) : 16;
  const lineY = (i: number) => (small ? titleY + (i + 1) * (subSize + 1) : 30 + i * Math.max(13, subSize + 1));
  const lineCw = subSize * 0.56;
  return (
    <g className={cls} data-box={b.id}>
      <title>{b.tip}</title>
      <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={small ? 3 : 5} />
      {b.tone === 'stale' && <rect className="dg-hatch" x={b.x} y={b.y} width={b.w} height={b.h} rx={3} />}
      {b.kind === 'mmu' ? (
        <text className="dg-sub" x={b.x + b.w / 2} y={b.y + b.h - 4} textAnchor="middle" style={{ fontSize: subSize }}>
          {fit(b.title, b.w - 6, subSize * 0.56)}
        </text>
      ) : (
        <>
          <text className="dg-title" x={b.x + pad} y={b.y + titleY} style={{ fontSize: titleSize }}>
            {fit(b.title, b.w - pad * 2 - (b.active ? 14 : 0), titleSize * 0.6)}
          </text>
          {b.lines.map((l, i) => (
            <text key={i} className="dg-sub" x={b.x + pad} y={b.y + lineY(i)} style={{ fontSize: subSize }}>
              {fit(l, b.w - pad * 2, lineCw)}
            </text>
          ))}
        </>
      )}
    </g>
  );
}

function Axis({ m, min }: { m: DiagramModel; min: number }) {
  const a = m.axis;
  return (
    <g className="dg-axis">
      <rect className="dg-axis-bar" x={a.x} y={a.y} width={a.w} height={5} />
      {a.spans.map((s, i) => (
        <rect key={i} className={`dg-span dg-span-${s.kind}`} x={s.x} y={a.y - (s.kind === 'buffer' ? 3 : 0)} width={s.w} height={s.kind === 'buffer' ? 11 : 5}>
          <title>{s.title}</title>
        </rect>
      ))}
      {a.ticks.map((t, i) => {
        const last = i === a.ticks.length - 1;
        const first = i === 0;
        return (
          <g key={i} className={t.strong ? 'dg-tick strong' : 'dg-tick'}>
            <line x1={t.x} x2={t.x} y1={a.y - 5} y2={a.y + 9} />
            <text x={t.x + (first ? 0 : last ? 0 : 3)} y={a.y + 19} textAnchor={last ? 'end' : 'start'} style={{ fontSize: Math.max(min, 9.5) }}>
              {t.label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

const LEGEND: Array<[(typeof ARROW_TONES)[number], string]> = [
  ['dma', 'device DMA'],
  ['bounce', 'CPU copy'],
  ['wb', 'write-back'],
  ['fill', 'cache fill'],
  ['snoop', 'snoop'],
  ['stale', 'stale data'],
];

/** Key to the arrow colours, in the empty space between the CPU and the devices. */
function Legend({ min }: { min: number }) {
  const fs = Math.max(min, 9.5);
  return (
    <g className="dg-legend" aria-hidden="true" transform="translate(200 12)">
      {LEGEND.map(([t, label], i) => (
        <g key={t} className={`dg-a-${t}`} transform={`translate(${(i % 2) * (fs * 9.2)} ${Math.floor(i / 2) * (fs + 4)})`}>
          <line x1={0} x2={16} y1={-3} y2={-3} className={t === 'snoop' || t === 'stale' ? 'dg-key-line dashed' : 'dg-key-line'} />
          <text x={20} y={0} style={{ fontSize: fs }}>
            {label}
          </text>
        </g>
      ))}
    </g>
  );
}

/** A numbered badge (arrows and marks): its radius grows with the smallest font, so the number stays legible. */
function Badge({ n, min }: { n: number; min: number }) {
  const fs = Math.max(min, 10);
  return (
    <>
      <circle r={Math.max(BADGE_R, fs * 0.78)} />
      <text y={fs * 0.36} textAnchor="middle" style={{ fontSize: fs }}>
        {n}
      </text>
    </>
  );
}

/** This step's arrow: thick, numbered, and labelled with what moves ("memcpy", "DMA read", "write blocked"). */
function Arrow({ a, ids, min, width }: { a: DArrow; ids: string; min: number; width: number }) {
  const t = tone(a);
  const d = pathOf(a.points);
  const fs = Math.max(min, 10.5);
  const r = Math.max(BADGE_R, Math.max(min, 10) * 0.78);
  return (
    <g className={`dg-arrow dg-a-${t}`} data-arrow={a.kind} data-stale={a.stale || undefined}>
      <title>{`${a.n}. ${a.caption}`}</title>
      <path className="dg-arrow-halo" d={d} />
      <path className="dg-arrow-line" d={d} markerEnd={`url(#${ids}-head-${t})`} pathLength={100} />
      <g className="dg-badge" transform={`translate(${a.at[0]} ${a.at[1]})`}>
        <Badge n={a.n} min={min} />
        {/* near the right edge the label goes left of its number, so it stays inside the drawing */}
        <text className="dg-arrow-label" x={a.at[0] > width - 130 ? -r - 3 : r + 3} textAnchor={a.at[0] > width - 130 ? 'end' : 'start'} y={fs * 0.36} style={{ fontSize: fs }}>
          {a.label}
        </text>
      </g>
    </g>
  );
}

function Diagram({ m, step }: { m: DiagramModel; step: number }) {
  const ids = useId().replace(/[^A-Za-z0-9_-]/g, '');
  const [ref, k] = useScale(m.width, m.height);
  const min = MIN_PX / k;
  return (
    <svg
      ref={ref}
      data-scale={k.toFixed(3)}
      className="dg-svg"
      viewBox={`0 0 ${m.width} ${m.height}`}
      preserveAspectRatio="xMidYMin meet"
      role="img"
      aria-label="Machine diagram: CPU and cache, memory bus, RAM, IOMMUs and devices, with this step's data movement"
    >
      <defs>
        {ARROW_TONES.map((t) => (
          <marker key={t} id={`${ids}-head-${t}`} className={`dg-head dg-a-${t}`} viewBox="0 0 10 10" refX={8} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" />
          </marker>
        ))}
        <pattern id={`${ids}-hatch`} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <line x1={0} y1={0} x2={0} y2={6} className="dg-hatch-line" />
        </pattern>
      </defs>
      <g style={{ ['--dg-hatch' as string]: `url(#${ids}-hatch)` }}>
        {m.wires.map((w) => (
          <path key={w.id} className="dg-wire" d={pathOf(w.points)} />
        ))}
        {m.boxes.map((b) => (
          <Box key={b.id} b={b} min={min} />
        ))}
        <Axis m={m} min={min} />
        <Legend min={min} />
        {/* keyed by step: a new step's arrows mount fresh and animate in */}
        <g key={step} className="dg-flow">
          {m.arrows.map((a) => (
            <Arrow key={a.id} a={a} ids={ids} min={min} width={m.width} />
          ))}
          {m.marks.map((k) => (
            <g key={k.id} className={`dg-mark dg-mark-${k.kind}${k.bad ? ' bad' : ''}`} transform={`translate(${k.x} ${k.y})`} data-mark={k.kind}>
              <title>{`${k.n}. ${k.caption}`}</title>
              <Badge n={k.n} min={min} />
            </g>
          ))}
        </g>
      </g>
    </svg>
  );
}

export function MachineDiagram({ frame, summary, step }: ViewProps) {
  const cfg = frame?.config ?? summary?.config ?? null;
  const json = frame?.json ?? null;
  const snapshot = frame?.snapshot ?? null;
  const model = useMemo(
    () => (cfg ? buildDiagram({ config: cfg, snapshot, events: json?.events ?? [], observationRules: json?.observationRules ?? [] }) : null),
    [cfg, snapshot, json],
  );
  if (!cfg || !model) return <p className="muted">No machine yet: the scenario has not run.</p>;
  const shown = frame?.step ?? step;
  const stale = model.captions.some((c) => c.tone === 'stale');
  return (
    <div className="diagram" data-testid="machine-diagram" data-step={shown} data-source={model.source}>
      <div className="dg-canvas">
        <Diagram m={model} step={shown} />
      </div>
      <div className="dg-foot">
        <ol className="dg-captions" aria-label="What moved in this step" data-testid="diagram-captions">
          {shown === 0 ? (
            <li className="muted dg-none">Step 0: the machine is built. Step forward to see data move.</li>
          ) : model.captions.length === 0 ? (
            <li className="muted dg-none">No data moved in this step.</li>
          ) : (
            model.captions.map((c) => (
              <li key={`${shown}:${c.n}`} className={`dg-cap dg-cap-${c.tone}`} title={c.why}>
                <span className="dg-cap-n" aria-hidden="true">
                  {c.n}
                </span>
                <span className="dg-cap-text">
                  <Glossed text={c.text} />
                </span>
              </li>
            ))
          )}
          {model.more > 0 && <li className="muted dg-none">…and {model.more} more events (see the explanation).</li>}
        </ol>
        {stale && <span className="sr-only">This step moves stale data.</span>}
      </div>
    </div>
  );
}

export const machineDiagramView: ViewDef = { id: 'diagram', title: 'Diagram', order: 1, component: MachineDiagram };
