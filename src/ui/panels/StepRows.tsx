/**
 * What the timeline and compare mode's aligned timeline share: the badges of
 * a step row, the height of the scrolling box that windows the rows, and the
 * list's style (total height, widths of the step and line columns).
 */
import { useLayoutEffect, useState } from 'react';
import type { CSSProperties, RefObject } from 'react';
import type { StepInfo } from '../../worker/api.ts';
import './vocabulary.css';

/**
 * A step that shows a bug: the kernel logged something, the explorer observed
 * something, or the call failed. Its passing checks assert the bug, so they
 * read "bug reproduced as expected", never a green success.
 */
export function bugStep(s: Pick<StepInfo, 'warnings' | 'observations' | 'error'>): boolean {
  return s.warnings > 0 || s.observations > 0 || s.error !== null;
}

/** A step's badges: error, kernel log lines, observations, failed or passed checks. `titles`: a tooltip on each. */
export function StepBadges({ s, className = 'badges', titles = true }: { s: StepInfo; className?: string; titles?: boolean }) {
  const t = (text: string) => (titles ? text : undefined);
  return (
    <span className={className}>
      {s.error && (
        <span className={`badge ${s.finding ? 'bad' : 'neutral'}`} title={t(`failed with ${s.error}`)}>
          {s.error}
        </span>
      )}
      {s.warnings > 0 && (
        <span className="badge warn" title={t(`${s.warnings === 1 ? 'a finding' : `${s.warnings} findings`}: the kernel logged ${s.warnings === 1 ? 'a line' : `${s.warnings} lines`}`)}>
          ⚠ {s.warnings}
        </span>
      )}
      {s.observations > 0 && (
        <span className="badge obs" title={t(`${s.observations === 1 ? 'an observation' : `${s.observations} observations`}: the explorer saw ${s.observations === 1 ? 'it' : 'them'}; the kernel did not report ${s.observations === 1 ? 'it' : 'them'}`)}>
          obs {s.observations}
        </span>
      )}
      {s.checksFailed > 0 && (
        <span className="badge bad" title={t(`${s.checksFailed} failed check(s)`)}>
          ✗ {s.checksFailed}
        </span>
      )}
      {s.checksFailed === 0 && s.checksPassed > 0 &&
        (bugStep(s) ? (
          <span className="badge repro" title={t('bug reproduced as expected: the checks expect this wrong result')}>
            ✓ bug
          </span>
        ) : (
          <span className="badge good" title={t(`${s.checksPassed} check(s) passed`)}>
            ✓
          </span>
        ))}
    </span>
  );
}

/** The client height of `box`, kept by a ResizeObserver (`initial` until it is measured). */
export function useClientHeight(box: RefObject<HTMLElement | null>, initial: number): number {
  const [height, setHeight] = useState(initial);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, [box]);
  return height;
}

/** Widths of the step-number and line-number columns, for `total` rows whose last statement is on line `lastLine`. */
export function columnWidths(total: number, lastLine: number): { idx: string; line: string } {
  return { idx: `${String(total - 1).length + 0.5}ch`, line: `${String(lastLine).length + 1.5}ch` };
}

/** The style of a windowed list of `total` rows `row` pixels high. */
export function stepListStyle(total: number, lastLine: number, row: number): CSSProperties {
  const w = columnWidths(total, lastLine);
  return { height: total * row, '--idx-w': w.idx, '--line-w': w.line } as CSSProperties;
}
