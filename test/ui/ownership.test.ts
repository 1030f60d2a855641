// The ownership tracker (src/worker/ownership.ts) follows events step by step
// instead of scanning every mapping after every step: it must agree with a
// full scan at every step of every library scenario and of random scenarios.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { BounceRecorder, OWN_CPU, OWN_CPU_MAPPED, OWN_DEVICE, OWN_NONE, OwnershipTracker, laneStateAt, ownershipByScan } from '../../src/worker/ownership.ts';
import { scenarioText } from '../scenario/gen.ts';

const DIR = resolve(__dirname, '../../src/scenario/library');

function check(text: string): { tracker: OwnershipTracker; bounces: BounceRecorder; steps: number } | null {
  const p = prepareScenario(text);
  if (!p.ok) return null;
  let m;
  try {
    m = createMachine(p.config);
  } catch {
    return null;
  }
  const tracker = new OwnershipTracker();
  const bounces = new BounceRecorder();
  p.body.forEach((cmd, i) => {
    const { json, outcome } = runStep(m, cmd, i + 1);
    tracker.afterStep(m, i + 1, outcome.touches);
    bounces.afterStep(i + 1, json.events);
    const want = ownershipByScan(m);
    expect(tracker.current(), `after step ${i + 1}: ${cmd.source}`).toEqual(want);
  });
  return { tracker, bounces, steps: p.body.length };
}

describe('ownership lanes', () => {
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.dma'))) {
    it(`agree with a full scan at every step: ${f}`, () => {
      expect(check(readFileSync(resolve(DIR, f), 'utf8'))).not.toBeNull();
    });
  }

  it('agree with a full scan on random scenarios', () => {
    fc.assert(
      fc.property(scenarioText, (text) => {
        check(text);
      }),
      { numRuns: 60 },
    );
  });

  it('record CPU → device → CPU (synced) → CPU for map, sync_for_cpu, unmap', () => {
    const r = check(readFileSync(resolve(DIR, 'arm64-from-device-needs-sync.dma'), 'utf8'))!;
    const lanes = r.tracker.lanes();
    expect(lanes.names).toEqual(['buf']);
    // steps: 1 kmalloc, 2 cpu_write, 3 map, 4 mapping_error, 5 dev_write, 6 cpu_read, 7 sync_for_cpu, 8 cpu_read, 9 unmap
    expect(laneStateAt(lanes, 0, 0)).toBe(OWN_NONE);
    expect(laneStateAt(lanes, 0, 1)).toBe(OWN_CPU);
    expect(laneStateAt(lanes, 0, 3)).toBe(OWN_DEVICE);
    expect(laneStateAt(lanes, 0, 6)).toBe(OWN_DEVICE);
    expect(laneStateAt(lanes, 0, 7)).toBe(OWN_CPU_MAPPED);
    expect(laneStateAt(lanes, 0, 9)).toBe(OWN_CPU);
  });

  it('count the bytes bounced through swiotlb per step', () => {
    const r = check(readFileSync(resolve(DIR, 'swiotlb-32bit-device.dma'), 'utf8'))!;
    const s = r.bounces.series();
    expect(s.totalBytes).toBeGreaterThan(0);
    expect(s.steps.length).toBeGreaterThan(0);
    expect(s.toDevice[0]).toBe(4096);
  });
});
