/**
 * npm run bench: simulated DMA API calls per second, the median of several
 * timed runs, with every event recorded as the explorer needs it.
 *
 * Scenarios are parsed once; the loop then calls the engine's step() with the
 * parsed commands, exactly as the runner and the worker do.
 */
import { cpus } from 'node:os';
import { parseScenario } from '../scenario/parser.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import type { Command } from '../sim/command.ts';
import { benchImport } from './bench-import.ts';

interface Case {
  name: string;
  /** Calls per second the issue asks for; null where none is set. */
  budget: number | null;
  setup: string;
  /**
   * The loop body, written as a careful driver would (it checks
   * dma_mapping_error). `apiCalls` counts map, sync and unmap only: the
   * dma_mapping_error call and the device's own accesses are extra work the
   * figure does not take credit for.
   */
  loop: string;
  apiCalls: number;
}

const CASES: Case[] = [
  {
    name: '(a) map+unmap 4 KiB TO_DEVICE, coherent x86',
    budget: 1_000_000,
    setup: 'machine(arch=x86)\ndevice(nic, dma_mask=64)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(nic, h)\ndma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    name: '(b) map → dev_write → sync_for_cpu → unmap, 4 KiB FROM_DEVICE, non-coherent arm64',
    budget: 300_000,
    setup: 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\nbuf = kmalloc(4096, GFP_KERNEL)\ncpu_write(buf, fill(0x11, 4096))\n',
    loop:
      'h = dma_map_single(cam, buf, 4096, DMA_FROM_DEVICE)\ndma_mapping_error(cam, h)\ndev_write(cam, h, fill(0x5a, 64))\ndma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)\ndma_unmap_single(cam, h, 4096, DMA_FROM_DEVICE)\n',
    apiCalls: 3,
  },
  {
    name: '(c) as (b), bounced through swiotlb by a 32-bit device on an 8 GiB machine',
    budget: 300_000,
    setup: 'machine(arch=arm64, ram=8G)\ndevice(cam, dma_mask=32)\nbuf = kmalloc(4096, GFP_KERNEL)\ncpu_write(buf, fill(0x11, 4096))\n',
    loop:
      'h = dma_map_single(cam, buf, 4096, DMA_FROM_DEVICE)\ndma_mapping_error(cam, h)\ndev_write(cam, h, fill(0x5a, 64))\ndma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)\ndma_unmap_single(cam, h, 4096, DMA_FROM_DEVICE)\n',
    apiCalls: 3,
  },
  {
    name: '(d) map+unmap 4 KiB TO_DEVICE through a strict IOMMU (arm64 SMMU, non-coherent)',
    budget: null,
    setup: 'machine(arch=arm64)\niommu(smmu, mode=strict)\ndevice(gpu, iommu=smmu)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(gpu, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(gpu, h)\ndma_unmap_single(gpu, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    name: '(e) the same through a lazy IOMMU (flush queue)',
    budget: null,
    setup: 'machine(arch=arm64)\niommu(smmu, mode=lazy)\ndevice(gpu, iommu=smmu)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(gpu, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(gpu, h)\ndma_unmap_single(gpu, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    name: '(f) dma_map_sg + dma_unmap_sg of a 16-page table through a strict IOMMU (merged into one segment)',
    budget: null,
    setup:
      'machine(arch=arm64)\niommu(smmu, mode=strict)\ndevice(gpu, iommu=smmu, coherent=true)\np = alloc_pages(GFP_KERNEL, 4)\n' +
      `sgt = sg_table(${Array.from({ length: 16 }, (_, i) => `p + ${i * 4096}, 4096`).join(', ')})\n`,
    loop: 'dma_map_sg(gpu, sgt, DMA_TO_DEVICE)\ndma_unmap_sg(gpu, sgt, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
];

function parse(text: string): { config: Parameters<typeof createMachine>[0]; body: Command[] } {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  return { config: r.scenario.config, body: r.scenario.body };
}

function runOnce(c: Case, iterations: number): { seconds: number; events: number } {
  const setup = parse(c.setup);
  const loop = parse(c.setup + c.loop).body.slice(setup.body.length);
  const m = createMachine(setup.config);
  for (const cmd of setup.body) step(m, cmd);
  let events = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (const cmd of loop) {
      const o = step(m, cmd);
      events += o.events.length;
      if (o.error) throw new Error(`${c.name}: ${cmd.source} failed: ${o.error} ${o.warnings.join('; ')}`);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, events };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
console.log(`DMA Explorer engine benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
console.log(`median of ${RUNS} runs; every step records its events\n`);
let missed = 0;
for (const c of CASES) {
  // calibrate to ~0.4 s per run
  const probe = runOnce(c, 2000);
  const iterations = Math.max(2000, Math.round((0.4 / probe.seconds) * 2000));
  const rates: number[] = [];
  let events = 0;
  for (let r = 0; r < RUNS; r++) {
    const res = runOnce(c, iterations);
    rates.push((iterations * c.apiCalls) / res.seconds);
    events = res.events / iterations;
  }
  const med = median(rates);
  const ok = c.budget === null || med >= c.budget;
  if (!ok) missed++;
  const verdict = c.budget === null ? 'no budget set' : `budget ${c.budget.toLocaleString('en-US')}: ${ok ? 'met' : 'MISSED'} (${(med / c.budget).toFixed(2)}×)`;
  console.log(`${c.name}`);
  console.log(`  ${Math.round(med).toLocaleString('en-US')} DMA API calls/s (min ${Math.round(Math.min(...rates)).toLocaleString('en-US')}, max ${Math.round(Math.max(...rates)).toLocaleString('en-US')}), ${events.toFixed(1)} events per iteration; ${verdict}`);
}
if (missed) console.log(`\n${missed} case(s) below budget (see README for why)`);
benchImport(Number(process.env.BENCH_IMPORT_LINES ?? 1_000_000));
