// The first version of each architecture's port (src/sim/config.ts
// ARCH_PORT_FROM): arch/riscv was merged for 4.15 (first commit 76d2a0493a17
// "RISC-V: Init and Halt Code"), so a riscv machine on 4.4–4.14 names a kernel
// that has no RISC-V at all. Every way of naming a kernel refuses it, and
// every list of versions for riscv starts at 4.15.
import { describe, expect, it } from 'vitest';
import { ARCHES, KERNEL_RANGE, archKernelProblem, archOldest, defaultConfig, kernelCode } from '../../src/sim/config.ts';
import { kernelEras } from '../../src/sim/kernel-versions.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { checkOverrides } from '../../src/scenario/header.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { versionsToRun } from '../../src/scenario/versions.ts';
import { eraChanges, headerFacts, kernelChoices, kernelOptions, kernelProblem, machineRefusal, machineRefusalLabel, overridesFromExtra, withArch, NO_OVERRIDES } from '../../src/ui/compare/settings.ts';
import { expectError, ok } from './helpers.ts';

describe('the first version of each port', () => {
  it('riscv exists from 4.15; arm64, arm and x86 from the oldest version modelled', () => {
    expect(archOldest('riscv')).toBe('4.15');
    for (const a of ARCHES.filter((x) => x !== 'riscv')) expect(archOldest(a)).toBe(KERNEL_RANGE.oldest);
    expect(archKernelProblem('riscv', '4.14')).toBe('arch/riscv exists from 4.15 (the RISC-V port was merged for 4.15, first commit 76d2a0493a17 "RISC-V: Init and Halt Code"); got 4.14');
    expect(archKernelProblem('riscv', '4.15')).toBeNull();
    expect(archKernelProblem('arm64', '4.4')).toBeNull();
  });

  it('the eras of riscv start at 4.15: no version before it, no gate older than the port starts one', () => {
    const eras = kernelEras('riscv');
    expect(eras[0]).toEqual({ version: '4.15', code: 4015, changes: [] });
    expect(eras.every((e) => e.code >= 4015)).toBe(true);
    // x86 still starts at 4.4, with the gates of 4.9 and 4.10 as eras of their own
    expect(kernelEras('x86')[0]!.version).toBe('4.4');
    expect(kernelEras('x86').some((e) => e.version === '4.9')).toBe(true);
    expect(kernelEras('riscv').some((e) => e.version === '4.9')).toBe(false);
  });
});

describe('the scenario refuses a riscv kernel before 4.15', () => {
  it('machine(arch=riscv, kernel=…): an error at the kernel', () => {
    expectError('machine(arch=riscv, kernel="4.9")\n', 1, 28, 'arch/riscv exists from 4.15 (the RISC-V port was merged for 4.15, first commit 76d2a0493a17 "RISC-V: Init and Halt Code"); got 4.9');
    ok('machine(arch=riscv, kernel="4.15")\n');
    ok('machine(arch=x86, kernel="4.9")\n');
  });

  it('compare(…) against the header: at the compare setting that makes the pair', () => {
    expectError('compare(kernel="4.9")\nmachine(arch=riscv)\n', 1, 16, 'compare(…): arch/riscv exists from 4.15');
    expectError('compare(arch=riscv)\nmachine(kernel="4.9")\n', 1, 14, 'compare(…): arch/riscv exists from 4.15');
    ok('compare(arch=x86)\nmachine(arch=riscv, kernel="6.6")\n');
    ok('compare(kernel="4.9")\nmachine(arch=x86)\n');
  });

  it('checkOverrides: both overrides, or one against the header', () => {
    expect(checkOverrides({ arch: 'riscv', kernel: '4.9' })).toContain('arch/riscv exists from 4.15');
    expect(checkOverrides({ kernel: '4.9' }, { arch: 'riscv', kernel: '6.18' })).toContain('got 4.9');
    expect(checkOverrides({ arch: 'riscv' }, { arch: 'x86', kernel: '4.9' })).toContain('got 4.9');
    expect(checkOverrides({ arch: 'riscv' }, { arch: 'x86', kernel: '4.15' })).toBeNull();
    expect(checkOverrides({ kernel: '4.9' }, { arch: 'x86', kernel: '6.18' })).toBeNull();
    expect(checkOverrides({}, { arch: 'riscv', kernel: '4.9' })).toBeNull(); // the header's own pair is the validator's
  });

  it('createMachine refuses it, and a run says why', () => {
    expect(() => createMachine({ ...defaultConfig(), arch: 'riscv', kernel: '4.14' })).toThrow('arch/riscv exists from 4.15');
    const r = runScenario('machine(arch=riscv)\ndevice(nic)\nb = kmalloc(64, GFP_KERNEL)\n', { kernel: '4.9' });
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.message).toContain('could not build this machine: arch/riscv exists from 4.15');
    expect(runScenario('machine(arch=riscv)\ndevice(nic)\nb = kmalloc(64, GFP_KERNEL)\n', { kernel: '4.15' }).ok).toBe(true);
  });

  it("a library scenario's '# versions:' range may not start before the port", () => {
    expect(() => versionsToRun([{ from: '4.4', to: '6.18' }], 'riscv')).toThrow("'# versions:' range 4.4..6.18: arch/riscv exists from 4.15");
    expect(versionsToRun([{ from: '4.15', to: '4.17' }], 'riscv')[0]).toBe('4.15');
    expect(versionsToRun([{ from: '4.4', to: '4.4' }], 'x86')).toEqual(['4.4']);
  });
});

describe('the explorer offers no riscv kernel before 4.15', () => {
  const riscvHeader = headerFacts('machine(arch=riscv, kernel="6.6")\n');
  const oldX86 = headerFacts('machine(arch=x86, kernel="4.9")\n');

  it('the kernel picker', () => {
    expect(kernelChoices('riscv')[0]).toBe('4.15');
    const offered = kernelOptions('4.9', '6.6', 'riscv');
    expect(offered).not.toContain('4.9');
    expect(offered.every((v) => kernelCode(v) >= 4015)).toBe(true);
    expect(kernelOptions('4.9', '6.6', 'x86')).toContain('4.9');
    expect(kernelProblem('4.9', 'riscv')).toContain('arch/riscv exists from 4.15');
    expect(kernelProblem('4.9')).toBeNull();
    expect(eraChanges('4.9', 'riscv')).toBeNull();
    expect(eraChanges('4.15', 'riscv')).toMatchObject({ from: '4.15', changes: [] });
  });

  it('choosing riscv drops a kernel its port predates', () => {
    expect(withArch({ ...NO_OVERRIDES, kernel: '4.9' }, 'riscv', riscvHeader)).toEqual({ arch: 'riscv', kernel: null, iommu: null });
    expect(withArch(NO_OVERRIDES, 'riscv', oldX86)).toEqual({ arch: 'riscv', kernel: '4.15', iommu: null });
    expect(withArch({ ...NO_OVERRIDES, kernel: '5.4' }, 'riscv', oldX86)).toEqual({ arch: 'riscv', kernel: '5.4', iommu: null });
    expect(withArch({ ...NO_OVERRIDES, kernel: '4.9' }, 'x86', riscvHeader)).toEqual({ arch: 'x86', kernel: '4.9', iommu: null });
  });

  it('the pickers know the engine refuses a RISC-V IOMMU before 6.13 (488ffbf18171): such a version is refused, and choosing riscv moves to 6.13', () => {
    const arm64Iommu = headerFacts('machine(arch=arm64, kernel="6.6")\niommu(smmu, mode=lazy)\ndevice(gpu, iommu=smmu)\n');
    expect(machineRefusal('riscv', '6.12', arm64Iommu)).toContain('riscv has no IOMMU driver before Linux 6.13');
    expect(machineRefusal('riscv', '6.13', arm64Iommu)).toBeNull();
    expect(machineRefusal('arm64', '4.4', arm64Iommu)).toBeNull();
    // without an iommu(…) riscv runs on every version of its port
    expect(machineRefusal('riscv', '4.15', riscvHeader)).toBeNull();
    // the scenario's 6.6 cannot have a RISC-V IOMMU: the first version that can is chosen, not the port's 4.15
    expect(withArch(NO_OVERRIDES, 'riscv', arm64Iommu)).toEqual({ arch: 'riscv', kernel: '6.13', iommu: null });
    expect(withArch({ ...NO_OVERRIDES, kernel: '6.15' }, 'riscv', arm64Iommu)).toEqual({ arch: 'riscv', kernel: '6.15', iommu: null });
  });

  it('the pickers know iommu_off=true (x86 iommu=off) is modelled before 5.0 only: 5.0 is refused with its reason, 4.20 offered; another arch is refused', () => {
    const off = headerFacts('machine(arch=x86, kernel="4.14", ram=8G, swiotlb=0, iommu_off=true)\ndevice(nic, dma_mask=32)\n');
    expect(off.iommuOff).toBe(true);
    expect(machineRefusal('x86', '4.20', off)).toBeNull();
    expect(machineRefusal('x86', '5.0', off)).toContain('modelled before 5.0 only');
    expect(machineRefusalLabel('x86', '5.0', off)).toBe('iommu_off: before 5.0 only');
    expect(machineRefusal('arm64', '4.14', off)).toContain("x86's boot option iommu=off");
  });

  it('a link with arch=riscv and kernel=4.9 keeps the arch and drops the kernel', () => {
    const { overrides, problems } = overridesFromExtra({ arch: 'riscv', kernel: '4.9' });
    expect(overrides).toEqual({ arch: 'riscv', kernel: null, iommu: null });
    expect(problems[0]).toContain("kernel '4.9' ignored (arch/riscv exists from 4.15");
  });
});
