/**
 * The worker API (engine-api.ts) over the real engine, and the client
 * (client.ts) over comlink on a node MessageChannel: seeking through
 * checkpoints gives the same machine as a straight run, progress streams the
 * timeline rows, a newer load cancels an older one, restart and replay when
 * the engine throws or hangs, answers about the last good run after a parse
 * error, frame caps.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_MAX_EVENTS, stepInfo } from '../../src/worker/api.ts';
import type { EngineApi, EngineCore, Frame, LoadProgress } from '../../src/worker/api.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { wireApi } from '../../src/worker/wire-text.ts';
import { StepRows } from '../../src/worker/rows.ts';
import { MIN_INTERVAL } from '../../src/worker/checkpoints.ts';
import { realCore } from '../../src/worker/core.ts';
import { EngineClient, EngineError } from '../../src/worker/client.ts';
import type { EngineNotice, EngineProgress, PartialRun, WorkerLike } from '../../src/worker/client.ts';
import type { StepJson } from '../../src/scenario/result.ts';
import type { SimEvent } from '../../src/sim/events.ts';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { snapshot } from '../../src/sim/snapshot.ts';
import { plainEvents } from '../../src/sim/hw/line-actions.ts';

const LIB = resolve(__dirname, '../../src/scenario/library');
const lib = (name: string) => readFileSync(resolve(LIB, name), 'utf8');
const HEAD = 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\n';

function step(index: number, line: number, source: string, extra: Partial<StepJson> = {}): StepJson {
  return { index, line, source, op: source.replace(/\(.*$/, ''), result: null, data: null, error: null, warnings: [], observations: [], observationRules: [], events: [], checks: [], ...extra };
}

/** A long scenario: map / device write / sync / unmap loops over a few buffers. */
function loopScenario(n: number): string {
  const lines = [HEAD.trim(), 'a = kmalloc(4096, GFP_KERNEL)', 'b = kmalloc(256, GFP_KERNEL)'];
  for (let i = 0; lines.length - 3 < n; i++) {
    const buf = i % 3 === 0 ? 'b' : 'a';
    lines.push(
      `cpu_write(${buf} + ${(i * 16) % 200}, "w${i % 10}")`,
      `h = dma_map_single(cam, ${buf}, 256, DMA_BIDIRECTIONAL)`,
      `dev_write(cam, h + ${(i * 8) % 128}, "d${i % 10}")`,
      `dma_sync_single_for_cpu(cam, h, 256, DMA_BIDIRECTIONAL)`,
      `dma_unmap_single(cam, h, 256, DMA_BIDIRECTIONAL)`,
    );
  }
  return lines.slice(0, n + 3).join('\n') + '\n';
}

/** The real engine on a clock that moves only when it works: each step costs stepMs (half that replayed), each clone cloneMs. */
function timedCore(stepMs: number, cloneMs: number): { core: EngineCore; now: () => number } {
  let t = 0;
  const core: EngineCore = {
    ...realCore,
    runStep(m, cmd, index) {
      t += stepMs;
      return realCore.runStep(m, cmd, index);
    },
    replayStep(m, cmd) {
      t += stepMs / 2;
      realCore.replayStep(m, cmd);
    },
    clone(m) {
      t += cloneMs;
      return realCore.clone(m);
    },
    keep(m) {
      t += cloneMs;
      return realCore.keep!(m);
    },
  };
  return { core, now: () => t };
}

/** The real core; THROW in the text makes it throw, HANG never answers (in the fake worker). */
const throwingCore: EngineCore = {
  ...realCore,
  scan(text, opts) {
    if (typeof text === 'string' && text.includes('THROW')) throw new Error('engine bug');
    return realCore.scan(text, opts);
  },
};

function fakeWorker(): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  const api = createEngineApi(throwingCore, { post: (p) => port1.postMessage(p) });
  const hanging: EngineApi = {
    ...api,
    load: ((text: string, opts) => (text.includes('HANG') ? new Promise(() => {}) : api.load(text, opts))) as EngineApi['load'],
  };
  // As the worker exposes it (long texts cross as bytes).
  Comlink.expose(wireApi(hanging), nodeEndpoint(port1));
  const ep = nodeEndpoint(port2);
  return {
    postMessage: (msg: unknown, transfer?: Transferable[]) => ep.postMessage(msg, transfer),
    // The node adapter ignores the event type: pass on only message listeners.
    addEventListener: (type: string, l: EventListenerOrEventListenerObject) => {
      if (type === 'message') ep.addEventListener(type, l);
    },
    removeEventListener: (type: string, l: EventListenerOrEventListenerObject) => {
      if (type === 'message') ep.removeEventListener(type, l);
    },
    terminate: () => {
      port1.close();
      port2.close();
    },
  };
}

let clients: EngineClient[] = [];
afterEach(() => {
  for (const c of clients) c.dispose();
  clients = [];
});

function makeClient(notices: EngineNotice[], loadTimeoutMs = 2000): EngineClient {
  const c = new EngineClient({ createWorker: fakeWorker, loadTimeoutMs, frameTimeoutMs: 2000, onNotice: (n) => notices.push(n) });
  clients.push(c);
  return c;
}

describe('engine API', () => {
  it('keeps the last good run when the text does not parse', async () => {
    const api = createEngineApi(realCore);
    const a = await api.load(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\nkfree(buf)\n`, { runId: 7 });
    expect(a).toMatchObject({ ok: true, runId: 7, stepCount: 2 });
    expect([...a.steps].map((s) => s.op)).toEqual(['kmalloc', 'kfree']);
    const b = await api.load(`${HEAD}buf = kmalloc(64\n`);
    expect(b.ok).toBe(false);
    expect(b.errors[0]).toMatchObject({ line: 3 });
    expect(b.runId).toBe(7);
    expect(api.frame(2)).toMatchObject({ runId: 7, step: 2, json: { source: 'kfree(buf)' } });
    expect(api.frame(0).json).toBeNull();
    expect(api.frame(99).step).toBe(2);
  });

  it('a machine the engine cannot build is an error at 1:1', async () => {
    const api = createEngineApi({
      ...realCore,
      createMachine: () => {
        throw new Error('no such RAM');
      },
    });
    const s = await api.load(HEAD);
    expect(s.ok).toBe(false);
    expect(s.errors[0]).toMatchObject({ line: 1, col: 1 });
    expect(s.errors[0]!.message).toContain('no such RAM');
  });

  it('caps the events of a frame', async () => {
    const events: SimEvent[] = Array.from({ length: FRAME_MAX_EVENTS + 20 }, (_, i) => ({ kind: 'log', level: 'info', id: 'swiotlb.full', text: `e${i}` }));
    const api = createEngineApi({
      ...realCore,
      runStep: (m, cmd, i) => {
        const r = realCore.runStep(m, cmd, i);
        return { ...r, json: { ...r.json, events } };
      },
    });
    await api.load(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\n`);
    const f = api.frame(1);
    expect(f.json?.events).toHaveLength(FRAME_MAX_EVENTS);
    expect(f.omitted.events).toBe(20);
  });

  it('flags findings but not errors a check expected', () => {
    const expected = step(1, 1, 'x()', { error: 'EBUSY', checks: [{ expected: '=> EBUSY', passed: true }] });
    const unexpected = step(2, 2, 'y()', { error: 'EBUSY' });
    const warned = step(3, 3, 'z()', { warnings: ['DMA-API: …'] });
    expect(stepInfo(expected).finding).toBe(false);
    expect(stepInfo(unexpected).finding).toBe(true);
    expect(stepInfo(warned)).toMatchObject({ finding: true, warnings: 1 });
  });

  it('seeks anywhere, in any order, to the same machine as a straight run', async () => {
    const text = loopScenario(700);
    const p = prepareScenario(text);
    if (!p.ok) throw new Error('bad scenario');
    const m = createMachine(p.config);
    const want: string[] = [JSON.stringify(snapshot(m))];
    const records: StepJson[] = [];
    p.body.forEach((cmd, i) => {
      // as the page receives a record: each cache_maint with its lines listed (the runner's lists them when read)
      const json = runStep(m, cmd, i + 1).json;
      records.push({ ...json, events: plainEvents(json.events) });
      want.push(JSON.stringify(snapshot(m)));
    });
    // A clock that moves only when the engine works: a step costs 1/8 ms, a clone 4 ms (32 steps' worth).
    const { core, now } = timedCore(0.125, 4);
    const api = createEngineApi(core, { now });
    const s = await api.load(text);
    // The first checkpoint MIN_INTERVAL steps in (no rate measured yet), then every four clones' worth of
    // steps (4 × 32 = 128), and the last step: 0, 64, 192, 320, 448, 576, 702.
    expect(MIN_INTERVAL).toBe(64);
    expect(s.stepCount).toBe(702);
    expect(s.checkpoints).toMatchObject({ count: 7, interval: 702 - 576 });
    const order = [700, 0, 699, 350, 351, 352, 64, 63, 65, 128, 500, 1, 2, 3, 699, 200, 17, 640, 641, 639];
    for (const k of order) {
      const f = api.frame(k);
      expect(f.step).toBe(k);
      expect(JSON.stringify(f.snapshot), `snapshot at ${k}`).toBe(want[k]);
      if (k > 0) expect(f.json).toEqual(records[k - 1]);
    }
  });

  it('sends bytes three ways: after the device write RAM has the new data, the CPU the old', async () => {
    const api = createEngineApi(realCore);
    const s = await api.load(lib('arm64-from-device-needs-sync.dma'));
    const devWrite = [...s.steps].find((x) => x.op === 'dev_write')!.index;
    const f = api.frame(devWrite);
    expect(f.focus).toBe('buf');
    const b = f.bytes!;
    const text = (u: Uint8Array) => new TextDecoder().decode(u.subarray(0, 8));
    expect(text(b.ram.bytes)).toBe('new data');
    expect(text(b.cpu.bytes)).toBe('old data');
    expect(b.devices[0]!.who).toBe('cam');
    const sync = [...s.steps].find((x) => x.op === 'dma_sync_single_for_cpu')!.index;
    const after = api.bytes(sync, 'buf', 0, 8)!;
    expect(text(after.cpu.bytes)).toBe(text(after.ram.bytes));
    expect(api.bytes(sync, 'nothing')).toBeNull();
  });

  it('bytes three ways: each device row carries its own mapping, whatever order the devices mapped in', async () => {
    // b maps x first, so the per-device index walks b before a; z is mapped by a (16 bytes) then b (all 64).
    const text = [
      'machine(arch=x86)',
      'device(a, dma_mask=64)',
      'device(b, dma_mask=64)',
      'x = kmalloc(64, GFP_KERNEL)',
      'z = kmalloc(64, GFP_KERNEL)',
      'hx = dma_map_single(b, x, 64, DMA_TO_DEVICE)',
      'hz = dma_map_single(a, z, 16, DMA_TO_DEVICE)',
      'hz2 = dma_map_single(b, z, 64, DMA_BIDIRECTIONAL)',
    ].join('\n');
    const api = createEngineApi(realCore);
    const s = await api.load(text);
    const b = api.bytes(s.stepCount, 'z')!;
    const rows = b.devices.map((d) => [d.who, d.mapping.dir, d.mapping.from, d.mapping.to]);
    expect(rows).toEqual([
      ['a', 'DMA_TO_DEVICE', 0, 16],
      ['b', 'DMA_BIDIRECTIONAL', 0, 64],
    ]);
  });

  it('records ownership lanes and the bounce series', async () => {
    const api = createEngineApi(realCore);
    const s = await api.load(lib('swiotlb-32bit-device.dma'));
    expect(s.lanes!.names).toEqual(['buf']);
    expect(s.bounces!.totalBytes).toBeGreaterThan(0);
    const map = [...s.steps].find((x) => x.op === 'dma_map_single')!.index;
    expect(Array.from(s.bounces!.steps)).toContain(map);
    const f = api.frame(map);
    expect(f.snapshot?.swiotlb?.used).toBeGreaterThan(0);
    expect(f.snapshot?.mappings[0]?.tlbAddr).toBeGreaterThan(0);
  });

  it('streams the timeline rows with the progress and can be cancelled', async () => {
    const progress: LoadProgress[] = [];
    let ticks = 0;
    let clock = 0;
    const api = createEngineApi(realCore, {
      post: (p) => progress.push(p),
      // A clock that runs 10 ms per call: slices end often.
      now: () => (clock += 10),
      yieldNow: async () => {
        ticks++;
      },
    });
    const text = loopScenario(3000);
    const s = await api.load(text, { runId: 3 });
    expect(s).toMatchObject({ ok: true, stepsStreamed: true });
    expect(s.steps.length).toBe(0);
    expect(ticks).toBeGreaterThan(0);
    // The chunks follow on (append refuses a gap) and make the same rows as a load that does not stream.
    const rows = new StepRows();
    for (const p of progress) if (p.rows) rows.append(p.rows);
    const n = s.stepCount;
    expect(n).toBeGreaterThanOrEqual(3000);
    expect(progress.filter((p) => p.rows && p.rows.count > 0).length).toBeGreaterThan(1);
    const whole = await createEngineApi(realCore).load(text);
    expect(whole.steps.length).toBe(n);
    expect([...rows]).toEqual([...whole.steps]);
    expect(progress[0]!.phase).toBe('parse');
    // Only the last message's total is exact; the ones before it are estimates.
    expect(progress.at(-1)).toMatchObject({ done: n, total: n, exact: true });
    expect(progress.slice(0, -1).some((p) => p.exact)).toBe(false);

    // A cancel while it runs: the old run stays.
    const pending = api.load(loopScenario(2000), { runId: 4 });
    api.cancel();
    const c = await pending;
    expect(c).toMatchObject({ ok: false, cancelled: true, runId: 3, stepCount: n });
    expect(api.frame(5).runId).toBe(3);
  });
});

describe('engine client', () => {
  it('a long load can be stepped while it runs: partial runs, frames answered before the load ends', async () => {
    const c = makeClient([], 60_000);
    const partials: PartialRun[] = [];
    let during: Promise<{ frame: Frame; loaded: boolean }> | null = null;
    let loaded = false;
    c.onPartial((p) => {
      partials.push(p);
      // The first frame asked for while the load runs: it does not wait for the load.
      during ??= c.frame(1).then((frame) => ({ frame, loaded }));
    });
    const s = await c.load(loopScenario(40_000));
    loaded = true;
    expect(s.ok).toBe(true);
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p.runId === s.runId && p.config.arch === 'arm64')).toBe(true);
    // The rows of the partial runs are the summary's, growing.
    expect(partials[0]!.rows).toBe(s.steps);
    const d = await during!;
    expect(d.loaded).toBe(false);
    expect(d.frame).toMatchObject({ runId: s.runId, step: 1, json: { source: 'a = kmalloc(4096, GFP_KERNEL)' } });
  });

  it('runs and fetches frames through comlink, rows put back from the progress', async () => {
    const c = makeClient([]);
    const seen: EngineProgress[] = [];
    c.onProgress((p) => seen.push(p));
    const s = await c.load(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_write(buf, "x")\n`);
    expect(s).toMatchObject({ ok: true, stepCount: 2 });
    expect([...s.steps].map((x) => x.op)).toEqual(['kmalloc', 'cpu_write']);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', done: 2 });
    const f = await c.frame(1);
    expect(f.runId).toBe(s.runId);
    expect(f.json?.source).toBe('buf = kmalloc(64, GFP_KERNEL)');
    expect((await c.frame(2, { buffer: 'buf' })).bytes?.buffer).toBe('buf');
    expect((await c.bytes(2, 'buf', 0, 1))?.cpu.bytes[0]).toBe(0x78);
  });

  it('a frame the worker sends without the parts the client holds is whole again, those parts the same objects', async () => {
    const text = `${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_write(buf, "x")\nh = dma_map_single(cam, buf, 64, DMA_TO_DEVICE)\ndev_read(cam, h, 1)\nb2 = kmalloc(64, GFP_KERNEL)\n`;
    const c = makeClient([]);
    await c.load(text);
    const f3 = await c.frame(3);
    const f4 = await c.frame(4);
    // dev_read changes no buffer, mapping or extent: the client kept the objects it had.
    expect(f4.snapshot!.buffers).toBe(f3.snapshot!.buffers);
    expect(f4.snapshot!.mappings).toBe(f3.snapshot!.mappings);
    expect(f4.extents).toBe(f3.extents);
    expect(f4.config).toBe(f3.config);
    expect(f4).not.toHaveProperty('reused');
    // The same as the whole frame the worker builds for a caller that holds nothing.
    const api = createEngineApi(realCore);
    await api.load(text);
    const whole = api.frame(4);
    const plain = (f: typeof whole) => ({ ...f, ms: 0, runId: 0, parts: null });
    expect(plain(f4)).toEqual(plain(whole));
    // A new buffer: the list comes as the one item it adds, the other is the object the client had.
    const f5 = await c.frame(5);
    expect(f5.snapshot!.buffers.map((b) => b.name)).toEqual(['buf', 'b2']);
    expect(f5.snapshot!.buffers[0]).toBe(f4.snapshot!.buffers[0]);
    expect(f5).not.toHaveProperty('lists');
    expect(plain(f5)).toEqual(plain(api.frame(5)));
  });

  it('a newer load cancels the one still running', async () => {
    const c = makeClient([]);
    const first = c.load(loopScenario(60_000));
    await new Promise((r) => setTimeout(r, 50));
    const second = c.load(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\n`);
    const a = await first;
    expect(a.cancelled).toBe(true);
    const b = await second;
    expect(b).toMatchObject({ ok: true, stepCount: 1 });
  });

  it('restarts a worker that throws and replays the last good run', async () => {
    const notices: EngineNotice[] = [];
    const c = makeClient(notices);
    const good = await c.load(`${HEAD}a = kmalloc(64, GFP_KERNEL)\nb = kmalloc(64, GFP_KERNEL)\nc = kmalloc(64, GFP_KERNEL)\n`);
    const err = await c.load('THROW').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).failure).toBe('threw');
    expect(c.restarts).toBe(1);
    expect(notices.at(-1)?.kind).toBe('restarted');
    expect(notices.at(-1)?.message).toMatch(/engine bug.*last good trace replayed/);
    const f = await c.frame(3);
    expect(f).toMatchObject({ runId: good.runId, step: 3, json: { source: 'c = kmalloc(64, GFP_KERNEL)' } });
  });

  it('restarts a worker that does not answer in time', async () => {
    const notices: EngineNotice[] = [];
    const c = makeClient(notices, 300);
    const good = await c.load(`${HEAD}a = kmalloc(64, GFP_KERNEL)\n`);
    const err = await c.load('HANG').catch((e: unknown) => e);
    expect((err as EngineError).failure).toBe('timeout');
    expect(notices.at(-1)?.message).toMatch(/stuck: no progress/);
    expect((await c.frame(1)).runId).toBe(good.runId);
    // And it keeps working for new text.
    expect((await c.load(`${HEAD}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\n`)).stepCount).toBe(2);
  });

  it('after a restart, replays the bytes the page keeps of a long scenario (the worker was given a copy)', async () => {
    const notices: EngineNotice[] = [];
    const c = makeClient(notices, 300);
    const keep = new TextEncoder().encode(`${HEAD}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\n`);
    const good = await c.load(keep.slice(), {}, keep);
    expect(good.stepCount).toBe(2);
    await c.load('HANG').catch(() => undefined);
    expect(notices.at(-1)?.message).toMatch(/last good trace replayed/);
    expect((await c.frame(2)).runId).toBe(good.runId);
    // Replayed from a copy: the page's own bytes were never transferred away.
    expect(keep.byteLength).toBeGreaterThan(0);
  });
});
