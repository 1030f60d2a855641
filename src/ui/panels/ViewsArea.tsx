/**
 * The tabbed area where machine views plug in (registry.ts, views.ts).
 */
import { Suspense } from 'react';
import { listViews } from './registry.ts';
import './views.ts';
import { useStore } from '../store/store.ts';
import PredictGate from '../lesson/PredictGate.tsx';

export default function ViewsArea() {
  const activeId = useStore((s) => s.activeView);
  const setActiveView = useStore((s) => s.setActiveView);
  const frame = useStore((s) => s.frame);
  const summary = useStore((s) => s.summary);
  const views = listViews(summary);
  const step = useStore((s) => s.step);
  const active = views.find((v) => v.id === activeId) ?? views[0];
  if (!active) return null;
  const View = active.component;
  return (
    <section className="panel views" aria-label="Machine views">
      <div className="tabs" role="tablist">
        {views.map((v) => (
          <button
            key={v.id}
            type="button"
            role="tab"
            id={`tab-${v.id}`}
            aria-selected={v.id === active.id}
            aria-controls={`view-${v.id}`}
            className={v.id === active.id ? 'tab active' : 'tab'}
            onClick={() => setActiveView(v.id)}
          >
            {v.title}
          </button>
        ))}
      </div>
      <div className="view-body" role="tabpanel" id={`view-${active.id}`} aria-labelledby={`tab-${active.id}`} data-view={active.id}>
        <Suspense fallback={<p className="muted">Loading view…</p>}>
          <PredictGate>
            <View frame={frame} summary={summary} step={step} />
          </PredictGate>
        </Suspense>
      </div>
    </section>
  );
}
