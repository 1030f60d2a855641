// dma-direct's decisions (kernel/dma/direct.h dma_direct_map_phys,
// include/linux/dma-map-ops.h dma_kmalloc_needs_bounce, dma_capable).
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { defaultConfig, defaultDevice } from '../../src/sim/config.ts';
import { dmaCapable, kmallocNeedsBounce } from '../../src/sim/dma/direct.ts';

function machine(arch: 'arm64' | 'riscv' | 'x86' | 'arm', kernel: string, coherent = false) {
  const cfg = defaultConfig();
  cfg.arch = arch;
  cfg.kernel = kernel;
  cfg.devices.push({ ...defaultDevice('d'), coherent });
  const m = createMachine(cfg);
  return { m, d: m.devices['d']! };
}

describe('dma_kmalloc_needs_bounce', () => {
  it('arm64 ≥ 6.5: a non-coherent FROM_DEVICE mapping under 256 B whose size class is not a multiple of 128 bounces', () => {
    const { m, d } = machine('arm64', '6.18');
    expect(kmallocNeedsBounce(m, d, 64, 'DMA_FROM_DEVICE')).toBe(true);
    expect(kmallocNeedsBounce(m, d, 100, 'DMA_FROM_DEVICE')).toBe(false); // kmalloc-128
    expect(kmallocNeedsBounce(m, d, 150, 'DMA_BIDIRECTIONAL')).toBe(true); // kmalloc-192
    expect(kmallocNeedsBounce(m, d, 256, 'DMA_FROM_DEVICE')).toBe(false); // ≥ 2*ARCH_DMA_MINALIGN
  });

  it('never for DMA_TO_DEVICE, coherent devices, or arm64 before 6.5', () => {
    expect(kmallocNeedsBounce(machine('arm64', '6.18').m, machine('arm64', '6.18').d, 64, 'DMA_TO_DEVICE')).toBe(false);
    const c = machine('arm64', '6.18', true);
    expect(kmallocNeedsBounce(c.m, c.d, 64, 'DMA_FROM_DEVICE')).toBe(false);
    const old = machine('arm64', '6.4');
    expect(kmallocNeedsBounce(old.m, old.d, 64, 'DMA_FROM_DEVICE')).toBe(false);
  });

  it('riscv bounces from 6.6 (DMA_BOUNCE_UNALIGNED_KMALLOC if SWIOTLB); x86 and arm never', () => {
    const r = machine('riscv', '6.6');
    expect(kmallocNeedsBounce(r.m, r.d, 32, 'DMA_FROM_DEVICE')).toBe(true);
    const r1 = machine('riscv', '6.1');
    expect(kmallocNeedsBounce(r1.m, r1.d, 32, 'DMA_FROM_DEVICE')).toBe(false);
    const a = machine('arm', '6.18');
    expect(kmallocNeedsBounce(a.m, a.d, 32, 'DMA_FROM_DEVICE')).toBe(false);
  });
});

describe('dma_capable', () => {
  it('the whole range must end at or below min_not_zero(dma_mask, bus_dma_limit)', () => {
    const { d } = machine('x86', '6.18');
    d.maskBits = 32;
    expect(dmaCapable(d, 0xfffff000, 4096)).toBe(true);
    expect(dmaCapable(d, 0xfffff001, 4096)).toBe(false);
    d.maskBits = 64;
    d.cfg = { ...d.cfg, busLimit: 32 };
    expect(dmaCapable(d, 0x100000000, 1)).toBe(false);
  });
});

describe('dma_direct_map_phys order of operations', () => {
  it('with no swiotlb pool, an unreachable buffer fails with the overflow WARN once, then silently', () => {
    const r = runScenario(`machine(arch=x86, ram=8G, swiotlb=0)
device(d, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(d, b, 4096, DMA_TO_DEVICE) => DMA_MAPPING_ERROR
h2 = dma_map_single(d, b, 4096, DMA_TO_DEVICE) => DMA_MAPPING_ERROR
`);
    expect(r.steps[1]!.warnings).toEqual(['d d: DMA addr 0x00000001fffff000+4096 overflow (mask ffffffff, bus limit 0).']);
    expect(r.steps[2]!.warnings).toEqual([]);
    expect(r.steps[2]!.observations.join()).toContain('WARN_ONCE already fired');
  });

  it('a non-coherent map cleans before returning; a coherent one does no maintenance', () => {
    const text = (coherent: boolean) => `machine(arch=arm64)
device(d, coherent=${coherent})
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "x")
h = dma_map_single(d, b, 4096, DMA_TO_DEVICE)
`;
    const nc = runScenario(text(false)).steps[2]!.events.filter((e) => e.kind === 'cache_maint');
    expect(nc).toHaveLength(1);
    expect(nc[0]).toMatchObject({ op: 'clean', why: { fn: 'arch_sync_dma_for_device' } });
    expect(runScenario(text(true)).steps[2]!.events.filter((e) => e.kind === 'cache_maint')).toHaveLength(0);
  });

  it('when bounced, maintenance covers the swiotlb slot, not the original buffer', () => {
    const r = runScenario(`machine(arch=arm64, ram=8G)
device(d, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(d, b, 4096, DMA_TO_DEVICE) => 0xfec00000
`);
    const maint = r.steps[1]!.events.filter((e) => e.kind === 'cache_maint');
    expect(maint).toHaveLength(1);
    expect(maint[0]).toMatchObject({ start: 0xfec00000, size: 4096 });
  });

  it('DMA_NONE is a BUG in the kernel: the step fails with BUG and says so', () => {
    const r = runScenario(`machine(arch=x86)
device(d)
b = kmalloc(64, GFP_KERNEL)
h = dma_map_single(d, b, 64, DMA_NONE) => BUG
`);
    expect(r.steps[1]!.error).toBe('BUG');
    expect(r.steps[1]!.warnings[0]).toContain('kernel BUG at kernel/dma/mapping.c');
  });
});
