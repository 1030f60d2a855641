/**
 * The import benchmark (part of `npm run bench`): a 1,000,000-line kernel
 * trace — a NIC's receive ring (map, sync for the CPU, unmap, 256 buffers
 * over and over) with a storage device's scatter-gather lists and other
 * events between them — imported and made steppable, and where the time goes:
 * reading and writing the trace (the importer), parsing the scenario, and
 * running every step (what the worker does before the explorer can seek).
 */
import { importTrace } from '../import/trace-import.ts';
import { formatEvent, formatFor } from '../import/trace-writer.ts';
import { FORMATS } from '../import/trace-format.ts';
import { prepareScenario } from '../scenario/run.ts';
import { createMachine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';

/** A realistic trace of about `lines` lines in the 6.13 format, /sys/kernel/tracing/trace style. */
export function syntheticTrace(lines: number): string {
  const out: string[] = ['# tracer: nop', '#'];
  const map = formatFor('map', '6.13');
  const unmap = formatFor('unmap', '6.13');
  const sync = formatFor('sync', '6.13', 'dma_sync_single_for_cpu');
  const mapSg = FORMATS.find((f) => f.event === 'dma_map_sg' && !f.keys.includes('nents'))!;
  const unmapSg = formatFor('unmap_sg', '6.13');
  let t = 1000;
  const at = (task: string) => ({ task, cpu: 1, time: (t += 0.0000031) });
  for (let i = 0; out.length < lines; i++) {
    const slot = i % 256;
    const phys = 0x8b200000 + slot * 0x800 + 0x40;
    out.push(formatEvent(map, 'fe300000.ethernet', { dir: 'FROM_DEVICE', dma_addr: phys, size: 1536, phys_addr: phys, attrs: '' }, at('kworker/1:1-97'), 'trace'));
    out.push(formatEvent(sync, 'fe300000.ethernet', { dir: 'FROM_DEVICE', dma_addr: phys, size: 1536 }, at('<idle>-0'), 'trace'));
    out.push(formatEvent(unmap, 'fe300000.ethernet', { dir: 'FROM_DEVICE', dma_addr: phys, size: 1536, attrs: 'SKIP_CPU_SYNC' }, at('<idle>-0'), 'trace'));
    if (i % 16 === 0) {
      const pages = [0, 1, 2, 3].map((k) => 0x90000000 + ((i / 16) % 64) * 0x4000 + k * 0x1000);
      out.push(formatEvent(mapSg, '0000:01:00.0', { dir: 'TO_DEVICE', dma_addrs: pages, sizes: [4096, 4096, 4096, 4096], phys_addrs: pages, attrs: '' }, at('fio-2291'), 'trace'));
      out.push(`          <idle>-0       [002] d.h1. ${(t += 0.0000031).toFixed(6).padStart(12)}: irq_handler_entry: irq=41 name=nvme0q2`);
      out.push(formatEvent(unmapSg, '0000:01:00.0', { dir: 'TO_DEVICE', phys_addrs: pages, attrs: '' }, at('<idle>-0'), 'trace'));
    }
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}

/** The scenario a `lines`-line synthetic trace imports as. */
export function syntheticScenario(lines: number): string {
  return importTrace(syntheticTrace(lines)).scenario;
}

/** Wall and CPU milliseconds of a phase (the machine is shared: CPU time is the steadier figure). */
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

export function benchImport(lines: number): void {
  const text = syntheticTrace(lines);
  const imp = timed(() => importTrace(text));
  const parsed = timed(() => prepareScenario(imp.value.scenario));
  const p = parsed.value;
  if (!p.ok) throw new Error(`imported scenario does not parse: ${p.errors[0]?.line}: ${p.errors[0]?.message}`);
  const run = timed(() => {
    const m = createMachine(p.config);
    let warnings = 0;
    for (const c of p.body) warnings += step(m, c).warnings.length;
    return warnings;
  });
  const s = (t: { wall: number; cpu: number }) => `${(t.wall / 1000).toFixed(2)} s (CPU ${(t.cpu / 1000).toFixed(2)} s)`;
  const rate = (n: number, t: { cpu: number }) => `${Math.round((n / t.cpu) * 1000).toLocaleString('en-US')}/s of CPU`;
  const r = imp.value.report;
  console.log(`\n(g) import a ${lines.toLocaleString('en-US')}-line trace (${(text.length / 1e6).toFixed(0)} MB) and make it steppable`);
  console.log(`  import (both passes): ${s(imp)}, ${rate(lines, imp)} trace lines; ${r.events.toLocaleString('en-US')} events → ${r.steps.toLocaleString('en-US')} steps, ${(imp.value.scenario.length / 1e6).toFixed(0)} MB of scenario`);
  console.log(`  parse the scenario: ${s(parsed)}, ${rate(p.body.length, parsed)} statements`);
  console.log(`  run every step: ${s(run)}, ${rate(p.body.length, run)} steps (${run.value} kernel log lines)`);
  const total = { wall: imp.wall + parsed.wall + run.wall, cpu: imp.cpu + parsed.cpu + run.cpu };
  console.log(`  total ${s(total)}; budget: steppable within 10 s (the explorer's worker also records each step and takes checkpoints)`);
}
