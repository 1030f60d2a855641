/**
 * Small pieces the machine views share: the element-width hook, a HiDPI
 * canvas that redraws when its inputs change, theme colours read from CSS
 * variables (so canvases follow light/dark), the hover tooltip, and the
 * selection hook.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useStore } from '../../store/store.ts';
import type { Selection } from '../../store/store.ts';
import './views.css';

/** The width of an element (a callback ref, so it follows the element when it mounts late). */
export function useWidth(fallback = 600): [(el: HTMLElement | null) => void, number] {
  const [w, setW] = useState(fallback);
  const ro = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: HTMLElement | null) => {
    ro.current?.disconnect();
    ro.current = null;
    if (!el) return;
    const measure = () => {
      const v = Math.floor(el.clientWidth);
      if (v > 0) setW(v);
    };
    ro.current = new ResizeObserver(measure);
    ro.current.observe(el);
    measure();
  }, []);
  useEffect(() => () => ro.current?.disconnect(), []);
  return [ref, w];
}

/** Reads theme colours from CSS variables on <html> (call inside draw: the theme may have changed). */
export function themeColors<K extends string>(names: readonly K[]): Record<K, string> {
  const cs = getComputedStyle(document.documentElement);
  const out = {} as Record<K, string>;
  for (const n of names) out[n] = cs.getPropertyValue(`--${n}`).trim() || '#888';
  return out;
}

/** A canvas sized in CSS pixels, drawn at device resolution. `draw` runs after every render whose deps change. */
/** The size (px) in a canvas font string such as "600 11px ui-monospace". */
function fontPx(font: string): number {
  const m = /(\d+(?:\.\d+)?)px/.exec(font);
  return m ? Number(m[1]) : NaN;
}

/**
 * Runs `draw` and answers the smallest font size (CSS px: the context is
 * scaled by the device pixel ratio only) it wrote text at, '' when it wrote
 * none. Canvas text is not in the DOM: the canvas carries this as
 * data-text-px, so the legibility check holds canvas views to 11 px too.
 */
function drawMeasuringText(ctx: CanvasRenderingContext2D, draw: (ctx: CanvasRenderingContext2D) => void): string {
  let min = Infinity;
  const fill = ctx.fillText;
  ctx.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
    if (text.trim() !== '') min = Math.min(min, fontPx(ctx.font));
    if (maxWidth === undefined) fill.call(ctx, text, x, y);
    else fill.call(ctx, text, x, y, maxWidth);
  };
  try {
    draw(ctx);
  } finally {
    // Back to the prototype's method.
    delete (ctx as { fillText?: unknown }).fillText;
  }
  return min === Infinity ? '' : String(min);
}

export function Canvas({
  width,
  height,
  draw,
  deps,
  onMove,
  onLeave,
  onClick,
  onWheel,
  onDown,
  label,
  testId,
  cursor,
}: {
  width: number;
  height: number;
  draw: (ctx: CanvasRenderingContext2D) => void;
  deps: unknown[];
  onMove?: (x: number, y: number, e: React.MouseEvent) => void;
  onLeave?: () => void;
  onClick?: (x: number, y: number, e: React.MouseEvent) => void;
  onWheel?: (x: number, y: number, e: WheelEvent) => void;
  onDown?: (x: number, y: number, e: React.MouseEvent) => void;
  label: string;
  testId?: string;
  cursor?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useStore((s) => s.theme);
  useLayoutEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, Math.round(width * dpr));
    const H = Math.max(1, Math.round(height * dpr));
    if (c.width !== W) c.width = W;
    if (c.height !== H) c.height = H;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    c.dataset.textPx = drawMeasuringText(ctx, draw);
  }, [width, height, theme, ...deps]);
  // Wheel must be non-passive to stop the page scrolling while zooming.
  const wheel = useRef(onWheel);
  wheel.current = onWheel;
  useEffect(() => {
    const c = ref.current;
    if (!c || !onWheel) return;
    const h = (e: WheelEvent) => {
      const r = c.getBoundingClientRect();
      wheel.current?.(e.clientX - r.left, e.clientY - r.top, e);
    };
    c.addEventListener('wheel', h, { passive: false });
    return () => c.removeEventListener('wheel', h);
  }, [onWheel !== undefined]);
  const at = (e: React.MouseEvent): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={label}
      data-testid={testId}
      style={{ width, height, cursor }}
      onMouseMove={onMove ? (e) => onMove(...at(e), e) : undefined}
      onMouseLeave={onLeave}
      onClick={onClick ? (e) => onClick(...at(e), e) : undefined}
      onMouseDown={onDown ? (e) => onDown(...at(e), e) : undefined}
    />
  );
}

export interface TipState {
  x: number;
  y: number;
  lines: string[];
}

/** The hover tooltip, kept inside its box. */
export function Tip({ tip, boxWidth }: { tip: TipState | null; boxWidth: number }) {
  if (!tip || tip.lines.length === 0) return null;
  const left = Math.max(0, Math.min(tip.x + 14, boxWidth - 300));
  return (
    <div className="tip" style={{ left, top: tip.y + 16 }} role="tooltip" data-testid="view-tip">
      {tip.lines.map((l, i) => (
        <div key={i}>{l}</div>
      ))}
    </div>
  );
}

/** Toggle-select helper: picking the selected thing again clears the selection. */
export function useSelect(): (s: Selection) => void {
  const set = useStore((s) => s.setSelection);
  return useCallback(
    (next: Selection) => {
      const cur = useStore.getState().selection;
      const same = cur.buffer === next.buffer && cur.addr === next.addr && cur.line === next.line && cur.slot === next.slot && cur.iova === next.iova;
      set(same ? {} : next);
    },
    [set],
  );
}

export function Key({ cls, children, title, mark }: { cls: string; children: ReactNode; title?: string; mark?: string }) {
  return (
    <span className="key" title={title}>
      <span className={`sw ${cls}`} aria-hidden="true">
        {mark ?? ''}
      </span>
      {children}
    </span>
  );
}

/** What the frame lacks when a view has nothing to draw yet. */
export function NoSnapshot({ what }: { what: string }) {
  return <p className="mv-empty">No machine state yet: {what} appears once the scenario runs.</p>;
}
