/**
 * A drag handle that resizes a pane: the editor's width (axis x) or the
 * machine views' height (axis y). The size is a CSS variable on <html>, kept
 * in localStorage; a double click (or Enter) goes back to the default layout.
 * Arrow keys move it by 24 px.
 */
import { useEffect } from 'react';

const PREFIX = 'dma-explorer:pane';

function apply(cssVar: string, px: number | null): void {
  const root = document.documentElement;
  const flag = `pane${cssVar.replace(/[^a-z]/gi, '')}`;
  if (px === null) {
    root.style.removeProperty(cssVar);
    delete root.dataset[flag];
  } else {
    root.style.setProperty(cssVar, `${Math.round(px)}px`);
    root.dataset[flag] = '1';
  }
}

function save(cssVar: string, px: number | null): void {
  try {
    if (px === null) localStorage.removeItem(`${PREFIX}${cssVar}`);
    else localStorage.setItem(`${PREFIX}${cssVar}`, String(Math.round(px)));
  } catch {
    /* private mode: the size lasts this page */
  }
}

/** Restores a saved size (once, when the handle first mounts). */
function restore(cssVar: string): void {
  try {
    const v = Number(localStorage.getItem(`${PREFIX}${cssVar}`));
    if (v > 0) apply(cssVar, v);
  } catch {
    /* nothing saved */
  }
}

export default function Splitter({ axis, cssVar, min, label }: { axis: 'x' | 'y'; cssVar: string; min: number; label: string }) {
  useEffect(() => restore(cssVar), [cssVar]);

  /** The size for a pointer at (x, y): the editor's width from its left edge, the views' height from their bottom. */
  function sizeAt(el: HTMLElement, x: number, y: number): number {
    const pane = el.parentElement!;
    const r = pane.getBoundingClientRect();
    const max = axis === 'x' ? window.innerWidth - 420 : window.innerHeight - 220;
    const v = axis === 'x' ? x - r.left : r.bottom - y;
    return Math.max(min, Math.min(max, v));
  }

  function onDown(e: React.PointerEvent<HTMLDivElement>) {
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    e.preventDefault();
    let last: number | null = null;
    const move = (m: PointerEvent) => {
      last = sizeAt(el, m.clientX, m.clientY);
      apply(cssVar, last);
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      if (last !== null) save(cssVar, last);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  }

  function onKey(e: React.KeyboardEvent<HTMLDivElement>) {
    const pane = e.currentTarget.parentElement!.getBoundingClientRect();
    const cur = axis === 'x' ? pane.width : pane.height;
    const grow: Record<string, number> = axis === 'x' ? { ArrowRight: 24, ArrowLeft: -24 } : { ArrowUp: 24, ArrowDown: -24 };
    const d = grow[e.key];
    if (e.key === 'Enter') {
      apply(cssVar, null);
      save(cssVar, null);
    } else if (d) {
      e.preventDefault();
      const v = Math.max(min, cur + d);
      apply(cssVar, v);
      save(cssVar, v);
    }
  }

  return (
    <div
      className={`splitter splitter-${axis}`}
      role="separator"
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-label={label}
      title={`${label} (drag; double-click for the default)`}
      tabIndex={0}
      data-testid={`splitter-${axis}`}
      onPointerDown={onDown}
      onKeyDown={onKey}
      onDoubleClick={() => {
        apply(cssVar, null);
        save(cssVar, null);
      }}
    />
  );
}
