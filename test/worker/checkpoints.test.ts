/**
 * The checkpoint policy (src/worker/checkpoints.ts) on an injected clock:
 * spacing from measured clone and step costs, thinning over the memory
 * budget, the restore cost of the last one, which checkpoint a seek restores,
 * and the seek continuing its cursor when that is cheaper than a restore.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckpointSeeker,
  CheckpointTaker,
  MIN_INTERVAL,
  checkpointInterval,
  estimateBytes,
  LOOK_BACK_GAPS,
  pickCheckpoint,
  plannedInterval,
} from '../../src/worker/checkpoints.ts';
import type { Checkpoint } from '../../src/worker/checkpoints.ts';
import { realCore } from '../../src/worker/core.ts';
import { prepareScenario } from '../../src/scenario/run.ts';
import type { Machine } from '../../src/sim/machine.ts';
import type { Command } from '../../src/sim/command.ts';

function machine(): Machine {
  const p = prepareScenario('machine(arch=arm64)\ndevice(cam, dma_mask=64)\n');
  if (!p.ok) throw new Error('bad scenario');
  return realCore.createMachine(p.config);
}

/** A clock the test moves, and a clone that costs `cloneMs` on it. */
function clocked(cloneMs: number) {
  const clock = { t: 0 };
  const clones: Machine[] = [];
  const clone = (m: Machine) => {
    clock.t += cloneMs;
    const c = realCore.clone(m);
    clones.push(c);
    return c;
  };
  return { clock, now: () => clock.t, clone, clones };
}

const cp = (step: number, cloneMs: number): Checkpoint => ({ step, m: {} as Machine, json: null, bytes: 0, cloneMs });

describe('checkpoint spacing', () => {
  it('is MIN_INTERVAL while cloning is cheap, four clones of steps once it is not', () => {
    expect(checkpointInterval(MIN_INTERVAL, 0.1, 100)).toBe(MIN_INTERVAL); // 40 steps' worth < 64
    expect(checkpointInterval(MIN_INTERVAL, 2, 100)).toBe(800);
    expect(checkpointInterval(256, 0.1, 100)).toBe(256);
  });

  it('measures the run without the time spent cloning', () => {
    const { clock, now, clone } = clocked(5);
    const m = machine();
    const taker = new CheckpointTaker(clone, now, Infinity);
    taker.take(0, null, m, 0);
    expect(taker.interval).toBe(MIN_INTERVAL); // no steps yet: no rate
    clock.t += 10; // 100 steps in 10 ms of stepping (the 5 ms clone does not count)
    taker.take(100, null, m, 0);
    expect(taker.runMs()).toBe(10);
    expect(taker.interval).toBe(4 * 5 * 10); // four 5 ms clones at 10 steps per ms
  });

  it('follows the median of the last clones: one slow clone (a garbage collection) neither spaces the next checkpoint far away nor makes its checkpoint look dear', () => {
    const clock = { t: 0 };
    const costs = [2, 2, 2, 2, 2, 2, 2, 98];
    let n = 0;
    const clone = (m: Machine) => {
      clock.t += costs[n++ % costs.length]!;
      return realCore.clone(m);
    };
    const m = machine();
    const taker = new CheckpointTaker(clone, () => clock.t, Infinity);
    for (let k = 0; k < 8; k++) {
      if (k > 0) clock.t += 10; // 100 steps in 10 ms of stepping
      taker.take(k * 100, null, m, 0);
    }
    // The eighth clone took 98 ms; the median of the eight is 2 ms: four of them at 10 steps per ms.
    expect(taker.interval).toBe(4 * 2 * 10);
    expect(taker.list.at(-1)!.cloneMs).toBe(2);
    expect(taker.list.at(-2)!.cloneMs).toBe(2);
  });

  it('over the memory budget keeps step 0 and the newest, drops every other one, and spaces later ones twice as far', () => {
    const { now, clone } = clocked(0);
    const m = machine();
    const each = estimateBytes(m, 0);
    const taker = new CheckpointTaker(clone, now, 3.5 * each);
    for (const step of [0, 64, 128]) taker.take(step, null, m, 0);
    expect(taker.list.map((c) => c.step)).toEqual([0, 64, 128]);
    taker.take(192, null, m, 0);
    expect(taker.list.map((c) => c.step)).toEqual([0, 128, 192]);
    expect(taker.interval).toBe(2 * MIN_INTERVAL);
    expect(taker.finish()).toMatchObject({ count: 3, bytes: 3 * each, interval: 64 });
  });

  it('with the run\'s length known, spaces them for the whole run at once: no dense start thinned by half again and again', () => {
    const { now, clone, clones } = clocked(0);
    const m = machine();
    const each = estimateBytes(m, 0);
    const total = 100_000;
    // Room for ten copies: step 0, eight between, and the end's (the last step's machine, not cloned).
    const budget = 10 * each;
    expect(plannedInterval(total, each, budget)).toBe(12_500);
    const planned = new CheckpointTaker(clone, now, budget, () => total);
    let step = 0;
    for (; step < total; step += planned.interval) planned.take(step, null, m, 0);
    planned.take(total, null, m, 0, false);
    expect(planned.interval).toBe(12_500);
    expect(clones).toHaveLength(8);
    expect(planned.list.map((c) => c.step)).toEqual([0, 12_500, 25_000, 37_500, 50_000, 62_500, 75_000, 87_500, 100_000]); // none dropped
    // Unknown length: the same run takes them MIN_INTERVAL apart and thins over and over.
    const { now: now2, clone: clone2, clones: clones2 } = clocked(0);
    const unplanned = new CheckpointTaker(clone2, now2, budget);
    for (step = 0; step < total; step += unplanned.interval) unplanned.take(step, null, m, 0);
    expect(clones2.length).toBeGreaterThan(3 * clones.length);
    expect(unplanned.list.length).toBeLessThanOrEqual(10);
  });

  it('plans nothing when the length or the budget is unknown', () => {
    expect(plannedInterval(0, 1000, 1e6)).toBe(0);
    expect(plannedInterval(1000, 1000, Infinity)).toBe(0);
  });

  it('the last checkpoint is not cloned and costs an average clone to restore', () => {
    const { now, clone, clones } = clocked(3);
    const m = machine();
    const taker = new CheckpointTaker(clone, now, Infinity);
    taker.take(0, null, m, 0);
    taker.take(64, null, m, 0);
    taker.take(70, null, m, 0, false);
    expect(clones).toHaveLength(2);
    expect(taker.list[2]!.m).toBe(m);
    taker.finish();
    expect(taker.list.map((c) => c.cloneMs)).toEqual([3, 3, 3]);
  });
});

describe('seeking', () => {
  it('restores the last checkpoint before the step, or an earlier one that is cheaper to clone', () => {
    const cps = [cp(0, 1), cp(100, 1), cp(200, 50)];
    expect(pickCheckpoint(cps, 150, 10).cp.step).toBe(100);
    expect(pickCheckpoint(cps, 200, 10)).toMatchObject({ cp: cps[2], cost: 0 });
    // From 200: 50 ms clone + 1 ms replay; from 100: 1 ms clone + 11 ms replay.
    expect(pickCheckpoint(cps, 210, 10)).toMatchObject({ cp: { step: 100 }, cost: 12 });
    // Once its clone costs less than the 10 ms of replay it saves, the last one wins.
    expect(pickCheckpoint([cp(0, 1), cp(100, 1), cp(200, 5)], 210, 10)).toMatchObject({ cp: { step: 200 }, cost: 6 });
  });

  it('looks back at most LOOK_BACK_GAPS of the nearest gap: a seek replays a bounded number of steps, whatever the recorded costs', () => {
    expect(LOOK_BACK_GAPS).toBe(2);
    // Checkpoints 10 steps apart; the nearest to 95 is at 90 (replay 5), so the bound is 5 + 2 × 10 = 25 steps.
    const dear = (n: number) => Array.from({ length: n }, (_, i) => cp(10 * (i + 1), 1000));
    const free = (at: number, cps: Checkpoint[]) => cps.map((c) => (c.step === at ? { ...c, cloneMs: 0 } : c));
    expect(pickCheckpoint(free(70, dear(9)), 95, 1)).toMatchObject({ cp: { step: 70 }, cost: 25, maxReplay: 25 }); // exactly at the bound
    expect(pickCheckpoint(free(60, dear(9)), 95, 1).cp.step).toBe(90); // one gap past it: out of sight
    expect(pickCheckpoint([cp(0, 0), ...dear(9)], 95, 1).cp.step).toBe(90);
    // On a checkpoint: read as it is.
    expect(pickCheckpoint(free(70, dear(9)), 90, 1)).toMatchObject({ cp: { step: 90 }, cost: 0 });
    // Only step 0 before: nothing to look back at, the replay is the distance to it.
    expect(pickCheckpoint([cp(0, 5), cp(1000, 1)], 300, 1)).toMatchObject({ cp: { step: 0 }, maxReplay: 300 });
  });

  it('restores an earlier checkpoint at the edge of the look-back and still reaches the same machine as a straight run; never continues a cursor further back than the bound', () => {
    const lines = ['machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
    for (let i = 0; lines.length < 3 + 120; i++) lines.push(`cpu_write(a + ${(i * 16) % 256}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 512, DMA_FROM_DEVICE)', `dev_write(cam, h, "d${i % 10}")`, 'dma_unmap_single(cam, h, 512, DMA_FROM_DEVICE)');
    const p = prepareScenario(lines.join('\n') + '\n');
    if (!p.ok) throw new Error('bad scenario');
    // The straight run, its snapshot after each step, and checkpoints every 10 steps (all dear to restore but step 70's).
    const m = realCore.createMachine(p.config);
    const want = [JSON.stringify(realCore.snapshot(m))];
    const cps: Checkpoint[] = [{ ...cp(0, 1000), m: realCore.keep!(m) }];
    p.body.forEach((cmd, i) => {
      realCore.runStep(m, cmd, i + 1);
      want.push(JSON.stringify(realCore.snapshot(m)));
      if ((i + 1) % 10 === 0) cps.push({ ...cp(i + 1, i + 1 === 70 ? 0 : 1000), m: realCore.keep!(m) });
    });
    let replayed = 0;
    const core = { ...realCore, replayStep: (x: Machine, c: Command) => (replayed++, realCore.replayStep(x, c)) };
    const seeker = new CheckpointSeeker(core, () => 0, (k) => p.body[k - 1]!, cps, 1);
    const seek = (k: number) => {
      replayed = 0;
      const at = seeker.machineAt(k);
      expect(at.step).toBe(k);
      expect(JSON.stringify(realCore.snapshot(at.m)), `step ${k}`).toBe(want[k]);
      return replayed + 1; // the replayed steps and the last one, run with its record
    };
    // The look-back reaches two gaps behind the nearest checkpoint, whatever the step: 70 from 90, 80 from 100.
    expect(seek(95)).toBe(25); // from 70 (free to restore), exactly LOOK_BACK_GAPS gaps behind the nearest (90)
    expect(seek(96)).toBe(1); // the cursor, one step on
    expect(seek(62)).toBe(2); // back: from 60
    expect(seek(118)).toBe(8); // the cursor at 62 costs less than a dear restore by the recorded costs, but is 56 steps back, past 8 + 20: from 110
    expect(seek(99)).toBe(29); // back: from 70 again, at the edge
    expect(seek(62)).toBe(2);
    expect(seek(105)).toBe(5); // 70 is three gaps behind 100 now, out of sight however cheap: from 100
  });

  it('continues its cursor forward instead of restoring, and restores to go back', () => {
    const lines = ['machine(arch=arm64)', 'device(cam, dma_mask=64)', ...Array.from({ length: 40 }, (_, i) => `b${i} = kmalloc(64, GFP_KERNEL)`)];
    const p = prepareScenario(lines.join('\n') + '\n');
    if (!p.ok) throw new Error('bad scenario');
    const start = realCore.createMachine(p.config);
    let clones = 0;
    const core = { ...realCore, clone: (m: Machine) => (clones++, realCore.clone(m)) };
    const seeker = new CheckpointSeeker(core, () => 0, (k) => p.body[k - 1]!, [cp(0, 1)].map((c) => ({ ...c, m: start })), 1);
    expect(seeker.machineAt(10).json?.source).toBe('b9 = kmalloc(64, GFP_KERNEL)');
    expect(clones).toBe(1);
    expect(seeker.machineAt(30).step).toBe(30);
    expect(clones).toBe(1);
    const back = seeker.machineAt(5);
    expect(clones).toBe(2);
    expect(Object.keys(back.m.names).filter((n) => n.startsWith('b'))).toHaveLength(5);
    expect(Object.keys(start.names).filter((n) => n.startsWith('b'))).toHaveLength(0);
  });
});
