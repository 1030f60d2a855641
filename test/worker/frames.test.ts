/**
 * What a frame sends (worker/frames.ts): a machine with more live buffers
 * than a frame lists gets the wanted buffer and the oldest ones, their
 * mappings and the extents of every buffer and mapping, the same records a
 * whole snapshot would hold; parts equal to the last frame's are the same
 * objects with the same id, and a caller that holds them is not sent them
 * again.
 */
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_MAX_ITEMS } from '../../src/worker/api.ts';
import type { Frame } from '../../src/worker/api.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';
import { FrameParts, frameSnapshot, sameData } from '../../src/worker/frames.ts';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine, type Machine } from '../../src/sim/machine.ts';
import { snapshot } from '../../src/sim/snapshot.ts';

/** The machine after a scenario's last step. */
function machineAfter(text: string): Machine {
  const p = prepareScenario(text);
  if (!p.ok) throw new Error(p.errors.map((e) => e.message).join('; '));
  const m = createMachine(p.config);
  p.body.forEach((cmd, i) => runStep(m, cmd, i + 1));
  return m;
}

/** `n` streaming mappings of their own 4 KiB buffer each, and a dma-buf exported from the last buffer's page. */
function manyMappings(n: number): string {
  const lines = ['machine(arch=arm64, ram=8G, swiotlb=64M)', 'device(cam, dma_mask=64)', 'device(gpu)'];
  for (let i = 0; i < n; i++) lines.push(`b${i} = kmalloc(4096, GFP_KERNEL)`, `h${i} = dma_map_single(cam, b${i}, 4096, DMA_TO_DEVICE)`);
  lines.push('p = alloc_pages(GFP_KERNEL, 0)', 'db = dma_buf_export(gpu, p, 4096)');
  return `${lines.join('\n')}\n`;
}

describe('frame snapshot of a machine with thousands of live buffers', () => {
  const n = SNAPSHOT_MAX_ITEMS + 200;
  const m = machineAfter(manyMappings(n));
  const whole = snapshot(m);

  it('lists the wanted buffer and the oldest, their mappings, every extent, and what it left out', () => {
    const wanted = `b${n - 5}`;
    const f = frameSnapshot(realCore, m, new Set([wanted]));
    const names = f.snapshot.buffers.map((b) => b.name);
    expect(names).toHaveLength(SNAPSHOT_MAX_ITEMS);
    expect(names).toContain(wanted);
    expect(names.slice(0, 3)).toEqual(['b0', 'b1', 'b2']);
    // The same records a whole snapshot holds, for the buffers listed.
    const byName = new Map(whole.buffers.map((b) => [b.name, b]));
    for (const b of f.snapshot.buffers) expect(b).toEqual(byName.get(b.name));
    const ids = new Set(f.snapshot.buffers.map((b) => b.id));
    expect(f.snapshot.mappings).toEqual(whole.mappings.filter((r) => ids.has(r.bufId)));
    expect(f.omitted).toEqual({ buffers: whole.buffers.length - SNAPSHOT_MAX_ITEMS, mappings: n - SNAPSHOT_MAX_ITEMS, debugEntries: m.debug.liveCount });
    expect(f.snapshot.debug).toEqual({ entries: [], cachelines: [] });
    // Extents: every live buffer piece and every mapping, in the machine's order.
    expect(f.extents.buffers.length / 3).toBe(whole.buffers.length);
    expect(Array.from(f.extents.mappings)).toEqual(whole.mappings.flatMap((r) => [r.phys, r.size, r.tlbAddr, r.owner === 'device' ? 1 : 0]));
  });

  it('names a dma-buf by its buffer, though that buffer is not listed (buffers are found by id)', () => {
    const f = frameSnapshot(realCore, m, new Set());
    expect(f.snapshot.buffers.map((b) => b.name)).not.toContain('p');
    expect(f.snapshot.dmaBufs.map((d) => d.buffer)).toEqual(['p']);
    expect(f.snapshot.dmaBufs).toEqual(whole.dmaBufs);
  });
});

describe('sameData', () => {
  it('compares plain data all the way down, typed arrays by their bytes', () => {
    expect(sameData({ a: [1, { b: 'x' }], c: null }, { a: [1, { b: 'x' }], c: null })).toBe(true);
    expect(sameData({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toBe(false);
    expect(sameData({ a: undefined }, {})).toBe(false);
    expect(sameData([1, 2], [1, 2, 3])).toBe(false);
    expect(sameData(NaN, NaN)).toBe(true);
    expect(sameData(Float64Array.of(1, -1), Float64Array.of(1, -1))).toBe(true);
    expect(sameData(Float64Array.of(1, -1), Float64Array.of(1, 1))).toBe(false);
    expect(sameData(Float64Array.of(1), Float32Array.of(1))).toBe(false);
    expect(sameData([1], { 0: 1, length: 1 })).toBe(false);
    // Not plain data: never the same unless it is the same object.
    const map = new Map([[1, 2]]);
    expect(sameData(map, new Map([[1, 2]]))).toBe(false);
    expect(sameData(map, map)).toBe(true);
  });
});

describe('frame parts', () => {
  const text = [
    'machine(arch=arm64)',
    'device(cam, dma_mask=64)',
    'a = kmalloc(4096, GFP_KERNEL)',
    'cpu_write(a, "hello")',
    'h = dma_map_single(cam, a, 4096, DMA_TO_DEVICE)',
    'dev_read(cam, h, 5)',
    'dma_unmap_single(cam, h, 4096, DMA_TO_DEVICE)',
  ].join('\n');

  async function loaded() {
    const api = createEngineApi(realCore);
    await api.load(text);
    return api;
  }

  it('a part that did not change is the same object with the same id; one that did gets a new id', async () => {
    const api = await loaded();
    const f4 = api.frame(4); // dev_read: the device reads, nothing is mapped or freed
    const f5 = api.frame(5); // the unmap
    const f3 = api.frame(3); // the map
    expect(f4.snapshot!.buffers).toBe(f3.snapshot!.buffers);
    expect(f4.parts!.buffers).toBe(f3.parts!.buffers);
    expect(f4.snapshot!.mappings).toBe(f3.snapshot!.mappings);
    expect(f5.snapshot!.mappings).toEqual([]);
    expect(f5.parts!.mappings).not.toBe(f4.parts!.mappings);
    expect(f5.parts!.config).toBe(f4.parts!.config);
    expect(f5.extents).not.toBe(f4.extents);
  });

  it('leaves out what the caller holds, and the frame put back together is the whole frame', async () => {
    const api = await loaded();
    const held = api.frame(3);
    const next = api.frame(4, { have: held.parts });
    expect(next.reused).toEqual(expect.arrayContaining(['buffers', 'mappings', 'regions', 'devices', 'extents', 'config']));
    expect(next.snapshot).not.toHaveProperty('buffers');
    expect(next).not.toHaveProperty('extents');
    expect(next).not.toHaveProperty('config');
    const whole: Frame = { ...next, snapshot: { ...held.snapshot!, ...next.snapshot! }, extents: held.extents, config: held.config };
    delete whole.reused;
    const fresh = await loaded();
    const want = fresh.frame(4);
    expect({ ...whole, ms: 0, parts: null }).toEqual({ ...want, ms: 0, parts: null });
    // A part the caller holds under an old id is sent.
    // A list that changed in a few items: the indexes of the items kept and the new ones.
    const f1 = api.frame(1);
    const grown = createEngineApi(realCore);
    await grown.load(`${text}\nb = kmalloc(64, GFP_KERNEL)\n`);
    const g5 = grown.frame(5);
    const g6 = grown.frame(6, { have: g5.parts });
    expect(g6.lists?.buffers?.items).toEqual([0, g6.lists!.buffers!.items[1]]);
    expect(g6.lists!.buffers!.from).toBe(g5.parts!.buffers);
    expect(g6.snapshot).not.toHaveProperty('buffers');
    expect(f1.lists).toBeUndefined();
    const stale = api.frame(5, { have: { ...held.parts, mappings: -1 } });
    expect(stale.snapshot!.mappings).toEqual([]);
    expect(stale.reused).not.toContain('mappings');
  });

  it('ids never repeat across runs: a new run does not match what a caller held of the old one', async () => {
    const parts = new FrameParts();
    const a = parts.id({ x: 1 });
    const b = parts.id({ x: 1 });
    expect(b).not.toBe(a);
    const api = await loaded();
    const first = api.frame(1);
    await api.load(text.replace('kmalloc(4096', 'kmalloc(8192'));
    const second = api.frame(1, { have: first.parts });
    // The regions are equal data and were reused; the buffer is another size, and is sent.
    expect(second.reused).toContain('regions');
    expect(second.reused).not.toContain('buffers');
    expect(second.snapshot!.buffers[0]!.size).toBe(8192);
  });
});

describe('frames of steps shown lately', () => {
  it('stepping back over them answers the same frame without restoring a checkpoint or replaying', async () => {
    let seeks = 0;
    const core = {
      ...realCore,
      clone: (m: Machine) => {
        seeks++;
        return realCore.clone(m);
      },
      replayStep: (m: Machine, cmd: Parameters<typeof realCore.replayStep>[1]) => {
        seeks++;
        realCore.replayStep(m, cmd);
      },
    };
    const lines = ['machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
    for (let i = 0; i < 200; i++) lines.push(`cpu_write(a + ${i}, "x")`);
    const api = createEngineApi(core);
    await api.load(lines.join('\n'));
    const first = [150, 151, 152].map((k) => api.frame(k));
    const before = seeks;
    const again = api.frame(151);
    expect(seeks).toBe(before);
    expect({ ...again, ms: 0 }).toEqual({ ...first[1]!, ms: 0 });
    // A step not shown lately seeks.
    api.frame(140);
    expect(seeks).toBeGreaterThan(before);
  });
});
