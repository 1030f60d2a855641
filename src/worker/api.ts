/**
 * The engine worker's API: what the explorer may ask the engine, and the
 * shapes of the answers. The UI imports this file for its types only
 * (`import type`); engine-api.ts implements it (checkpoints in
 * checkpoints.ts, what a frame sends in frames.ts), engine.worker.ts exposes
 * it through comlink, client.ts calls it.
 *
 * How the implementation works:
 * - `load` parses the text, builds a Machine and steps it through every
 *   statement as the parse reaches it, keeping the text and where each
 *   step's line is (not the parsed statements: a step needed again is read
 *   back from its line), one line of facts per step (StepInfo), who owns each
 *   buffer at each step (ownership lanes), the bytes bounced per step, and a
 *   structuredClone checkpoint of the machine every so many steps. Checkpoint
 *   spacing adapts: at least MIN_INTERVAL steps apart, and far enough apart
 *   that cloning costs at most about a fifth of the run time; when their
 *   estimated memory passes CHECKPOINT_BUDGET_BYTES every other one is
 *   dropped. Long runs yield every SLICE_MS so a cancel gets through, and
 *   post progress (with the StepInfo rows, in chunks) through `env.post`.
 * - `frame(step)` seeks: it continues the live "cursor" machine when that is
 *   cheaper, else clones the best checkpoint at or before the step and
 *   replays (without building records) up to it. It answers with the step's
 *   record, a MachineSnapshot (big lists capped) and the bytes three ways of
 *   the selected buffer (or the buffer the step is about: the first it
 *   touched, recorded per step at load).
 */
import type { Arch, MachineConfig } from '../sim/config.ts';
import type { Command } from '../sim/command.ts';
import type { TextSpans } from '../scenario/parser.ts';
import type { Machine } from '../sim/machine.ts';
import type { OperationDoc } from '../sim/operation.ts';
import type { Touches } from '../sim/outcome.ts';
import type { BytesThreeWays, MachineSnapshot, SnapshotSubset } from '../sim/snapshot.ts';
import type { ParseErrorJson, RunResult, StepJson, Teaching } from '../scenario/result.ts';
import type { ImportReport } from '../import/report.ts';
import type { OwnershipLanes } from './lanes.ts';
import type { BounceSeries } from './ownership.ts';
import type { RowChunk, Rows } from './rows.ts';
import type { PackedSpans } from './text-bytes.ts';

export type { OwnershipLanes } from './lanes.ts';
export type { BounceSeries } from './ownership.ts';
export type { BytesThreeWays, DeviceByteView, DeviceWindow, MachineSnapshot } from '../sim/snapshot.ts';

export interface LoadOptions {
  arch?: Arch;
  kernel?: string;
  /**
   * The caller's id for this run (the client numbers runs, across worker
   * restarts). Frames carry it, so an answer about an older run can be told
   * apart from one about the current run.
   */
  runId?: number;
}

/** One line of facts about one step: enough for the timeline and "next finding". */
export interface StepInfo {
  /** 1-based, as StepJson.index. */
  index: number;
  line: number;
  source: string;
  op: string;
  error: string | null;
  warnings: number;
  observations: number;
  checksPassed: number;
  checksFailed: number;
  /** Worth stopping at: a kernel log line, a failed check, an observation, or an error no check expected. */
  finding: boolean;
}

export interface CheckpointStats {
  count: number;
  /** Estimated bytes they hold. */
  bytes: number;
  /** Steps between the last two (the current spacing). */
  interval: number;
}

export interface LoadSummary {
  /** True when the text parsed and ran; false on parse errors (then the previous run stays loaded). */
  ok: boolean;
  errors: ParseErrorJson[];
  /** A newer load or cancel() stopped this one before it finished; nothing changed. */
  cancelled?: boolean;
  /** The run that `frame()` now answers about (the previous good one when `ok` is false; 0: none). */
  runId: number;
  /** Number of statements after the header (steps 1..stepCount; step 0 is "machine built"). */
  stepCount: number;
  /** One per step, stored by column (rows.ts). Sent in chunks with the progress messages when the API posts progress (the client puts them back here). */
  steps: Rows;
  /** True when `steps` went out with the progress messages. */
  stepsStreamed?: boolean;
  /** The steps run so far of a load still going (the page's provisional summary, replaced by the load's own when it ends). */
  partial?: boolean;
  /** The steps that are findings (StepInfo.finding), ascending: the timeline pins them without walking `steps`. */
  findings?: Int32Array;
  checks: { passed: number; failed: number };
  config: MachineConfig | null;
  /** Who owns each buffer at each step (always sent by the worker; optional for hand-made summaries). */
  lanes?: OwnershipLanes;
  /** Bytes bounced through swiotlb per step. */
  bounces?: BounceSeries;
  checkpoints?: CheckpointStats;
  /** Milliseconds the run took inside the worker. */
  ms: number;
  /** The scenario's teaching markup (narration by step, lesson header, compare presets, hints, bug-hunt regions), when it has some. */
  teaching?: Teaching;
  /** The text was a kernel trace or a dma-debug dump: what it became and what was read. */
  imported?: ImportedInput;
}

/** What the worker made of a pasted trace or dump (src/import). */
export interface ImportedInput {
  /** The scenario that now runs: the explorer puts it in the editor. */
  scenario: string;
  /** What was read, skipped and found, as a paragraph. */
  summary: string;
  report: ImportReport;
  /** The scenario went to the page with the load's progress (LoadProgress.imported), before the run: `scenario` is empty here. */
  scenarioPosted?: boolean;
  /** A long scenario as UTF-8 bytes, to be moved to the page (the worker keeps it compressed): `scenario` is empty then. */
  bytes?: Uint8Array;
}

/**
 * A long trace or dump imported by a worker of its own, which ends with the
 * import (EngineEnv.importLong): the scenario, or, long, its bytes for the
 * page and its spans for the run (text-bytes.ts).
 */
export type ImportedLong = Omit<ImportedInput, 'scenario'> & ({ scenario: string } | { bytes: Uint8Array; spans: PackedSpans });

/** Posted by the worker (outside comlink, on the same port, so in order) while a load runs. */
export interface LoadProgress {
  type: 'dma-engine:progress';
  runId: number;
  phase: 'import' | 'parse' | 'run';
  /** Steps run so far (lines read, while importing). */
  done: number;
  /** While running: the steps expected, estimated from how much of the text the parse (which runs alongside) has read; exact in the last message. */
  total: number;
  /** The total is the run's length (the last message of the run), not an estimate. */
  exact?: boolean;
  ms: number;
  /** StepInfo rows for steps from+1 … from+rows.count, by column. */
  from?: number;
  rows?: RowChunk;
  /** The findings among those rows (StepInfo.finding), ascending. */
  findings?: Int32Array;
  /** The machine the run steps (in the first message with rows): with the rows, the page can step in the run before it ends. */
  config?: MachineConfig;
  /** What an import made, sent once before the run (as bytes over the wire when long): the page shows the scenario while it runs. */
  imported?: ImportedInput;
}

/** How much of a step's record was left out to keep a frame small. */
export interface FrameOmitted {
  events: number;
  /** Cache lines left out of `cache_maint` events. */
  lines: number;
  /** Bytes left out of `data` (a long read). */
  dataBytes: number;
}

/** Items left out of the snapshot's long lists (machines with thousands of buffers or mappings). */
export interface SnapshotOmitted {
  buffers: number;
  mappings: number;
  debugEntries: number;
}

/**
 * Every live buffer piece and mapping as flat numbers, never capped, for the
 * memory map's overview: buffers as [phys, len, bufId]…, mappings as
 * [phys, size, tlbAddr (-1: none), owner (1 device, 0 cpu)]….
 */
export interface Extents {
  buffers: Float64Array;
  mappings: Float64Array;
}

export interface Frame {
  runId: number;
  /** 0: the machine is built and nothing else ran; N: statement N has run. */
  step: number;
  stepCount: number;
  /** The step's record; null for step 0. */
  json: StepJson | null;
  omitted: FrameOmitted;
  config: MachineConfig | null;
  /** Machine state after this step (buffers, mappings and dma-debug entries capped at SNAPSHOT_MAX_ITEMS). */
  snapshot?: MachineSnapshot | null;
  snapshotOmitted?: SnapshotOmitted;
  extents?: Extents;
  /** The buffer this step's statement names (directly, or through a DMA handle or an sg table), if any. */
  focus?: string | null;
  /** Bytes three ways of the requested buffer (FrameOptions.buffer) if it exists, else of `focus`. */
  bytes?: BufferBytes | null;
  /** Milliseconds the worker spent on this frame (seek + snapshot). */
  ms?: number;
  /** Where an imported step came from: its `# trace line N · time task` comment (null for written scenarios). */
  origin?: string | null;
  /**
   * An id for each part of the frame that often stays as it was from one step
   * to the next (the snapshot's lists, the extents, the configuration): equal
   * parts keep their id (frames.ts, FramePart).
   */
  parts?: Partial<Record<FramePart, number>>;
  /**
   * Parts left out because the caller said it holds them (FrameOptions.have):
   * absent from this frame. EngineClient puts them back, so the page never
   * sees a frame with one missing.
   */
  reused?: FramePart[];
  /**
   * Lists that changed in a few items, sent as what differs from the list
   * the caller holds (FrameOptions.have): absent from the snapshot, put back
   * by EngineClient.
   */
  lists?: Partial<Record<'buffers' | 'mappings', ListDelta>>;
}

/** A list as the held list `from`'s items it keeps (their index there) and its new items (themselves). */
export interface ListDelta {
  from: number;
  items: Array<number | object>;
}

/** The parts of a frame sent once and then named by id while they stay the same (Frame.parts). */
export type FramePart = Exclude<keyof MachineSnapshot, 'step' | 'timeUs' | 'arch' | 'kernel' | 'ram'> | 'extents' | 'config';

/** Bytes three ways; each device row carries the mapping it reads through (`devices[i].mapping`). */
export type BufferBytes = BytesThreeWays;

export interface FrameOptions {
  /** false: only the step's record (no snapshot, no bytes): for callers that walk a whole run. */
  snapshot?: boolean;
  /** The buffer whose bytes to send (the UI's selection). */
  buffer?: string;
  /** Window into the buffer for its bytes. */
  offset?: number;
  len?: number;
  /** The ids of the parts the caller holds (Frame.parts of its last frame): those still the same are left out (Frame.reused). */
  have?: Partial<Record<FramePart, number>>;
}

export interface EngineApi {
  ping(): string;
  /** A text, or its UTF-8 bytes as they came over the wire (moved to it: it may detach them). */
  load(text: string | Uint8Array, opts?: LoadOptions): Promise<LoadSummary>;
  /** Stops a load in progress (it answers with `cancelled: true`). */
  cancel(): void;
  frame(step: number, opts?: FrameOptions): Frame;
  bytes(step: number, buffer: string, offset?: number, len?: number): BufferBytes | null;
  /**
   * The current run as `run FILE --json` prints it: every step's full record,
   * no snapshots, nothing trimmed. Runs the scenario afresh, so it never moves
   * the position `frame()` answers from. Null when nothing is loaded.
   */
  runJson(): RunResult | null;
  /** The operation table's plain data (signatures, doc lines, sections), in the reference's order: what the editor's help, the Reference panel and the explanation read. */
  operations(): OperationDoc[];
}

/** A step as the engine's parse reaches it (EngineCore.scan). */
export interface ScannedStep {
  cmd: Command;
  line: number;
  lineStart: number;
  config: MachineConfig;
}

/** What a whole parse says: the text is a scenario (with its configuration when it has no step, and its teaching), or its errors. */
export type Scanned = { ok: true; config: MachineConfig; teaching?: Teaching } | { ok: false; errors: ParseErrorJson[] };

/** The engine, as the API needs it (core.ts gives the real one). */
export interface EngineCore {
  /**
   * Parse without keeping the steps (scenario/parser.ts scanScenario): yields
   * each step as it is read — its statement, line, where the line starts, and
   * the machine the header describes (overrides applied) — while the text has
   * shown no error, and returns the teaching or the errors.
   */
  scan(text: string | TextSpans, opts: { arch?: Arch; kernel?: string }): Generator<ScannedStep, Scanned, void>;
  /** A step's statement read back from the text (scenario/parser.ts statementAt), with its origin when imported. */
  statementAt(text: string, lineStart: number, line: number): { cmd: Command; origin: string | null };
  /**
   * A kernel trace or dma-debug dump → the scenario that replays it, or null
   * when the text is a scenario. `progress` gets lines read so far. `long`:
   * a long scenario as bytes and spans (import-input.ts), else a string.
   */
  importInput?(text: string, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void, long?: boolean): ImportedLong | null;
  /** A whole run as `run FILE --json` gives it (scenario/run.ts runScenario); `onStep` sees each record and may stop it by throwing. */
  run(text: string, opts: { arch?: Arch; kernel?: string }, onStep: (step: StepJson) => void): RunResult;
  createMachine(config: MachineConfig): Machine;
  /**
   * One statement, with its record and the buffers and mappings its outcome
   * says it touched (never throws: an engine exception becomes error
   * EXCEPTION, and counts as touching every buffer).
   */
  runStep(m: Machine, cmd: Command, index: number): { json: StepJson; touches: Touches };
  /** One statement, for replay: same effect on the machine, no record. Never throws. */
  replayStep(m: Machine, cmd: Command): void;
  /** A copy to step on from; the original is not stepped again (a checkpoint). */
  clone(m: Machine): Machine;
  /** A copy to keep as a checkpoint while the original goes on stepping (may share what neither changes in place); clone when absent. */
  keep?(m: Machine): Machine;
  /** The machine's picture; with a subset, only those buffers and mappings and no dma-debug entries (machines with thousands). */
  snapshot(m: Machine, subset?: SnapshotSubset): MachineSnapshot;
  bytes(m: Machine, buffer: string, offset: number, len?: number): BytesThreeWays | null;
}

export interface EngineEnv {
  now?: () => number;
  /** Where progress goes (the worker posts it to the page). Without it, `steps` come in the summary. */
  post?: (p: LoadProgress) => void;
  /** Let other messages (cancel) in: resolves on a later task. */
  yieldNow?: () => Promise<void>;
  checkpointBudgetBytes?: number;
  /**
   * A long input's bytes imported away from the engine (engine.worker.ts: in
   * an import worker that ends with it, so the import's memory, the trace
   * and everything made from it, is given back at once instead of waiting for
   * a collection during the run); null, the bytes left as they are, when
   * they are not a trace or a dump.
   */
  importLong?: (bytes: Uint8Array, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void) => Promise<ImportedLong | null>;
  /** Ends an importLong still going (its promise is then rejected: the load it was for has been replaced or cancelled). */
  stopImport?: () => void;
}

/** Caps that keep one frame message small (a 4 MiB sync can touch 65,536 lines). */
export const FRAME_MAX_EVENTS = 500;
export const FRAME_MAX_LINES_PER_EVENT = 256;
export const FRAME_MAX_DATA_BYTES = 64 * 1024;
export const SNAPSHOT_MAX_ITEMS = 1000;
/** bytesThreeWays reads at most this much at once. */
export const BYTES_MAX = 4096;


const ERROR_CHECK = /^=>\s*(E[A-Z]+|DMA_MAPPING_ERROR|NULL|FAULT)\s*$/;

export function stepInfo(s: StepJson): StepInfo {
  let passed = 0;
  let failed = 0;
  let errorExpected = false;
  for (const c of s.checks) {
    if (c.passed) {
      passed++;
      if (s.error !== null && ERROR_CHECK.test(c.expected.trim())) errorExpected = true;
    } else failed++;
  }
  const observations = s.observations?.length ?? 0;
  return {
    index: s.index,
    line: s.line,
    source: s.source,
    op: s.op,
    error: s.error,
    warnings: s.warnings.length,
    observations,
    checksPassed: passed,
    checksFailed: failed,
    finding: s.warnings.length > 0 || failed > 0 || observations > 0 || (s.error !== null && !errorExpected),
  };
}
