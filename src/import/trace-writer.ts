/**
 * Writes a kernel DMA trace in an era's exact text (trace-format.ts): the
 * dma:* events a run of a scenario would have emitted, as
 * /sys/kernel/tracing/trace or `trace-cmd report` prints them. The round-trip
 * tests import what it writes and check the replay against the run; the
 * benchmark writes long traces with formatEvent() directly.
 */
import type { Command } from '../sim/command.ts';
import { createMachine } from '../sim/machine.ts';
import type { Machine } from '../sim/machine.ts';
import { step } from '../sim/step.ts';
import { argHandle, argPtr, argSgt } from '../sim/args.ts';
import { physOf } from '../sim/mm/buffers.ts';
import { prepareScenario } from '../scenario/run.ts';
import { FORMATS, MAPPING_ERROR, type EraId, type EventFormat, type EventKind } from './trace-format.ts';

export type TraceStyle = 'trace' | 'trace-cmd';

/** The field values of one event, as numbers, strings and arrays. */
export type FieldValues = Record<string, string | number | number[] | { shown: number; full: number; truncated?: boolean }>;

export interface LinePrefix {
  task: string;
  cpu: number;
  /** Seconds. */
  time: number;
}

/** The newest format of an event kind in an era (e.g. 'map' in 6.18 is dma_map_phys). */
export function formatFor(kind: EventKind, era: EraId, event?: string): EventFormat {
  const f = FORMATS.find((x) => x.kind === kind && x.eras.includes(era) && (event === undefined || x.event === event));
  if (!f) throw new Error(`no ${event ?? kind} event in the ${era} format`);
  return f;
}

function hexNo0x(n: number): string {
  return n === MAPPING_ERROR ? 'ffffffffffffffff' : n.toString(16);
}

function value(key: string, v: FieldValues[string], style: TraceStyle): string {
  if (Array.isArray(v)) {
    // __print_array(): {0x…,0x…} in the kernel, decimal with spaces in libtraceevent
    const big = (x: number) => (x === MAPPING_ERROR ? (style === 'trace' ? '0xffffffffffffffff' : '18446744073709551615') : style === 'trace' ? `0x${x.toString(16)}` : String(x));
    return style === 'trace' ? `{${v.map(big).join(',')}}` : v.map(big).join(' ');
  }
  if (typeof v === 'object') return `${v.shown}/${v.full}${key === 'ents' && v.truncated ? ' [TRUNCATED]' : ''}`;
  if (typeof v === 'string') return v;
  switch (key) {
    case 'dma_addr':
    case 'phys_addr':
      return hexNo0x(v);
    case 'virt_addr':
      // %p: hashed by the kernel (16 digits), the raw pointer in trace-cmd
      // (the stand-in for the hash folds the high half in, so no real pointer hashes to the NULL a failed allocation prints)
      return v === 0 ? (style === 'trace' ? '0000000000000000' : '(nil)') : style === 'trace' ? (((v % 2 ** 32) ^ Math.floor(v / 2 ** 32)) || 1).toString(16).padStart(16, '0') : `0x${v.toString(16)}`;
    default:
      return String(v);
  }
}

/** One line: `<comm>-<pid> [cpu] flags time: event: device k=v …` in the chosen style. */
export function formatEvent(format: EventFormat, device: string, values: FieldValues, prefix: LinePrefix, style: TraceStyle): string {
  const fields = format.keys.map((k) => `${k}=${value(k, values[k] ?? '', style)}`).join(' ');
  const dash = prefix.task.lastIndexOf('-');
  const comm = prefix.task.slice(0, dash);
  const pid = prefix.task.slice(dash + 1);
  const cpu = String(prefix.cpu).padStart(3, '0');
  const time = prefix.time.toFixed(6).padStart(12);
  if (style === 'trace') return `${comm.padStart(16)}-${pid.padEnd(7)} [${cpu}] ..... ${time}: ${format.event}: ${device} ${fields}`;
  return `${comm.padStart(16)}-${pid.padEnd(5)} [${cpu}] ${time}: ${`${format.event}:`.padEnd(20)} ${device} ${fields}`;
}

const DIR: Record<string, string> = { DMA_BIDIRECTIONAL: 'BIDIRECTIONAL', DMA_TO_DEVICE: 'TO_DEVICE', DMA_FROM_DEVICE: 'FROM_DEVICE', DMA_NONE: 'NONE' };

function dirOf(cmd: Command, index: number): string {
  const e = cmd.args[index];
  return e && e.k === 'name' ? (DIR[e.name] ?? 'NONE') : 'NONE';
}

function attrsOf(cmd: Command, index: number): string {
  const e = cmd.args[index];
  if (!e) return '';
  const names = e.k === 'flags' ? e.items : [e];
  return names.filter((x) => x.k === 'name' && x.name.startsWith('DMA_ATTR_')).map((x) => (x.k === 'name' ? x.name.slice('DMA_ATTR_'.length) : '')).join('|');
}

export interface ScenarioTraceOptions {
  era: EraId;
  style: TraceStyle;
  /** The header lines of the style (trace's "# tracer: nop" block, trace-cmd's "cpus="). Default true. */
  header?: boolean;
  /** dma_map_sg as printed after daafcc0ef0b3 (nents=/ents=, arrays capped at 128). */
  cappedSg?: boolean;
}

/** The kernel name of each scenario device: PCI devices get a domain:bus:device.function, others keep their name. */
export function kernelDeviceNames(devices: ReadonlyArray<{ name: string; bus: string }>): Map<string, string> {
  let bus = 0;
  return new Map(devices.map((d) => [d.name, d.bus === 'pci' ? `0000:${(++bus).toString(16).padStart(2, '0')}:00.0` : d.name]));
}

/**
 * The trace of a run: each DMA API call of the scenario as the kernel of
 * `era` traces it (what it passed and what it got back), in order. Calls the
 * kernel does not trace (dma_mapping_error, CPU and device accesses, other
 * allocations) leave no line; nor does a failed dma_map_sg, which 6.12 does
 * not trace and later kernels trace only for unexpected errors.
 */
export function traceOfScenario(text: string, opts: ScenarioTraceOptions): string {
  const p = prepareScenario(text);
  if (!p.ok) throw new Error(`the scenario does not parse: ${p.errors[0]?.line}:${p.errors[0]?.col}: ${p.errors[0]?.message}`);
  const m = createMachine(p.config);
  const names = kernelDeviceNames(p.config.devices);
  const out: string[] = [];
  let t = 100;
  const line = (kind: EventKind, cmd: Command, values: FieldValues, event?: string) => {
    const dev = cmd.args[0];
    const device = dev && dev.k === 'name' ? (names.get(dev.name) ?? dev.name) : 'dev';
    t += 0.000017;
    const format =
      kind === 'map_sg' ? FORMATS.find((f) => f.kind === 'map_sg' && f.eras.includes(opts.era) && f.keys.includes('nents') === !!opts.cappedSg)! : formatFor(kind, opts.era, event);
    out.push(formatEvent(format, device, values, { task: 'kworker/0:1-42', cpu: 0, time: t }, opts.style));
  };
  for (const cmd of p.body) traceStep(m, cmd, opts.era, line);
  const head =
    opts.header === false
      ? []
      : opts.style === 'trace'
        ? ['# tracer: nop', '#', `# entries-in-buffer/entries-written: ${out.length}/${out.length}   #P:1`, '#', '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION', '#              | |         |   |||||     |         |']
        : ['version = 7', 'cpus=1'];
  return `${[...head, ...out].join('\n')}\n`;
}

type Emit = (kind: EventKind, cmd: Command, values: FieldValues, event?: string) => void;

function traceStep(m: Machine, cmd: Command, era: EraId, emit: Emit): void {
  const pre = era === '6.12' || era === '6.12-rc';
  // what the call is given (read before it runs: an unmap forgets its mapping)
  let before: { phys: number[]; dma: number[]; sizes: number[] } | null = null;
  let handle = 0;
  let cpu: { va: number; size: number } | null = null;
  let mapPhys = 0;
  try {
    if (cmd.op === 'dma_map_single' || cmd.op === 'dma_map_page') {
      const { buf, off } = argPtr(m, cmd.args[1]);
      mapPhys = physOf(m, buf, off + (cmd.op === 'dma_map_page' && cmd.args[2]?.k === 'int' ? cmd.args[2].value : 0));
    }
    if (cmd.op === 'dma_unmap_sg' || cmd.op.startsWith('dma_sync_sg_')) {
      const sgt = argSgt(m, cmd.args[1]);
      const n = cmd.kwargs.find((k) => k.key === 'nents');
      const count = n && n.value.k === 'int' ? n.value.value : sgt.entries.length;
      const es = sgt.entries.slice(0, count);
      before = { phys: es.map((e) => e.phys), dma: es.map((e) => e.dmaAddress), sizes: es.map((e) => e.dmaLength) };
    }
    if (/^dma_(unmap_(single|page)|sync_single_for_)/.test(cmd.op)) handle = argHandle(m, cmd.args[1]);
    if (/^dma_free_(coherent|noncoherent|attrs|pages)$/.test(cmd.op)) {
      handle = argHandle(m, cmd.args[3]);
      const v = cmd.args[2]?.k === 'name' ? m.names[cmd.args[2].name] : undefined;
      const b = v?.t === 'buf' ? m.buffers[v.id] : undefined;
      cpu = b ? { va: b.va, size: b.size } : null;
    }
  } catch {
    return;
  }
  const o = step(m, cmd);
  const map = o.events.find((e) => e.kind === 'dma_map');
  const num = (i: number) => (cmd.args[i]?.k === 'int' ? (cmd.args[i] as { value: number }).value : 0);
  switch (cmd.op) {
    case 'dma_map_single':
    case 'dma_map_page': {
      // dma_map_single_attrs() refuses a vmalloc address before dma_map_page_attrs(): no trace
      if (o.events.some((e) => e.kind === 'note' && e.rule === 'api/vmalloc-rejected')) return;
      const dirIdx = cmd.op === 'dma_map_single' ? 3 : 4;
      const size = num(dirIdx - 1);
      const phys = map && map.kind === 'dma_map' ? map.phys : mapPhys;
      emit('map', cmd, { dir: dirOf(cmd, dirIdx), dma_addr: o.result ?? MAPPING_ERROR, size, phys_addr: phys, attrs: attrsOf(cmd, dirIdx + 1) }, pre ? 'dma_map_page' : undefined);
      return;
    }
    case 'dma_unmap_single':
    case 'dma_unmap_page':
      emit('unmap', cmd, { dir: dirOf(cmd, 3), dma_addr: handle, size: num(2), attrs: attrsOf(cmd, 4) }, pre ? 'dma_unmap_page' : undefined);
      return;
    case 'dma_sync_single_for_cpu':
    case 'dma_sync_single_for_device':
      emit('sync', cmd, { dir: dirOf(cmd, 3), dma_addr: handle, size: num(2) }, cmd.op);
      return;
    case 'dma_map_sg': {
      if (!o.result) return;
      const sgt = argSgt(m, cmd.args[1]);
      const ents = sgt.entries.slice(0, o.result);
      emit('map_sg', cmd, {
        dir: dirOf(cmd, 2),
        nents: { shown: sgt.entries.length, full: sgt.entries.length },
        ents: { shown: o.result, full: o.result },
        dma_addrs: ents.map((e) => e.dmaAddress),
        sizes: ents.map((e) => e.dmaLength),
        phys_addrs: sgt.entries.map((e) => e.phys),
        attrs: attrsOf(cmd, 3),
      });
      return;
    }
    case 'dma_unmap_sg':
      emit('unmap_sg', cmd, { dir: dirOf(cmd, 2), phys_addrs: before!.phys, attrs: attrsOf(cmd, 3) });
      return;
    case 'dma_sync_sg_for_cpu':
    case 'dma_sync_sg_for_device':
      emit('sync_sg', cmd, { dir: dirOf(cmd, 2), dma_addrs: before!.dma, sizes: before!.sizes }, cmd.op);
      return;
    // dma_alloc_attrs is traced as dma_alloc (with its attrs), dma_alloc_pages as dma_alloc_noncoherent is
    case 'dma_alloc_coherent':
    case 'dma_alloc_attrs':
    case 'dma_alloc_pages':
    case 'dma_alloc_noncoherent': {
      const v = cmd.targets[0] ? m.names[cmd.targets[0]] : undefined;
      const b = v?.t === 'buf' && v.id >= 0 ? m.buffers[v.id] : undefined;
      const coherent = cmd.op === 'dma_alloc_coherent' || cmd.op === 'dma_alloc_attrs';
      const dir = coherent ? 'BIDIRECTIONAL' : dirOf(cmd, 2);
      if (!coherent && pre) {
        // before 6.13 dma_alloc_pages was traced as dma_map_page
        if (b) emit('map', cmd, { dir, dma_addr: o.result ?? 0, size: num(1), phys_addr: b.phys, attrs: '' }, 'dma_map_page');
        return;
      }
      emit('alloc', cmd, { dir, dma_addr: b ? (o.result ?? 0) : 0, size: num(1), virt_addr: b ? b.va : 0, phys_addr: b ? b.phys : 0, flags: 'GFP_KERNEL', attrs: cmd.op === 'dma_alloc_attrs' ? attrsOf(cmd, 3) : '' }, coherent ? 'dma_alloc' : 'dma_alloc_pages');
      return;
    }
    case 'dma_free_coherent':
    case 'dma_free_attrs':
    case 'dma_free_pages':
    case 'dma_free_noncoherent': {
      const coherent = cmd.op === 'dma_free_coherent' || cmd.op === 'dma_free_attrs';
      if (!coherent && pre) {
        emit('unmap', cmd, { dir: dirOf(cmd, 4), dma_addr: handle, size: num(1), attrs: '' }, 'dma_unmap_page');
        return;
      }
      emit('free', cmd, { dir: coherent ? 'BIDIRECTIONAL' : dirOf(cmd, 4), dma_addr: handle, size: num(1), virt_addr: cpu?.va ?? 0, phys_addr: 0, attrs: cmd.op === 'dma_free_attrs' ? attrsOf(cmd, 4) : '' }, coherent ? 'dma_free' : 'dma_free_pages');
      return;
    }
  }
}
