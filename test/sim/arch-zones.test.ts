// Memory zones on arm64, arm and x86 and what coherent allocations do with them (riscv: riscv-zones.test.ts;
// the version boundaries ARCH_GATES.arm64ZoneDma32 / arm64ZoneDma30 / arm64ZoneDmaFirmware, x86DmaDirect and
// DIRECT_GATES.overflowBusMask are in kernel-versions.test.ts). Kernel facts checked here:
// - arm64 zones (arch/arm64/Kconfig, arch/arm64/mm/init.c zone_sizes_init): ZONE_DMA over the low 4 GiB and no
//   ZONE_DMA32 in 4.4–4.15; ZONE_DMA32 alone in 4.16–5.4 (ad67f5a6545f); ZONE_DMA 1 GiB + ZONE_DMA32 in 5.5–5.10
//   (1a8e1cef7603); from 5.11 ZONE_DMA up to 4 GiB (ZONE_DMA32 empty) when no device declares a bus_limit
//   (dma-ranges) under 32 bits, else as far as the smallest one (the firmware-limited case, its own describe below).
// - arm (32-bit, non-LPAE multi_v7): no CONFIG_ZONE_DMA, never CONFIG_ZONE_DMA32: GFP_DMA and GFP_DMA32 are
//   ZONE_NORMAL (include/linux/gfp.h OPT_ZONE_DMA / OPT_ZONE_DMA32).
// - dma-direct's coherent allocation (kernel/dma/direct.c __dma_direct_alloc_pages, 4.16's dma_direct_alloc):
//   a page failing dma_coherent_ok() is freed and retried with GFP_DMA32 if no zone modifier was set, then with
//   GFP_DMA where ZONE_DMA exists and the limit is under 32 bits.
// - x86 before 4.17, dma_generic_alloc_coherent (arch/x86/kernel/pci-dma.c): only the GFP_DMA retry, for a mask
//   under 32 bits, and "addr + size > dma_mask" refuses a buffer ending on the mask's last byte; with swiotlb
//   (RAM above 4 GiB) x86_swiotlb_alloc_coherent falls back to swiotlb_alloc_coherent, whose own page is checked
//   with "dev_addr + size - 1 > dma_mask", and then to the swiotlb pool.
// - arm64 before 4.16, swiotlb_alloc_coherent (lib/swiotlb.c): no retry in another zone, then the swiotlb pool.
// - the pool fallback itself (swiotlb_alloc_coherent, from 4.16 swiotlb_alloc_buffer, until 4.20's fafadcd16595):
//   slots for original address 0, no copy; a slot beyond the coherent mask is given back with "hwdev DMA mask = …";
//   with SWIOTLB_NO_FORCE map_single() refuses before 4.16, swiotlb_alloc_buffer() goes straight to its warning after.
// The explorer's page allocator hands out the highest free block of the zone, which is what puts a page at the
// very top of a zone in these scenarios.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import { archOps, dmaRangesLimit, hasZoneDma32, zoneDmaBits, zoneDmaSource, zoneName, zoneSpans, zoneTop } from '../../src/sim/arch/arch.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { snapshot } from '../../src/sim/snapshot.ts';
import { defaultConfig, defaultDevice, type Arch, type DeviceConfig } from '../../src/sim/config.ts';

const GiB = 2 ** 30;

/** A machine as the zone functions see it: architecture, kernel code, RAM and the devices' bus_limit. */
const zm = (arch: Arch, kernel: number, ram = 8 * GiB, devices: Pick<DeviceConfig, 'name' | 'busLimit'>[] = []) => ({ arch, kernel, config: { ram, devices } });

function step(r: RunResult, prefix: string): StepJson {
  const s = r.steps.find((x) => x.source.startsWith(prefix));
  if (!s) throw new Error(`no step starting with '${prefix}'`);
  return s;
}

function alloc(r: RunResult, prefix: string): { phys: number; zone: string; why: { fn: string; rule: string } } {
  return step(r, prefix).events.find((e) => e.kind === 'alloc') as { phys: number; zone: string; why: { fn: string; rule: string } };
}

function note(r: RunResult, prefix: string, text: string | RegExp): { fn: string; rule: string } | undefined {
  const e = step(r, prefix).events.find((x) => x.kind === 'note' && (typeof text === 'string' ? x.text === text : text.test(x.text))) as { why: { fn: string; rule: string } } | undefined;
  return e?.why;
}

function run(text: string, kernel?: string): RunResult {
  const r = runScenario(text, kernel ? { kernel } : {});
  expect(r.errors).toEqual([]);
  return r;
}

/** A coherent allocation of one page for a device with this mask (and bus limit), without CMA. */
function coherent(arch: Arch, ram: string, mask: number, kernel: string, busLimit = 0): RunResult {
  return run(
    `machine(arch=${arch}, ram=${ram}, cma=0)
device(dev, dma_mask=${mask}${busLimit ? `, bus_limit=${busLimit}` : ''})
cpu, h = dma_alloc_coherent(dev, 4096)
`,
    kernel,
  );
}

describe('zones per architecture and version', () => {
  it('arm64: ZONE_DMA 4 GiB without ZONE_DMA32 (4.15), ZONE_DMA32 without ZONE_DMA (4.16, 5.4), both from 5.5 (1 GiB, then 4 GiB); arm: neither', () => {
    const a = archOps('arm64');
    expect(a.zoneDmaBits(4015, null)).toBe(32);
    expect(hasZoneDma32(a, 4015)).toBe(false);
    for (const k of [4016, 5004]) {
      expect(a.zoneDmaBits(k, null)).toBeNull();
      expect(hasZoneDma32(a, k)).toBe(true);
      expect(zoneTop(zm(a.name, k, 8 * GiB), 'GFP_DMA')).toBe(8 * GiB);
    }
    expect(a.zoneDmaBits(5005, null)).toBe(30);
    expect(a.zoneDmaBits(5011, null)).toBe(32);
    expect(zoneName(zm(a.name, 5010), 512 * 2 ** 20)).toBe('DMA');
    expect(zoneName(zm(a.name, 5010), 2 * GiB)).toBe('DMA32');
    expect(zoneName(zm(a.name, 5011), 2 * GiB)).toBe('DMA');
    expect(zoneName(zm(a.name, 4015), 2 * GiB)).toBe('DMA');
    expect(zoneName(zm(a.name, 4016), 2 * 2 ** 20)).toBe('DMA32');
    const arm = archOps('arm');
    for (const k of [4004, 5010, 6018]) {
      expect(arm.zoneDmaBits(k, null)).toBeNull();
      expect(hasZoneDma32(arm, k)).toBe(false);
      expect(zoneName(zm(arm.name, k), 0x100000)).toBe('Normal');
    }
  });

  it('the memory map shows each era\'s zones: arm64 4.15 ZONE_DMA to 4 GiB, 4.16 ZONE_DMA32 from 0, 5.10 ZONE_DMA 1 GiB + ZONE_DMA32, 6.18 ZONE_DMA to 4 GiB; arm all ZONE_NORMAL', () => {
    const zones = (arch: Arch, kernel: string, ram = 8 * GiB) =>
      snapshot(createMachine({ ...defaultConfig(), arch, kernel, ram }))
        .regions.filter((r) => r.kind === 'zone')
        .map((r) => [r.name, r.start, r.end]);
    expect(zones('arm64', '4.15')).toEqual([['ZONE_DMA', 0, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    expect(zones('arm64', '4.16')).toEqual([['ZONE_DMA32', 0, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    expect(zones('arm64', '5.10')).toEqual([['ZONE_DMA', 0, GiB], ['ZONE_DMA32', GiB, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    expect(zones('arm64', '6.18')).toEqual([['ZONE_DMA', 0, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    expect(zones('arm', '6.18', GiB)).toEqual([['ZONE_NORMAL', 0, GiB]]);
    expect(zones('x86', '4.4')).toEqual([['ZONE_DMA', 0, 2 ** 24], ['ZONE_DMA32', 2 ** 24, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
  });

  it('arm (32-bit): kmalloc(GFP_DMA) and alloc_pages(GFP_DMA32) take ZONE_NORMAL, the highest free memory, and say why', () => {
    const r = run(`machine(arch=arm, ram=1G)
b = kmalloc(64, GFP_DMA)
p = alloc_pages(GFP_DMA32, 0)
`);
    for (const s of ['b =', 'p =']) {
      expect(alloc(r, s).zone).toBe('Normal');
      expect(alloc(r, s).phys).toBeGreaterThan(0.9 * GiB);
    }
    expect(alloc(r, 'b =').why.rule).toContain('arm has no CONFIG_ZONE_DMA');
    expect(alloc(r, 'b =').why.rule).not.toContain('above 4 GiB');
    expect(alloc(r, 'p =').why.rule).toContain('32-bit arm never has one');
  });
});

describe('coherent allocations: reach check and retries', () => {
  it('x86 6.18, 28-bit coherent mask: the GFP_DMA32 page fails dma_coherent_ok and the GFP_DMA retry lands below 16 MiB', () => {
    const r = coherent('x86', '8G', 28, '6.18');
    expect(step(r, 'cpu, h').error).toBeNull();
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(2 ** 24);
    expect(alloc(r, 'cpu, h').zone).toBe('DMA');
    expect(note(r, 'cpu, h', 'retried: the GFP_DMA retry')?.fn).toBe('__dma_direct_alloc_pages');
  });

  it('x86 6.18, 33-bit coherent mask on 16 GiB: the page above 8 GiB fails dma_coherent_ok and the GFP_DMA32 retry lands below 4 GiB', () => {
    const r = coherent('x86', '16G', 33, '6.18');
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(4 * GiB);
    expect(alloc(r, 'cpu, h').zone).toBe('DMA32');
    expect(note(r, 'cpu, h', 'retried: the GFP_DMA32 retry')).toBeDefined();
  });

  it('x86 4.16, 28-bit coherent mask: dma_generic_alloc_coherent retries with GFP_DMA below 16 MiB', () => {
    const r = coherent('x86', '8G', 28, '4.16');
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(2 ** 24);
    expect(note(r, 'cpu, h', 'retried: the GFP_DMA retry')?.fn).toBe('dma_generic_alloc_coherent');
  });

  it(`x86 4.16, 33-bit coherent mask on 16 GiB: no GFP_DMA32 retry in dma_generic_alloc_coherent, swiotlb_alloc_coherent's page misses too, so swiotlb_alloc_buffer takes the buffer from the pool below 4 GiB; dma_free_coherent gives the slots back`, () => {
    const r = run(`machine(arch=x86, ram=16G, cma=0)
device(dev, dma_mask=33)
cpu, h = dma_alloc_coherent(dev, 4096)
dma_free_coherent(dev, 4096, cpu, h)
`, '4.16');
    expect(step(r, 'cpu, h').error).toBeNull();
    const why = note(r, 'cpu, h', 'out of reach')!;
    expect(why.fn).toBe('dma_generic_alloc_coherent');
    expect(why.rule).not.toContain('GFP_DMA32 retry');
    expect(why.rule).toContain('falls back to its bounce pool');
    const a = alloc(r, 'cpu, h');
    expect(a.why.fn).toBe('swiotlb_alloc_buffer');
    expect(a.phys).toBeLessThan(4 * GiB);
    expect(step(r, 'cpu, h').events.find((e) => e.kind === 'swiotlb_alloc')).toMatchObject({ tlbAddr: a.phys, orig: 0, nslots: 2 });
    expect(step(r, 'cpu, h').warnings).toEqual([]);
    // the slots come back on free, and nothing is copied either way
    expect(step(r, 'dma_free_coherent').events.map((e) => e.kind)).toEqual(['swiotlb_free', 'free']);
    expect(step(r, 'cpu, h').events.some((e) => e.kind === 'bounce')).toBe(false);
  });

  it('x86 4.16, 32-bit coherent mask on 4 GiB without swiotlb or CMA: the top ZONE_DMA32 page ends on the mask\'s last byte, which "addr + size > dma_mask" refuses, and a 32-bit mask gets no GFP_DMA retry: NULL; 4.17\'s dma_coherent_ok accepts the page', () => {
    const text = `machine(arch=x86, ram=4G, cma=0, swiotlb=0)
device(dev, dma_mask=32)
cpu, h = dma_alloc_coherent(dev, 4096)
small, h2 = dma_alloc_coherent(dev, 64)
`;
    const before = run(text, '4.16');
    expect(step(before, 'cpu, h').error).toBe('NULL');
    expect(note(before, 'cpu, h', 'out of reach')!.rule).toContain('"addr + size > dma_mask"');
    expect(note(before, 'cpu, h', 'out of reach')!.rule).not.toContain('swiotlb pool');
    // a 64-byte buffer on the same page ends below the mask's last byte: accepted
    expect(alloc(before, 'small, h2').phys).toBe(4 * GiB - 4096);
    const after = run(text, '4.17');
    expect(alloc(after, 'cpu, h').phys).toBe(4 * GiB - 4096);
  });

  it('arm64 4.15, 33-bit coherent mask on 16 GiB: swiotlb_alloc_coherent does not retry in another zone and takes the buffer from the pool', () => {
    const r = coherent('arm64', '16G', 33, '4.15');
    expect(step(r, 'cpu, h').error).toBeNull();
    const why = note(r, 'cpu, h', 'out of reach')!;
    expect(why.fn).toBe('swiotlb_alloc_coherent');
    expect(why.rule).not.toContain('retry');
    expect(alloc(r, 'cpu, h').why.fn).toBe('swiotlb_alloc_coherent');
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(4 * GiB);
  });

  it('arm64 4.19, 33-bit coherent mask on 16 GiB: swiotlb_alloc → dma_direct_alloc retries with GFP_DMA32 below 4 GiB', () => {
    const r = coherent('arm64', '16G', 33, '4.19');
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(4 * GiB);
    expect(alloc(r, 'cpu, h').zone).toBe('DMA32');
  });

  it('arm64 5.10, 31-bit coherent mask: the GFP_DMA32 page fails dma_coherent_ok and the GFP_DMA retry lands in the 1 GiB ZONE_DMA', () => {
    const r = coherent('arm64', '8G', 31, '5.10');
    expect(alloc(r, 'cpu, h').phys).toBeLessThan(GiB);
    expect(alloc(r, 'cpu, h').zone).toBe('DMA');
    expect(note(r, 'cpu, h', 'retried: the GFP_DMA retry')).toBeDefined();
  });

  it('arm64 4.16, 31-bit coherent mask: no ZONE_DMA to retry in, so the ZONE_DMA32 page above 2 GiB gives NULL', () => {
    const r = coherent('arm64', '8G', 31, '4.16');
    expect(step(r, 'cpu, h').error).toBe('NULL');
    expect(note(r, 'cpu, h', 'out of reach')!.rule).toContain('arm64 4.16 has no ZONE_DMA');
  });
});

describe('coherent allocations on 32-bit arm', () => {
  it('arm 6.0 (dma-direct), 29-bit coherent mask on 1 GiB: the ZONE_NORMAL page fails dma_coherent_ok and there is no zone to retry in: NULL; arm 5.19 (arm_dma_ops) NULL too, naming __dma_alloc', () => {
    const after = coherent('arm', '1G', 29, '6.0');
    expect(step(after, 'cpu, h').error).toBe('NULL');
    expect(note(after, 'cpu, h', 'out of reach')!.fn).toBe('__dma_direct_alloc_pages');
    expect(note(after, 'cpu, h', 'out of reach')!.rule).toContain('arm has no ZONE_DMA');
    const before = coherent('arm', '1G', 29, '5.19');
    expect(step(before, 'cpu, h').error).toBe('NULL');
    expect(note(before, 'cpu, h', 'out of reach')).toMatchObject({ fn: '__dma_alloc', file: 'arch/arm/mm/dma-mapping.c' });
    expect(note(before, 'cpu, h', 'out of reach')!.rule).toContain('get_coherent_dma_mask');
  });
});

describe('the swiotlb pool fallback before 4.20', () => {
  it('riscv, a 31-bit coherent device on 8 GiB: the swiotlb pool is tried on 4.19 (swiotlb_dma_ops) and lies out of reach too, not on 4.17 (no swiotlb yet) nor on 4.20 (coherent allocations no longer dip into the pool): NULL on all three', () => {
    const text = `machine(arch=riscv, ram=8G, cma=0)
device(dev, dma_mask=31)
cpu, h = dma_alloc_coherent(dev, 4096)
`;
    const rule = (kernel: string) => note(run(text, kernel), 'cpu, h', 'out of reach')!.rule;
    expect(rule('4.19')).toContain('falls back to its bounce pool');
    expect(rule('4.17')).not.toContain('pool');
    expect(rule('4.20')).not.toContain('pool');
    // riscv RAM starts at 2 GiB, so the pool is beyond a 31-bit mask: the slot goes back, with swiotlb_alloc_buffer's lines
    const r = run(text, '4.19');
    expect(step(r, 'cpu, h').error).toBe('NULL');
    expect(step(r, 'cpu, h').warnings).toEqual([expect.stringMatching(/^dev dev: hwdev DMA mask = 0x000000007fffffff, dev_addr = 0x[0-9a-f]{16}$/), 'dev dev: swiotlb: coherent allocation failed, size=4096']);
    for (const k of ['4.17', '4.20']) expect(step(run(text, k), 'cpu, h').error).toBe('NULL');
  });
  it('arm64 with all RAM inside the DMA zone and swiotlb=0 (SWIOTLB_NO_FORCE, no pool), a 30-bit coherent device: 4.14 map_single() refuses with "Cannot do DMA to address 0x0000000000000000" and swiotlb_alloc_coherent warns; 4.16 swiotlb_alloc_buffer goes straight to its one warning; NULL on both', () => {
    const text = `machine(arch=arm64, ram=2G, cma=0, swiotlb=0)
device(dev, dma_mask=30)
cpu, h = dma_alloc_coherent(dev, 4096)
`;
    const old = step(run(text, '4.14'), 'cpu, h');
    expect(old.error).toBe('NULL');
    expect(old.warnings).toEqual(['dev dev: Cannot do DMA to address 0x0000000000000000', 'swiotlb: coherent allocation failed for device dev size=4096']);
    const after = step(run(text, '4.16'), 'cpu, h');
    expect(after.error).toBe('NULL');
    expect(after.warnings).toEqual(['dev dev: swiotlb: coherent allocation failed, size=4096']);
    for (const s of [old, after]) expect(s.events.some((e) => e.kind === 'swiotlb_alloc')).toBe(false);
  });
});

describe('dma_set_mask on arm64 before 4.20: __swiotlb_dma_supported', () => {
  // arm64's own swiotlb ops (arm64_swiotlb_dma_ops' __swiotlb_dma_supported, before 4.20) accept a mask iff
  // "phys_to_dma(hwdev, io_tlb_end - 1) <= mask"; 4.20's generic swiotlb_dma_ops have .dma_supported =
  // dma_direct_supported (66bdb147), which measures against ZONE_DMA / RAM, as 5.0's dma-direct does. Without a pool
  // __swiotlb_dma_supported returns 1.
  const text = (ram: string, swiotlb: string) => `machine(arch=arm64, ram=${ram}, swiotlb=${swiotlb})
device(dev, dma_mask=64)
dma_set_mask(dev, 31)
`;
  it('8 GiB: the pool ends below 4 GiB, above 2 GiB: a 31-bit mask is refused on 4.19 by __swiotlb_dma_supported, on 4.20 and 5.0 by dma_direct_supported', () => {
    const fnOf = (kernel: string) => {
      const s = step(run(text('8G', '4M'), kernel), 'dma_set_mask');
      expect(s.error).toBe('EIO');
      return (s.events.find((e) => e.kind === 'note' && e.text === 'mask not supported') as { why: { fn: string; rule: string } }).why;
    };
    expect(fnOf('4.19').fn).toBe('__swiotlb_dma_supported');
    expect(fnOf('4.19').rule).toContain('io_tlb_end - 1');
    expect(fnOf('4.20').fn).toBe('dma_direct_supported');
    expect(fnOf('5.0').fn).toBe('dma_direct_supported');
  });

  it('4.19 with all RAM inside arm64_dma_phys_limit and no pool (arm64_dma_init leaves swiotlb = 0): __swiotlb_dma_supported accepts every mask', () => {
    expect(step(run(text('2G', '0'), '4.19'), 'dma_set_mask').error).toBeNull();
  });

  it('4.19 on 8 GiB with swiotlb=noforce: arm64_dma_init still sets swiotlb = 1 (RAM beyond arm64_dma_phys_limit), so the one-slab pool below 4 GiB decides: a 31-bit mask is refused, a 32-bit one accepted', () => {
    const s = step(run(text('8G', '0'), '4.19'), 'dma_set_mask');
    expect(s.error).toBe('EIO');
    expect((s.events.find((e) => e.kind === 'note' && e.text === 'mask not supported') as { why: { fn: string; rule: string } }).why).toMatchObject({ fn: '__swiotlb_dma_supported', rule: expect.stringContaining('one-slab pool') });
    const ok = run(text('8G', '0').replace('dma_set_mask(dev, 31)', 'dma_set_mask(dev, 32)'), '4.19');
    expect(step(ok, 'dma_set_mask').error).toBeNull();
  });
});

describe('coherent buffers above the largest buddy block', () => {
  // mm/page_alloc.c __alloc_pages: "WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)" and NULL (before 6.4 "order >=
  // MAX_ORDER", MAX_ORDER 11: the same 4 MiB); dma-direct asks CMA first, so only a CMA area gives 8 MiB
  // a 64-bit device: from 5.12 x86's CMA area sits at 4 GiB (CMA_GATES.aboveFourGiB), out of a 32-bit device's reach
  const text = (cma: string) => `machine(arch=x86, ram=8G, cma=${cma})
device(dev, dma_mask=64)
big, h = dma_alloc_coherent(dev, 8388608)
quiet, h2 = dma_alloc_coherent(dev, 8388608, GFP_KERNEL | __GFP_NOWARN)
`;
  it('8 MiB without CMA: NULL with the page allocator warning (none with __GFP_NOWARN); with a 16 MiB CMA area it comes from CMA', () => {
    const r = run(text('0'), '6.18');
    expect(step(r, 'big').error).toBe('NULL');
    expect(step(r, 'big').observationRules).toContain('mm/order-too-large');
    expect(note(r, 'big', 'order too large')).toMatchObject({ fn: '__alloc_pages' });
    expect(step(r, 'quiet').error).toBe('NULL');
    expect(step(r, 'quiet').observationRules).not.toContain('mm/order-too-large');
    const c = run(text('16M'), '6.18');
    expect(step(c, 'big').error).toBeNull();
    expect(step(c, 'big').observationRules).not.toContain('mm/order-too-large');
  });

  it('names the allocator of the era when no block is free: x86 4.12 dma_generic_alloc_coherent, 6.18 __dma_direct_alloc_pages', () => {
    const fill = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].flatMap((order) => Array.from({ length: 8 }, (_, i) => `p${order}_${i} = alloc_pages(GFP_KERNEL, ${order})`)).join('\n');
    const t = `machine(arch=x86, ram=64M, swiotlb=0, cma=0)
device(dev, dma_mask=32)
${fill}
cpu, h = dma_alloc_coherent(dev, 4096)
`;
    expect(note(run(t, '4.12'), 'cpu, h', 'no memory')).toMatchObject({ fn: 'dma_generic_alloc_coherent', file: 'arch/x86/kernel/pci-dma.c' });
    expect(note(run(t, '6.18'), 'cpu, h', 'no memory')).toMatchObject({ fn: '__dma_direct_alloc_pages' });
  });
});

// arm64 from 5.11 (ARCH_GATES.arm64ZoneDmaFirmware, 8424ecdde7df): zone_sizes_init() sets "zone_dma_bits =
// min3(32U, dt_zone_dma_bits, acpi_zone_dma_bits)" with "dt_zone_dma_bits = fls64(of_dma_get_max_cpu_address(NULL))"
// (arch/arm64/mm/init.c); of_dma_get_max_cpu_address() (drivers/of/address.c) is the minimum over the Device Tree
// of each dma-ranges' last CPU address (cpu_addr + size - 1), PHYS_ADDR_MAX where no node has dma-ranges. A device's
// bus_limit=N stands for such a dma-ranges reaching 2^N from 0: fls64(2^N - 1) = N, so ZONE_DMA spans min(32, the
// smallest bus_limit) bits (a Raspberry Pi 4's 1 GiB dma-ranges: 30). arm64_dma_phys_limit = max_zone_phys(
// zone_dma_bits) is ZONE_DMA's top, and bootmem_init() reserves CMA below it ("dma_contiguous_reserve(
// arm64_dma_phys_limit)"), swiotlb_init()'s memblock_alloc_low() stays below ARCH_LOW_ADDRESS_LIMIT =
// arm64_dma_phys_limit - 1. 6.12's zone_dma_limit (ba0fb44aed47) keeps the address instead of the bit count: the
// same ZONE_DMA for a limit of 32 bits or less, so 6.18 is checked alongside 5.11.
describe(`arm64 from 5.11: ZONE_DMA sized by the firmware's dma-ranges (bus_limit)`, () => {
  const RPI4 = `machine(arch=arm64, ram=8G)
device(pcie, dma_mask=64, bus_limit=30)
device(wide, dma_mask=64, bus_limit=36)
device(lo, dma_mask=64)
device(plain, dma_mask=32)
p = alloc_pages(GFP_DMA, 0)
dma_set_mask(lo, 29)
dma_set_mask(lo, 30)
cpu, h = dma_alloc_coherent(pcie, 4096)
c2, h2 = dma_alloc_coherent(plain, 4096)
`;
  const source = "of_dma_get_max_cpu_address(): the lowest dma-ranges limit, pcie's bus_limit=30";

  it('zoneDmaBits: min(32, the smallest bus_limit) from 5.11; devices without bus_limit do not count; 5.10 keeps 30 bits whatever the firmware says', () => {
    const a = archOps('arm64');
    expect(dmaRangesLimit([{ name: 'x', busLimit: 0 }, { name: 'wide', busLimit: 36 }, { name: 'pcie', busLimit: 30 }, { name: 'b', busLimit: 30 }])).toEqual({ bits: 30, device: 'pcie' });
    expect(dmaRangesLimit([{ name: 'x', busLimit: 0 }])).toBeNull();
    expect(a.zoneDmaBits(5011, { bits: 30, device: 'pcie' })).toBe(30);
    expect(a.zoneDmaBits(5011, { bits: 36, device: 'wide' })).toBe(32);
    expect(a.zoneDmaBits(5011, null)).toBe(32);
    expect(a.zoneDmaBits(5010, { bits: 31, device: 'pcie' })).toBe(30);
    const rpi = zm('arm64', 6018, 8 * GiB, [{ name: 'pcie', busLimit: 30 }]);
    expect(zoneDmaBits(rpi)).toBe(30);
    expect(zoneName(rpi, GiB - 4096)).toBe('DMA');
    expect(zoneName(rpi, GiB)).toBe('DMA32');
    expect(zoneTop(rpi, 'GFP_DMA')).toBe(GiB);
    expect(zoneSpans(rpi).map((z) => [z.zone, z.start, z.end])).toEqual([['DMA', 0, GiB], ['DMA32', GiB, 4 * GiB], ['Normal', 4 * GiB, 8 * GiB]]);
    expect(zoneDmaSource(rpi)).toContain(source);
    expect(zoneDmaSource(zm('arm64', 6018, 8 * GiB, [{ name: 'wide', busLimit: 36 }]))).toBeNull();
    // x86 and riscv ignore dma-ranges: their ZONE_DMA is fixed (16 MiB) or absent
    expect(zoneDmaBits(zm('x86', 6018, 8 * GiB, [{ name: 'pcie', busLimit: 30 }]))).toBe(24);
    expect(zoneDmaBits(zm('riscv', 6018, 8 * GiB, [{ name: 'pcie', busLimit: 30 }]))).toBeNull();
  });

  for (const kernel of ['5.11', '6.18']) {
    it(`${kernel}, 8 GiB with a 30-bit bus_limit: GFP_DMA below 1 GiB, a 30-bit mask accepted and 29 refused, the 30-bit-bus coherent page from ZONE_DMA below 1 GiB, a 32-bit device's in ZONE_DMA32; the explanations name the dma-ranges limit`, () => {
      const r = run(RPI4, kernel);
      const p = alloc(r, 'p = alloc_pages');
      expect(p.phys).toBeLessThan(GiB);
      expect(p.phys).toBeGreaterThan(GiB - 64 * 2 ** 20);
      expect(p.zone).toBe('DMA');
      expect(p.why.rule).toContain(source);
      expect(step(r, 'dma_set_mask(lo, 29)').error).toBe('EIO');
      expect((step(r, 'dma_set_mask(lo, 29)').events.find((e) => e.kind === 'note') as { why: { fn: string; rule: string } }).why).toMatchObject({ fn: 'dma_direct_supported', rule: expect.stringContaining(source) });
      expect(step(r, 'dma_set_mask(lo, 30)').error).toBeNull();
      const c = alloc(r, 'cpu, h = dma_alloc_coherent(pcie');
      expect(step(r, 'cpu, h = dma_alloc_coherent(pcie').error).toBeNull();
      expect(c.phys).toBeLessThan(GiB);
      expect(c.zone).toBe('DMA');
      const c2 = alloc(r, 'c2, h2 = dma_alloc_coherent(plain');
      expect(c2.phys).toBeGreaterThanOrEqual(GiB);
      expect(c2.phys).toBeLessThan(4 * GiB);
      expect(c2.zone).toBe('DMA32');
    });
  }

  it('the memory map: ZONE_DMA 1 GiB + ZONE_DMA32 on 5.11 with a 30-bit bus_limit (ZONE_DMA 4 GiB without one); CMA and the swiotlb pool right below 1 GiB instead of 4 GiB', () => {
    const regions = (devices: DeviceConfig[], kernel = '5.11') => snapshot(createMachine({ ...defaultConfig(), arch: 'arm64', kernel, ram: 8 * GiB, devices })).regions;
    const dev = (busLimit: number): DeviceConfig => ({ ...defaultDevice('pcie'), busLimit });
    const zones = (rs: ReturnType<typeof regions>) => rs.filter((r) => r.kind === 'zone').map((r) => [r.name, r.start, r.end]);
    const limited = regions([dev(30)]);
    expect(zones(limited)).toEqual([['ZONE_DMA', 0, GiB], ['ZONE_DMA32', GiB, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    expect(zones(regions([dev(0)]))).toEqual([['ZONE_DMA', 0, 4 * GiB], ['ZONE_NORMAL', 4 * GiB, 8 * GiB]]);
    const cma = limited.find((r) => r.kind === 'cma')!;
    const pool = limited.find((r) => r.kind === 'swiotlb')!;
    expect(cma.end).toBe(GiB);
    expect(pool.end).toBe(cma.start);
    expect(regions([dev(0)]).find((r) => r.kind === 'cma')!.end).toBe(4 * GiB);
    // 5.10: ZONE_DMA is 1 GiB anyway, but CMA is still reserved below arm64_dma32_phys_limit (4 GiB)
    expect(regions([dev(30)], '5.10').find((r) => r.kind === 'cma')!.end).toBe(4 * GiB);
  });
});
