/**
 * Compare mode's step differences (src/ui/compare/diff.ts), on fixtures and on
 * the library's "works on x86" scenario run as x86 and as arm64.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { stepInfo } from '../../src/worker/api.ts';
import type { StepJson } from '../../src/scenario/result.ts';
import { StepRows } from '../../src/worker/rows.ts';
import { aligned, countDifferences, diffStepInfo, diffStepJson, diffSummaries, eventKey, nextDifference, prevDifference } from '../../src/ui/compare/diff.ts';
import { library } from './engine-fixtures.ts';

function rec(extra: Partial<StepJson> = {}): StepJson {
  return { index: 1, line: 5, source: 'x()', op: 'x', result: null, data: null, error: null, warnings: [], observations: [], observationRules: [], events: [], checks: [], ...extra };
}

describe('diffStepJson', () => {
  it('finds no difference between equal records', () => {
    expect(diffStepJson(rec(), rec())).toEqual({ index: 1, fields: [], eventsDiffer: false, exact: true });
  });

  it('names each outcome field that differs', () => {
    const a = rec({ result: '0x1000', data: { hex: '00', text: null }, warnings: ['w'], checks: [{ expected: '=> 0', passed: true }] });
    const b = rec({ result: '0x2000', error: 'EIO', data: { hex: '01', text: null }, observations: ['stale read'], checks: [{ expected: '=> 0', passed: false, actual: '1' }] });
    expect(diffStepJson(a, b).fields).toEqual(['result', 'error', 'data', 'warnings', 'observations', 'checks']);
  });

  it('tells different work from different outcomes', () => {
    const why = { fn: 'f', file: 'k.c', rule: 'r' };
    const a = rec({ events: [{ kind: 'cache_maint', op: 'clean', start: 0, size: 64, lines: [], instr: 'dc cvac', why }] });
    const d = diffStepJson(a, rec());
    expect(d.fields).toEqual([]);
    expect(d.eventsDiffer).toBe(true);
    // addresses alone do not count as different work
    const x = rec({ events: [{ kind: 'dma_map', dev: 'n', api: 'dma_map_single', addr: 1, phys: 1, size: 4, dir: 'DMA_TO_DEVICE', path: 'direct', why }] });
    const y = rec({ events: [{ kind: 'dma_map', dev: 'n', api: 'dma_map_single', addr: 2, phys: 2, size: 4, dir: 'DMA_TO_DEVICE', path: 'direct', why }] });
    expect(diffStepJson(x, y).eventsDiffer).toBe(false);
    expect(eventKey({ kind: 'note', text: 'n', why })).toBeNull();
  });
});

describe('x86-always-coherent.dma: x86 vs arm64', () => {
  const text = library('x86-always-coherent');
  const x86 = runScenario(text, { arch: 'x86' });
  const arm = runScenario(text, { arch: 'arm64' });
  const diffs = x86.steps.map((s, i) => diffStepJson(s, arm.steps[i]!));
  const devRead = x86.steps.findIndex((s) => s.op === 'dev_read') + 1;

  it('the runs align and only the device read differs in outcome', () => {
    expect(aligned(StepRows.of(x86.steps.map(stepInfo)), StepRows.of(arm.steps.map(stepInfo)))).toBe(true);
    expect(devRead).toBeGreaterThan(0);
    expect(diffs[devRead - 1]!.fields).toEqual(expect.arrayContaining(['data', 'checks', 'observations']));
    expect(x86.steps[devRead - 1]!.data?.text).toBe('late write');
    expect(arm.steps[devRead - 1]!.data?.text).not.toBe('late write');
    expect(countDifferences(diffs)).toBe(1);
    expect(nextDifference(diffs, 0)).toBe(devRead);
    expect(nextDifference(diffs, devRead)).toBeNull();
    expect(prevDifference(diffs, diffs.length)).toBe(devRead);
    expect(prevDifference(diffs, devRead)).toBeNull();
  });

  it('the map step did different work (a cache clean on arm64 only)', () => {
    const map = x86.steps.findIndex((s) => s.op === 'dma_map_single');
    expect(diffs[map]!.fields).toEqual([]);
    expect(diffs[map]!.eventsDiffer).toBe(true);
  });

  it('coarse diffs from the summaries already flag the read', () => {
    const coarse = diffSummaries(StepRows.of(x86.steps.map(stepInfo)), StepRows.of(arm.steps.map(stepInfo)));
    expect(coarse[devRead - 1]!.fields.length).toBeGreaterThan(0);
    expect(coarse.every((d) => !d.exact)).toBe(true);
    expect(diffStepInfo(stepInfo(x86.steps[0]!), stepInfo(arm.steps[0]!)).fields).toEqual([]);
  });

  it('runs of different statements do not align', () => {
    const other = runScenario(library('swiotlb-32bit-device'));
    expect(aligned(StepRows.of(x86.steps.map(stepInfo)), StepRows.of(other.steps.map(stepInfo)))).toBe(false);
  });
});
