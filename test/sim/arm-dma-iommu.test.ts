// arm32's own IOMMU DMA ops (src/sim/arch/arm-dma-iommu.ts, arch/arm/mm/dma-mapping.c
// with CONFIG_ARM_DMA_USE_IOMMU): arch_setup_dma_ops attaches a device behind an
// IOMMU to a dma_iommu_mapping; __alloc_iova hands out IOVAs bottom-up from the
// mapping's bitmap; arm_iommu_unmap_page / sync treat IOVA 0 as "no mapping";
// __iommu_map_sg merges page-aligned entries into one chunk; arm_iommu_detach_device.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import { armMappingViews } from '../../src/sim/arch/arm-dma-iommu.ts';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';

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

const HEAD = `machine(arch=arm, kernel="4.16", ram=1G)
iommu(smmu)
device(gpu, iommu=smmu)
`;

describe('arch_setup_dma_ops → arm_setup_iommu_dma_ops', () => {
  it('a device behind an IOMMU on arm gets IOVAs from arm32\'s bitmap (first fit from base 0, aligned to the order): 0, then 0x2000 for 8 KiB', () => {
    const r = run(`${HEAD}a = kmalloc(4096, GFP_KERNEL)
b = kmalloc(8192, GFP_KERNEL)
ha = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
hb = dma_map_single(gpu, b, 8192, DMA_TO_DEVICE)
`);
    expect(at(r, 'ha =').result).toBe('0x0');
    // order 1: aligned to two pages, so page 1 is skipped
    expect(at(r, 'hb =').result).toBe('0x2000');
    expect(at(r, 'hb =').events.find((e) => e.kind === 'iova_alloc')).toMatchObject({ why: { fn: '__alloc_iova', file: 'arch/arm/mm/dma-mapping.c' } });
  });

  it('the same device on arm64 goes through dma-iommu (iova.c, top-down), not the arm32 bitmap', () => {
    const r = run(`machine(arch=arm64, ram=1G)
iommu(smmu)
device(gpu, iommu=smmu)
a = kmalloc(4096, GFP_KERNEL)
ha = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
`);
    expect(at(r, 'ha =').result).not.toBe('0x0');
  });

  it('arm_iommu_unmap_page: "if (!iova) return;" — the mapping at IOVA 0 is never unmapped, its bits stay set', () => {
    const r = run(`${HEAD}a = kmalloc(4096, GFP_KERNEL)
ha = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
dma_unmap_single(gpu, ha, 4096, DMA_TO_DEVICE)
dev_read(gpu, ha, 4)
`);
    expect(at(r, 'dma_unmap_single').events.some((e) => e.kind === 'iommu_unmap')).toBe(false);
    expect(at(r, 'dev_read').error).toBeNull();
  });

  it('arm_iommu_sync_single_for_cpu at IOVA 0 does no cache maintenance: the CPU reads a stale line', () => {
    const r = run(`${HEAD}a = kmalloc(4096, GFP_KERNEL)
cpu_write(a, "old!")
ha = dma_map_single(gpu, a, 4096, DMA_BIDIRECTIONAL)
cpu_prefetch(a, 64)
dev_write(gpu, ha, "new!")
dma_sync_single_for_cpu(gpu, ha, 4096, DMA_BIDIRECTIONAL)
cpu_read(a, 4)
`);
    expect(at(r, 'dma_sync_single_for_cpu').events.some((e) => e.kind === 'cache_maint')).toBe(false);
    expect(at(r, 'cpu_read').data?.text).toBe('old!');
  });

  it('a mapping at a non-zero IOVA is unmapped synchronously (iommu_unmap + __free_iova, no flush queue) and its IOVA reused', () => {
    const r = run(`${HEAD}pad = kmalloc(4096, GFP_KERNEL)
a = kmalloc(4096, GFP_KERNEL)
h0 = dma_map_single(gpu, pad, 4096, DMA_TO_DEVICE)
ha = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
dma_unmap_single(gpu, ha, 4096, DMA_TO_DEVICE)
dev_read(gpu, ha, 4)
hb = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
`);
    expect(at(r, 'ha =').result).toBe('0x1000');
    expect(at(r, 'dma_unmap_single').events.some((e) => e.kind === 'iova_free')).toBe(true);
    expect(at(r, 'dev_read').error).toBe('FAULT');
    expect(at(r, 'hb =').result).toBe('0x1000');
  });

  it('__iommu_map_sg: page-aligned whole-page entries share one IOVA chunk (one DMA segment); an entry with an offset starts a new one', () => {
    const r = run(`${HEAD}p = alloc_pages(GFP_KERNEL, 0)
q = alloc_pages(GFP_KERNEL, 0)
k = kmalloc(256, GFP_KERNEL)
s = sg_table(p, 4096, q, 4096)
n = dma_map_sg(gpu, s, DMA_TO_DEVICE)
t = sg_table(p, 4096, k + 64, 128)
n2 = dma_map_sg(gpu, t, DMA_TO_DEVICE)
`);
    expect(at(r, 'n =').result).toBe(1);
    expect(at(r, 'n2 =').result).toBe(2);
  });

  it('the IOMMU view reads the mapping\'s bitmap as runs of used pages', () => {
    const p = prepareScenario(`${HEAD}a = kmalloc(4096, GFP_KERNEL)
b = kmalloc(8192, GFP_KERNEL)
ha = dma_map_single(gpu, a, 4096, DMA_TO_DEVICE)
hb = dma_map_single(gpu, b, 8192, DMA_TO_DEVICE)
`);
    if (!p.ok) throw new Error('parse');
    const m = createMachine(p.config);
    p.body.forEach((c, i) => runStep(m, c, i + 1));
    expect(armMappingViews(m)).toEqual([
      { dev: 'gpu', domain: 'smmu/gpu', base: 0, bits: 32768, nrBitmaps: 1, extensions: 32, used: [{ page: 0, count: 1 }, { page: 2, count: 2 }], live: true },
    ]);
  });
});

describe('a driver attaching its own domain (thread 000: nouveau on Tegra)', () => {
  const TEGRA = `${HEAD}pad = kmalloc(4096, GFP_KERNEL)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "inst")
h0 = dma_map_single(gpu, pad, 4096, DMA_TO_DEVICE)
h = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
dom = iommu_domain_alloc(smmu)
`;

  it('before 5.19 iommu_attach_device moves the device off the arch mapping: DMA-API addresses fault', () => {
    const r = run(`${TEGRA}iommu_attach_device(dom, gpu)
dev_read(gpu, h, 4)
`);
    expect(at(r, 'iommu_attach_device').error).toBeNull();
    expect(at(r, 'iommu_attach_device').observations.join(' ')).toContain('ARM_DMA_USE_IOMMU');
    expect(at(r, 'dev_read').error).toBe('FAULT');
  });

  it('arm_iommu_detach_device first: DMA addresses are physical again and the driver\'s own domain attaches', () => {
    const r = run(`${TEGRA}dma_unmap_single(gpu, h, 4096, DMA_TO_DEVICE)
arm_iommu_detach_device(gpu)
h2 = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
iommu_attach_device(dom, gpu)
iommu_map(dom, 0x100000, b, 4096, IOMMU_READ)
dev_read(gpu, 0x100000, 4)
`);
    expect(at(r, 'arm_iommu_detach_device').observations.join(' ')).toContain('arch internals');
    expect(at(r, 'h2 =').events.find((e) => e.kind === 'dma_map')).toMatchObject({ path: 'direct' });
    expect(at(r, 'iommu_attach_device').error).toBeNull();
    expect(at(r, 'dev_read').data?.text).toBe('inst');
  });

  it('arm_iommu_detach_device on another architecture is an observation, not a crash', () => {
    const r = run(`machine(arch=arm64)
device(gpu)
arm_iommu_detach_device(gpu)
`);
    expect(at(r, 'arm_iommu_detach_device').observations.join(' ')).toContain('only on 32-bit ARM');
  });
});

describe('arm-smmu before its generic binding (ARCH_GATES.armIommuMapping, 4.9): no arch mapping, no default domain', () => {
  // a driver's two domains in turn: __iommu_attach_group lets both through (no default domain); arm_smmu_attach_dev()
  // refuses the second with -EEXIST before 9adb95949a34/bc7f2ce0a7b5 (4.6) and detaches the first itself from them on
  // (TROVON v4.8 arm-smmu.c: "if (dev->archdata.iommu) arm_smmu_detach_dev(dev, cfg);")
  const TWO = (kernel: string) => `machine(arch=arm, kernel="${kernel}", ram=1G)
iommu(smmu)
device(gpu, iommu=smmu, coherent=true)
b = alloc_pages(GFP_KERNEL, 0)
cpu_write(b, "two")
d1 = iommu_domain_alloc(smmu)
d2 = iommu_domain_alloc(smmu)
iommu_map(d2, 0x100000, b, 4096, IOMMU_READ | IOMMU_CACHE)
iommu_attach_device(d1, gpu)
iommu_attach_device(d2, gpu)
dev_read(gpu, 0x100000, 3)
`;
  it('4.5: the second attach is arm_smmu_attach_dev\'s -EEXIST ("already attached to IOMMU domain"); the device stays on the first', () => {
    const r = run(TWO('4.5'));
    const s = r.steps.filter((x) => x.source.startsWith('iommu_attach_device'));
    expect(s[0]!.error).toBeNull();
    expect(s[1]!.error).toBe('EEXIST');
    expect(at(r, 'dev_read').error).toBe('FAULT');
  });
  it('4.8: the second attach succeeds (arm-smmu detaches the first domain itself); the device translates through the second', () => {
    const r = run(TWO('4.8'));
    for (const s of r.steps.filter((x) => x.source.startsWith('iommu_attach_device'))) expect(s.error).toBeNull();
    expect(at(r, 'dev_read').data?.text).toBe('two');
  });
});

describe('arm_iommu_alloc_attrs / arm_iommu_free_attrs', () => {
  it('dma_alloc_coherent on an arm device behind an IOMMU returns an IOVA of the arch mapping; the CPU alias is uncached; free returns the bits', () => {
    const r = run(`${HEAD}cpu, h = dma_alloc_coherent(gpu, 8192)
cpu_write(cpu, "ring")
dev_read(gpu, h, 4)
dma_free_coherent(gpu, 8192, cpu, h)
b = kmalloc(4096, GFP_KERNEL)
hb = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
`);
    expect(at(r, 'cpu, h =').result).toBe('0x0');
    expect(at(r, 'cpu, h =').events.find((e) => e.kind === 'alloc')).toMatchObject({ why: { fn: 'arm_iommu_alloc_attrs' } });
    expect(at(r, 'dev_read').data?.text).toBe('ring');
    expect(at(r, 'dma_free_coherent').events.some((e) => e.kind === 'iova_free')).toBe(true);
    expect(at(r, 'dma_free_coherent').warnings).toEqual([]);
    expect(at(r, 'hb =').result).toBe('0x0');
  });
});

describe('arm32 IOMMU mapping of a coherent device', () => {
  // arch/arm/mm/dma-mapping.c: __dma_info_to_prot() sets IOMMU_READ/WRITE (and PRIV), never IOMMU_CACHE,
  // and arm_coherent_iommu_map_page() does no cache maintenance; drivers/iommu/io-pgtable-arm.c turns a
  // prot without IOMMU_CACHE into a non-cacheable attribute. So the device reads RAM, not the CPU's dirty line.
  it('reads RAM behind a dirty line: no IOMMU_CACHE from __dma_info_to_prot, no maintenance for coherent ops', () => {
    const text = `machine(arch=arm)
iommu(smmu, mode=strict)
device(d, iommu=smmu, coherent=true)
b0 = kmalloc(64, GFP_KERNEL)
memset(b0, 1, 64)
h0 = dma_map_single(d, b0, 64, DMA_TO_DEVICE)
dev_read(d, h0, 1)
`;
    expect(at(run(text), 'dev_read').data!.hex).toBe('00');
    // arm64's dma-iommu: dma_info_to_prot() adds IOMMU_CACHE for a coherent device, which then snoops.
    expect(at(run(text.replace('arch=arm', 'arch=arm64')), 'dev_read').data!.hex).toBe('01');
  });
});

describe('arm_iommu_alloc_attrs with DMA_ATTR_NO_KERNEL_MAPPING', () => {
  // arch/arm/mm/dma-mapping.c: __iommu_alloc_buffer, __iommu_create_mapping (an IOVA from the
  // mapping's bitmap), then "if (attrs & DMA_ATTR_NO_KERNEL_MAPPING) return pages;" — the device
  // gets an IOVA like any other allocation, the CPU gets a cookie it cannot use.
  it('the handle is an IOVA from arm32\'s bitmap, not a physical address; the CPU cannot use the pointer; the device can', () => {
    const r = run(`${HEAD}cpu, h = dma_alloc_attrs(gpu, 8192, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING)
cpu_write(cpu, "x")
dev_write(gpu, h, "frame")
dev_read(gpu, h, 5) => "frame"
dma_free_attrs(gpu, 8192, cpu, h, DMA_ATTR_NO_KERNEL_MAPPING) => ok
`);
    const alloc = at(r, 'cpu, h');
    expect(alloc.events.some((e) => e.kind === 'iova_alloc' && e.why.file === 'arch/arm/mm/dma-mapping.c')).toBe(true);
    expect(alloc.events.find((e) => e.kind === 'note' && e.text === 'no kernel mapping')).toMatchObject({ why: { fn: 'arm_iommu_alloc_attrs' } });
    expect(at(r, 'cpu_write').error).toBe('EINVAL');
    expect(at(r, 'cpu_write').observations.join(' ')).toContain('DMA_ATTR_NO_KERNEL_MAPPING');
    expect(at(r, 'dev_read').error).toBeNull();
    expect(r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `${s.source} ${c.expected}`))).toEqual([]);
  });
});

describe('dma_get_sgtable through the arm32 IOMMU ops', () => {
  it('dma_get_sgtable_attrs calls the ops\' ->get_sgtable: arm_iommu_get_sgtable (arch/arm/mm/dma-mapping.c, sg_alloc_table_from_pages over the remapped pages), not dma_common_get_sgtable', () => {
    const r = run(`${HEAD}c, h = dma_alloc_coherent(gpu, 8192, GFP_KERNEL)
sgt = dma_get_sgtable(gpu, c, h, 8192)
`);
    const s = at(r, 'sgt =');
    expect(s.error).toBeNull();
    const note = s.events.find((e) => e.kind === 'note' && e.text.startsWith('sg_table of'));
    expect(note).toMatchObject({ why: { fn: 'arm_iommu_get_sgtable', file: 'arch/arm/mm/dma-mapping.c' } });
  });
});
