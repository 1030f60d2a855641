/**
 * npm run bench: simulated DMA API calls per second, the median of several
 * timed runs, with every event recorded as the explorer needs it; the
 * copy-limit ratio of the bounce case; the parser's lines per second; then
 * the import of a 1,000,000-line trace (bench-import.ts).
 *
 * Scenarios are parsed once; the loop then calls the engine's step() with the
 * parsed commands, exactly as the runner and the worker do.
 *
 * Each figure is given per wall-clock second and per CPU second of the
 * process: on a shared machine the CPU figure moves less.
 *
 *   npm run bench -- --check    also compare with bench-figures.json
 *   npm run bench -- --record   write this run's medians to bench-figures.json
 *                               (figures this run did not measure are kept)
 *   npm run bench -- --case=a,d only these cases, nothing else (for a profile:
 *                               node --cpu-prof on a bundle of this file);
 *                               --case=parser is the parser's lines per second
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseScenario } from '../scenario/parser.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import type { Command } from '../sim/command.ts';
import { benchImport, syntheticScenario } from './bench-import.ts';
import { checkFigures, FIGURES_FILE, type Figures } from './bench-check.ts';

interface Case {
  /** The case's letter, the key of its figure in bench-figures.json. */
  id: string;
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
    id: 'a',
    name: '(a) map+unmap 4 KiB TO_DEVICE, coherent x86',
    budget: 3_000_000,
    setup: 'machine(arch=x86)\ndevice(nic, dma_mask=64)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(nic, h)\ndma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    id: 'b',
    name: '(b) map → dev_write → sync_for_cpu → unmap, 4 KiB FROM_DEVICE, non-coherent arm64',
    budget: 1_000_000,
    setup: 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\nbuf = kmalloc(4096, GFP_KERNEL)\ncpu_write(buf, fill(0x11, 4096))\n',
    loop:
      'h = dma_map_single(cam, buf, 4096, DMA_FROM_DEVICE)\ndma_mapping_error(cam, h)\ndev_write(cam, h, fill(0x5a, 64))\ndma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)\ndma_unmap_single(cam, h, 4096, DMA_FROM_DEVICE)\n',
    apiCalls: 3,
  },
  {
    id: 'c',
    name: '(c) as (b), bounced through swiotlb by a 32-bit device on an 8 GiB machine',
    budget: 300_000,
    setup: 'machine(arch=arm64, ram=8G)\ndevice(cam, dma_mask=32)\nbuf = kmalloc(4096, GFP_KERNEL)\ncpu_write(buf, fill(0x11, 4096))\n',
    loop:
      'h = dma_map_single(cam, buf, 4096, DMA_FROM_DEVICE)\ndma_mapping_error(cam, h)\ndev_write(cam, h, fill(0x5a, 64))\ndma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)\ndma_unmap_single(cam, h, 4096, DMA_FROM_DEVICE)\n',
    apiCalls: 3,
  },
  {
    id: 'd',
    name: '(d) map+unmap 4 KiB TO_DEVICE through a strict IOMMU (arm64 SMMU, non-coherent)',
    budget: 1_000_000,
    setup: 'machine(arch=arm64)\niommu(smmu, mode=strict)\ndevice(gpu, iommu=smmu)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(gpu, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(gpu, h)\ndma_unmap_single(gpu, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    id: 'e',
    name: '(e) the same through a lazy IOMMU (flush queue)',
    budget: 1_000_000,
    setup: 'machine(arch=arm64)\niommu(smmu, mode=lazy)\ndevice(gpu, iommu=smmu)\nbuf = kmalloc(4096, GFP_KERNEL)\n',
    loop: 'h = dma_map_single(gpu, buf, 4096, DMA_TO_DEVICE)\ndma_mapping_error(gpu, h)\ndma_unmap_single(gpu, h, 4096, DMA_TO_DEVICE)\n',
    apiCalls: 2,
  },
  {
    id: 'f',
    name: '(f) dma_map_sg + dma_unmap_sg of a 16-page table through a strict IOMMU (merged into one segment)',
    budget: 500_000,
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

/** CPU milliseconds this process has used. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function runOnce(c: Case, iterations: number): { seconds: number; cpuSeconds: number; events: number } {
  const setup = parse(c.setup);
  const loop = parse(c.setup + c.loop).body.slice(setup.body.length);
  const m = createMachine(setup.config);
  for (const cmd of setup.body) step(m, cmd);
  let events = 0;
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (const cmd of loop) {
      const o = step(m, cmd);
      events += o.events.length;
      if (o.error) throw new Error(`${c.name}: ${cmd.source} failed: ${o.error} ${o.warnings.join('; ')}`);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, cpuSeconds: (cpuMs() - c0) / 1000, events };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

/**
 * The physical floor of case (c): seconds to move one round trip's bytes
 * (map, sync_for_cpu and unmap each copy 4 KiB) with TypedArray.set, the
 * median of `runs` timed batches.
 */
function copyFloor(runs: number): { wall: number; cpu: number; bestCpu: number } {
  const src = new Uint8Array(4096).fill(0x11);
  const slot = new Uint8Array(4096);
  const buf = new Uint8Array(4096);
  const iterations = 200_000;
  const walls: number[] = [];
  const cpusUsed: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      slot.set(src);
      buf.set(slot);
      buf.set(slot);
    }
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9 / iterations);
    cpusUsed.push((cpuMs() - c0) / 1000 / iterations);
  }
  return { wall: median(walls), cpu: median(cpusUsed), bestCpu: Math.min(...cpusUsed) };
}

/**
 * Parser lines per second on an imported trace's scenario (the largest
 * scenarios the explorer opens): parseScenario, which reads, checks and
 * validates every line and keeps where each step is; then, apart, the body
 * read back from those lines (what a caller that asks for every statement
 * at once pays on top: the import bench, the trace writer).
 */
function benchParser(runs: number, lines: number): { wall: number; cpu: number; best: number; min: number; max: number; lines: number; bodyCpu: number } {
  const text = syntheticScenario(lines);
  const count = text.split('\n').length;
  const walls: number[] = [];
  const cpusUsed: number[] = [];
  const bodyCpus: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const res = parseScenario(text);
    if (!res.ok) throw new Error(`the imported scenario does not parse: ${res.errors[0]?.message}`);
    walls.push((count / (performance.now() - t0)) * 1000);
    const c1 = cpuMs();
    cpusUsed.push((count / (c1 - c0)) * 1000);
    if (res.scenario.body.length === 0) throw new Error('the imported scenario has no steps');
    bodyCpus.push((res.scenario.body.length / (cpuMs() - c1)) * 1000);
  }
  return { wall: median(walls), cpu: median(cpusUsed), best: Math.max(...cpusUsed), min: Math.min(...walls), max: Math.max(...walls), lines: count, bodyCpu: median(bodyCpus) };
}

const args = process.argv.slice(2);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const figures: Figures = {};
console.log(`DMA Explorer engine benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
console.log(`median of ${RUNS} runs; every step records its events; per wall-clock second (and per CPU second of the process)\n`);
let missed = 0;
let roundTripC: { wall: number; cpu: number; bestCpu: number } | null = null;
const only = args.find((a) => a.startsWith('--case='))?.slice('--case='.length).split(',');
for (const c of CASES.filter((k) => !only || only.includes(k.id))) {
  // calibrate to ~0.4 s per run
  const probe = runOnce(c, 2000);
  const iterations = Math.max(2000, Math.round((0.4 / probe.seconds) * 2000));
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let events = 0;
  for (let r = 0; r < RUNS; r++) {
    const res = runOnce(c, iterations);
    rates.push((iterations * c.apiCalls) / res.seconds);
    cpuRates.push((iterations * c.apiCalls) / res.cpuSeconds);
    events = res.events / iterations;
  }
  const med = median(rates);
  const cpuMed = median(cpuRates);
  const best = Math.max(...cpuRates);
  figures[c.id] = { wall: Math.round(med), cpu: Math.round(cpuMed), best: Math.round(best) };
  if (c.id === 'c') roundTripC = { wall: c.apiCalls / med, cpu: c.apiCalls / cpuMed, bestCpu: c.apiCalls / best };
  const ok = c.budget === null || med >= c.budget;
  if (!ok) missed++;
  const verdict = c.budget === null ? 'no budget set' : `budget ${c.budget.toLocaleString('en-US')}: ${ok ? 'met' : 'MISSED'} (${(med / c.budget).toFixed(2)}×)`;
  console.log(`${c.name}`);
  console.log(`  ${n(med)} DMA API calls/s (min ${n(Math.min(...rates))}, max ${n(Math.max(...rates))}; ${n(cpuMed)} per CPU second), ${events.toFixed(1)} events per iteration; ${verdict}`);
}
if (roundTripC && !only) {
  // The same bytes moved by TypedArray.set: what a model that really copies them cannot beat.
  const floor = copyFloor(RUNS);
  const ratio = roundTripC.wall / floor.wall;
  figures.copyLimitRatio = {
    wall: Number(ratio.toFixed(1)),
    cpu: Number((roundTripC.cpu / floor.cpu).toFixed(1)),
    best: Number((roundTripC.bestCpu / floor.bestCpu).toFixed(1)),
  };
  console.log(`\ncopy-limit ratio (c): ${ratio.toFixed(1)}×`);
  console.log(`  one bounced round trip ${(roundTripC.wall * 1e6).toFixed(1)} µs; its 12 KiB copied with TypedArray.set ${(floor.wall * 1e6).toFixed(2)} µs (per CPU second: ${figures.copyLimitRatio.cpu}×); target ≤ 10×`);
}
const PARSER_BUDGET = 500_000;
if (!only || only.includes('parser')) {
  const parser = benchParser(RUNS, Number(process.env.BENCH_PARSE_LINES ?? 100_000));
  figures.parser = { wall: Math.round(parser.wall), cpu: Math.round(parser.cpu), best: Math.round(parser.best) };
  if (parser.wall < PARSER_BUDGET) missed++;
  console.log(`\n(h) parse an imported trace's scenario (${n(parser.lines)} lines)`);
  console.log(`  ${n(parser.wall)} lines/s (min ${n(parser.min)}, max ${n(parser.max)}; ${n(parser.cpu)} per CPU second); budget ${PARSER_BUDGET.toLocaleString('en-US')}: ${parser.wall >= PARSER_BUDGET ? 'met' : 'MISSED'} (${(parser.wall / PARSER_BUDGET).toFixed(2)}×)`);
  console.log(`  then every step's statement read back at once (scenario.body): ${n(parser.bodyCpu)} statements per CPU second`);
}
if (missed) console.log(`\n${missed} case(s) below budget (see README for why)`);
if (args.includes('--check')) checkFigures(figures, JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Figures);
if (args.includes('--record')) {
  // A run of some cases only (--case=) replaces their figures and keeps the others.
  const kept = only ? (JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Figures) : {};
  writeFileSync(FIGURES_FILE, `${JSON.stringify({ ...kept, machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, node: process.version, date: new Date().toISOString().slice(0, 10), ...figures }, null, 2)}\n`);
  console.log(`\nrecorded in ${FIGURES_FILE}`);
}
if (only) process.exit(missed ? 1 : 0);
if (!args.includes('--no-import')) benchImport(Number(process.env.BENCH_IMPORT_LINES ?? 1_000_000));
