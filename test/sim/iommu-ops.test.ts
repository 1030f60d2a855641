// The IOMMU API used directly (drivers/iommu/iommu.c), the SMMU fault report
// (arm_smmu_context_fault) and the device-side translation, through the
// scenario operations. Each test states the kernel behaviour it checks.
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../src/sim/events.ts';
import { failures, kinds, sim } from './scenario-helpers.ts';
import { ptEntries, SZ_2M } from '../../src/sim/iommu/io-pgtable.ts';
import { iommuDomains, iommuPeek } from '../../src/sim/iommu/iommu.ts';

const HDR = 'machine(arch=arm64)\niommu(smmu, mode=strict)\ndevice(gpu, dma_mask=40, coherent=true, iommu=smmu)\ndevice(cam, dma_mask=32, iommu=smmu)\ndevice(plain, dma_mask=64)\n';
const ATTACHED = HDR + 'dom = iommu_domain_alloc(smmu)\niommu_attach_device(dom, gpu)\np = alloc_pages(GFP_KERNEL, 0)\n';

describe('iommu_domain_alloc / iommu_attach_device / iommu_detach_device', () => {
  it('an UNMANAGED domain is attached with 0; attaching again while not on the default domain is -EBUSY (__iommu_attach_group)', () => {
    expect(failures(HDR + 'dom = iommu_domain_alloc(smmu)\niommu_attach_device(dom, gpu) => 0\niommu_attach_device(dom, gpu) => EBUSY\n')).toEqual([]);
  });

  it('a device without an IOMMU has no group: -ENODEV', () => {
    expect(failures(HDR + 'dom = iommu_domain_alloc(smmu)\niommu_attach_device(dom, plain) => ENODEV\n')).toEqual([]);
  });

  it('a domain of one IOMMU cannot take a device behind another: -EINVAL', () => {
    expect(failures('machine(arch=arm64)\niommu(a)\niommu(b)\ndevice(d, iommu=b)\ndom = iommu_domain_alloc(a)\niommu_attach_device(dom, d) => EINVAL\n')).toEqual([]);
  });

  it('while attached, the device translates through the unmanaged domain, but the DMA API keeps mapping into the default domain (iommu_get_dma_domain): its handles fault', () => {
    const { out } = sim(ATTACHED + 'h = dma_map_single(gpu, p, 4096, DMA_TO_DEVICE)\ndev_read(gpu, h, 4)\n');
    expect(out[3]!.result).toBe(2 ** 40 - 4096);
    expect(out[4]!.error).toBe('FAULT');
    expect(kinds(out[4]!, 'iommu_fault')[0]).toMatchObject({ domain: 'dom' });
  });

  it('iommu_detach_device returns the group to its default domain; detaching a device that is not attached WARNs and changes nothing', () => {
    const { m, out } = sim(ATTACHED + 'iommu_detach_device(dom, gpu)\niommu_detach_device(dom, gpu)\n');
    expect(m.iommu.devs.gpu!.domain).toBe(m.iommu.devs.gpu!.defaultDomain);
    expect(out[4]!.observations[0]!.text).toContain('not attached');
    const views = iommuDomains(m);
    expect(views.find((d) => d.name === 'dom')).toMatchObject({ type: 'UNMANAGED', devices: [] });
    expect(views.find((d) => d.name === 'smmu/gpu')).toMatchObject({ type: 'DMA', devices: ['gpu'] });
  });
});

describe('iommu_map', () => {
  it('iova, pa and size must be aligned to min_pagesz: -EINVAL and pr_err "iommu: unaligned: iova 0x%lx pa %pa size 0x%zx min_pagesz 0x%x"', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100200, p, 4096, IOMMU_READ)\niommu_map(dom, 0x100000, p, 100, IOMMU_READ)\n');
    expect(out[3]!.error).toBe('EINVAL');
    expect(out[3]!.result).toBe(-22);
    expect(out[3]!.warnings).toEqual(['iommu: unaligned: iova 0x100200 pa 0x00000001fffff000 size 0x1000 min_pagesz 0x1000']);
    expect(out[4]!.warnings).toEqual(['iommu: unaligned: iova 0x100000 pa 0x00000001fffff000 size 0x64 min_pagesz 0x1000']);
  });

  it('with a 16 KiB IOMMU page size, min_pagesz is 0x4000', () => {
    const { out } = sim('machine(arch=arm64)\niommu(smmu, pgsize=16K)\ndevice(gpu, iommu=smmu)\ndom = iommu_domain_alloc(smmu)\np = alloc_pages(GFP_KERNEL, 2)\niommu_map(dom, 0x101000, p, 16384, IOMMU_READ)\niommu_map(dom, 0x104000, p, 16384, IOMMU_READ)\n');
    expect(out[2]!.warnings).toEqual(['iommu: unaligned: iova 0x101000 pa 0x00000001ffffc000 size 0x4000 min_pagesz 0x4000']);
    expect(out[3]!.result).toBe(0);
  });

  it(`with a 16 KiB IOMMU page size, iommu_unmap refuses a 4K-aligned range that is not 16K-aligned: __iommu_unmap's pr_err "unaligned: iova … size … min_pagesz 0x4000" and 0 bytes unmapped; the whole 16 KiB unmaps`, () => {
    const { m, out } = sim('machine(arch=arm64)\niommu(smmu, pgsize=16K)\ndevice(gpu, iommu=smmu)\ndom = iommu_domain_alloc(smmu)\np = alloc_pages(GFP_KERNEL, 2)\niommu_map(dom, 0x100000, p, 16384, IOMMU_READ)\niommu_unmap(dom, 0x101000, 4096)\niommu_unmap(dom, 0x100000, 16384)\n');
    expect(out[3]!.result).toBe(0);
    expect(out[3]!.warnings).toEqual(['iommu: unaligned: iova 0x101000 size 0x1000 min_pagesz 0x4000']);
    expect(out[3]!.events.some((e) => e.kind === 'iommu_unmap')).toBe(false);
    expect(out[4]!.result).toBe(16384);
    expect(ptEntries(m.iommu.domains.find((x) => x.name === 'dom')!.pt!)).toEqual([]);
  });

  it('mapping over a present leaf is -EEXIST ("We require an unmap first"), and nothing else is changed', () => {
    const { m, out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ) => 0\nq = alloc_pages(GFP_KERNEL, 0)\niommu_map(dom, 0x100000, q, 4096, IOMMU_READ | IOMMU_WRITE)\n');
    expect(out[5]!.error).toBe('EEXIST');
    expect(out[5]!.result).toBe(-17);
    const d = m.iommu.domains.find((x) => x.name === 'dom')!;
    expect(ptEntries(d.pt!)).toEqual([expect.objectContaining({ iova: 0x100000, phys: m.buffers[0]!.phys, prot: 1 })]);
  });

  it('a 2 MiB-aligned range of 2 MiB is installed as one block (iommu_pgsize picks the largest page size)', () => {
    const { m } = sim(ATTACHED + 'big = alloc_pages(GFP_KERNEL, 9)\niommu_map(dom, 0x200000, big, 2M, IOMMU_READ | IOMMU_WRITE)\n');
    const d = m.iommu.domains.find((x) => x.name === 'dom')!;
    expect(ptEntries(d.pt!)).toEqual([expect.objectContaining({ iova: 0x200000, size: SZ_2M, level: 2 })]);
  });
});

describe('stage-1 permissions and faults (io-pgtable-arm, arm_smmu_context_fault)', () => {
  it('IOMMU_READ alone is read-only: a device write is a permission fault (fsr=0x8, FSYNR0.WNR) and memory is untouched', () => {
    const { out } = sim(ATTACHED + 'cpu_write(p, "keep")\niommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_write(gpu, 0x100004, "oops")\n');
    const o = out[5]!;
    expect(o.error).toBe('FAULT');
    // context bank: gpu's default domain is cb 0, cam's cb 1, dom cb 2; gpu is stream 0
    // 6.12+ (arm_smmu_print_context_fault_info): the line, then FSR and FSYNR0 decoded
    expect(o.warnings).toEqual([
      'arm-smmu smmu: Unhandled context fault: fsr=0x8, iova=0x00100004, fsynr=0x13, cbfrsynra=0x0, cb=2',
      'arm-smmu smmu: FSR    = 00000008 [Format=0 PF], SID=0x0',
      'arm-smmu smmu: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]',
    ]);
    expect(kinds(o, 'iommu_fault')).toEqual([expect.objectContaining({ dev: 'gpu', iova: 0x100004, write: true, stage: 'permission' })]);
    expect(kinds(o, 'dev_access')).toEqual([]);
    const cpu = sim(ATTACHED + 'cpu_write(p, "keep")\niommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_write(gpu, 0x100000, "oops")\ncpu_read(p, 4)\n').out[6]!;
    expect(cpu.data).toEqual(new TextEncoder().encode('keep'));
  });

  it('stage 1 cannot express write-only: an IOMMU_WRITE mapping (what DMA_FROM_DEVICE gets) is readable by the device', () => {
    expect(failures(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_WRITE) => 0\ndev_write(gpu, 0x100000, "w") => ok\ndev_read(gpu, 0x100000, 1) => "w"\n')).toEqual([]);
    expect(failures(HDR + 'b = kmalloc(4096, GFP_KERNEL)\nh = dma_map_single(gpu, b, 4096, DMA_FROM_DEVICE)\ndma_mapping_error(gpu, h) => 0\ndev_read(gpu, h, 4) => x"00000000"\n')).toEqual([]);
  });

  it('a translation fault names the faulting IOVA (%08lx), the walk level in FSYNR0.PLVL, the device\'s stream ID and the context bank', () => {
    const { out } = sim(HDR + 'dev_read(cam, 0x1234, 4)\n');
    expect(out[0]!.warnings).toEqual([
      'arm-smmu smmu: Unhandled context fault: fsr=0x2, iova=0x00001234, fsynr=0x0, cbfrsynra=0x1, cb=1',
      'arm-smmu smmu: FSR    = 00000002 [Format=0 TF], SID=0x1',
      'arm-smmu smmu: FSYNR0 = 00000000 [S1CBNDX=0 PLVL=0]',
    ]);
    expect(kinds(out[0]!, 'pt_walk')).toEqual([expect.objectContaining({ iova: 0x1234, phys: null, levels: [0] })]);
  });

  it('an access that crosses from a mapped page into an unmapped one faults as a whole: no byte moves', () => {
    const { out } = sim(ATTACHED + 'cpu_write(p, "data")\niommu_map(dom, 0x100000, p, 4096, IOMMU_READ | IOMMU_WRITE)\ndev_write(gpu, 0x100ffe, "abcd")\ncpu_read(p + 4094, 2)\n');
    expect(out[5]!.error).toBe('FAULT');
    expect(kinds(out[5]!, 'iommu_fault')[0]).toMatchObject({ iova: 0x101000 });
    expect(out[6]!.data).toEqual(new Uint8Array(2));
  });

  it('an IOTLB miss walks the table and fills; the next access hits (events iotlb miss/fill/hit, pt_walk)', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\ndev_read(gpu, 0x100010, 4)\n');
    expect(kinds(out[4]!, 'iotlb').map((e) => (e as Extract<SimEvent, { kind: 'iotlb' }>).op)).toEqual(['miss', 'fill']);
    expect(kinds(out[4]!, 'pt_walk')).toHaveLength(1);
    expect(kinds(out[5]!, 'iotlb').map((e) => (e as Extract<SimEvent, { kind: 'iotlb' }>).op)).toEqual(['hit']);
    expect(kinds(out[5]!, 'dev_access')[0]).toMatchObject({ via: 'iommu', phys: 0x1fffff010 });
  });
});

describe('iommu_unmap and iommu_flush_iotlb_all', () => {
  it('iommu_unmap returns the bytes unmapped and always syncs the IOTLB before returning: no stale translation survives', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\niommu_unmap(dom, 0x100000, 4096)\ndev_read(gpu, 0x100000, 4)\n');
    expect(out[5]!.result).toBe(4096);
    expect(kinds(out[5]!, 'iotlb')).toEqual([expect.objectContaining({ op: 'inval', iova: 0x100000 })]);
    expect(out[6]!.error).toBe('FAULT');
    expect(out[6]!.observations.some((x) => x.text.startsWith('stale IOTLB'))).toBe(false);
  });

  it('iommu_unmap of an unaligned range logs "iommu: unaligned: iova … size … min_pagesz …" and unmaps nothing', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\niommu_unmap(dom, 0x100000, 100)\n');
    expect(out[4]!.result).toBe(0);
    expect(out[4]!.warnings).toEqual(['iommu: unaligned: iova 0x100000 size 0x64 min_pagesz 0x1000']);
  });

  it('iommu_flush_iotlb_all invalidates every cached translation of the domain', () => {
    const { m, out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\niommu_flush_iotlb_all(dom)\ndev_read(gpu, 0x100000, 4)\n');
    expect(kinds(out[5]!, 'iotlb')).toEqual([expect.objectContaining({ op: 'flush' })]);
    expect(kinds(out[6]!, 'iotlb')[0]).toMatchObject({ op: 'miss' });
    expect(m.iommu.domains.find((x) => x.name === 'dom')!.iotlb!.entries.size).toBe(1);
  });
});

describe('udelay and the flush-queue timer', () => {
  it('udelay advances m.timeUs and reports the time; with no lazy domain nothing else happens', () => {
    const { m, out } = sim(HDR + 'udelay(5000)\nudelay(5000)\n');
    expect(m.timeUs).toBe(10000);
    expect(out[1]!.events).toEqual([expect.objectContaining({ kind: 'note', text: 't = 10000 µs' })]);
  });

  it('each lazy domain has its own flush queue and timer (armed by its first queued unmap)', () => {
    const text =
      'machine(arch=arm64)\niommu(smmu, mode=lazy)\ndevice(a, dma_mask=32, iommu=smmu)\ndevice(b, dma_mask=32, iommu=smmu)\nx = kmalloc(4096, GFP_KERNEL)\n' +
      'ha = dma_map_single(a, x, 4096, DMA_TO_DEVICE)\ndma_unmap_single(a, ha, 4096, DMA_TO_DEVICE)\nudelay(5000)\n' +
      'hb = dma_map_single(b, x, 4096, DMA_TO_DEVICE)\ndma_unmap_single(b, hb, 4096, DMA_TO_DEVICE)\nudelay(5000)\nudelay(5000)\n';
    const { out } = sim(text);
    expect(kinds(out[6]!, 'fq')).toEqual([expect.objectContaining({ domain: 'smmu/a', op: 'flush', entries: 1 })]);
    expect(kinds(out[7]!, 'fq')).toEqual([expect.objectContaining({ domain: 'smmu/b', op: 'flush', entries: 1 })]);
  });
});

describe('iommuPeek (for the byte views)', () => {
  it('follows the page table without touching the IOTLB or emitting events', () => {
    const { m } = sim(HDR + 'cpu, h = dma_alloc_coherent(cam, 8192)\n');
    const d = m.iommu.domains[m.iommu.devs.cam!.defaultDomain]!;
    const before = d.iotlb!.entries.size;
    const cam = m.devices.cam!;
    expect(iommuPeek(m, cam, 0xffffe000 + 4090, 12)).toEqual([
      // cam is not coherent: dma_info_to_prot() left IOMMU_CACHE out, so the leaves are Non-cacheable
      { phys: m.buffers[0]!.pages[0]! + 4090, len: 6, at: 0, cache: false },
      { phys: m.buffers[0]!.pages[1]!, len: 6, at: 6, cache: false },
    ]);
    expect(iommuPeek(m, cam, 0x1000, 4)).toBeNull();
    expect(iommuPeek(m, m.devices.plain!, 0x1000, 4)).toEqual([{ phys: 0x1000, len: 4, at: 0 }]);
    expect(d.iotlb!.entries.size).toBe(before);
  });
});
