/**
 * The IOMMU and GPU VM views' pure helpers (src/ui/viz/iommu.ts) on snapshots
 * and events from real runs of library scenarios: the page-table tree with
 * this step's walk, permissions, IOTLB staleness, the IOVA space (top-down,
 * rounded-up tails, rcache), the flush queue timer, and the two-stage GPU
 * translation with the stage that faulted.
 */
import { describe, expect, it } from 'vitest';
import {
  buildPtTree,
  domainLimit,
  fqTiming,
  gpuChains,
  gpuWalks,
  granuleOf,
  iovaSegments,
  levelBits,
  addrPos,
  addrTicks,
  posAddr,
  protInfo,
  ptFormatOf,
  ptRows,
  stepDomain,
  stepIommu,
  translate,
  usText,
  zoomWindows,
} from '../../src/ui/viz/iommu.ts';
import { library, stepped } from './engine-fixtures.ts';

const SZ_4G = 2 ** 32;

function stepOf(run: ReturnType<typeof stepped>, source: string, from = 0): number {
  const i = run.steps.findIndex((s, k) => k >= from && s.source.includes(source));
  if (i < 0) throw new Error(`no step with ${source}`);
  return i + 1;
}

describe('permissions as stage 1 expresses them', () => {
  it('reads are always allowed; write-only becomes read-write; read-only stays read-only', () => {
    expect(protInfo(1)).toMatchObject({ effective: 'R', asked: 'R', promoted: false });
    expect(protInfo(2)).toMatchObject({ effective: 'RW', asked: 'W', promoted: true });
    expect(protInfo(3 | 4)).toMatchObject({ effective: 'RW', asked: 'RW', promoted: false, flags: ['CACHE'] });
    expect(protInfo(0).effective).toBe('none');
  });
  it('VT-d (x86) has a read bit of its own: write-only stays write-only, nothing is promoted', () => {
    expect(ptFormatOf('x86')).toBe('vtd');
    expect(ptFormatOf('arm64')).toBe('lpae');
    expect(protInfo(2, 'vtd')).toMatchObject({ effective: 'W', asked: 'W', promoted: false });
    expect(protInfo(1, 'vtd')).toMatchObject({ effective: 'R', promoted: false });
    expect(protInfo(3, 'vtd').effective).toBe('RW');
  });
  it('RISC-V (riscv_iommu_map_pages): _PAGE_READ on every leaf, _PAGE_WRITE only with IOMMU_WRITE — write-only is promoted to RW, a prot of neither flag is read-only (R*), and no leaf is left without access', () => {
    expect(ptFormatOf('riscv')).toBe('riscv');
    expect(protInfo(1, 'riscv')).toMatchObject({ effective: 'R', promoted: false, readOnlyAnyway: false });
    expect(protInfo(2, 'riscv')).toMatchObject({ effective: 'RW', asked: 'W', promoted: true });
    expect(protInfo(0, 'riscv')).toMatchObject({ effective: 'R', asked: '—', readOnlyAnyway: true });
    expect(protInfo(0).readOnlyAnyway).toBe(false);
    // Sv39's top level is L1: IOVA bits 38:30
    expect(levelBits(1)).toBe('38:30');
  });
  it('the IOVA space of a RISC-V IOMMU domain ends at the Sv39 aperture (DMA_BIT_MASK(38)), whatever the device mask', () => {
    const d = { devices: ['gpu'] };
    const snap = { devices: [{ name: 'gpu', maskBits: 64 }] } as unknown as Parameters<typeof domainLimit>[1];
    expect(domainLimit(d, snap, { arch: 'riscv', devices: [] } as unknown as Parameters<typeof domainLimit>[2])).toBe(2 ** 38);
    expect(domainLimit(d, snap, { arch: 'arm64', devices: [] } as unknown as Parameters<typeof domainLimit>[2])).toBe(2 ** 48);
  });
  it('names the IOVA bits of each level', () => {
    expect([0, 1, 2, 3].map(levelBits)).toEqual(['47:39', '38:30', '29:21', '20:12']);
  });
});

describe('iommu-lazy-stale-iotlb.dma', () => {
  const run = stepped(library('iommu-lazy-stale-iotlb'));
  const firstRead = stepOf(run, 'dev_read(nic, h, 8)');
  const unmap = stepOf(run, 'dma_unmap_single(nic, h,');
  const staleRead = stepOf(run, 'dev_read(nic, h, 8)', unmap);
  const faultRead = stepOf(run, 'dev_read(nic, h2, 8)');
  const flush = stepOf(run, 'udelay(1)');

  it('lights the walk of a miss level by level down to the leaf', () => {
    const snap = run.snapshots[firstRead]!;
    const d = snap.iommu[0]!;
    const events = run.steps[firstRead - 1]!.events;
    expect(stepDomain(events)).toBe(d.name);
    const s = stepIommu(events, d.name);
    expect(s.walks).toEqual([{ iova: 0xfffff000, levels: [0, 3, 511, 511], phys: expect.any(Number) }]);
    expect(s.tlb.map((t) => t.op)).toEqual(['miss', 'fill']);
    const { root, startLevel } = buildPtTree(d.entries, s.walks);
    expect(startLevel).toBe(0);
    const rows = ptRows(root, s.walks.map((w) => w.levels));
    expect(rows.filter((r) => r.kind === 'table').map((r) => (r as { level: number }).level)).toEqual([0, 1, 2]);
    const walkedLeaf = rows.find((r) => r.kind === 'leaf' && r.walked);
    expect(walkedLeaf && walkedLeaf.kind === 'leaf' && walkedLeaf.entry.iova).toBe(0xfffff000);
    // the other leaf (h2) is present but not walked
    expect(rows.filter((r) => r.kind === 'leaf' && !r.walked)).toHaveLength(1);
    expect(rows.every((r) => r.kind !== 'table' || r.walked)).toBe(true);
  });

  it('after the lazy unmap the PTE is gone, the IOTLB entry stale, the flush queue armed', () => {
    const d = run.snapshots[unmap]!.iommu[0]!;
    expect(d.entries.some((e) => e.iova === 0xfffff000)).toBe(false);
    expect(d.iotlb).toEqual([expect.objectContaining({ iova: 0xfffff000, stale: true })]);
    const t = fqTiming(d, run.snapshots[unmap]!.timeUs);
    expect(t).toEqual({ pending: 1, deadlineUs: 10_000, leftUs: 10_000 });
    expect(stepIommu(run.steps[unmap - 1]!.events, d.name).unmaps).toEqual([{ iova: 0xfffff000, size: 4096, queued: true }]);
  });

  it('a stale hit is reported as such', () => {
    const s = stepIommu(run.steps[staleRead - 1]!.events, 'smmu/nic');
    expect(s.tlb).toEqual([expect.objectContaining({ op: 'hit', stale: true, iova: 0xfffff000 })]);
    expect(s.walks).toEqual([]);
  });

  it('a miss on a cleared entry walks to the empty slot and faults (translation)', () => {
    const snap = run.snapshots[faultRead]!;
    const d = snap.iommu[0]!;
    const s = stepIommu(run.steps[faultRead - 1]!.events, d.name);
    expect(s.faults).toEqual([expect.objectContaining({ dev: 'nic', iova: 0xffffe000, write: false, stage: 'translation' })]);
    const { root } = buildPtTree(d.entries, s.walks);
    const rows = ptRows(root, s.walks.map((w) => w.levels));
    // no leaves left, but the tables the walk went through and the empty L3 slot are drawn
    expect(rows.map((r) => r.kind)).toEqual(['table', 'table', 'table', 'empty']);
    expect(rows[3]).toMatchObject({ kind: 'empty', level: 3, index: 510, iova: 0xffffe000, walked: true });
  });

  it('udelay past the deadline flushes: the IOTLB is empty and the IOVAs go to the rcache', () => {
    const snap = run.snapshots[flush]!;
    const d = snap.iommu[0]!;
    const s = stepIommu(run.steps[flush - 1]!.events, d.name);
    expect(s.tlb.map((t) => t.op)).toEqual(['flush']);
    expect(s.fq).toEqual([{ op: 'flush', entries: 2 }]);
    expect(d.iotlb).toEqual([]);
    expect(fqTiming(d, snap.timeUs)).toEqual({ pending: 0, deadlineUs: null, leftUs: null });
    const segs = iovaSegments(d, 4096, s);
    expect(segs.map((x) => [x.lo, x.state, x.changed])).toEqual([
      [0xffffe000, 'cached', 'free'],
      [0xfffff000, 'cached', 'free'],
    ]);
    // one step before: 1 µs left
    expect(fqTiming(run.snapshots[flush - 1]!.iommu[0]!, run.snapshots[flush - 1]!.timeUs).leftUs).toBe(1);
  });
});

describe('iommu-iova-topdown.dma', () => {
  const run = stepped(library('iommu-iova-topdown'));
  const hb = stepOf(run, 'hb = dma_map_single');
  const hd = stepOf(run, 'hd = dma_map_single');

  it('the space ends at the 32-bit limit and the ranges sit just below it', () => {
    const snap = run.snapshots[hb]!;
    const d = snap.iommu.find((x) => x.devices.includes('dev'))!;
    expect(domainLimit(d, snap, run.config)).toBe(SZ_4G);
    expect(granuleOf(d, run.config)).toBe(4096);
    const segs = iovaSegments(d, 4096, stepIommu(run.steps[hb - 1]!.events, d.name));
    expect(segs.map((s) => [s.lo, s.hi])).toEqual([
      [0xffff8000, 0xffffc000],
      [0xfffff000, SZ_4G],
    ]);
    // 3 pages mapped of the 4-page range: the tail has no PTE
    expect(segs[0]!.mapped).toEqual([{ lo: 0xffff8000, hi: 0xffffb000, phys: expect.any(Number) }]);
    expect(segs[0]!.changed).toBe('alloc');
    for (const s of segs) expect(addrPos(s.lo, SZ_4G)).toBeGreaterThan(0.99);
    const [z, ...more] = zoomWindows(segs, SZ_4G, 4096);
    expect(more).toEqual([]);
    expect(z!.hi).toBe(SZ_4G);
    expect(z!.lo).toBeLessThan(0xffff8000);
    expect(z!.lo).toBeGreaterThan(0xfff00000);
    expect(z!.segs).toEqual([0, 1]);
  });

  it('the rcache hands the 4-page range back', () => {
    const d = run.snapshots[hd]!.iommu.find((x) => x.devices.includes('dev'))!;
    const s = stepIommu(run.steps[hd - 1]!.events, d.name);
    expect(s.allocs).toEqual([{ iova: 0xffff8000, size: 16384 }]);
    const rows = ptRows(buildPtTree(d.entries).root);
    const run4 = rows.find((r) => r.kind === 'run');
    expect(run4).toMatchObject({ kind: 'run', count: 4, first: { iova: 0xffff8000 } });
    // a selected leaf is not folded into the run
    const target = d.entries.find((e) => e.iova === 0xffff9000)!;
    const kept = ptRows(buildPtTree(d.entries).root, [], (e) => e === target);
    expect(kept.some((r) => r.kind === 'leaf' && r.entry === target)).toBe(true);
    expect(translate(d, 0xffff9010)?.phys).toBe(target.phys + 0x10);
  });
});

describe('log scale', () => {
  it('maps 0 and the limit to the ends and is invertible', () => {
    expect(addrPos(0, SZ_4G)).toBe(0);
    expect(addrPos(SZ_4G, SZ_4G)).toBe(1);
    for (const a of [0x1000, 0x80000000, 0xfffff000]) expect(posAddr(addrPos(a, SZ_4G), SZ_4G)).toBeCloseTo(a, -1);
  });
  it('labels the limit, the 32-bit boundary and a few landmarks, spaced', () => {
    const ticks = addrTicks(2 ** 48, 0.09);
    expect(ticks[0]).toMatchObject({ pos: 1, addr: 2 ** 48 });
    expect(ticks[ticks.length - 1]).toMatchObject({ pos: 0, addr: 0 });
    expect(ticks.some((t) => t.label === '4 GiB')).toBe(true);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i - 1]!.pos - ticks[i]!.pos).toBeGreaterThanOrEqual(0.09);
    expect(addrTicks(SZ_4G).map((t) => t.label)).not.toContain('4 GiB');
  });
  it('zooms each cluster of ranges separately: just below 4 GiB and just below 2^48', () => {
    const seg = (lo: number, hi: number) => ({ lo, hi, state: 'allocated' as const, mapped: [], changed: null });
    const segs = [seg(0xfffff000, SZ_4G), seg(2 ** 48 - 2 ** 30, 2 ** 48), seg(0xffffe000, 0xfffff000)];
    const z = zoomWindows(segs, 2 ** 48, 4096);
    expect(z).toHaveLength(2);
    expect(z[0]).toMatchObject({ hi: SZ_4G, segs: [2, 0] });
    expect(z[1]).toMatchObject({ hi: 2 ** 48, segs: [1] });
    expect(zoomWindows([], SZ_4G, 4096)).toEqual([{ lo: SZ_4G - 65536, hi: SZ_4G, segs: [] }]);
  });
  it('formats times', () => {
    expect([usText(0), usText(1), usText(9999), usText(10_000)]).toEqual(['0 µs', '1 µs', '9.999 ms', '10 ms']);
  });
});

describe('gpu-two-stage-fault.dma', () => {
  const run = stepped(library('gpu-two-stage-fault'));
  const ok = stepOf(run, 'gpu_read(vm, 0x2000000, 6)');
  const s1 = stepOf(run, 'gpu_read(vm, 0x2001000, 4)');
  const s2 = stepOf(run, 'gpu_read(vm, 0x2000000, 6)', s1);
  const direct = stepOf(run, 'gpu_read(vm2, 0x2000000, 6)');

  it('a read that works goes through both stages', () => {
    const [w] = gpuWalks(run.steps[ok - 1]!.events);
    expect(w).toMatchObject({ vm: 'vm', va: 0x2000000, faulted: null, op: 'read', s1: { ok: true, dmaAddr: 2 ** 48 - 4096 }, s2: { kind: 'iommu', tlb: 'miss', fault: null } });
    expect(w!.s2.phys).not.toBeNull();
    const snap = run.snapshots[ok]!;
    const chains = gpuChains(snap, snap.gpuVms[0]!);
    expect(chains).toEqual([expect.objectContaining({ va: 0x2000000, dmaAddr: 2 ** 48 - 4096, stage2: 'iommu', phys: w!.s2.phys })]);
  });

  it('a VA without a GPU PTE faults in stage 1 (the GPU MMU); stage 2 is not reached', () => {
    const [w] = gpuWalks(run.steps[s1 - 1]!.events);
    expect(w).toMatchObject({ faulted: 'gpu-mmu', s1: { ok: false }, s2: { kind: 'not-reached' } });
  });

  it('a GPU PTE whose IOVA was unmapped faults in stage 2 (the SMMU); the chain shows the broken link', () => {
    const [w] = gpuWalks(run.steps[s2 - 1]!.events);
    expect(w).toMatchObject({ faulted: 'iommu', s1: { ok: true }, s2: { kind: 'iommu', fault: { stage: 'translation' } } });
    const snap = run.snapshots[s2]!;
    expect(gpuChains(snap, snap.gpuVms[0]!)[0]).toMatchObject({ stage2: 'iommu', phys: null });
  });

  it('without an IOMMU the DMA address is the physical address and nothing faults', () => {
    const [w] = gpuWalks(run.steps[direct - 1]!.events);
    expect(w).toMatchObject({ faulted: null, s2: { kind: 'direct' } });
    const snap = run.snapshots[direct]!;
    const vm2 = snap.gpuVms.find((v) => v.name === 'vm2')!;
    expect(gpuChains(snap, vm2)[0]).toMatchObject({ stage2: 'none', phys: 0x1fffff000 });
  });
});
