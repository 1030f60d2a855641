// riscv's memory zones and what dma-direct does with them, on every riscv kernel from 4.16 (the
// version-dependent part, ZONE_DMA32 itself, is ARCH_GATES.riscvZoneDma32 in kernel-versions.test.ts).
// Kernel facts checked here:
// - arch/riscv/Kconfig declares ZONE_DMA32 ("default y if 64BIT") and never ZONE_DMA, so include/linux/gfp.h's
//   GFP_ZONE_TABLE maps GFP_DMA to OPT_ZONE_DMA = ZONE_NORMAL: kmalloc(GFP_DMA) / alloc_pages(GFP_DMA) may sit
//   above 4 GiB (x86's ZONE_DMA keeps them below 16 MiB).
// - dma_direct_supported() (kernel/dma/direct.c): a mask under 32 bits must reach the last page of RAM, there
//   being no ZONE_DMA to measure it against.
// - __dma_direct_alloc_pages() / 4.16's dma_direct_alloc(): a page that fails dma_coherent_ok() is retried with
//   GFP_DMA32 only when no zone modifier was set, and with GFP_DMA only under CONFIG_ZONE_DMA: on riscv a coherent
//   limit between 24 and 32 bits (a bus_dma_limit) that ZONE_DMA32's highest page misses gives NULL.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import { archOps, hasZoneDma32, zoneName, zoneTop } from '../../src/sim/arch/arch.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { snapshot } from '../../src/sim/snapshot.ts';
import { defaultConfig, type Arch } from '../../src/sim/config.ts';

/** A machine as the zone functions see it: architecture, kernel code, RAM, no devices. */
const zm = (arch: Arch, kernel: number, ram = 2 ** 33) => ({ arch, kernel, config: { ram, devices: [] } });

function step(r: RunResult, prefix: string): StepJson {
  const s = r.steps.find((x) => x.source.startsWith(prefix));
  if (!s) throw new Error(`no step starting with '${prefix}'`);
  return s;
}

function alloc(r: RunResult, prefix: string): { phys: number; zone: string; why: { rule: string } } {
  return step(r, prefix).events.find((e) => e.kind === 'alloc') as { phys: number; zone: string; why: { rule: string } };
}

function run(text: string, kernel?: string): RunResult {
  const r = runScenario(text, kernel ? { kernel } : {});
  expect(r.errors).toEqual([]);
  return r;
}

describe('riscv zones', () => {
  it('riscv has no ZONE_DMA on any modelled kernel and ZONE_DMA32 from 4.16; x86 keeps its 16 MiB ZONE_DMA', () => {
    const r = archOps('riscv');
    for (const k of [4015, 4016, 5004, 6006, 6018]) expect(r.zoneDmaBits(k, null)).toBeNull();
    expect(hasZoneDma32(r, 4015)).toBe(false);
    expect(hasZoneDma32(r, 4016)).toBe(true);
    expect(zoneTop(zm(r.name, 6018, 2 ** 33), 'GFP_DMA')).toBe(2 ** 33);
    expect(zoneTop(zm(r.name, 6018, 2 ** 33), 'GFP_DMA32')).toBe(2 ** 32);
    expect(zoneName(zm(r.name, 6018), 0x100000)).toBe('DMA32');
    expect(zoneName(zm(archOps('x86').name, 6018), 0x100000)).toBe('DMA');
    expect(zoneTop(zm(archOps('x86').name, 6018, 2 ** 33), 'GFP_DMA')).toBe(2 ** 24);
  });

  it('kmalloc(GFP_DMA) on an 8 GiB riscv machine takes ZONE_NORMAL (OPT_ZONE_DMA) and lands above 4 GiB; on x86 below 16 MiB', () => {
    const text = (arch: string) => `machine(arch=${arch}, ram=8G)
b = kmalloc(64, GFP_DMA)
p = alloc_pages(GFP_DMA32, 0)
`;
    const rv = run(text('riscv'));
    expect(alloc(rv, 'b =').phys).toBeGreaterThanOrEqual(2 ** 32);
    expect(alloc(rv, 'b =').zone).toBe('Normal');
    expect(alloc(rv, 'b =').why.rule).toContain('riscv has no CONFIG_ZONE_DMA');
    expect(alloc(rv, 'p =').phys).toBeLessThan(2 ** 32);
    expect(alloc(rv, 'p =').zone).toBe('DMA32');
    const x = run(text('x86'));
    expect(alloc(x, 'b =').phys).toBeLessThan(2 ** 24);
    expect(alloc(x, 'b =').zone).toBe('DMA');
    expect(alloc(x, 'b =').why.rule).not.toContain('CONFIG_ZONE_DMA');
  });

  it('dma_set_mask under 32 bits on riscv: refused when RAM ends above the mask (no ZONE_DMA to measure against), accepted when all RAM is below it', () => {
    const text = (ram: string) => `machine(arch=riscv, ram=${ram})
device(nic, dma_mask=64)
dma_set_mask(nic, 31)
`;
    const big = step(run(text('8G')), 'dma_set_mask');
    expect(big.error).toBe('EIO');
    const note = big.events.find((e) => e.kind === 'note' && e.text === 'mask not supported') as { why: { rule: string } };
    expect(note.why.rule).toContain('riscv has no CONFIG_ZONE_DMA');
    expect(note.why.rule).not.toContain('ZONE_DMA (');
    expect(step(run(text('2G')), 'dma_set_mask').error).toBeNull();
  });

  it('dma_alloc_coherent with a 30-bit bus limit on riscv: the ZONE_DMA32 page misses the limit and there is no GFP_DMA retry, so NULL; a 32-bit device gets memory below 4 GiB', () => {
    const r = run(`machine(arch=riscv, ram=8G)
device(dev, dma_mask=32, bus_limit=30)
device(nic, dma_mask=32)
cpu, h = dma_alloc_coherent(dev, 4096)
c2, h2 = dma_alloc_coherent(nic, 4096)
`);
    const s = step(r, 'cpu, h');
    expect(s.error).toBe('NULL');
    const note = s.events.find((e) => e.kind === 'note' && e.text === 'out of reach') as { why: { fn: string; rule: string } };
    expect(note.why.fn).toBe('__dma_direct_alloc_pages');
    expect(note.why.rule).toContain('dma_coherent_ok fails');
    expect(note.why.rule).toContain('no ZONE_DMA');
    expect(alloc(r, 'c2, h2').phys).toBeLessThan(2 ** 32);
    expect(alloc(r, 'c2, h2').zone).toBe('DMA32');
  });

  it('dma_alloc_coherent with a 33-bit coherent mask on a 16 GiB riscv machine: the ZONE_NORMAL page above 8 GiB fails dma_coherent_ok and the GFP_DMA32 retry succeeds below 4 GiB', () => {
    const r = run(`machine(arch=riscv, ram=16G)
device(dev, dma_mask=33)
cpu, h = dma_alloc_coherent(dev, 4096)
`);
    const s = step(r, 'cpu, h');
    expect(s.error).toBeNull();
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(2 ** 32);
  });

  it('the memory map shows riscv without ZONE_DMA: ZONE_DMA32 from 0 to 4 GiB (4.16 on), all RAM ZONE_NORMAL on 4.15; x86 keeps ZONE_DMA below 16 MiB', () => {
    const zones = (arch: 'riscv' | 'x86', kernel: string) =>
      snapshot(createMachine({ ...defaultConfig(), arch, kernel, ram: 2 ** 33 }))
        .regions.filter((r) => r.kind === 'zone')
        .map((r) => [r.name, r.start, r.end]);
    expect(zones('riscv', '6.18')).toEqual([
      ['ZONE_DMA32', 0, 2 ** 32],
      ['ZONE_NORMAL', 2 ** 32, 2 ** 33],
    ]);
    expect(zones('riscv', '4.15')).toEqual([['ZONE_NORMAL', 0, 2 ** 33]]);
    expect(zones('x86', '6.18')[0]).toEqual(['ZONE_DMA', 0, 2 ** 24]);
  });
});
