// The worker imports a pasted trace or dump itself: load() of a trace reports
// what it became (the scenario, a summary, the report), posts progress while
// importing, runs the scenario, and each frame says which trace line its step
// came from; a restart replays the scenario, not the import.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';
import type { EngineEnv, LoadProgress } from '../../src/worker/api.ts';
import { importInput } from '../../src/worker/import-input.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { WIRE_BYTES_MIN } from '../../src/worker/wire-text.ts';
import { StepRows } from '../../src/worker/rows.ts';
import { importText } from '../../src/import/index.ts';
import { syntheticTrace } from '../../src/cli/bench-import.ts';

const TRACE = readFileSync(resolve(__dirname, '../fixtures/trace/6.13-nvme-eth.trace'), 'utf8');

describe('worker: a trace is imported, then run', () => {
  it('load() of a trace: imported scenario, progress, the same run as the CLI', async () => {
    const posted: LoadProgress[] = [];
    const api = createEngineApi(realCore, { post: (p) => posted.push(p) });
    const s = await api.load(TRACE);
    expect(s.ok).toBe(true);
    expect(s.imported?.summary).toContain('Read 16 dma events from 34 lines');
    expect(s.imported?.report.devices).toHaveLength(2);
    expect(posted.some((p) => p.phase === 'import')).toBe(true);
    // The import's last progress says every line is read (what follows it is not a stall at an earlier count).
    const last = posted.filter((p) => p.phase === 'import').at(-1)!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(34);
    // The scenario goes to the page once, with the progress before the run (the page shows it while it runs); the summary says so.
    const sent = posted.filter((p) => p.imported);
    expect(sent).toHaveLength(1);
    expect(posted.indexOf(sent[0]!)).toBeLessThan(posted.findIndex((p) => p.rows));
    expect(s.imported).toMatchObject({ scenarioPosted: true, scenario: '' });
    const scenario = sent[0]!.imported!.scenario;
    expect(scenario).toBe((await createEngineApi(realCore).load(TRACE)).imported!.scenario);
    expect(s.stepCount).toBe(runScenario(scenario).steps.length);
    expect(JSON.stringify(api.runJson())).toBe(JSON.stringify(runScenario(scenario)));
  });

  it('frames carry the step’s trace line; written scenarios have none', async () => {
    const api = createEngineApi(realCore);
    const s = await api.load(TRACE);
    const lines = s.imported!.scenario.split('\n');
    const step = runScenario(s.imported!.scenario).steps.findIndex((x) => x.warnings.some((w) => w.includes('tries to sync'))) + 1;
    const f = api.frame(step, { snapshot: false });
    expect(f.origin).toBe('trace line 29 · 402.301022 <idle>-0');
    expect(lines[f.json!.line - 1]).toContain(`# ${f.origin}`);
    expect(api.frame(0, { snapshot: false }).origin).toBeNull();
    const plain = createEngineApi(realCore);
    await plain.load('device(nic)\nb = kmalloc(64, GFP_KERNEL)   # a buffer, as on line 3 of some trace\n');
    expect(plain.frame(1, { snapshot: false }).origin).toBeNull();
  });

  it('a scenario is not imported', async () => {
    const s = await createEngineApi(realCore).load('device(nic)\nb = kmalloc(64, GFP_KERNEL)\n');
    expect(s.imported).toBeUndefined();
  });

  it('a long import: the page is sent its bytes once; the worker runs it from compressed spans, as it would from the string', async () => {
    // Over WIRE_BYTES_MIN characters of scenario: kept as TextBytes (src/worker/text-bytes.ts) when progress is posted.
    const trace = syntheticTrace(10_000);
    const posted: LoadProgress[] = [];
    const spans = createEngineApi(realCore, { post: (p) => posted.push(p) });
    const string = createEngineApi(realCore);
    const a = await spans.load(trace);
    const b = await string.load(trace);
    const bytes = posted.find((p) => p.imported)!.imported!.bytes!;
    expect(bytes.length).toBeGreaterThan(WIRE_BYTES_MIN);
    expect(new TextDecoder().decode(bytes)).toBe(b.imported!.scenario);
    expect(b.imported!.scenario).toBe(importText(trace).scenario);
    expect(a.stepCount).toBe(b.stepCount);
    expect(a.imported).toMatchObject({ scenarioPosted: true, scenario: '', summary: b.imported!.summary });
    // Steps read back from their lines (spans inflated again, out of order): the same records and trace lines.
    for (const k of [a.stepCount, 1, Math.floor(a.stepCount / 2), 2, a.stepCount - 1]) {
      const fa = spans.frame(k, { snapshot: false });
      const fb = string.frame(k, { snapshot: false });
      expect(fa.json).toEqual(fb.json);
      expect(fa.origin).toBe(fb.origin);
    }
    expect(spans.frame(a.stepCount - 1, { snapshot: false }).origin).toMatch(/^trace line \d+ · /);
    expect(JSON.stringify(spans.runJson())).toBe(JSON.stringify(string.runJson()));
    // The timeline's rows come without their sources (cut from the page's bytes): the same rows once cut.
    const rows = new StepRows();
    for (const p of posted) if (p.rows) {
      expect(p.rows).toMatchObject({ cut: true, sources: [] });
      rows.append(p.rows);
    }
    const lines = b.imported!.scenario.split('\n');
    expect(rows.source(0)).toBe('');
    rows.readSourcesFrom((n) => lines[n - 1] ?? null);
    expect(rows.length).toBe(b.steps.length);
    for (let i = 0; i < rows.length; i++) expect(rows.at(i)).toEqual(b.steps.at(i));
  });

  describe('a long input imported away from the engine (EngineEnv.importLong, an import worker in the browser)', () => {
    const trace = syntheticTrace(10_000);
    const bytesOf = () => new TextEncoder().encode(trace);
    /** As the import worker does: the bytes moved to it (detached here), imported there. */
    const importer = (): NonNullable<EngineEnv['importLong']> => (bytes, opts, progress) => {
      const text = new TextDecoder().decode(bytes);
      structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
      return new Promise((r) => setTimeout(() => r(importInput(text, opts, progress, true)), 0));
    };

    it('runs what it made: the same steps and frames as an import in place', async () => {
      const posted: LoadProgress[] = [];
      const away = createEngineApi(realCore, { post: (p) => posted.push(p), importLong: importer() });
      const here = createEngineApi(realCore);
      const a = await away.load(bytesOf());
      const b = await here.load(trace);
      expect(a.ok).toBe(true);
      expect(a.stepCount).toBe(b.stepCount);
      expect(posted.some((p) => p.phase === 'import')).toBe(true);
      expect(new TextDecoder().decode(posted.find((p) => p.imported)!.imported!.bytes!)).toBe(b.imported!.scenario);
      expect(away.frame(a.stepCount - 7, { snapshot: false }).json).toEqual(here.frame(a.stepCount - 7, { snapshot: false }).json);
    });

    it('a worker that could not start (the bytes still here): imported in place; one that failed with them: the load says why', async () => {
      const unstarted = createEngineApi(realCore, { post: () => undefined, importLong: () => Promise.reject(new Error('no workers here')) });
      const s = await unstarted.load(bytesOf());
      expect(s.ok).toBe(true);
      expect(s.imported?.report.devices).toHaveLength(2);
      const failed = createEngineApi(realCore, {
        post: () => undefined,
        importLong: (bytes) => {
          structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
          return Promise.reject(new Error('the import failed: out of memory'));
        },
      });
      const f = await failed.load(bytesOf());
      expect(f.ok).toBe(false);
      expect(f.errors).toEqual([{ line: 1, col: 1, message: 'the import failed: out of memory' }]);
    });

    it('a new load while it imports: the import is stopped, the first load answers cancelled', async () => {
      let stop: (() => void) | null = null;
      const api = createEngineApi(realCore, {
        post: () => undefined,
        // As the import worker, one that never finishes by itself: stopping it rejects what it would have answered.
        importLong: () => new Promise((_resolve, reject) => {
          stop = () => reject(new Error('the import was stopped'));
        }),
        stopImport: () => stop?.(),
      });
      const first = api.load(bytesOf());
      await new Promise((r) => setTimeout(r, 0));
      expect(stop).not.toBeNull();
      const second = api.load('device(nic)\nb = kmalloc(64, GFP_KERNEL)\n');
      // Answered when the import is stopped: this import would never have ended. (A generous bound: the other test
      // files share the cores.)
      expect(await Promise.race([first, new Promise((r) => setTimeout(() => r('still importing'), 5000))])).toMatchObject({ ok: false, cancelled: true });
      expect(await second).toMatchObject({ ok: true, stepCount: 1 });
    });
  });
});
