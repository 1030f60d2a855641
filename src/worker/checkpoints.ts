/**
 * Checkpoints of a loaded run, for seeking: structuredClone copies of the
 * machine taken while the run loads (`CheckpointTaker`: take, evict), and the
 * seek that restores the cheapest one and replays up to a step
 * (`CheckpointSeeker`: seek cost). Every duration comes from the injected
 * clock, so the policy is the same function of measured costs in the worker
 * and in a test that makes cloning and stepping cost what it says.
 */
import type { Command } from '../sim/command.ts';
import type { Machine } from '../sim/machine.ts';
import type { StepJson } from '../scenario/result.ts';
import type { CheckpointStats, EngineCore } from './api.ts';

/** Fewest steps between two checkpoints. */
export const MIN_INTERVAL = 64;
/**
 * Estimated memory the checkpoints may hold; past it every other one is
 * dropped. A 1,000,000-step run of a small arm64 machine (~250 KB a copy)
 * keeps ~400 of them, ~2,500 steps apart: a seek replays ~1,250 steps on
 * average, 20–40 ms on the project's shared machine (README, "Memory stays
 * bounded"). Their memory counts about twice in the worker's peak (the
 * garbage collector lets the heap grow in proportion to what it holds).
 */
export const CHECKPOINT_BUDGET_BYTES = 96 * 1024 * 1024;
/**
 * The same for a run imported from a trace. Its machine grows (a name bound
 * at every mapping, an sg_table at every dma_map_sg) in ways the estimate
 * does not count: measured on a 1,000,000-line trace (scripts/memory-long-run.ts
 * --trace-file, 2026-12-07), lowering the budget from 96 to 24 MiB freed
 * ~80 MiB for ~41 MiB estimated (about twice the estimate), and the import
 * ends with the worker's memory already at its peak, the scenario on both
 * sides of the wire. Half the budget keeps the checkpoints' real cost near a
 * written run's estimate (README, "Stepping a long run while it loads").
 */
export const IMPORT_CHECKPOINT_BUDGET_BYTES = 48 * 1024 * 1024;
/** Clones whose mean sets the spacing. */
const RECENT = 8;
/**
 * A seek may restore an earlier checkpoint that is cheaper to restore than
 * the nearest one, but no more than this many of the nearest's gaps (to the
 * checkpoint before it) further back: a seek replays at most three gaps'
 * worth of steps. Looking back by recorded cost alone (up to eight
 * checkpoints) let one slow restore — a garbage collection counted in it —
 * send later seeks ~35,000 steps back in a run imported from a
 * 1,000,000-line trace, checkpoints ~3,000 steps apart.
 */
export const LOOK_BACK_GAPS = 2;

export interface Checkpoint {
  step: number;
  m: Machine;
  /** The record of the step that led here (null for step 0). */
  json: StepJson | null;
  bytes: number;
  /** What restoring it costs (-1 until measured). */
  cloneMs: number;
}

/**
 * The memory a machine's copy holds, roughly (RAM pages, cache, buffers,
 * mappings, swiotlb slots, dma-debug's hash buckets, the CMA owner map,
 * vmap). Checked against a copy's real size (scripts/memory-long-run.ts):
 * a small arm64 machine's copy holds ~120 KB (~250 KB while it copied all
 * 16,384 dma-debug buckets; a copy now keeps only those in use:
 * copyDebugBuckets).
 */
export function estimateBytes(m: Machine, liveMappings: number): number {
  const c = m.cache;
  const slots = c.size / c.line;
  return (
    m.ram.pages.size * 4160 +
    c.size * 2 +
    slots * 17 +
    m.buffers.length * 240 +
    liveMappings * 420 +
    (m.swiotlb ? m.swiotlb.nslabs * 16 : 0) +
    usedBuckets(m) * 64 +
    m.cma.owner.byteLength +
    m.vmap.size * 40 +
    24 * 1024
  );
}

/** dma-debug's hash buckets that hold or held an entry (a copy keeps a slot and a list for each). */
function usedBuckets(m: Machine): number {
  let n = 0;
  for (const b of m.debug.buckets) if (b) n++;
  return n;
}

/**
 * Steps until the next checkpoint: four clones' worth of steps apart, so
 * cloning costs at most about a fifth of the run, and never closer than
 * `minInterval`.
 */
export function checkpointInterval(minInterval: number, cloneMs: number, stepsPerMs: number): number {
  return Math.max(minInterval, Math.ceil(4 * cloneMs * stepsPerMs));
}

/**
 * Steps between checkpoints for `total` steps to fit the budget with copies of
 * `bytes` each (0 when the total is unknown). A copy later in the run may be
 * bigger (its machine grew): thinning still keeps the budget then.
 */
export function plannedInterval(total: number, bytes: number, budget: number): number {
  if (!(total > 0) || !(bytes > 0) || !Number.isFinite(budget)) return 0;
  // Room for `room` copies: step 0, the ones between, and the run's end (kept too).
  const room = Math.floor(budget / bytes);
  return room > 2 ? Math.ceil(total / (room - 2)) : 0;
}

/** The middle value (0 for none). */
function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Keeps step 0 and the newest; drops every other one in between. */
export function thin(list: Checkpoint[]): Checkpoint[] {
  return list.filter((_c, i) => i === 0 || i === list.length - 1 || i % 2 === 0);
}

/** Takes checkpoints while a run loads; created when the run starts. */
export class CheckpointTaker {
  readonly list: Checkpoint[] = [];
  /** Steps until the next checkpoint is due. */
  interval = MIN_INTERVAL;
  private bytes = 0;
  private cloneTotal = 0;
  /** The last RECENT clones' durations. */
  private recent: number[] = [];
  private minInterval = MIN_INTERVAL;
  private readonly start: number;

  constructor(
    private readonly clone: (m: Machine) => Machine,
    private readonly now: () => number,
    private readonly budget: number,
    /**
     * The steps the whole run is expected to have (0: unknown). With it the
     * spacing is planned: as far apart as the budget needs for the whole run,
     * so the copies are not taken densely and then thinned by half, again and
     * again. On a 1,000,000-line trace's run those dropped copies were ~220 MiB
     * of garbage in the worker's old generation (scripts/memory-long-run.ts,
     * allocation sampling), most of its growth while the run loads.
     */
    private readonly expectedSteps: (step: number) => number = () => 0,
  ) {
    this.start = now();
  }

  /** Run time so far without the time spent cloning (at least 1 ms). */
  runMs(): number {
    return Math.max(1, this.now() - this.start - this.cloneTotal);
  }

  /**
   * Keeps the machine after `step`. The last one is not cloned (nothing steps
   * it again); its restore cost is set by finish().
   */
  take(step: number, json: StepJson | null, machine: Machine, liveMappings: number, cloneIt = true): void {
    const c0 = this.now();
    const copy = cloneIt ? this.clone(machine) : machine;
    const cloneMs = cloneIt ? this.now() - c0 : 0;
    this.cloneTotal += cloneMs;
    const bytes = estimateBytes(machine, liveMappings);
    this.list.push({ step, m: copy, json, bytes, cloneMs: cloneIt ? cloneMs : -1 });
    this.bytes += bytes;
    this.evict();
    if (cloneIt) this.recent = [...this.recent.slice(1 - RECENT), cloneMs];
    // The median of the last few clones: one slow clone (a garbage collection, a merge of the names' layers) must
    // neither space the next checkpoint far away nor make this one look dear to restore (restoring it does not repeat it).
    const typical = median(this.recent);
    if (cloneIt && cloneMs > 2 * typical) this.list.at(-1)!.cloneMs = typical;
    this.interval = Math.max(checkpointInterval(this.minInterval, typical, step / this.runMs()), plannedInterval(this.expectedSteps(step), bytes, this.budget));
  }

  /** Over budget: thin the list, and space later ones twice as far apart. */
  private evict(): void {
    while (this.bytes > this.budget && this.list.length > 2) {
      const kept = thin(this.list);
      this.list.length = 0;
      this.list.push(...kept);
      this.bytes = kept.reduce((s, c) => s + c.bytes, 0);
      this.minInterval *= 2;
    }
  }

  /** The run is over: the last checkpoint costs what an average clone did. */
  finish(): CheckpointStats {
    const list = this.list;
    const measured = list.filter((c) => c.cloneMs >= 0);
    const last = list.at(-1)!;
    last.cloneMs = measured.reduce((s, c) => s + c.cloneMs, 0) / Math.max(1, measured.length);
    return { count: list.length, bytes: this.bytes, interval: list.length > 1 ? last.step - list.at(-2)!.step : 0 };
  }
}

/** What reaching step k from checkpoint c costs: restore it, then replay at `rate` steps per ms. */
export function seekCost(c: Checkpoint, k: number, rate: number): number {
  return c.cloneMs + (k - c.step) / rate;
}

/**
 * The checkpoint to restore for step k: one at k itself (nothing to restore:
 * it is read as it is), else the last before it, or an earlier one that is
 * cheaper to restore (big machines) within LOOK_BACK_GAPS of the nearest's
 * gap. `maxReplay`: the most steps a seek to k may replay, from whatever it
 * starts (a checkpoint or its cursor).
 */
export function pickCheckpoint(cps: readonly Checkpoint[], k: number, rate: number): { cp: Checkpoint; cost: number; maxReplay: number } {
  let lo = 0;
  let hi = cps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cps[mid]!.step <= k) lo = mid;
    else hi = mid - 1;
  }
  let cp = cps[lo]!;
  const gap = lo > 0 ? cp.step - cps[lo - 1]!.step : 0;
  const maxReplay = k - cp.step + LOOK_BACK_GAPS * gap;
  if (cp.step === k) return { cp, cost: 0, maxReplay };
  let cost = seekCost(cp, k, rate);
  for (let j = lo - 1; j >= 0 && k - cps[j]!.step <= maxReplay; j--) {
    const c = cps[j]!;
    const cj = seekCost(c, k, rate);
    if (cj < cost) {
      cp = c;
      cost = cj;
    }
  }
  return { cp, cost, maxReplay };
}

/** The machine after step `step`, and that step's record. */
export interface Position {
  m: Machine;
  step: number;
  json: StepJson | null;
}

/**
 * Seeks a loaded run: continues the live cursor machine when that is
 * cheaper, else clones the best checkpoint and replays (without records) up
 * to the step, reading each statement back from the run's text. Learns the
 * replay rate (statements read and stepped) and clone costs as it goes.
 */
export class CheckpointSeeker {
  private cursor: Position | null = null;

  constructor(
    private readonly core: Pick<EngineCore, 'clone' | 'replayStep' | 'runStep'>,
    private readonly now: () => number,
    /** Step k's statement (1-based): the run reads it back from its text (StepIndex). */
    private readonly command: (k: number) => Command,
    private readonly checkpoints: readonly Checkpoint[],
    /** Steps per ms when replaying. */
    private rate: number,
  ) {}

  /** The machine after step k, read-only, and the record of step k. */
  machineAt(k: number): Position {
    const cur = this.cursor;
    if (cur && cur.step === k) return cur;
    const { cp, cost, maxReplay } = pickCheckpoint(this.checkpoints, k, this.rate);
    if (cp.step === k) return cp;
    const cursorCost = cur && cur.step < k && k - cur.step <= maxReplay ? (k - cur.step) / this.rate : Infinity;
    if (!cur || cursorCost > cost) {
      const t = this.now();
      this.cursor = { m: this.core.clone(cp.m), step: cp.step, json: cp.json };
      cp.cloneMs = 0.5 * cp.cloneMs + 0.5 * (this.now() - t);
    }
    return this.replayTo(this.cursor!, k);
  }

  private replayTo(c: Position, k: number): Position {
    const t = this.now();
    const from = c.step;
    for (let i = c.step + 1; i < k; i++) this.core.replayStep(c.m, this.command(i));
    c.json = this.core.runStep(c.m, this.command(k), k).json;
    c.step = k;
    const dt = this.now() - t;
    if (k - from > 32 && dt > 0) this.rate = 0.7 * this.rate + 0.3 * ((k - from) / dt);
    return c;
  }
}
