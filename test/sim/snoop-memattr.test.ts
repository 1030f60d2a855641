// Snooping per access, the drivers' own cache flushes, CPU memory attributes,
// the DMA allocation calls with attributes and the DMA API's queries. Each
// test names the kernel function (and file) whose behaviour it checks.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';

function run(text: string, kernel?: string): RunResult {
  const r = runScenario(text, kernel ? { kernel } : {});
  expect(r.errors).toEqual([]);
  return r;
}

function at(r: RunResult, prefix: string, nth = 0): StepJson {
  const s = r.steps.filter((x) => x.source.startsWith(prefix))[nth];
  if (!s) throw new Error(`no step '${prefix}'`);
  return s;
}

function failed(r: RunResult): string[] {
  return r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
}

function access(s: StepJson) {
  const e = s.events.find((x) => x.kind === 'dev_access');
  if (!e || e.kind !== 'dev_access') throw new Error('no dev_access');
  return e;
}

const X86_GPU = `machine(arch=x86)
device(gpu, nosnoop=true)
p = alloc_pages(GFP_KERNEL, 0)
h = dma_map_page(gpu, p, 0, 4096, DMA_BIDIRECTIONAL)
cpu_write(p, "vertices")
dma_sync_single_for_device(gpu, h, 4096, DMA_BIDIRECTIONAL)
`;

describe('per-access snooping (dev_is_dma_coherent, include/linux/dma-map-ops.h)', () => {
  it('a nosnoop device on x86 reads RAM behind the dirty line although the DMA API believes it coherent (no arch_sync_dma_* on x86)', () => {
    const r = run(X86_GPU + 'dev_read(gpu, h, 8)\n');
    const s = at(r, 'dev_read');
    expect(s.data?.hex).toBe('0000000000000000');
    expect(at(r, 'dma_sync_single_for_device').events.some((e) => e.kind === 'cache_maint')).toBe(false);
    const e = access(s);
    expect(e.snooped).toBe(false);
    expect(e.why.rule).toContain('hard-wired true on x86');
    expect(e.why.rule).toContain('believes the device coherent');
  });

  it('nosnoop= on one access overrides the device: nosnoop=false snoops the dirty line, nosnoop=true on an ordinary x86 device does not', () => {
    expect(run(X86_GPU + 'dev_read(gpu, h, 8, nosnoop=false)\n').steps.at(-1)!.data?.text).toBe('vertices');
    const plain = run(X86_GPU.replace('device(gpu, nosnoop=true)', 'device(gpu)') + 'dev_read(gpu, h, 8)\ndev_read(gpu, h, 8, nosnoop=true)\n');
    expect(at(plain, 'dev_read', 0).data?.text).toBe('vertices');
    expect(at(plain, 'dev_read', 1).data?.hex).toBe('0000000000000000');
  });

  it('a non-snooped device write leaves the CPU reading its clean stale line until the driver flushes', () => {
    const r = run(`machine(arch=x86)
device(gpu, nosnoop=true)
p = alloc_pages(GFP_KERNEL, 0)
h = dma_map_page(gpu, p, 0, 4096, DMA_BIDIRECTIONAL)
cpu_read(p, 4)
dev_write(gpu, h, "done")
dma_sync_single_for_cpu(gpu, h, 4096, DMA_BIDIRECTIONAL)
cpu_read(p, 4)
clflush(p, 4096)
cpu_read(p, 4)
`);
    expect(at(r, 'cpu_read', 1).data?.hex).toBe('00000000');
    expect(at(r, 'cpu_read', 2).data?.text).toBe('done');
  });

  const SMMU = `machine(arch=arm64)
iommu(smmu)
device(gpu, coherent=true, iommu=smmu)
dom = iommu_domain_alloc(smmu)
iommu_attach_device(dom, gpu)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "texel")
`;

  it('io-pgtable-arm (arm_lpae_prot_to_pte): a leaf without IOMMU_CACHE is Non-cacheable, so even a coherent device does not snoop; with it, it does', () => {
    const nc = run(SMMU + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 5)\n');
    expect(at(nc, 'dev_read').data?.hex).toBe('0000000000');
    expect(access(at(nc, 'dev_read')).why.fn).toBe('arm_lpae_prot_to_pte');
    const wb = run(SMMU + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ | IOMMU_CACHE)\ndev_read(gpu, 0x100000, 5)\n');
    expect(at(wb, 'dev_read').data?.text).toBe('texel');
    expect(access(at(wb, 'dev_read')).why.rule).toContain('IOMMU_CACHE');
  });

  it('dma_info_to_prot (drivers/iommu/dma-iommu.c) sets IOMMU_CACHE for a coherent device only, so its DMA-API mappings snoop', () => {
    const prot = (coherent: boolean) => {
      const r = run(`machine(arch=arm64)\niommu(smmu)\ndevice(d, coherent=${coherent}, iommu=smmu)\np = alloc_pages(GFP_KERNEL, 0)\nh = dma_map_page(d, p, 0, 4096, DMA_TO_DEVICE)\n`);
      const e = at(r, 'h = dma_map_page').events.find((x) => x.kind === 'iommu_map');
      return e && e.kind === 'iommu_map' ? e.prot : '';
    };
    expect(prot(true)).toContain('CACHE');
    expect(prot(false)).not.toContain('CACHE');
  });

  it('on x86 the IOMMU does not change snooping: a DMA_PTE without IOMMU_CACHE still snoops unless the transaction says No Snoop', () => {
    const r = run(`machine(arch=x86)\niommu(vtd)\ndevice(gpu, iommu=vtd)\ndom = iommu_domain_alloc(vtd)\niommu_attach_device(dom, gpu)\np = alloc_pages(GFP_KERNEL, 0)\ncpu_write(p, "texel")\niommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 5)\n`);
    expect(at(r, 'dev_read').data?.text).toBe('texel');
  });
});

describe('the drivers\' own flushes', () => {
  it('clflush_cache_range (arch/x86/mm/pat/set_memory.c) writes back and invalidates every line of the range', () => {
    const r = run(X86_GPU + 'clflush(p, 4096)\ndev_read(gpu, h, 8)\n');
    const m = at(r, 'clflush').events.find((e) => e.kind === 'cache_maint');
    expect(m).toMatchObject({ op: 'clean_inval', why: { fn: 'clflush_cache_range' } });
    expect(m && m.kind === 'cache_maint' && m.lines[0]).toMatchObject({ before: 'D', after: 'I', wroteBack: true });
    expect(at(r, 'dev_read').data?.text).toBe('vertices');
  });

  it('clflush and wbinvd exist on x86 only (ENOSYS elsewhere)', () => {
    const r = run('machine(arch=arm64)\np = alloc_pages(GFP_KERNEL, 0)\nclflush(p, 64)\nwbinvd()\n');
    expect(at(r, 'clflush').error).toBe('ENOSYS');
    expect(at(r, 'wbinvd').error).toBe('ENOSYS');
  });

  it('wbinvd writes back and invalidates the whole cache', () => {
    const r = run('machine(arch=x86)\na = alloc_pages(GFP_KERNEL, 0)\nb = alloc_pages(GFP_KERNEL, 0)\ncpu_write(a, "one")\ncpu_read(b, 4)\nwbinvd()\n');
    const m = at(r, 'wbinvd').events.find((e) => e.kind === 'cache_maint');
    expect(m && m.kind === 'cache_maint' && m.lines.map((l) => [l.before, l.after, l.wroteBack])).toEqual([
      ['C', 'I', false],
      ['D', 'I', true],
    ]);
  });

  it('drm_clflush_sg (drivers/gpu/drm/drm_cache.c) flushes whole pages on x86; elsewhere it logs "Architecture has no drm_cache.c support" and WARN_ON_ONCE, and flushes nothing', () => {
    const x86 = run(X86_GPU + 's = sg_table(p + 8, 16)\ndrm_clflush_sg(s)\ndev_read(gpu, h, 8)\n');
    expect(at(x86, 'drm_clflush_sg').events.find((e) => e.kind === 'cache_maint')).toMatchObject({ start: expect.any(Number), size: 4096 });
    expect(at(x86, 'dev_read').data?.text).toBe('vertices');
    const arm = run('machine(arch=arm64)\ndevice(gpu, coherent=true, nosnoop=true)\np = alloc_pages(GFP_KERNEL, 0)\ns = sg_table(p, 4096)\ncpu_write(p, "x")\ndrm_clflush_sg(s)\ndrm_clflush_sg(s)\n');
    expect(at(arm, 'drm_clflush_sg', 0).warnings).toEqual(['Architecture has no drm_cache.c support', 'WARNING: at drivers/gpu/drm/drm_cache.c: drm_clflush_sg: WARN_ON_ONCE(1)']);
    expect(at(arm, 'drm_clflush_sg', 1).warnings).toEqual(['Architecture has no drm_cache.c support']);
    expect(at(arm, 'drm_clflush_sg', 0).events.some((e) => e.kind === 'cache_maint')).toBe(false);
  });
});

describe('CPU memory attributes', () => {
  it('set_memory_wc (arch/x86/mm/pat/set_memory.c) flushes the pages (cpa_flush) and CPU stores then bypass the cache; set_memory_wb does not flush and caches again', () => {
    const r = run(`machine(arch=x86)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "dirty")
set_memory_wc(p, 1) => 0
cpu_write(p, "wc")
set_memory_wb(p, 1) => 0
cpu_write(p + 64, "wb")
`);
    expect(failed(r)).toEqual([]);
    expect(at(r, 'set_memory_wc').events.find((e) => e.kind === 'cache_maint')).toMatchObject({ why: { fn: 'cpa_flush' }, lines: [{ before: 'D', after: 'I', wroteBack: true }] });
    expect(at(r, 'cpu_write(p, "wc")').events.find((e) => e.kind === 'cpu_access')).toMatchObject({ uncached: true, memType: 'wc' });
    expect(at(r, 'cpu_write(p, "wc")').events.some((e) => e.kind === 'note' && /modelled here as uncached/.test(e.why.rule))).toBe(true);
    expect(at(r, 'set_memory_wb').events.some((e) => e.kind === 'cache_maint')).toBe(false);
    expect(at(r, 'cpu_write(p + 64').events.find((e) => e.kind === 'cpu_access')).toMatchObject({ uncached: false });
  });

  it('arm64 has no set_memory_wc/uc: its linear map cannot change memory type (ENOSYS)', () => {
    const r = run('machine(arch=arm64)\np = alloc_pages(GFP_KERNEL, 0)\nset_memory_wc(p, 1)\n');
    expect(at(r, 'set_memory_wc').error).toBe('ENOSYS');
  });

  const ALIAS = `machine(arch=arm64)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "old data")
`;

  it('vmap(…, prot=uc) (mm/vmalloc.c) makes an uncached alias with no cache maintenance: a dirty line of the linear alias is later written back over it', () => {
    const r = run(ALIAS + 'q = vmap(p, 1, prot=uc)\ncpu_write(q, "new data")\ncache_evict(p, 64)\ncpu_read(q, 8)\n');
    expect(at(r, 'q = vmap').observations.join(' ')).toContain('mismatched alias');
    expect(at(r, 'cpu_write(q').observations.join(' ')).toContain('dirty line');
    expect(at(r, 'cpu_read(q').data?.text).toBe('old data');
  });

  it('the CPU can fill the cacheable linear alias speculatively: a read through it is stale after an uncached store', () => {
    const r = run('machine(arch=arm64)\np = alloc_pages(GFP_KERNEL, 0)\nq = vmap(p, 1, prot=wc)\ncpu_prefetch(p, 64)\ncpu_write(q, "new")\ncpu_read(p, 3)\n');
    expect(at(r, 'cpu_read').data?.hex).toBe('000000');
    expect(at(r, 'cpu_read').observations.join(' ')).toContain('stale read');
  });

  it('dma_alloc_coherent cleans the kernel alias first (arch_dma_prep_coherent), so the same dirty page gives no hazard', () => {
    const r2 = run(`machine(arch=arm64)
device(gpu)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "old data")
__free_pages(p, 0)
cpu, h = dma_alloc_coherent(gpu, 4096)
cpu_write(cpu, "new data")
dev_read(gpu, h, 8)
`);
    expect(at(r2, 'cpu, h = dma_alloc_coherent').events.find((e) => e.kind === 'cache_maint')).toMatchObject({ why: { fn: 'arch_dma_prep_coherent' } });
    expect(at(r2, 'cpu_write(cpu').observations).toEqual([]);
    expect(at(r2, 'dev_read').data?.text).toBe('new data');
  });
});

describe('DMA allocations with attributes (kernel/dma/mapping.c, kernel/dma/direct.c)', () => {
  it('DMA_ATTR_NO_KERNEL_MAPPING (dma_direct_alloc_no_mapping): the pointer is a cookie the CPU cannot use; the kernel alias is cleaned for a non-coherent device; the device uses the memory', () => {
    const r = run(`machine(arch=arm64)
device(cam)
cpu, h = dma_alloc_attrs(cam, 8192, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING)
cpu_write(cpu, "x")
dev_write(cam, h, "frame")
dev_read(cam, h, 5) => "frame"
dma_free_attrs(cam, 8192, cpu, h, DMA_ATTR_NO_KERNEL_MAPPING) => ok
`);
    expect(failed(r)).toEqual([]);
    expect(at(r, 'cpu, h').events.find((e) => e.kind === 'alloc')).toMatchObject({ allocator: 'dma_alloc_attrs', why: { fn: 'dma_direct_alloc_no_mapping' } });
    expect(at(r, 'cpu, h').events.some((e) => e.kind === 'cache_maint' && e.why.fn === 'arch_dma_prep_coherent')).toBe(true);
    expect(at(r, 'cpu_write').error).toBe('EINVAL');
    expect(at(r, 'cpu_write').observations.join(' ')).toContain('DMA_ATTR_NO_KERNEL_MAPPING');
  });

  it('dma_get_sgtable (dma_direct_get_sgtable, kernel/dma/direct.c, 5.5+) gives one entry for a contiguous coherent allocation, usable with the streaming API', () => {
    const r = run(`machine(arch=arm64)
device(gpu, coherent=true)
device(disp)
cpu, h = dma_alloc_coherent(gpu, 8192)
sgt = dma_get_sgtable(gpu, cpu, h, 8192) => 0
dma_map_sg(disp, sgt, DMA_TO_DEVICE) => 1
sg_dma_len(sgt, 0) => 8192
`);
    expect(failed(r)).toEqual([]);
    expect(at(r, 'sgt = ').events[0]).toMatchObject({ kind: 'note', why: { fn: 'dma_direct_get_sgtable', file: 'kernel/dma/direct.c' } });
  });

  it('dma_alloc_pages (5.10+) gives cacheable pages mapped for the device, synced like a streaming mapping', () => {
    const r = run(`machine(arch=arm64)
device(cam)
page, h = dma_alloc_pages(cam, 4096, DMA_FROM_DEVICE)
dev_write(cam, h, "pixels")
dma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)
cpu_read(page, 6) => "pixels"
dma_free_pages(cam, 4096, page, h, DMA_FROM_DEVICE) => ok
`);
    expect(failed(r)).toEqual([]);
  });
});

describe("the DMA API's queries", () => {
  const HDR = `machine(arch=x86, ram=8G)
iommu(vtd)
device(old, dma_mask=32)
device(wide, dma_mask=64)
device(behind, dma_mask=32, iommu=vtd)
device(forced, swiotlb=force)
`;
  const ask = (q: string, kernel?: string) => {
    const r = run(HDR + q + '\n', kernel);
    const s = r.steps.at(-1)!;
    return s.error ?? s.result;
  };

  it('dma_get_required_mask: dma_direct_get_required_mask reaches the last page of RAM; behind dma-iommu DMA_BIT_MASK(32)', () => {
    expect(ask('dma_get_required_mask(wide)')).toBe('0x1ffffffff');
    expect(ask('dma_get_required_mask(behind)')).toBe('0xffffffff');
  });

  it('dma_addressing_limited: the mask is below the required mask', () => {
    expect(ask('dma_addressing_limited(old)')).toBe(1);
    expect(ask('dma_addressing_limited(wide)')).toBe(0);
    expect(ask('dma_addressing_limited(behind)')).toBe(0);
  });

  it('dma_max_mapping_size: swiotlb_max_mapping_size (256 KiB) for a device that may bounce, SIZE_MAX otherwise', () => {
    expect(ask('dma_max_mapping_size(old)')).toBe(262144);
    expect(ask('dma_max_mapping_size(forced)')).toBe(262144);
    expect(ask('dma_max_mapping_size(wide)')).toBe(2 ** 64);
  });

  it('dma_opt_mapping_size (6.0+): iova_rcache_range() behind dma-iommu', () => {
    expect(ask('dma_opt_mapping_size(behind)')).toBe(131072);
    expect(ask('dma_opt_mapping_size(old)')).toBe(262144);
    expect(ask('dma_opt_mapping_size(behind)', '5.19')).toBe('ENOSYS');
  });

  it('dma_need_sync (dma_direct_need_sync): only a swiotlb slot needs syncs on a coherent device; always behind dma-iommu', () => {
    expect(ask('p = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(old, p, 64, DMA_TO_DEVICE)\ndma_need_sync(old, h)')).toBe(1);
    expect(ask('p = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(wide, p, 64, DMA_TO_DEVICE)\ndma_need_sync(wide, h)')).toBe(0);
    expect(ask('p = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(behind, p, 64, DMA_TO_DEVICE)\ndma_need_sync(behind, h)')).toBe(1);
  });

  it('is_swiotlb_active: the pool exists unless swiotlb=0', () => {
    expect(ask('is_swiotlb_active(wide)')).toBe(1);
    expect(run('machine(arch=x86, swiotlb=0)\ndevice(d)\nis_swiotlb_active(d)\n').steps.at(-1)!.result).toBe(0);
  });

  it('dma_streaming_is_coherent: answers as the thread 002 proposal would have, and says it exists in no kernel', () => {
    expect(ask('dma_streaming_is_coherent(wide)')).toBe(1);
    expect(ask('dma_streaming_is_coherent(old)')).toBe(0);
    expect(ask('dma_streaming_is_coherent(forced)')).toBe(0);
    const r = run('machine(arch=arm64)\ndevice(gpu)\nn = dma_streaming_is_coherent(gpu) => 0\ndma_streaming_is_coherent(gpu)\n', '4.4');
    expect(failed(r)).toEqual([]);
    const e = r.steps.at(-1)!.events[0]!;
    expect(e.kind === 'note' && e.why.rule).toContain('exists in no kernel');
  });

  it("a device whose DMA API is a struct dma_map_ops gets mapping.c's answers for ops without the callbacks (arm32's ARM_DMA_USE_IOMMU ops, a device's own ops)", () => {
    // kernel/dma/mapping.c: dma_get_required_mask → DMA_BIT_MASK(32) without ops->get_required_mask;
    // dma_max_mapping_size → SIZE_MAX without ops->max_mapping_size; __dma_addressing_limited → false
    // for ops once the mask reaches the required one; __dma_need_sync → true for anything not dma-direct.
    const arm = (q: string) => {
      const r = run(`machine(arch=arm, ram=8G)\niommu(smmu)\ndevice(gpu, iommu=smmu, dma_mask=32, coherent=true)\ndevice(plain, dma_mask=32, coherent=true)\ndevice(wide, dma_mask=64, coherent=true)\n${q}\n`);
      return r.steps.at(-1)!.result;
    };
    expect(arm('dma_get_required_mask(gpu)')).toBe('0xffffffff');
    expect(arm('dma_get_required_mask(plain)')).toBe('0x1ffffffff');
    expect(arm('dma_addressing_limited(gpu)')).toBe(0);
    expect(arm('dma_addressing_limited(plain)')).toBe(1);
    expect(arm('dma_max_mapping_size(gpu)')).toBe(2 ** 64);
    expect(arm('dma_max_mapping_size(plain)')).toBe(262144);
    expect(arm('p = kmalloc(4096, GFP_KERNEL)\nh = dma_map_single(gpu, p, 4096, DMA_TO_DEVICE)\ndma_need_sync(gpu, h)')).toBe(1);
    expect(arm('p = kmalloc(4096, GFP_KERNEL)\nh = dma_map_single(wide, p, 4096, DMA_TO_DEVICE)\ndma_need_sync(wide, h)')).toBe(0);
    const own = run('machine(arch=x86, ram=8G)\ndevice(cam, mmu=true, dma_ops=own, coherent=true)\nm = dma_get_required_mask(cam) => 0xffffffff\nn = dma_opt_mapping_size(cam)\n');
    expect(failed(own)).toEqual([]);
    expect(own.steps.at(-1)!.events[0]).toMatchObject({ kind: 'note', why: { fn: 'dma_opt_mapping_size', rule: expect.stringContaining('no opt_mapping_size') } });
  });

});

describe('DMA_ATTR_NO_KERNEL_MAPPING does not zero', () => {
  it('dma_direct_alloc_no_mapping allocates with gfp & ~__GFP_ZERO: the device reads what the page held before', () => {
    const r = run(`machine(arch=arm64)
device(cam)
old = alloc_pages(GFP_KERNEL, 0)
cpu_write(old, "leftover")
__free_pages(old, 0)
cpu, h = dma_alloc_attrs(cam, 4096, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING)
dev_read(cam, h, 8)
`);
    // one page (no CMA): the page just freed; arch_dma_prep_coherent cleaned its dirty line to RAM and nothing cleared it
    expect(at(r, 'dev_read').data?.text).toBe('leftover');
  });
});
