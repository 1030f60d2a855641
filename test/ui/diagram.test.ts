/**
 * The machine diagram's pure layout (src/ui/viz/diagram-layout.ts, diagram.ts): boxes from the
 * configuration, chips from the snapshot, arrows and captions from a step's
 * events; with and without a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, defaultDevice, defaultIommu } from '../../src/sim/config.ts';
import type { MachineConfig } from '../../src/sim/config.ts';
import { buildDiagram, pathOf } from '../../src/ui/viz/diagram.ts';
import { DIAGRAM_H, DIAGRAM_W, regionsFromConfig, type DiagramModel } from '../../src/ui/viz/diagram-layout.ts';
import { library, stepped } from './engine-fixtures.ts';
import { slotOccupancy } from '../../src/ui/viz/swiotlb.ts';

function at(model: DiagramModel, id: string) {
  const b = model.boxes.find((x) => x.id === id);
  if (!b) throw new Error(`no box ${id}: ${model.boxes.map((x) => x.id).join(', ')}`);
  return b;
}

function inside(p: readonly [number, number], r: { x: number; y: number; w: number; h: number }, slack = 1): boolean {
  return p[0] >= r.x - slack && p[0] <= r.x + r.w + slack && p[1] >= r.y - slack && p[1] <= r.y + r.h + slack;
}

describe('swiotlb-32bit-device.dma', () => {
  const run = stepped(library('swiotlb-32bit-device'));
  const mapStep = run.steps.findIndex((s) => s.op === 'dma_map_single') + 1;
  const readStep = run.steps.findIndex((s) => s.op === 'dev_read') + 1;
  const model = (k: number, snap = true) =>
    buildDiagram({ config: run.config, snapshot: snap ? run.snapshots[k]! : null, events: run.steps[k - 1]?.events ?? [], observationRules: run.steps[k - 1]?.observationRules ?? [] });

  it('draws the map step as a CPU bounce copy from the buffer into a swiotlb slot', () => {
    const m = model(mapStep);
    expect(m.source).toBe('snapshot');
    const bounce = m.arrows.filter((a) => a.kind === 'bounce');
    expect(bounce).toHaveLength(1);
    const a = bounce[0]!;
    const buf = at(m, 'buf-buf');
    const slot = m.boxes.find((b) => b.kind === 'slot')!;
    expect(slot).toBeTruthy();
    expect(slot.lines[0]).toBe('copy of buf');
    expect(inside(a.points[0]!, buf)).toBe(true);
    expect(inside(a.points.at(-1)!, slot)).toBe(true);
    // it passes through the CPU box: the CPU does the copy
    expect(a.points.some((p) => inside(p, at(m, 'cpu')))).toBe(true);
    expect(a.caption).toMatch(/CPU copies 4 KiB of buf into swiotlb slot/);
    expect(a.label).toBe('memcpy');
    expect(at(m, 'pool').active).toBe(true);
    // the map itself is named at the device
    expect(m.marks.some((k) => k.kind === 'map' && /0xffc00000/.test(k.caption) && /swiotlb/.test(k.caption))).toBe(true);
    // captions are numbered 1..n in order
    expect(m.captions.map((c) => c.n)).toEqual(m.captions.map((_, i) => i + 1));
  });

  it('still draws the bounce without a snapshot (regions from the configuration)', () => {
    const m = model(mapStep, false);
    expect(m.source).toBe('config');
    const a = m.arrows.find((x) => x.kind === 'bounce')!;
    expect(a).toBeTruthy();
    expect(inside(a.points.at(-1)!, at(m, 'pool'))).toBe(true);
    const r = regionsFromConfig(run.config);
    const snapPool = run.snapshots[0]!.regions.find((x) => x.kind === 'swiotlb')!;
    expect(r.pool).toEqual({ start: snapPool.start, end: snapPool.end });
    // the scenario has no CMA area (cma=0): neither does the configuration's layout
    expect(run.snapshots[0]!.regions.find((x) => x.kind === 'cma')).toBeUndefined();
    expect(r.cma).toBeNull();
    // the layout is the engine's own (src/sim/layout.ts): x86 puts CMA at 4 GiB from 5.12, at the top of RAM before
    expect(regionsFromConfig({ ...run.config!, cma: 16 * 1024 ** 2, kernel: '6.6' }).cma).toEqual({ start: 2 ** 32, end: 2 ** 32 + 16 * 1024 ** 2 });
    expect(regionsFromConfig({ ...run.config!, cma: 16 * 1024 ** 2, kernel: '5.10' }).cma).toEqual({ start: 8 * 2 ** 30 - 16 * 1024 ** 2, end: 8 * 2 ** 30 });
  });

  it('the device reads the slot, not the buffer', () => {
    const m = model(readStep);
    const a = m.arrows.find((x) => x.kind === 'dma-read')!;
    const slot = m.boxes.find((b) => b.kind === 'slot')!;
    expect(inside(a.points[0]!, slot)).toBe(true);
    expect(inside(a.points.at(-1)!, at(m, 'dev-nic'))).toBe(true);
    expect(a.caption).toMatch(/^nic reads 5 B from swiotlb slot/);
  });

  it('boxes other than the RAM chips never move while stepping', () => {
    const fixed = (m: DiagramModel) => JSON.stringify(m.boxes.filter((b) => b.kind !== 'chip' && b.kind !== 'slot').map((b) => [b.id, b.x, b.y, b.w, b.h]));
    const first = fixed(model(0));
    for (let k = 1; k <= run.steps.length; k++) expect(fixed(model(k))).toBe(first);
    for (let k = 0; k <= run.steps.length; k++) {
      const m = model(k);
      expect([m.width, m.height]).toEqual([DIAGRAM_W, DIAGRAM_H]);
      for (const b of m.boxes) expect(b.x >= 0 && b.y >= 0 && b.x + b.w <= DIAGRAM_W && b.y + b.h <= DIAGRAM_H, b.id).toBe(true);
    }
  });

  it('marks the 4 GiB line as the 32-bit device limit and places the buffer above it', () => {
    const m = model(1);
    const tick = m.axis.ticks.find((t) => /32-bit limit/.test(t.label))!;
    expect(tick.label).toContain('nic');
    const bufSpan = m.axis.spans.find((s) => s.kind === 'buffer')!;
    expect(bufSpan.x).toBeGreaterThan(tick.x);
    expect(m.axis.spans.find((s) => s.kind === 'pool')!.x).toBeLessThan(tick.x);
  });
});

describe('x86-always-coherent.dma', () => {
  const text = library('x86-always-coherent');
  const read = (arch: 'x86' | 'arm64') => {
    const run = stepped(text, { arch });
    const k = run.steps.findIndex((s) => s.op === 'dev_read') + 1;
    return buildDiagram({ config: run.config, snapshot: run.snapshots[k]!, events: run.steps[k - 1]!.events, observationRules: run.steps[k - 1]!.observationRules });
  };

  it('arm64: the non-coherent device reads stale RAM (marked stale, the buffer hatched)', () => {
    const m = read('arm64');
    const a = m.arrows.find((x) => x.kind === 'dma-read')!;
    expect(a.stale).toBe(true);
    expect(a.caption).toMatch(/STALE/);
    expect(m.captions.find((c) => c.n === a.n)!.tone).toBe('stale');
    expect(at(m, 'buf-buf').tone).toBe('stale');
    expect(at(m, 'dev-nic').tone).toBe('noncoherent');
    expect(m.arrows.some((x) => x.kind === 'snoop')).toBe(false);
  });

  it('x86: the device snoops the cache and reads fresh data', () => {
    const m = read('x86');
    const a = m.arrows.find((x) => x.kind === 'dma-read')!;
    expect(a.stale).toBe(false);
    expect(m.arrows.some((x) => x.kind === 'snoop')).toBe(true);
    expect(at(m, 'dev-nic').tone).toBe('coherent');
    expect(at(m, 'dev-nic').lines[0]).toMatch(/x86/);
  });

  it('arm64 map: a clean with nothing to write back is said in words', () => {
    const run = stepped(text, { arch: 'arm64' });
    const k = run.steps.findIndex((s) => s.op === 'dma_map_single') + 1;
    const m = buildDiagram({ config: run.config, snapshot: run.snapshots[k]!, events: run.steps[k - 1]!.events });
    expect(m.marks.some((x) => x.kind === 'clean' && /nothing to write back/.test(x.caption))).toBe(true);
  });
});

describe('configurations', () => {
  function cfg(extra: Partial<MachineConfig> = {}): MachineConfig {
    return { ...defaultConfig(), ...extra };
  }

  it('draws an IOMMU under the devices behind it and a GPU MMU inside the GPU', () => {
    const gpu = { ...defaultDevice('gpu'), iommu: 'smmu', mmu: true };
    const nic = { ...defaultDevice('nic'), iommu: 'smmu' };
    const disk = defaultDevice('disk');
    const m = buildDiagram({ config: cfg({ iommus: [{ ...defaultIommu('smmu'), mode: 'lazy' }], devices: [disk, gpu, nic] }) });
    const io = at(m, 'iommu-smmu');
    const g = at(m, 'dev-gpu');
    const n = at(m, 'dev-nic');
    expect(io.x).toBeLessThanOrEqual(Math.min(g.x, n.x));
    expect(io.x + io.w).toBeGreaterThanOrEqual(Math.max(g.x + g.w, n.x + n.w));
    expect(io.y).toBeGreaterThan(g.y + g.h);
    expect(io.lines[0]).toMatch(/lazy/);
    const mmu = at(m, 'mmu-gpu');
    expect(inside([mmu.x, mmu.y], g)).toBe(true);
    // a device not behind the IOMMU is not under it
    const d = at(m, 'dev-disk');
    expect(d.x + d.w <= io.x || d.x >= io.x + io.w).toBe(true);
  });

  it('IOMMU events become numbered marks on the IOMMU; a fault is a bad arrow from the device that stops at the IOMMU', () => {
    const why = { fn: 'f', file: 'drivers/iommu/x.c', rule: 'r' };
    const m = buildDiagram({
      config: cfg({ iommus: [defaultIommu('smmu')], devices: [{ ...defaultDevice('nic'), iommu: 'smmu' }] }),
      events: [
        { kind: 'iommu_map', domain: 'dma0', iova: 0x1000, phys: 0x8000, size: 4096, prot: 'rw', why },
        { kind: 'iommu_fault', domain: 'dma0', dev: 'nic', iova: 0x2000, write: true, stage: 'permission', why },
        { kind: 'dev_access', dev: 'nic', op: 'write', addr: 0x1000, phys: 0x8000, len: 4, via: 'iommu', snooped: false, why },
      ],
    });
    expect(m.marks.map((x) => x.kind)).toEqual(['iommu']);
    const blocked = m.arrows.find((a) => a.kind === 'blocked')!;
    expect(blocked.bad).toBe(true);
    expect(blocked.label).toBe('write blocked');
    expect(blocked.caption).toMatch(/^IOMMU permission fault: nic's write is blocked, because IOVA 0x2000 is mapped read-only in dma0/);
    expect(inside(blocked.points[0]!, at(m, 'dev-nic'))).toBe(true);
    expect(inside(blocked.points.at(-1)!, at(m, 'iommu-smmu'))).toBe(true);
    expect(m.captions.find((c) => c.n === blocked.n)!.tone).toBe('bad');
    const w = m.arrows.find((a) => a.kind === 'dma-write')!;
    expect(w.caption).toMatch(/through the IOMMU \(IOVA 0x1000 → 0x8000\)/);
    expect(inside(w.points[0]!, at(m, 'dev-nic'))).toBe(true);
    expect(at(m, 'iommu-smmu').active).toBe(true);
  });

  it('many devices fold into a "+N more" box; many events are capped', () => {
    const devices = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(defaultDevice);
    const why = { fn: 'f', file: 'x.c', rule: 'r' };
    const events = Array.from({ length: 20 }, (_, i) => ({ kind: 'dma_sync' as const, dev: 'a', api: 'dma_sync_single_for_cpu' as const, addr: i, size: 64, dir: 'DMA_FROM_DEVICE' as const, forCpu: true, why }));
    const m = buildDiagram({ config: cfg({ devices }), events });
    expect(at(m, 'dev-more').title).toBe('+3 more');
    expect(m.boxes.filter((b) => b.kind === 'device')).toHaveLength(5);
    expect(m.marks.length).toBe(10);
    expect(m.more).toBe(10);
  });

  it('no swiotlb, no CMA: RAM is one region', () => {
    const m = buildDiagram({ config: cfg({ swiotlb: 0, cma: 0 }) });
    expect(m.boxes.some((b) => b.id === 'pool' || b.id === 'cma')).toBe(false);
    expect(at(m, 'general').w).toBeGreaterThan(800);
  });
});

describe('helpers', () => {
  it('pathOf', () => {
    expect(pathOf([[0, 0], [10.04, 5]])).toBe('M0 0 L10 5');
  });
});

describe('marks on one box', () => {
  it('spread leftwards from the corner in number order', () => {
    const why = { fn: 'f', file: 'x.c', rule: 'r' };
    const m = buildDiagram({
      config: { ...defaultConfig(), iommus: [defaultIommu('smmu')], devices: [{ ...defaultDevice('nic'), iommu: 'smmu' }] },
      events: [
        { kind: 'iotlb', domain: 'd', op: 'miss', iova: 0x1000, why },
        { kind: 'pt_walk', domain: 'd', iova: 0x1000, levels: [0, 1, 2, 3], phys: null, why },
        { kind: 'iotlb', domain: 'd', op: 'fill', iova: 0x2000, phys: 0x8000, why },
      ],
    });
    expect(m.marks.map((k) => k.n)).toEqual([1, 2, 3]);
    expect(m.marks[0]!.x).toBeLessThan(m.marks[1]!.x);
    expect(m.marks[1]!.x).toBeLessThan(m.marks[2]!.x);
    expect(new Set(m.marks.map((k) => k.y)).size).toBe(1);
  });
});

describe('a coherent buffer taken from the swiotlb pool (kernels before 4.20)', () => {
  // x86 4.16 with a 33-bit coherent mask on 16 GiB: no page within the mask, so swiotlb_alloc_buffer hands out
  // pool slots as the buffer itself; they are not a bounce copy of anything
  const run = stepped(`machine(arch=x86, kernel="4.16", ram=16G, cma=0)
device(dev, dma_mask=33)
cpu, h = dma_alloc_coherent(dev, 4096)
`);
  const snap = run.snapshots[1]!;

  it('draws the buffer chip in the pool and no "copy of 0x0" slot chip', () => {
    const m = buildDiagram({ config: run.config, snapshot: snap, events: run.steps[0]!.events, observationRules: [] });
    expect(m.boxes.filter((b) => b.kind === 'slot')).toEqual([]);
    const chip = at(m, 'buf-cpu');
    expect(inside([chip.x + 1, chip.y + 1], at(m, 'pool'))).toBe(true);
  });

  it('names the buffer for the slot run in the swiotlb view instead of an original address', () => {
    const o = slotOccupancy(snap)!;
    expect(o.runs).toHaveLength(1);
    expect(o.runs[0]).toMatchObject({ orig: 0, nslots: 2, held: 'cpu', map: null });
  });
});
