/**
 * Writes a kernel DMA trace in an era's exact text (trace-format.ts): the
 * dma:* events a run of a scenario would have emitted, as
 * /sys/kernel/tracing/trace or `trace-cmd report` prints them. The round-trip
 * tests import what it writes and check the replay against the run; the
 * benchmark writes long traces with formatEvent() directly.
 */
import type { Command, Expr } from '../sim/command.ts';
import { DMA_DIRS } from '../sim/events.ts';
import { namedArgs, type DmaTrace, type NamedArgs, type Operation } from '../sim/operation.ts';
import { OPERATIONS } from '../sim/operations.ts';
import type { StepOutcome } from '../sim/outcome.ts';
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
      // (the stand-in for the hash folds the high half in, so no real pointer hashes to the NULL a failed allocation prints;
      // >>> 0 reads the fold unsigned: a set bit 31 would otherwise print a minus sign)
      return v === 0 ? (style === 'trace' ? '0000000000000000' : '(nil)') : style === 'trace' ? ((((v % 2 ** 32) ^ Math.floor(v / 2 ** 32)) >>> 0) || 1).toString(16).padStart(16, '0') : `0x${v.toString(16)}`;
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

/** A direction argument as the events print it (decode_dma_data_direction: the enum's name without DMA_). */
function dirOf(e: Expr | undefined): string {
  return e && e.k === 'name' && (DMA_DIRS as readonly string[]).includes(e.name) ? e.name.slice('DMA_'.length) : 'NONE';
}

/** The DMA_ATTR_* of an attrs argument, joined as the events print them (none: ''). */
function attrsOf(e: Expr | undefined): string {
  if (!e) return '';
  const names = e.k === 'flags' ? e.items : [e];
  return names.filter((x) => x.k === 'name' && x.name.startsWith('DMA_ATTR_')).map((x) => (x.k === 'name' ? x.name.slice('DMA_ATTR_'.length) : '')).join('|');
}

function intOf(e: Expr | undefined): number {
  return e && e.k === 'int' ? e.value : 0;
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
 * `era` traces it (what it passed and what it got back), in order. Which
 * tracepoint a call fires is the operation table's `trace`; calls without one
 * (dma_mapping_error, CPU and device accesses, other allocations) leave no
 * line; nor does a failed dma_map_sg, which 6.12 does not trace and later
 * kernels trace only for unexpected errors.
 */
export function traceOfScenario(text: string, opts: ScenarioTraceOptions): string {
  const p = prepareScenario(text);
  if (!p.ok) throw new Error(`the scenario does not parse: ${p.errors[0]?.line}:${p.errors[0]?.col}: ${p.errors[0]?.message}`);
  const m = createMachine(p.config);
  const names = kernelDeviceNames(p.config.devices);
  const out: string[] = [];
  let t = 100;
  const line: Emit = (kind, dev, values, event) => {
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

type Emit = (kind: EventKind, dev: Expr | undefined, values: FieldValues, event?: string) => void;

/** What a traced call is given, read before it runs (an unmap forgets its mapping, a free its buffer). */
interface Given {
  /** The DMA address an unmap, sync or free is handed. */
  handle: number;
  /** The physical address a single map is asked to map (what dma_map_phys traces when the map fails). */
  phys: number;
  /** The scatterlist entries an unmap or sync covers (the first nents=). */
  sg: { phys: number[]; dma: number[]; sizes: number[] };
  /** The CPU address a free is handed. */
  va: number;
}

/** One traced call: the machine after it, its outcome, its arguments by their signature names. */
interface Traced {
  m: Machine;
  cmd: Command;
  op: Operation;
  a: NamedArgs<string>;
  o: StepOutcome;
  given: Given;
  /** Before 6.13 (c4484ab86ee0): dma_alloc_pages and dma_free_pages are traced as dma_map_page and dma_unmap_page. */
  pre: boolean;
  emit: Emit;
}

function readGiven(m: Machine, trace: DmaTrace, a: NamedArgs<string>, cmd: Command): Given {
  const given: Given = { handle: 0, phys: 0, sg: { phys: [], dma: [], sizes: [] }, va: 0 };
  if (trace === 'map') {
    const { buf, off } = argPtr(m, a.p ?? a.page);
    given.phys = physOf(m, buf, off + intOf(a.offset));
  }
  if (trace === 'unmap_sg' || trace === 'sync_sg') {
    const sgt = argSgt(m, a.sgt);
    const n = cmd.kwargs.find((k) => k.key === 'nents');
    const es = sgt.entries.slice(0, n && n.value.k === 'int' ? n.value.value : sgt.entries.length);
    given.sg = { phys: es.map((e) => e.phys), dma: es.map((e) => e.dmaAddress), sizes: es.map((e) => e.dmaLength) };
  }
  if (a.h) given.handle = argHandle(m, a.h);
  if (trace === 'free' || trace === 'free_pages') {
    const cpu = a.cpu ?? a.page;
    const v = cpu?.k === 'name' ? m.names[cpu.name] : undefined;
    given.va = (v?.t === 'buf' ? m.buffers[v.id]?.va : undefined) ?? 0;
  }
  return given;
}

/** The buffer an allocation bound to its first result, if it got one. */
function allocated(t: Traced) {
  const v = t.cmd.targets[0] ? t.m.names[t.cmd.targets[0]] : undefined;
  return v?.t === 'buf' && v.id >= 0 ? t.m.buffers[v.id] : undefined;
}

function traceAlloc(t: Traced, coherent: boolean): void {
  const { a, o } = t;
  const b = allocated(t);
  // dma_alloc_attrs() traces DMA_BIDIRECTIONAL
  const dir = coherent ? 'BIDIRECTIONAL' : dirOf(a.dir);
  if (!coherent && t.pre) {
    if (b) t.emit('map', a.dev, { dir, dma_addr: o.result ?? 0, size: intOf(a.size), phys_addr: b.phys, attrs: '' }, 'dma_map_page');
    return;
  }
  t.emit('alloc', a.dev, { dir, dma_addr: b ? (o.result ?? 0) : 0, size: intOf(a.size), virt_addr: b ? b.va : 0, phys_addr: b ? b.phys : 0, flags: 'GFP_KERNEL', attrs: attrsOf(a.attrs) }, coherent ? 'dma_alloc' : 'dma_alloc_pages');
}

function traceFree(t: Traced, coherent: boolean): void {
  const { a, given } = t;
  if (!coherent && t.pre) {
    t.emit('unmap', a.dev, { dir: dirOf(a.dir), dma_addr: given.handle, size: intOf(a.size), attrs: '' }, 'dma_unmap_page');
    return;
  }
  t.emit('free', a.dev, { dir: coherent ? 'BIDIRECTIONAL' : dirOf(a.dir), dma_addr: given.handle, size: intOf(a.size), virt_addr: given.va, phys_addr: 0, attrs: attrsOf(a.attrs) }, coherent ? 'dma_free' : 'dma_free_pages');
}

/** How each tracepoint prints a call, from its arguments (by name), what it was given and what it did. */
const TRACEPOINTS: Readonly<Record<DmaTrace, (t: Traced) => void>> = {
  map: ({ a, o, given, emit }) => {
    // dma_map_single_attrs() refuses a vmalloc address before dma_map_page_attrs(): no trace
    if (o.events.some((e) => e.kind === 'note' && e.rule === 'api/vmalloc-rejected')) return;
    const map = o.events.find((e) => e.kind === 'dma_map');
    const phys = map && map.kind === 'dma_map' ? map.phys : given.phys;
    emit('map', a.dev, { dir: dirOf(a.dir), dma_addr: o.result ?? MAPPING_ERROR, size: intOf(a.size), phys_addr: phys, attrs: attrsOf(a.attrs) });
  },
  unmap: ({ a, given, emit }) => emit('unmap', a.dev, { dir: dirOf(a.dir), dma_addr: given.handle, size: intOf(a.size), attrs: attrsOf(a.attrs) }),
  sync: ({ a, op, given, emit }) => emit('sync', a.dev, { dir: dirOf(a.dir), dma_addr: given.handle, size: intOf(a.size) }, op.name),
  map_sg: ({ m, a, o, emit }) => {
    if (!o.result) return;
    const sgt = argSgt(m, a.sgt);
    const ents = sgt.entries.slice(0, o.result);
    emit('map_sg', a.dev, {
      dir: dirOf(a.dir),
      nents: { shown: sgt.entries.length, full: sgt.entries.length },
      ents: { shown: o.result, full: o.result },
      dma_addrs: ents.map((e) => e.dmaAddress),
      sizes: ents.map((e) => e.dmaLength),
      phys_addrs: sgt.entries.map((e) => e.phys),
      attrs: attrsOf(a.attrs),
    });
  },
  unmap_sg: ({ a, given, emit }) => emit('unmap_sg', a.dev, { dir: dirOf(a.dir), phys_addrs: given.sg.phys, attrs: attrsOf(a.attrs) }),
  sync_sg: ({ a, op, given, emit }) => emit('sync_sg', a.dev, { dir: dirOf(a.dir), dma_addrs: given.sg.dma, sizes: given.sg.sizes }, op.name),
  alloc: (t) => traceAlloc(t, true),
  alloc_pages: (t) => traceAlloc(t, false),
  free: (t) => traceFree(t, true),
  free_pages: (t) => traceFree(t, false),
};

/** Runs one statement and prints the tracepoint its call fires (the operation table says which), if any. */
function traceStep(m: Machine, cmd: Command, era: EraId, emit: Emit): void {
  const op = OPERATIONS.get(cmd.op);
  if (!op?.trace) {
    step(m, cmd);
    return;
  }
  const a = namedArgs(op, cmd);
  let given: Given;
  try {
    given = readGiven(m, op.trace, a, cmd);
  } catch {
    return;
  }
  const o = step(m, cmd);
  TRACEPOINTS[op.trace]({ m, cmd, op, a, o, given, pre: era === '6.12' || era === '6.12-rc', emit });
}
