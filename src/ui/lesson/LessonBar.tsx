/**
 * The lesson bar above the editor: which lesson this is, its compare presets
 * (a side-by-side run in one click), and for a bug hunt what to do, whether
 * it is solved, hints one at a time, the reference solution and a reset.
 */
import { useEffect, useState } from 'react';
import type { ComparePreset } from '../../scenario/teaching.ts';
import { applySolution } from '../../scenario/markup.ts';
import { TRACKS } from '../../scenario/lessons/tracks.ts';
import type { Catalog } from '../../scenario/lessons/catalog.ts';
import { useStore } from '../store/store.ts';
import { useCompare } from '../compare/compareStore.ts';
import { isArch, isIommuMode, kernelProblem } from '../compare/settings.ts';
import { entryForTitle, loadCatalog } from '../library/catalog.ts';
import { openEntry } from '../library/open.ts';
import { openText } from '../drafts/draftStore.ts';
import { useLesson } from './lessonStore.ts';
import { useHuntSolved, useTeaching } from './teaching.ts';
import Markup from './Markup.tsx';
import './lesson.css';

export function presetLabel(p: ComparePreset): string {
  const parts: string[] = [];
  if (p.arch) parts.push(p.arch);
  if (p.kernel) parts.push(`kernel ${p.kernel}`);
  if (p.iommu) parts.push(`${p.iommu} IOMMU`);
  return parts.join(', ');
}

function openPreset(p: ComparePreset): void {
  useCompare.getState().openCompare({
    arch: p.arch && isArch(p.arch) ? p.arch : null,
    kernel: p.kernel && kernelProblem(p.kernel, p.arch ?? undefined) === null ? p.kernel : null,
    iommu: p.iommu && isIommuMode(p.iommu) ? p.iommu : null,
  });
}

function useCatalog(): Catalog | null {
  const [cat, setCat] = useState<Catalog | null>(null);
  useEffect(() => {
    let live = true;
    loadCatalog().then((c) => live && setCat(c), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  return cat;
}

function HuntControls() {
  const teaching = useTeaching()!;
  const solved = useHuntSolved();
  const failed = useStore((s) => s.summary?.checks.failed ?? 0);
  const parseErrors = useStore((s) => s.errors.length);
  const hintsShown = useLesson((s) => s.hintsShown);
  const showHint = useLesson((s) => s.showHint);
  const opened = useLesson((s) => s.opened);
  const hints = teaching.hints;
  const status = parseErrors > 0 ? 'Does not parse yet' : solved ? 'Solved: every check passes' : `${failed} check${failed === 1 ? '' : 's'} failing`;
  return (
    <div className="hunt" data-testid="hunt">
      <p className="hunt-task">
        <b>Bug hunt.</b> Edit the highlighted lines (the rest is locked) until every check passes.
      </p>
      <div className="hunt-row">
        <span className={`hunt-status ${solved ? 'solved' : 'open'}`} data-testid="hunt-status" role="status" aria-live="polite">
          {solved ? '✓ ' : ''}
          {status}
        </span>
        {hints.length > 0 && (
          <button type="button" onClick={showHint} disabled={hintsShown >= hints.length} data-testid="hint-btn">
            {hintsShown >= hints.length ? 'No more hints' : `Hint ${hintsShown + 1} of ${hints.length}`}
          </button>
        )}
        <button
          type="button"
          data-testid="solution-btn"
          title="Replace the editable lines with the reference solution (your edits are kept as a draft)"
          onClick={() => {
            const st = useStore.getState();
            openText(applySolution(st.text), st.step, 'before showing the solution');
          }}
        >
          Show solution
        </button>
        {opened && (
          <button type="button" title="Back to the bug hunt as shipped (your edits are kept as a draft)" onClick={() => openText(opened.text, 0, 'before resetting the bug hunt')} data-testid="hunt-reset">
            Reset
          </button>
        )}
      </div>
      {hintsShown > 0 && (
        <ol className="hints" data-testid="hints">
          {hints.slice(0, hintsShown).map((h, i) => (
            <li key={i}>
              <Markup text={h} />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function NextLesson({ cat, id }: { cat: Catalog; id: string }) {
  const order = cat.tracks.flatMap((t) => t.lessons);
  const next = cat.lessons.find((e) => e.id === order[order.indexOf(id) + 1]);
  if (!next) return null;
  return (
    <button type="button" className="next-lesson" data-testid="next-lesson" onClick={() => void openEntry(next)}>
      Next: {next.title} →
    </button>
  );
}

export default function LessonBar() {
  const teaching = useTeaching();
  const done = useLesson((s) => s.done);
  const opened = useLesson((s) => s.opened);
  const cat = useCatalog();
  const lesson = teaching?.lesson;
  if (!teaching || !lesson) return null;
  const id = opened && opened.text.includes(lesson.title) ? opened.id : cat ? (entryForTitle(cat, lesson.title)?.id ?? null) : null;
  const finished = id !== null && done.has(id);
  const track = TRACKS.find((t) => t.id === lesson.track);
  return (
    <section className="lesson-bar" aria-label="Lesson" data-testid="lesson-bar">
      <div className="lesson-head">
        <span className="lesson-where muted">
          {track ? track.title : 'Lesson'} · level {lesson.level}
        </span>
        <h2 className="lesson-title" data-testid="lesson-title">
          {finished && (
            <span className="tick" title="Done" aria-label="done">
              ✓{' '}
            </span>
          )}
          {lesson.title}
        </h2>
        {finished && cat && id && <NextLesson cat={cat} id={id} />}
      </div>
      {teaching.compare.length > 0 && (
        <div className="presets">
          <span className="muted">Compare side by side:</span>
          {teaching.compare.map((p) => (
            <button key={p.line} type="button" className="preset" data-testid="compare-preset" onClick={() => openPreset(p)} title={`Run this lesson again as on ${presetLabel(p)}, next to this run`}>
              {presetLabel(p)}
            </button>
          ))}
        </div>
      )}
      {teaching.fixes.length > 0 && <HuntControls />}
    </section>
  );
}
