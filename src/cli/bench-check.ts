/**
 * `npm run bench -- --check`: this run's medians next to the figures recorded
 * in bench-figures.json (written by `npm run bench -- --record`), so that a
 * slowdown shows in review. The machine is shared and noisy: other people's
 * work only ever makes a run slower, so the judgement rests on the best run
 * per CPU second (the least disturbed), with a wide tolerance, and it only
 * reports: it never fails the run.
 */
import { fileURLToPath } from 'node:url';

export const FIGURES_FILE = fileURLToPath(new URL('./bench-figures.json', import.meta.url));

/** A median per wall-clock second and per CPU second, and the best run per CPU second. */
export interface Figure {
  wall: number;
  cpu: number;
  best?: number;
}

/** Figures by case letter, plus `copyLimitRatio` and `parser`; the recorded file also names its machine. */
export type Figures = Record<string, Figure | string>;

/** A figure below this share of the recorded one (best run per CPU second) is reported as a regression. */
export const TOLERANCE = 0.6;

/** Figures where smaller is better (a ratio to the copy floor); the rest are rates. */
const LOWER_IS_BETTER = new Set(['copyLimitRatio']);

function isFigure(x: Figure | string | undefined): x is Figure {
  return typeof x === 'object' && x !== null && typeof x.cpu === 'number';
}

/** How this run compares, one line per figure; returns the keys reported as regressions. */
export function compareFigures(now: Figures, recorded: Figures): { lines: string[]; regressions: string[] } {
  const lines: string[] = [];
  const regressions: string[] = [];
  for (const [key, fig] of Object.entries(now)) {
    if (!isFigure(fig)) continue;
    const rec = recorded[key];
    if (!isFigure(rec)) {
      lines.push(`  ${key}: no recorded figure`);
      continue;
    }
    // the best runs when both have one, else the medians; share > 1: better than recorded
    const [now, then, what] = fig.best !== undefined && rec.best !== undefined ? [fig.best, rec.best, 'best run'] : [fig.cpu, rec.cpu, 'median'];
    const share = LOWER_IS_BETTER.has(key) ? then / now : now / then;
    const slow = share < TOLERANCE;
    if (slow) regressions.push(key);
    const num = (x: number) => x.toLocaleString('en-US');
    lines.push(`  ${key}: ${what} ${num(now)} per CPU second, recorded ${num(then)} (${share.toFixed(2)}× as good${slow ? ' — SLOWER than the tolerance allows' : ''}); medians: wall ${num(fig.wall)}, recorded ${num(rec.wall)}`);
  }
  return { lines, regressions };
}

export function checkFigures(now: Figures, recorded: Figures): void {
  const { lines, regressions } = compareFigures(now, recorded);
  console.log(`\ncheck against ${FIGURES_FILE} (recorded ${String(recorded.date ?? '?')} on ${String(recorded.machine ?? '?')}; a figure under ${TOLERANCE}× the recorded one is reported)`);
  for (const l of lines) console.log(l);
  console.log(regressions.length ? `possible regression in: ${regressions.join(', ')} (reported, not failed: rerun on a quiet machine before believing it)` : 'no figure below the tolerance');
}
