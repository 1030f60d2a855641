/**
 * The tabbed area where machine views plug in (registry.ts, views.ts).
 *
 * It shows what this step changed: each tab carries a badge for its change
 * ("bounced", "3 lines", "IOTLB"), the open view has a one-line caption
 * saying what to notice in it, and "follow" opens the view the step changed
 * most (follow.ts). Tabs that do not fit go into a "More" menu; the area can
 * fill the window (Esc leaves) and be resized against the panels above it.
 */
import { Suspense, memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { listViews, type ViewDef, type ViewProps } from './registry.ts';
import type { LoadSummary } from '../../worker/api.ts';
import './views.ts';
import { useStore } from '../store/store.ts';
import PredictGate from '../lesson/PredictGate.tsx';
import { stepChanges, type ViewChange } from './stepChanges.ts';
import { following, useFollow } from './follow.ts';
import { usePredictionPending } from '../lesson/teaching.ts';
import Splitter from './Splitter.tsx';
import Glossed from '../glossary/Glossed.tsx';
import './ViewsArea.css';
import { IconCollapse, IconExpand } from './icons.tsx';

/** Width kept for the "More" button. */
const RESERVED = 90;

/**
 * The tabs that stay in the strip when not all fit in `width`: the open view
 * first, then the views this step changed (most telling first), then the rest
 * in order; shown in their usual order.
 */
function keptTabs(views: ViewDef[], widths: Map<string, number>, width: number, activeId: string, changes: Record<string, ViewChange | undefined>): Set<string> {
  const rank = [...views].sort((a, b) => {
    const pa = a.id === activeId ? 1e9 : (changes[a.id]?.weight ?? 0);
    const pb = b.id === activeId ? 1e9 : (changes[b.id]?.weight ?? 0);
    return pb - pa;
  });
  const kept = new Set<string>();
  let used = 0;
  for (const v of rank) {
    used += (widths.get(v.id) ?? 80) + 2;
    if (used > width && kept.size > 0) break;
    kept.add(v.id);
  }
  return kept;
}

function Tab({ v, active, change, onPick }: { v: ViewDef; active: boolean; change: ViewChange | undefined; onPick: () => void }) {
  return (
    <button
      type="button"
      role="tab"
      id={`tab-${v.id}`}
      aria-selected={active}
      aria-controls={`view-${v.id}`}
      className={active ? 'tab active' : 'tab'}
      onClick={onPick}
      data-changed={change ? 'true' : undefined}
    >
      {v.title}
      {change && (
        <span className={`tab-badge${change.bad ? ' bad' : ''}`} data-testid={`tab-badge-${v.id}`} title={change.caption}>
          {change.badge}
        </span>
      )}
    </button>
  );
}

function MoreMenu({ views, changes, pick }: { views: ViewDef[]; changes: Record<string, ViewChange | undefined>; pick: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const changed = views.filter((v) => changes[v.id]).length;
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!(e.target as HTMLElement).closest('.tabs-more')) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="tabs-more">
      <button type="button" className="tab" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="tabs-more">
        More ▾{changed > 0 && <span className="tab-badge">{changed}</span>}
      </button>
      {open && (
        <div className="tabs-menu" role="menu">
          {views.map((v) => (
            <button
              key={v.id}
              type="button"
              role="menuitem"
              data-tab={v.id}
              onClick={() => {
                setOpen(false);
                pick(v.id);
              }}
            >
              {v.title}
              {changes[v.id] && <span className={`tab-badge${changes[v.id]!.bad ? ' bad' : ''}`}>{changes[v.id]!.badge}</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The views a run shows, by id (kept for the last summary: the store's selector runs at every change of the store). */
let idsFor: { summary: LoadSummary | null; ids: string } | null = null;
function viewIds(summary: LoadSummary | null): string {
  if (idsFor?.summary === summary) return idsFor.ids;
  const ids = listViews(summary).map((v) => v.id).join(',');
  idsFor = { summary, ids };
  return ids;
}
const viewsOf = (ids: string): ViewDef[] => {
  const wanted = new Set(ids.split(','));
  return listViews().filter((v) => wanted.has(v.id));
};

/** The shown view: the one part of the area that reads the summary (a new one renders it, not the tabs). */
const ActiveView = memo(function ActiveView({ View, frame, step }: { View: ViewDef['component']; frame: ViewProps['frame']; step: number }) {
  const summary = useStore((s) => s.summary);
  return <View frame={frame} summary={summary} step={step} />;
});

export default function ViewsArea() {
  const activeId = useStore((s) => s.activeView);
  const setActiveView = useStore((s) => s.setActiveView);
  const frame = useStore((s) => s.frame);
  // The tabs' list as a string: a loading run's provisional summaries render the strip again only when the list changed.
  const ids = useStore((s) => viewIds(s.summary));
  const views = useMemo(() => viewsOf(ids), [ids]);
  const step = useStore((s) => s.step);
  const inLesson = useStore((s) => !!s.summary?.teaching?.lesson);
  const choice = useFollow((s) => s.choice);
  const setFollow = useFollow((s) => s.set);
  const follow = following(inLesson, choice);
  const [full, setFull] = useState(false);
  const pending = usePredictionPending(frame);
  // The badges wait for a prediction, as the views do.
  const changes = useMemo(() => (pending || !frame?.json ? {} : stepChanges(frame.json.events, frame.json.observationRules)), [frame, pending]);

  // Overflow: every tab is measured off screen, what fits stays, the rest goes in "More". Widths come from
  // ResizeObservers (after layout, before paint), never read after a render: a step changes the badges, and
  // reading a width then forced a layout of the whole page on every step. Only a width that changed renders again.
  const strip = useRef<HTMLDivElement>(null); // the tab list: it takes what the follow toggle and full-screen button leave
  const measure = useRef<HTMLDivElement>(null);
  const [room, setRoom] = useState<{ width: number; widths: Map<string, number> }>({ width: Infinity, widths: new Map() });
  const roomRef = useRef(room);
  roomRef.current = room;
  useLayoutEffect(() => {
    const s = strip.current;
    const m = measure.current;
    if (!s || !m) return;
    const remeasure = () => {
      const widths = new Map([...m.children].map((c) => [(c as HTMLElement).dataset.id!, (c as HTMLElement).offsetWidth]));
      const width = s.clientWidth;
      const same = (r: typeof room) => r.width === width && r.widths.size === widths.size && [...widths].every(([k, w]) => r.widths.get(k) === w);
      // Nothing to render when no width changed: a flushSync would still run any render React had waiting, here,
      // between this frame's layout and its paint, and lay the page out again for it.
      if (same(roomRef.current)) return;
      // Rendered at once (still before this frame paints), so the strip never shows a stale overflow.
      flushSync(() => setRoom((r) => (same(r) ? r : { width, widths })));
    };
    const ro = new ResizeObserver(remeasure);
    ro.observe(s);
    for (const c of m.children) ro.observe(c);
    return () => ro.disconnect();
  }, [ids, full]);

  useEffect(() => {
    if (!full) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setFull(false);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [full]);

  const active = views.find((v) => v.id === activeId) ?? views.find((v) => v.id === 'diagram') ?? views[0];
  if (!active) return null;
  const View = active.component;
  const total = views.reduce((a, v) => a + (room.widths.get(v.id) ?? 0) + 2, 0);
  const kept = total <= room.width - 4 ? null : keptTabs(views, room.widths, room.width - RESERVED, active.id, changes);
  const shown = kept ? views.filter((v) => kept.has(v.id)) : views;
  const hidden = kept ? views.filter((v) => !kept.has(v.id)) : [];
  const change = changes[active.id];
  const caption = !frame?.json
    ? active.id === 'diagram'
      ? null
      : 'Step 0: the machine as built. Step forward to see what each call changes here.'
    : pending
      ? null
      : change
        ? change.caption
        : active.id === 'diagram' || active.id === 'json'
          ? null
          : 'Nothing here changed at this step.';
  return (
    <section className={`panel views${full ? ' views-full' : ''}`} aria-label="Machine views" data-testid="views">
      <Splitter axis="y" cssVar="--views-h" min={140} label="Resize the machine views" />
      <div className="tabs-row">
        <div className="tabs" role="tablist" ref={strip}>
          {shown.map((v) => (
            <Tab key={v.id} v={v} active={v.id === active.id} change={changes[v.id]} onPick={() => setActiveView(v.id)} />
          ))}
          {hidden.length > 0 && <MoreMenu views={hidden} changes={changes} pick={setActiveView} />}
        </div>
        <label className="follow" title="Open the view this step changed most at every step (narration in a lesson still picks its own)">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="follow-toggle" /> follow
        </label>
        <button
          type="button"
          className="full-btn"
          onClick={() => setFull(!full)}
          aria-pressed={full}
          data-testid="views-fullscreen"
          title={full ? 'Back to the layout (Esc)' : 'Fill the window with this view'}
          aria-label={full ? 'Leave full screen' : 'Full screen'}
        >
          {full ? <IconCollapse /> : <IconExpand />}
        </button>
        {/* Every tab, off screen, to measure what fits. */}
        <div className="tabs tabs-measure" ref={measure} aria-hidden="true">
          {views.map((v) => (
            <span key={v.id} className="tab" data-id={v.id}>
              {v.title}
              {changes[v.id] && <span className="tab-badge">{changes[v.id]!.badge}</span>}
            </span>
          ))}
        </div>
      </div>
      {caption && (
        <p className={`view-caption${change?.bad ? ' bad' : ''}`} data-testid="view-caption">
          <Glossed text={caption} />
        </p>
      )}
      <div className="view-body" role="tabpanel" id={`view-${active.id}`} aria-labelledby={`tab-${active.id}`} data-view={active.id}>
        <Suspense fallback={<p className="muted view-loading">Loading view…</p>}>
          <PredictGate>
            <ActiveView View={View} frame={frame} step={step} />
          </PredictGate>
        </Suspense>
      </div>
    </section>
  );
}
