/**
 * Copies of a machine that share its names and sg_tables
 * (src/worker/machine-copy.ts, src/sim/sg-share.ts): a kept checkpoint stays
 * exactly the machine it was while the run goes on and while seeks step
 * copies of it, across many layers of names; and a seek to a far step of a
 * long imported run replays a bounded number of steps (the copies no longer
 * grow with the run, so checkpoints stay close together).
 */
import { describe, expect, it } from 'vitest';
import { realCore } from '../../src/worker/core.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { MAX_DEPTH, copyMachine, keepMachine } from '../../src/worker/machine-copy.ts';
import { syntheticScenario } from '../../src/cli/bench-import.ts';
import type { EngineCore } from '../../src/worker/api.ts';
import { debugLiveEntries } from '../../src/sim/dma/debug.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { plainEvents } from '../../src/sim/hw/line-actions.ts';
import type { Command } from '../../src/sim/command.ts';
import type { Machine } from '../../src/sim/machine.ts';

/** Every name the chain of layers binds, as one plain object in name order (nothing in the engine enumerates names, so their order is not part of a machine). */
function flatNames(m: Machine): Record<string, unknown> {
  const keys: string[] = [];
  for (const k in m.names) keys.push(k);
  return Object.fromEntries(keys.sort().map((k) => [k, m.names[k]]));
}

/** What a machine is, compared in full: its snapshot, every name, every sg_table, and the rest of its data. */
function state(m: Machine): string {
  const { names: _n, sgts, ...rest } = m;
  return JSON.stringify({ snap: realCore.snapshot(m), names: flatNames(m), sgts, rest: structuredClone(rest) }, (_k, v: unknown) =>
    v instanceof Map ? [...v.entries()] : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v,
  );
}

/** The commands of a scenario, in order. */
function commandsOf(text: string): { m: Machine; cmds: Command[] } {
  const cmds: Command[] = [];
  let m: Machine | null = null;
  const it = realCore.scan(text, {});
  for (let r = it.next(); !r.done; r = it.next()) {
    m ??= realCore.createMachine(r.value.config);
    cmds.push(r.value.cmd);
  }
  return { m: m!, cmds };
}

describe('machine copies that share names and sg_tables', () => {
  it('a kept checkpoint stays the machine it was while the run goes on and seeks step copies of it', () => {
    // An imported trace: a new name at every mapping and a new sg_table, mapped then unmapped, every 16 events.
    const { m, cmds } = commandsOf(syntheticScenario(800));
    const kept: { cp: Machine; want: string }[] = [];
    cmds.forEach((cmd, i) => {
      realCore.replayStep(m, cmd);
      // Every 7th step lands between dma_map_sg and dma_unmap_sg of some tables, so the live run changes shared ones.
      if (i % 7 === 0) kept.push({ cp: keepMachine(m), want: state(m) });
    });
    expect(kept.length).toBeGreaterThan(3 * MAX_DEPTH); // the chain of name layers is merged several times
    // A seek's cursor: a copy of a checkpoint stepped on to the end (rebinding names, mapping and unmapping tables).
    for (const j of [0, 5, kept.length >> 1, kept.length - 1]) {
      const cursor = copyMachine(kept[j]!.cp);
      for (let i = j * 7 + 1; i < cmds.length; i++) realCore.replayStep(cursor, cmds[i]!);
      expect(state(cursor) === state(m), `a copy of checkpoint ${j} stepped to the end`).toBe(true);
    }
    for (const [j, k] of kept.entries()) expect(state(k.cp) === k.want, `checkpoint ${j}`).toBe(true);
  });

  it('a copy shares the names below it: its own layer starts empty and a lookup walks at most MAX_DEPTH + 1 layers', () => {
    const { m, cmds } = commandsOf(syntheticScenario(3000));
    let cp = m;
    cmds.forEach((cmd, i) => {
      realCore.replayStep(m, cmd);
      if (i % 3 === 0) cp = keepMachine(m);
    });
    const cursor = copyMachine(cp);
    expect(Object.keys(cursor.names)).toEqual([]);
    expect(Object.getPrototypeOf(cursor.names)).toBe(cp.names);
    let depth = 0;
    for (let n: object | null = cursor.names; n && n !== Object.prototype; n = Object.getPrototypeOf(n) as object | null) depth++;
    expect(depth).toBeLessThanOrEqual(MAX_DEPTH + 1);
    expect(cursor.sgts).not.toBe(cp.sgts);
    expect(cursor.sgts[0]).toBe(cp.sgts[0]); // shared until one of them changes it
  });

  it('a seek to a far step of a long imported run replays a bounded number of steps', async () => {
    let replayed = 0;
    const core: EngineCore = {
      ...realCore,
      replayStep(m, cmd) {
        replayed++;
        realCore.replayStep(m, cmd);
      },
    };
    const api = createEngineApi(core);
    // 200,000 trace lines: ~67,000 names and ~4,000 sg_tables by the end. Copied whole (structuredClone), a
    // checkpoint of the last part cost as much as thousands of steps, and checkpoints were spaced four
    // copies' worth apart: these seeks replayed up to 22,563 steps (checkpoints ~19,000 apart at the end).
    const s = await api.load(syntheticScenario(200_000));
    expect(s.ok).toBe(true);
    const n = s.stepCount;
    expect(n).toBeGreaterThan(195_000);
    let worst = 0;
    // Far seeks, back and forth (each restores a checkpoint: the cursor only moves forward).
    for (const k of [n - 1, Math.round(n * 0.9) - 37, Math.round(n * 0.5) + 11, Math.round(n * 0.75) + 3, 1234, Math.round(n * 0.99) - 5]) {
      replayed = 0;
      expect(api.frame(k, { snapshot: false }).step).toBe(k);
      worst = Math.max(worst, replayed);
    }
    expect(worst).toBeLessThanOrEqual(12_000);
  }, 300_000);
});

describe("dma-debug's hash buckets in copies", () => {
  // dma-debug keeps each mapping in one of 16,384 buckets (dma_entry_hash, kernel/dma/debug.c: hash_fn()
  // buckets by dev_addr >> 13); a sync looks for the containing entry walking back one bucket at a time
  // (bucket_find_contain), so a copy must keep every entry in its bucket, in list order.
  const text = [
    'machine(arch=arm64)',
    'device(cam, dma_mask=64)',
    ...Array.from({ length: 6 }, (_, i) => `b${i} = kmalloc(${4096 << (i % 3)}, GFP_KERNEL)`),
    ...Array.from({ length: 6 }, (_, i) => `h${i} = dma_map_single(cam, b${i}, ${4096 << (i % 3)}, DMA_BIDIRECTIONAL)`),
    'g = dma_map_single(cam, b0, 64, DMA_TO_DEVICE)', // a second entry in b0's bucket
    'dma_sync_single_for_cpu(cam, h2 + 0x2100, 64, DMA_BIDIRECTIONAL)', // inside h2, a bucket past its start: the walk back
    'dma_unmap_single(cam, h1, 8192, DMA_BIDIRECTIONAL)',
    'dma_sync_single_for_device(cam, h5 + 0x3000, 16, DMA_BIDIRECTIONAL)',
    'dma_unmap_single(cam, g, 64, DMA_TO_DEVICE)',
    'dma_unmap_single(cam, h0, 4096, DMA_BIDIRECTIONAL)',
    'dma_unmap_single(cam, h4, 8192, DMA_FROM_DEVICE)', // wrong direction: dma-debug complains, the entry goes
  ].join('\n');

  it('a checkpoint keeps only the buckets in use, a copy to step on every slot; both find the same entries as the straight run', () => {
    const { m, cmds } = commandsOf(text);
    const kept: { at: number; cp: Machine; want: string }[] = [];
    cmds.forEach((cmd, i) => {
      realCore.replayStep(m, cmd);
      kept.push({ at: i, cp: keepMachine(m), want: state(m) });
    });
    const mapped = kept[12]!; // after the six maps and g
    const used = m.debug.buckets.filter(Boolean).length;
    expect(used).toBeGreaterThan(3);
    // The checkpoint stores a slot only for a bucket in use (and the last one, null): no 16,384 slots.
    expect(Object.keys(mapped.cp.debug.buckets).length).toBeLessThanOrEqual(used + 1);
    expect(mapped.cp.debug.buckets).toHaveLength(16384);
    expect(debugLiveEntries(mapped.cp.debug)).toHaveLength(7);
    // Stepped on from each checkpoint, a copy ends as the straight run did (findings and warnings included: state()).
    for (const { at, cp } of kept) {
      const cursor = copyMachine(cp);
      expect(Object.keys(cursor.debug.buckets)).toHaveLength(16384);
      for (let i = at + 1; i < cmds.length; i++) realCore.replayStep(cursor, cmds[i]!);
      expect(state(cursor) === state(m), `a copy of the checkpoint after step ${at + 1} stepped to the end`).toBe(true);
    }
    // ...and the checkpoints are still what they were (a copy's records are its own: the module changes them in place).
    for (const k of kept) expect(state(k.cp) === k.want, `checkpoint after step ${k.at + 1}`).toBe(true);
  });

  it("a seek through the engine API gives each step the straight run's record", async () => {
    const api = createEngineApi(realCore);
    const s = await api.load(text);
    const straight = runScenario(text).steps;
    // A frame's events are plain objects (a cache_maint's lines listed): postMessage keeps only own data.
    const asSent = (st: (typeof straight)[number]) => ({ ...st, events: plainEvents(st.events) });
    for (const k of [straight.length, 14, 13, 18, 15, 19, 16]) expect(api.frame(k, { snapshot: false }).json, `step ${k}`).toEqual(asSent(straight[k - 1]!));
    expect(s.stepCount).toBe(straight.length);
    expect(straight.some((x) => x.warnings.length > 0)).toBe(true);
  });
});

describe('names that are Object.prototype properties', () => {
  it('binding __proto__, constructor or toString in a layer over kept names neither hides nor shadows the names below', () => {
    const text = [
      'machine(arch=arm64)',
      'device(dev, dma_mask=32)',
      'buf = kmalloc(64, GFP_KERNEL)',
      '__proto__ = kmalloc(64, GFP_KERNEL)',
      'constructor = kmalloc(64, GFP_KERNEL)',
      'cpu_write(buf, "still here")',
    ].join('\n');
    const { m, cmds } = commandsOf(text);
    realCore.replayStep(m, cmds[0]!);
    keepMachine(m); // m now writes into a layer over the kept names
    for (const c of cmds.slice(1)) realCore.replayStep(m, c);
    expect(m.names['buf']?.t).toBe('buf');
    expect(m.names['__proto__']?.t).toBe('buf');
    expect(m.names['constructor']?.t).toBe('buf');
    // a name never bound is absent, whatever Object.prototype holds
    expect(m.names['toString']).toBeUndefined();
    const copy = copyMachine(m);
    expect(copy.names['toString']).toBeUndefined();
    expect(copy.names['buf']?.t).toBe('buf');
  });
});
