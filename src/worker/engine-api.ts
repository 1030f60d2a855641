/**
 * The engine API (api.ts) over an EngineCore: loads a run (stepping it,
 * streaming the timeline rows, taking checkpoints), then answers frames,
 * bytes and the run's JSON from it. Checkpoints and seeking are in
 * checkpoints.ts, what a frame sends in frames.ts. See api.ts for what each
 * call answers. Runs in the worker and in tests, never in the UI.
 */
import { operationDoc } from '../sim/operation.ts';
import { OPERATIONS } from '../sim/operations.ts';
import type { Machine } from '../sim/machine.ts';
import type { ParseErrorJson, StepJson } from '../scenario/result.ts';
import type { MachineConfig } from '../sim/config.ts';
import { BounceRecorder, EMPTY_BOUNCES, EMPTY_LANES, OwnershipTracker } from './ownership.ts';
import { BYTES_MAX, stepInfo } from './api.ts';
import type { CheckpointStats, EngineApi, EngineCore, EngineEnv, Frame, FrameOmitted, ImportedInput, ImportedLong, LoadOptions, LoadSummary } from './api.ts';
import { NO_ROWS, SourceSharing, StepRows } from './rows.ts';
import { CHECKPOINT_BUDGET_BYTES, CheckpointSeeker, CheckpointTaker, IMPORT_CHECKPOINT_BUDGET_BYTES } from './checkpoints.ts';
import { FrameCache, FrameParts, ShownFrames, focusOf, nothingOmitted, trimJson } from './frames.ts';
import { plainEvents } from '../sim/hw/line-actions.ts';
import { StepIndex } from './step-index.ts';
import { TextBytes } from './text-bytes.ts';
import { WIRE_BYTES_MIN, takeText } from './wire-text.ts';

/** Export JSON builds every record at once: at most this many events (about 100 MB of JSON). */
export const EXPORT_MAX_EVENTS = 500_000;
/** A long load yields (and posts progress) this often. */
export const SLICE_MS = 100;
/** Rows per progress message: small enough that the page decodes one in a few ms. */
const ROWS_PER_CHUNK = 4000;

interface Run {
  id: number;
  /** The text and where each step is in it: statements are read back from their lines, not kept parsed. */
  steps: StepIndex;
  config: MachineConfig;
  seeker: CheckpointSeeker;
  /** The buffer each step is about (focusOf at that step), by step; -1 for none. */
  focus: Int32Array;
  frames: FrameCache;
  shown: ShownFrames;
  stats: CheckpointStats;
  /** Still loading: frames answer for the steps run so far (their count grows), and none is kept as shown (its step count would go stale). */
  partial?: boolean;
}

/** The engine API over a core. Holds the last run that parsed. */
export function createEngineApi(core: EngineCore, env: EngineEnv = {}): EngineApi {
  const now = env.now ?? (() => performance.now());
  const yieldNow = env.yieldNow ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  let current: Run | null = null;
  /** Frame parts by identity, across runs: a caller holding a part is not sent it again. */
  const parts = new FrameParts();
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
  let source: { text: string | TextBytes; opts: Omit<LoadOptions, 'runId'> } | null = null;

  function failedSummary(errors: ParseErrorJson[], ms: number, cancelled = false): LoadSummary {
    return { ...summaryBase, ok: false, errors, steps: NO_ROWS, ms, ...(cancelled ? { cancelled } : {}) };
  }

  /** A load: its text goes in a box the import empties (no frame of the load holds a trace while its scenario runs); bytes from the wire are moved on, or decoded. */
  function load(text: string | Uint8Array, opts: LoadOptions = {}): Promise<LoadSummary> {
    return loadFrom(typeof text === 'string' ? { text } : { wire: text }, opts);
  }

  /**
   * What a load runs: the text, or what an import of it became, the input let
   * go (the box emptied). Not async: a suspended async function keeps the
   * values its frame held, and a 141 MiB trace passed to the import stayed for
   * the whole run.
   */
  function prepare(input: { text: string }, runOpts: Omit<LoadOptions, 'runId'>, id: number, t0: number): { body: string | TextBytes; imported: ImportedInput | null } {
    // A kernel trace or dma-debug dump is imported first; what runs is the scenario it becomes (long, as spans, when the page is sent it).
    const progress = (done: number, total: number) => env.post?.({ type: 'dma-engine:progress', runId: id, phase: 'import', done, total, ms: now() - t0 });
    const long = core.importInput?.(input.text, runOpts, progress, env.post !== undefined);
    if (!long) return { body: input.text, imported: null };
    input.text = '';
    return prepared(long, id, t0);
  }

  /** What a long import made elsewhere (EngineEnv.importLong) runs as. */
  function prepared(long: ImportedLong, id: number, t0: number): { body: string | TextBytes; imported: ImportedInput } {
    const { summary, report } = long;
    if ('scenario' in long) {
      const imported = { scenario: long.scenario, summary, report };
      posted(id, t0, imported, null);
      return { body: long.scenario, imported };
    }
    const imported = { scenario: '', summary, report };
    posted(id, t0, imported, long.bytes);
    return { body: new TextBytes(long.spans), imported };
  }

  /** The page shows what the trace became while it runs (and steps in it): sent once, not again with the summary (a long one as its bytes, moved). */
  function posted(id: number, t0: number, imported: ImportedInput, bytes: Uint8Array | null): void {
    env.post?.({ type: 'dma-engine:progress', runId: id, phase: 'parse', done: 0, total: 0, ms: now() - t0, imported: bytes ? { ...imported, bytes } : imported });
  }

  /** Bytes from the wire as text, decoded and let go (not async: see prepare). */
  function decoded(input: { wire: Uint8Array | null }): { text: string } {
    const text = takeText(input.wire!);
    input.wire = null;
    return { text };
  }

  async function loadFrom(input: { text: string } | { wire: Uint8Array | null }, opts: LoadOptions): Promise<LoadSummary> {
    const token = ++loadToken;
    // An import still going for a load this one replaces is stopped (its answer would be dropped).
    env.stopImport?.();
    const t0 = now();
    const { runId, ...runOpts } = opts;
    const id = runId ?? nextId;
    const post = env.post;
    // Long bytes may be a trace to import away from here (its memory given back when that ends).
    const importProgress = (done: number, total: number) => post?.({ type: 'dma-engine:progress', runId: id, phase: 'import', done, total, ms: now() - t0 });
    let long: ImportedLong | null = null;
    try {
      long = 'wire' in input && env.importLong && input.wire!.length >= WIRE_BYTES_MIN ? await env.importLong(input.wire!, runOpts, importProgress) : null;
    } catch (e) {
      if (token !== loadToken) return failedSummary([], now() - t0, true);
      // The import worker could not start (its bytes still here): imported here instead. Else the load says why it failed.
      if (!('wire' in input && input.wire!.byteLength > 0)) return failedSummary([{ line: 1, col: 1, message: e instanceof Error ? e.message : String(e) }], now() - t0);
    }
    if (token !== loadToken) return failedSummary([], now() - t0, true);
    /** What runs: the text, or a long imported scenario's spans (text-bytes.ts). */
    const { body, imported } = long ? prepared(long, id, t0) : prepare('wire' in input ? decoded(input) : input, runOpts, id, t0);
    const budget = env.checkpointBudgetBytes ?? (imported ? IMPORT_CHECKPOINT_BUDGET_BYTES : CHECKPOINT_BUDGET_BYTES);
    post?.({ type: 'dma-engine:progress', runId: id, phase: 'parse', done: 0, total: 0, ms: 0 });
    // Parse and run together: each step runs as the parse reaches it, and only its line's place is kept.
    const scan = core.scan(body, runOpts);
    const index = new StepIndex(core, body);
    const bodyLength = typeof body === 'string' ? body.length : body.byteLength;
    let m: Machine | null = null;
    let noMachine: string | null = null;
    let config: MachineConfig | null = null;
    // Posting: only the rows not yet sent are kept; else every row, for the summary.
    // One source lookup state for the run: a trace's sources, all different, are not hashed a million times.
    const sharing = new SourceSharing();
    let rows = new StepRows(sharing);
    let chunkFrom = 0;
    const owners = new OwnershipTracker();
    /** The buffer each step is about, by step (grown as the parse hands out steps). */
    let focus = new Int32Array(1024).fill(-1);
    const bounces = new BounceRecorder();
    let passed = 0;
    let failed = 0;
    const findings: number[] = [];
    let checkpoints: CheckpointTaker | null = null;
    /** The run that answers frames while this load goes on (from its first progress with steps); the previous run comes back if this load does not finish. */
    const before = current;
    let live = null as Run | null;
    const fallBack = () => {
      if (live && current === live) current = before;
    };

    /** Where the steps are in the text: the start of the first step's line and of the last one's. */
    let firstStart = -1;
    let readTo = 0;
    /** The steps expected: as many more as the text left holds at the rate of the steps read so far (bytes of step lines per step). */
    const expected = (done: number): number => {
      if (done === 0) return 0;
      // (Bytes are counted as characters: an estimate.)
      const end = typeof body === 'string' ? body.indexOf('\n', readTo) : readTo;
      const read = (end < 0 ? bodyLength : end + 1) - firstStart;
      return Math.max(done, Math.round((done * (bodyLength - firstStart)) / Math.max(1, read)));
    };
    /** Findings not yet posted start here. */
    let findingsSent = 0;
    const flush = (done: number, total = expected(done), exact = false) => {
      if (!post) return;
      const sent = { ...rows.chunk(0), from: chunkFrom };
      rows = new StepRows(sharing);
      chunkFrom = done;
      const found = Int32Array.from(findings.slice(findingsSent));
      findingsSent = findings.length;
      // The machine's configuration comes with the first steps: the page can show the run before it ends.
      const first = sent.from === 0 && config ? { config } : {};
      post({ type: 'dma-engine:progress', runId: id, phase: 'run', done, total, ...(exact ? { exact } : {}), ms: now() - t0, from: sent.from, rows: sent, findings: found, ...first });
      if (!exact && done > 0) goLive(done);
    };
    /** From the first posted steps on, frames answer about this run (for the steps run so far). */
    const goLive = (done: number) => {
      if (live || !checkpoints || !config) return;
      const cps: CheckpointTaker = checkpoints;
      live = {
        id,
        steps: index,
        config,
        seeker: new CheckpointSeeker(core, now, (k) => index.command(k), cps.list, done / cps.runMs()),
        focus,
        frames: new FrameCache(parts),
        shown: new ShownFrames(),
        stats: { count: 0, bytes: 0, interval: 0 },
        partial: true,
      };
      current = live;
    };
    /** The machine the header describes, built once (at the first step, or after the parse when there is none). */
    const build = (c: MachineConfig): Machine | null => {
      if (config) return m;
      config = c;
      try {
        m = core.createMachine(c);
        checkpoints = new CheckpointTaker((x) => (core.keep ?? core.clone)(x), now, budget, expected);
        checkpoints.take(0, null, m, owners.liveMappings);
      } catch (e) {
        noMachine = `the engine could not build this machine: ${e instanceof Error ? e.message : String(e)}`;
      }
      return m;
    };

    let lastCp = 0;
    let lastJson: StepJson | null = null;
    let sliceStart = now();
    let i = 0;
    let r = scan.next();
    for (; !r.done; r = scan.next()) {
      const mach = build(r.value.config);
      if (!mach) continue;
      const cmd = r.value.cmd;
      i++;
      index.add(r.value.line, r.value.lineStart);
      readTo = r.value.lineStart;
      if (firstStart < 0) firstStart = readTo;
      const { json, touches } = core.runStep(mach, cmd, i);
      lastJson = json;
      const info = stepInfo(json);
      passed += info.checksPassed;
      failed += info.checksFailed;
      if (info.finding) findings.push(i);
      // A long import's sources are cut by the page from the scenario's bytes it holds (rows.ts, pushCut): not sent.
      if (typeof body === 'string') rows.push(info);
      else rows.pushCut(info, cmd.loc.col - 1);
      if (post && rows.length >= ROWS_PER_CHUNK) flush(i);
      owners.afterStep(mach, i, touches);
      if (i === focus.length) {
        focus = grow(focus);
        if (live) live.focus = focus;
      }
      focus[i] = focusOf(mach, touches);
      bounces.afterStep(i, json.events);
      // The last step is not known until the parse ends: a checkpoint there is kept too (the end takes none again).
      if (i - lastCp >= checkpoints!.interval) {
        checkpoints!.take(i, json, mach, owners.liveMappings);
        lastCp = i;
      }
      // By time, not by step count: a run of slow steps still yields (to a cancel) and shows progress.
      if (now() - sliceStart > SLICE_MS) {
        flush(i);
        await yieldNow();
        if (token !== loadToken) {
          fallBack();
          return failedSummary([], now() - t0, true);
        }
        sliceStart = now();
      }
    }
    const scanned = r.value;
    if (!scanned.ok) {
      fallBack();
      return { ...failedSummary(scanned.errors, now() - t0), ...(imported ? { imported: postedOnce(imported) } : {}) };
    }
    source = { text: body, opts: runOpts };
    build(scanned.config);
    if (!m || !checkpoints) {
      fallBack();
      return failedSummary([{ line: 1, col: 1, message: noMachine ?? 'the engine could not build this machine' }], now() - t0);
    }
    const n = i;
    const cps: CheckpointTaker = checkpoints;
    // The machine after the last step is the last checkpoint (no clone: nothing steps it again).
    if (n > lastCp) cps.take(n, lastJson, m, owners.liveMappings, false);
    else if (n > 0) cps.list.at(-1)!.m = m;
    flush(n, n, true);
    const runMs = cps.runMs();
    const stats = cps.finish();
    // Replay reads each statement back and skips building records: count it about as fast as the load.
    const rate = n > 0 ? n / runMs : 100;
    current = {
      id,
      steps: index,
      config: scanned.config,
      seeker: new CheckpointSeeker(core, now, (k) => index.command(k), cps.list, rate),
      focus: focus.slice(0, n + 1),
      // The frames made while it loaded are of the same steps.
      frames: live?.frames ?? new FrameCache(parts),
      shown: new ShownFrames(),
      stats,
    };
    nextId = Math.max(nextId, id) + 1;
    summaryBase = {
      runId: id,
      stepCount: n,
      checks: { passed, failed },
      config: scanned.config,
      lanes: owners.lanes(),
      bounces: bounces.series(),
      checkpoints: stats,
      findings: Int32Array.from(findings),
    };
    return {
      ...summaryBase,
      ok: true,
      errors: [],
      steps: post ? NO_ROWS : rows,
      ...(post ? { stepsStreamed: true } : {}),
      ...(imported ? { imported: postedOnce(imported) } : {}),
      ...(scanned.teaching ? { teaching: scanned.teaching } : {}),
      ms: now() - t0,
    };
  }

  /** An import's answer: its scenario left out when the progress already carried it. */
  function postedOnce(imported: ImportedInput): ImportedInput {
    return env.post ? { ...imported, scenario: '', scenarioPosted: true } : imported;
  }

  function clampStep(run: Run, step: number): number {
    return Math.max(0, Math.min(run.steps.count, Math.trunc(Number.isFinite(step) ? step : 0)));
  }

  return {
    ping: () => 'pong',

    load,

    cancel() {
      loadToken++;
      env.stopImport?.();
    },

    frame(step, opts = {}) {
      const run = current;
      if (!run) {
        return { runId: 0, step: 0, stepCount: 0, json: null, omitted: nothingOmitted(), config: null, snapshot: null, focus: null, bytes: null, ms: 0 };
      }
      const t0 = now();
      const k = clampStep(run, step);
      const key = opts.snapshot === false || run.partial ? null : ShownFrames.key(k, opts);
      const shown = key === null ? undefined : run.shown.get(key);
      if (shown) return parts.send({ ...shown, ms: now() - t0 }, opts.have);
      const at = run.seeker.machineAt(k);
      let json: StepJson | null = null;
      let omitted: FrameOmitted = nothingOmitted();
      if (at.json) ({ json, omitted } = trimJson(at.json));
      const base: Frame = { runId: run.id, step: k, stepCount: run.steps.count, json, omitted, config: run.config, origin: k > 0 ? run.steps.origin(k) : null };
      if (opts.snapshot === false) return { ...base, ms: now() - t0 };
      const focus = run.focus[k]! >= 0 ? at.m.buffers[run.focus[k]!]!.name : null;
      const want = opts.buffer && at.m.names[opts.buffer]?.t === 'buf' ? opts.buffer : focus;
      const cached = run.frames.get(core, at.m, k, want, focus);
      const bytes = want ? core.bytes(at.m, want, Math.max(0, opts.offset ?? 0), Math.min(BYTES_MAX, opts.len ?? BYTES_MAX)) : null;
      const whole: Frame = { ...base, snapshot: cached.snapshot, snapshotOmitted: cached.omitted, extents: cached.extents, focus, bytes, ms: now() - t0 };
      if (key !== null) run.shown.set(key, whole);
      return parts.send(whole, opts.have);
    },

    runJson() {
      if (!source || !current) return null;
      // Bounded: the records are built at once and stringified by the page; a run past the export budget is refused, not attempted.
      let events = 0;
      const total = current.steps.count;
      const result = core.run(typeof source.text === 'string' ? source.text : source.text.whole(), source.opts, (st) => {
        events += st.events.length + 1;
        if (events > EXPORT_MAX_EVENTS) {
          throw new Error(`this run is too large to export as JSON in the browser (more than ${EXPORT_MAX_EVENTS.toLocaleString('en-US')} events by step ${st.index} of ${total}); the CLI exports any run: npm run -s cli -- run FILE --json`);
        }
      });
      // posted to the page: each `cache_maint` with its lines listed (they are made when read, and postMessage copies only what is there)
      return result.errors.length > 0 ? null : { ...result, steps: result.steps.map((st) => ({ ...st, events: plainEvents(st.events) })) };
    },

    operations() {
      return [...OPERATIONS.values()].map(operationDoc);
    },

    bytes(step, buffer, offset = 0, len = BYTES_MAX) {
      const run = current;
      if (!run) return null;
      const at = run.seeker.machineAt(clampStep(run, step));
      return core.bytes(at.m, buffer, Math.max(0, offset), Math.min(BYTES_MAX, len));
    },
  };
}

/** A focus array twice as long, the new half without a focus (-1). */
function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2).fill(-1);
  b.set(a);
  return b;
}
