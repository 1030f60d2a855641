/**
 * The worker API (api.ts) over a fake runner, and the client (client.ts) over
 * comlink on a node MessageChannel: restart and replay when the engine throws
 * or hangs, answers about the last good run after a parse error, frame caps.
 */
import { MessageChannel } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_MAX_EVENTS, createEngineApi, stepInfo } from '../../src/worker/api.ts';
import type { EngineApi, Runner } from '../../src/worker/api.ts';
import { EngineClient, EngineError } from '../../src/worker/client.ts';
import type { EngineNotice, WorkerLike } from '../../src/worker/client.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import type { SimEvent } from '../../src/sim/events.ts';

function step(index: number, line: number, source: string, extra: Partial<StepJson> = {}): StepJson {
  return {
    index,
    line,
    source,
    op: source.replace(/\(.*$/, ''),
    result: null,
    data: null,
    error: null,
    warnings: [],
    observations: [],
    events: [],
    checks: [],
    ...extra,
  };
}

/** One step per non-empty line; "(" without ")" is a parse error; THROW throws. */
const fakeRunner: Runner = (text) => {
  if (text.includes('THROW')) throw new Error('engine bug');
  const lines = text.split('\n');
  const errors = lines.flatMap((l, i) => (l.includes('(') && !l.includes(')') ? [{ line: i + 1, col: l.length + 1, message: "expected ')'" }] : []));
  const steps = errors.length ? [] : lines.filter((l) => l.trim()).map((l, i) => step(i + 1, i + 1, l.trim()));
  const r: RunResult = { ok: errors.length === 0, config: null, steps, checks: { passed: 0, failed: 0 }, errors };
  return r;
};

/** A Worker stand-in: a fresh engine API behind comlink on a MessageChannel. HANG never answers. */
function fakeWorker(): WorkerLike {
  const api = createEngineApi(fakeRunner);
  const hanging: EngineApi = {
    ...api,
    load: ((text: string, opts) => (text.includes('HANG') ? new Promise(() => {}) : api.load(text, opts))) as EngineApi['load'],
  };
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(hanging, nodeEndpoint(port1));
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

function makeClient(notices: EngineNotice[]): EngineClient {
  const c = new EngineClient({ createWorker: fakeWorker, loadTimeoutMs: 300, frameTimeoutMs: 300, onNotice: (n) => notices.push(n) });
  clients.push(c);
  return c;
}

describe('engine API', () => {
  it('keeps the last good run when the text does not parse', () => {
    const api = createEngineApi(fakeRunner);
    const a = api.load('kmalloc(1)\nkfree(p)', { runId: 7 });
    expect(a).toMatchObject({ ok: true, runId: 7, stepCount: 2 });
    const b = api.load('kmalloc(1\n');
    expect(b.ok).toBe(false);
    expect(b.errors[0]).toMatchObject({ line: 1, message: "expected ')'" });
    expect(b.runId).toBe(7);
    expect(api.frame(2)).toMatchObject({ runId: 7, step: 2, json: { source: 'kfree(p)' } });
    expect(api.frame(0).json).toBeNull();
    expect(api.frame(99).step).toBe(2);
  });

  it('caps the events of a frame', () => {
    const events: SimEvent[] = Array.from({ length: FRAME_MAX_EVENTS + 20 }, (_, i) => ({ kind: 'log', level: 'info', text: `e${i}` }));
    const api = createEngineApi(() => ({ ok: true, config: null, steps: [step(1, 1, 'x()', { events })], checks: { passed: 0, failed: 0 }, errors: [] }));
    api.load('x()');
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
});

describe('engine client', () => {
  it('runs and fetches frames through comlink', async () => {
    const c = makeClient([]);
    const s = await c.load('a()\nb()');
    expect(s).toMatchObject({ ok: true, stepCount: 2 });
    const f = await c.frame(1);
    expect(f.runId).toBe(s.runId);
    expect(f.json?.source).toBe('a()');
  });

  it('restarts a worker that throws and replays the last good run', async () => {
    const notices: EngineNotice[] = [];
    const c = makeClient(notices);
    const good = await c.load('a()\nb()\nc()');
    const err = await c.load('THROW()').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).failure).toBe('threw');
    expect(c.restarts).toBe(1);
    expect(notices.at(-1)?.kind).toBe('restarted');
    expect(notices.at(-1)?.message).toMatch(/engine bug.*last good trace replayed/);
    const f = await c.frame(3);
    expect(f).toMatchObject({ runId: good.runId, step: 3, json: { source: 'c()' } });
  });

  it('restarts a worker that does not answer in time', async () => {
    const notices: EngineNotice[] = [];
    const c = makeClient(notices);
    const good = await c.load('a()');
    const err = await c.load('HANG()').catch((e: unknown) => e);
    expect((err as EngineError).failure).toBe('timeout');
    expect(notices.at(-1)?.message).toMatch(/did not answer/);
    expect((await c.frame(1)).runId).toBe(good.runId);
    // And it keeps working for new text.
    expect((await c.load('x()\ny()')).stepCount).toBe(2);
  });
});
