/**
 * The timeline: every step of the run, one row each (line number, source,
 * badges for errors, kernel log lines, observations and checks). Click a row
 * to jump there. Rows are windowed (fixed height, only the visible ones are in
 * the DOM), so a 100,000-step run scrolls as well as a 10-step one.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { CSSProperties } from 'react';
import type { StepInfo } from '../../worker/api.ts';
import { useStore } from '../store/store.ts';

const ROW = 24;
const OVERSCAN = 8;

function Badges({ s }: { s: StepInfo }) {
  return (
    <span className="badges">
      {s.error && (
        <span className={`badge ${s.finding ? 'bad' : 'neutral'}`} title={`failed with ${s.error}`}>
          {s.error}
        </span>
      )}
      {s.warnings > 0 && (
        <span className="badge warn" title={`${s.warnings} kernel log line(s)`}>
          ⚠ {s.warnings}
        </span>
      )}
      {s.observations > 0 && (
        <span className="badge obs" title={`${s.observations} observation(s)`}>
          obs {s.observations}
        </span>
      )}
      {s.checksFailed > 0 && (
        <span className="badge bad" title={`${s.checksFailed} failed check(s)`}>
          ✗ {s.checksFailed}
        </span>
      )}
      {s.checksFailed === 0 && s.checksPassed > 0 && (
        <span className="badge good" title={`${s.checksPassed} check(s) passed`}>
          ✓
        </span>
      )}
    </span>
  );
}

export default function Timeline() {
  const summary = useStore((s) => s.summary);
  const step = useStore((s) => s.step);
  const setStep = useStore((s) => s.setStep);
  const setPlaying = useStore((s) => s.setPlaying);
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  const steps = summary?.steps ?? [];
  const total = steps.length + 1; // row 0: machine built
  const findings = useMemo(() => (summary?.steps ?? []).filter((x) => x.finding).length, [summary]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Keep the current row in view.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const top = step * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
  }, [step, summary]);

  const firstRow = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const lastRow = Math.min(total, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const rows = [];
  for (let i = firstRow; i < lastRow; i++) {
    const s = i === 0 ? null : steps[i - 1]!;
    const current = i === step;
    rows.push(
      <li
        key={i}
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
        <span className="tl-src mono">{s ? s.source : <span className="muted">machine built</span>}</span>
        {s && <Badges s={s} />}
      </li>,
    );
  }

  return (
    <section className="panel timeline" aria-label="Timeline">
      <header className="panel-head">
        <h2>Timeline</h2>
        {summary && (
          <span className="muted tl-sum">
            {summary.stepCount} steps · checks {summary.checks.passed} ✓
            {summary.checks.failed > 0 ? <b className="bad-text"> {summary.checks.failed} ✗</b> : null} ·{' '}
            {findings} finding{findings === 1 ? '' : 's'}
          </span>
        )}
      </header>
      <div className="tl-scroll" ref={box} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid="timeline">
        <ul
          role="listbox"
          aria-label="Steps"
          className="tl-list"
          style={
            {
              height: total * ROW,
              '--idx-w': `${String(total - 1).length + 0.5}ch`,
              '--line-w': `${String(steps.at(-1)?.line ?? 0).length + 1.5}ch`,
            } as CSSProperties
          }
        >
          {rows}
        </ul>
      </div>
    </section>
  );
}
