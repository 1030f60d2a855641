/**
 * The engine API (api.ts) over an EngineCore: runs a scenario with
 * checkpoints, seeks, snapshots. See api.ts for what each call answers and
 * how seeking works. Runs in the worker and in tests, never in the UI.
 */
import type { Command } from '../sim/command.ts';
import { operationDoc } from '../sim/operation.ts';
import { OPERATIONS } from '../sim/operations.ts';
import type { SimEvent } from '../sim/events.ts';
import type { Machine } from '../sim/machine.ts';
import type { MachineSnapshot } from '../sim/snapshot.ts';
import type { ParseErrorJson, StepJson } from '../scenario/result.ts';
import type { MachineConfig } from '../sim/config.ts';
import { exactMapping, findMapping } from '../sim/dma/tracking.ts';
import { bufferInfo } from '../sim/snapshot.ts';
import { BounceRecorder, EMPTY_BOUNCES, EMPTY_LANES, OwnershipTracker } from './ownership.ts';
import {
  BYTES_MAX,
  FRAME_MAX_DATA_BYTES,
  FRAME_MAX_EVENTS,
  FRAME_MAX_LINES_PER_EVENT,
  SNAPSHOT_MAX_ITEMS,
  stepInfo,
} from './api.ts';
import type {
  CheckpointStats,
  EngineApi,
  EngineCore,
  EngineEnv,
  Extents,
  Frame,
  FrameOmitted,
  LoadOptions,
  LoadSummary,
  SnapshotOmitted,
  StepInfo,
} from './api.ts';

export const MIN_INTERVAL = 64;
export const CHECKPOINT_BUDGET_BYTES = 256 * 1024 * 1024;
/** Export JSON builds every record at once: at most this many events (about 100 MB of JSON). */
export const EXPORT_MAX_EVENTS = 500_000;
/** A long load yields (and posts progress) this often. */
export const SLICE_MS = 100;
/** Rows per progress message: small enough that the page decodes one in a few ms. */
const ROWS_PER_CHUNK = 4000;

function trimEvents(events: SimEvent[]): { events: SimEvent[]; omitted: FrameOmitted } {
  const omitted: FrameOmitted = { events: 0, lines: 0, dataBytes: 0 };
  let out = events;
  if (out.length > FRAME_MAX_EVENTS) {
    omitted.events = out.length - FRAME_MAX_EVENTS;
    out = out.slice(0, FRAME_MAX_EVENTS);
  }
  if (out.some((e) => e.kind === 'cache_maint' && e.lines.length > FRAME_MAX_LINES_PER_EVENT)) {
    out = out.map((e) => {
      if (e.kind !== 'cache_maint' || e.lines.length <= FRAME_MAX_LINES_PER_EVENT) return e;
      omitted.lines += e.lines.length - FRAME_MAX_LINES_PER_EVENT;
      return { ...e, lines: e.lines.slice(0, FRAME_MAX_LINES_PER_EVENT) };
    });
  }
  return { events: out, omitted };
}

function trimJson(s: StepJson): { json: StepJson; omitted: FrameOmitted } {
  const trimmed = trimEvents(s.events);
  const omitted = trimmed.omitted;
  let data = s.data;
  if (data && data.hex.length > 2 * FRAME_MAX_DATA_BYTES) {
    omitted.dataBytes = data.hex.length / 2 - FRAME_MAX_DATA_BYTES;
    data = { hex: data.hex.slice(0, 2 * FRAME_MAX_DATA_BYTES), text: data.text === null ? null : data.text.slice(0, FRAME_MAX_DATA_BYTES) };
  }
  return { json: { ...s, data, events: trimmed.events }, omitted };
}

/** The buffer a statement names: an assigned buffer, a buffer argument, or the buffer behind a DMA handle or sg table. */
export function focusBuffer(m: Machine, cmd: Command | null): string | null {
  if (!cmd) return null;
  const names: string[] = [...cmd.targets];
  for (const a of cmd.args) if (a.k === 'name' || a.k === 'offset') names.push(a.name);
  for (const n of names) {
    const v = m.names[n];
    if (!v) continue;
    let id = -1;
    if (v.t === 'buf') id = v.id;
    else if (v.t === 'dma') {
      const r = exactMapping(m, v.dev, v.addr) ?? findMapping(m, v.dev, v.addr, 1);
      if (r) id = r.bufId;
    } else if (v.t === 'sgt') id = m.sgts[v.id]?.entries[0]?.bufId ?? -1;
    const b = id >= 0 ? m.buffers[id] : undefined;
    if (!b) continue;
    // bytesThreeWays finds buffers by name: only a name still bound to this buffer works.
    const bound = m.names[b.name];
    if (bound && bound.t === 'buf' && bound.id === b.id) return b.name;
  }
  return null;
}

function capSnapshot(s: MachineSnapshot, keep: Set<string>): { snapshot: MachineSnapshot; omitted: SnapshotOmitted } {
  const omitted: SnapshotOmitted = { buffers: 0, mappings: 0, debugEntries: 0 };
  let { buffers, mappings } = s;
  let entries = s.debug.entries;
  if (buffers.length > SNAPSHOT_MAX_ITEMS) {
    const wanted = buffers.filter((b) => keep.has(b.name));
    const ids = new Set(wanted.map((b) => b.id));
    const rest = buffers.filter((b) => !ids.has(b.id)).slice(0, SNAPSHOT_MAX_ITEMS - wanted.length);
    omitted.buffers = buffers.length - wanted.length - rest.length;
    buffers = [...wanted, ...rest].sort((a, b) => a.id - b.id);
  }
  if (mappings.length > SNAPSHOT_MAX_ITEMS) {
    const ids = new Set(buffers.map((b) => b.id));
    const wanted = mappings.filter((r) => ids.has(r.bufId)).slice(0, SNAPSHOT_MAX_ITEMS);
    omitted.mappings = mappings.length - wanted.length;
    mappings = wanted;
  }
  if (entries.length > SNAPSHOT_MAX_ITEMS) {
    omitted.debugEntries = entries.length - SNAPSHOT_MAX_ITEMS;
    entries = entries.slice(0, SNAPSHOT_MAX_ITEMS);
  }
  if (buffers === s.buffers && mappings === s.mappings && entries === s.debug.entries) return { snapshot: s, omitted };
  return { snapshot: { ...s, buffers, mappings, debug: { ...s.debug, entries } }, omitted };
}

function extentsOf(s: MachineSnapshot): Extents {
  let n = 0;
  for (const b of s.buffers) n += b.pieces.length;
  const buffers = new Float64Array(n * 3);
  let i = 0;
  for (const b of s.buffers) {
    for (const p of b.pieces) {
      buffers[i++] = p.phys;
      buffers[i++] = p.len;
      buffers[i++] = b.id;
    }
  }
  const mappings = new Float64Array(s.mappings.length * 4);
  i = 0;
  for (const r of s.mappings) {
    mappings[i++] = r.phys;
    mappings[i++] = r.size;
    mappings[i++] = r.tlbAddr;
    mappings[i++] = r.owner === 'device' ? 1 : 0;
  }
  return { buffers, mappings };
}

/**
 * The snapshot a frame sends. Small machines: the engine's snapshot, long
 * lists capped. Machines with thousands of live buffers or dma-debug entries:
 * the snapshot of a shallow copy holding only the buffers worth sending (the
 * wanted ones first) and no dma-debug entries (their count goes in
 * `omitted`), so the cost does not grow with every live buffer; the extents
 * still cover every buffer and mapping.
 */
function frameSnapshot(core: EngineCore, m: Machine, keep: Set<string>): { snapshot: MachineSnapshot; omitted: SnapshotOmitted; extents: Extents } {
  let live = 0;
  for (const b of m.buffers) if (b.live) live++;
  if (live <= SNAPSHOT_MAX_ITEMS && m.debug.liveCount <= SNAPSHOT_MAX_ITEMS) {
    const full = core.snapshot(m);
    const { snapshot, omitted } = capSnapshot(full, keep);
    return { snapshot, omitted, extents: extentsOf(full) };
  }
  const kept: Machine['buffers'] = [];
  const ids = new Set<number>();
  for (const name of keep) {
    const v = m.names[name];
    const b = v && v.t === 'buf' ? m.buffers[v.id] : undefined;
    if (b && b.live && !ids.has(b.id)) {
      kept.push(b);
      ids.add(b.id);
    }
  }
  for (const b of m.buffers) {
    if (kept.length >= SNAPSHOT_MAX_ITEMS) break;
    if (b.live && !ids.has(b.id)) {
      kept.push(b);
      ids.add(b.id);
    }
  }
  kept.sort((a, b) => a.id - b.id);
  const shallow: Machine = { ...m, buffers: kept, debug: { ...m.debug, buckets: [], liveCount: 0, cachelines: new Map() } };
  const part = core.snapshot(shallow);
  const maps = part.mappings;
  const mappings = maps.length > SNAPSHOT_MAX_ITEMS ? maps.filter((r) => ids.has(r.bufId)).slice(0, SNAPSHOT_MAX_ITEMS) : maps;
  // Extents of every live buffer (contiguous ones without building their BufferInfo).
  const ext: number[] = [];
  for (const b of m.buffers) {
    if (!b.live) continue;
    if (b.phys >= 0) ext.push(b.phys, b.size, b.id);
    else for (const p of bufferInfo(m, b).pieces) ext.push(p.phys, p.len, b.id);
  }
  const mext = new Float64Array(maps.length * 4);
  let i = 0;
  for (const r of maps) {
    mext[i++] = r.phys;
    mext[i++] = r.size;
    mext[i++] = r.tlbAddr;
    mext[i++] = r.owner === 'device' ? 1 : 0;
  }
  return {
    snapshot: { ...part, mappings, debug: { entries: [], cachelines: [] } },
    omitted: { buffers: live - kept.length, mappings: maps.length - mappings.length, debugEntries: m.debug.liveCount },
    extents: { buffers: Float64Array.from(ext), mappings: mext },
  };
}

interface Checkpoint {
  step: number;
  m: Machine;
  /** The record of the step that led here (null for step 0). */
  json: StepJson | null;
  bytes: number;
  cloneMs: number;
}

interface Run {
  id: number;
  body: Command[];
  /** For an imported scenario, each step's `# trace line …` comment. */
  origins: Array<string | null> | null;
  config: MachineConfig;
  checkpoints: Checkpoint[];
  /** Steps per ms when replaying. */
  rate: number;
  cursor: { m: Machine; step: number; json: StepJson | null } | null;
  frames: Map<string, { snapshot: MachineSnapshot; omitted: SnapshotOmitted; extents: Extents }>;
  stats: CheckpointStats;
}

function estimateBytes(m: Machine, liveMappings: number): number {
  const c = m.cache;
  const slots = c.size / c.line;
  return (
    m.ram.pages.size * 4160 +
    c.size * 2 +
    slots * 17 +
    m.buffers.length * 240 +
    liveMappings * 420 +
    (m.swiotlb ? m.swiotlb.nslabs * 16 : 0) +
    m.vmap.size * 40 +
    16 * 1024
  );
}

/** The engine API over a core. Holds the last run that parsed. */
export function createEngineApi(core: EngineCore, env: EngineEnv = {}): EngineApi {
  const now = env.now ?? (() => performance.now());
  const yieldNow = env.yieldNow ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  const budget = env.checkpointBudgetBytes ?? CHECKPOINT_BUDGET_BYTES;
  let current: Run | null = null;
  let summaryBase: Omit<LoadSummary, 'ok' | 'errors' | 'ms' | 'cancelled' | 'steps' | 'stepsStreamed'> = {
    runId: 0,
    stepCount: 0,
    checks: { passed: 0, failed: 0 },
    config: null,
    lanes: EMPTY_LANES,
    bounces: EMPTY_BOUNCES,
    checkpoints: { count: 0, bytes: 0, interval: 0 },
  };
  let nextId = 1;
  let loadToken = 0;
  /** What the current run was loaded from, for runJson(). */
  let source: { text: string; opts: Omit<LoadOptions, 'runId'> } | null = null;

  function failedSummary(errors: ParseErrorJson[], ms: number, cancelled = false): LoadSummary {
    return { ...summaryBase, ok: false, errors, steps: [], ms, ...(cancelled ? { cancelled } : {}) };
  }

  async function load(text: string, opts: LoadOptions = {}): Promise<LoadSummary> {
    const token = ++loadToken;
    const t0 = now();
    const { runId, ...runOpts } = opts;
    const id = runId ?? nextId;
    const post = env.post;
    // A kernel trace or dma-debug dump is imported first; what runs is the scenario it becomes.
    const imported = core.importInput?.(text, runOpts, (done, total) => post?.({ type: 'dma-engine:progress', runId: id, phase: 'import', done, total, ms: now() - t0 }));
    if (imported) text = imported.scenario;
    post?.({ type: 'dma-engine:progress', runId: id, phase: 'parse', done: 0, total: 0, ms: 0 });
    const prepared = core.prepare(text, runOpts);
    if (!prepared.ok) return { ...failedSummary(prepared.errors, now() - t0), ...(imported ? { imported } : {}) };
    source = { text, opts: runOpts };
    let m: Machine;
    try {
      m = core.createMachine(prepared.config);
    } catch (e) {
      return failedSummary([{ line: 1, col: 1, message: `the engine could not build this machine: ${e instanceof Error ? e.message : String(e)}` }], now() - t0);
    }
    const { body, config } = prepared;
    const n = body.length;
    const infos: StepInfo[] = post ? [] : new Array<StepInfo>(n);
    let chunk: StepInfo[] = [];
    let chunkFrom = 0;
    const owners = new OwnershipTracker();
    const bounces = new BounceRecorder();
    const checkpoints: Checkpoint[] = [];
    let cpBytes = 0;
    let cloneTotal = 0;
    let minInterval = MIN_INTERVAL;
    let interval = MIN_INTERVAL;
    let passed = 0;
    let failed = 0;
    const findings: number[] = [];
    const runStart = now();

    const take = (step: number, json: StepJson | null, machine: Machine, cloneIt: boolean) => {
      const c0 = now();
      const copy = cloneIt ? core.clone(machine) : machine;
      const cloneMs = cloneIt ? now() - c0 : 0;
      cloneTotal += cloneMs;
      // Restoring costs a clone too: measure it even for the last one (not cloned here).
      const bytes = estimateBytes(machine, owners.liveMappings);
      checkpoints.push({ step, m: copy, json, bytes, cloneMs: cloneIt ? cloneMs : -1 });
      cpBytes += bytes;
      while (cpBytes > budget && checkpoints.length > 2) {
        // Keep step 0 and the newest; drop every other one in between.
        const kept = checkpoints.filter((_c, i) => i === 0 || i === checkpoints.length - 1 || i % 2 === 0);
        checkpoints.length = 0;
        checkpoints.push(...kept);
        cpBytes = kept.reduce((s, c) => s + c.bytes, 0);
        minInterval *= 2;
      }
      const elapsed = Math.max(1, now() - runStart - cloneTotal);
      const rate = step / elapsed;
      interval = Math.max(minInterval, Math.ceil(4 * cloneMs * rate));
    };

    const flush = (done: number) => {
      if (!post) return;
      const rows = chunk;
      chunk = [];
      const from = chunkFrom;
      chunkFrom = done;
      post({ type: 'dma-engine:progress', runId: id, phase: 'run', done, total: n, ms: now() - t0, from, rows });
    };

    take(0, null, m, true);
    let lastCp = 0;
    let lastJson: StepJson | null = null;
    let sliceStart = now();
    for (let i = 1; i <= n; i++) {
      const cmd = body[i - 1]!;
      const { json, touches } = core.runStep(m, cmd, i);
      lastJson = json;
      const info = stepInfo(json);
      passed += info.checksPassed;
      failed += info.checksFailed;
      if (info.finding) findings.push(i);
      if (post) {
        chunk.push(info);
        if (chunk.length >= ROWS_PER_CHUNK) flush(i);
      } else infos[i - 1] = info;
      owners.afterStep(m, i, touches, json.events);
      bounces.afterStep(i, json.events);
      if (i < n && i - lastCp >= interval) {
        take(i, json, m, true);
        lastCp = i;
      }
      // By time, not by step count: a run of slow steps still yields (to a cancel) and shows progress.
      if (now() - sliceStart > SLICE_MS) {
        flush(i);
        await yieldNow();
        if (token !== loadToken) return failedSummary([], now() - t0, true);
        sliceStart = now();
      }
    }
    // The machine after the last step is the last checkpoint (no clone: nothing steps it again).
    if (n > 0) take(n, lastJson, m, false);
    flush(n);
    const runMs = Math.max(1, now() - runStart - cloneTotal);
    const measured = checkpoints.filter((c) => c.cloneMs >= 0);
    const avgClone = measured.reduce((s, c) => s + c.cloneMs, 0) / Math.max(1, measured.length);
    const last = checkpoints.at(-1)!;
    last.cloneMs = avgClone;
    const stats: CheckpointStats = {
      count: checkpoints.length,
      bytes: cpBytes,
      interval: checkpoints.length > 1 ? last.step - checkpoints.at(-2)!.step : 0,
    };
    current = {
      id,
      body,
      origins: prepared.origins ?? null,
      config,
      checkpoints,
      // Replay skips building records: count it about twice as fast as the load.
      rate: n > 0 ? (2 * n) / runMs : 100,
      cursor: null,
      frames: new Map(),
      stats,
    };
    nextId = Math.max(nextId, id) + 1;
    summaryBase = {
      runId: id,
      stepCount: n,
      checks: { passed, failed },
      config,
      lanes: owners.lanes(),
      bounces: bounces.series(),
      checkpoints: stats,
      findings: Int32Array.from(findings),
    };
    return {
      ...summaryBase,
      ok: true,
      errors: [],
      steps: post ? [] : infos,
      ...(post ? { stepsStreamed: true } : {}),
      ...(imported ? { imported } : {}),
      ...(prepared.teaching ? { teaching: prepared.teaching } : {}),
      ms: now() - t0,
    };
  }

  /** The machine after step k, read-only, and the record of step k. */
  function machineAt(run: Run, k: number): { m: Machine; json: StepJson | null } {
    const cur = run.cursor;
    if (cur && cur.step === k) return cur;
    const cps = run.checkpoints;
    // The last checkpoint at or before k (binary search).
    let lo = 0;
    let hi = cps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cps[mid]!.step <= k) lo = mid;
      else hi = mid - 1;
    }
    const cp = cps[lo]!;
    if (cp.step === k) return cp;
    let best = cp;
    let bestCost = cp.cloneMs + (k - cp.step) / run.rate;
    // An earlier checkpoint that is much cheaper to clone may win (big machines).
    for (let j = lo - 1; j >= 0 && j >= lo - 8; j--) {
      const c = cps[j]!;
      const cost = c.cloneMs + (k - c.step) / run.rate;
      if (cost < bestCost) {
        best = c;
        bestCost = cost;
      }
    }
    const cursorCost = cur && cur.step < k ? (k - cur.step) / run.rate : Infinity;
    if (!cur || cursorCost > bestCost) {
      const t = now();
      run.cursor = { m: core.clone(best.m), step: best.step, json: best.json };
      best.cloneMs = 0.5 * best.cloneMs + 0.5 * (now() - t);
    }
    const c = run.cursor!;
    const t = now();
    const from = c.step;
    for (let i = c.step + 1; i < k; i++) core.replayStep(c.m, run.body[i - 1]!);
    c.json = core.runStep(c.m, run.body[k - 1]!, k).json;
    c.step = k;
    const dt = now() - t;
    if (k - from > 32 && dt > 0) run.rate = 0.7 * run.rate + 0.3 * ((k - from) / dt);
    return c;
  }

  function clampStep(run: Run, step: number): number {
    return Math.max(0, Math.min(run.body.length, Math.trunc(Number.isFinite(step) ? step : 0)));
  }

  return {
    ping: () => 'pong',

    load,

    cancel() {
      loadToken++;
    },

    frame(step, opts = {}) {
      const run = current;
      if (!run) {
        return { runId: 0, step: 0, stepCount: 0, json: null, omitted: { events: 0, lines: 0, dataBytes: 0 }, config: null, snapshot: null, focus: null, bytes: null, ms: 0 };
      }
      const t0 = now();
      const k = clampStep(run, step);
      const at = machineAt(run, k);
      let json: StepJson | null = null;
      let omitted: FrameOmitted = { events: 0, lines: 0, dataBytes: 0 };
      if (at.json) ({ json, omitted } = trimJson(at.json));
      const base: Frame = { runId: run.id, step: k, stepCount: run.body.length, json, omitted, config: run.config, origin: k > 0 ? (run.origins?.[k - 1] ?? null) : null };
      if (opts.snapshot === false) return { ...base, ms: now() - t0 };
      const focus = focusBuffer(at.m, k > 0 ? run.body[k - 1]! : null);
      const want = opts.buffer && at.m.names[opts.buffer]?.t === 'buf' ? opts.buffer : focus;
      const cacheKey = `${k}|${want ?? ''}|${focus ?? ''}`;
      let cached = run.frames.get(cacheKey);
      if (!cached) {
        const keep = new Set<string>();
        if (want) keep.add(want);
        if (focus) keep.add(focus);
        cached = frameSnapshot(core, at.m, keep);
        run.frames.set(cacheKey, cached);
        if (run.frames.size > 6) run.frames.delete(run.frames.keys().next().value!);
      }
      const bytes = want ? core.bytes(at.m, want, Math.max(0, opts.offset ?? 0), Math.min(BYTES_MAX, opts.len ?? BYTES_MAX)) : null;
      return { ...base, snapshot: cached.snapshot, snapshotOmitted: cached.omitted, extents: cached.extents, focus, bytes, ms: now() - t0 };
    },

    runJson() {
      if (!source || !current) return null;
      const prepared = core.prepare(source.text, source.opts);
      if (!prepared.ok) return null;
      const m = core.createMachine(prepared.config);
      // Bounded: the records are built at once and stringified by the page; a run past the export budget is refused, not attempted.
      const steps: StepJson[] = [];
      let events = 0;
      for (let i = 0; i < prepared.body.length; i++) {
        const st = core.runStep(m, prepared.body[i]!, i + 1).json;
        events += st.events.length + 1;
        if (events > EXPORT_MAX_EVENTS) {
          throw new Error(`this run is too large to export as JSON in the browser (more than ${EXPORT_MAX_EVENTS.toLocaleString('en-US')} events by step ${i + 1} of ${prepared.body.length}); the CLI exports any run: npm run -s cli -- run FILE --json`);
        }
        steps.push(st);
      }
      let passed = 0;
      let failed = 0;
      for (const st of steps) for (const c of st.checks) c.passed ? passed++ : failed++;
      const threw = steps.some((st) => st.error === 'EXCEPTION');
      return { ok: failed === 0 && !threw, config: prepared.config, steps, checks: { passed, failed }, errors: [], ...(prepared.teaching ? { teaching: prepared.teaching } : {}) };
    },

    operations() {
      return [...OPERATIONS.values()].map(operationDoc);
    },

    bytes(step, buffer, offset = 0, len = BYTES_MAX) {
      const run = current;
      if (!run) return null;
      const at = machineAt(run, clampStep(run, step));
      return core.bytes(at.m, buffer, Math.max(0, offset), Math.min(BYTES_MAX, len));
    },
  };
}
