// The RISC-V IOMMU (drivers/iommu/riscv/iommu.c, 6.13 on: RISCV_IOMMU_GATES.driver, 488ffbf18171 "iommu/riscv:
// Paging domain support"; 6.12 and before are refused, test/sim/kernel-versions.test.ts). Each test states the
// kernel behaviour it checks and the function it lives in. The explorer's IOMMU reports Sv39 only.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { Machine } from '../../src/sim/machine.ts';
import type { StepOutcome } from '../../src/sim/outcome.ts';
import { failures, kinds, sim } from './scenario-helpers.ts';
import { ptEntries, SZ_2M } from '../../src/sim/iommu/io-pgtable.ts';
import { iommuDomains, RISCV_APERTURE_END } from '../../src/sim/iommu/iommu.ts';
import { defaultConfig, defaultDevice } from '../../src/sim/config.ts';
import { iommuRefusal } from '../../src/sim/kernel-versions.ts';


function text(o: StepOutcome): string {
  return new TextDecoder().decode(o.data ?? new Uint8Array());
}

function notes(o: StepOutcome): string[] {
  return o.events.flatMap((e) => (e.kind === 'note' ? [`${e.why.fn}: ${e.text}`] : []));
}

const HDR = 'machine(arch=riscv, kernel="6.13")\niommu(io, mode=strict)\ndevice(gpu, dma_mask=40, coherent=true, iommu=io)\ndevice(cam, dma_mask=40, coherent=true, iommu=io)\n';
const ATTACHED = HDR + 'dom = iommu_domain_alloc(io)\niommu_attach_device(dom, gpu)\np = alloc_pages(GFP_KERNEL, 0)\nq = alloc_pages(GFP_KERNEL, 0)\ncpu_write(p, "old!")\ncpu_write(q, "new!")\n';
/** Body statements start after the 6 of ATTACHED. */
const B = 6;

describe('default domains: IOMMU_DMA is not built for RISC-V', () => {
  it('iommu_get_default_domain_type() forces IOMMU_DOMAIN_IDENTITY in every mode ("If the common dma ops are not selected in kconfig …"): strict, lazy and passthrough all give an identity default domain and no flush queue; the DMA API hands out physical addresses', () => {
    for (const mode of ['strict', 'lazy', 'passthrough'] as const) {
      const { m, out } = sim(`machine(arch=riscv)\niommu(io, mode=${mode})\ndevice(nic, dma_mask=64, iommu=io)\np = alloc_pages(GFP_KERNEL, 0)\nh = dma_map_single(nic, p, 4096, DMA_TO_DEVICE)\n`);
      const views = iommuDomains(m);
      expect(views).toMatchObject([{ name: 'io/nic', type: 'IDENTITY' }]);
      expect(m.iommu.fqDomains).toEqual([]);
      const map = kinds(out[1]!, 'dma_map')[0] as { path: string; why: { rule: string } };
      expect(out[1]!.result).toBe(m.buffers[0]!.phys);
      expect(map.path).toBe('direct');
      // the explanation says why the IOMMU is ignored, except in passthrough, where identity is what was asked for
      if (mode === 'passthrough') expect(map.why.rule).not.toContain('IOMMU_DMA');
      else expect(map.why.rule).toContain('IOMMU_DMA is not built for RISC-V');
    }
  });

  it('an untrusted PCI device is refused (iommu_get_default_domain_type: identity vs untrusted → "refusing to probe"): at its device(…) declaration, and by createMachine after an --arch override', () => {
    const text = 'machine(arch=riscv)\niommu(io)\ndevice(tb, bus=pci, untrusted=true, iommu=io)\n';
    const r = runScenario(text);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3, col: 1 });
    expect(r.errors[0]!.message).toContain('refusing to probe');
    const over = runScenario(text.replace('arch=riscv', 'arch=arm64'), { arch: 'riscv' });
    expect(over.errors[0]!.message).toContain('the engine could not build this machine: an untrusted PCI device behind a RISC-V IOMMU is refused');
    // a trusted PCI device, or an untrusted one without an IOMMU, is fine
    expect(iommuRefusal({ ...defaultConfig(), arch: 'riscv', iommus: [{ name: 'io', mode: 'strict', pgsize: 4096 }], devices: [{ ...defaultDevice('tb'), bus: 'pci', untrusted: true }] })).toBeNull();
  });

  it('a RISC-V IOMMU maps 4K | 2M | 1G pages only (pgsize_bitmap under Sv39): pgsize=64K is refused at the iommu(…)', () => {
    const r = runScenario('machine(arch=riscv)\niommu(io, pgsize=64K)\ndevice(d, iommu=io)\n');
    expect(r.errors[0]).toMatchObject({ line: 2, col: 1 });
    expect(r.errors[0]!.message).toContain('cannot have pgsize=64K');
  });
});

describe('riscv_iommu_map_pages', () => {
  it('a prot with neither IOMMU_READ nor IOMMU_WRITE maps read-only ("if (!(prot & IOMMU_WRITE)) pte_prot = _PAGE_BASE | _PAGE_READ"): 0, no -EINVAL, no hang; the device reads it and a write faults (cause 15)', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, 0)\ndev_read(gpu, 0x100000, 4)\ndev_write(gpu, 0x100000, "x")\n');
    expect(out[B]!.result).toBe(0);
    expect(out[B]!.error).toBeNull();
    expect(notes(out[B]!)).toContain('riscv_iommu_map_pages: iommu_map with neither IOMMU_READ nor IOMMU_WRITE: mapped read-only');
    expect(text(out[B + 1]!)).toBe('old!');
    expect(out[B + 2]!.error).toBe('FAULT');
    expect(out[B + 2]!.warnings).toEqual(['riscv,iommu io: Fault 15 devid: 0x0 iotval: 100000 iotval2: 0']);
    expect(kinds(out[B + 2]!, 'iommu_fault')[0]).toMatchObject({ stage: 'permission', write: true });
  });

  it('a write-only (IOMMU_WRITE, DMA_FROM_DEVICE) mapping is readable too: _PAGE_READ | _PAGE_WRITE (VT-d would fault the read)', () => {
    expect(failures(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_WRITE) => 0\ndev_read(gpu, 0x100000, 4) => "old!"\ndev_write(gpu, 0x100000, "w")\ncpu_read(p, 1) => "w"\n')).toEqual([]);
  });

  it('mapping over a present leaf replaces it: 0, no -EEXIST (cmpxchg); no invalidation, so a cached translation still reaches the old page until the IOTLB is flushed', () => {
    const { m, out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\niommu_map(dom, 0x100000, q, 4096, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\niommu_flush_iotlb_all(dom)\ndev_read(gpu, 0x100000, 4)\n');
    expect(out[B + 2]!.result).toBe(0);
    expect(out[B + 2]!.error).toBeNull();
    expect(out[B + 2]!.warnings).toEqual([]);
    expect(kinds(out[B + 2]!, 'iotlb')).toEqual([]);
    expect(text(out[B + 3]!)).toBe('old!');
    expect(out[B + 3]!.observations[0]!.text).toContain('riscv_iommu_map_pages replaces a leaf without an IOTLB invalidation');
    expect(text(out[B + 5]!)).toBe('new!');
    const dom = m.iommu.domains.find((d) => d.name === 'dom')!;
    expect(ptEntries(dom.pt!)).toMatchObject([{ iova: 0x100000, size: 4096, phys: m.buffers[1]!.phys }]);
  });

  it('a smaller page under a 2M leaf: riscv_iommu_pte_alloc returns NULL ("Fail."), -ENOMEM; the 2M leaf stays', () => {
    const { m, out } = sim(HDR + 'dom = iommu_domain_alloc(io)\nbig = alloc_pages(GFP_KERNEL, 9)\nq = alloc_pages(GFP_KERNEL, 0)\niommu_map(dom, 0x200000, big, 0x200000, IOMMU_READ) => 0\niommu_map(dom, 0x201000, q, 4096, IOMMU_READ)\n');
    expect(out[4]!.error).toBe('ENOMEM');
    expect(out[4]!.result).toBe(-12);
    expect(notes(out[4]!)[0]).toContain('riscv_iommu_pte_alloc: a 2M leaf already maps iova 0x201000');
    expect(ptEntries(m.iommu.domains.find((d) => d.name === 'dom')!.pt!)).toMatchObject([{ iova: 0x200000, size: SZ_2M }]);
  });

  it('a 2M leaf over a table of 4K leaves: the table is freed (riscv_iommu_pte_free) and the whole PSCID invalidated, so no old 4K translation survives in the IOTLB', () => {
    const { m, out } = sim(ATTACHED + 'big = alloc_pages(GFP_KERNEL, 9)\niommu_map(dom, 0x400000, p, 4096, IOMMU_READ)\niommu_map(dom, 0x401000, q, 4096, IOMMU_READ)\ndev_read(gpu, 0x400000, 4)\ndev_read(gpu, 0x401000, 4)\niommu_map(dom, 0x400000, big, 0x200000, IOMMU_READ | IOMMU_WRITE)\n');
    const last = out[B + 5]!;
    expect(last.result).toBe(0);
    expect(notes(last)[0]).toContain('riscv_iommu_map_pages: the 2M leaf at iova 0x400000 replaces a table of smaller mappings');
    const dom = m.iommu.domains.find((d) => d.name === 'dom')!;
    expect(dom.iotlb!.entries.size).toBe(0);
    expect(ptEntries(dom.pt!)).toMatchObject([{ iova: 0x400000, size: SZ_2M }]);
  });
});

describe('riscv_iommu_unmap_pages', () => {
  const BIG = HDR + 'dom = iommu_domain_alloc(io)\nbig = alloc_pages(GFP_KERNEL, 9)\niommu_map(dom, 0x200000, big, 0x200000, IOMMU_READ) => 0\n';

  it('unmapping 4K at the start of a 2M leaf clears the whole leaf and returns 2M (the leaf\'s size, not the size asked)', () => {
    expect(failures(BIG + 'iommu_unmap(dom, 0x200000, 4096) => 2097152\n')).toEqual([]);
  });

  it('unmapping inside a 2M leaf: "partial unmap is not allowed, fail." — 0 bytes, no WARN, no split; the leaf stays', () => {
    const { m, out } = sim(BIG + 'iommu_unmap(dom, 0x201000, 4096)\n');
    expect(out[3]!.result).toBe(0);
    expect(out[3]!.warnings).toEqual([]);
    expect(notes(out[3]!)[0]).toContain('riscv_iommu_unmap_pages: iova 0x201000 is inside a 2M leaf, not at its start');
    expect(ptEntries(m.iommu.domains.find((d) => d.name === 'dom')!.pt!)).toHaveLength(1);
  });

  it('the unmap stops at a hole and returns what it unmapped before it (riscv_iommu_pte_fetch returns NULL; no WARN)', () => {
    const { out } = sim(ATTACHED + 'iommu_map(dom, 0x100000, p, 4096, IOMMU_READ) => 0\niommu_map(dom, 0x102000, q, 4096, IOMMU_READ) => 0\niommu_unmap(dom, 0x100000, 0x3000)\n');
    expect(out[B + 2]!.result).toBe(4096);
    expect(out[B + 2]!.warnings).toEqual([]);
    expect(notes(out[B + 2]!).some((n) => n.startsWith('riscv_iommu_unmap_pages: nothing mapped at iova 0x101000'))).toBe(true);
  });
});

describe('riscv_iommu_iotlb_inval', () => {
  it('below RISCV_IOMMU_IOTLB_INVAL_LIMIT (2 MiB) the sync invalidates page by page: another cached translation survives; from 2 MiB one whole-PSCID invalidation drops every one', () => {
    const text = ATTACHED + 'big = alloc_pages(GFP_KERNEL, 9)\niommu_map(dom, 0x100000, p, 4096, IOMMU_READ)\niommu_map(dom, 0x101000, q, 4096, IOMMU_READ)\niommu_map(dom, 0x200000, big, 0x200000, IOMMU_READ)\ndev_read(gpu, 0x100000, 4)\ndev_read(gpu, 0x101000, 4)\niommu_unmap(dom, 0x100000, 4096)\n';
    const small = sim(text);
    const dom = (m: Machine) => m.iommu.domains.find((d) => d.name === 'dom')!;
    expect(dom(small.m).iotlb!.entries.size).toBe(1);
    const whole = sim(text + 'dev_read(gpu, 0x101000, 4)\niommu_unmap(dom, 0x200000, 0x200000)\n');
    const last = whole.out[whole.out.length - 1]!;
    expect(last.result).toBe(SZ_2M);
    expect(notes(last)).toContain('riscv_iommu_iotlb_inval: 0x200000 bytes: one whole-PSCID invalidation');
    expect(dom(whole.m).iotlb!.entries.size).toBe(0);
  });
});

describe('riscv_iommu_attach_paging_domain', () => {
  it('a paging domain allocated for one RISC-V IOMMU attaches to a device behind another (0; arm-smmu refuses with -EINVAL): the core checks only that the ops match, the driver only that the IOMMU supports the Sv mode; a fault is printed by the device\'s own IOMMU', () => {
    const text = 'machine(arch=riscv)\niommu(a)\niommu(b)\ndevice(d, iommu=b)\ndom = iommu_domain_alloc(a)\niommu_attach_device(dom, d) => 0\ndev_read(d, 0x1000, 4) => FAULT => warning "riscv,iommu b: Fault 13"\n';
    expect(failures(text)).toEqual([]);
    expect(failures(text.replace('arch=riscv', 'arch=arm64').replace(/iommu_attach_device\(dom, d\) => 0[^]*$/, 'iommu_attach_device(dom, d) => EINVAL\n'))).toEqual([]);
  });
});

describe('riscv_iommu_fault', () => {
  it('a read of an unmapped IOVA: the transaction is aborted (nothing read) and only "Fault 13 devid: … iotval: … iotval2: 0" is printed by dev_warn_ratelimited on the IOMMU device (driver "riscv,iommu"); no arm-smmu line; the device ID is the requester\'s', () => {
    const { out } = sim(HDR + 'dom = iommu_domain_alloc(io)\niommu_attach_device(dom, cam)\ndev_read(cam, 0x123456, 4)\n');
    const f = out[2]!;
    expect(f.error).toBe('FAULT');
    expect(f.warnings).toEqual(['riscv,iommu io: Fault 13 devid: 0x1 iotval: 123456 iotval2: 0']);
    expect(kinds(f, 'dev_access')).toEqual([]);
    const fault = kinds(f, 'iommu_fault')[0] as { why: { fn: string; rule: string } };
    expect(fault.why.fn).toBe('riscv_iommu_fault');
    expect(fault.why.rule).toContain('never calls report_iommu_fault()');
    const log = kinds(f, 'log')[0] as { level: string; id: string };
    expect(log).toMatchObject({ level: 'warn', id: 'riscv-iommu.fault' });
  });

  it('Sv39: the aperture ends at DMA_BIT_MASK(38); an IOVA at or above 2^38 is not canonical and faults, even where iommu_map (which checks no range) installed a leaf', () => {
    expect(RISCV_APERTURE_END).toBe(2 ** 38 - 1);
    const { m, out } = sim(ATTACHED + 'iommu_map(dom, 0x4000000000, p, 4096, IOMMU_READ)\ndev_read(gpu, 0x4000000000, 4)\ndev_read(gpu, 0x3ffffff000, 4)\n');
    expect(out[B]!.result).toBe(0);
    expect(out[B + 1]!.error).toBe('FAULT');
    expect(out[B + 1]!.warnings[0]).toContain('Fault 13');
    expect(out[B + 2]!.error).toBe('FAULT');
    expect(m.iommu.domains.find((d) => d.name === 'dom')!.pt!.levels).toBe(3);
  });
});
