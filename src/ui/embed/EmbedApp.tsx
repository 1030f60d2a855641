/**
 * The embedded player (`#s=…&embed=1`): for an <iframe> in documentation or
 * a blog. Read-only and compact: the scenario's title, the step controls,
 * the explanation, the one view the link names, and a link that opens the
 * same state in the full explorer. It saves nothing (the visitor's own
 * scenario in this browser is left alone) and listens only to the arrow
 * keys, Home, End and Space.
 */
import { Suspense, useEffect } from 'react';
import { startEngineSync } from '../engine.ts';
import { applyShareHash } from '../share.ts';
import { useStore } from '../store/store.ts';
import { first, last, stepBy, togglePlay } from '../actions.ts';
import Controls from '../panels/Controls.tsx';
import ExplanationPanel from '../panels/ExplanationPanel.tsx';
import PanelBoundary from '../panels/PanelBoundary.tsx';
import Notices from '../panels/Notices.tsx';
import { listViews } from '../panels/registry.ts';
import '../panels/views.ts';
import { fullUrl } from './embed-link.ts';
import './embed.css';

function titleOf(text: string): string {
  const m = /^\s*#(?!>)\s*(\S.*)$/m.exec(text);
  return m?.[1]?.trim() ?? 'A DMA scenario';
}

function OneView() {
  const activeId = useStore((s) => s.activeView);
  const frame = useStore((s) => s.frame);
  const summary = useStore((s) => s.summary);
  const step = useStore((s) => s.step);
  const views = listViews(summary);
  const view = views.find((v) => v.id === activeId) ?? views.find((v) => v.id === 'diagram') ?? views[0];
  if (!view) return null;
  const View = view.component;
  return (
    <section className="panel views embed-view" aria-label={`Machine view: ${view.title}`}>
      <div className="embed-view-title">{view.title}</div>
      <div className="view-body" data-view={view.id}>
        <Suspense fallback={<p className="muted view-loading">Loading view…</p>}>
          <View frame={frame} summary={summary} step={step} />
        </Suspense>
      </div>
    </section>
  );
}

function onKey(e: KeyboardEvent): void {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  const act: Record<string, () => void> = { ArrowLeft: () => stepBy(-1), ArrowRight: () => stepBy(1), Home: first, End: last, ' ': togglePlay };
  const f = act[e.key];
  if (f) {
    e.preventDefault();
    f();
  }
}

export default function EmbedApp() {
  const text = useStore((s) => s.text);
  const runId = useStore((s) => s.summary?.runId ?? 0);
  const step = useStore((s) => s.step);
  const theme = useStore((s) => s.theme);

  useEffect(() => {
    const stop = startEngineSync();
    void applyShareHash(location.hash).then(() => useStore.getState().setReady());
    window.addEventListener('keydown', onKey);
    return () => {
      stop();
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);

  // The full explorer at the step on screen (the link's own step moves with the player).
  const open = fullUrl(location.href).replace(/([#&])step=\d+/, `$1step=${step}`);
  return (
    <div className="embed" data-testid="embed">
      <header className="head-bar embed-head">
        <span className="embed-title" title={titleOf(text)}>
          {titleOf(text)}
        </span>
        <a className="embed-open" href={open} target="_blank" rel="noopener" data-testid="embed-open">
          Open in DMA Explorer ↗
        </a>
      </header>
      <Notices />
      <Controls />
      <div className="embed-body">
        <PanelBoundary name="explanation" resetKey={`${runId}:${step}`}>
          <ExplanationPanel />
        </PanelBoundary>
        <PanelBoundary name="machine view" resetKey={`${runId}:${step}`}>
          <OneView />
        </PanelBoundary>
      </div>
    </div>
  );
}
