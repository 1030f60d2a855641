// Per-architecture DMA cache maintenance (KERNEL-FACTS Part A §3).
import { describe, expect, it } from 'vitest';
import { archOps, kmallocAlign } from '../../src/sim/arch/arch.ts';

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

describe('arch cache-line constants', () => {
  it('arm64 L1_CACHE_SHIFT: 7 on 4.4–4.16 (97303480753e), 6 from 4.17 (the revert); 6 on arm, riscv and x86 on every kernel', () => {
    const a = archOps('arm64');
    expect([4004, 4009, 4016].map((k) => a.l1CacheShift(k))).toEqual([7, 7, 7]);
    expect([4017, 5004, 6018].map((k) => a.l1CacheShift(k))).toEqual([6, 6, 6]);
    for (const arch of ['arm', 'riscv', 'x86'] as const) for (const k of [4004, 4016, 4017, 6018]) expect(archOps(arch).l1CacheShift(k)).toBe(6);
  });

  it('arm64 ARCH_DMA_MINALIGN and the kmalloc alignment stay 128 across the L1_CACHE_SHIFT revert (L1_CACHE_BYTES = 128 before, a literal (128) after)', () => {
    const a = archOps('arm64');
    for (const k of [4016, 4017, 6004]) {
      expect(a.dmaMinAlign).toBe(128);
      expect(kmallocAlign(a, k)).toBe(128);
    }
  });
});
