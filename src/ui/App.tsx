/**
 * The explorer's layout and its long-lived effects (worker sync, keyboard,
 * share links, theme, playback, saving the session).
 *
 *   header: name · library · Share · theme · help
 *   left:   the scenario editor (lazy CodeMirror)
 *   right:  step controls + scrubber / explanation | timeline / machine views
 */
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { handleKeydown } from './keys.ts';
import { startEngineSync } from './engine.ts';
import { applyShareHash, hasShareHash, initialLoad } from './share.ts';
import { saveTheme } from './store/persist.ts';
import { startAutosave } from './drafts/autosave.ts';
import { startDraftSync } from './drafts/draftStore.ts';
import { DraftToast, DraftsButton } from './drafts/DraftsUi.tsx';
import { useStore } from './store/store.ts';
import Header from './panels/Header.tsx';
import Controls from './panels/Controls.tsx';
import ExplanationPanel from './panels/ExplanationPanel.tsx';
import Timeline from './panels/Timeline.tsx';
import ViewsArea from './panels/ViewsArea.tsx';
import HelpOverlay from './panels/HelpOverlay.tsx';
import Notices from './panels/Notices.tsx';
import PanelBoundary from './panels/PanelBoundary.tsx';
import { useCompare } from './compare/compareStore.ts';
import ImportPanel from './import/ImportPanel.tsx';
import { useFileDrop } from './import/useFileDrop.ts';
import './import/import.css';
import LessonBar from './lesson/LessonBar.tsx';
import EditorTools from './editor/EditorTools.tsx';
import { startLessonSync } from './lesson/focus.ts';
import { startFollow } from './panels/follow.ts';
import Splitter from './panels/Splitter.tsx';

const Editor = lazy(() => import('./editor/Editor.tsx'));
// Compare mode (a second worker, two sides): loaded when first opened.
const ComparePanel = lazy(() => import('./compare/ComparePanel.tsx'));

function useNarrow(): boolean {
  const q = '(max-width: 760px)';
  const [narrow, setNarrow] = useState(() => matchMedia(q).matches);
  useEffect(() => {
    const m = matchMedia(q);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow;
}

function ParseStatus() {
  const errors = useStore((s) => s.errors);
  const hasRun = useStore((s) => s.summary !== null);
  if (errors.length === 0) return null;
  const e = errors[0]!;
  return (
    <span className="parse-error" data-testid="parse-error" role="status" title={errors.map((x) => `${x.line}:${x.col}: ${x.message}`).join('\n')}>
      <span className="mono">
        {e.line}:{e.col}: {e.message}
      </span>
      {errors.length > 1 && <span> (+{errors.length - 1} more)</span>}
      {hasRun && <span className="muted"> · last good run shown</span>}
    </span>
  );
}

/** Lines shown while the editor loads: enough to fill the pane, never the whole of a huge scenario. */
const FALLBACK_LINES = 200;

function EditorFallback() {
  const text = useStore((s) => s.text);
  const head = useMemo(() => {
    let end = 0;
    for (let i = 0; i < FALLBACK_LINES && end >= 0; i++) end = text.indexOf('\n', end + 1);
    return end < 0 ? text : `${text.slice(0, end)}\n…`;
  }, [text]);
  return (
    <pre className="editor-fallback mono" aria-busy="true">
      {head}
    </pre>
  );
}

function usePlayback(): void {
  const playing = useStore((s) => s.playing);
  const speed = useStore((s) => s.speed);
  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => {
      const s = useStore.getState();
      const n = s.summary?.stepCount ?? 0;
      if (s.step >= n) {
        s.setPlaying(false);
        return;
      }
      const next = s.step + 1;
      s.setStep(next);
      if (s.pauseAtFindings && s.summary?.steps.at(next - 1)?.finding) {
        s.setPlaying(false);
        s.setHint(`paused at step ${next}: a finding or an observation`);
      }
    }, 1000 / speed);
    return () => clearInterval(id);
  }, [playing, speed]);
}

/** A boundary that starts over at each step: it alone follows the step, so App does not re-render on every step. */
function StepBoundary({ name, children }: { name: string; children: ReactNode }) {
  const step = useStore((s) => s.step);
  const runId = useStore((s) => s.summary?.runId ?? 0);
  return (
    <PanelBoundary name={name} resetKey={`${runId}:${step}`}>
      {children}
    </PanelBoundary>
  );
}

export default function App() {
  const ready = useStore((s) => s.ready);
  const runId = useStore((s) => s.summary?.runId ?? 0);
  const theme = useStore((s) => s.theme);
  const narrow = useNarrow();
  const comparing = useCompare((s) => s.open);
  // The machine diagram needs more height than the other views: the views area grows while it is open.
  const tallViews = useStore((s) => s.activeView === 'diagram' || s.activeView === '');
  usePlayback();
  const dragging = useFileDrop();

  useEffect(() => {
    const stop = startEngineSync();
    const stopLesson = startLessonSync();
    const stopFollow = startFollow();
    void initialLoad();
    const onKey = (e: KeyboardEvent) => handleKeydown(e);
    const onHash = () => {
      if (hasShareHash()) void applyShareHash(location.hash);
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('hashchange', onHash);
    const stopAutosave = startAutosave();
    const stopDrafts = startDraftSync();
    return () => {
      stop();
      stopLesson();
      stopFollow();
      stopAutosave();
      stopDrafts();
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
    saveTheme(theme);
  }, [theme]);

  return (
    <div className="app">
      <Header />
      <Notices />
      <DraftToast />
      <ImportPanel />
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay">
          Drop a kernel trace, a dma-debug dump or a scenario
        </div>
      )}
      <main className={`workspace${comparing ? ' comparing' : ''}`}>
        <section className="pane editor-pane" aria-label="Scenario">
          {!narrow && <Splitter axis="x" cssVar="--editor-w" min={300} label="Resize the scenario editor" />}
          <div className="pane-head">
            <h2>Scenario</h2>
            {narrow && <span className="muted small">read-only on small screens</span>}
            <ParseStatus />
            <EditorTools readOnly={narrow} />
            <DraftsButton />
          </div>
          <PanelBoundary name="lesson">
            <LessonBar />
          </PanelBoundary>
          <div className="editor-box">
            {ready ? (
              <PanelBoundary name="editor">
                <Suspense fallback={<EditorFallback />}>
                  <Editor readOnly={narrow} />
                </Suspense>
              </PanelBoundary>
            ) : (
              <EditorFallback />
            )}
          </div>
        </section>
        <section className={`pane run-pane${comparing ? ' comparing' : tallViews ? ' views-tall' : ''}`} aria-label="Run">
          <Controls />
          {comparing ? (
            <PanelBoundary name="compare" resetKey={runId}>
              <Suspense fallback={<p className="muted cmp-empty">Loading compare mode…</p>}>
                <ComparePanel />
              </Suspense>
            </PanelBoundary>
          ) : (
            <>
              <div className="run-grid">
                <StepBoundary name="explanation">
                  <ExplanationPanel />
                </StepBoundary>
                <PanelBoundary name="timeline" resetKey={runId}>
                  <Timeline />
                </PanelBoundary>
              </div>
              <StepBoundary name="machine views">
                <ViewsArea />
              </StepBoundary>
            </>
          )}
        </section>
      </main>
      <HelpOverlay />
    </div>
  );
}
