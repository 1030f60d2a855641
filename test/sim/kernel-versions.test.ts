// Every version gate of src/sim/kernel-versions.ts, tested at its boundary:
// the same scenario on the last version before the gate and on the first
// version with it, asserting what the kernel does differently on each side
// (the gate's commit and both behaviours are in the table and in the test
// name). The last test checks that no gate is left without its boundary test.
import { describe, expect, it } from 'vitest';
import { ALL_GATES, ARCH_GATES, ARM_SMMU_GATES, CMA_GATES, DEBUG_GATES, DIRECT_GATES, DMA_API_GATES, DMA_BUF_GATES, DMA_IOMMU_GATES, INTEL_IOMMU_GATES, IOMMU_GATES, IO_PGTABLE_GATES, MM_GATES, RISCV_IOMMU_GATES, SWIOTLB_GATES, iommuRefusal, kernelEras, kernelName, type Gate } from '../../src/sim/kernel-versions.ts';
import { prepareScenario, runScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { machineLayout } from '../../src/sim/layout.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import { catalogueEntry, fileFor } from '../../src/sim/kernel-log/catalogue.ts';
import { emptyOutcome } from '../../src/sim/outcome.ts';
import { dmaMapSg } from '../../src/sim/dma/mapping.ts';
import { defaultConfig, defaultDevice, kernelCode } from '../../src/sim/config.ts';

const registered = new Set<string>();

/** The last release before `v`: 5.0 → 4.20, 6.0 → 5.19, 4.9 → 4.8. */
function prev(v: string): string {
  const [maj, min] = v.split('.').map(Number) as [number, number];
  if (min > 0) return `${maj}.${min - 1}`;
  const last: Record<number, number> = { 3: 19, 4: 20, 5: 19 };
  return `${maj - 1}.${last[maj - 1]}`;
}

interface Sides {
  before: RunResult;
  after: RunResult;
}

/** Run `text` on both sides of `g` (the kernel as an override, so the header's own kernel does not matter). */
function sides(g: Gate, text: string): Sides {
  const before = runScenario(text, { kernel: prev(g.from) });
  const after = runScenario(text, { kernel: g.from });
  for (const r of [before, after]) {
    expect(r.errors).toEqual([]);
    expect(r.steps.filter((s) => s.error === 'EXCEPTION')).toEqual([]);
  }
  return { before, after };
}

/** The `nth` (0-based) step whose source starts with `prefix` (the statement as written, target included, comment excluded). */
function at(r: RunResult, prefix: string, nth = 0): StepJson {
  const s = r.steps.filter((x) => x.source.startsWith(prefix))[nth];
  if (!s) throw new Error(`no step ${nth} starting with '${prefix}'`);
  return s;
}

function text(r: RunResult, prefix: string): string | null {
  return at(r, prefix).data?.text ?? null;
}

function boundary(g: Gate, what: string, fn: (s: Sides) => void, scenario: string): void {
  registered.add(g.id);
  it(`${g.id}: ${prev(g.from)} → ${g.from} (${g.commit ?? g.subject}): ${what}`, () => fn(sides(g, scenario)));
}

// ---------------------------------------------------------------------------

describe('arch gates', () => {
  boundary(
    ARCH_GATES.arm64FromDeviceClean,
    'a dirty header line is discarded by the FROM_DEVICE map before, written back after',
    ({ before, after }) => {
      expect(at(before, 'cpu_read(buf, 6)').data?.hex).toBe('000000000000');
      expect(text(after, 'cpu_read(buf, 6)')).toBe('header');
    },
    `machine(arch=arm64)
device(cam, dma_mask=64)
buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "header")
h = dma_map_single(cam, buf, 4096, DMA_FROM_DEVICE)
dev_write(cam, h + 64, "payload")
dma_unmap_single(cam, h, 4096, DMA_FROM_DEVICE)
cpu_read(buf, 6)
`,
  );

  boundary(
    ARCH_GATES.arm64PrepCoherentClean,
    'arch_dma_prep_coherent cleans and invalidates before, only cleans after',
    ({ before, after }) => {
      const op = (r: RunResult) => at(r, 'ring, ring_dma').events.find((e) => e.kind === 'cache_maint');
      expect(op(before)).toMatchObject({ kind: 'cache_maint', op: 'clean_inval' });
      expect(op(after)).toMatchObject({ kind: 'cache_maint', op: 'clean' });
    },
    `machine(arch=arm64)
device(gpu, dma_mask=64)
ring, ring_dma = dma_alloc_coherent(gpu, 4096, GFP_KERNEL)
`,
  );

  boundary(
    ARCH_GATES.arm64KmallocBounce,
    'a 64-byte non-coherent FROM_DEVICE kmalloc buffer is mapped in place before, bounced after',
    ({ before, after }) => {
      const path = (r: RunResult) => at(r, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map');
      expect(path(before)).toMatchObject({ path: 'direct' });
      expect(path(after)).toMatchObject({ path: 'swiotlb' });
    },
    `machine(arch=arm64)
device(spi, dma_mask=64)
rx = kmalloc(64, GFP_KERNEL)
h = dma_map_single(spi, rx, 64, DMA_FROM_DEVICE)
`,
  );

  // arm64 4.15: arch/arm64/Kconfig "config ZONE_DMA" covers the low 4 GiB (max_zone_dma_phys) and there is no
  // ZONE_DMA32, so alloc_pages(GFP_DMA) stays below 4 GiB and GFP_DMA32 is OPT_ZONE_DMA32 = ZONE_NORMAL; from
  // ad67f5a6545f "arm64: replace ZONE_DMA with ZONE_DMA32" the same span is ZONE_DMA32 and GFP_DMA is ZONE_NORMAL.
  // A coherent allocation for a 32-bit mask stays below 4 GiB on both sides (__dma_alloc_coherent ORs in GFP_DMA
  // before, GFP_DMA32 after).
  boundary(
    ARCH_GATES.arm64ZoneDma32,
    'alloc_pages(GFP_DMA) below 4 GiB in ZONE_DMA and GFP_DMA32 above 4 GiB in ZONE_NORMAL before; GFP_DMA above 4 GiB (ZONE_NORMAL) and GFP_DMA32 below 4 GiB in ZONE_DMA32 after; a 32-bit coherent buffer below 4 GiB on both sides',
    ({ before, after }) => {
      const alloc = (r: RunResult, p: string) => at(r, p).events.find((e) => e.kind === 'alloc') as { phys: number; zone: string; why: { rule: string } };
      expect(alloc(before, 'pd').phys).toBeLessThan(2 ** 32);
      expect(alloc(before, 'pd').zone).toBe('DMA');
      expect(alloc(before, 'p32').phys).toBeGreaterThanOrEqual(2 ** 32);
      expect(alloc(before, 'p32').zone).toBe('Normal');
      expect(alloc(before, 'p32').why.rule).toContain('GFP_DMA32 is OPT_ZONE_DMA32 = ZONE_NORMAL');
      expect(alloc(after, 'pd').phys).toBeGreaterThanOrEqual(2 ** 32);
      expect(alloc(after, 'pd').zone).toBe('Normal');
      expect(alloc(after, 'pd').why.rule).toContain('GFP_DMA is OPT_ZONE_DMA = ZONE_NORMAL');
      expect(alloc(after, 'p32').phys).toBeLessThan(2 ** 32);
      expect(alloc(after, 'p32').zone).toBe('DMA32');
      expect(alloc(before, 'cpu').phys).toBeLessThan(2 ** 32);
      expect(alloc(before, 'cpu').zone).toBe('DMA');
      expect(alloc(after, 'cpu').phys).toBeLessThan(2 ** 32);
      expect(alloc(after, 'cpu').zone).toBe('DMA32');
    },
    `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32)
pd = alloc_pages(GFP_DMA, 0)
p32 = alloc_pages(GFP_DMA32, 0)
cpu, c = dma_alloc_coherent(nic, 4096)
`,
  );

  // The same series moved arm64's coherent allocations from swiotlb_alloc_coherent() (an unreachable page is freed
  // and the swiotlb pool used, no other zone tried) to swiotlb_alloc() → dma_direct_alloc(), whose 4.16 form retries
  // only with GFP_DMA for a mask under 32 bits (DIRECT_GATES.dma32Retry brought GFP_DMA32 in 4.17): a 33-bit device
  // whose page lands above 8 GiB gets the pool on both sides, through different functions.
  const COHERENT_33 = `machine(arch=arm64, ram=16G, cma=0)
device(dev, dma_mask=33)
cpu, h = dma_alloc_coherent(dev, 4096)
`;
  boundary(
    ARCH_GATES.arm64ZoneDma32,
    'a 33-bit coherent device on 16 GiB: the page above 8 GiB is refused by swiotlb_alloc_coherent, which takes the pool, before; by dma_direct_alloc, after which swiotlb_alloc_buffer takes the pool, after',
    ({ before, after }) => {
      const outOfReach = (r: RunResult) => at(r, 'cpu, h').events.find((e) => e.kind === 'note' && e.text === 'out of reach');
      expect(outOfReach(before)).toMatchObject({ why: { fn: 'swiotlb_alloc_coherent' } });
      expect(outOfReach(after)).toMatchObject({ why: { fn: '__dma_direct_alloc_pages' } });
      expect(at(before, 'cpu, h').events.find((e) => e.kind === 'alloc')).toMatchObject({ why: { fn: 'swiotlb_alloc_coherent' } });
      expect(at(after, 'cpu, h').events.find((e) => e.kind === 'alloc')).toMatchObject({ why: { fn: 'swiotlb_alloc_buffer' } });
      for (const r of [before, after]) {
        expect(at(r, 'cpu, h').error).toBeNull();
        expect(at(r, 'cpu, h').events.some((e) => e.kind === 'swiotlb_alloc')).toBe(true);
      }
    },
    COHERENT_33,
  );
  boundary(
    DIRECT_GATES.dma32Retry,
    'a 33-bit coherent device on arm64 16 GiB: dma_direct_alloc has no GFP_DMA32 retry and the buffer comes from the swiotlb pool before; the GFP_DMA32 retry lands below 4 GiB after',
    ({ before, after }) => {
      expect(at(before, 'cpu, h').events.some((e) => e.kind === 'swiotlb_alloc')).toBe(true);
      expect(at(before, 'cpu, h').events.some((e) => e.kind === 'note' && e.text === 'retried: the GFP_DMA32 retry')).toBe(false);
      expect(at(after, 'cpu, h').events.some((e) => e.kind === 'swiotlb_alloc')).toBe(false);
      expect((at(after, 'cpu, h').events.find((e) => e.kind === 'alloc') as { phys: number }).phys).toBeLessThan(2 ** 32);
      expect(at(after, 'cpu, h').events.some((e) => e.kind === 'note' && e.text === 'retried: the GFP_DMA32 retry')).toBe(true);
    },
    COHERENT_33,
  );

  // Before the same series arm64's __dma_alloc_coherent() took every blocking allocation from CMA alone ("page =
  // dma_alloc_from_contiguous(…); if (!page) return NULL;", arch/arm64/mm/dma-mapping.c of 4.4–4.15): no reach check
  // on the pages, no page allocator after a failure. From 4.16 dma_direct_alloc checks dma_coherent_ok and falls back.
  boundary(
    ARCH_GATES.arm64ZoneDma32,
    'with the 4 MiB CMA area taken, a 64 KiB coherent buffer is NULL before (CMA alone), from ZONE_DMA32 after; a 31-bit device gets CMA pages above 2 GiB it cannot drive before, NULL after (dma_coherent_ok, then the pool out of reach)',
    ({ before, after }) => {
      expect(at(before, 'b, hb').error).toBe('NULL');
      expect(at(before, 'b, hb').events.find((e) => e.kind === 'note' && e.text === 'no memory')).toMatchObject({ why: { fn: '__dma_alloc_coherent' } });
      expect(at(before, 'b, hb').events.some((e) => e.kind === 'swiotlb_alloc')).toBe(false);
      expect(at(after, 'b, hb').error).toBeNull();
      expect(at(after, 'b, hb').events.find((e) => e.kind === 'alloc')).toMatchObject({ zone: 'DMA32' });
      const c = at(before, 'c, hc');
      expect(c.error).toBeNull();
      expect((c.events.find((e) => e.kind === 'alloc') as { phys: number }).phys).toBeGreaterThan(2 ** 31);
      expect(c.observationRules).toContain('dma-direct/unreachable-buffer');
      expect(at(before, 'dev_write').error).toBe('FAULT');
      expect(at(after, 'c, hc').error).toBe('NULL');
      expect(at(after, 'c, hc').observationRules).not.toContain('dma-direct/unreachable-buffer');
      expect(at(after, 'c, hc').events.some((e) => e.kind === 'note' && e.text === 'CMA pages out of reach')).toBe(true);
    },
    `machine(arch=arm64, ram=8G, cma=4M)
device(low, dma_mask=31)
device(nic, dma_mask=32)
a, ha = dma_alloc_coherent(nic, 4194304)
b, hb = dma_alloc_coherent(nic, 65536)
dma_free_coherent(nic, 4194304, a, ha)
c, hc = dma_alloc_coherent(low, 8192)
dev_write(low, hc, "hi")
`,
  );

  const zoneDma = `machine(arch=arm64, ram=8G)
device(dev, dma_mask=64)
dma_set_mask(dev, 30)
`;
  boundary(
    ARCH_GATES.arm64ZoneDma30,
    'a 30-bit mask is refused without ZONE_DMA (before), accepted with the 1 GiB ZONE_DMA (after)',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask').error).toBe('EIO');
      expect(at(after, 'dma_set_mask').error).toBeNull();
    },
    zoneDma,
  );
  // arm64 5.5 (1a8e1cef7603) gives ARCH_LOW_ADDRESS_LIMIT "((arm64_dma_phys_limit ? : arm64_dma32_phys_limit) - 1)",
  // the top of the new 1 GiB ZONE_DMA, so swiotlb_init()'s memblock_alloc_low() puts the pool below 1 GiB, while
  // dma_contiguous_reserve(arm64_dma32_phys_limit) keeps the CMA area below 4 GiB. A device behind a 30-bit bus
  // (a Raspberry Pi 4's dma-ranges) can reach the pool from 5.5; on 5.4 the slot itself is beyond its bus.
  boundary(
    ARCH_GATES.arm64ZoneDma30,
    'a 32-bit device behind a 30-bit bus on 8 GiB: the pool below 4 GiB is beyond the bus and the bounced map fails with the overflow report before; the pool below 1 GiB takes the bounce after (the CMA area stays below 4 GiB)',
    ({ before, after }) => {
      expect(at(before, 'h =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(before, 'h =').warnings[0]).toMatch(/overflow 0x00000000fec00000\+4096 of DMA mask ffffffff bus mask 3fffffff/);
      expect(at(after, 'h =').error).toBeNull();
      expect(Number(at(after, 'h =').result)).toBeLessThan(2 ** 30);
      const layout = machineLayout({ arch: 'arm64', kernel: '5.5', ram: 8 * 2 ** 30, cma: 16 * 2 ** 20, swiotlb: 4 * 2 ** 20, devices: [{ name: 'pi', busLimit: 30 }] });
      expect(layout.cmaBase).toBeGreaterThan(2 ** 31);
      expect(layout.swiotlbBase + layout.swiotlbSize).toBeLessThanOrEqual(2 ** 30);
    },
    `machine(arch=arm64, ram=8G)
device(pi, dma_mask=32, bus_limit=30)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(pi, b, 4096, DMA_TO_DEVICE)
`,
  );
  boundary(
    ARCH_GATES.arm64ZoneDmaFirmware,
    'a 30-bit mask is accepted with the 1 GiB ZONE_DMA (before), refused once ZONE_DMA reaches 4 GiB (after)',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask').error).toBeNull();
      expect(at(after, 'dma_set_mask').error).toBe('EIO');
    },
    zoneDma,
  );

  // the firmware's side of the same gate: with a device behind a 31-bit dma-ranges (bus_limit=31), 5.10's ZONE_DMA
  // is still the first 1 GiB (a 30-bit mask accepted, GFP_DMA below 1 GiB); 5.11's zone_sizes_init() takes
  // fls64(of_dma_get_max_cpu_address(NULL)) = 31 bits (a 30-bit mask refused, GFP_DMA up to 2 GiB, and CMA,
  // reserved below arm64_dma_phys_limit, just under 2 GiB instead of 4 GiB)
  boundary(
    ARCH_GATES.arm64ZoneDmaFirmware,
    'with a bus_limit=31 device: ZONE_DMA is 1 GiB and a 30-bit mask accepted before; ZONE_DMA is 2 GiB (the lowest dma-ranges limit), a 30-bit mask refused and GFP_DMA memory between 1 and 2 GiB after',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask').error).toBeNull();
      expect(at(after, 'dma_set_mask').error).toBe('EIO');
      const page = (r: RunResult) => at(r, 'p = alloc_pages').events.find((e) => e.kind === 'alloc') as { phys: number; why: { rule: string } };
      expect(page(before).phys).toBeLessThan(2 ** 30);
      expect(page(after).phys).toBeGreaterThanOrEqual(2 ** 30);
      expect(page(after).phys).toBeLessThan(2 ** 31);
      expect(page(after).why.rule).toContain("of_dma_get_max_cpu_address(): the lowest dma-ranges limit, pcie's bus_limit=31");
    },
    `machine(arch=arm64, ram=8G)
device(pcie, dma_mask=64, bus_limit=31)
device(dev, dma_mask=64)
p = alloc_pages(GFP_DMA, 0)
dma_set_mask(dev, 30)
`,
  );

  // riscv 4.15 had dma_noop_ops (lib/dma-noop.c): no mask check, no error, every mask supported, coherent
  // pages from any zone; 4.16's dma_direct_ops check the address (check_addr), refuse masks under 32 bits
  // (dma_direct_supported) and ask ZONE_DMA32 for a 32-bit coherent mask. No swiotlb on either side.
  boundary(
    ARCH_GATES.riscvDmaDirect,
    'a buffer above the 32-bit mask is handed to the device as it is (dma_mapping_error 0, the device cannot emit the address), a 24-bit mask is accepted and a coherent buffer lands above 4 GiB before; the map fails with the overflow dev_err, the 24-bit mask is -EIO and the coherent buffer is below 4 GiB after',
    ({ before, after }) => {
      expect(at(before, 'h = dma_map_single').error).toBeNull();
      expect(at(before, 'h = dma_map_single').result).toBe('0x180000000');
      expect(at(before, 'h = dma_map_single').events.some((e) => e.kind === 'note' && e.text === 'address beyond the mask')).toBe(true);
      expect(at(before, 'dma_mapping_error').result).toBe(0);
      expect(at(before, 'dev_read').error).toBe('FAULT');
      expect(at(before, 'dev_read').observationRules).toContain('dev/beyond-mask');
      expect(at(before, 'dma_set_mask').error).toBeNull();
      expect(at(after, 'h = dma_map_single').error).toBe('DMA_MAPPING_ERROR');
      expect(at(after, 'h = dma_map_single').warnings).toContain('nic nic: dma_direct_map_page: overflow 0x0000000180000000+4096 of device mask ffffffff');
      expect(at(after, 'dma_mapping_error').result).toBe(1);
      expect(at(after, 'dma_set_mask').error).toBe('EIO');
      const phys = (r: RunResult): number => (at(r, 'cpu, c =').events.find((e) => e.kind === 'alloc') as { phys: number }).phys;
      expect(phys(before)).toBeGreaterThanOrEqual(2 ** 32);
      expect(phys(after)).toBeLessThan(2 ** 32);
    },
    `machine(arch=riscv, ram=8G)
device(nic, dma_mask=32)
cpu, c = dma_alloc_coherent(nic, 4096)
buf = kmalloc(4096, GFP_KERNEL, at=0x180000000)
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
dev_read(nic, h, 4)
dma_set_mask(nic, 24)
`,
  );

  // riscv 4.15 has no ZONE_DMA32 (nor ZONE_DMA): include/linux/gfp.h's OPT_ZONE_DMA32 is ZONE_NORMAL, so
  // alloc_pages(GFP_DMA32) on 8 GiB takes the highest free page, above 4 GiB; from 5ec9c4ff0430 "riscv: add
  // ZONE_DMA32" (arch/riscv/Kconfig "config ZONE_DMA32", zone_sizes_init() up to 4 GiB) it stays below 4 GiB.
  // GFP_DMA is ZONE_NORMAL on both sides: riscv never had ZONE_DMA.
  boundary(
    ARCH_GATES.riscvZoneDma32,
    'alloc_pages(GFP_DMA32) lands above 4 GiB in ZONE_NORMAL (OPT_ZONE_DMA32) before; below 4 GiB in ZONE_DMA32 after; alloc_pages(GFP_DMA) above 4 GiB on both sides',
    ({ before, after }) => {
      const alloc = (r: RunResult, p: string) => at(r, p).events.find((e) => e.kind === 'alloc') as { phys: number; zone: string; why: { rule: string } };
      expect(alloc(before, 'p32').phys).toBeGreaterThanOrEqual(2 ** 32);
      expect(alloc(before, 'p32').zone).toBe('Normal');
      expect(alloc(before, 'p32').why.rule).toContain('GFP_DMA32 is OPT_ZONE_DMA32 = ZONE_NORMAL');
      expect(alloc(after, 'p32').phys).toBeLessThan(2 ** 32);
      expect(alloc(after, 'p32').zone).toBe('DMA32');
      for (const r of [before, after]) {
        expect(alloc(r, 'p24').phys).toBeGreaterThanOrEqual(2 ** 32);
        expect(alloc(r, 'p24').zone).toBe('Normal');
        expect(alloc(r, 'p24').why.rule).toContain('GFP_DMA is OPT_ZONE_DMA = ZONE_NORMAL');
      }
    },
    `machine(arch=riscv, ram=8G)
p32 = alloc_pages(GFP_DMA32, 0)
p24 = alloc_pages(GFP_DMA, 0)
`,
  );

  // riscv before 4.18 selects no SWIOTLB: a buffer above the mask cannot bounce and dma-direct fails it;
  // from 10314e09d044 the pool exists (swiotlb_init(1)) and swiotlb_dma_ops bounce it.
  boundary(
    ARCH_GATES.riscvSwiotlb,
    'the map fails (no pool, "dma_direct_map_page: overflow") and a swiotlb=force device maps direct before; it bounces through the swiotlb pool below 4 GiB, the device reads the data, and the swiotlb=force device bounces after',
    ({ before, after }) => {
      expect(at(before, 'h = dma_map_single').error).toBe('DMA_MAPPING_ERROR');
      expect(at(before, 'h = dma_map_single').events.some((e) => e.kind === 'note' && e.text === 'no swiotlb')).toBe(true);
      expect(at(before, 'h = dma_map_single').warnings[0]).toContain('dma_direct_map_page: overflow');
      expect(at(after, 'h = dma_map_single').error).toBeNull();
      expect(at(after, 'h = dma_map_single').events.some((e) => e.kind === 'note' && e.text === 'bounce through swiotlb')).toBe(true);
      expect(text(after, 'dev_read')).toBe('DATA');
      // no CONFIG_SWIOTLB before: a device declared swiotlb=force maps direct; after, it bounces
      expect(at(before, 'f = dma_map_single').result).toBe('0x180000000');
      expect(at(before, 'f = dma_map_single').events.some((e) => e.kind === 'note' && e.text === 'no swiotlb to force')).toBe(true);
      expect(at(after, 'f = dma_map_single').events.some((e) => e.kind === 'note' && e.text === 'forced bounce')).toBe(true);
      expect(at(after, 'f = dma_map_single').result).not.toBe('0x180000000');
    },
    `machine(arch=riscv, ram=8G)
device(nic, dma_mask=32)
device(fw, dma_mask=64, swiotlb=force)
buf = kmalloc(4096, GFP_KERNEL, at=0x180000000)
cpu_write(buf, "DATA")
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
dev_read(nic, h, 4)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
f = dma_map_single(fw, buf, 4096, DMA_TO_DEVICE)
`,
  );

  boundary(
    ARCH_GATES.riscvNoncoherent,
    'without non-coherent support the device is coherent (no cache maintenance) and kmalloc objects are 8-byte aligned (two kmalloc(32) 32 bytes apart) before; cbo.clean and ARCH_DMA_MINALIGN 64 (64 bytes apart) after',
    ({ before, after }) => {
      const maint = (r: RunResult) => at(r, 'h = dma_map_single').events.filter((e) => e.kind === 'cache_maint');
      expect(maint(before)).toEqual([]);
      expect(maint(after)).toMatchObject([{ op: 'clean' }]);
      const phys = (r: RunResult, p: string): number => (at(r, p).events.find((e) => e.kind === 'alloc') as { phys: number }).phys;
      expect(phys(before, 's1 =') - phys(before, 's2 =')).toBe(32);
      expect(phys(after, 's1 =') - phys(after, 's2 =')).toBe(64);
    },
    `machine(arch=riscv)
device(eth, dma_mask=64)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(eth, b, 4096, DMA_TO_DEVICE)
s1 = kmalloc(32, GFP_KERNEL)
s2 = kmalloc(32, GFP_KERNEL)
`,
  );

  boundary(
    ARCH_GATES.riscvNoFlush,
    'sync_for_cpu flushes (the dirty neighbour overwrites the device bytes) before, invalidates (the neighbour is lost) after (128 bytes: not a kmalloc bounce on either side)',
    ({ before, after }) => {
      expect(text(before, 'cpu_read(s + 32, 8)')).not.toBe('rx frame');
      expect(text(before, 'cpu_read(s, 9)')).toBe('neighbour');
      expect(text(after, 'cpu_read(s + 32, 8)')).toBe('rx frame');
      expect(at(after, 'cpu_read(s, 9)').data?.hex).toBe('00'.repeat(9));
    },
    `machine(arch=riscv)
device(eth, dma_mask=64)
s = kmalloc(192, GFP_KERNEL, at=0x20000000)
h = dma_map_single(eth, s + 32, 128, DMA_FROM_DEVICE)
cpu_write(s, "neighbour")
dev_write(eth, h, "rx frame")
dma_sync_single_for_cpu(eth, h, 128, DMA_FROM_DEVICE)
cpu_read(s + 32, 8)
cpu_read(s, 9)
`,
  );

  boundary(
    ARCH_GATES.riscvKmallocBounce,
    'a 96-byte non-coherent FROM_DEVICE kmalloc buffer is mapped in place before, bounced after',
    ({ before, after }) => {
      const path = (r: RunResult) => at(r, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map');
      expect(path(before)).toMatchObject({ path: 'direct' });
      expect(path(after)).toMatchObject({ path: 'swiotlb' });
    },
    `machine(arch=riscv)
device(eth, dma_mask=64)
s = kmalloc(96, GFP_KERNEL)
h = dma_map_single(eth, s, 96, DMA_FROM_DEVICE)
`,
  );

  // arm64's L1_CACHE_SHIFT was 7 from 4.4 (97303480753e "arm64: Increase the max granular size") and is 6 again
  // from 4.17 ("arm64: Revert L1_CACHE_SHIFT back to 6 (64-byte cache line size)", release not pinned);
  // dma-debug's active-cacheline tree keys every mapping a device may write by paddr >> L1_CACHE_SHIFT and
  // WARN_ONCEs when a ninth mapping starts in one line (the 3-bit overlap tag is full at 7).
  boundary(
    ARCH_GATES.arm64L1CacheShift6,
    'nine FROM_DEVICE mappings alternating between a page start and 64 bytes into it: one 128-byte dma-debug cacheline on 4.16 (the overlap WARN fires), two 64-byte lines on 4.17 (no WARN)',
    ({ before, after }) => {
      const last = (r: RunResult) => at(r, 'h8 =').warnings;
      // the page is at 0x1ffffff000: cacheline 0x1ffffff000 >> 7
      expect(last(before)).toEqual(['DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000003ffffe0']);
      expect(last(after)).toEqual([]);
      for (const r of [before, after]) for (let i = 0; i < 8; i++) expect(at(r, `h${i} =`).warnings).toEqual([]);
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
${Array.from({ length: 9 }, (_, i) => `h${i} = dma_map_single(d, p + ${(i % 2) * 64}, 64, DMA_FROM_DEVICE)`).join('\n')}
`,
  );

  it(`${ARCH_GATES.arm64L1CacheShift6.id}: the overlap WARN prints the cacheline number, paddr >> 7 on 4.16 and paddr >> 6 on 4.17`, () => {
    // active_cacheline_inc_overlap(): WARN_ONCE("DMA-API: exceeded %d overlapping mappings of cacheline %pa\n", …, &cln)
    const nine = `machine(arch=arm64)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
${Array.from({ length: 9 }, (_, i) => `h${i} = dma_map_single(d, p, 64, DMA_FROM_DEVICE)`).join('\n')}
`;
    const warn = (kernel: string) => at(runScenario(nine, { kernel }), 'h8 =').warnings;
    expect(warn('4.16')).toEqual(['DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000003ffffe0']);
    expect(warn('4.17')).toEqual(['DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000007ffffc0']);
    // the explanation names the line size of the version
    const rule = (kernel: string) => at(runScenario(nine, { kernel }), 'h8 =').events.find((e) => e.kind === 'finding');
    expect(JSON.stringify(rule('4.16'))).toContain('cachelines are 128 bytes (L1_CACHE_SHIFT 7)');
    expect(JSON.stringify(rule('4.17'))).toContain('cachelines are 64 bytes (L1_CACHE_SHIFT 6)');
  });

  it('dma-debug keys cachelines by L1_CACHE_SHIFT (64 B), not by the line size the machine models', () => {
    const r = runScenario(`machine(arch=arm64, line=128)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
h1 = dma_map_single(d, p, 64, DMA_FROM_DEVICE)
h2 = dma_map_single(d, p + 64, 64, DMA_FROM_DEVICE)
`);
    // two mappings in one 128-byte modelled line but in two 64-byte L1 lines: no EEXIST
    expect(at(r, 'h2 =').warnings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

const SWIOTLB_FULL = `machine(arch=x86, ram=8G, swiotlb=256K)
device(nic, dma_mask=32)
a = kmalloc(262144, GFP_KERNEL)
c = kmalloc(4096, GFP_KERNEL)
ha = dma_map_single(nic, a, 262144, DMA_TO_DEVICE)
hc = dma_map_single(nic, c, 4096, DMA_TO_DEVICE)
`;

/** A 4 KiB bounce of a buffer at offset 0x800 in its page: where its slot lands. */
const SLOT_PLACEMENT = `machine(arch=x86, ram=8G, swiotlb=4M)
device(nic, dma_mask=32)
b = kmalloc(8192, GFP_KERNEL, at=0x180000800)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
`;

/** A 1 KiB bounce (one slot) synced in part: at offset 100, larger than the mapping, past its end. */
const PARTIAL_SYNC = `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "0123456789abcdef")
h = dma_map_single(nic, b, 1024, DMA_BIDIRECTIONAL)
dev_write(nic, h + 100, "DEVICE")
dma_sync_single_for_cpu(nic, h + 100, 6, DMA_BIDIRECTIONAL)
cpu_read(b, 16)
cpu_read(b + 100, 6)
dma_sync_single_for_cpu(nic, h, 3000, DMA_BIDIRECTIONAL)
dma_sync_single_for_cpu(nic, h + 100, 1000, DMA_BIDIRECTIONAL)
dma_sync_single_for_cpu(nic, h + 1500, 8, DMA_BIDIRECTIONAL)
dma_unmap_single(nic, h, 1024, DMA_BIDIRECTIONAL)
`;

function slotOffset(r: RunResult): number {
  return Number(at(r, 'h = dma_map_single').result) % 4096;
}

describe('swiotlb gates', () => {
  // swiotlb_map's own report of an unreachable slot (5.6, "dma-direct: improve swiotlb error reporting", id not found)
  boundary(
    SWIOTLB_GATES.addrOverflowReport,
    'a 30-bit device whose bounce slot (at 0xffc00000) is out of reach too: report_addr() of dma_direct_map_page, which prints only the WARN_ON_ONCE for a mask under 32 bits, before; swiotlb_map\'s "swiotlb addr … overflow" after; the map fails on both sides',
    ({ before, after }) => {
      expect(at(before, 'h =').warnings).toEqual(['WARNING: at kernel/dma/direct.c: report_addr: WARN_ON_ONCE(1)']);
      expect(at(after, 'h =').warnings).toEqual(['nic nic: swiotlb addr 0x00000000ffc00000+4096 overflow (mask 3fffffff, bus limit 0).']);
      for (const r of [before, after]) expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=30)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
`,
  );
  // swiotlb_tbl_map_single without a pool (6.1, 639205ed206f "swiotlb: don't panic!")
  boundary(
    SWIOTLB_GATES.noPoolWarn,
    'a forced bounce with no pool panics before ("Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier…"), warns with the device\'s name and fails the map after',
    ({ before, after }) => {
      expect(at(before, 'h =').warnings).toEqual(["Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer"]);
      expect(at(before, 'h =').observationRules).toContain('swiotlb/no-pool-panic');
      // panic() prints with pr_emerg; the warning after it is dev_warn_ratelimited
      const level = (r: RunResult) => at(r, 'h =').events.find((e) => e.kind === 'log');
      expect(level(before)).toMatchObject({ level: 'emerg' });
      expect(level(after)).toMatchObject({ level: 'warn' });
      expect(at(after, 'h =').warnings).toEqual(["nic nic: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer"]);
      expect(at(after, 'h =').observationRules).not.toContain('swiotlb/no-pool-panic');
      expect(at(after, 'h =').error).toBe('DMA_MAPPING_ERROR');
    },
    `machine(arch=x86, ram=8G, swiotlb=0)
device(nic, dma_mask=64, swiotlb=force)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
`,
  );
  // swiotlb_tbl_map_single reads DMA_ATTR_NO_WARN before its "swiotlb buffer is full" warning (4.16, d0bc0c2a31c9)
  boundary(
    SWIOTLB_GATES.noWarnAttr,
    'a map with DMA_ATTR_NO_WARN into a full pool still prints "swiotlb buffer is full" before, not after; swiotlb_full() prints its own line on both sides (until 4.20) and both fail the map',
    ({ before, after }) => {
      const third = (r: RunResult) => at(r, 'h3 =');
      expect(third(before).warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 32768 bytes)', 'nic nic: DMA: Out of SW-IOMMU space for 32768 bytes']);
      expect(third(after).warnings).toEqual(['nic nic: DMA: Out of SW-IOMMU space for 32768 bytes']);
      for (const r of [before, after]) expect(third(r).error).toBe('DMA_MAPPING_ERROR');
      // without the attribute the line is printed on both sides
      expect(at(after, 'h4 =').warnings[0]).toBe('nic nic: swiotlb buffer is full (sz: 32768 bytes)');
    },
    // the smallest pool is one 128-slot segment (256 KiB): a 256 KiB mapping fills it
    `machine(arch=x86, ram=8G, swiotlb=256K)
device(nic, dma_mask=32)
a = kmalloc(262144, GFP_KERNEL)
c = kmalloc(32768, GFP_KERNEL)
h1 = dma_map_single(nic, a, 262144, DMA_TO_DEVICE)
h3 = dma_map_single(nic, c, 32768, DMA_TO_DEVICE, DMA_ATTR_NO_WARN)
h4 = dma_map_single(nic, c, 32768, DMA_TO_DEVICE)
`,
  );
  // swiotlb_alloc_coherent's pool fallback rewritten as swiotlb_alloc_buffer (4.16, 0176adb00406): the lines gain
  // the device (dev_warn), lose it from the text, and __GFP_NOWARN (as DMA_ATTR_NO_WARN) silences the last one.
  // arm64 on 8 GiB puts the pool just below 4 GiB, beyond a 31-bit coherent mask, so the slot is given back.
  boundary(
    SWIOTLB_GATES.coherentAllocBuffer,
    'a 31-bit coherent device whose pool slot is out of reach: printk "hwdev DMA mask" and pr_warn "coherent allocation failed for device dev size=4096" (even with __GFP_NOWARN) before; dev_warn lines, "coherent allocation failed, size=4096", silenced by __GFP_NOWARN after; NULL on both sides',
    ({ before, after }) => {
      const mask = (r: RunResult, p: string) => at(r, p).events.find((e) => e.kind === 'swiotlb_alloc') as { tlbAddr: number };
      const addr = (r: RunResult, p: string) => mask(r, p).tlbAddr.toString(16).padStart(16, '0');
      expect(at(before, 'cpu, h').warnings).toEqual([`hwdev DMA mask = 0x000000007fffffff, dev_addr = 0x${addr(before, 'cpu, h')}`, 'swiotlb: coherent allocation failed for device dev size=4096']);
      expect(at(before, 'cpu2').warnings).toEqual([`hwdev DMA mask = 0x000000007fffffff, dev_addr = 0x${addr(before, 'cpu2')}`, 'swiotlb: coherent allocation failed for device dev size=4096']);
      expect(at(after, 'cpu, h').warnings).toEqual([`dev dev: hwdev DMA mask = 0x000000007fffffff, dev_addr = 0x${addr(after, 'cpu, h')}`, 'dev dev: swiotlb: coherent allocation failed, size=4096']);
      expect(at(after, 'cpu2').warnings).toEqual([`dev dev: hwdev DMA mask = 0x000000007fffffff, dev_addr = 0x${addr(after, 'cpu2')}`]);
      for (const r of [before, after]) {
        for (const p of ['cpu, h', 'cpu2']) {
          expect(at(r, p).error).toBe('NULL');
          // the slot taken for the buffer goes straight back
          expect(at(r, p).events.filter((e) => e.kind === 'swiotlb_free')).toHaveLength(1);
        }
      }
      expect(mask(before, 'cpu, h')).toMatchObject({ orig: 0 });
    },
    `machine(arch=arm64, ram=8G, cma=0)
device(dev, dma_mask=31)
cpu, h = dma_alloc_coherent(dev, 4096)
cpu2, h2 = dma_alloc_coherent(dev, 4096, GFP_KERNEL | __GFP_NOWARN)
`,
  );
  // fafadcd16595 (4.20): coherent allocations stop dipping into the swiotlb pool. The case the pool served: memory
  // so short (here: every free block taken) that no page can be had at all; the pool, set up at boot, still has
  // slots. 8 KiB is four 2 KiB slots on arm64 (PAGE_ALIGNed by __dma_alloc first).
  boundary(
    SWIOTLB_GATES.noCoherentPool,
    'with every free page taken, dma_alloc_coherent still gets 8 KiB from the swiotlb pool (four slots, swiotlb_alloc_buffer) and dma_free_coherent gives them back before; NULL after',
    ({ before, after }) => {
      expect(at(before, 'cpu, h').error).toBeNull();
      const slots = at(before, 'cpu, h').events.find((e) => e.kind === 'swiotlb_alloc') as { tlbAddr: number; nslots: number; orig: number };
      expect(slots).toMatchObject({ nslots: 4, orig: 0 });
      expect(at(before, 'cpu, h').events.find((e) => e.kind === 'alloc')).toMatchObject({ phys: slots.tlbAddr, why: { fn: 'swiotlb_alloc_buffer' } });
      expect(at(before, 'dma_free_coherent').events.find((e) => e.kind === 'swiotlb_free')).toMatchObject({ tlbAddr: slots.tlbAddr, nslots: 4 });
      expect(at(after, 'cpu, h').error).toBe('NULL');
      expect(at(after, 'cpu, h').events.some((e) => e.kind === 'swiotlb_alloc')).toBe(false);
      expect(at(after, 'cpu, h').events.find((e) => e.kind === 'note' && e.text === 'no memory')).toBeDefined();
      // the page allocator really is empty on both sides
      for (const r of [before, after]) expect(at(r, 'last').error).toBe('NULL');
    },
    `machine(arch=arm64, ram=64M, swiotlb=4M, cma=0)
device(dev, dma_mask=32)
${[10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].flatMap((order) => Array.from({ length: 8 }, (_, i) => `p${order}_${i} = alloc_pages(GFP_KERNEL, ${order})`)).join('\n')}
last = alloc_pages(GFP_KERNEL, 0)
cpu, h = dma_alloc_coherent(dev, 8192)
dma_free_coherent(dev, 8192, cpu, h)
`,
  );
  // swiotlb_tbl_map_single / swiotlb_tbl_unmap_single gain an attrs argument (4.10, 0443fa003fa1)
  boundary(
    SWIOTLB_GATES.skipCpuSync,
    'a DMA_BIDIRECTIONAL bounce mapped and unmapped with DMA_ATTR_SKIP_CPU_SYNC is still copied into the slot and back before (the device reads "before", the CPU then reads "after!"), copied neither way after',
    ({ before, after }) => {
      const bounces = (r: RunResult, step: string) => at(r, step).events.filter((e) => e.kind === 'bounce');
      expect(bounces(before, 'h = dma_map_single')).toMatchObject([{ toSlot: true, len: 4096 }]);
      expect(bounces(before, 'dma_unmap_single')).toMatchObject([{ toSlot: false, len: 4096 }]);
      expect(text(before, 'dev_read(nic, h, 6)')).toBe('before');
      expect(text(before, 'cpu_read(buf, 6)')).toBe('after!');
      expect(bounces(after, 'h = dma_map_single')).toEqual([]);
      expect(bounces(after, 'dma_unmap_single')).toEqual([]);
      expect(text(after, 'cpu_read(buf, 6)')).toBe('before');
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "before")
h = dma_map_single(nic, buf, 4096, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC)
dev_read(nic, h, 6)
dev_write(nic, h, "after!")
dma_unmap_single(nic, h, 4096, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC)
cpu_read(buf, 6)
`,
  );
  boundary(
    SWIOTLB_GATES.noOverflowBuffer,
    'a full pool also logs "DMA: Out of SW-IOMMU space" (swiotlb_full) before, only "swiotlb buffer is full" after',
    ({ before, after }) => {
      expect(at(before, 'hc =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 4096 bytes)', 'nic nic: DMA: Out of SW-IOMMU space for 4096 bytes']);
      expect(at(after, 'hc =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 4096 bytes)']);
      expect(at(after, 'hc =').error).toBe('DMA_MAPPING_ERROR');
    },
    SWIOTLB_FULL,
  );
  boundary(
    SWIOTLB_GATES.noOverflowBuffer,
    'a full pool during dma_map_sg: swiotlb_map_sg_attrs\' swiotlb_full(…, 0) logs "Out of SW-IOMMU space" without overflow buffer or panic (even for 64 KiB) before, nothing of it after; the list fails either way',
    ({ before, after }) => {
      expect(at(before, 'n =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 65536 bytes)', 'nic nic: DMA: Out of SW-IOMMU space for 65536 bytes']);
      expect(at(before, 'n =').events.some((e) => e.kind === 'note' && e.text === 'overflow buffer')).toBe(false);
      expect(at(before, 'n =').error).toBeNull();
      expect(at(after, 'n =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 65536 bytes)']);
      for (const r of [before, after]) expect(at(r, 'n =').result).toBe(0);
    },
    `machine(arch=x86, ram=8G, swiotlb=256K)
device(nic, dma_mask=32)
a = kmalloc(262144, GFP_KERNEL)
c = kmalloc(65536, GFP_KERNEL)
ha = dma_map_single(nic, a, 262144, DMA_TO_DEVICE)
t = sg_table(c, 65536)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
`,
  );
  boundary(
    SWIOTLB_GATES.fullTotals,
    '"swiotlb buffer is full" gains the slot totals',
    ({ before, after }) => {
      expect(at(before, 'hc =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 4096 bytes)']);
      expect(at(after, 'hc =').warnings).toEqual(['nic nic: swiotlb buffer is full (sz: 4096 bytes), total 128 (slots), used 128 (slots)']);
    },
    SWIOTLB_FULL,
  );
  // swiotlb_tbl_map_single (kernel/dma/swiotlb.c): the map-time copy of the original into the slot.
  boundary(
    SWIOTLB_GATES.copyAtMapAlways,
    'a DMA_FROM_DEVICE map copies nothing into the slot before (stale slot bytes), copies after, DMA_ATTR_SKIP_CPU_SYNC or not',
    ({ before, after }) => {
      const bounces = (r: RunResult, step: string) => at(r, step).events.filter((e) => e.kind === 'bounce');
      for (const step of ['h = dma_map_single', 'k = dma_map_single']) {
        expect(bounces(before, step)).toEqual([]);
        expect(bounces(after, step)).toMatchObject([{ toSlot: true }]);
      }
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
c = kmalloc(4096, GFP_KERNEL)
k = dma_map_single(nic, c, 4096, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)
`,
  );
  // swiotlb_sync_single_for_device (kernel/dma/swiotlb.c): 5.17 bounced for every direction (aa6f8dcbab47).
  boundary(
    SWIOTLB_GATES.syncForDeviceByDir,
    'a DMA_FROM_DEVICE sync_for_device after the device wrote puts the CPU bytes back over the device bytes before, copies nothing after',
    ({ before, after }) => {
      const bounces = (r: RunResult) => at(r, 'dma_sync_single_for_device').events.filter((e) => e.kind === 'bounce');
      expect(bounces(before)).toMatchObject([{ toSlot: true }]);
      expect(bounces(after)).toEqual([]);
      expect(text(before, 'cpu_read(b, 7)')).toBe('old-cpu');
      expect(text(after, 'cpu_read(b, 7)')).toBe('device!');
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "old-cpu")
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
dev_write(nic, h, "device!")
dma_sync_single_for_device(nic, h, 4096, DMA_FROM_DEVICE)
dma_unmap_single(nic, h, 4096, DMA_FROM_DEVICE)
cpu_read(b, 7)
`,
  );
  boundary(
    SWIOTLB_GATES.slotOffsetMatch,
    'a 4 KiB bounce of a buffer at page offset 0x800 gets a page-aligned slot before, a slot at offset 0x800 after',
    ({ before, after }) => {
      expect(slotOffset(before)).toBe(0);
      expect(slotOffset(after)).toBe(0x800);
    },
    SLOT_PLACEMENT,
  );
  boundary(
    SWIOTLB_GATES.slotPageAlign,
    'the same bounce gets a slot at offset 0x800 before, a page-aligned slot after',
    ({ before, after }) => {
      expect(slotOffset(before)).toBe(0x800);
      expect(slotOffset(after)).toBe(0);
    },
    SLOT_PLACEMENT,
  );
  // swiotlb_bounce's checks (kernel/dma/swiotlb.c), step by step. The device's lines only (dma-debug also reports
  // these syncs, which is not what is tested here).
  const swiotlbLines = (r: RunResult, step: string, nth = 0) => at(r, step, nth).warnings.filter((w) => w.startsWith('nic nic: '));
  const bounces = (r: RunResult, step: string, nth = 0) => at(r, step, nth).events.filter((e) => e.kind === 'bounce');
  boundary(
    SWIOTLB_GATES.syncSizeCheck,
    'a sync larger than the allocation copies all of it silently before, is cut to the allocation with "Attempt for buffer overflow…" after; a sync at offset 100 in the slot copies to the buffer at offset 100 before, to its start after (16fc3cef33a0)',
    ({ before, after }) => {
      expect(swiotlbLines(before, 'dma_sync_single_for_cpu(nic, h, 3000')).toEqual([]);
      expect(bounces(before, 'dma_sync_single_for_cpu(nic, h, 3000')).toMatchObject([{ len: 3000 }]);
      expect(swiotlbLines(after, 'dma_sync_single_for_cpu(nic, h, 3000')).toEqual(['nic nic: Attempt for buffer overflow. Original size: 1024. Mapping size: 3000.']);
      expect(bounces(after, 'dma_sync_single_for_cpu(nic, h, 3000')).toMatchObject([{ len: 1024 }]);
      expect(text(before, 'cpu_read(b, 16)')).toBe('0123456789abcdef');
      expect(text(before, 'cpu_read(b + 100, 6)')).toBe('DEVICE');
      expect(text(after, 'cpu_read(b, 16)')).toBe('DEVICE6789abcdef');
      expect(text(after, 'cpu_read(b + 100, 6)')).not.toBe('DEVICE');
    },
    PARTIAL_SYNC,
  );
  boundary(
    SWIOTLB_GATES.bounceOffset,
    'the sync at offset 100 reaches the buffer at offset 0 before, at offset 100 after (5f89468e2f06); the check moves into swiotlb_bounce ("Attempt for buffer overflow. Original size" → "Buffer overflow detected. Allocation size") and counts the offset: 100+1000 bytes of a 1024-byte mapping pass before, are cut to 924 after',
    ({ before, after }) => {
      expect(text(before, 'cpu_read(b, 16)')).toBe('DEVICE6789abcdef');
      expect(text(after, 'cpu_read(b, 16)')).toBe('0123456789abcdef');
      expect(text(after, 'cpu_read(b + 100, 6)')).toBe('DEVICE');
      expect(swiotlbLines(before, 'dma_sync_single_for_cpu(nic, h, 3000')).toEqual(['nic nic: Attempt for buffer overflow. Original size: 1024. Mapping size: 3000.']);
      expect(swiotlbLines(after, 'dma_sync_single_for_cpu(nic, h, 3000')).toEqual(['nic nic: Buffer overflow detected. Allocation size: 1024. Mapping size: 3000.']);
      // the first line of the run is a WARN_ONCE: on each side its own site, so both print it once
      expect(bounces(before, 'dma_sync_single_for_cpu(nic, h + 100, 1000')).toMatchObject([{ len: 1000 }]);
      expect(bounces(after, 'dma_sync_single_for_cpu(nic, h + 100, 1000')).toMatchObject([{ len: 924 }]);
    },
    PARTIAL_SYNC,
  );
  boundary(
    SWIOTLB_GATES.bounceOverflowChecks,
    'a sync at offset 1500 of a 1024-byte mapping copies its 8 bytes silently before (the size_t alloc_size wraps), warns "Mapping size: 8+1500." and copies nothing after',
    ({ before, after }) => {
      expect(swiotlbLines(before, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual([]);
      expect(bounces(before, 'dma_sync_single_for_cpu(nic, h + 1500')).toMatchObject([{ len: 8 }]);
      expect(swiotlbLines(after, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual(['nic nic: Buffer overflow detected. Allocation size: 1024. Mapping size: 8+1500.']);
      expect(bounces(after, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual([]);
    },
    PARTIAL_SYNC,
  );
  boundary(
    SWIOTLB_GATES.partialSyncFix,
    'the same sync warns "Mapping size: 8+1500." and copies nothing before, copies its 8 bytes silently after (the check removed)',
    ({ before, after }) => {
      expect(swiotlbLines(before, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual(['nic nic: Buffer overflow detected. Allocation size: 1024. Mapping size: 8+1500.']);
      expect(bounces(before, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual([]);
      expect(swiotlbLines(after, 'dma_sync_single_for_cpu(nic, h + 1500')).toEqual([]);
      expect(bounces(after, 'dma_sync_single_for_cpu(nic, h + 1500')).toMatchObject([{ len: 8 }]);
    },
    PARTIAL_SYNC,
  );
  boundary(
    SWIOTLB_GATES.unmapRecordedSize,
    'an 8 KiB bounce (4 slots) unmapped with size 2048 frees 1 slot before, so a 256 KiB map then finds the 128-slot pool full; all 4 after, and it fits',
    ({ before, after }) => {
      const freed = (r: RunResult) => at(r, 'dma_unmap_single').events.find((e) => e.kind === 'swiotlb_free');
      expect(freed(before)).toMatchObject({ index: 0, nslots: 1 });
      expect(freed(after)).toMatchObject({ index: 0, nslots: 4 });
      expect(at(before, 'h2 =').warnings).toContain('nic nic: swiotlb buffer is full (sz: 262144 bytes), total 128 (slots), used 3 (slots)');
      expect(at(before, 'h2 =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(after, 'h2 =').warnings).toEqual([]);
      expect(at(after, 'h2 =').error).toBeNull();
    },
    `machine(arch=x86, ram=8G, swiotlb=256K)
device(nic, dma_mask=32)
b = kmalloc(8192, GFP_KERNEL)
h = dma_map_single(nic, b, 8192, DMA_TO_DEVICE)
dma_unmap_single(nic, h, 2048, DMA_TO_DEVICE)
c = kmalloc(262144, GFP_KERNEL)
h2 = dma_map_single(nic, c, 262144, DMA_TO_DEVICE)
`,
  );
});

// ---------------------------------------------------------------------------

const UNTRUSTED = `machine(arch=arm64)
iommu(smmu, mode=strict)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
msg = kmalloc(64, GFP_KERNEL)
cpu_write(msg, "hello")
h = dma_map_single(tbt, msg, 64, DMA_FROM_DEVICE)
dev_read(tbt, h, 5)
`;

describe('dma-iommu gates', () => {
  boundary(
    DMA_IOMMU_GATES.commonOps,
    "dma_get_sgtable behind an arm64 IOMMU: arm64's __iommu_get_sgtable (arch/arm64/mm/dma-mapping.c) before, iommu_dma_get_sgtable (drivers/iommu/dma-iommu.c) after",
    ({ before, after }) => {
      expect(at(before, 'sgt =').events[0]).toMatchObject({ kind: 'note', why: { fn: '__iommu_get_sgtable', file: 'arch/arm64/mm/dma-mapping.c' } });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ kind: 'note', why: { fn: 'iommu_dma_get_sgtable', file: 'drivers/iommu/dma-iommu.c' } });
    },
    `machine(arch=arm64)
iommu(smmu)
device(gpu, dma_mask=64, coherent=true, iommu=smmu)
cpu, h = dma_alloc_coherent(gpu, 8192)
sgt = dma_get_sgtable(gpu, cpu, h, 8192) => 0
`,
  );
  boundary(
    DMA_IOMMU_GATES.pciSac,
    'a PCI device with a 64-bit mask: its IOVA comes from the top of the 48-bit aperture before, from below 4 GiB (the SAC try) after',
    ({ before, after }) => {
      expect(at(before, 'h = dma_map_single').result).toBe('0xfffffffff000');
      expect(at(after, 'h = dma_map_single').result).toBe('0xfffff000');
    },
    `machine(arch=arm64)
iommu(smmu, mode=strict)
device(gpu, dma_mask=64, bus=pci, coherent=true, iommu=smmu)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
`,
  );
  boundary(
    DMA_IOMMU_GATES.lazyFlushQueue,
    'arm-smmu has no lazy mode before (a read after unmap faults), a flush queue after (the stale IOTLB entry still translates)',
    ({ before, after }) => {
      expect(at(before, 'dev_read(nic, h, 4)', 1).error).toBe('FAULT');
      expect(at(after, 'dev_read(nic, h, 4)', 1).data?.text).toBe('data');
    },
    `machine(arch=arm64)
iommu(smmu, mode=lazy)
device(nic, dma_mask=64, coherent=true, iommu=smmu)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "data")
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dev_read(nic, h, 4)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
dev_read(nic, h, 4)
`,
  );
  boundary(
    DMA_IOMMU_GATES.untrustedBounce,
    'an untrusted device is given the kmalloc page itself before, a bounce slot after',
    ({ before, after }) => {
      const slots = (r: RunResult) => at(r, 'h = dma_map_single').events.filter((e) => e.kind === 'swiotlb_alloc');
      expect(slots(before)).toEqual([]);
      expect(at(before, 'h = dma_map_single').observations.join(' ')).toContain('before 5.11 dma-iommu does not bounce');
      expect(slots(after)).toHaveLength(1);
    },
    UNTRUSTED,
  );
  boundary(
    DMA_IOMMU_GATES.paddingZeroFix,
    'a DMA_FROM_DEVICE bounce is zeroed over the copied-in data before (the device reads zeros), keeps the original bytes after',
    ({ before, after }) => {
      expect(at(before, 'dev_read(tbt, h, 5)').data?.hex).toBe('0000000000');
      expect(text(after, 'dev_read(tbt, h, 5)')).toBe('hello');
    },
    UNTRUSTED,
  );
  boundary(
    DMA_IOMMU_GATES.bounceInactiveCheck,
    'no swiotlb pool: 5.18 calls swiotlb_tbl_map_single anyway, which panics with no pool (before 6.1, SWIOTLB_GATES.noPoolWarn); 5.19 asks is_swiotlb_active() first and warns once "DMA bounce buffers are inactive"',
    ({ before, after }) => {
      const panic = "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer";
      for (const h of ['h = dma_map_single', 'h2 = dma_map_single']) {
        expect(at(before, h).warnings).toEqual([panic]);
        expect(at(before, h).observationRules).toContain('swiotlb/no-pool-panic');
      }
      expect(at(after, 'h = dma_map_single').error).toBe('DMA_MAPPING_ERROR');
      expect(at(after, 'h = dma_map_single').warnings).toEqual(['tbt tbt: DMA bounce buffers are inactive, unable to map unaligned transaction.']);
      expect(at(after, 'h2 = dma_map_single').warnings).toEqual([]);
    },
    `machine(arch=arm64, swiotlb=0)
iommu(smmu)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
b = kmalloc(100, GFP_KERNEL)
h = dma_map_single(tbt, b, 100, DMA_TO_DEVICE)
h2 = dma_map_single(tbt, b, 100, DMA_TO_DEVICE)
`,
  );
  boundary(
    DMA_IOMMU_GATES.pci32Once,
    'a PCI device keeps trying 32-bit IOVAs silently before, says "Using 48-bit DMA addresses" once and stops after',
    ({ before, after }) => {
      expect(at(before, 'h4 =').warnings).toEqual([]);
      expect(Number(at(before, 'h5 =').result)).toBeLessThan(2 ** 32);
      expect(at(after, 'h4 =').warnings).toEqual(['gpu gpu: Using 48-bit DMA addresses']);
      expect(Number(at(after, 'h5 =').result)).toBeGreaterThan(2 ** 32);
    },
    `machine(arch=arm64, ram=8G, cma=3G)
iommu(smmu, mode=strict)
device(gpu, dma_mask=64, bus=pci, coherent=true, iommu=smmu)
small = kmalloc(4096, GFP_KERNEL)
h1 = dma_map_single(gpu, small, 4096, DMA_TO_DEVICE)
v1 = dma_alloc_from_contiguous(gpu, 262144, 0)
v2 = dma_alloc_from_contiguous(gpu, 262144, 0)
v3 = dma_alloc_from_contiguous(gpu, 262144, 0)
h2 = dma_map_page(gpu, v1, 0, 1G, DMA_BIDIRECTIONAL)
h3 = dma_map_page(gpu, v2, 0, 1G, DMA_BIDIRECTIONAL)
h4 = dma_map_page(gpu, v3, 0, 1G, DMA_BIDIRECTIONAL)
other = kmalloc(4096, GFP_KERNEL)
h5 = dma_map_single(gpu, other, 4096, DMA_TO_DEVICE)
`,
  );
  // drivers/iommu/dma-iommu.c, bb65a64c7285 "iommu/dma: Plumb in the per-CPU IOVA caches": 4.11's __alloc_iova
  // calls alloc_iova(iovad, length, limit, true) with the exact granule count and __iommu_dma_unmap unmaps the
  // node find_iova() returns, then __free_iova; 4.12 rounds sizes below 32 granules up to a power of two for
  // alloc_iova_fast and frees with free_iova_fast(…, the caller's size).
  boundary(
    DMA_IOMMU_GATES.perCpuIovaCache,
    'a 3-page mapping after a 1-page one: alloc_iova takes 3 pages right below it before (0xffffc000; the 4th page above is the first mapping\'s, so it reads its data), alloc_iova_fast 4 rounded pages after (0xffff8000; the 4th page faults); a 1-page unmap of it unmaps and __free_iova frees the whole node before, unmaps 1 page and parks the range with free_iova_fast after',
    ({ before, after }) => {
      expect(at(before, 'hb =').result).toBe('0xffffc000');
      expect(at(after, 'hb =').result).toBe('0xffff8000');
      const alloc = (r: RunResult) => at(r, 'hb =').events.find((e) => e.kind === 'iova_alloc');
      expect(alloc(before)).toMatchObject({ size: 12288, why: { fn: 'alloc_iova' } });
      expect(alloc(after)).toMatchObject({ size: 16384 });
      expect(text(before, 'dev_read(dev, hb + 12288')).toBe('AAAA');
      expect(at(after, 'dev_read(dev, hb + 12288').error).toBe('FAULT');
      const free = (r: RunResult) => at(r, 'dma_unmap_single').events.find((e) => e.kind === 'iova_free');
      expect(free(before)).toMatchObject({ size: 12288, why: { fn: '__free_iova' } });
      expect(free(after)).toMatchObject({ why: { fn: 'free_iova_fast' } });
      expect(at(before, 'dev_read(dev, hb + 4096').error).toBe('FAULT');
      expect(at(after, 'dev_read(dev, hb + 4096').error).toBeNull();
    },
    `machine(arch=arm64)
iommu(smmu, mode=strict)
device(dev, dma_mask=32, coherent=true, iommu=smmu)
a = kmalloc(4096, GFP_KERNEL)
cpu_write(a, "AAAA")
ha = dma_map_single(dev, a, 4096, DMA_TO_DEVICE)
b = alloc_pages(GFP_KERNEL, 2)
hb = dma_map_single(dev, b, 12288, DMA_TO_DEVICE)
dev_read(dev, hb + 12288, 4)
dma_unmap_single(dev, hb, 4096, DMA_TO_DEVICE)
dev_read(dev, hb + 4096, 4)
`,
  );
  // drivers/iommu/iova.c, e60aa7b53845 "iommu/iova: Extend rbtree node caching" (4.15): before, only
  // cached32_node, and only for limits up to dma_32bit_pfn, so a device with a 64-bit limit walks from rb_last
  // every time; after, cached_node serves limits above 4 GiB and the walk starts below the last allocation.
  boundary(
    DMA_IOMMU_GATES.iovaNodeCaching,
    'a 64-bit platform device: after 1 page and a rounded 4-page mapping (hole of 3 pages above it), the next page fills the hole from rb_last before (0xffffffffe000), goes below the cached node after (0xffffffff7000)',
    ({ before, after }) => {
      for (const r of [before, after]) {
        expect(at(r, 'ha =').result).toBe('0xfffffffff000');
        expect(at(r, 'hb =').result).toBe('0xffffffff8000');
      }
      expect(at(before, 'hc =').result).toBe('0xffffffffe000');
      expect(at(after, 'hc =').result).toBe('0xffffffff7000');
      expect(at(before, 'hc =').events.find((e) => e.kind === 'iova_alloc')?.why.rule).toContain('from rb_last');
    },
    `machine(arch=arm64)
iommu(smmu, mode=strict)
device(dev, dma_mask=64, coherent=true, iommu=smmu)
a = kmalloc(4096, GFP_KERNEL)
ha = dma_map_single(dev, a, 4096, DMA_TO_DEVICE)
b = alloc_pages(GFP_KERNEL, 2)
hb = dma_map_single(dev, b, 12288, DMA_TO_DEVICE)
c = kmalloc(4096, GFP_KERNEL)
hc = dma_map_single(dev, c, 4096, DMA_TO_DEVICE)
`,
  );
});

const UNMANAGED = `machine(arch=arm64)
iommu(smmu, mode=strict)
device(gpu, dma_mask=40, coherent=true, iommu=smmu)
dom = iommu_domain_alloc(smmu)
iommu_attach_device(dom, gpu)
big = alloc_pages(GFP_KERNEL, 9)
cpu_write(big, "block")
`;

describe('io-pgtable gates', () => {
  boundary(
    IO_PGTABLE_GATES.noProtEinval,
    'iommu_map with no permission never returns before (__iommu_map loops: the run stops), -EINVAL after (the run goes on)',
    ({ before, after }) => {
      expect(at(before, 'iommu_map').error).toBe('HANG');
      expect(at(before, 'iommu_map').events.some((e) => e.kind === 'finding' && e.rule === 'iommu-map-hang')).toBe(true);
      expect(at(before, 'dev_read').error).toBe('HANG');
      expect(at(before, 'dev_read').events).toEqual([]);
      expect(at(after, 'iommu_map').error).toBe('EINVAL');
      expect(at(after, 'dev_read').error).toBe('FAULT');
    },
    UNMANAGED + `iommu_map(dom, 0x40000000, big, 4096, 0)
dev_read(gpu, 0x40000000, 5)
`,
  );
  boundary(
    IO_PGTABLE_GATES.mapPagesHang,
    'iommu_map with no permission returns 0 with nothing mapped before (the device faults), never returns after (map_pages reports 0 bytes mapped)',
    ({ before, after }) => {
      expect(at(before, 'iommu_map').error).toBeNull();
      expect(at(before, 'iommu_map').result).toBe(0);
      expect(at(before, 'dev_read').error).toBe('FAULT');
      expect(at(after, 'iommu_map').error).toBe('HANG');
      const f = at(after, 'iommu_map').events.find((e) => e.kind === 'finding');
      expect(f).toMatchObject({ kind: 'finding', rule: 'iommu-map-hang', why: { fn: '__iommu_map', file: 'drivers/iommu/iommu.c' } });
      expect(f && 'message' in f ? f.message : '').toContain('the kernel would hang here');
      expect(f && f.kind === 'finding' ? f.why.rule : '').toContain('6093cd582f8e');
      expect(at(after, 'dev_read').error).toBe('HANG');
      expect(at(after, 'dev_read').observations).toEqual([`not run: the kernel has been stuck in iommu_map since line ${at(after, 'iommu_map').line}`]);
    },
    UNMANAGED + `iommu_map(dom, 0x40000000, big, 4096, 0)
dev_read(gpu, 0x40000000, 5)
`,
  );
  boundary(
    IO_PGTABLE_GATES.noSplitBlock,
    'unmapping 4 KiB of a 2 MiB block splits it before (4096 unmapped, the rest still mapped), is refused after (0)',
    ({ before, after }) => {
      expect(at(before, 'iommu_unmap').result).toBe(4096);
      expect(at(before, 'dev_read(gpu, 0x40000000').error).toBe('FAULT');
      expect(at(before, 'dev_read(gpu, 0x40001000').error).toBeNull();
      expect(at(after, 'iommu_unmap').result).toBe(0);
      expect(at(after, 'iommu_unmap').warnings).toEqual(['Unmap of a partial large IOPTE is not allowed']);
      expect(text(after, 'dev_read(gpu, 0x40000000')).toBe('block');
    },
    UNMANAGED + `iommu_map(dom, 0x40000000, big, 2M, IOMMU_READ | IOMMU_CACHE)
iommu_unmap(dom, 0x40000000, 4096)
dev_read(gpu, 0x40000000, 5)
dev_read(gpu, 0x40001000, 5)
`,
  );

  it('a lazy unmap that frees a whole last-level table flushes its walk at once: no stale IOTLB window (io_pgtable_tlb_flush_walk)', () => {
    const r = runScenario(`machine(arch=arm64, ram=8G)
iommu(smmu, mode=lazy)
device(nic, dma_mask=64, coherent=true, iommu=smmu)
b = alloc_pages(GFP_KERNEL, 10)
h = dma_map_page(nic, b, 4096, 2M, DMA_TO_DEVICE)
s = kmalloc(4096, GFP_KERNEL)
hs = dma_map_single(nic, s, 4096, DMA_TO_DEVICE)
dev_read(nic, h, 4)
dev_read(nic, hs, 4)
dma_unmap_page(nic, h, 2M, DMA_TO_DEVICE)
dma_unmap_single(nic, hs, 4096, DMA_TO_DEVICE)
dev_read(nic, h, 4)   # 4 KiB pages (the physical range is not 2 MiB aligned): their whole table is freed
dev_read(nic, hs, 4)  # single leaf cleared
`);
    expect(at(r, 'dev_read(nic, h, 4)', 1).error).toBe('FAULT');
    expect(at(r, 'dev_read(nic, hs, 4)', 1).error).toBeNull();
    expect(at(r, 'dev_read(nic, hs, 4)', 1).observations.join(' ')).toContain('stale IOTLB hit');
  });
});

// ---------------------------------------------------------------------------

// cma=0: the buffer's address (the highest free page) does not move with the CMA area's placement by version
const OVERFLOW = (mask: number) => `machine(arch=x86, ram=8G, swiotlb=0, cma=0)
device(nic, dma_mask=${mask})
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
`;

// x86 before 5.0 without any swiotlb (iommu=off): dma_direct_ops' check_addr() reports, for the 4.17–4.20 gates
const OVERFLOW_OFF = (mask: number) => OVERFLOW(mask).replace('swiotlb=0,', 'swiotlb=0, iommu_off=true,');

// a 32-bit device behind a 31-bit bus on 4 GiB (no pool there) and a buffer at 3 GiB: dma-direct's report on
// 4.20 (check_addr, " bus mask") and 5.0 (report_addr) alike, without swiotlb
const BUS_OVERFLOW = `machine(arch=x86, ram=4G, swiotlb=0, cma=0)
device(nic, dma_mask=32, bus_limit=31)
b = kmalloc(4096, GFP_KERNEL, at=0xc0000000)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
`;
// the same as an sg entry, on its own (5.0's report_addr is dev_err_once: one report per device)
const BUS_OVERFLOW_SG = BUS_OVERFLOW.replace('h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)', 't = sg_table(b, 4096)\nn = dma_map_sg(nic, t, DMA_TO_DEVICE)');

// dma_map_sg of one entry the device cannot reach, no swiotlb (kernel/dma/direct.c dma_direct_map_sg)
const OVERFLOW_SG = `machine(arch=x86, ram=8G, swiotlb=0, cma=0)
device(nic, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
t = sg_table(b, 4096)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
`;

// dma_get_sgtable of a coherent allocation on a device without IOMMU
const SGTABLE = (arch: string) => `machine(arch=${arch})
device(gpu, coherent=true)
cpu, h = dma_alloc_coherent(gpu, 8192)
sgt = dma_get_sgtable(gpu, cpu, h, 8192) => 0
`;

describe('dma-direct and mapping gates', () => {
  boundary(
    DIRECT_GATES.kernelDmaDir,
    'dma-debug findings and swiotlb_full come from lib/dma-debug.c and lib/swiotlb.c before, kernel/dma/debug.c and kernel/dma/swiotlb.c after',
    ({ before, after }) => {
      const findingFile = (r: RunResult) => at(r, 'dma_unmap_single').events.find((e) => e.kind === 'finding')?.why.file;
      const overflowFile = (r: RunResult) => (at(r, 'hc =').events.find((e) => e.kind === 'note' && e.text.startsWith('map failed: handle')) as { why: { file?: string } } | undefined)?.why.file;
      expect(findingFile(before)).toBe('lib/dma-debug.c');
      expect(overflowFile(before)).toBe('lib/swiotlb.c');
      expect(findingFile(after)).toBe('kernel/dma/debug.c');
      expect(overflowFile(after)).toBe('kernel/dma/swiotlb.c');
      // the catalogue names the same files for the lines swiotlb_full prints
      const g = DIRECT_GATES.kernelDmaDir;
      expect(fileFor(catalogueEntry('swiotlb.out-of-space'), g.code - 1)).toBe('lib/swiotlb.c');
      expect(fileFor(catalogueEntry('swiotlb.out-of-space'), g.code)).toBe('kernel/dma/swiotlb.c');
    },
    `${SWIOTLB_FULL}dma_unmap_single(nic, 0x1000, 64, DMA_TO_DEVICE)
`,
  );
  boundary(
    ARCH_GATES.x86DmaDirect,
    'x86 without IOMMU or swiotlb: pci-nommu\'s check_addr() printk ("nommu_map_single" / "nommu_map_sg", no device, no 0x) before, dma-direct\'s dev_err after',
    ({ before, after }) => {
      expect(at(before, 'h =').warnings).toEqual(['nommu_map_single: overflow 180000000+4096 of device mask ffffffff']);
      expect(at(before, 'n =').warnings).toEqual(['nommu_map_sg: overflow 180000000+4096 of device mask ffffffff']);
      expect(at(before, 'h =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(before, 'n =').result).toBe(0);
      expect(at(after, 'h =').warnings).toEqual([expect.stringMatching(/^nic nic: dma_direct_map_page: overflow 0x0*180000000\+4096 of device mask ffffffff$/)]);
      // kernel/dma/direct.c dma_direct_map_sg() (4.17–4.20) calls check_addr(dev, …, __func__) itself: the sg report names it
      expect(at(after, 'n =').warnings).toEqual([expect.stringMatching(/^nic nic: dma_direct_map_sg: overflow 0x0*180000000\+4096 of device mask ffffffff$/)]);
      expect(at(after, 'n =').result).toBe(0);
      // a mask under 32 bits fails silently on both sides (check_addr's `*dev->dma_mask >= DMA_BIT_MASK(32)`)
      expect(at(before, 'h30 =').warnings).toEqual([]);
      expect(at(before, 'h30 =').error).toBe('DMA_MAPPING_ERROR');
    },
    // iommu_off=true: x86's iommu=off, no swiotlb at all (swiotlb=0 alone is swiotlb=noforce, whose ops are swiotlb's)
    `machine(arch=x86, ram=8G, swiotlb=0, iommu_off=true)
device(nic, dma_mask=32)
device(old, dma_mask=30)
b = kmalloc(4096, GFP_KERNEL, at=0x180000000)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
t = sg_table(b, 4096)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
h30 = dma_map_single(old, b, 4096, DMA_TO_DEVICE)
`,
  );

  // x86's dma_supported() without an IOMMU: before 4.13 the arch's own dma_supported() (arch/x86/kernel/pci-dma.c)
  // finds no .dma_supported in nommu_dma_ops or pci-swiotlb.c's swiotlb_dma_ops and refuses "mask <
  // DMA_BIT_MASK(24)"; from 4.13 that test is nommu_dma_ops' x86_dma_supported(), and the swiotlb ops'
  // ".dma_supported = NULL" makes the generic dma_supported() return 1.
  const maskNote = (r: RunResult) => at(r, 'dma_set_mask').events.find((e) => e.kind === 'note') as { text: string; why: { fn: string; file?: string; rule: string } };
  boundary(
    ARCH_GATES.x86DmaSupportedOps,
    'x86 with a swiotlb pool, dma_set_mask(20): -EIO from the arch dma_supported() (pci-dma.c, under 24 bits) before; 0 after, the swiotlb ops having no .dma_supported (dma_supported() returns 1)',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask').error).toBe('EIO');
      expect(maskNote(before)).toMatchObject({ text: 'mask not supported', why: { fn: 'dma_supported', file: 'arch/x86/kernel/pci-dma.c' } });
      expect(maskNote(before).why.rule).toContain('DMA_BIT_MASK(24)');
      expect(at(after, 'dma_set_mask').error).toBeNull();
      expect(at(after, 'dma_set_mask').result).toBe(0);
      expect(maskNote(after)).toMatchObject({ text: 'mask 20 bits', why: { fn: 'dma_supported', file: 'include/linux/dma-mapping.h' } });
      expect(maskNote(after).why.rule).toContain('.dma_supported = NULL');
    },
    `machine(arch=x86, ram=8G)
device(old, dma_mask=32)
dma_set_mask(old, 20)
`,
  );
  boundary(
    ARCH_GATES.x86DmaSupportedOps,
    `x86 without swiotlb (nommu_dma_ops), dma_set_mask(20): -EIO on both sides, from the arch dma_supported() before, from nommu_dma_ops' x86_dma_supported() after; 24 bits accepted on both`,
    ({ before, after }) => {
      for (const r of [before, after]) {
        expect(at(r, 'dma_set_mask(old, 20)').error).toBe('EIO');
        expect(at(r, 'dma_set_mask(old, 24)').error).toBeNull();
      }
      expect(maskNote(before).why).toMatchObject({ fn: 'dma_supported', file: 'arch/x86/kernel/pci-dma.c' });
      expect(maskNote(after).why).toMatchObject({ fn: 'x86_dma_supported', file: 'arch/x86/kernel/pci-dma.c' });
    },
    `machine(arch=x86, ram=2G, swiotlb=0)
device(old, dma_mask=32)
dma_set_mask(old, 20)
dma_set_mask(old, 24)
`,
  );
  // x86 with a swiotlb pool: pci-swiotlb.c's swiotlb_dma_ops (".dma_supported = NULL") before 4.17, the generic
  // swiotlb_dma_ops after, whose .dma_supported is dma_direct_supported (66bdb147): under DMA_BIT_MASK(24) refused.
  boundary(
    ARCH_GATES.x86GenericSwiotlbOps,
    'x86 with a swiotlb pool, dma_set_mask(20): 0 before (no .dma_supported: dma_supported() returns 1), -EIO from dma_direct_supported (lib/dma-direct.c) after; 24 bits accepted on both sides',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask(old, 20)').error).toBeNull();
      expect(maskNote(before).why).toMatchObject({ fn: 'dma_supported', file: 'include/linux/dma-mapping.h' });
      expect(at(after, 'dma_set_mask(old, 20)').error).toBe('EIO');
      expect(maskNote(after)).toMatchObject({ text: 'mask not supported', why: { fn: 'dma_direct_supported', file: 'lib/dma-direct.c' } });
      expect(maskNote(after).why.rule).toContain('DMA_BIT_MASK(24)');
      for (const r of [before, after]) expect(at(r, 'dma_set_mask(old, 24)').error).toBeNull();
    },
    `machine(arch=x86, ram=8G)
device(old, dma_mask=32)
dma_set_mask(old, 20)
dma_set_mask(old, 24)
`,
  );
  // dma_direct_supported() before 9d7a224b463e: "if (mask < DMA_BIT_MASK(32)) return 0;" without CONFIG_ZONE_DMA,
  // whatever RAM there is; from it min_mask = min(DMA_BIT_MASK(32), (max_pfn - 1) << PAGE_SHIFT). riscv 4.19 with a
  // pool has swiotlb_dma_ops, whose .dma_supported is dma_direct_supported too.
  boundary(
    DIRECT_GATES.supportedRam,
    'riscv with 2 GiB, dma_set_mask(31): -EIO from dma_direct_supported (under 32 bits, no CONFIG_ZONE_DMA) before; accepted after, the mask reaching the last page of RAM; a 30-bit mask refused on both sides',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask(nic, 31)').error).toBe('EIO');
      expect(maskNote(before)).toMatchObject({ text: 'mask not supported', why: { fn: 'dma_direct_supported', file: 'kernel/dma/direct.c' } });
      expect(maskNote(before).why.rule).toContain('whatever RAM there is');
      expect(at(after, 'dma_set_mask(nic, 31)').error).toBeNull();
      expect(maskNote(after).text).toBe('mask 31 bits');
      for (const r of [before, after]) expect(at(r, 'dma_set_mask(nic, 30)').error).toBe('EIO');
    },
    `machine(arch=riscv, ram=2G)
device(nic, dma_mask=64)
dma_set_mask(nic, 31)
dma_set_mask(nic, 30)
`,
  );
  boundary(
    DIRECT_GATES.vmapStack,
    'a stack buffer is linear-map memory before (mapped, "fromstack"), vmalloc memory after (virt_to_page() of it is an unrelated page: no stack report; 4.9 has no debug_dma_map_single to say "vmalloc area", DEBUG_GATES.mapSingleCheck)',
    ({ before, after }) => {
      const b = at(before, 'h = dma_map_single');
      expect(b.error).toBeNull();
      expect(b.warnings.join('\n')).toContain('device driver maps memory fromstack [addr=');
      const a = at(after, 'h = dma_map_single');
      expect(a.observationRules).toContain('api/vmalloc-address');
      expect(a.warnings).toEqual([]);
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
s = stack_buffer(64)
h = dma_map_single(d, s, 64, DMA_TO_DEVICE)
`,
  );
  boundary(
    DIRECT_GATES.vmallocRejected,
    'dma_map_single of vmalloc memory goes ahead with dma-debug\'s report before, is refused after',
    ({ before, after }) => {
      const b = at(before, 'h = dma_map_single');
      expect(b.error).toBeNull();
      expect(b.warnings.join('\n')).toContain('device driver maps memory from vmalloc area');
      expect(at(after, 'h = dma_map_single').error).toBe('DMA_MAPPING_ERROR');
      expect(at(after, 'h = dma_map_single').warnings.join('\n')).toContain('rejecting DMA map of vmalloc memory');
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
v = vmalloc(4096)
h = dma_map_single(d, v, 4096, DMA_TO_DEVICE)
`,
  );
  boundary(
    DIRECT_GATES.overflowBusMask,
    'check_addr\'s report without the bus mask before, with " bus mask" appended after',
    ({ before, after }) => {
      expect(at(before, 'h =').warnings).toEqual(['nic nic: dma_direct_map_page: overflow 0x00000001fffff000+4096 of device mask ffffffff']);
      expect(at(after, 'h =').warnings).toEqual(['nic nic: dma_direct_map_page: overflow 0x00000001fffff000+4096 of device mask ffffffff bus mask 0']);
    },
    OVERFLOW_OFF(32),
  );
  // Allocations: 4.19's dma_direct_alloc picks the zone from dev->coherent_dma_mask and dma_coherent_ok() checks
  // "addr + size - 1 <= dev->coherent_dma_mask", so a bus limit is ignored; b4ebe6063204 uses
  // min_not_zero(coherent_dma_mask, bus_dma_mask) for both (__dma_direct_optimal_gfp_mask, dma_coherent_ok).
  boundary(
    DIRECT_GATES.overflowBusMask,
    'a coherent buffer for a 64-bit device behind a 32-bit bus limit lands above 4 GiB, beyond the bus, before; below 4 GiB in ZONE_DMA32 after',
    ({ before, after }) => {
      const phys = (r: RunResult) => (at(r, 'cpu, h').events.find((e) => e.kind === 'alloc') as { phys: number }).phys;
      expect(phys(before)).toBeGreaterThanOrEqual(2 ** 32);
      expect(phys(after)).toBeLessThan(2 ** 32);
    },
    `machine(arch=arm64, ram=8G, cma=0)
device(dev, dma_mask=64, bus_limit=32)
cpu, h = dma_alloc_coherent(dev, 4096)
`,
  );
  boundary(
    DIRECT_GATES.overflowReportAddr,
    'an sg entry out of reach: check_addr\'s "dma_direct_map_sg: overflow …" (dma_direct_map_sg checks each entry itself) before, report_addr\'s caller-less report after (dma_direct_map_sg maps each entry with dma_direct_map_page)',
    ({ before, after }) => {
      expect(at(before, 'n =').warnings).toEqual(['nic nic: dma_direct_map_sg: overflow 0x00000000c0000000+4096 of device mask ffffffff bus mask 7fffffff']);
      expect(at(after, 'n =').warnings).toEqual(['nic nic: overflow 0x00000000c0000000+4096 of DMA mask ffffffff bus mask 7fffffff', 'WARNING: at kernel/dma/direct.c: report_addr: WARN_ON_ONCE(1)']);
      for (const r of [before, after]) expect(at(r, 'n =').result).toBe(0);
    },
    BUS_OVERFLOW_SG,
  );
  boundary(
    DIRECT_GATES.overflowBusMask,
    'an sg entry out of reach: "dma_direct_map_sg: overflow … of device mask" before, " bus mask" appended after',
    ({ before, after }) => {
      expect(at(before, 'n =').warnings).toEqual(['nic nic: dma_direct_map_sg: overflow 0x00000001fffff000+4096 of device mask ffffffff']);
      expect(at(after, 'n =').warnings).toEqual(['nic nic: dma_direct_map_sg: overflow 0x00000001fffff000+4096 of device mask ffffffff bus mask 0']);
    },
    OVERFLOW_SG.replace('swiotlb=0,', 'swiotlb=0, iommu_off=true,'),
  );
  boundary(
    DIRECT_GATES.directGetSgtable,
    'dma_get_sgtable on a dma-direct device: dma_common_get_sgtable (kernel/dma/mapping.c) before, dma_direct_get_sgtable (kernel/dma/direct.c) after; one entry either way',
    ({ before, after }) => {
      expect(at(before, 'sgt =').events[0]).toMatchObject({ kind: 'note', text: 'sg_table of 1 entry', why: { fn: 'dma_common_get_sgtable', file: 'kernel/dma/mapping.c' } });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ kind: 'note', text: 'sg_table of 1 entry', why: { fn: 'dma_direct_get_sgtable', file: 'kernel/dma/direct.c' } });
    },
    SGTABLE('arm64'),
  );
  boundary(
    DIRECT_GATES.kernelDmaDir,
    'dma_get_sgtable on a device without IOMMU: dma_common_get_sgtable from drivers/base/dma-mapping.c before, kernel/dma/mapping.c after',
    ({ before, after }) => {
      expect(at(before, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_common_get_sgtable', file: 'drivers/base/dma-mapping.c' } });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_common_get_sgtable', file: 'kernel/dma/mapping.c' } });
    },
    SGTABLE('x86'),
  );
  boundary(
    DIRECT_GATES.overflowReportAddr,
    'check_addr\'s "dma_direct_map_page: overflow … of device mask … bus mask" before, report_addr\'s dev_err_once + WARN_ON_ONCE after',
    ({ before, after }) => {
      expect(at(before, 'h =').warnings).toEqual(['nic nic: dma_direct_map_page: overflow 0x00000000c0000000+4096 of device mask ffffffff bus mask 7fffffff']);
      expect(at(after, 'h =').warnings).toEqual(['nic nic: overflow 0x00000000c0000000+4096 of DMA mask ffffffff bus mask 7fffffff', 'WARNING: at kernel/dma/direct.c: report_addr: WARN_ON_ONCE(1)']);
    },
    BUS_OVERFLOW,
  );
  boundary(
    DIRECT_GATES.overflowBusLimit,
    '"bus mask" before, "bus limit" after',
    ({ before, after }) => {
      // [0] is swiotlb_map()'s "Cannot do DMA to address" on both sides (SWIOTLB_GATES.noForceInDirect)
      expect(at(before, 'h =').warnings[1]).toContain('bus mask 0');
      expect(at(after, 'h =').warnings[1]).toContain('bus limit 0');
    },
    OVERFLOW(32),
  );
  boundary(
    DIRECT_GATES.overflowAlways,
    'a 30-bit mask gets only the bare WARN_ON_ONCE before, the "DMA addr … overflow" report after',
    ({ before, after }) => {
      // before: swiotlb_map()'s "Cannot do DMA to address" (swiotlb=noforce, SWIOTLB_GATES.noForceInDirect, same release) then the WARN
      expect(at(before, 'h =').warnings).toEqual(['nic nic: Cannot do DMA to address 0x00000001fffff000', 'WARNING: at kernel/dma/direct.c: report_addr: WARN_ON_ONCE(1)']);
      expect(at(after, 'h =').warnings).toEqual(['nic nic: DMA addr 0x00000001fffff000+4096 overflow (mask 3fffffff, bus limit 0).']);
    },
    OVERFLOW(30),
  );
  boundary(
    DIRECT_GATES.cmaSinglePage,
    'a blocking single-page dma_alloc_coherent comes from CMA before, from the page allocator after',
    ({ before, after }) => {
      const fromCma = (r: RunResult) => at(r, 'cpu, h = dma_alloc_coherent').events.some((e) => e.kind === 'cma' && e.op === 'alloc');
      expect(fromCma(before)).toBe(true);
      expect(fromCma(after)).toBe(false);
    },
    `machine(arch=arm64, ram=8G)
device(d, dma_mask=32)
cpu, h = dma_alloc_coherent(d, 4096, GFP_KERNEL)
`,
  );
});

// ---------------------------------------------------------------------------

const warns = (r: RunResult, prefix: string, nth = 0) => at(r, prefix, nth).warnings.join('\n');

describe('dma-debug gates', () => {
  // debug_dma_map_single(), called by dma_map_single_attrs (4.20, commit not found)
  boundary(
    DEBUG_GATES.mapSingleCheck,
    'dma_map_single of vmalloc memory (mapped all the same before 5.5) goes unreported by dma-debug before, "device driver maps memory from vmalloc area" after',
    ({ before, after }) => {
      for (const r of [before, after]) expect(at(r, 'h = dma_map_single').error).toBeNull();
      expect(at(before, 'h = dma_map_single').warnings).toEqual([]);
      expect(at(after, 'h = dma_map_single').warnings).toEqual([expect.stringMatching(/^nic nic: DMA-API: device driver maps memory from vmalloc area \[addr=[0-9a-f]+\] \[len=4096\]$/)]);
    },
    `machine(arch=arm64)
device(nic, dma_mask=64)
v = vmalloc(4096)
h = dma_map_single(nic, v, 4096, DMA_TO_DEVICE)
`,
  );
  // kernel/dma/debug.c HASH_SIZE 1024 → 16384 (5.5, 5e76f564572b "dma-debug: increase HASH_SIZE")
  boundary(
    DEBUG_GATES.hashSize,
    'two leaked mappings 8 MiB apart share bucket 0 of 1024 before, so the unbind report shows the later one (0x100800000); they sit in buckets 1024 and 2048 of 16384 after, so it shows the one in the higher bucket (0x101000000)',
    ({ before, after }) => {
      const leaked = (r: RunResult) => at(r, 'device_release_driver').warnings[0]!;
      expect(leaked(before)).toContain('[count=2]');
      expect(leaked(before)).toContain('[device address=0x0000000100800000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE]');
      expect(leaked(after)).toContain('[device address=0x0000000101000000] [size=4096 bytes] [mapped with DMA_TO_DEVICE]');
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=64)
a = kmalloc(4096, GFP_KERNEL, at=0x101000000)
b = kmalloc(4096, GFP_KERNEL, at=0x100800000)
ha = dma_map_single(nic, a, 4096, DMA_TO_DEVICE)
hb = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
device_release_driver(nic)
`,
  );
  boundary(
    DEBUG_GATES.vmapStack,
    '"fromstack [addr=" for a linear-map stack before, "from stack [probable addr=" for a vmapped one after',
    ({ before, after }) => {
      expect(warns(before, 'h = dma_map_page')).toContain('device driver maps memory fromstack [addr=');
      expect(warns(after, 'h = dma_map_page')).toContain('device driver maps memory from stack [probable addr=');
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
s = stack_buffer(64)
h = dma_map_page(d, s, 0, 64, DMA_TO_DEVICE)
`,
  );
  const NOT_ALLOCATED = `machine(arch=arm64)
device(d, dma_mask=64)
dma_unmap_single(d, 0x1000, 64, DMA_TO_DEVICE)
`;
  boundary(
    DEBUG_GATES.prFmt,
    '"<device>: DMA-API: …" before, "DMA-API: <device>: …" after',
    ({ before, after }) => {
      expect(warns(before, 'dma_unmap_single')).toMatch(/^d[ a-z]*: DMA-API: device driver tries to free DMA memory it has not allocated/);
      expect(warns(after, 'dma_unmap_single')).toMatch(/^DMA-API: d[ a-z]*: device driver tries to free DMA memory it has not allocated/);
    },
    NOT_ALLOCATED,
  );
  boundary(
    DEBUG_GATES.singlePageMerged,
    'a dma_map_page mapping undone by dma_unmap_single is "wrong function" before, fine after',
    ({ before, after }) => {
      expect(warns(before, 'dma_unmap_single')).toContain('[mapped as page] [unmapped as single]');
      expect(warns(after, 'dma_unmap_single')).not.toContain('wrong function');
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
h = dma_map_page(d, p, 0, 4096, DMA_TO_DEVICE)
dma_mapping_error(d, h)
dma_unmap_single(d, h, 4096, DMA_TO_DEVICE)
`,
  );
  const SG_WRONG_FUNCTION = `machine(arch=arm64)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
t = sg_table(p, 4096)
n = dma_map_sg(d, t, DMA_TO_DEVICE)
h = sg_dma_address(t, 0)
dma_unmap_single(d, h, 4096, DMA_TO_DEVICE)
`;
  boundary(
    DEBUG_GATES.typeNamesFixed,
    'an sg entry prints as "page" through the stale type table before, as "scather-gather" after',
    ({ before, after }) => {
      expect(warns(before, 'dma_unmap_single')).toContain('[mapped as page] [unmapped as single]');
      expect(warns(after, 'dma_unmap_single')).toContain('[mapped as scather-gather] [unmapped as single]');
    },
    SG_WRONG_FUNCTION,
  );
  boundary(
    DEBUG_GATES.scatterSpelling,
    '"scather-gather" before, "scatter-gather" after',
    ({ before, after }) => {
      expect(warns(before, 'dma_unmap_single')).toContain('[mapped as scather-gather]');
      expect(warns(after, 'dma_unmap_single')).toContain('[mapped as scatter-gather]');
    },
    SG_WRONG_FUNCTION,
  );
  const OVERLAP = `machine(arch=x86)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
h1 = dma_map_single(d, p, 16, DMA_FROM_DEVICE)
h2 = dma_map_single(d, p, 16, DMA_FROM_DEVICE)
h3 = dma_map_single(d, p, 16, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)
`;
  boundary(
    DEBUG_GATES.eexistPrErr,
    'two mappings starting in one cacheline are not reported before, pr_err without the device after',
    ({ before, after }) => {
      expect(at(before, 'h2 =').warnings).toEqual([]);
      expect(at(after, 'h2 =').warnings).toEqual(["DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
    },
    OVERLAP,
  );
  boundary(
    DEBUG_GATES.eexistErrPrintk,
    'EEXIST is a plain pr_err before (also with DMA_ATTR_SKIP_CPU_SYNC), an err_printk with the device after (silenced by SKIP_CPU_SYNC)',
    ({ before, after }) => {
      expect(at(before, 'h3 =').warnings).toEqual(["DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
      expect(warns(after, 'h2 =')).toMatch(/^DMA-API: d[ a-z]*: cacheline tracking EEXIST/);
      expect(at(after, 'h3 =').warnings).toEqual([]);
    },
    OVERLAP,
  );
  boundary(
    DEBUG_GATES.syncFullWalk,
    'a sync 96 KiB into a 128 KiB mapping is "not allocated" before (the walk back stops at dma_get_max_seg_size), found after',
    ({ before, after }) => {
      expect(warns(before, 'dma_sync_single_for_cpu')).toContain('tries to sync DMA memory it has not allocated');
      expect(at(after, 'dma_sync_single_for_cpu').warnings).toEqual([]);
      // dma_set_max_seg_size widens the old walk back
      expect(at(before, 'dma_sync_single_for_cpu', 1).warnings).toEqual([]);
    },
    `machine(arch=x86)
device(d, dma_mask=64)
b = alloc_pages(GFP_KERNEL, 5)
h = dma_map_single(d, b, 131072, DMA_FROM_DEVICE)
dma_sync_single_for_cpu(d, h + 98304, 64, DMA_FROM_DEVICE)
dma_set_max_seg_size(d, 131072)
dma_sync_single_for_cpu(d, h + 98304, 64, DMA_FROM_DEVICE)
`,
  );
  boundary(
    DEBUG_GATES.paddr,
    'a coherent free with the wrong CPU address prints "0x%016llx" before, "0x%pa" (0x0x…) after',
    ({ before, after }) => {
      expect(warns(before, 'dma_free_coherent')).toMatch(/\[cpu alloc address=0x[0-9a-f]{16}\]/);
      expect(warns(after, 'dma_free_coherent')).toMatch(/\[cpu alloc address=0x0x[0-9a-f]{16}\]/);
    },
    `machine(arch=x86)
device(d, dma_mask=64)
a, ha = dma_alloc_coherent(d, 4096, GFP_KERNEL)
b, hb = dma_alloc_coherent(d, 4096, GFP_KERNEL)
dma_free_coherent(d, 4096, b, ha)
`,
  );
  boundary(
    DEBUG_GATES.noncoherent,
    'a dma_alloc_noncoherent entry wants a dma_mapping_error() check before ("mapped as single"), has its own type after',
    ({ before, after }) => {
      expect(warns(before, 'dma_free_noncoherent')).toContain('failed to check map error');
      expect(at(after, 'dma_free_noncoherent').warnings).toEqual([]);
    },
    `machine(arch=x86)
device(d, dma_mask=64)
c, h = dma_alloc_noncoherent(d, 4096, DMA_BIDIRECTIONAL, GFP_KERNEL)
dma_free_noncoherent(d, 4096, c, h, DMA_BIDIRECTIONAL)
`,
  );
  boundary(
    DEBUG_GATES.phy,
    'a dma_map_single entry is "single" before, "phy" after',
    ({ before, after }) => {
      expect(warns(before, 'dma_unmap_single')).toContain('[mapped as single]');
      expect(warns(after, 'dma_unmap_single')).toContain('[mapped as phy]');
    },
    `machine(arch=x86)
device(d, dma_mask=64)
b = kmalloc(64, GFP_KERNEL)
h = dma_map_single(d, b, 64, DMA_TO_DEVICE)
dma_unmap_single(d, h, 64, DMA_TO_DEVICE)
`,
  );
  it('debug_dma_map_sg runs check_for_stack on every entry (a stack page in a scatterlist is reported)', () => {
    const r = runScenario(`machine(arch=x86)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 0)
s = stack_buffer(64)
t = sg_table(p, 4096, s, 64)
n = dma_map_sg(d, t, DMA_TO_DEVICE)
`);
    expect(warns(r, 'n = dma_map_sg')).toContain('device driver maps memory from stack [probable addr=');
  });
  /** A page and a stack page in one sg_table (in the order given), mapped through a strict SMMU: dma-iommu merges them into one segment. */
  const stackInSg = (entries: string) => `machine(arch=arm64)
iommu(smmu, mode=strict)
device(nvme, dma_mask=64, coherent=true, iommu=smmu)
a = alloc_pages(GFP_KERNEL, 0)
s = stack_buffer(4096)
t = sg_table(${entries})
n = dma_map_sg(nvme, t, DMA_TO_DEVICE)
`;
  boundary(
    DEBUG_GATES.sgChecksAllEntries,
    'a stack page in an entry dma-iommu merged into the first segment: not checked (check_for_stack runs in the mapped_ents loop) before, reported (the nents loop) after',
    ({ before, after }) => {
      for (const r of [before, after]) expect(at(r, 'n = dma_map_sg').result).toBe(1);
      expect(at(before, 'n = dma_map_sg').warnings).toEqual([]);
      expect(warns(after, 'n = dma_map_sg')).toContain('device driver maps memory from stack [probable addr=');
    },
    stackInSg('a, 4096, s, 4096'),
  );
  boundary(
    DEBUG_GATES.sgChecksAllEntries,
    'a stack page in the first entry is reported on both sides (it is a mapped segment of its own)',
    ({ before, after }) => {
      for (const r of [before, after]) {
        expect(at(r, 'n = dma_map_sg').result).toBe(1);
        expect(warns(r, 'n = dma_map_sg')).toContain('device driver maps memory from stack [probable addr=');
      }
    },
    stackInSg('s, 4096, a, 4096'),
  );
  boundary(
    DEBUG_GATES.swiotlbEexist,
    'EEXIST is reported on arm64 with swiotlb before, silenced while unaligned kmalloc buffers may bounce after',
    ({ before, after }) => {
      expect(warns(before, 'h2 =')).toContain('cacheline tracking EEXIST');
      expect(at(after, 'h2 =').warnings).toEqual([]);
    },
    `machine(arch=arm64)
device(d, dma_mask=64)
p = alloc_pages(GFP_KERNEL, 1)
h1 = dma_map_single(d, p, 4096, DMA_FROM_DEVICE)
h2 = dma_map_single(d, p, 4096, DMA_FROM_DEVICE)
`,
  );
});

// ---------------------------------------------------------------------------

const CMA_TOO_BIG = `machine(arch=arm64, ram=8G, cma=16M)
device(cam)
a = dma_alloc_from_contiguous(cam, 8192, 8)
`;

describe('CMA gates', () => {
  boundary(
    CMA_GATES.failMessage,
    'a failed cma_alloc logs nothing before, "cma: cma_alloc: alloc failed" after',
    ({ before, after }) => {
      expect(at(before, 'a =').warnings).toEqual([]);
      expect(at(after, 'a =').warnings).toEqual(['cma: cma_alloc: alloc failed, req-size: 8192 pages, ret: -12']);
    },
    CMA_TOO_BIG,
  );
  boundary(
    CMA_GATES.failPrErr,
    'the same failure line, printed with pr_info (KERN_INFO) before and pr_err (KERN_ERR) after',
    ({ before, after }) => {
      const line = 'cma: cma_alloc: alloc failed, req-size: 8192 pages, ret: -12';
      const logs = (r: RunResult) => at(r, 'a =').events.flatMap((e) => (e.kind === 'log' ? [{ level: e.level, text: e.text }] : []));
      expect(logs(before)).toEqual([{ level: 'info', text: line }]);
      expect(logs(after)).toEqual([{ level: 'err', text: line }]);
    },
    CMA_TOO_BIG,
  );
  boundary(
    CMA_GATES.areaName,
    'the failure line gains the area name',
    ({ before, after }) => {
      expect(at(before, 'a =').warnings).toEqual(['cma: cma_alloc: alloc failed, req-size: 8192 pages, ret: -12']);
      expect(at(after, 'a =').warnings).toEqual(['cma: cma_alloc: reserved: alloc failed, req-size: 8192 pages, ret: -12']);
    },
    CMA_TOO_BIG,
  );
  boundary(
    CMA_GATES.underscoreName,
    'cma_alloc before, __cma_alloc after',
    ({ before, after }) => {
      expect(at(before, 'a =').warnings[0]).toMatch(/^cma: cma_alloc: /);
      expect(at(after, 'a =').warnings[0]).toMatch(/^cma: __cma_alloc: /);
    },
    CMA_TOO_BIG,
  );
  boundary(
    CMA_GATES.aboveFourGiB,
    'x86 (limit: the end of RAM) reserves the 16 MiB CMA area top-down at the top of RAM before, bottom-up from 4 GiB after; out of a 32-bit device\'s reach on both sides',
    ({ before, after }) => {
      const cma = (r: RunResult) => at(r, 'a = dma_alloc_from_contiguous').events.find((e) => e.kind === 'cma' && e.op === 'alloc') as { pfn: number } | undefined;
      expect(cma(before)!.pfn * 4096).toBe(8 * 2 ** 30 - 16 * 2 ** 20);
      expect(cma(after)!.pfn * 4096).toBe(2 ** 32);
      const outOfReach = (r: RunResult) => at(r, 'c, h = dma_alloc_coherent').events.some((e) => e.kind === 'note' && e.text === 'CMA pages out of reach');
      expect(outOfReach(before)).toBe(true);
      expect(outOfReach(after)).toBe(true);
    },
    `machine(arch=x86, ram=8G)
device(cam, dma_mask=32)
a = dma_alloc_from_contiguous(cam, 16, 0)
c, h = dma_alloc_coherent(cam, 65536, GFP_KERNEL)
`,
  );
  boundary(
    CMA_GATES.multiRange,
    'ret -12 and no area dump before, ret -16 and the free ranges after',
    ({ before, after }) => {
      expect(at(before, 'a =').warnings).toEqual(['cma: __cma_alloc: reserved: alloc failed, req-size: 8192 pages, ret: -12']);
      const w = at(after, 'a =').warnings;
      expect(w[0]).toBe('cma: __cma_alloc: reserved: alloc failed, req-size: 8192 pages, ret: -16');
      expect(w.slice(1).join('\n')).toContain('=> 4096 free of 4096 total pages');
    },
    CMA_TOO_BIG,
  );

  const PINNED_CANDIDATE = `machine(arch=arm64, ram=8G, cma=2M)
device(cam)
pc = alloc_movable(12K)
pin_pages(pc + 4096, 4096)
a = dma_alloc_from_contiguous(cam, 256, 8)
`;
  it('migration moves every movable page of a candidate before a pinned one fails it; cma_alloc goes on to the next candidate', () => {
    const s = at(runScenario(PINNED_CANDIDATE), 'a =');
    const migrated = s.events.filter((e) => e.kind === 'cma' && e.op === 'migrate');
    // pages 0 and 2 of the first candidate move; page 1 is pinned
    expect(migrated.map((e) => (e as { pfn: number }).pfn - 0xffe00)).toEqual([0, 2]);
    expect(s.events.filter((e) => e.kind === 'cma' && e.op === 'busy_retry')).toHaveLength(1);
    expect(s.error).toBeNull();
  });
  boundary(
    CMA_GATES.pfnsBusySilent,
    'alloc_contig_range prints one "PFNs busy" line for the busy candidate before (one log event, not two), nothing after',
    ({ before, after }) => {
      const busyLogs = (r: RunResult) => at(r, 'a =').events.filter((e) => e.kind === 'log' && e.id === 'cma.pfns-busy');
      expect(at(before, 'a =').warnings).toEqual(['alloc_contig_range: [ffe00, fff00) PFNs busy']);
      expect(busyLogs(before)).toHaveLength(1);
      expect(at(after, 'a =').warnings).toEqual([]);
      expect(busyLogs(after)).toEqual([]);
      // the retry itself is the same on both sides
      for (const r of [before, after]) expect(at(r, 'a =').events.filter((e) => e.kind === 'cma' && e.op === 'busy_retry')).toHaveLength(1);
    },
    PINNED_CANDIDATE,
  );
});

// ---------------------------------------------------------------------------

const DMABUF_HEAD = `machine(arch=arm64, ram=8G)
device(gpu)
device(isp)
device(nic, coherent=true)
p = alloc_pages(GFP_KERNEL, 0)
`;
const CACHE_SGT = DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096, cache_sgt=true)
at = dma_buf_attach(db, isp)
dma_resv_lock(db)
s1 = dma_buf_map_attachment(at, DMA_TO_DEVICE)
s2 = dma_buf_map_attachment(at, DMA_FROM_DEVICE)
dma_resv_unlock(db)
`;

describe('dma-buf gates', () => {
  boundary(
    DMA_BUF_GATES.cacheSgt,
    'a second direction maps again before, gets -EBUSY against the cached first mapping after',
    ({ before, after }) => {
      expect(at(before, 's2 =').error).toBeNull();
      expect(at(after, 's2 =').error).toBe('EBUSY');
    },
    CACHE_SGT,
  );
  boundary(
    DMA_BUF_GATES.cacheSgt,
    'a GEM exporter: drm_prime refuses TO_DEVICE against its cached BIDIRECTIONAL mapping (WARN_ON, -EBUSY) before; the core accepts it after',
    ({ before, after }) => {
      expect(at(before, 'tx =').error).toBe('EBUSY');
      expect(at(before, 'tx =').warnings.join(' ')).toContain('drm_gem_map_dma_buf');
      expect(at(after, 'tx =').error).toBeNull();
      expect(at(after, 'tx =').events.some((e) => e.kind === 'dmabuf' && e.op === 'map_cached')).toBe(true);
    },
    DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096, ops=gem)
at = dma_buf_attach(db, isp)
dma_resv_lock(db)
bi = dma_buf_map_attachment(at, DMA_BIDIRECTIONAL)
tx = dma_buf_map_attachment(at, DMA_TO_DEVICE)
`,
  );
  boundary(
    DMA_BUF_GATES.noCache,
    '-EBUSY against the cached mapping before, a second mapping after (no caching)',
    ({ before, after }) => {
      expect(at(before, 's2 =').error).toBe('EBUSY');
      expect(at(after, 's2 =').error).toBeNull();
    },
    CACHE_SGT,
  );
  boundary(
    DMA_BUF_GATES.dynamic,
    'a static importer of a dynamic exporter attaches plainly before, gets a BIDIRECTIONAL mapping cached at attach after',
    ({ before, after }) => {
      const cachedAtAttach = (r: RunResult) => at(r, 'at = dma_buf_attach').events.some((e) => e.kind === 'dmabuf' && e.op === 'map_at_attach');
      expect(cachedAtAttach(before)).toBe(false);
      expect(cachedAtAttach(after)).toBe(true);
    },
    DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096, dynamic=true)
at = dma_buf_attach(db, isp)
`,
  );
  boundary(
    DMA_BUF_GATES.pinUnpin,
    'dma_buf_pin does not exist before (5.5–5.6 had only dynamic_mapping), pins after',
    ({ before, after }) => {
      expect(at(before, 'dma_buf_pin').error).toBe('ENOSYS');
      expect(at(after, 'dma_buf_pin').error).toBeNull();
      expect(at(after, 'dma_buf_move').error).toBe('EBUSY');
    },
    DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096, dynamic=true)
at = dma_buf_dynamic_attach(db, nic)
dma_resv_lock(db)
dma_buf_pin(at)
dma_resv_unlock(db)
dma_buf_move(db)
`,
  );
  boundary(
    DMA_BUF_GATES.mightLock,
    'begin_cpu_access with the reservation lock held is silent before, a lockdep recursion report after (might_lock)',
    ({ before, after }) => {
      expect(at(before, 'dma_buf_begin_cpu_access').warnings).toEqual([]);
      expect(warns(after, 'dma_buf_begin_cpu_access')).toContain('possible recursive locking detected');
    },
    DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096)
dma_resv_lock(db)
dma_buf_begin_cpu_access(db, DMA_FROM_DEVICE)
`,
  );
  boundary(
    DMA_BUF_GATES.sgtableEio,
    'a failed dma_map_sgtable in the exporter is -EINVAL before, -EIO after',
    ({ before, after }) => {
      expect(at(before, 's = dma_buf_map_attachment').error).toBe('EINVAL');
      expect(at(after, 's = dma_buf_map_attachment').error).toBe('EIO');
    },
    `machine(arch=arm64, ram=8G, swiotlb=0)
device(gpu)
device(dma32, dma_mask=32)
p = alloc_pages(GFP_KERNEL, 0)
db = dma_buf_export(gpu, p, 4096)
at = dma_buf_attach(db, dma32)
dma_resv_lock(db)
s = dma_buf_map_attachment(at, DMA_TO_DEVICE)
`,
  );
  boundary(
    DMA_BUF_GATES.lockAll,
    'a static importer maps without the reservation lock silently before, gets the lockdep assertion after',
    ({ before, after }) => {
      expect(at(before, 's = dma_buf_map_attachment').warnings).toEqual([]);
      expect(warns(after, 's = dma_buf_map_attachment')).toContain('dma_buf_map_attachment: lockdep_assert_held');
    },
    DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096)
at = dma_buf_attach(db, isp)
s = dma_buf_map_attachment(at, DMA_TO_DEVICE)
`,
  );

  it('CONFIG_DMABUF_MOVE_NOTIFY=n (the default) pins a dynamic exporter at map even for a dynamic importer; =y lets it move while mapped', () => {
    const text = DMABUF_HEAD + `db = dma_buf_export(gpu, p, 4096, dynamic=true)
at = dma_buf_dynamic_attach(db, nic)
dma_resv_lock(db)
s = dma_buf_map_attachment(at, DMA_TO_DEVICE)
dma_resv_unlock(db)
dma_buf_move(db)
`;
    const moveError = (moveNotify: boolean, kernel: string): string | null => {
      const p = prepareScenario(text, { kernel });
      if (!p.ok) throw new Error('parse');
      const m = createMachine({ ...p.config, dmabufMoveNotify: moveNotify });
      let last: StepJson | null = null;
      p.body.forEach((c, i) => (last = runStep(m, c, i + 1).json));
      return last!.error;
    };
    for (const k of ['5.10', '6.18']) {
      expect(moveError(false, k)).toBe('EBUSY');
      expect(moveError(true, k)).toBeNull();
    }
  });
});

// ---------------------------------------------------------------------------

const SMMU_FAULT = `machine(arch=arm64)
iommu(smmu, mode=strict)
device(nic, dma_mask=64, coherent=true, iommu=smmu)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dev_write(nic, h, "x")
`;

/** The rule the fault's explanation gives (arm_smmu_context_fault). */
function faultRule(r: RunResult): string {
  const e = at(r, 'dev_write').events.find((x) => x.kind === 'iommu_fault');
  if (!e || e.kind !== 'iommu_fault') throw new Error('no iommu_fault event');
  return e.why.rule;
}

describe('arm-smmu gates', () => {
  boundary(
    ARM_SMMU_GATES.fsrLine,
    'the context-fault line has no fsr= before (report_iommu_fault() first), fsr= first after (no handler asked: the explanation says so)',
    ({ before, after }) => {
      expect(at(before, 'dev_write').warnings).toEqual(['arm-smmu smmu: Unhandled context fault: iova=0x00100000, fsynr=0x13, cb=0']);
      expect(at(after, 'dev_write').warnings).toEqual(['arm-smmu smmu: Unhandled context fault: fsr=0x8, iova=0x00100000, fsynr=0x13, cb=0']);
      expect(faultRule(before)).toContain('report_iommu_fault() finds no handler (-ENOSYS)');
      expect(faultRule(after)).toContain('calls no fault handler');
    },
    // a driver's own domain: before ARM_SMMU_GATES.dmaApi (4.9) the DMA API does not use the SMMU
    `machine(arch=arm64)
iommu(smmu, mode=strict)
device(nic, dma_mask=64, coherent=true, iommu=smmu)
dom = iommu_domain_alloc(smmu)
iommu_attach_device(dom, nic)
b = alloc_pages(GFP_KERNEL, 0)
iommu_map(dom, 0x100000, b, 4096, IOMMU_READ | IOMMU_CACHE)
dev_write(nic, 0x100000, "x")
`,
  );
  boundary(
    ARM_SMMU_GATES.faultHandlers,
    'report_iommu_fault() is asked first again: the line only when no handler took the fault (the line itself unchanged)',
    ({ before, after }) => {
      expect(faultRule(before)).toContain('calls no fault handler (report_iommu_fault() is not asked until 5.14)');
      expect(faultRule(after)).toContain('report_iommu_fault() finds no handler (-ENOSYS)');
      expect(at(after, 'dev_write').warnings).toEqual(at(before, 'dev_write').warnings);
    },
    SMMU_FAULT,
  );
  boundary(
    ARM_SMMU_GATES.cbfrsynra,
    'the context-fault line gains cbfrsynra (the stream ID)',
    ({ before, after }) => {
      expect(at(before, 'dev_write').warnings).toEqual(['arm-smmu smmu: Unhandled context fault: fsr=0x8, iova=0xfffffffff000, fsynr=0x13, cb=0']);
      expect(at(after, 'dev_write').warnings).toEqual(['arm-smmu smmu: Unhandled context fault: fsr=0x8, iova=0xfffffffff000, fsynr=0x13, cbfrsynra=0x0, cb=0']);
    },
    SMMU_FAULT,
  );
  boundary(
    ARM_SMMU_GATES.prettyPrint,
    'one line before, followed by the decoded FSR and FSYNR0 after',
    ({ before, after }) => {
      expect(at(before, 'dev_write').warnings).toHaveLength(1);
      expect(at(after, 'dev_write').warnings.slice(1)).toEqual(['arm-smmu smmu: FSR    = 00000008 [Format=0 PF], SID=0x0', 'arm-smmu smmu: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]']);
    },
    SMMU_FAULT,
  );
});

/** A device behind the SMMU: a DMA-API mapping, then a driver's two unmanaged domains. */
const SMMU_DMA_API = `machine(arch=arm64)
iommu(smmu)
device(dev, iommu=smmu)
buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "hello")
h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE)
dev_read(dev, h, 5)
dom = iommu_domain_alloc(smmu)
dom2 = iommu_domain_alloc(smmu)
iommu_attach_device(dom, dev)
iommu_attach_device(dom2, dev)
dev_read(dev, h, 5)
iommu_detach_device(dom, dev)
dev_read(dev, h, 5)
`;

describe('arm-smmu DMA-API domains', () => {
  boundary(
    ARM_SMMU_GATES.dmaDomains,
    'before, no default domain: a second attach is arm_smmu_attach_dev\'s -EEXIST with "already attached to IOMMU domain"; after, a bypassing IOMMU_DOMAIN_DMA default domain (no context bank: the driver\'s domain gets cb 0) and the core\'s -EBUSY; the DMA API ignores the SMMU on both sides',
    ({ before, after }) => {
      expect(at(before, 'iommu_attach_device', 1).error).toBe('EEXIST');
      expect(at(before, 'iommu_attach_device', 1).warnings).toEqual(['dev dev: already attached to IOMMU domain']);
      expect(at(after, 'iommu_attach_device', 1).error).toBe('EBUSY');
      expect(at(after, 'iommu_attach_device', 1).warnings).toEqual([]);
      for (const r of [before, after]) {
        expect(at(r, 'h = dma_map_single').result).toBe(`0x${(0x1fffff000).toString(16)}`);
        expect(at(r, 'dev_read', 1).warnings.join(' ')).toContain('cb=0');
        expect(at(r, 'dev_read', 2).data?.text).toBe('hello');
      }
      expect(at(after, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map')?.why.rule).toContain('leaves in bypass');
    },
    SMMU_DMA_API,
  );
  boundary(
    ARM_SMMU_GATES.dmaApi,
    'before, the DMA API ignores the SMMU (swiotlb ops: the handle is the physical address, the stream bypasses); after, the DMA default domain hands out IOVAs and translates them',
    ({ before, after }) => {
      const b = at(before, 'h = dma_map_single');
      expect(b.result).toBe(`0x${(0x1fffff000).toString(16)}`);
      expect(b.events.find((e) => e.kind === 'dma_map')?.why.rule).toContain('legacy "mmu-masters" binding');
      expect(at(after, 'h = dma_map_single').result).toBe('0xfffffffff000');
      expect(at(after, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map')?.why.rule).not.toContain('legacy');
      for (const r of [before, after]) expect(text(r, 'dev_read')).toBe('hello');
      // attached to an empty unmanaged domain the handle faults on both sides; detached, the device is back on its
      // bypassing default domain before (the physical address) and on its translating one after (the IOVA)
      for (const r of [before, after]) expect(at(r, 'dev_read', 1).error).toBe('FAULT');
      for (const r of [before, after]) expect(at(r, 'dev_read', 2).data?.text).toBe('hello');
    },
    SMMU_DMA_API,
  );
});

// ---------------------------------------------------------------------------
// kernel/dma/mapping.c: each query exists from the release that added it;
// before, the step fails with ENOSYS naming that version and commit.

/** A 32-bit device on an 8 GiB x86 machine with swiotlb, behind no IOMMU. */
const QUERY_MACHINE = `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
buf = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
`;

function absentThenPresent(g: Gate, fn: string, call: string, after: (s: StepJson) => void): void {
  boundary(
    g,
    `${fn}() is missing before (ENOSYS naming ${g.from}), answers after`,
    ({ before, after: aft }) => {
      const b = at(before, call);
      expect(b.error).toBe('ENOSYS');
      expect(b.observations.join(' ')).toContain(`added in ${g.from}`);
      expect(b.observations.join(' ')).toContain(g.commit ?? g.subject);
      expect(at(aft, call).error).toBeNull();
      after(at(aft, call));
    },
    `${QUERY_MACHINE}${call}\n`,
  );
}

describe('dma_mapping_error return value', () => {
  boundary(
    DMA_API_GATES.mappingErrorEnomem,
    'a failed map: dma_mapping_error() returns the ops\' comparison (1) before, -ENOMEM after; a good handle gives 0 on both sides',
    ({ before, after }) => {
      expect(at(before, 'dma_mapping_error(nic, bad)').result).toBe(1);
      expect(at(before, 'dma_mapping_error(nic, bad)').error).toBeNull();
      expect(at(after, 'dma_mapping_error(nic, bad)').error).toBe('ENOMEM');
      for (const r of [before, after]) expect(at(r, 'dma_mapping_error(nic, good)').result).toBe(0);
    },
    `machine(arch=arm64, ram=8G, swiotlb=0)
device(nic, dma_mask=32)
hi = kmalloc(4096, GFP_KERNEL)
bad = dma_map_single(nic, hi, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, bad)
lo = alloc_pages(GFP_DMA32, 0)
good = dma_map_single(nic, lo, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, good)
`,
  );
});

describe('DMA API query gates', () => {
  // dma_direct_max_mapping_size (kernel/dma/direct.c): a 32-bit device on 8 GiB is addressing-limited and swiotlb is active
  absentThenPresent(DMA_API_GATES.maxMappingSize, 'dma_max_mapping_size', 'dma_max_mapping_size(nic)', (s) => expect(s.result).toBe(262144));
  // is_swiotlb_active (kernel/dma/swiotlb.c): the default pool exists
  absentThenPresent(DMA_API_GATES.swiotlbActive, 'is_swiotlb_active', 'is_swiotlb_active(nic)', (s) => expect(s.result).toBe(1));
  // dma_addressing_limited (include/linux/dma-mapping.h): mask 0xffffffff < required mask 0x1ffffffff
  absentThenPresent(DMA_API_GATES.addressingLimited, 'dma_addressing_limited', 'dma_addressing_limited(nic)', (s) => expect(s.result).toBe(1));
  // dma_need_sync → dma_direct_need_sync: the page sits above 4 GiB, so the handle is a swiotlb slot
  absentThenPresent(DMA_API_GATES.needSync, 'dma_need_sync', 'dma_need_sync(nic, h)', (s) => expect(s.result).toBe(1));
  // dma_opt_mapping_size without an IOMMU: min(SIZE_MAX, dma_max_mapping_size) = 256 KiB here
  absentThenPresent(DMA_API_GATES.optMappingSize, 'dma_opt_mapping_size', 'dma_opt_mapping_size(nic)', (s) => expect(s.result).toBe(262144));
  // dma_alloc_pages (kernel/dma/mapping.c, efa70f2fdc84): cacheable pages mapped for the device
  absentThenPresent(DMA_API_GATES.allocPages, 'dma_alloc_pages', 'page, ph = dma_alloc_pages(nic, 4096, DMA_FROM_DEVICE)', (s) => expect(s.events.some((e) => e.kind === 'alloc' && e.allocator === 'dma_alloc_pages')).toBe(true));
  // dma_alloc_noncoherent(dev, size, &h, dir, gfp) (include/linux/dma-mapping.h, 5.10): before it a driver had
  // dma_alloc_attrs(…, DMA_ATTR_NON_CONSISTENT) and no direction
  absentThenPresent(DMA_API_GATES.allocNoncoherent, 'dma_alloc_noncoherent', 'nc, nh = dma_alloc_noncoherent(nic, 4096, DMA_TO_DEVICE)', (s) => expect(s.events.some((e) => e.kind === 'alloc' && e.allocator === 'dma_alloc_noncoherent')).toBe(true));

  // dma_direct_max_mapping_size (kernel/dma/direct.c): a 64-bit device on 8 GiB never bounces
  boundary(
    DMA_API_GATES.maxMappingSizeLimited,
    'a device that never bounces is limited to 256 KiB whenever swiotlb is active before, SIZE_MAX after',
    ({ before, after }) => {
      expect(at(before, 'dma_max_mapping_size(wide)').result).toBe(262144);
      expect(at(after, 'dma_max_mapping_size(wide)').result).toBe(2 ** 64);
      // an addressing-limited device is limited on both sides
      for (const r of [before, after]) expect(at(r, 'dma_max_mapping_size(nic)').result).toBe(262144);
    },
    `machine(arch=x86, ram=8G)
device(nic, dma_mask=32)
device(wide, dma_mask=64)
dma_max_mapping_size(wide)
dma_max_mapping_size(nic)
`,
  );
});

describe('dma-iommu dma_max_mapping_size gate', () => {
  // iommu_dma_max_mapping_size (drivers/iommu/dma-iommu.c): an untrusted device's mappings bounce from 5.11
  boundary(
    DMA_IOMMU_GATES.untrustedMaxMapping,
    'an untrusted device behind dma-iommu is told SIZE_MAX before (and a 512 KiB map then fails), 256 KiB after',
    ({ before, after }) => {
      expect(at(before, 'dma_max_mapping_size(tbt)').result).toBe(2 ** 64);
      expect(at(after, 'dma_max_mapping_size(tbt)').result).toBe(262144);
      for (const r of [before, after]) {
        // the trusted device is never limited; the untrusted one's 512 KiB map bounces and fails either way
        expect(at(r, 'dma_max_mapping_size(nic)').result).toBe(2 ** 64);
        expect(at(r, 'h = dma_map_single(tbt').error).toBe('DMA_MAPPING_ERROR');
      }
    },
    `machine(arch=arm64)
iommu(smmu)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
device(nic, dma_mask=64, bus=pci, coherent=true, iommu=smmu)
big = kmalloc(1048576, GFP_KERNEL)
dma_max_mapping_size(tbt)
dma_max_mapping_size(nic)
h = dma_map_single(tbt, big + 64, 524288, DMA_TO_DEVICE)
`,
  );
});

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// arm32 ARM_DMA_USE_IOMMU (arch/arm/mm/dma-mapping.c) and the IOMMU core's attach rule

const ARM_TEGRA = `machine(arch=arm, ram=1G)
iommu(smmu)
device(gpu, iommu=smmu, mmu=true)
pad = kmalloc(4096, GFP_KERNEL)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "inst")
h0 = dma_map_single(gpu, pad, 4096, DMA_TO_DEVICE)
h = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
dom = iommu_domain_alloc(smmu)
iommu_attach_device(dom, gpu)
dev_read(gpu, h, 4)
arm_iommu_detach_device(gpu)
h2 = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
`;

describe('untrusted device domain gates', () => {
  boundary(
    IOMMU_GATES.untrustedDmaDomain,
    'iommu.passthrough with an untrusted PCI device: the identity domain before (the handle is the physical address 0x1fffff000), a DMA domain after (an IOVA below 4 GiB)',
    ({ before, after }) => {
      expect(at(before, 'h = dma_map_page').result).toBe('0x1fffff000');
      expect(at(after, 'h = dma_map_page').result).toBe('0xfffff000');
    },
    `machine(arch=arm64)
iommu(smmu, mode=passthrough)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
p = alloc_pages(GFP_KERNEL, 0)
h = dma_map_page(tbt, p, 0, 4096, DMA_TO_DEVICE)
`,
  );
  boundary(
    DMA_IOMMU_GATES.untrustedStrict,
    'iommu.strict=0 with an untrusted PCI device: a flush queue before (a read after unmap still hits the stale IOTLB entry), strict after (it faults)',
    ({ before, after }) => {
      expect(text(before, 'dev_read(tbt, h, 4)')).toBe('data');
      expect(at(before, 'dev_read(tbt, h, 4)', 1).data?.text).toBe('data');
      expect(at(after, 'dev_read(tbt, h, 4)', 1).error).toBe('FAULT');
    },
    `machine(arch=arm64)
iommu(smmu, mode=lazy)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
p = alloc_pages(GFP_KERNEL, 0)
cpu_write(p, "data")
h = dma_map_page(tbt, p, 0, 4096, DMA_TO_DEVICE)
dev_read(tbt, h, 4)
dma_unmap_page(tbt, h, 4096, DMA_TO_DEVICE)
dev_read(tbt, h, 4)
`,
  );
});

describe('arm32 IOMMU gates', () => {
  boundary(
    IOMMU_GATES.attachBusyWithoutDefault,
    '__iommu_attach_group: a group with no default domain is silently moved off the arch mapping (DMA-API IOVAs fault) before, -EBUSY after',
    ({ before, after }) => {
      expect(at(before, 'iommu_attach_device').error).toBeNull();
      expect(at(before, 'dev_read').error).toBe('FAULT');
      expect(at(after, 'iommu_attach_device').error).toBe('EBUSY');
      expect(text(after, 'dev_read')).toBe('inst');
    },
    ARM_TEGRA,
  );
  boundary(
    ARCH_GATES.armIommuMapping,
    'arm-smmu gives arch_setup_dma_ops() no ops before (no ARM_DMA_USE_IOMMU mapping: arm_dma_ops, the handle is the physical address, the stream bypasses), its generic binding does after (the mapping\'s IOVA 0)',
    ({ before, after }) => {
      const b = at(before, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map');
      expect(b).toMatchObject({ path: 'direct' });
      expect(b && 'addr' in b && 'phys' in b && b.addr === b.phys && b.addr !== 0).toBe(true);
      expect(b?.why.rule).toContain('keeps arm_dma_ops');
      expect(b?.why.rule).toContain('stream bypasses the SMMU');
      expect(at(after, 'h = dma_map_single').result).toBe('0x0');
      expect(at(after, 'h = dma_map_single').events.find((e) => e.kind === 'dma_map')?.why.rule).not.toContain('arm_dma_ops');
      for (const r of [before, after]) expect(text(r, 'dev_read')).toBe('inst');
      const notes = (r: RunResult) => at(r, 'arm_iommu_detach_device').events.map((e) => (e.kind === 'note' ? e.text : e.kind));
      expect(notes(before)).toEqual(['Not attached']);
      expect(notes(after)[0]).toBe('gpu detached from the ARM DMA/IOMMU mapping');
    },
    `machine(arch=arm, ram=1G)
iommu(smmu)
device(gpu, iommu=smmu)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "inst")
h = dma_map_single(gpu, b, 4096, DMA_TO_DEVICE)
dev_read(gpu, h, 4)
arm_iommu_detach_device(gpu)
`,
  );
  boundary(
    ARCH_GATES.armDmaDirect,
    'after arm_iommu_detach_device the DMA API is arm_dma_ops before, dma-direct after: physical addresses either way',
    ({ before, after }) => {
      const why = (r: RunResult) => at(r, 'arm_iommu_detach_device').events.map((e) => ('why' in e && e.why ? e.why.rule : '')).join(' ');
      expect(why(before)).toContain('arm_dma_ops');
      expect(why(after)).toContain('dma-direct');
      for (const r of [before, after]) expect(at(r, 'h2 =').events.find((e) => e.kind === 'dma_map')).toMatchObject({ path: 'direct' });
      // the map after the detach is explained by the ops that made it
      expect(at(before, 'h2 =').events.find((e) => e.kind === 'dma_map')?.why.rule).toMatch(/^arm_dma_ops \(arm_dma_map_page/);
      expect(at(after, 'h2 =').events.find((e) => e.kind === 'dma_map')?.why.rule).toMatch(/^dma-direct:/);
    },
    ARM_TEGRA,
  );
  boundary(
    ARCH_GATES.armDmaDirect,
    'dma_get_sgtable on an arm32 device without IOMMU: arm_dma_ops\' arm_dma_get_sgtable (arch/arm/mm/dma-mapping.c) before, dma-direct\'s dma_direct_get_sgtable (kernel/dma/direct.c) after',
    ({ before, after }) => {
      expect(at(before, 'sgt =').events[0]).toMatchObject({ why: { fn: 'arm_dma_get_sgtable', file: 'arch/arm/mm/dma-mapping.c' } });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_direct_get_sgtable', file: 'kernel/dma/direct.c' } });
    },
    SGTABLE('arm'),
  );
});

// dma_map_sg of a list whose second entry the device cannot reach, no swiotlb (dma_direct_map_sg,
// kernel/dma/direct.c; lib/dma-direct.c before 4.18)
// arm64 dma-iommu: two page-aligned entries merged into one segment (entry 1 left without one), and a list too
// large for a 16-bit device's IOVA space (dma_map_sg fails, __invalidate_sg)
const SG_IOMMU_UNUSED = `machine(arch=arm64)
iommu(smmu)
device(nic, dma_mask=32, iommu=smmu, coherent=true)
device(tiny, dma_mask=16, iommu=smmu, coherent=true)
a = kmalloc(4096, GFP_KERNEL)
b = kmalloc(4096, GFP_KERNEL)
sgt = sg_table(a, 4096, b, 4096)
n = dma_map_sg(nic, sgt, DMA_TO_DEVICE)
x1 = sg_dma_address(sgt, 1)
c = kmalloc(65536, GFP_KERNEL)
d = kmalloc(65536, GFP_KERNEL)
big = sg_table(c, 65536, d, 65536)
f = dma_map_sg(tiny, big, DMA_TO_DEVICE)
y0 = sg_dma_address(big, 0)
y1 = sg_dma_address(big, 1)
`;

// (a 31-bit bus on 4 GiB: no pool, dma-direct on both sides of 5.0; the second entry at 3 GiB is beyond the bus)
const SG_SECOND_OUT_OF_REACH = `machine(arch=x86, ram=4G, swiotlb=0, cma=0)
device(nic, dma_mask=32, bus_limit=31)
b = kmalloc(4096, GFP_KERNEL, at=0xc0000000)
a = alloc_pages(GFP_DMA, 0)
t = sg_table(a, 4096, b, 4096)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
`;

// a mapping that bounces on arm64 (the buffer above a 32-bit mask)
const ARM64_BOUNCE = `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32, coherent=true)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
t = sg_table(b, 4096)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
`;

describe('dma-debug notes name lib/dma-debug.c before kernel/dma (DIRECT_GATES.kernelDmaDir)', () => {
  boundary(
    DIRECT_GATES.kernelDmaDir,
    "check_for_stack's note and dma_debug_device_change's unbind note come from lib/dma-debug.c before, kernel/dma/debug.c after",
    ({ before, after }) => {
      const file = (r: RunResult, prefix: string, fn: string) => (at(r, prefix).events.find((e) => e.kind === 'note' && e.why.fn === fn) as { why: { file?: string } } | undefined)?.why.file;
      expect(file(before, 'h =', 'check_for_stack')).toBe('lib/dma-debug.c');
      expect(file(before, 'device_release_driver', 'dma_debug_device_change')).toBe('lib/dma-debug.c');
      expect(file(after, 'h =', 'check_for_stack')).toBe('kernel/dma/debug.c');
      expect(file(after, 'device_release_driver', 'dma_debug_device_change')).toBe('kernel/dma/debug.c');
    },
    `machine(arch=x86)
device(nic, dma_mask=64)
s = stack_buffer(64)
h = dma_map_page(nic, s, 0, 64, DMA_TO_DEVICE)
device_release_driver(nic)
`,
  );
});

describe('dma_map_sg failure, arm64 swiotlb ops, dma_get_sgtable on ops without it, arm-smmu.c path', () => {
  const notes = (r: RunResult, prefix: string) => at(r, prefix).events.filter((e) => e.kind === 'note') as Array<{ text: string; why: { fn: string; file?: string; rule: string } }>;
  boundary(
    DIRECT_GATES.swiotlbMerged,
    'dma_direct_map_sg returns 0 at the unreachable entry leaving the first one mapped (no unmap; dma-debug records nothing) before, unmaps it with DMA_ATTR_SKIP_CPU_SYNC after',
    ({ before, after }) => {
      for (const r of [before, after]) {
        expect(at(r, 'n =').result).toBe(0);
        expect(at(r, 'n =').events.some((e) => e.kind === 'finding' || e.kind === 'dma_map')).toBe(false);
      }
      expect(at(before, 'n =').observationRules).toContain('sg/map-failure-leaves-entries');
      expect(notes(before, 'n =').some((n) => n.text === 'no sync at unmap')).toBe(false);
      expect(notes(before, 'n =').find((n) => n.text === 'dma_map_sg failed')?.why).toMatchObject({ fn: 'dma_direct_map_sg', file: 'kernel/dma/direct.c' });
      expect(at(after, 'n =').observationRules).not.toContain('sg/map-failure-leaves-entries');
      expect(notes(after, 'n =').filter((n) => n.text === 'no sync at unmap')).toHaveLength(1);
      expect(notes(after, 'n =').find((n) => n.text === 'dma_map_sg failed')?.why.rule).toContain('already mapped are unmapped');
    },
    SG_SECOND_OUT_OF_REACH,
  );
  // what the list's DMA fields hold after the failure (sg_dma_address reads them): the 4.17-era dma_direct_map_sg set
  // "sg_dma_address(sg) = phys_to_dma(dev, sg_phys(sg))" before check_addr() refused it (the engine's pre-5.0 form;
  // 4.20's own loop was not re-read); 5.0's "sg->dma_address = dma_direct_map_page(…); if (sg->dma_address ==
  // DMA_MAPPING_ERROR) goto out_unmap;" leaves DMA_MAPPING_ERROR
  boundary(
    DIRECT_GATES.swiotlbMerged,
    "the failing entry's sg_dma_address is its physical address before, DMA_MAPPING_ERROR after; the entry before it keeps its address on both sides",
    ({ before, after }) => {
      expect(at(before, 'y =').result).toBe('0xc0000000');
      expect(at(after, 'y =').result).toBe('0xffffffffffffffff');
      // the first entry (GFP_DMA, below 16 MiB) keeps the address it had, on both sides
      for (const r of [before, after]) expect(BigInt(String(at(r, 'x =').result))).toBeLessThan(2n ** 24n);
    },
    SG_SECOND_OUT_OF_REACH + `x = sg_dma_address(t, 0)
y = sg_dma_address(t, 1)
`,
  );
  boundary(
    DMA_BUF_GATES.sgtableEio,
    "dma_direct_map_sg's out_unmap returns 0 before, -EIO after (dma_map_sg still gives 0)",
    ({ before, after }) => {
      const rule = (r: RunResult) => notes(r, 'n =').find((n) => n.text === 'dma_map_sg failed')?.why.rule ?? '';
      expect(rule(before)).toContain('dma_map_sg returns 0');
      expect(rule(after)).toContain('dma_direct_map_sg returns -EIO');
      for (const r of [before, after]) expect(at(r, 'n =').result).toBe(0);
    },
    SG_SECOND_OUT_OF_REACH,
  );
  boundary(
    DIRECT_GATES.swiotlbMerged,
    'arm64 bouncing: the generic swiotlb_dma_ops (swiotlb_map_page, kernel/dma/swiotlb.c) before, dma-direct after',
    ({ before, after }) => {
      expect(notes(before, 'h =').find((n) => n.text === 'bounce through swiotlb')?.why).toMatchObject({ fn: 'swiotlb_map_page', file: 'kernel/dma/swiotlb.c' });
      // 5.0: dma_direct_map_page, still a function of kernel/dma/direct.c (DIRECT_GATES.fastPathInline, directHeader, mapPhys)
      expect(notes(after, 'h =').find((n) => n.text === 'bounce through swiotlb')?.why).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.c' });
    },
    ARM64_BOUNCE,
  );
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    "arm64's own arm64_swiotlb_dma_ops (__swiotlb_map_page, __swiotlb_map_sg_attrs in arch/arm64/mm/dma-mapping.c) before, the generic swiotlb_dma_ops after",
    ({ before, after }) => {
      expect(notes(before, 'h =').find((n) => n.text === 'bounce through swiotlb')?.why).toMatchObject({ fn: '__swiotlb_map_page', file: 'arch/arm64/mm/dma-mapping.c' });
      expect(notes(after, 'h =').find((n) => n.text === 'bounce through swiotlb')?.why).toMatchObject({ fn: 'swiotlb_map_page', file: 'kernel/dma/swiotlb.c' });
      expect(at(before, 'n =').events.find((e) => e.kind === 'dma_map')?.why).toMatchObject({ fn: '__swiotlb_map_sg_attrs', file: 'arch/arm64/mm/dma-mapping.c' });
      expect(at(after, 'n =').events.find((e) => e.kind === 'dma_map')?.why).toMatchObject({ fn: 'swiotlb_map_sg_attrs', file: 'kernel/dma/swiotlb.c' });
    },
    ARM64_BOUNCE,
  );
  // dma_set_mask on arm64: arm64_swiotlb_dma_ops' __swiotlb_dma_supported ("if (swiotlb) return
  // swiotlb_dma_supported(hwdev, mask); return 1;": the pool's end, every mask without a pool) before; the generic
  // swiotlb_dma_ops' .dma_supported, dma_direct_supported (66bdb147), after: no ZONE_DMA on arm64 then, so a mask
  // under 32 bits must reach the last page of RAM, pool or not.
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    'arm64 dma_set_mask: on 8 GiB with a pool a 31-bit mask is -EIO from __swiotlb_dma_supported before, from dma_direct_supported after; on 2 GiB without a pool a 30-bit mask is accepted before, -EIO from dma_direct_supported after',
    ({ before, after }) => {
      const why = (r: RunResult, prefix: string) => (at(r, prefix).events.find((e) => e.kind === 'note' && e.text === 'mask not supported') as { why: { fn: string; file?: string } } | undefined)?.why;
      expect(at(before, 'dma_set_mask(big').error).toBe('EIO');
      expect(why(before, 'dma_set_mask(big')).toMatchObject({ fn: '__swiotlb_dma_supported', file: 'arch/arm64/mm/dma-mapping.c' });
      expect(at(after, 'dma_set_mask(big').error).toBe('EIO');
      expect(why(after, 'dma_set_mask(big')).toMatchObject({ fn: 'dma_direct_supported', file: 'kernel/dma/direct.c' });
    },
    `machine(arch=arm64, ram=8G)
device(big, dma_mask=64)
dma_set_mask(big, 31)
`,
  );
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    'arm64 with 2 GiB and swiotlb=0, dma_set_mask(30): accepted by __swiotlb_dma_supported (no pool: return 1) before, -EIO from dma_direct_supported (1 GiB does not reach the last page of RAM) after',
    ({ before, after }) => {
      expect(at(before, 'dma_set_mask').error).toBeNull();
      expect(at(after, 'dma_set_mask').error).toBe('EIO');
      expect(at(after, 'dma_set_mask').events.find((e) => e.kind === 'note')).toMatchObject({ text: 'mask not supported', why: { fn: 'dma_direct_supported' } });
    },
    `machine(arch=arm64, ram=2G, swiotlb=0)
device(small, dma_mask=64)
dma_set_mask(small, 30)
`,
  );
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    "dma_get_sgtable on arm64 without IOMMU: arm64_swiotlb_dma_ops' __swiotlb_get_sgtable before, dma_common_get_sgtable after (the generic swiotlb_dma_ops have no ->get_sgtable)",
    ({ before, after }) => {
      expect(at(before, 'sgt =').events[0]).toMatchObject({ why: { fn: '__swiotlb_get_sgtable', file: 'arch/arm64/mm/dma-mapping.c' } });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_common_get_sgtable', file: 'kernel/dma/mapping.c' } });
    },
    SGTABLE('arm64'),
  );
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    "a FROM_DEVICE list that fails at its second entry: __swiotlb_map_sg_attrs maintains only the entries swiotlb_map_sg_attrs returned (none), so the first entry's dirty line survives, before; swiotlb_map_page invalidated it as it mapped it, after",
    ({ before, after }) => {
      for (const r of [before, after]) expect(at(r, 'n =').result).toBe(0);
      expect(at(before, 'n =').events.some((e) => e.kind === 'cache_maint')).toBe(false);
      expect(text(before, 'cpu_read(a, 6)')).toBe('header');
      expect(at(after, 'n =').events.some((e) => e.kind === 'cache_maint')).toBe(true);
      expect(at(after, 'cpu_read(a, 6)').data?.hex).toBe('000000000000');
    },
    `machine(arch=arm64, ram=8G, swiotlb=256K)
device(nic, dma_mask=32)
big = kmalloc(262144, GFP_KERNEL)
hb = dma_map_single(nic, big, 262144, DMA_TO_DEVICE)
a = alloc_pages(GFP_DMA32, 0)
cpu_write(a, "header")
c = kmalloc(4096, GFP_KERNEL)
t = sg_table(a, 4096, c, 4096)
n = dma_map_sg(nic, t, DMA_FROM_DEVICE)
cpu_read(a, 6)
`,
  );
  boundary(
    ARCH_GATES.arm64GenericSwiotlbOps,
    'a list that maps: the same cache maintenance either way, after the whole list (one note) before, entry by entry after',
    ({ before, after }) => {
      const maint = (r: RunResult) => at(r, 'n =').events.filter((e) => e.kind === 'cache_maint').length;
      expect(maint(before)).toBe(maint(after));
      expect(maint(before)).toBeGreaterThan(0);
      expect(at(before, 'n =').events.some((e) => e.kind === 'note' && e.text === 'cache maintenance after the whole list')).toBe(true);
      expect(at(after, 'n =').events.some((e) => e.kind === 'note' && e.text === 'cache maintenance after the whole list')).toBe(false);
      for (const r of [before, after]) expect(at(r, 'cpu_read(a, 6)').data?.hex).toBe('000000000000');
    },
    `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32)
a = alloc_pages(GFP_DMA32, 0)
cpu_write(a, "header")
c = kmalloc(4096, GFP_KERNEL)
t = sg_table(a, 4096, c, 4096)
n = dma_map_sg(nic, t, DMA_FROM_DEVICE)
cpu_read(a, 6)
`,
  );
  boundary(
    DMA_API_GATES.getSgtableEnxio,
    'dma_get_sgtable on dma_map_ops without ->get_sgtable (a device\'s own ops): dma_common_get_sgtable before, -ENXIO and no table after',
    ({ before, after }) => {
      expect(at(before, 'sgt =')).toMatchObject({ error: null, result: 0 });
      expect(at(before, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_common_get_sgtable', file: 'kernel/dma/mapping.c' } });
      expect(at(after, 'sgt =')).toMatchObject({ error: 'ENXIO', result: -6 });
      expect(at(after, 'sgt =').events[0]).toMatchObject({ why: { fn: 'dma_get_sgtable_attrs', file: 'kernel/dma/mapping.c' } });
    },
    `machine(arch=arm64)
device(cam, mmu=true, dma_ops=own, coherent=true)
cpu, h = dma_alloc_coherent(cam, 8192)
sgt = dma_get_sgtable(cam, cpu, h, 8192)
`,
  );
  boundary(
    ARM_SMMU_GATES.subdir,
    'the context fault comes from drivers/iommu/arm-smmu.c before, drivers/iommu/arm/arm-smmu/arm-smmu.c after; the line itself is the same',
    ({ before, after }) => {
      const fault = (r: RunResult) => at(r, 'dev_write').events.find((e) => e.kind === 'iommu_fault') as { why: { file?: string } } | undefined;
      expect(fault(before)?.why.file).toBe('drivers/iommu/arm-smmu.c');
      expect(fault(after)?.why.file).toBe('drivers/iommu/arm/arm-smmu/arm-smmu.c');
      expect(fileFor(catalogueEntry('arm-smmu.context-fault'), kernelCode(prev(ARM_SMMU_GATES.subdir.from)))).toBe('drivers/iommu/arm-smmu.c');
      expect(fileFor(catalogueEntry('arm-smmu.context-fault'), ARM_SMMU_GATES.subdir.code)).toBe('drivers/iommu/arm/arm-smmu/arm-smmu.c');
      expect(at(before, 'dev_write').warnings).toEqual(at(after, 'dev_write').warnings);
    },
    SMMU_FAULT,
  );
});

// kernel/dma/mapping.c __dma_map_sg_attrs (5.15, fffe3cc8c219) / dma_map_sg_attrs before: an empty list.
// The scenario language cannot build an empty sg_table, so the engine's dma_map_sg is called directly.
describe('dma_map_sg of an empty list (DMA_BUF_GATES.sgtableEio)', () => {
  function mapEmpty(kernel: string, times = 1) {
    const cfg = defaultConfig();
    cfg.arch = 'arm64';
    cfg.kernel = kernel;
    cfg.devices.push({ ...defaultDevice('d'), dmaMask: 64 });
    const m = createMachine(cfg);
    const outs = [];
    for (let i = 0; i < times; i++) {
      const o = emptyOutcome();
      dmaMapSg(m, m.devices['d']!, { id: 0, name: 't', entries: [], nents: 0, mappedFor: null, dir: null }, 'DMA_TO_DEVICE', { skipCpuSync: false, noWarn: false }, o);
      outs.push(o);
    }
    return outs;
  }
  const g = DMA_BUF_GATES.sgtableEio;

  it(`${prev(g.from)}: dma_map_sg_attrs returns the 0 with no warning and maps nothing`, () => {
    const [o] = mapEmpty(prev(g.from));
    expect(o!.result).toBe(0);
    expect(o!.error).toBeNull();
    expect(o!.warnings).toEqual([]);
    expect(o!.events.some((e) => e.kind === 'dma_map')).toBe(false);
  });

  it(`${g.from} (${g.commit}): __dma_map_sg_attrs WARNs once (0 is neither a count nor -EINVAL/-ENOMEM/-EIO), dma_map_sg returns 0`, () => {
    const [first, second] = mapEmpty(g.from, 2);
    expect(first!.result).toBe(0);
    expect(first!.error).toBeNull();
    expect(first!.warnings).toEqual(['WARNING: at kernel/dma/mapping.c: __dma_map_sg_attrs: WARN_ON_ONCE(ents != -EINVAL && ents != -ENOMEM && ents != -EIO)']);
    expect(first!.events.some((e) => e.kind === 'dma_map')).toBe(false);
    // WARN_ON_ONCE: the second empty map is silent
    expect(second!.warnings).toEqual([]);
    expect(second!.result).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// Names: the kernel function and file an event names follow the version
// (kernelName() / apiFile() in kernel-versions.ts). Each test asserts the name
// on the last version before the rename and on the first one after.

/** A bounced single mapping (a buffer above a 32-bit mask) with a sync for the CPU and an unmap. */
const BOUNCE_ROUND_TRIP = `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32, coherent=true)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
dma_sync_single_for_cpu(nic, h, 4096, DMA_FROM_DEVICE)
dma_unmap_single(nic, h, 4096, DMA_FROM_DEVICE)
`;

/** The why of an event (undefined when there is none). */
const whyOf = (e: unknown) => (e as { why?: { fn: string; file: string } } | undefined)?.why;
const noteWhys = (r: RunResult, prefix: string) => at(r, prefix).events.filter((e) => e.kind === 'note') as Array<{ text: string; why: { fn: string; file: string } }>;
/** dma-direct's bounce decision, as the map step's note names it. */
const bounceWhy = (r: RunResult) => noteWhys(r, 'h =').find((n) => n.text === 'bounce through swiotlb')?.why;

describe('function and file names by version', () => {
  // kernel/dma/direct.c dma_direct_map_page (4.18–5.8) → static inline in include/linux/dma-direct.h (5.9, b41741730059)
  boundary(
    DIRECT_GATES.fastPathInline,
    'dma_direct_map_page is a function of kernel/dma/direct.c before, a static inline of include/linux/dma-direct.h after',
    ({ before, after }) => {
      expect(bounceWhy(before)).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.c' });
      expect(bounceWhy(after)).toMatchObject({ fn: 'dma_direct_map_page', file: 'include/linux/dma-direct.h' });
    },
    BOUNCE_ROUND_TRIP,
  );
  // include/linux/dma-direct.h → kernel/dma/direct.h (5.10, 19c65c3d30bb)
  boundary(
    DIRECT_GATES.directHeader,
    'dma_direct_map_page in include/linux/dma-direct.h before, in kernel/dma/direct.h after',
    ({ before, after }) => {
      expect(bounceWhy(before)).toMatchObject({ fn: 'dma_direct_map_page', file: 'include/linux/dma-direct.h' });
      expect(bounceWhy(after)).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.h' });
    },
    BOUNCE_ROUND_TRIP,
  );
  // dma_direct_map_page → dma_direct_map_phys (6.18, e53d29f957b3)
  boundary(
    DIRECT_GATES.mapPhys,
    'dma_direct_map_page / dma_direct_unmap_page before, dma_direct_map_phys / dma_direct_unmap_phys after (kernel/dma/direct.h)',
    ({ before, after }) => {
      expect(bounceWhy(before)).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.h' });
      expect(bounceWhy(after)).toMatchObject({ fn: 'dma_direct_map_phys', file: 'kernel/dma/direct.h' });
      const unmapWhy = (r: RunResult) => whyOf(at(r, 'dma_unmap_single').events.find((e) => e.kind === 'note' && e.text === 'no sync at unmap'));
      expect(unmapWhy(before)).toMatchObject({ fn: 'dma_direct_unmap_page' });
      expect(unmapWhy(after)).toMatchObject({ fn: 'dma_direct_unmap_phys' });
    },
    `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32, coherent=true)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
dma_unmap_single(nic, h, 4096, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)
`,
  );
  // iommu_dma_map_page → iommu_dma_map_phys (6.18, 513559f73700)
  boundary(
    DMA_IOMMU_GATES.mapPhys,
    'iommu_dma_map_page / iommu_dma_unmap_page before, iommu_dma_map_phys / iommu_dma_unmap_phys after (drivers/iommu/dma-iommu.c)',
    ({ before, after }) => {
      const mapWhy = (r: RunResult) => noteWhys(r, 'h = dma_map_single').find((n) => n.text === 'bounce through swiotlb')?.why;
      expect(mapWhy(before)).toMatchObject({ fn: 'iommu_dma_map_page', file: 'drivers/iommu/dma-iommu.c' });
      expect(mapWhy(after)).toMatchObject({ fn: 'iommu_dma_map_phys', file: 'drivers/iommu/dma-iommu.c' });
      const staleWhy = (r: RunResult) => whyOf(at(r, 'dev_read(nic, hb, 4)', 1).events.find((e) => e.kind === 'note' && e.text === 'stale IOTLB translation used'));
      expect(staleWhy(before)).toMatchObject({ fn: 'iommu_dma_unmap_page' });
      expect(staleWhy(after)).toMatchObject({ fn: 'iommu_dma_unmap_phys' });
    },
    `machine(arch=arm64)
iommu(smmu, mode=lazy)
device(tbt, dma_mask=64, bus=pci, untrusted=true, coherent=true, iommu=smmu)
device(nic, dma_mask=64, coherent=true, iommu=smmu)
msg = kmalloc(64, GFP_KERNEL)
h = dma_map_single(tbt, msg, 64, DMA_FROM_DEVICE)
b = kmalloc(4096, GFP_KERNEL)
hb = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dev_read(nic, hb, 4)
dma_unmap_single(nic, hb, 4096, DMA_TO_DEVICE)
dev_read(nic, hb, 4)
`,
  );
  // swiotlb_tbl_unmap_single frees the slots itself → swiotlb_release_slots (5.15, dc924470ee42)
  boundary(
    SWIOTLB_GATES.releaseSlots,
    'the slots are freed by swiotlb_tbl_unmap_single before, by swiotlb_release_slots after (kernel/dma/swiotlb.c)',
    ({ before, after }) => {
      const freeWhy = (r: RunResult) => at(r, 'dma_unmap_single').events.find((e) => e.kind === 'swiotlb_free')?.why;
      expect(freeWhy(before)).toMatchObject({ fn: 'swiotlb_tbl_unmap_single', file: 'kernel/dma/swiotlb.c' });
      expect(freeWhy(after)).toMatchObject({ fn: 'swiotlb_release_slots', file: 'kernel/dma/swiotlb.c' });
    },
    BOUNCE_ROUND_TRIP,
  );
  // swiotlb_tbl_sync_single(…, SYNC_FOR_CPU / SYNC_FOR_DEVICE) → swiotlb_sync_single_for_cpu / _for_device (5.13, 80808d273a3f)
  boundary(
    SWIOTLB_GATES.syncSplit,
    'a sync bounces in swiotlb_tbl_sync_single before, in swiotlb_sync_single_for_cpu / swiotlb_sync_single_for_device after (kernel/dma/swiotlb.c)',
    ({ before, after }) => {
      const syncWhy = (r: RunResult, step: string) => whyOf(at(r, step).events.find((e) => e.kind === 'bounce'));
      expect(syncWhy(before, 'dma_sync_single_for_cpu')).toMatchObject({ fn: 'swiotlb_tbl_sync_single', file: 'kernel/dma/swiotlb.c' });
      expect(syncWhy(before, 'dma_sync_single_for_device')).toMatchObject({ fn: 'swiotlb_tbl_sync_single', file: 'kernel/dma/swiotlb.c' });
      expect(syncWhy(after, 'dma_sync_single_for_cpu')).toMatchObject({ fn: 'swiotlb_sync_single_for_cpu', file: 'kernel/dma/swiotlb.c' });
      expect(syncWhy(after, 'dma_sync_single_for_device')).toMatchObject({ fn: 'swiotlb_sync_single_for_device', file: 'kernel/dma/swiotlb.c' });
    },
    `machine(arch=arm64, ram=8G)
device(nic, dma_mask=32, coherent=true)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
h = dma_map_single(nic, b, 4096, DMA_BIDIRECTIONAL)
dma_sync_single_for_cpu(nic, h, 4096, DMA_BIDIRECTIONAL)
dma_sync_single_for_device(nic, h, 4096, DMA_BIDIRECTIONAL)
dma_unmap_single(nic, h, 4096, DMA_BIDIRECTIONAL)
`,
  );
  // dma-direct's CMA calls: dma_alloc_from_contiguous / dma_release_from_contiguous → dma_alloc_contiguous /
  // dma_free_contiguous (5.3, b1d2dc009dec), kernel/dma/contiguous.c
  boundary(
    DIRECT_GATES.contiguousHelpers,
    'a CMA-backed dma_alloc_coherent / dma_free_coherent name dma_alloc_from_contiguous / dma_release_from_contiguous before, dma_alloc_contiguous / dma_free_contiguous after',
    ({ before, after }) => {
      const cmaWhy = (r: RunResult) => noteWhys(r, 'cpu, h =').find((n) => n.text.startsWith('from CMA at'))?.why;
      const freeWhy = (r: RunResult) => whyOf(at(r, 'dma_free_coherent').events.find((e) => e.kind === 'free'));
      expect(cmaWhy(before)).toMatchObject({ fn: 'dma_alloc_from_contiguous', file: 'kernel/dma/contiguous.c' });
      expect(freeWhy(before)).toMatchObject({ fn: 'dma_release_from_contiguous', file: 'kernel/dma/contiguous.c' });
      expect(cmaWhy(after)).toMatchObject({ fn: 'dma_alloc_contiguous', file: 'kernel/dma/contiguous.c' });
      expect(freeWhy(after)).toMatchObject({ fn: 'dma_free_contiguous', file: 'kernel/dma/contiguous.c' });
    },
    `machine(arch=arm64, ram=8G)
device(d, dma_mask=32)
cpu, h = dma_alloc_coherent(d, 16384, GFP_KERNEL)
dma_free_coherent(d, 16384, cpu, h)
`,
  );
  // kernel/dma/contiguous.c was drivers/base/dma-contiguous.c before 4.18 (cf65a0f6f6ff)
  it('dma-direct\'s CMA glue names drivers/base/dma-contiguous.c on 4.17, kernel/dma/contiguous.c on 4.18', () => {
    expect(kernelName(kernelCode('4.17'), 'cmaDirectAlloc')).toEqual({ fn: 'dma_alloc_from_contiguous', file: 'drivers/base/dma-contiguous.c' });
    expect(kernelName(kernelCode('4.18'), 'cmaDirectFree')).toEqual({ fn: 'dma_release_from_contiguous', file: 'kernel/dma/contiguous.c' });
  });
  // the swiotlb events' file: lib/swiotlb.c before 4.18 (cf65a0f6f6ff)
  boundary(
    DIRECT_GATES.kernelDmaDir,
    'swiotlb_tbl_map_single and dma_direct_free name lib/swiotlb.c and lib/dma-direct.c before, kernel/dma/swiotlb.c and kernel/dma/direct.c after',
    ({ before, after }) => {
      const allocWhy = (r: RunResult) => at(r, 'h =').events.find((e) => e.kind === 'swiotlb_alloc')?.why;
      expect(allocWhy(before)).toMatchObject({ fn: 'swiotlb_tbl_map_single', file: 'lib/swiotlb.c' });
      expect(allocWhy(after)).toMatchObject({ fn: 'swiotlb_tbl_map_single', file: 'kernel/dma/swiotlb.c' });
      const freeWhy = (r: RunResult) => at(r, 'dma_free_coherent').events.find((e) => e.kind === 'free')?.why;
      expect(freeWhy(before)).toMatchObject({ fn: 'dma_direct_free', file: 'lib/dma-direct.c' });
      expect(freeWhy(after)).toMatchObject({ fn: 'dma_direct_free', file: 'kernel/dma/direct.c' });
    },
    `machine(arch=x86, ram=8G, cma=0)
device(nic, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL, at=0x1fffff000)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
cpu, hc = dma_alloc_coherent(nic, 8192)
dma_free_coherent(nic, 8192, cpu, hc)
`,
  );
  // the front door: static inlines of include/linux/dma-mapping.h → kernel/dma/mapping.c (5.9, d3fa60d7bfdc)
  boundary(
    DMA_API_GATES.outOfLine,
    'dma_sync_single_for_cpu and dma_map_page_attrs live in include/linux/dma-mapping.h before, in kernel/dma/mapping.c after; dma_map_single_attrs stays in the header',
    ({ before, after }) => {
      const syncWhy = (r: RunResult) => at(r, 'dma_sync_single_for_cpu').events.find((e) => e.kind === 'dma_sync')?.why;
      expect(syncWhy(before)).toMatchObject({ fn: 'dma_sync_single_for_cpu', file: 'include/linux/dma-mapping.h' });
      expect(syncWhy(after)).toMatchObject({ fn: 'dma_sync_single_for_cpu', file: 'kernel/dma/mapping.c' });
      const unmapWhy = (r: RunResult) => at(r, 'dma_unmap_single').events.find((e) => e.kind === 'dma_unmap')?.why;
      for (const r of [before, after]) {
        expect(at(r, 'h =').events.find((e) => e.kind === 'dma_map')?.why).toMatchObject({ fn: 'dma_map_single_attrs', file: 'include/linux/dma-mapping.h' });
        expect(unmapWhy(r)).toMatchObject({ fn: 'dma_unmap_single_attrs', file: 'include/linux/dma-mapping.h' });
      }
      const sgWhy = (r: RunResult) => at(r, 'dma_unmap_sg').events.find((e) => e.kind === 'dma_unmap')?.why;
      expect(sgWhy(before)).toMatchObject({ fn: 'dma_unmap_sg_attrs', file: 'include/linux/dma-mapping.h' });
      expect(sgWhy(after)).toMatchObject({ fn: 'dma_unmap_sg_attrs', file: 'kernel/dma/mapping.c' });
    },
    BOUNCE_ROUND_TRIP + `t = sg_table(b, 4096)
n = dma_map_sg(nic, t, DMA_TO_DEVICE)
dma_unmap_sg(nic, t, DMA_TO_DEVICE)
`,
  );
  // mm/cma.c: the search loop is cma_alloc's, then __cma_alloc's (6.12, 463586e9ff39), then cma_range_alloc's (6.15, c009da4258f9)
  const PINNED = `machine(arch=arm64, ram=8G, cma=2M)
device(cam)
pc = alloc_movable(12K)
pin_pages(pc + 4096, 4096)
a = dma_alloc_from_contiguous(cam, 256, 8)
`;
  const cmaWhy = (r: RunResult, op: string) => whyOf(at(r, 'a =').events.find((e) => e.kind === 'cma' && e.op === op));
  boundary(
    CMA_GATES.underscoreName,
    'the bitmap search, its -EBUSY retry and the failure are cma_alloc\'s before, __cma_alloc\'s after',
    ({ before, after }) => {
      for (const op of ['alloc', 'busy_retry']) {
        expect(cmaWhy(before, op)).toMatchObject({ fn: 'cma_alloc', file: 'mm/cma.c' });
        expect(cmaWhy(after, op)).toMatchObject({ fn: '__cma_alloc', file: 'mm/cma.c' });
      }
      expect(cmaWhy(before, 'migrate')).toMatchObject({ fn: 'alloc_contig_range', file: 'mm/page_alloc.c' });
      expect(cmaWhy(after, 'migrate')).toMatchObject({ fn: 'alloc_contig_range', file: 'mm/page_alloc.c' });
    },
    PINNED,
  );
  boundary(
    CMA_GATES.multiRange,
    'the bitmap search is __cma_alloc\'s before, cma_range_alloc\'s after; the failure stays __cma_alloc\'s',
    ({ before, after }) => {
      for (const op of ['alloc', 'busy_retry']) {
        expect(cmaWhy(before, op)).toMatchObject({ fn: '__cma_alloc' });
        expect(cmaWhy(after, op)).toMatchObject({ fn: 'cma_range_alloc' });
      }
    },
    PINNED,
  );
  boundary(
    CMA_GATES.multiRange,
    'a failed allocation is reported by __cma_alloc on both sides',
    ({ before, after }) => {
      for (const r of [before, after]) {
        expect(cmaWhy(r, 'fail')).toMatchObject({ fn: '__cma_alloc', file: 'mm/cma.c' });
        // the caller's failure is its own: dma_alloc_from_contiguous lives in kernel/dma/contiguous.c, not mm/cma.c
        expect(noteWhys(r, 'a =').find((n) => n.text === 'dma_alloc_from_contiguous failed')?.why).toMatchObject({ fn: 'dma_alloc_from_contiguous', file: 'kernel/dma/contiguous.c' });
      }
    },
    CMA_TOO_BIG,
  );
});

/**
 * x86: a device behind VT-d (the second device declared, so 00:03.0 in the explorer's numbering) writes a
 * DMA_TO_DEVICE mapping (read-only: a write fault) and reads an IOVA nothing maps (a read fault, reported at its
 * page, 0x12345000).
 */
const VTD_FAULT = `machine(arch=x86)
iommu(vtd, mode=strict)
device(gpu)
device(nic, dma_mask=64, iommu=vtd)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dev_write(nic, h, "x")
dev_read(nic, 0x12345678, 4)
`;

/** The explanation (file) of the fault event and of the walk before it, at the step starting with `prefix`. */
function vtdWhy(r: RunResult, prefix: string): { fault: string | undefined; walk: string | undefined; walkFn: string | undefined } {
  const evs = at(r, prefix).events as Array<{ kind: string; why?: { file?: string; fn?: string } }>;
  const walk = evs.find((e) => e.kind === 'pt_walk');
  return { fault: evs.find((e) => e.kind === 'iommu_fault')?.why?.file, walk: walk?.why?.file, walkFn: walk?.why?.fn };
}

// drivers/iommu/intel/dmar.c: dmar_fault() prints "DRHD: handling fault status reg %x" (pr_fmt "DMAR: "), then
// dmar_fault_do_one() one line per fault record; legacy-mode reasons from dma_remap_fault_reasons[]: 0x05 "PTE Write
// access is not set" for a write, 0x06 "PTE Read access is not set" for a read; the address is the record's page.
describe('intel-iommu gates (VT-d fault report, x86)', () => {
  boundary(
    INTEL_IOMMU_GATES.pasidInFault,
    'the record line gains "PASID %x" (ffffffff: the request had none) between the device and the address (the handle is below 4 GiB on both sides: intel_alloc_iova tries 32 bits first for any device until 5.11)',
    ({ before, after }) => {
      expect(at(before, 'dev_write').warnings).toEqual([
        'DMAR: DRHD: handling fault status reg 2',
        'DMAR: [DMA Write] Request device [00:03.0] fault addr fffff000 [fault reason 05] PTE Write access is not set',
      ]);
      expect(at(after, 'dev_write').warnings).toEqual([
        'DMAR: DRHD: handling fault status reg 2',
        'DMAR: [DMA Write] Request device [00:03.0] PASID ffffffff fault addr fffff000 [fault reason 05] PTE Write access is not set',
      ]);
      expect(at(before, 'dev_read').warnings[1]).toBe('DMAR: [DMA Read] Request device [00:03.0] fault addr 12345000 [fault reason 06] PTE Read access is not set');
      expect(at(after, 'dev_read').warnings[1]).toBe('DMAR: [DMA Read] Request device [00:03.0] PASID ffffffff fault addr 12345000 [fault reason 06] PTE Read access is not set');
    },
    VTD_FAULT,
  );
  boundary(
    INTEL_IOMMU_GATES.subdir,
    'the fault comes from drivers/iommu/dmar.c and the walk is intel-iommu.c\'s before, drivers/iommu/intel/dmar.c and intel/iommu.c after; the lines are the same',
    ({ before, after }) => {
      expect(vtdWhy(before, 'dev_write')).toEqual({ fault: 'drivers/iommu/dmar.c', walk: 'drivers/iommu/intel-iommu.c', walkFn: 'pfn_to_dma_pte' });
      expect(vtdWhy(after, 'dev_write')).toEqual({ fault: 'drivers/iommu/intel/dmar.c', walk: 'drivers/iommu/intel/iommu.c', walkFn: 'pfn_to_dma_pte' });
      expect(fileFor(catalogueEntry('dmar.fault'), kernelCode(prev(INTEL_IOMMU_GATES.subdir.from)))).toBe('drivers/iommu/dmar.c');
      expect(fileFor(catalogueEntry('dmar.fault'), INTEL_IOMMU_GATES.subdir.code)).toBe('drivers/iommu/intel/dmar.c');
      expect(at(before, 'dev_write').warnings).toEqual(at(after, 'dev_write').warnings);
    },
    VTD_FAULT,
  );
  boundary(
    INTEL_IOMMU_GATES.noPasid,
    'PASID ffffffff becomes "NO_PASID" in the bracket, the reason is printed in hex (0x05), and 0x precedes the bus, slot and address',
    ({ before, after }) => {
      expect(at(before, 'dev_write').warnings[1]).toBe('DMAR: [DMA Write] Request device [00:03.0] PASID ffffffff fault addr fffffffff000 [fault reason 05] PTE Write access is not set');
      expect(at(after, 'dev_write').warnings[1]).toBe('DMAR: [DMA Write NO_PASID] Request device [0x00:0x03.0] fault addr 0xfffffffff000 [fault reason 0x05] PTE Write access is not set');
      expect(at(after, 'dev_read').warnings[1]).toBe('DMAR: [DMA Read NO_PASID] Request device [0x00:0x03.0] fault addr 0x12345000 [fault reason 0x06] PTE Read access is not set');
    },
    VTD_FAULT,
  );
  boundary(
    INTEL_IOMMU_GATES.bdfNo0x,
    'the bus and slot lose their 0x again (as dev_printk prints a PCI address); the address and reason keep theirs',
    ({ before, after }) => {
      expect(at(before, 'dev_read').warnings[1]).toBe('DMAR: [DMA Read NO_PASID] Request device [0x00:0x03.0] fault addr 0x12345000 [fault reason 0x06] PTE Read access is not set');
      expect(at(after, 'dev_read').warnings).toEqual([
        'DMAR: DRHD: handling fault status reg 2',
        'DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x12345000 [fault reason 0x06] PTE Read access is not set',
      ]);
    },
    VTD_FAULT,
  );

  // drivers/iommu/intel-iommu.c, cfb94a372f2d (5.4): bounce_map_single for device_needs_bounce() (an untrusted PCI
  // device) when "!IS_ALIGNED(paddr | size, VTD_PAGE_SIZE)": swiotlb_tbl_map_single of the page-aligned size, the
  // padding zeroed, the slot mapped; before, __intel_map_single maps the buffer's own page.
  boundary(
    INTEL_IOMMU_GATES.untrustedBounce,
    'an untrusted PCI device\'s 64-byte buffer is mapped in place before (the device reads its neighbour in the same page), bounced into a zero-padded swiotlb page of its own after (explained as intel-iommu\'s, not dma-iommu\'s)',
    ({ before, after }) => {
      const map = (r: RunResult) => at(r, 'h = dma_map_single');
      expect(map(before).observations.join(' ')).toContain('before 5.4 intel-iommu does not bounce (cfb94a372f2d)');
      expect(map(before).events.some((e) => e.kind === 'note' && e.text === 'bounce through swiotlb')).toBe(false);
      expect(text(before, 'dev_read(tb, h + 64')).toBe('next');
      const bounce = map(after).events.find((e) => e.kind === 'note' && e.text === 'bounce through swiotlb') as { why: { fn: string } } | undefined;
      expect(bounce?.why.fn).toBe('intel_map_page');
      expect(map(after).events.find((e) => e.kind === 'dma_map')).toMatchObject({ why: { rule: expect.stringContaining('bounce_map_single') } });
      expect(text(after, 'dev_read(tb, h,')).toBe('mine');
      // the rest of the bounce page is the zeroed padding: the neighbour is out of reach
      expect(at(after, 'dev_read(tb, h + 64').error).toBeNull();
      expect(text(after, 'dev_read(tb, h + 64')).not.toBe('next');
      expect(map(after).events.some((e) => e.kind === 'note' && e.text.startsWith('padding zeroed'))).toBe(true);
    },
    `machine(arch=x86, ram=8G)
iommu(vtd, mode=strict)
device(tb, bus=pci, untrusted=true, dma_mask=64, iommu=vtd)
n = kmalloc(64, GFP_KERNEL)
cpu_write(n, "next")
b = kmalloc(64, GFP_KERNEL)
cpu_write(b, "mine")
h = dma_map_single(tb, b, 64, DMA_TO_DEVICE)
dev_read(tb, h, 4)
dev_read(tb, h + 64, 4)
`,
  );

  // drivers/iommu/intel-iommu.c intel_unmap(), f7b0c4ce8cb3 (5.2): "if (intel_iommu_strict || (pdev &&
  // pdev->untrusted))" flushes the IOTLB and frees the IOVA at once; before, only intel_iommu_strict did.
  boundary(
    INTEL_IOMMU_GATES.untrustedStrict,
    'lazy mode: an untrusted PCI device still reads through its stale IOTLB entry after dma_unmap before, faults after (intel_unmap flushes at once)',
    ({ before, after }) => {
      expect(at(before, 'dev_read(tb, h, 4)', 1).error).toBeNull();
      expect(at(before, 'dev_read(tb, h, 4)', 1).data?.text).toBe('data');
      expect(at(after, 'dev_read(tb, h, 4)', 1).error).toBe('FAULT');
    },
    `machine(arch=x86, ram=8G)
iommu(vtd, mode=lazy)
device(tb, bus=pci, untrusted=true, dma_mask=64, iommu=vtd)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "data")
h = dma_map_single(tb, b, 4096, DMA_TO_DEVICE)
dev_read(tb, h, 4)
dma_unmap_single(tb, h, 4096, DMA_TO_DEVICE)
dev_read(tb, h, 4)
`,
  );

  it('x86 lazy mode: VT-d defers flushes before 4.20 too (arm-smmu\'s gate is not x86\'s); an untrusted device is flushed at once 5.2-5.10, not in 5.11 (the conversion dropped intel_unmap\'s check), again from 5.12 (82c3cefb9f16)', () => {
    const sc = (untrusted: boolean) => `machine(arch=x86, ram=8G)
iommu(vtd, mode=lazy)
device(tb, bus=pci, untrusted=${untrusted}, dma_mask=64, iommu=vtd)
b = kmalloc(4096, GFP_KERNEL)
cpu_write(b, "data")
h = dma_map_single(tb, b, 4096, DMA_TO_DEVICE)
dev_read(tb, h, 4)
dma_unmap_single(tb, h, 4096, DMA_TO_DEVICE)
dev_read(tb, h, 4)
`;
    const stale = (k: string, untrusted: boolean) => at(runScenario(sc(untrusted), { kernel: k }), 'dev_read(tb, h, 4)', 1).error === null;
    expect(stale('4.4', false)).toBe(true);
    expect(stale('4.19', false)).toBe(true);
    expect(stale('5.10', true)).toBe(false);
    expect(stale('5.11', true)).toBe(true);
    expect(stale('5.12', true)).toBe(false);
    expect(kernelEras('x86').flatMap((e) => e.changes.map((g) => g.id))).not.toContain('dma-iommu.lazyFlushQueue');
  });

  // drivers/iommu/intel-iommu.c before c588072bba6b (5.11): intel_map_page → __intel_map_single, intel_alloc_iova
  // ("nrpages = __roundup_pow_of_two(nrpages)"; "if (!dmar_forcedac && dma_mask > DMA_BIT_MASK(32))" a first try
  // below 4 GiB for any device); from 5.11 dma-iommu's iommu_dma_map_page (32-bit first only for PCI devices).
  // DMA_FROM_DEVICE is DMA_PTE_WRITE only on both sides (the explorer's unit has cap_zlr), so a device read faults.
  boundary(
    INTEL_IOMMU_GATES.dmaIommu,
    'intel_map_page gives a platform device a handle below 4 GiB and names itself before; iommu_dma_map_page gives the top of the 48-bit space after; a device read of the FROM_DEVICE mapping faults (reason 6) on both',
    ({ before, after }) => {
      expect(Number(at(before, 'h = dma_map_single').result)).toBe(0xfffff000);
      expect(Number(at(after, 'h = dma_map_single').result)).toBe(0xfffffffff000);
      const note = at(before, 'h = dma_map_single').events.find((e) => e.kind === 'note' && e.why.fn === 'intel_map_page') as { why: { file: string; rule: string } } | undefined;
      expect(note?.why.file).toBe('drivers/iommu/intel/iommu.c');
      expect(note?.why.rule).toContain('cap_zlr');
      expect(at(after, 'h = dma_map_single').events.some((e) => e.kind === 'note' && e.why.fn === 'intel_map_page')).toBe(false);
      expect(at(before, 'dev_read(nic, h').warnings[1]).toBe('DMAR: [DMA Read] Request device [00:03.0] PASID ffffffff fault addr fffff000 [fault reason 06] PTE Read access is not set');
      expect(at(after, 'dev_read(nic, h').warnings[1]).toBe('DMAR: [DMA Read] Request device [00:03.0] PASID ffffffff fault addr fffffffff000 [fault reason 06] PTE Read access is not set');
      expect(at(before, 'dev_write(nic, h').error).toBeNull();
      expect(at(after, 'dev_write(nic, h').error).toBeNull();
    },
    `machine(arch=x86)
iommu(vtd, mode=strict)
device(gpu)
device(nic, dma_mask=64, iommu=vtd)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
dev_write(nic, h, "x")
dev_read(nic, h, 4)
`,
  );

  // The io-pgtable-arm gates are arm-smmu's; VT-d's __domain_mapping / intel_iommu_unmap (drivers/iommu/intel/iommu.c,
  // 4.x to 6.18 trees) behave the same on every version: see test/sim/io-pgtable.test.ts for the table itself.
  it('x86 runs none of the io-pgtable-arm gates: no-permission iommu_map is -EINVAL on 5.15-6.10 (no hang), a partial superpage unmap unmaps it whole on 6.12 and 6.13', () => {
    const x86 = UNMANAGED.replace('arch=arm64', 'arch=x86').replaceAll('smmu', 'vtd');
    for (const k of ['5.14', '5.15', '6.10', '6.11']) {
      const r = runScenario(x86 + 'iommu_map(dom, 0x40000000, big, 4096, 0)\ndev_read(gpu, 0x40000000, 5)\n', { kernel: k });
      expect(at(r, 'iommu_map').error).toBe('EINVAL');
      expect(at(r, 'dev_read').error).toBe('FAULT');
    }
    for (const k of ['6.12', '6.13']) {
      const r = runScenario(x86 + 'iommu_map(dom, 0x40000000, big, 2M, IOMMU_READ | IOMMU_CACHE)\niommu_unmap(dom, 0x40000000, 4096)\ndev_read(gpu, 0x40001000, 5)\n', { kernel: k });
      expect(at(r, 'iommu_unmap').result).toBe(2 * 1024 * 1024);
      expect(at(r, 'iommu_unmap').warnings).toEqual([]);
      expect(at(r, 'dev_read').error).toBe('FAULT');
    }
    const eras = kernelEras('x86').flatMap((e) => e.changes.map((g) => g.id));
    expect(eras.filter((id) => id.startsWith('io-pgtable.'))).toEqual([]);
    expect(kernelEras('arm64').flatMap((e) => e.changes.map((g) => g.id))).toContain('io-pgtable.mapPagesHang');
  });

  it('x86: mapping an IOVA twice keeps the first mapping, prints VT-d\'s pr_crit and returns 0; arm64 refuses with -EEXIST', () => {
    const x86 = UNMANAGED.replace('arch=arm64', 'arch=x86').replaceAll('smmu', 'vtd') + 'iommu_map(dom, 0x40000000, big, 4096, IOMMU_READ)\niommu_map(dom, 0x40000000, big + 4096, 4096, IOMMU_READ)\ndev_read(gpu, 0x40000000, 5)\n';
    const r = runScenario(x86, {});
    const second = at(r, 'iommu_map', 1);
    expect(second.error).toBeNull();
    expect(second.warnings).toHaveLength(2);
    expect(second.warnings[0]).toMatch(/^DMAR: ERROR: DMA PTE for vPFN 0x40000 already set \(to [0-9a-f]+001 not [0-9a-f]+001\)$/);
    // __domain_mapping's WARN_ON(1) follows, in the file of the kernel's era (drivers/iommu/intel/ from 5.8)
    expect(second.warnings[1]).toBe('WARNING: at drivers/iommu/intel/iommu.c: __domain_mapping: WARN_ON(1)');
    expect(at(runScenario(x86, { kernel: '5.7' }), 'iommu_map', 1).warnings[1]).toBe('WARNING: at drivers/iommu/intel-iommu.c: __domain_mapping: WARN_ON(1)');
    expect(text(r, 'dev_read')).toBe('block');
    const arm = runScenario(x86.replace('arch=x86', 'arch=arm64'), {});
    expect(at(arm, 'iommu_map', 1).error).toBe('EEXIST');
  });

  it('x86 (VT-d): a device read of a DMA_FROM_DEVICE mapping faults with reason 6 and reads nothing; arm64 (stage 1 has no write-only) reads it', () => {
    const sc = `machine(arch=x86)
iommu(vtd, mode=strict)
device(nic, dma_mask=64, bus=pci, iommu=vtd)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_FROM_DEVICE)
dev_write(nic, h, "data")
dev_read(nic, h, 4)
`;
    const r = runScenario(sc, {});
    expect(at(r, 'dev_write').error).toBeNull();
    expect(at(r, 'dev_read').error).toBe('FAULT');
    expect(at(r, 'dev_read').warnings[1]).toMatch(/^DMAR: \[DMA Read NO_PASID\] Request device \[00:02\.0\] fault addr 0x[0-9a-f]+ \[fault reason 0x06\] PTE Read access is not set$/);
    expect(at(r, 'dev_read').observations.join(' ')).toContain('write-only');
    const arm = runScenario(sc.replace('arch=x86', 'arch=arm64'), {});
    expect(at(arm, 'dev_read').error).toBeNull();
    expect(text(arm, 'dev_read')).toBe('data');
  });

  it('x86 scatterlists: intel_map_sg gives every entry its own segment before 5.11 (nelems returned); dma-iommu\'s __finalise_sg merges page-aligned contiguous entries from 5.11', () => {
    const sc = `machine(arch=x86, ram=8G)
iommu(vtd, mode=strict)
device(nic, dma_mask=64, bus=pci, iommu=vtd)
p = alloc_pages(GFP_KERNEL, 2)
sgt = sg_table(p, 4096, p + 4096, 4096, p + 8192, 8192)
n = dma_map_sg(nic, sgt, DMA_TO_DEVICE)
dma_unmap_sg(nic, sgt, DMA_TO_DEVICE)
`;
    const before = runScenario(sc, { kernel: '5.10' });
    const after = runScenario(sc, { kernel: '5.11' });
    expect(at(before, 'n = dma_map_sg').result).toBe(3);
    expect(at(after, 'n = dma_map_sg').result).toBe(1);
    expect(at(before, 'n = dma_map_sg').events.some((e) => e.kind === 'note' && e.why.fn === 'intel_map_sg')).toBe(true);
    expect(at(before, 'dma_unmap_sg').error).toBeNull();
    expect(at(before, 'dma_unmap_sg').observations).toEqual([]);
  });

  it('x86 dma_alloc_coherent: intel_alloc_coherent gives one contiguous block at its linear address before 5.11; dma-iommu remaps pages into vmalloc space from 5.11', () => {
    const sc = `machine(arch=x86, ram=8G)
iommu(vtd, mode=strict)
device(nic, dma_mask=64, bus=pci, iommu=vtd)
cpu, h = dma_alloc_coherent(nic, 8192)
dev_write(nic, h + 4094, "span")
cpu_read(cpu + 4094, 4) => "span"
dma_free_coherent(nic, 8192, cpu, h)
`;
    const before = runScenario(sc, { kernel: '5.10' });
    const after = runScenario(sc, { kernel: '5.11' });
    const alloc = (r: RunResult) => at(r, 'cpu, h = dma_alloc_coherent').events.find((e) => e.kind === 'alloc') as { va: number; phys: number; why: { fn: string; file: string } };
    expect(alloc(before).why).toMatchObject({ fn: 'intel_alloc_coherent', file: 'drivers/iommu/intel/iommu.c' });
    expect(alloc(before).va).toBe(alloc(before).phys); // page_address(): the linear map (LINEAR_BASE 0)
    expect(alloc(after).why.fn).not.toBe('intel_alloc_coherent');
    expect(alloc(after).va).not.toBe(alloc(after).phys);
    for (const r of [before, after]) {
      expect(at(r, 'cpu_read').error).toBeNull();
      expect(at(r, 'dma_free_coherent').error).toBeNull();
    }
    expect(at(before, 'dma_free_coherent').events.find((e) => e.kind === 'free')).toMatchObject({ why: { fn: 'intel_free_coherent' } });
  });

  it('x86 before 5.11: intel_unmap_page of a handle nothing maps neither WARNs nor looks it up; dma-iommu from 5.11 WARNs (WARN_ON(!phys))', () => {
    const sc = `machine(arch=x86)
iommu(vtd, mode=strict)
device(nic, dma_mask=64, bus=pci, iommu=vtd)
dma_unmap_single(nic, 0x7000, 4096, DMA_TO_DEVICE)
`;
    const before = runScenario(sc, { kernel: '5.10' });
    const after = runScenario(sc, { kernel: '5.11' });
    const notes = (r: RunResult) => at(r, 'dma_unmap_single').events.filter((e) => e.kind === 'note').map((e) => (e.kind === 'note' ? `${e.why.fn}: ${e.text}` : ''));
    expect(notes(before).some((n) => n.startsWith('intel_unmap_page: nothing mapped'))).toBe(true);
    expect(notes(before).some((n) => n.includes('WARN_ON'))).toBe(false);
    expect(notes(after)).toContain('iommu_dma_unmap_page: WARN_ON(!phys)');
  });

  it('on x86 the walk is explained as VT-d\'s second-level table and no arm-smmu line is printed; arm64 keeps the SMMU\'s', () => {
    const x86 = runScenario(VTD_FAULT, {});
    const walk = at(x86, 'dev_read').events.find((e) => e.kind === 'pt_walk') as { why: { rule: string } };
    expect(walk.why.rule).toContain('second-level page table');
    expect(walk.why.rule).not.toContain('LPAE');
    expect(x86.steps.flatMap((s) => s.warnings).some((w) => w.includes('arm-smmu'))).toBe(false);
    const arm = runScenario(VTD_FAULT.replace('arch=x86', 'arch=arm64'), {});
    expect(at(arm, 'dev_read').warnings[0]).toMatch(/^arm-smmu vtd: Unhandled context fault: fsr=0x2, iova=0x12345678,/);
    const armWalk = at(arm, 'dev_read').events.find((e) => e.kind === 'pt_walk') as { why: { rule: string } };
    expect(armWalk.why.rule).toContain('stage-1 LPAE');
  });

  it('the PCI address is the explorer\'s: slot 2 onwards by declaration order, or the kernel name a trace gave the device', () => {
    const r = runScenario('machine(arch=x86)\niommu(vtd)\ndevice(a, iommu=vtd)\ndevice(b, iommu=vtd)\ndevice(c, iommu=vtd, label="0000:3a:1f.6")\ndev_read(a, 0x1000, 1)\ndev_read(b, 0x1000, 1)\ndev_read(c, 0x1000, 1)\n', {});
    expect(at(r, 'dev_read(a').warnings[1]).toContain('Request device [00:02.0]');
    expect(at(r, 'dev_read(b').warnings[1]).toContain('Request device [00:03.0]');
    expect(at(r, 'dev_read(c').warnings[1]).toContain('Request device [3a:1f.6]');
  });
});

// ---------------------------------------------------------------------------
// The value a failed map hands the driver (src/sim/dma/map-error.ts): each back end's own before 5.0, and what a
// device pointed at that handle reaches. Scenario checks still say DMA_MAPPING_ERROR for the failure on every version.

/** The dev_access event of a step (where the device's access landed), if it got that far. */
function landed(s: StepJson): number | undefined {
  const e = s.events.find((x) => x.kind === 'dev_access');
  return e && e.kind === 'dev_access' ? e.phys : undefined;
}

describe("a failed map's handle", () => {
  // kernel/dma/direct.c: dma_direct_map_page() returns DIRECT_MAPPING_ERROR when check_addr() fails (x86 without a
  // pool has dma_direct_ops from 4.17); dma_direct_mapping_error() compares with it
  boundary(
    DIRECT_GATES.mappingErrorAllOnes,
    'an unreachable buffer and no swiotlb: the handle is DIRECT_MAPPING_ERROR = 0 before (a driver that ignores it makes its device write bus address 0), all ones after (the device cannot emit it); dma_mapping_error() recognises it on both sides',
    ({ before, after }) => {
      expect(at(before, 'h =').result).toBe('0x0');
      expect(at(after, 'h =').result).toBe('0xffffffffffffffff');
      for (const r of [before, after]) {
        expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
        expect(at(r, 'dma_mapping_error(nic, h)').result).toBe(1);
        // dma-debug's check_unmap() asks dma_mapping_error() about an address it has no entry for
        expect(at(r, 'dma_unmap_single').warnings).toEqual(['nic nic: DMA-API: device driver tries to free an invalid DMA memory address']);
      }
      const note = at(before, 'h =').events.find((e) => e.kind === 'note' && e.text.startsWith('map failed'));
      expect(note).toMatchObject({ text: 'map failed: handle 0x0 (DIRECT_MAPPING_ERROR; DMA_MAPPING_ERROR in a check)', why: { fn: 'dma_direct_map_page', file: 'kernel/dma/direct.c' } });
      expect(at(before, 'dev_write').error).toBeNull();
      expect(landed(at(before, 'dev_write'))).toBe(0);
      expect(at(before, 'dev_write').observations.join(' ')).toContain('handle of a failed map on this kernel (DIRECT_MAPPING_ERROR)');
      expect(at(after, 'dev_write').error).toBe('FAULT');
      expect(landed(at(after, 'dev_write'))).toBeUndefined();
    },
    `machine(arch=x86, ram=8G, swiotlb=0, iommu_off=true)
device(nic, dma_mask=32)
hi = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, hi, 4096, DMA_FROM_DEVICE) => DMA_MAPPING_ERROR
dma_mapping_error(nic, h)
dev_write(nic, h, "oops")
dma_unmap_single(nic, h, 4096, DMA_FROM_DEVICE)
`,
  );

  // lib/swiotlb.c swiotlb_map_page(): a full pool → swiotlb_full(), then "return swiotlb_phys_to_dma(dev,
  // io_tlb_overflow_buffer);" and swiotlb_dma_mapping_error() compares with that address; from 4.20 the buffer is
  // gone and the map returns DIRECT_MAPPING_ERROR (all ones in 4.20)
  boundary(
    SWIOTLB_GATES.noOverflowBuffer,
    "a full pool: the handle is io_tlb_overflow_buffer's address (32 KiB right below the pool) before, and a device write through it lands in the overflow buffer; all ones after, which the device cannot emit",
    ({ before, after }) => {
      const m = createMachine({ ...defaultConfig(), arch: 'x86', kernel: prev(SWIOTLB_GATES.noOverflowBuffer.from), ram: 8 * 1024 ** 3, swiotlb: 256 * 1024 });
      const overflow = m.layout.overflowBuffer;
      expect(overflow).toBe(m.layout.swiotlbBase - 32 * 1024);
      expect(createMachine({ ...defaultConfig(), arch: 'x86', kernel: SWIOTLB_GATES.noOverflowBuffer.from, ram: 8 * 1024 ** 3, swiotlb: 256 * 1024 }).layout.overflowBuffer).toBe(0);
      expect(at(before, 'hc =').result).toBe(`0x${overflow.toString(16)}`);
      expect(at(before, 'hc =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(before, 'dma_mapping_error(nic, hc)').result).toBe(1);
      expect(landed(at(before, 'dev_write'))).toBe(overflow);
      expect(at(before, 'dev_write').observations.join(' ')).toContain("swiotlb's overflow buffer");
      expect(at(after, 'hc =').result).toBe('0xffffffffffffffff');
      expect(at(after, 'hc =').error).toBe('DMA_MAPPING_ERROR');
      expect(at(after, 'dma_mapping_error(nic, hc)').result).toBe(1);
      expect(at(after, 'dev_write').error).toBe('FAULT');
    },
    `${SWIOTLB_FULL}dma_mapping_error(nic, hc)
dev_write(nic, hc, "oops")
`,
  );

  // arm64 before 5.0 maps through swiotlb's ops even with no pool. lib/swiotlb.c of 4.9 (TROVON copy): map_single()
  // calls swiotlb_tbl_map_single() directly, whose only guard is no_iotlb_memory, false when arm64's mem_init()
  // never called swiotlb_init() (all RAM inside ZONE_DMA), so it reads the NULL io_tlb_list; 4.14 copy: map_single()
  // "if (swiotlb_force == SWIOTLB_NO_FORCE) { dev_warn_ratelimited(hwdev, "Cannot do DMA to address %pa\n", &phys);
  // return SWIOTLB_MAP_ERROR; }", swiotlb_full() returns at once for SWIOTLB_NO_FORCE, and mem_init() sets
  // SWIOTLB_NO_FORCE when it sets up no pool. Neither side prints dma-direct's "overflow" report.
  boundary(
    SWIOTLB_GATES.noForce,
    'arm64 with all RAM inside ZONE_DMA and no pool: a mapping that must bounce oopses in swiotlb_tbl_map_single before, logs "Cannot do DMA to address" and fails with the overflow buffer\'s address 0 after',
    ({ before, after }) => {
      expect(at(before, 'h =').observationRules).toContain('swiotlb/no-pool-oops');
      expect(at(before, 'h =').warnings).toEqual([]);
      expect(at(after, 'h =').observationRules).not.toContain('swiotlb/no-pool-oops');
      expect(at(after, 'h =').warnings).toEqual([expect.stringMatching(/^nic nic: Cannot do DMA to address 0x[0-9a-f]{16}$/)]);
      for (const r of [before, after]) {
        expect(at(r, 'h =').result).toBe('0x0');
        expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
        expect(at(r, 'dma_mapping_error(nic, h)').result).toBe(1);
        expect(at(r, 'h =').warnings.join(' ')).not.toContain('overflow');
      }
    },
    `machine(arch=arm64, ram=2G, swiotlb=0)
device(nic, dma_mask=30)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
`,
  );

  // "dma-direct: improve swiotlb error reporting" (5.6, "[GIT PULL] dma-mapping updates for 5.6"): before, 5.0's
  // dma_direct_map_page() calls swiotlb_map() for every buffer the device cannot reach, and swiotlb_map() starts
  // "if (unlikely(swiotlb_force == SWIOTLB_NO_FORCE)) { dev_warn_ratelimited(dev, "Cannot do DMA to address %pa\n",
  // phys); return false; }", then report_addr(); after, dma_direct_map_page() itself tests "if (swiotlb_force !=
  // SWIOTLB_NO_FORCE) return swiotlb_map(…);" and goes straight to the overflow report. swiotlb=0 on a machine whose
  // kernel would set up a pool is the boot option swiotlb=noforce: arm64 with RAM beyond the zone, x86 above 4 GiB.
  for (const arch of ['arm64', 'x86']) {
    boundary(
      SWIOTLB_GATES.noForceInDirect,
      `${arch}, 8 GiB, swiotlb=noforce: a 32-bit device's buffer above 4 GiB logs "Cannot do DMA to address" before the overflow report before, only the overflow report after`,
      ({ before, after }) => {
        expect(at(before, 'h =').warnings[0]).toMatch(/^old old: Cannot do DMA to address 0x00000001[0-9a-f]{8}$/);
        expect(at(before, 'h =').warnings.slice(1).join(' ')).toContain('overflow');
        expect(at(before, 'h =').events.some((e) => e.kind === 'note' && e.text === 'swiotlb_force = SWIOTLB_NO_FORCE')).toBe(true);
        expect(at(after, 'h =').warnings.join(' ')).not.toContain('Cannot do DMA');
        expect(at(after, 'h =').warnings).toEqual([expect.stringMatching(/^old old: DMA addr 0x00000001[0-9a-f]{8}\+4096 overflow \(mask ffffffff, bus limit 0\)\.$/)]);
        for (const r of [before, after]) {
          expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
          expect(at(r, 'dma_mapping_error(old, h)').result).toBe(-12);
        }
      },
      `machine(arch=${arch}, ram=8G, swiotlb=0)
device(old, dma_mask=32)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(old, b, 4096, DMA_TO_DEVICE)
dma_mapping_error(old, h)
`,
    );
  }

  // drivers/iommu/dma-iommu.c: __iommu_dma_map() returns DMA_ERROR_CODE (arm64: ~(dma_addr_t)0) before,
  // IOMMU_MAPPING_ERROR (0) after; iommu_dma_mapping_error() compares with it
  boundary(
    DMA_IOMMU_GATES.mappingErrorZero,
    "IOVA space exhausted: the handle is arm64's DMA_ERROR_CODE (all ones) before, IOMMU_MAPPING_ERROR = 0 after, and a device read through it is an SMMU translation fault at IOVA 0",
    ({ before, after }) => {
      expect(at(before, 'h =').result).toBe('0xffffffffffffffff');
      expect(at(after, 'h =').result).toBe('0x0');
      for (const r of [before, after]) {
        expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
        expect(at(r, 'dma_mapping_error(nic, h)').result).toBe(1);
        expect(at(r, 'dev_read').error).toBe('FAULT');
      }
      expect(at(before, 'dev_read').warnings).toEqual([]);
      expect(at(after, 'dev_read').warnings).toEqual(['arm-smmu smmu: Unhandled context fault: fsr=0x2, iova=0x00000000, fsynr=0x0, cb=0']);
    },
    `machine(arch=arm64)
iommu(smmu)
device(nic, dma_mask=16, iommu=smmu, coherent=true)
b = kmalloc(131072, GFP_KERNEL)
h = dma_map_single(nic, b, 131072, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
dev_read(nic, h, 4)
`,
  );

  // the same patch changed what __finalise_sg writes into the entries past the segment count and __invalidate_sg
  // into every entry of a failed list: "sg_dma_address(s) = DMA_ERROR_CODE;" → "= IOMMU_MAPPING_ERROR;" (the patch
  // as posted, and a stored 4.15+-era drivers/iommu/dma-iommu.c); sg_dma_address() reads the field
  boundary(
    DMA_IOMMU_GATES.mappingErrorZero,
    'the scatterlist entries dma-iommu leaves without a segment (past a merged count, or the whole list of a failed map) hold all ones before, 0 after',
    ({ before, after }) => {
      expect(at(before, 'n =').result).toBe(1);
      expect(at(after, 'n =').result).toBe(1);
      expect(at(before, 'x1 =').result).toBe('0xffffffffffffffff');
      expect(at(after, 'x1 =').result).toBe('0x0');
      for (const r of [before, after]) expect(at(r, 'f =').result).toBe(0);
      for (const y of ['y0 =', 'y1 =']) {
        expect(at(before, y).result).toBe('0xffffffffffffffff');
        expect(at(after, y).result).toBe('0x0');
        expect(at(after, y).observationRules).toContain('sg/entry-past-nents');
      }
    },
    SG_IOMMU_UNUSED,
  );

  // 5.0's dma-iommu: "sg_dma_address(s) = DMA_MAPPING_ERROR;" in __finalise_sg and __invalidate_sg
  boundary(
    DMA_API_GATES.mappingErrorEnomem,
    'arm64 dma-iommu: the scatterlist entries left without a segment hold IOMMU_MAPPING_ERROR (0) before, DMA_MAPPING_ERROR (all ones) after',
    ({ before, after }) => {
      for (const x of ['x1 =', 'y0 =', 'y1 =']) {
        expect(at(before, x).result).toBe('0x0');
        expect(at(after, x).result).toBe('0xffffffffffffffff');
      }
    },
    SG_IOMMU_UNUSED,
  );

  // include/linux/dma-mapping.h: from 5.0 every back end returns DMA_MAPPING_ERROR; intel_dma_ops returned 0
  // (intel_mapping_error: "return !dma_addr;") until 524a669bdd5f in the same series
  boundary(
    DMA_API_GATES.mappingErrorEnomem,
    'x86 behind VT-d, IOVA space exhausted: intel_map_page returns 0 before (dma_mapping_error() gives 1, a device read faults at IOVA 0), DMA_MAPPING_ERROR (all ones) after (-ENOMEM)',
    ({ before, after }) => {
      expect(at(before, 'h =').result).toBe('0x0');
      expect(at(before, 'dma_mapping_error(nic, h)').result).toBe(1);
      expect(at(before, 'dev_read').warnings.join(' ')).toContain('fault addr 0 ');
      expect(at(after, 'h =').result).toBe('0xffffffffffffffff');
      expect(at(after, 'dma_mapping_error(nic, h)').error).toBe('ENOMEM');
      expect(at(after, 'dev_read').warnings).toEqual([]);
      for (const r of [before, after]) expect(at(r, 'h =').error).toBe('DMA_MAPPING_ERROR');
    },
    `machine(arch=x86)
iommu(vtd)
device(nic, dma_mask=16, iommu=vtd, coherent=true)
b = kmalloc(131072, GFP_KERNEL)
h = dma_map_single(nic, b, 131072, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
dev_read(nic, h, 4)
`,
  );
});

describe('riscv-iommu gates', () => {
  // 6.12 has no drivers/iommu/riscv (the 6.13 IOMMU pull creates it); from 6.13 the driver with paging domains
  // (488ffbf18171). Not the boundary helper: the 6.12 side is refused, both by the scenario check at the iommu(…)
  // declaration and by createMachine when a "Run as" / --kernel override picks the version after that check.
  const sc = `machine(arch=riscv)
iommu(io, mode=strict)
device(gpu, dma_mask=40, iommu=io)
dom = iommu_domain_alloc(io)
iommu_attach_device(dom, gpu) => 0
p = alloc_pages(GFP_KERNEL, 0)
iommu_map(dom, 0x100000, p, 4096, IOMMU_READ) => 0
dev_read(gpu, 0x100000, 4)
`;
  it(`riscv-iommu.driver: 6.12 → 6.13 (488ffbf18171): no RISC-V IOMMU driver before (the machine is refused, at the declaration and in createMachine); the riscv-iommu driver's Sv39 paging domain after`, () => {
    registered.add(RISCV_IOMMU_GATES.driver.id);
    const g = RISCV_IOMMU_GATES.driver;
    expect(g).toMatchObject({ from: '6.13', commit: '488ffbf18171', arch: 'riscv' });
    // the header names 6.12: refused at the iommu(…) declaration (line 2, column 1)
    const declared = runScenario(sc.replace('machine(arch=riscv)', 'machine(arch=riscv, kernel="6.12")'));
    expect(declared.errors).toHaveLength(1);
    expect(declared.errors[0]).toMatchObject({ line: 2, col: 1 });
    expect(declared.errors[0]!.message).toContain('riscv has no IOMMU driver before Linux 6.13');
    // the header is fine, the override picks 6.12 after validation: createMachine refuses with the same words
    const before = runScenario(sc, { kernel: '6.12' });
    expect(before.steps).toEqual([]);
    expect(before.errors[0]!.message).toContain('the engine could not build this machine: riscv has no IOMMU driver before Linux 6.13');
    expect(() => createMachine({ ...defaultConfig(), arch: 'riscv', kernel: '6.12', iommus: [{ name: 'io', mode: 'strict', pgsize: 4096 }] })).toThrow(/no IOMMU driver before Linux 6\.13/);
    // the same machine on arm64 6.12 is fine (arm-smmu), and riscv without an iommu is fine on 6.12
    expect(runScenario(sc, { kernel: '6.12', arch: 'arm64' }).errors).toEqual([]);
    expect(iommuRefusal({ arch: 'riscv', kernel: '6.12', iommus: [], devices: [] })).toBeNull();
    // 6.13: modelled as the RISC-V IOMMU (its fault line, riscv_iommu_pte_fetch's walk)
    const after = runScenario(sc, { kernel: '6.13' });
    expect(after.errors).toEqual([]);
    expect(after.steps.flatMap((s) => s.checks.filter((c) => !c.passed))).toEqual([]);
    const walk = at(after, 'dev_read').events.find((e) => e.kind === 'pt_walk') as { why: { fn: string; file: string } };
    expect(walk.why).toMatchObject({ fn: 'riscv_iommu_pte_fetch', file: 'drivers/iommu/riscv/iommu.c' });
  });
});

describe('kmalloc with GFP_DMA32: no kmalloc cache serves it (mm/slub.c, mm/slab_common.c, GFP_SLAB_BUG_MASK)', () => {
  const alloc = (r: RunResult, p: string) => at(r, p).events.find((e) => e.kind === 'alloc') as { phys: number; zone: string } | undefined;
  const note = (r: RunResult, p: string) => (at(r, p).events.find((e) => e.kind === 'note' && e.text === 'no kmalloc cache for GFP_DMA32') as { why: { fn: string; rule: string } }).why;
  /** The "Fixing up to gfp" line new_slab() prints for a kmalloc of `flags` that takes a fresh slab page. */
  const FIRST = (flags: string) => `machine(arch=x86, ram=8G)\na = kmalloc(64, ${flags})\n`;
  const fixLine = (fixed: string) => `Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: ${fixed}. Fix your code!`;

  // A slab object: new_slab() checks the flags only when the cache needs a page; the engine's stand-in is "the
  // object is alone in a page that was wholly free" (the first kmalloc of the machine), the second object lands
  // beside it and is not checked. Before 4.8 the check BUG()s, so no slab page is made and every call hits it.
  boundary(
    MM_GATES.slabNoPanic,
    'kmalloc(64, GFP_KERNEL | GFP_DMA32) needing a slab page: pr_emerg "gfp: 4" and BUG() (kmalloc returns nothing) before; the flag stripped with a warning and the object above 4 GiB after, the next object in that slab page unchecked',
    ({ before, after }) => {
      for (const p of ['a =', 'b =']) {
        expect(at(before, p)).toMatchObject({ error: 'BUG', warnings: ['gfp: 4', 'kernel BUG at mm/slub.c: new_slab: BUG() (flags & GFP_SLAB_BUG_MASK)'] });
        expect(at(before, p).observations.join(' ')).toContain('new_slab() BUG()s on GFP_DMA32');
        expect(alloc(before, p)).toBeUndefined();
      }
      expect(at(after, 'a =')).toMatchObject({ error: null, warnings: [fixLine('0x24000c0 (GFP_KERNEL)')] });
      expect(alloc(after, 'a =')).toMatchObject({ zone: 'Normal' });
      expect(alloc(after, 'a =')!.phys).toBeGreaterThanOrEqual(2 ** 32);
      expect(at(after, 'b =')).toMatchObject({ error: null, warnings: [] });
      expect(alloc(after, 'b =')!.phys).toBe(alloc(after, 'a =')!.phys - 64);
      expect(note(after, 'b =')).toMatchObject({ fn: 'kmalloc_slab' });
      expect(note(after, 'b =').rule).toContain('there is no kmalloc-dma32 cache');
    },
    `${FIRST('GFP_KERNEL | GFP_DMA32')}b = kmalloc(64, GFP_KERNEL | GFP_DMA32)\n`,
  );
  boundary(
    MM_GATES.slubDumpStack,
    'the same "Unexpected gfp" line on both sides; SLUB adds no stack dump before, dump_stack() after (the note says so)',
    ({ before, after }) => {
      expect(at(before, 'a =').warnings).toEqual(at(after, 'a =').warnings);
      expect(note(before, 'a =')).toMatchObject({ fn: 'new_slab' });
      expect(note(before, 'a =').rule).toContain('SLUB dumps no stack before 4.11');
      expect(note(after, 'a =').rule).toContain('then dumps the stack');
    },
    FIRST('GFP_KERNEL | GFP_DMA32'),
  );
  boundary(
    MM_GATES.kmallocLargeFixFlags,
    'kmalloc(16384, GFP_KERNEL | GFP_DMA32) is alloc_pages: ZONE_DMA32 pages below 4 GiB and no log line before; kmalloc_fix_flags() warns and the pages come from above 4 GiB after (the printer moves from new_slab to kmalloc_fix_flags)',
    ({ before, after }) => {
      expect(at(before, 'c =')).toMatchObject({ error: null, warnings: [] });
      expect(alloc(before, 'c =')).toMatchObject({ zone: 'DMA32' });
      expect(alloc(before, 'c =')!.phys).toBeLessThan(2 ** 32);
      expect(note(before, 'c =')).toMatchObject({ fn: 'kmalloc_order' });
      expect(at(after, 'c =')).toMatchObject({ error: null, warnings: [fixLine('0xcc0 (GFP_KERNEL)')] });
      expect(alloc(after, 'c =')).toMatchObject({ zone: 'Normal' });
      expect(alloc(after, 'c =')!.phys).toBeGreaterThanOrEqual(2 ** 32);
      const e = catalogueEntry('slab.unexpected-gfp');
      expect(fileFor(e, kernelCode('5.8'))).toBe('mm/slub.c');
      expect(fileFor(e, kernelCode('5.9'))).toBe('mm/slab_common.c');
    },
    'machine(arch=x86, ram=8G)\nc = kmalloc(16384, GFP_KERNEL | GFP_DMA32)\n',
  );
  // The value "Fixing up to gfp" prints: the flags without __GFP_DMA32, in this kernel's bit layout.
  boundary(MM_GATES.gfpNoOtherNode, 'GFP_KERNEL prints as 0x24000c0 before, 0x14000c0 after', ({ before, after }) => {
    expect(at(before, 'a =').warnings).toEqual([fixLine('0x24000c0 (GFP_KERNEL)')]);
    expect(at(after, 'a =').warnings).toEqual([fixLine('0x14000c0 (GFP_KERNEL)')]);
  }, FIRST('GFP_KERNEL | GFP_DMA32'));
  boundary(MM_GATES.gfpFillGaps, 'GFP_KERNEL prints as 0x14000c0 before, 0x6000c0 after', ({ before, after }) => {
    expect(at(before, 'a =').warnings).toEqual([fixLine('0x14000c0 (GFP_KERNEL)')]);
    expect(at(after, 'a =').warnings).toEqual([fixLine('0x6000c0 (GFP_KERNEL)')]);
  }, FIRST('GFP_KERNEL | GFP_DMA32'));
  boundary(MM_GATES.gfpShuffle, 'kzalloc: GFP_KERNEL|__GFP_ZERO prints as 0x6080c0 before, 0xdc0 after', ({ before, after }) => {
    expect(at(before, 'a =').warnings).toEqual([fixLine('0x6080c0 (GFP_KERNEL|__GFP_ZERO)')]);
    expect(at(after, 'a =').warnings).toEqual([fixLine('0xdc0 (GFP_KERNEL|__GFP_ZERO)')]);
  }, 'machine(arch=x86, ram=8G)\na = kzalloc(64, GFP_KERNEL | GFP_DMA32)\n');
  boundary(MM_GATES.gfpNoAtomicBit, 'GFP_ATOMIC prints as 0xa20 before, 0x820 after', ({ before, after }) => {
    expect(at(before, 'a =').warnings).toEqual([fixLine('0xa20 (GFP_ATOMIC)')]);
    expect(at(after, 'a =').warnings).toEqual([fixLine('0x820 (GFP_ATOMIC)')]);
  }, FIRST('GFP_ATOMIC | GFP_DMA32'));
});

describe('every gate has a boundary test', () => {
  it('the tests above cover every gate of kernel-versions.ts', () => {
    expect(ALL_GATES.map((g) => g.id).filter((id) => !registered.has(id))).toEqual([]);
  });

  it('the eras the engine distinguishes start at the oldest version and at every gate, in order', () => {
    const eras = kernelEras();
    expect(eras[0]!.version).toBe('4.4');
    const codes = eras.map((e) => e.code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    for (const g of ALL_GATES) expect(eras.some((e) => e.code === g.code && e.changes.includes(g))).toBe(true);
    // arch-specific gates only appear for their architecture
    expect(kernelEras('x86').some((e) => e.changes.some((g) => g.arch === 'arm64'))).toBe(false);
  });
});
