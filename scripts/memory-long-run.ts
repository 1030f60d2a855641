/**
 * Where a long run's memory goes in the engine worker, measured in Node:
 * loads the long loop of e2e/perf-memory.spec.ts (default 1,000,000 steps)
 * through the worker's engine API (posting progress as the worker does, so
 * the StepInfo rows leave it), then reports the V8 heap after each phase and
 * the peak resident set, and times seeks.
 *
 *   node --expose-gc --import tsx scripts/memory-long-run.ts [STEPS]
 *
 * With --keep-rows it also keeps the timeline's rows as the page does and
 * reports what they hold. With --parse-only it parses the text whole
 * (parseScenario) and reports what the parsed statements hold. With
 * --import=LINES it loads instead the scenario a LINES-line kernel trace
 * imports as (src/cli/bench-import.ts: a NIC's receive ring and a storage
 * device's sg lists at traced addresses). With --trace-file=PATH it loads
 * that trace file as the page sends it (UTF-8 bytes, transferred) through the
 * worker's wire API, so the import is measured too (the scenario's bytes the
 * page is sent are dropped here: they are the page's).
 *
 * Where the memory comes from: --samples prints the resident set and heap as
 * the load goes (about every 20th progress message); --alloc samples the
 * allocations that reach the old generation (kept, or dropped only by a major
 * collection: the garbage that grows the peak) and lists the top sites;
 * --live lists instead the sites of what is still held after the load;
 * --heap-spaces lists the V8 spaces over 20 MiB after the load (a retained
 * input shows in large_object_space).
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';
import { createEngineApi } from '../src/worker/engine-api.ts';
import { realCore } from '../src/worker/core.ts';
import { parseScenario } from '../src/scenario/parser.ts';
import { StepRows } from '../src/worker/rows.ts';
import { syntheticScenario } from '../src/cli/bench-import.ts';
import { progressToWire, wireApi } from '../src/worker/wire-text.ts';

const MiB = 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** The long loop of e2e/perf-memory.spec.ts: map, device write, sync, read, unmap, over and over. */
export function longLoop(steps: number): string {
  const lines = ['# a long loop: map, device write, sync, read, unmap', 'machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
  for (let i = 0; lines.length - 3 < steps; i++) {
    lines.push(`cpu_write(a + ${(i * 16) % 256}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 512, DMA_FROM_DEVICE)', `dev_write(cam, h, "d${i % 10}")`, 'dma_sync_single_for_cpu(cam, h, 512, DMA_FROM_DEVICE)', 'dma_unmap_single(cam, h, 512, DMA_FROM_DEVICE)');
  }
  return `${lines.slice(0, steps + 3).join('\n')}\n`;
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / MiB;
}

/** Typed arrays' memory lives outside the V8 heap (RAM pages and cache lines of the checkpoints). */
function arrayBuffersMiB(): number {
  gc();
  return process.memoryUsage().arrayBuffers / MiB;
}

function peakRssMiB(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const fmt = (n: number) => `${n.toFixed(0).padStart(6)} MiB`;

interface SampleNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SampleNode[];
}

/**
 * Starts V8's sampling heap profiler, keeping what a minor collection would
 * drop out of the picture; the function returned stops it and prints the top
 * sites by the last frames of their stacks. (Line numbers are not shown: tsx
 * runs transformed sources.)
 */
async function startAllocationSampling(live = false): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = <T,>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
  await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: !live, includeObjectsCollectedByMinorGC: false });
  return async () => {
    const { profile } = await post<{ profile: { head: SampleNode } }>('HeapProfiler.stopSampling');
    const bySite = new Map<string, number>();
    const walk = (n: SampleNode, stack: string[]) => {
      const here = [...stack, `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/src\//, '')}`];
      if (n.selfSize) {
        const site = here.slice(-5).join(' < ');
        bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      }
      for (const c of n.children) walk(c, here);
    };
    walk(profile.head, []);
    if (live) gc();
    console.log(live ? 'allocations still held after the load, by site:' : 'allocations that reached the old generation, by site:');
    for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${fmt(bytes / MiB)}  ${site}`);
    session.disconnect();
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const importArg = args.find((a) => a.startsWith('--import='));
  const traceArg = args.find((a) => a.startsWith('--trace-file='));
  const base = heapMiB();
  // A trace file crosses as bytes (its buffer transferred by the page): the worker decodes and imports it.
  let wire: Uint8Array | null = traceArg ? new Uint8Array(readFileSync(traceArg.slice(13))) : null;
  let text: string | null = wire ? '' : importArg ? syntheticScenario(Number(importArg.slice(9))) : longLoop(Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000));
  const textHeap = heapMiB() - base;
  const what = wire ? `the trace file ${traceArg!.slice(13)} (${(wire.length / MiB).toFixed(1)} MiB of bytes)` : importArg ? `the scenario a ${Number(importArg.slice(9)).toLocaleString('en-US')}-line trace imports as` : 'the long loop';
  console.log(`text: ${what}, ${(text.length / MiB).toFixed(1)} MiB of characters; heap for it ${fmt(textHeap)}`);
  if (args.includes('--parse-only')) {
    const t0 = performance.now();
    const parsed = parseScenario(text);
    // The steps' statements are read back from their lines when first asked for: what they hold once read.
    const steps = parsed.ok ? parsed.scenario.body.length : 1;
    const ms = performance.now() - t0;
    const held = heapMiB() - base - textHeap;
    console.log(`parseScenario and its body: ${(ms / 1000).toFixed(1)} s; the parse result holds ${fmt(held)} (${((held * MiB) / steps).toFixed(0)} bytes a statement); peak RSS ${fmt(peakRssMiB())}`);
    if (!parsed.ok) console.log(parsed.errors.slice(0, 3));
    return;
  }
  let rows = 0;
  let firstProgress = -1;
  let maxHeap = 0;
  let maxTotal = 0;
  const rssByPhase: Record<string, number> = {};
  let posts = 0;
  const keepRows = args.includes('--keep-rows');
  const budgetArg = args.find((a) => a.startsWith('--budget='));
  let kept: StepRows | null = new StepRows();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Steps replayed by each seek (the checkpoint spacing it met), counted as the worker replays them.
  let replayed = 0;
  const core = { ...realCore, replayStep: (m: Parameters<typeof realCore.replayStep>[0], c: Parameters<typeof realCore.replayStep>[1]) => (replayed++, realCore.replayStep(m, c)) };
  const api = createEngineApi(core, {
    post: (p0) => {
      // As the worker posts it: a long imported scenario leaves as transferred bytes (not kept here).
      const sent = wire === null ? null : progressToWire(p0);
      const p = sent === null ? p0 : (sent.message as typeof p0);
      // Moved, as postMessage moves them: the bytes are the page's, not the worker's.
      for (const t of sent?.transfer ?? []) structuredClone(t, { transfer: [t] });
      if (firstProgress < 0 && p.phase === 'run') firstProgress = performance.now() - t0;
      rows += p.rows?.count ?? 0;
      // The rows as the page gets them: a structured clone, kept (the client puts them in the summary).
      if (keepRows && p.rows) kept!.append(structuredClone(p.rows));
      const u = process.memoryUsage();
      maxHeap = Math.max(maxHeap, u.heapUsed);
      maxTotal = Math.max(maxTotal, u.heapTotal);
      // Where the peak falls: the resident set at most, by phase (import, parse, run).
      rssByPhase[p.phase] = Math.max(rssByPhase[p.phase] ?? 0, u.rss / MiB);
      if (args.includes('--samples') && (posts++ % 20 === 0 || p.phase !== 'run')) {
        console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s ${p.phase} ${p.done}: resident ${fmt(u.rss / MiB)}, heap ${fmt(u.heapUsed / MiB)}, typed arrays ${fmt(u.arrayBuffers / MiB)}`);
      }
    },
    yieldNow: () => Promise.resolve(),
    ...(budgetArg ? { checkpointBudgetBytes: Number(budgetArg.slice(9)) * MiB } : {}),
  });
  const alloc = args.includes('--alloc') || args.includes('--live') ? await startAllocationSampling(args.includes('--live')) : null;
  const s = wire ? await wireApi(api).load(wire) : await api.load(text);
  if (alloc) await alloc();
  wire = null;
  const loadMs = performance.now() - t0;
  const loadCpu = process.cpuUsage(cpu0);
  if (!s.ok) throw new Error(JSON.stringify(s.errors.slice(0, 3)));
  const steps = s.stepCount;
  const first = performance.now();
  api.frame(1);
  const firstFrameMs = performance.now() - first;
  text = null;
  const loaded = heapMiB() - base;
  console.log(`load: ${steps.toLocaleString('en-US')} steps in ${(loadMs / 1000).toFixed(1)} s, ${((loadCpu.user + loadCpu.system) / 1e6).toFixed(1)} s of CPU (first run progress at ${(firstProgress / 1000).toFixed(1)} s), ${rows} rows posted; first frame ${firstFrameMs.toFixed(0)} ms`);
  console.log(`during the load: heap used at most ${fmt(maxHeap / MiB)}, heap reserved at most ${fmt(maxTotal / MiB)}`);
  console.log(`resident at most, by phase: ${Object.entries(rssByPhase).map(([k, v]) => `${k} ${v.toFixed(0)} MiB`).join(', ')}`);
  if (keepRows) {
    // What the rows hold: the heap and typed arrays they free.
    const heap = heapMiB();
    const arrays = arrayBuffersMiB();
    const n = kept!.length;
    kept = null;
    console.log(`the page's rows (${n.toLocaleString('en-US')}, by column) hold ${fmt(heap - heapMiB())} of heap and ${fmt(arrays - arrayBuffersMiB())} of typed arrays`);
  }
  if (args.includes('--heap-spaces')) {
    gc();
    for (const sp of getHeapSpaceStatistics()) if (sp.space_used_size > 20 * MiB) console.log(`V8 ${sp.space_name}: ${fmt(sp.space_used_size / MiB)}`);
  }
  console.log(`checkpoints: ${s.checkpoints!.count} every ${s.checkpoints!.interval} steps, estimated ${fmt(s.checkpoints!.bytes / MiB)}`);
  console.log(`heap held by the loaded run (text included): ${fmt(loaded)}, and ${fmt(arrayBuffersMiB())} of typed arrays; peak RSS ${fmt(peakRssMiB())}`);
  // Seeks to spread-out steps, as a user dragging the timeline would.
  // Wall time, and CPU time (steadier on a shared machine), of each seek.
  const times: number[] = [];
  const cpus: number[] = [];
  const replays: number[] = [];
  for (let i = 0; i < 41; i++) {
    const k = Math.round((((i * 7919) % 41) / 41) * steps) + 1;
    replayed = 0;
    const t = performance.now();
    const c = process.cpuUsage();
    api.frame(k);
    const dc = process.cpuUsage(c);
    cpus.push((dc.user + dc.system) / 1000);
    times.push(performance.now() - t);
    replays.push(replayed);
  }
  replays.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  console.log(`seek (frame of a far step): median ${times[20]!.toFixed(1)} ms, p95 ${times[38]!.toFixed(1)} ms, max ${times[40]!.toFixed(1)} ms; CPU median ${cpus[20]!.toFixed(1)} ms, p95 ${cpus[38]!.toFixed(1)} ms, max ${cpus[40]!.toFixed(1)} ms`);
  console.log(`steps replayed by a seek: median ${replays[20]}, max ${replays[40]}`);
  console.log(`heap after seeking ${fmt(heapMiB() - base)}; peak RSS ${fmt(peakRssMiB())}`);
}

await main();
