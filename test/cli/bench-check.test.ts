import { describe, expect, it } from 'vitest';
import { compareFigures, TOLERANCE } from '../../src/cli/bench-check.ts';

describe('npm run bench -- --check', () => {
  const recorded = { machine: '2 × test cpu', a: { wall: 1000, cpu: 2000 }, copyLimitRatio: { wall: 20, cpu: 10 } };

  it('reports a rate that fell below the tolerance, judged per CPU second', () => {
    const slow = { a: { wall: 5000, cpu: Math.floor(2000 * TOLERANCE) - 1 } };
    expect(compareFigures(slow, recorded).regressions).toEqual(['a']);
    const noisyWall = { a: { wall: 10, cpu: 1900 } };
    expect(compareFigures(noisyWall, recorded).regressions).toEqual([]);
  });

  it('judges the copy-limit ratio the other way round: a larger ratio is worse', () => {
    expect(compareFigures({ copyLimitRatio: { wall: 30, cpu: 10 / TOLERANCE + 1 } }, recorded).regressions).toEqual(['copyLimitRatio']);
    expect(compareFigures({ copyLimitRatio: { wall: 5, cpu: 4 } }, recorded).regressions).toEqual([]);
  });

  it('judges the best runs when both sides have one: other load only slows a run down', () => {
    const rec = { a: { wall: 1000, cpu: 2000, best: 3000 } };
    expect(compareFigures({ a: { wall: 100, cpu: 500, best: 2900 } }, rec).regressions).toEqual([]);
    expect(compareFigures({ a: { wall: 1000, cpu: 2000, best: 3000 * TOLERANCE - 1 } }, rec).regressions).toEqual(['a']);
  });

  it('names a figure it has nothing recorded for instead of judging it', () => {
    const r = compareFigures({ parser: { wall: 1, cpu: 1 } }, recorded);
    expect(r.regressions).toEqual([]);
    expect(r.lines).toEqual(['  parser: no recorded figure']);
  });
});
