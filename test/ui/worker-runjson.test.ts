// The worker's runJson() is the runner's JSON (what `run FILE --json` prints)
// for every built-in scenario, and asking for it does not move the position
// frame() answers from.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';
import { runScenario } from '../../src/scenario/run.ts';

const DIR = resolve(__dirname, '../../src/scenario/library');
const LESSONS = resolve(__dirname, '../../src/scenario/lessons');
const FILES = [
  ...readdirSync(DIR).filter((f) => f.endsWith('.dma')).sort().slice(0, 12).map((f) => join(DIR, f)),
  // Lessons: the teaching markup comes along too.
  join(LESSONS, 'ownership/01-why-sync-for-cpu.dma'),
  join(LESSONS, 'ownership/05-hunt-missing-sync.dma'),
];

describe('worker runJson()', () => {
  it.each(FILES)('%s: equals the runner in Node', async (f) => {
    const text = readFileSync(f, 'utf8');
    const api = createEngineApi(realCore);
    const summary = await api.load(text);
    expect(summary.ok).toBe(true);
    expect(summary.teaching).toEqual(runScenario(text).teaching);
    const before = api.frame(2, { snapshot: false });
    expect(JSON.stringify(api.runJson())).toBe(JSON.stringify(runScenario(text)));
    const after = api.frame(2, { snapshot: false });
    expect(after.json).toEqual(before.json);
  });

  it('is null before anything is loaded', () => {
    expect(createEngineApi(realCore).runJson()).toBeNull();
  });
});
