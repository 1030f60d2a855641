/**
 * The timeline: every step of the run, one row each (line number, ownership
 * lanes, source, badges for errors, kernel log lines, observations and
 * checks). Click a row to jump there. Rows are windowed (fixed height, only
 * the visible ones are in the DOM), so a 100,000-step run scrolls as well as
 * a 10-step one.
 *
 * Ownership lanes: a narrow column per buffer (the selected one, then those a
 * device ever mapped), coloured by who owns the buffer after that step: the
 * CPU, a device, the CPU again after a sync, or shared (coherent). Findings
 * are pinned on a strip beside the rows, at their place in the whole run.
 * While a long run loads, a bar shows how far the worker got.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { OwnershipLanes } from '../../worker/api.ts';
import { useStore } from '../store/store.ts';
import { engineClient } from '../engine.ts';
import type { EngineProgress } from '../../worker/client.ts';
import { OWN_WORDS, laneStateAt } from '../../worker/lanes.ts';
import { NO_ROWS } from '../../worker/rows.ts';
import { findingSteps, pickLanes } from '../viz/lanes.ts';
import { StepBadges, columnWidths, stepListStyle, useClientHeight } from './StepRows.tsx';
import './views/views.css';

const MAX_LANES = 6;

function Lanes({ lanes, show, step, selected }: { lanes: OwnershipLanes; show: number[]; step: number; selected: string | undefined }) {
  return (
    <span className="tl-lanes" aria-hidden="true">
      {show.map((i) => {
        const st = laneStateAt(lanes, i, step);
        return (
          <span
            key={i}
            className={`tl-lane s${st}${lanes.names[i] === selected ? ' sel' : ''}`}
            title={`${lanes.names[i]}: ${OWN_WORDS[st].title}`}
          />
        );
      })}
    </span>
  );
}

/** Load progress of long runs: shown once a load has taken PROGRESS_MS, then redrawn at most every PROGRESS_MS (short runs do not flicker; a long one does not render the timeline for each of its hundreds of progress messages). */
const PROGRESS_MS = 250;

function useProgress(): EngineProgress | null {
  const [p, setP] = useState<EngineProgress | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest: EngineProgress | null = null;
    const off = engineClient().onProgress((x) => {
      if (x.phase === 'done') {
        clearTimeout(timer);
        timer = undefined;
        setP(null);
        return;
      }
      latest = x;
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          setP(latest);
        }, PROGRESS_MS);
      }
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, []);
  return p;
}

const ROW = 24;
const OVERSCAN = 8;

export default function Timeline() {
  const summary = useStore((s) => s.summary);
  const step = useStore((s) => s.step);
  const setStep = useStore((s) => s.setStep);
  const setPlaying = useStore((s) => s.setPlaying);
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);

  const steps = summary?.steps ?? NO_ROWS;
  const total = steps.length + 1; // row 0: machine built
  const findingList = useMemo(() => (summary?.findings ? Array.from(summary.findings) : findingSteps(summary?.steps ?? NO_ROWS)), [summary]);
  const findings = findingList.length;
  // The header's words: steps where the kernel logged something (findings), steps where the explorer saw what it did not (observations).
  const told = useMemo(() => {
    let logged = 0;
    let seen = 0;
    const rows = summary?.steps ?? NO_ROWS;
    for (let i = 0; i < rows.length; i++) {
      if (rows.warnings(i) > 0) logged++;
      if (rows.observations(i) > 0) seen++;
    }
    return { logged, seen };
  }, [summary]);
  const selected = useStore((s) => s.selection.buffer);
  const setSelection = useStore((s) => s.setSelection);
  const lanes = summary?.lanes ?? null;
  const show = useMemo(() => (lanes ? pickLanes(lanes, selected, MAX_LANES) : []), [lanes, selected]);
  const progress = useProgress();
  const height = useClientHeight(box, 400);
  const lastLine = steps.length > 0 ? steps.line(steps.length - 1) : 0;
  const cols = columnWidths(total, lastLine);

  // Keep the current row in view. The scroll position and height come from state (kept by
  // onScroll and the ResizeObserver), not read from the element: reading them forces a
  // synchronous layout of the whole page on every step. A step out of view renders the rows
  // around it at once, and the scroll is written in the next animation frame, with the layout
  // the frame does anyway (written now, it laid out the editor's and the panels' changes a
  // second time on a seek).
  const followed = useRef<{ step: number; summary: unknown; pending: number | null }>({ step: -1, summary: null, pending: null });
  /** The scroll position last written by following the step, until its scroll event comes. */
  const wrote = useRef<number | null>(null);
  const f = followed.current;
  const stepTop = step * ROW;
  // A new step or run follows the current row; otherwise the rows stay where the user scrolled them.
  const shownTop =
    f.step !== step || f.summary !== summary
      ? stepTop < scrollTop
        ? stepTop
        : stepTop + ROW > scrollTop + height
          ? Math.max(0, stepTop + ROW - height)
          : scrollTop
      : (f.pending ?? scrollTop);
  useEffect(() => {
    const el = box.current;
    const pending = shownTop !== scrollTop ? shownTop : null;
    followed.current = { step, summary, pending };
    if (!el || pending === null) return;
    const id = requestAnimationFrame(() => {
      el.scrollTop = pending;
      wrote.current = pending;
      // Its scroll event comes before the next frame's callbacks; none comes if nothing moved.
      requestAnimationFrame(() => {
        if (wrote.current === pending) wrote.current = null;
      });
    });
    return () => cancelAnimationFrame(id);
    // Only a new step or run moves the rows (shownTop follows from them).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step, summary]);

  const firstRow = Math.max(0, Math.floor(shownTop / ROW) - OVERSCAN);
  const lastRow = Math.min(total, Math.ceil((shownTop + height) / ROW) + OVERSCAN);
  const rows = [];
  for (let i = firstRow; i < lastRow; i++) {
    const s = i === 0 ? null : steps.at(i - 1)!;
    const current = i === step;
    rows.push(
      // Keyed by place in the window, not by step: a seek far away rewrites the text of the rows on screen (a
      // layout of a few changed lines of text) instead of replacing every row with new elements (a layout of
      // each new row, ~25× the time); scrolling by a row rewrites each row's text rather than moving one.
      <li
        key={i - firstRow}
        role="option"
        aria-selected={current}
        data-step={i}
        className={`tl-row${current ? ' current' : ''}${s?.finding ? ' finding' : ''}${i > step ? ' future' : ''}`}
        style={{ top: i * ROW }}
        onClick={() => {
          setPlaying(false);
          setStep(i);
        }}
        title={s ? `step ${i}, line ${s.line}: ${s.source}` : 'step 0: the machine is built'}
      >
        <span className="tl-idx mono">{i}</span>
        <span className="tl-line mono">{s ? `L${s.line}` : ''}</span>
        {lanes && show.length > 0 && <Lanes lanes={lanes} show={show} step={i} selected={selected} />}
        <span className="tl-src mono">{s ? s.source : <span className="muted">machine built</span>}</span>
        {s && <StepBadges s={s} />}
      </li>,
    );
  }

  const jumpTo = (k: number) => {
    setPlaying(false);
    setStep(k);
  };
  return (
    <section className="panel timeline" aria-label="Timeline" data-loading={summary?.partial ? 'true' : undefined}>
      <header className="panel-head">
        <h2>Timeline</h2>
        {progress && progress.phase !== 'done' ? (
          <span className="muted tl-sum" data-testid="load-progress" title={progress.phase === 'import' ? 'importing the kernel trace (or dma-debug dump): lines read of both passes' : undefined}>
            {progress.phase === 'import'
              ? // short: the timeline's header is narrow at 1280 px, and the count is what changes
                `importing ${Math.round(progress.done).toLocaleString('en')} / ${progress.total.toLocaleString('en')} lines`
              : progress.phase === 'parse'
                ? 'parsing…'
                : `running ${progress.done.toLocaleString('en')} / ${progress.exact ? '' : 'about '}${progress.total.toLocaleString('en')} steps`}
          </span>
        ) : (
          summary && (
            <span className="muted tl-sum">
              {summary.stepCount} steps · <span title="checks passed">{summary.checks.passed} ✓</span>
              {summary.checks.failed > 0 ? <b className="bad-text"> {summary.checks.failed} ✗</b> : null} ·{' '}
              <span data-testid="finding-count" title={`${told.logged} step${told.logged === 1 ? '' : 's'} with a finding: the kernel logged something`}>
                ⚠ {told.logged}
              </span>{' '}
              ·{' '}
              <span data-testid="observation-count" title={`${told.seen} step${told.seen === 1 ? '' : 's'} with an observation: the explorer saw something the kernel did not report`}>
                obs {told.seen}
              </span>
            </span>
          )
        )}
      </header>
      <div className="tl-progress" aria-hidden={!progress}>
        {progress && (progress.phase === 'run' || progress.phase === 'import') && progress.total > 0 && <div style={{ width: `${(100 * progress.done) / progress.total}%` }} />}
      </div>
      {lanes && show.length > 0 && (
        <div className="tl-lane-head" data-testid="lane-head">
          <span style={{ width: `calc(${cols.idx} + ${cols.line} + 12px)` }}>owner</span>
          <span className="names">
            {show.map((i) => (
              <button
                key={i}
                type="button"
                className={lanes.names[i] === selected ? 'sel' : ''}
                title={`Lane of buffer "${lanes.names[i]}" (${lanes.kinds[i]}): click to select it in the views`}
                onClick={() => setSelection(lanes.names[i] === selected ? {} : { buffer: lanes.names[i]! })}
              >
                {lanes.names[i]!.slice(0, 1)}
              </button>
            ))}
          </span>
          <span className="lane-legend">
            {show.map((i) => lanes.names[i]).join(', ')}
            {lanes.names.length > show.length ? ` (+${lanes.names.length - show.length})` : ''} ·{' '}
            <span className="sw own-cpu" style={{ width: 9, height: 9, opacity: 0.55 }} /> CPU{' '}
            <span className="sw own-cpu-mapped" style={{ width: 9, height: 9 }} /> CPU (synced){' '}
            <span className="sw own-device" style={{ width: 9, height: 9 }} /> device
          </span>
        </div>
      )}
      <div className="tl-body">
        <div
          className="tl-scroll"
          ref={box}
          onScroll={(e) => {
            followed.current.pending = null;
            // The scroll this page wrote is known (rows have a fixed height): reading it back would lay the page out
            // in the middle of a step; a scroll by the user is read.
            const top = wrote.current ?? e.currentTarget.scrollTop;
            wrote.current = null;
            setScrollTop(top);
          }}
          data-testid="timeline"
        >
          <ul
            role="listbox"
            aria-label="Steps"
            className="tl-list"
            style={stepListStyle(total, lastLine, ROW)}
          >
            {rows}
          </ul>
        </div>
        {total > 1 && (
          <div
            className="tl-marks"
            data-testid="finding-strip"
            title={`${findings} step${findings === 1 ? '' : 's'} with a finding, an observation, a failed check or an unexpected error in the whole run: click to go there`}
            onClick={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              const k = Math.round(((e.clientY - r.top) / r.height) * (total - 1));
              // Snap to a finding near the click (within 3% of the run), else go to the step under it.
              const near = findingList.reduce<number | null>((b, f) => (Math.abs(f - k) <= Math.max(2, total * 0.03) && (b === null || Math.abs(f - k) < Math.abs(b - k)) ? f : b), null);
              jumpTo(near ?? k);
            }}
          >
            {/* In a box of their own: moving the step's marker then lays out the marker, not up to 2,000 marks beside it. */}
            <div className="marks">
              {findingList.slice(0, 2000).map((f) => (
                <span key={f} className="mark" style={{ top: `calc(${(100 * f) / (total - 1)}% - 1.5px)` }} />
              ))}
            </div>
            <span className="here" style={{ top: `calc(${(100 * step) / (total - 1)}% - 1px)` }} />
          </div>
        )}
      </div>
    </section>
  );
}
