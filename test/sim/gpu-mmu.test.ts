// A device-internal MMU (src/sim/hw/gpu-mmu.ts, panfrost_mmu.c): GPU page
// tables hold DMA addresses; an access is translated twice (GPU VA → DMA
// address → physical) and a fault names its stage.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { defaultConfig, defaultDevice } from '../../src/sim/config.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { emptyOutcome } from '../../src/sim/outcome.ts';
import { gpuFaultLines, gpuPgsize, gpuVmViews, gpuRead, gpuVmCreate, gpuVmMap, gpuVmUnmap, gpuWrite } from '../../src/sim/hw/gpu-mmu.ts';
import { ptEntries } from '../../src/sim/iommu/io-pgtable.ts';

const SZ_2M = 2 * 1024 * 1024;

function failures(text: string): string[] {
  const r = runScenario(text);
  expect(r.errors).toEqual([]);
  return r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
}

function gpuMachine() {
  const m = createMachine({ ...defaultConfig(), devices: [{ ...defaultDevice('gpu'), mmu: true }, defaultDevice('nic')] });
  return m;
}

describe('panfrost get_pgsize(iova | paddr, len, &count)', () => {
  it('4K pages up to the next 2M boundary, 2M blocks when both addresses are 2M-aligned, never past the next 1G', () => {
    expect(gpuPgsize(0x2000000, 0x1fffff000, 0x3000)).toEqual({ pgsize: 4096, count: 1 }); // paddr's 2M boundary comes first
    expect(gpuPgsize(0x2001000, 0x80000000, SZ_2M * 2)).toEqual({ pgsize: 4096, count: 511 });
    expect(gpuPgsize(0x2000000, 0x80200000, SZ_2M * 3 + 4096)).toEqual({ pgsize: SZ_2M, count: 3 });
    expect(gpuPgsize(0x3fe00000, 0x80000000, SZ_2M * 4)).toEqual({ pgsize: SZ_2M, count: 1 }); // 1G boundary next
    // the addresses' alignment is judged on both, even above 4 GiB
    expect(gpuPgsize(0x2000000, 0x1_0000_1000, SZ_2M)).toEqual({ pgsize: 4096, count: 511 });
  });

  it('mmu_map_sg installs 2M blocks only where both addresses allow it (ARM_MALI_LPAE 4K/2M)', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    expect(gpuVmMap(m, vm, 0x4000000, 0x80000000, 2 * SZ_2M, o)).toBe(0);
    expect(gpuVmMap(m, vm, 0x8000000, 0x80401000, SZ_2M, o)).toBe(0);
    const sizes = ptEntries(vm.pt).map((e) => e.size);
    expect(sizes.filter((s) => s === SZ_2M)).toHaveLength(2);
    expect(sizes.filter((s) => s === 4096)).toHaveLength(512);
  });
});

describe('gpu_vm_create / gpu_vm_map', () => {
  it('a device without mmu=true has no GPU page tables', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    expect(gpuVmCreate(m, m.devices.nic!, 'vm', o)).toBeNull();
    expect(o.error).toBe('EINVAL');
  });

  it('panfrost_mmu_as_get: each VM gets the first free address-space slot', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    expect(gpuVmCreate(m, m.devices.gpu!, 'a', o)!.as).toBe(0);
    expect(gpuVmCreate(m, m.devices.gpu!, 'b', o)!.as).toBe(1);
  });

  it('io-pgtable refuses to overwrite a present PTE (-EEXIST) and unaligned ranges (-EINVAL)', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    expect(gpuVmMap(m, vm, 0x2000000, 0x1000, 4096, o)).toBe(0);
    expect(gpuVmMap(m, vm, 0x2000000, 0x5000, 4096, o)).toBe(-17);
    expect(gpuVmMap(m, vm, 0x2000800, 0x5000, 4096, o)).toBe(-22);
  });
});

describe('two-stage translation and fault attribution', () => {
  it('stage 1 miss: the GPU MMU faults with panfrost\'s report; nothing is transferred', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    const w = emptyOutcome();
    expect(gpuWrite(m, vm, 0x3000000, new Uint8Array([1, 2]), w)).toBe(false);
    expect(w.error).toBe('FAULT');
    // one dev_err of seven lines
    expect(w.warnings[0]!.split('\n')[0]).toBe('panfrost gpu: Unhandled Page fault in AS0 at VA 0x0000000003000000');
    expect(w.warnings[0]!.split('\n')).toContain('access type 0x3: WRITE');
    expect(w.events.some((e) => e.kind === 'gpu_vm' && e.op === 'fault' && e.stage === 'gpu-mmu')).toBe(true);
    expect(vm.faulty).toBe(true);
    expect(w.events.some((e) => e.kind === 'dev_access')).toBe(false);
  });

  it('the fault report follows panfrost_mmu_irq_handler_thread (exception 0xC0 | level, access type, SLAVE FAULT)', () => {
    expect(gpuFaultLines('gpu', 2, 0x2001000, 3, false)[0]!.split('\n')).toEqual([
      'panfrost gpu: Unhandled Page fault in AS2 at VA 0x0000000002001000',
      'Reason: TODO',
      'raw fault status: 0x2C3',
      'decoded fault status: SLAVE FAULT',
      'exception type 0xC3: TRANSLATION_FAULT_3',
      'access type 0x2: READ',
      'source id 0x0',
    ]);
  });

  it('without an IOMMU stage 2 is dma-direct: the GPU PTE holds the physical address and reaches RAM', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    gpuVmMap(m, vm, 0x2000000, 0x1fffff000, 4096, o);
    expect(gpuWrite(m, vm, 0x2000ffe, new Uint8Array([7, 8]), o)).toBe(true);
    const r = emptyOutcome();
    expect(Array.from(gpuRead(m, vm, 0x2000ffe, 2, r)!)).toEqual([7, 8]);
    expect(r.events.find((e) => e.kind === 'dev_access')).toMatchObject({ dev: 'gpu', phys: 0x1fffffffe });
  });

  it('an access spanning two GPU pages is split at the page boundary, each piece translated on its own', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    gpuVmMap(m, vm, 0x2000000, 0x1fffff000, 4096, o);
    gpuVmMap(m, vm, 0x2001000, 0x100000000, 4096, o);
    gpuWrite(m, vm, 0x2000ffe, new Uint8Array([1, 2, 3, 4]), o);
    const r = emptyOutcome();
    gpuRead(m, vm, 0x2000ffe, 4, r);
    expect(r.events.filter((e) => e.kind === 'dev_access').map((e) => (e.kind === 'dev_access' ? e.phys : 0))).toEqual([0x1fffffffe, 0x100000000]);
  });

  it('gpu_vm_unmap clears the PTEs: the next access is a GPU MMU fault again', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    gpuVmMap(m, vm, 0x2000000, 0x1fffff000, 8192, o);
    expect(gpuVmUnmap(m, vm, 0x2000000, 4096, o)).toBe(4096);
    expect(vm.ranges).toEqual([{ va: 0x2001000, size: 4096, dmaAddr: 0x200000000 }]);
    const r = emptyOutcome();
    expect(gpuRead(m, vm, 0x2000000, 4, r)).toBeNull();
    expect(r.error).toBe('FAULT');
  });

  it('behind a strict SMMU: a GPU PTE whose IOVA was unmapped passes stage 1 and faults in the system IOMMU', () => {
    expect(
      failures(`machine(arch=arm64)
iommu(smmu, mode=strict)
device(gpu, iommu=smmu, mmu=true)
bo = alloc_pages(GFP_KERNEL, 0)
cpu_write(bo, "texels")
sgt = sg_table(bo, 4096)
dma_map_sg(gpu, sgt, DMA_BIDIRECTIONAL) => 1
iova = sg_dma_address(sgt, 0)
vm = gpu_vm_create(gpu)
gpu_vm_map(vm, 0x2000000, iova, 4096) => 0
gpu_read(vm, 0x2000000, 6) => "texels"
dma_unmap_sg(gpu, sgt, DMA_BIDIRECTIONAL)
gpu_read(vm, 0x2000000, 6) => FAULT => warning "Unhandled context fault"
`),
    ).toEqual([]);
    const r = runScenario(`machine(arch=arm64)
iommu(smmu, mode=strict)
device(gpu, iommu=smmu, mmu=true)
bo = alloc_pages(GFP_KERNEL, 0)
sgt = sg_table(bo, 4096)
dma_map_sg(gpu, sgt, DMA_BIDIRECTIONAL)
iova = sg_dma_address(sgt, 0)
vm = gpu_vm_create(gpu)
gpu_vm_map(vm, 0x2000000, iova, 4096)
dma_unmap_sg(gpu, sgt, DMA_BIDIRECTIONAL)
gpu_read(vm, 0x2000000, 6)
`);
    const last = r.steps.at(-1)!;
    const kinds = last.events.map((e) => (e.kind === 'gpu_vm' ? `gpu_vm:${e.op}:${e.stage ?? ''}` : e.kind));
    expect(kinds).toContain('gpu_vm:walk:');
    expect(kinds).toContain('gpu_vm:fault:iommu');
    expect(kinds).not.toContain('gpu_vm:fault:gpu-mmu');
    expect(last.warnings.some((w) => /Unhandled Page fault/.test(w))).toBe(false);
  });

  it('a coherent GPU snoops the CPU cache; a non-coherent one reads RAM under a dirty line', () => {
    // CPU store into physical 0x1fffff000 through a kmalloc'd page
    const r0 = runScenario(`machine(arch=arm64)
device(g1, mmu=true, coherent=true)
device(g2, mmu=true)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "cpu")
v1 = gpu_vm_create(g1)
v2 = gpu_vm_create(g2)
gpu_vm_map(v1, 0x2000000, 0x1fffff000, 4096)
gpu_vm_map(v2, 0x2000000, 0x1fffff000, 4096)
gpu_read(v1, 0x2000000, 3) => "cpu"
gpu_read(v2, 0x2000000, 3) => x"000000"
`);
    expect(r0.ok).toBe(true);
  });
});

describe('gpuVmViews (the GPU MMU panel)', () => {
  it('lists each VM with its AS, mapped ranges and PTEs (GPU VA → DMA address)', () => {
    const m = gpuMachine();
    const o = emptyOutcome();
    const vm = gpuVmCreate(m, m.devices.gpu!, 'vm', o)!;
    gpuVmMap(m, vm, 0x2000000, 0x80000000, 8192, o);
    gpuRead(m, vm, 0x9000000, 1, emptyOutcome());
    expect(gpuVmViews(m)).toEqual([
      {
        name: 'vm',
        dev: 'gpu',
        as: 0,
        faults: 1,
        faulty: true,
        ranges: [{ va: 0x2000000, size: 8192, dmaAddr: 0x80000000 }],
        ptes: [
          { va: 0x2000000, size: 4096, dmaAddr: 0x80000000, level: 3 },
          { va: 0x2001000, size: 4096, dmaAddr: 0x80001000, level: 3 },
        ],
      },
    ]);
  });
});
