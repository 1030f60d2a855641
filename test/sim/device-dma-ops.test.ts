// Thread 001's rejected proposal (src/sim/hw/device-dma-ops.ts): a device-internal
// MMU behind the device's own dma_map_ops (device(…, mmu=true, dma_ops=own)). Not
// kernel code: the tests check that the model does what the proposal describes
// (internal addresses, the ops' own cache maintenance, translation through the
// device's MMU), that another device given such an address reaches unrelated
// memory, and that every event says it is a proposal.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';

function run(text: string): RunResult {
  const r = runScenario(text);
  expect(r.errors).toEqual([]);
  return r;
}

function at(r: RunResult, prefix: string): StepJson {
  const s = r.steps.find((x) => x.source.startsWith(prefix));
  if (!s) throw new Error(`no step ${prefix}`);
  return s;
}

const HEAD = (arch: string) => `machine(arch=${arch}, ram=8G)
device(cam, mmu=true, dma_ops=own)
device(disp)
buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "frame")
h = dma_map_single(cam, buf, 4096, DMA_TO_DEVICE)
dev_read(cam, h, 5)
dev_read(disp, h, 5)
`;

describe('device(…, dma_ops=own): the proposal of thread 001', () => {
  it('dma_map_single returns an address in the device\'s own space (top-down below 4 GiB), mapped in its MMU', () => {
    const r = run(HEAD('x86'));
    expect(at(r, 'h =').result).toBe('0xfffff000');
    expect(at(r, 'h =').events.find((e) => e.kind === 'gpu_vm')).toMatchObject({ vm: 'cam:dma_ops', op: 'map', dmaAddr: 0x1fffff000 });
    expect(at(r, 'dev_read(cam').data?.text).toBe('frame');
  });

  it('on x86, where the DMA API does no cache maintenance, the ops clflush: the non-snooping camera reads the CPU\'s data', () => {
    const r = run(HEAD('x86'));
    expect(at(r, 'h =').events.find((e) => e.kind === 'cache_maint')).toMatchObject({ op: 'clean_inval' });
    const plain = run(HEAD('x86').replace(', dma_ops=own', ''));
    expect(plain.steps.find((s) => s.source.startsWith('h ='))!.events.some((e) => e.kind === 'cache_maint')).toBe(false);
  });

  it('another device given the address reaches physical memory at that number, with the observation why', () => {
    const r = run(HEAD('arm64'));
    const s = at(r, 'dev_read(disp');
    expect(s.data?.text).not.toBe('frame');
    expect(s.observations.join(' ')).toContain("the DMA API shouldn't give you the device internal address");
  });

  it('an unmapped internal address faults inside the device; unmap clears its MMU', () => {
    const r = run(`${HEAD('arm64')}dma_unmap_single(cam, h, 4096, DMA_TO_DEVICE)
dev_read(cam, h, 5)
`);
    expect(r.steps[r.steps.length - 1]!.error).toBe('FAULT');
  });

  it('dma_map_sg puts the whole list in one internal range: page-aligned pieces make one segment', () => {
    const r = run(`machine(arch=arm64)
device(cam, mmu=true, dma_ops=own)
p = alloc_pages(GFP_KERNEL, 0)
q = alloc_pages(GFP_KERNEL, 0)
s = sg_table(p, 4096, q, 4096)
n = dma_map_sg(cam, s, DMA_TO_DEVICE)
dma_unmap_sg(cam, s, DMA_TO_DEVICE)
`);
    expect(at(r, 'n =').result).toBe(1);
    expect(at(r, 'dma_unmap_sg').observations).toEqual([]);
  });

  it('every map event says it is a proposal', () => {
    const r = run(HEAD('x86'));
    const rules = at(r, 'h =').events.map((e) => ('why' in e && e.why ? e.why.rule : '')).join(' ');
    expect(rules).toContain('PROPOSAL, never merged');
  });

  it('dma_ops=own needs mmu=true and no system IOMMU (LINE:COL errors)', () => {
    const r = runScenario(`machine(arch=x86)
iommu(vtd)
device(cam, dma_ops=own)
device(cam2, mmu=true, dma_ops=own, iommu=vtd)
`);
    expect(r.errors.map((e) => `${e.line}:${e.message}`)).toEqual([
      expect.stringMatching(/^3:dma_ops=own .*mmu=true/),
      expect.stringMatching(/^4:dma_ops=own is modelled without a system IOMMU/),
    ]);
  });
});
