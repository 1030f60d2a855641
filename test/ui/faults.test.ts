/**
 * A step's faults in words (src/scenario/faults.ts), checked against what the engine
 * itself says of the same step: the SMMU's fault status (FSR.TF = 0x2 for a
 * translation fault, FSR.PF = 0x8 for a permission fault, as
 * arm_smmu_context_fault() in drivers/iommu/arm/arm-smmu/arm-smmu.c prints it)
 * and the engine's observation. The diagram's caption for the fault is the
 * same sentence, so a caption can never call a permission fault "not mapped".
 */
import { describe, expect, it } from 'vitest';
import { buildDiagram } from '../../src/ui/viz/diagram.ts';
import { describeEvent } from '../../src/scenario/event-words.ts';
import { faultSentence, faultsOf } from '../../src/scenario/faults.ts';
import { library, stepped } from './engine-fixtures.ts';

function stepOf(run: ReturnType<typeof stepped>, src: string, nth = 0): number {
  const hits = run.steps.map((s, i) => (s.source.startsWith(src) ? i + 1 : 0)).filter((k) => k > 0);
  return hits[nth]!;
}

function captions(run: ReturnType<typeof stepped>, k: number): string[] {
  const s = run.steps[k - 1]!;
  return buildDiagram({ config: run.config, snapshot: run.snapshots[k]!, events: s.events, observationRules: s.observationRules }).captions.map((c) => c.text);
}

describe('iommu-strict-unmap-fault.dma', () => {
  const run = stepped(library('iommu-strict-unmap-fault'));

  it('a device write to a DMA_TO_DEVICE mapping is a permission fault on a read-only mapping, not "not mapped"', () => {
    const k = stepOf(run, 'dev_write(nic, h');
    const s = run.steps[k - 1]!;
    expect(s.warnings.join('\n')).toMatch(/fsr=0x8/);
    expect(s.observations.join('\n')).toMatch(/permission fault/);
    const [f, ...rest] = faultsOf(s.events);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ unit: 'iommu', kind: 'permission', op: 'write', who: 'nic', gpuStage: null });
    const words = faultSentence(f!);
    expect(words).toMatch(/^IOMMU permission fault: nic's write is blocked, because IOVA 0xfffff000 is mapped read-only/);
    expect(words).not.toMatch(/not mapped|nothing maps/);
    expect(captions(run, k)).toContain(words);
    expect(s.events.filter((e) => e.kind === 'iommu_fault').map(describeEvent)).toEqual([words]);
  });

  it('a read after a strict unmap is a translation fault: nothing maps the IOVA', () => {
    const k = stepOf(run, 'dev_read(nic, h, 6)', 2);
    const s = run.steps[k - 1]!;
    expect(s.warnings.join('\n')).toMatch(/fsr=0x2/);
    const [f] = faultsOf(s.events);
    expect(f).toMatchObject({ kind: 'translation', op: 'read' });
    expect(faultSentence(f!)).toMatch(/^IOMMU translation fault: nic's read is blocked, because nothing maps IOVA 0xfffff000/);
    expect(captions(run, k)).toContain(faultSentence(f!));
  });
});

describe('gpu-two-stage-fault.dma', () => {
  const run = stepped(library('gpu-two-stage-fault'));

  it('a GPU VA without a GPU PTE faults at stage 1, in the GPU MMU', () => {
    const k = stepOf(run, 'gpu_read(vm, 0x2001000');
    const [f, ...rest] = faultsOf(run.steps[k - 1]!.events);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ unit: 'gpu-mmu', gpuStage: 1, op: 'read' });
    expect(faultSentence(f!)).toMatch(/^GPU MMU translation fault \(stage 1\): vm's read is blocked at stage 1, because GPU VA 0x2001000 has no GPU page-table entry/);
    expect(captions(run, k)).toContain(faultSentence(f!));
  });

  it('a GPU PTE whose IOVA was unmapped faults at stage 2, in the IOMMU: one fault, not two', () => {
    const k = stepOf(run, 'gpu_read(vm, 0x2000000', 1);
    const s = run.steps[k - 1]!;
    expect(s.warnings.join('\n')).toMatch(/fsr=0x2/);
    const all = faultsOf(s.events);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ unit: 'iommu', kind: 'translation', gpuStage: 2, op: 'read', dmaAddr: 0xfffffffff000 });
    const caps = captions(run, k).filter((c) => /fault/.test(c));
    expect(caps).toEqual([faultSentence(all[0]!)]);
  });
});
