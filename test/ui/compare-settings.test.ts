/**
 * Machine-setting overrides (src/ui/compare/settings.ts) and link choices
 * (src/ui/compare/link.ts): header reading, the in-place IOMMU rewrite, the
 * load arguments, and validation of values that arrive in a link.
 */
import { describe, expect, it } from 'vitest';
import { ARCHES, KERNEL_RANGE, DEFAULT_MACHINE } from '../../src/sim/config.ts';
import { checkOverrides } from '../../src/scenario/header.ts';
import { kernelEras } from '../../src/sim/kernel-versions.ts';
import {
  ARCH_CHOICES,
  DEFAULT_ARCH,
  DEFAULT_KERNEL,
  KERNEL_NEWEST,
  KERNEL_OLDEST,
  NO_OVERRIDES,
  contrastFor,
  effective,
  headerFacts,
  eraChanges,
  kernelChoices,
  kernelOptions,
  kernelProblem,
  loadArgs,
  overrideNotes,
  overridesFromExtra,
  overridesToExtra,
  rewriteIommuMode,
  splitComment,
} from '../../src/ui/compare/settings.ts';
import { linkChoices } from '../../src/ui/compare/link.ts';

const IOMMU_TEXT = `# two IOMMUs
machine(arch=arm64, kernel="5.15")   # old kernel
iommu(smmu)
iommu(smmu2, mode=lazy, pgsize=4K)  // comment with mode=strict)
device(gpu, iommu=smmu, mmu=true)

buf = kmalloc(4096, GFP_KERNEL)
iommu_map(dom, 0x1000, buf, 4096, IOMMU_READ)   # not a header line
`;

describe('the UI lists agree with the engine', () => {
  it('arch choices are the engine ARCHES and defaults match', () => {
    expect([...ARCH_CHOICES].sort()).toEqual([...ARCHES].sort());
    expect(DEFAULT_ARCH).toBe(DEFAULT_MACHINE.arch);
    expect(DEFAULT_KERNEL).toBe(DEFAULT_MACHINE.kernel);
    expect(KERNEL_OLDEST).toBe(KERNEL_RANGE.oldest);
    expect(KERNEL_NEWEST).toBe(KERNEL_RANGE.newest);
  });

  it('kernelProblem accepts exactly what checkOverrides accepts', () => {
    for (const v of [...kernelChoices('arm64'), '4.4', '4.3', '6.19', '7.0', '5', '5.4.1', 'x', '', '06.1', '5.10 ', '1e3.1']) {
      expect(kernelProblem(v) === null, v).toBe(checkOverrides({ kernel: v }) === null);
    }
    for (const a of ARCHES) for (const v of kernelChoices(a)) expect(kernelProblem(v)).toBeNull();
  });
});

describe('headerFacts', () => {
  it('reads arch, kernel and IOMMUs from the header only', () => {
    const f = headerFacts(IOMMU_TEXT);
    expect(f.arch).toBe('arm64');
    expect(f.kernel).toBe('5.15');
    expect(f.iommus).toEqual([
      { name: 'smmu', mode: 'strict', line: 3 },
      { name: 'smmu2', mode: 'lazy', line: 4 },
    ]);
  });

  it('uses the engine defaults when the header says nothing', () => {
    expect(headerFacts('device(nic)\nbuf = kmalloc(64, GFP_KERNEL)\n')).toEqual({ arch: 'arm64', kernel: '6.18', iommus: [] });
    expect(headerFacts('machine(arch=x86, ram=8G)')).toMatchObject({ arch: 'x86', kernel: '6.18' });
  });

  it('ignores comments', () => {
    expect(headerFacts('# machine(arch=x86)\nmachine(kernel=5.4) # arch=riscv\n').arch).toBe('arm64');
    expect(splitComment('cpu_write(b, "a#b") # c')).toEqual({ code: 'cpu_write(b, "a#b") ', comment: '# c' });
    expect(splitComment('x = "a\\"#" // y')).toEqual({ code: 'x = "a\\"#" ', comment: '// y' });
  });
});

describe('rewriteIommuMode', () => {
  it('sets the mode on every header iommu line, in place, keeping comments and line numbers', () => {
    const out = rewriteIommuMode(IOMMU_TEXT, 'passthrough');
    const lines = out.split('\n');
    expect(lines.length).toBe(IOMMU_TEXT.split('\n').length);
    expect(lines[2]).toBe('iommu(smmu, mode=passthrough)');
    expect(lines[3]).toBe('iommu(smmu2, mode=passthrough, pgsize=4K)  // comment with mode=strict)');
    expect(lines[7]).toBe(IOMMU_TEXT.split('\n')[7]);
    expect(headerFacts(out).iommus.map((i) => i.mode)).toEqual(['passthrough', 'passthrough']);
  });

  it('leaves a text without IOMMUs alone', () => {
    const t = 'machine(arch=x86)\ndevice(nic)\nbuf = kmalloc(64, GFP_KERNEL)\n';
    expect(rewriteIommuMode(t, 'lazy')).toBe(t);
  });
});

describe('loadArgs, effective, notes', () => {
  it('passes arch and kernel as options and the IOMMU mode as a rewrite', () => {
    expect(loadArgs('machine(arch=x86)', NO_OVERRIDES)).toEqual({ text: 'machine(arch=x86)', opts: {} });
    const a = loadArgs(IOMMU_TEXT, { arch: 'x86', kernel: '5.4', iommu: 'lazy' });
    expect(a.opts).toEqual({ arch: 'x86', kernel: '5.4' });
    expect(headerFacts(a.text).iommus.every((i) => i.mode === 'lazy')).toBe(true);
  });

  it('names only the overrides that differ from the header', () => {
    const f = headerFacts(IOMMU_TEXT);
    expect(overrideNotes({ arch: 'arm64', kernel: '5.15', iommu: null }, f)).toEqual([]);
    expect(overrideNotes({ arch: 'x86', kernel: null, iommu: 'strict' }, f)).toEqual(['arch x86 (scenario: arm64)', 'IOMMU strict (scenario: strict/lazy)']);
    expect(effective(NO_OVERRIDES, f)).toEqual({ arch: 'arm64', kernel: '5.15', iommu: 'mixed' });
    expect(contrastFor('x86').arch).toBe('arm64');
    expect(contrastFor('arm64').arch).toBe('x86');
  });

  it('offers a valid kernel that is not in the usual list', () => {
    expect(kernelOptions('6.1', '6.18')).toContain('6.1');
    expect(kernelOptions('9.9', '6.18')).not.toContain('9.9');
    const k = kernelOptions(null, '4.19');
    expect(k[0]).toBe('4.4');
    expect(k).toContain('4.19');
  });

  it('offers exactly the versions the engine distinguishes for the arch (kernel-versions.ts), newest last', () => {
    expect(kernelChoices('arm64')).toEqual(kernelEras('arm64').map((e) => e.version));
    expect(kernelChoices('arm64')).toContain('5.19'); // c50f11c6196f
    expect(kernelChoices('arm64')).toContain('6.5'); // 1c1a429efd4e
    expect(kernelChoices('x86')).not.toContain('6.5');
    expect(kernelChoices('riscv')).toContain('6.6');
    expect(kernelChoices('x86').at(-1)).toBe('6.18');
    expect(kernelOptions(null, '6.18', 'x86')).toEqual(kernelChoices('x86'));
  });

  it('says which behaviours change at the chosen version: its era and the gates at the era start', () => {
    const e = eraChanges('5.19', 'arm64')!;
    expect(e.from).toBe('5.19');
    expect(e.changes.map((g) => g.id)).toContain('arch.arm64FromDeviceClean');
    expect(e.to).toBe('5.19'); // 6.0 starts the next era (riscv's gate counts only for riscv, but dma-debug's 6.0 gate for all)
    const mid = eraChanges('5.16', 'arm64')!;
    expect(mid).toMatchObject({ from: '5.15', to: '5.16' }); // swiotlb_release_slots arrives in 5.15, the unconditional copy at map in 5.17
    expect(mid.changes.map((g) => g.id)).toContain('swiotlb.releaseSlots');
    // 5.13 is an era of its own: swiotlb_tbl_sync_single split in two (80808d273a3f)
    expect(eraChanges('5.13', 'arm64')).toMatchObject({ from: '5.13', to: '5.13' });
    // 5.9 is an era of its own: arm-smmu.c moved to drivers/iommu/arm/arm-smmu/ (e86d1aa8b60f)
    expect(eraChanges('5.9', 'arm64')).toMatchObject({ from: '5.9', to: '5.9' });
    expect(eraChanges('4.4', 'x86')).toMatchObject({ from: '4.4', changes: [] });
    expect(eraChanges('6.18', 'arm64')!.to).toBeNull();
    expect(eraChanges('nope', 'arm64')).toBeNull();
  });
});

describe('link fields', () => {
  it('round-trips overrides for both sides', () => {
    const o = { arch: 'riscv' as const, kernel: '5.10', iommu: 'lazy' as const };
    expect(overridesFromExtra(overridesToExtra(o)).overrides).toEqual(o);
    expect(overridesFromExtra(overridesToExtra(o, 'b.'), 'b.').overrides).toEqual(o);
    expect(overridesToExtra(NO_OVERRIDES)).toEqual({});
  });

  it('drops unknown values with a message, never passes them on', () => {
    const r = overridesFromExtra({ arch: 'sparc', kernel: '2.6', iommu: '<script>' });
    expect(r.overrides).toEqual(NO_OVERRIDES);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toContain("unknown arch 'sparc' ignored");
    expect(r.problems[1]).toContain("kernel '2.6' ignored");
    const long = overridesFromExtra({ arch: 'x'.repeat(500) + '\u0000' });
    expect(long.problems[0]!.length).toBeLessThan(140);
  });

  it('reads view and compare choices', () => {
    const known = (id: string) => id === 'diagram';
    const c = linkChoices({ arch: 'x86', view: 'diagram', cmp: '1', 'b.arch': 'arm64', 'b.kernel': '5.4' }, known);
    expect(c).toEqual({ overrides: { arch: 'x86', kernel: null, iommu: null }, view: 'diagram', compare: { arch: 'arm64', kernel: '5.4', iommu: null }, problems: [] });
    const bad = linkChoices({ view: 'nope', cmp: 'yes', 'b.arch': 'vax' }, known);
    expect(bad.view).toBeNull();
    expect(bad.compare).toBeNull();
    expect(bad.problems.join(' ')).toContain("unknown view 'nope'");
    const bBad = linkChoices({ cmp: '1', 'b.arch': 'vax' }, known);
    expect(bBad.compare).toEqual(NO_OVERRIDES);
    expect(bBad.problems[0]).toContain('compare side B');
  });
});
