// The worker's runJson() is the runner's JSON (what `run FILE --json` prints)
// for every built-in scenario, and asking for it does not move the position
// frame() answers from.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORT_MAX_EVENTS, createEngineApi } from '../../src/worker/engine-api.ts';
import type { SimEvent } from '../../src/sim/events.ts';
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
    // what the page receives: a structured clone (postMessage), which copies own data only
    expect(JSON.stringify(structuredClone(api.runJson()))).toBe(JSON.stringify(runScenario(text)));
    const after = api.frame(2, { snapshot: false });
    expect(after.json).toEqual(before.json);
  });

  it('refuses a run past the export budget, saying at which step and where to export it instead', async () => {
    // Each record seen by the budget as if it held 200,000 events: the third passes EXPORT_MAX_EVENTS.
    const wide = Array.from({ length: 200_000 }, (_, i): SimEvent => ({ kind: 'log', level: 'info', id: 'swiotlb.full', text: `e${i}` }));
    const api = createEngineApi({ ...realCore, run: (text, opts, onStep) => realCore.run(text, opts, (st) => onStep({ ...st, events: wide })) });
    const s = await api.load(readFileSync(FILES[0]!, 'utf8'));
    expect(s.stepCount).toBeGreaterThan(3);
    expect(() => api.runJson()).toThrow(new RegExp(`more than ${EXPORT_MAX_EVENTS.toLocaleString('en-US')} events by step 3 of ${s.stepCount}\\); the CLI exports any run`));
  });

  // A cache_maint event lists its lines when they are read (sim/hw/line-actions.ts):
  // each frame the page receives through postMessage must carry them, as the
  // runner's JSON has them.
  it('frames reach the page with every cache_maint line listed, as the runner has them', async () => {
    const text = readFileSync(join(DIR, 'dma-get-sgtable-cma.dma'), 'utf8');
    const api = createEngineApi(realCore);
    const s = await api.load(text);
    const want = JSON.parse(JSON.stringify(runScenario(text).steps)) as Array<{ events: SimEvent[] }>;
    let lost = 0;
    for (let k = 1; k <= s.stepCount; k++) {
      const got = structuredClone(api.frame(k, { snapshot: false }).json)!;
      expect(got.events).toEqual(want[k - 1]!.events);
      for (const e of got.events) if (e.kind === 'cache_maint') lost += e.lines.filter((l) => l.lostHex !== undefined).length;
    }
    // the scenario's invalidate discards 64 dirty lines: each listed with its bytes
    expect(lost).toBe(64);
  });

  it('is null before anything is loaded', () => {
    expect(createEngineApi(realCore).runJson()).toBeNull();
  });
});
