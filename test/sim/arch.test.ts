// Per-architecture DMA cache maintenance (KERNEL-FACTS Part A §3).
import { describe, expect, it } from 'vitest';
import { archOps } from '../../src/sim/arch/arch.ts';

describe('arch maintenance plans', () => {
  it('arm64 ≥ 5.19 cleans for every direction at map (c50f11c6196f); before 5.19 FROM_DEVICE invalidated', () => {
    const a = archOps('arm64');
    for (const dir of ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'] as const) {
      expect(a.forDevice(dir, 6018)?.op).toBe('clean');
    }
    expect(a.forDevice('DMA_FROM_DEVICE', 5004)).toMatchObject({ op: 'inval', edges: 'promote' });
    expect(a.forDevice('DMA_TO_DEVICE', 5004)?.op).toBe('clean');
  });

  it('arm64 for_cpu: nothing for TO_DEVICE, dcache_inval_poc (edge lines clean+inv) otherwise', () => {
    const a = archOps('arm64');
    expect(a.forCpu('DMA_TO_DEVICE', 6018)).toBeNull();
    expect(a.forCpu('DMA_FROM_DEVICE', 6018)).toMatchObject({ op: 'inval', edges: 'promote' });
    expect(a.forCpu('DMA_BIDIRECTIONAL', 6018)).toMatchObject({ op: 'inval', edges: 'promote' });
  });

  it('ARMv7 invalidates FROM_DEVICE at map time on every kernel (v7_dma_inv_range)', () => {
    expect(archOps('arm').forDevice('DMA_FROM_DEVICE', 6018)).toMatchObject({ op: 'inval', edges: 'promote' });
    expect(archOps('arm').forDevice('DMA_BIDIRECTIONAL', 6018)?.op).toBe('clean');
  });

  it('riscv cleans at map and invalidates at for_cpu with no edge promotion (ALT_CMO_OP)', () => {
    const r = archOps('riscv');
    expect(r.forDevice('DMA_FROM_DEVICE', 6018)?.op).toBe('clean');
    expect(r.forCpu('DMA_FROM_DEVICE', 6018)).toMatchObject({ op: 'inval', edges: 'same' });
  });

  it('x86 has no maintenance hooks: every device is coherent', () => {
    const x = archOps('x86');
    expect(x.hasNonCoherentDma).toBe(false);
    expect(x.forDevice('DMA_TO_DEVICE', 6018)).toBeNull();
    expect(x.forCpu('DMA_FROM_DEVICE', 6018)).toBeNull();
  });
});
