/**
 * A kernel DMA trace (the text of /sys/kernel/tracing/trace, trace_pipe or
 * `trace-cmd report` with the `dma:*` events enabled) → a scenario that
 * replays it, and a report of what was read.
 *
 * Two passes over the text, both streaming (one line at a time, no array of
 * lines, O(live mappings) state):
 * 1. read every event; learn each device's path to memory from the addresses
 *    (dma_addr == phys_addr: dma-direct; some mappings moved into a pool:
 *    swiotlb, with the DMA mask that explains which; never equal: an IOMMU),
 *    the physical memory the trace touches, and the mappings it refers to
 *    without having made them (made before the trace began, or on a line
 *    that could not be read);
 * 2. write the scenario: the machine and devices, the traced memory placed at
 *    its physical addresses, those earlier mappings, then one statement per
 *    event in trace order, each with `# trace line N · time task`.
 *
 * The scenario refers to mappings by name (`h57` is the mapping made on
 * trace line 57), never by the kernel's DMA address, so it replays the same
 * API calls even where the model hands out other IOVAs or bounce slots.
 * Where the model must give the kernel's answer, the kernel's answer is a
 * check: the DMA address of a dma-direct mapping, a failed map, the segment
 * count of dma_map_sg, a failed allocation. IOVAs and bounce slots depend on
 * allocator state from before the trace and on per-CPU caches, so they are
 * checked only with `checkIova` (IOVAs) and otherwise noted in the comment.
 *
 * What the trace cannot show (dma_mapping_error(), CPU loads and stores, the
 * device's accesses, syncs of devices that need none) is unknown, not absent:
 * the machine says imported=true, so dma-debug does not report a missing map
 * error check, and nothing else rests on a call not being made.
 */
import type { Arch } from '../sim/config.ts';
import { NEWEST_KERNEL, kernelCode } from '../sim/config.ts';
import { PAGE_SIZE } from '../sim/hw/memory.ts';
import type { DmaDir } from '../sim/events.ts';
import { ERAS, FORMATS_BY_EVENT, MAPPING_ERROR, isPreamble, lostEvents, parseEventLine, parseFields, type EraId, type TraceDir } from './trace-format.ts';
import { decodeEvent, type DmaEvent } from './trace-events.ts';
import { RegionCollector, blockOf, type Block } from './regions.ts';
import { annotation, attrsArg, count, dirConstant } from './scenario-text.ts';
import { DeviceTable, chooseMachine, headerStatements, pathName, type DeviceFacts, type DeviceSetup, type MachineChoice } from './inference.ts';
import { Messages, summarize, type ImportReport, type ImportedDevice } from './report.ts';
import { PROGRESS_LINES, forEachLine, lineCount, safeLine, type ImportProgress } from './lines.ts';
import { hex } from '../sim/format.ts';

export interface TraceImportOptions {
  arch?: Arch;
  kernel?: string;
  /** Check IOVAs against the kernel's too (a faithfulness test of the IOVA allocator; off by default). */
  checkIova?: boolean;
  /** Add device_release_driver() at the end for devices with live mappings (dma-debug's leak report). Default true. */
  leaks?: boolean;
  /** Where the text came from, for the scenario's first comment. */
  source?: string;
  /** Called every PROGRESS_LINES lines of each pass. */
  onProgress?: (p: ImportProgress) => void;
  /**
   * Where the scenario's body (the trace's steps) goes as it is written, a
   * few thousand lines at a time (the chunks join with '\n'): the result's
   * pieces then leave it out (ImportPieces.bodyAt). The engine writes it
   * straight into bytes, so a long trace's scenario is never held as strings.
   */
  body?: (chunk: string) => void;
}

export interface ImportResult {
  scenario: string;
  report: ImportReport;
  /** The same report as a paragraph. */
  summary: string;
}

/**
 * An import's scenario as pieces: joined with newlines, they are the
 * scenario's text (the last piece is '', for its final newline). The engine
 * worker joins them only once the input and the importer's state are gone: a
 * 1,000,000-line trace (141 MiB), its scenario's pieces and the joined
 * scenario (134 MB each) would otherwise be held at once.
 */
export type ImportPieces = Omit<ImportResult, 'scenario'> & {
  pieces: string[];
  /** The body went to TraceImportOptions.body: it stands between pieces[bodyAt - 1] and pieces[bodyAt] (absent when there was none). */
  bodyAt?: number;
};

/** The scenario of an import's pieces, joined once (one flat string: a template literal's `…\n` would copy it again). */
export function joinedImport(p: ImportPieces): ImportResult {
  if (p.bodyAt !== undefined) throw new Error('the body of this import went elsewhere (TraceImportOptions.body)');
  return { scenario: p.pieces.join('\n'), report: p.report, summary: p.summary };
}

/** A live mapping is indexed by every page it covers, up to this many; longer ones are scanned. */
const PAGE_INDEX_CAP = 64;

// ---------------------------------------------------------------------------
// The book of mappings: what is live, what was, by the kernel's addresses

interface Single {
  handle: string;
  dma: number;
  size: number;
  dir: TraceDir;
  line: number;
}

interface SgList {
  name: string;
  /** Physical address of each entry of the table. */
  phys: number[];
  /** The kernel's DMA address of the first segment. */
  dma0: number;
  entries: number;
  line: number;
}

interface Alloc {
  cpu: string;
  handle: string;
  api: 'coherent' | 'pages';
  dma: number;
  size: number;
  virt: string | null;
  dir: TraceDir;
  line: number;
}

/** Removes `x` from `list`, keeping the order; the usual case, the last one, without splice's new array. */
function without<T>(list: T[], x: T): void {
  const i = list.lastIndexOf(x);
  if (i === list.length - 1) list.pop();
  else list.splice(i, 1);
}

class DeviceBook {
  readonly live = new Map<number, Single[]>();
  private readonly pages = new Map<number, Single[]>();
  private readonly big: Single[] = [];
  readonly dead = new Map<number, Single>();
  private readonly deadPage = new Map<number, Single>();
  readonly resources = new Map<number, number>();
  readonly sgByPhys = new Map<number, SgList>();
  readonly sgByDma = new Map<number, SgList>();
  readonly sgDeadByPhys = new Map<number, SgList>();
  readonly sgDeadByDma = new Map<number, SgList>();
  readonly sgtLive = new Map<number, SgList>();
  readonly allocs = new Map<number, Alloc>();
  readonly allocsByVirt = new Map<string, Alloc>();
  readonly deadAllocs = new Map<number, Alloc>();
  lastFailed: string | null = null;

  addSingle(s: Single): void {
    const list = this.live.get(s.dma);
    if (list) list.push(s);
    else this.live.set(s.dma, [s]);
    const first = Math.floor(s.dma / PAGE_SIZE);
    const n = Math.ceil((s.dma + s.size) / PAGE_SIZE) - first;
    if (n > PAGE_INDEX_CAP) this.big.push(s);
    else for (let p = first; p < first + n; p++) {
      const l = this.pages.get(p);
      if (l) l.push(s);
      else this.pages.set(p, [s]);
    }
  }

  private dropSingle(s: Single): void {
    // An emptied list stays in its map: deleting the key made V8 shrink the table at every unmap (a ring's
    // map, sync, unmap keeps one or two live) and grow it at the next map, a third of the import's time.
    without(this.live.get(s.dma)!, s);
    const first = Math.floor(s.dma / PAGE_SIZE);
    const n = Math.ceil((s.dma + s.size) / PAGE_SIZE) - first;
    if (n > PAGE_INDEX_CAP) without(this.big, s);
    else for (let p = first; p < first + n; p++) without(this.pages.get(p)!, s);
    this.dead.set(s.dma, s);
    this.deadPage.set(first, s);
  }

  /** The live mapping an unmap of [dma, dma+size) undoes: an exact start (best fit on size and direction). */
  unmapExact(dma: number, size: number, dir: TraceDir): Single | null {
    const list = this.live.get(dma);
    if (!list?.length) return null;
    const s = list.find((x) => x.size === size && x.dir === dir) ?? list.at(-1)!;
    this.dropSingle(s);
    return s;
  }

  /** A live mapping containing dma (and as much of the range as possible), exact start first. */
  containing(dma: number, size: number): Single | null {
    const exact = this.live.get(dma);
    if (exact?.length) return exact.find((x) => size <= x.size) ?? exact.at(-1)!;
    let best: Single | null = null;
    const consider = (x: Single) => {
      if (dma >= x.dma && dma < x.dma + x.size && (!best || x.dma + x.size >= dma + size)) best = x;
    };
    for (const x of this.pages.get(Math.floor(dma / PAGE_SIZE)) ?? []) consider(x);
    for (const x of this.big) consider(x);
    return best;
  }

  /** The most recent unmapped mapping at (or, page-wise, containing) dma. */
  deadAt(dma: number): Single | null {
    const exact = this.dead.get(dma);
    if (exact) return exact;
    const s = this.deadPage.get(Math.floor(dma / PAGE_SIZE));
    return s && dma >= s.dma && dma < s.dma + s.size ? s : null;
  }

  liveCount(): number {
    // (dma_alloc_noncontiguous lists are in sgByPhys too)
    let n = this.sgByPhys.size + this.allocs.size;
    for (const l of this.live.values()) n += l.length;
    return n;
  }

  addSg(s: SgList): void {
    this.sgByPhys.set(s.phys[0]!, s);
    if (s.dma0 >= 0) this.sgByDma.set(s.dma0, s);
  }

  dropSg(s: SgList): void {
    this.sgByPhys.delete(s.phys[0]!);
    if (this.sgByDma.get(s.dma0) === s) this.sgByDma.delete(s.dma0);
    this.sgDeadByPhys.set(s.phys[0]!, s);
    if (s.dma0 >= 0) this.sgDeadByDma.set(s.dma0, s);
  }

  addAlloc(a: Alloc): void {
    this.allocs.set(a.dma, a);
    if (a.virt) this.allocsByVirt.set(a.virt, a);
  }

  /**
   * What a free names: the allocation of its DMA address (which it releases,
   * as dma-debug finds its entry by DMA address) and the one of its CPU
   * address (the same one, unless the driver mixed up two).
   */
  takeAlloc(dma: number, virt: string | null): { byDma: Alloc; byCpu: Alloc } | null {
    const byDma = this.allocs.get(dma) ?? (virt ? this.allocsByVirt.get(virt) : undefined);
    if (!byDma) return null;
    const byCpu = (virt ? this.allocsByVirt.get(virt) : undefined) ?? byDma;
    this.allocs.delete(byDma.dma);
    if (byDma.virt && this.allocsByVirt.get(byDma.virt) === byDma) this.allocsByVirt.delete(byDma.virt);
    this.deadAllocs.set(byDma.dma, byDma);
    return { byDma, byCpu };
  }

  /** A live (or freed) allocation containing dma: a sync of dma_alloc_noncoherent memory, or an unmap with the wrong function. */
  allocAt(dma: number): Alloc | null {
    const exact = this.allocs.get(dma) ?? this.deadAllocs.get(dma);
    if (exact) return exact;
    for (const a of this.allocs.values()) if (dma >= a.dma && dma < a.dma + a.size) return a;
    return null;
  }
}

/** A mapping the trace uses but never made: written before the first event. */
type Earlier =
  | { kind: 'single'; dev: string; handle: string; dma: number; size: number; dir: TraceDir; line: number; what: string }
  /** physKnown: the trace gave the entries' physical addresses (dma_unmap_sg), not only DMA addresses (dma_sync_sg_*). */
  | { kind: 'sg'; dev: string; name: string; phys: number[]; physKnown: boolean; lengths: number[]; dma0: number; dir: TraceDir; line: number; what: string }
  | { kind: 'alloc'; dev: string; cpu: string; handle: string; api: 'coherent' | 'pages'; dma: number; size: number; dir: TraceDir; line: number; what: string };

// ---------------------------------------------------------------------------
// sg entry lengths (the trace gives segment lengths, not entry lengths)

/**
 * The length of each entry of a mapped list. With as many segments as entries
 * the segment lengths are the entry lengths (dma-direct maps entry by entry;
 * an IOMMU that merged nothing too). When an IOMMU merged entries, only the
 * total is known: each entry but the last is assumed to run to the end of its
 * page (how page-backed lists are built), the last gets the rest.
 */
export function sgEntryLengths(phys: readonly number[], sizes: readonly number[], ents: number, nents = phys.length): { lengths: number[]; inferred: boolean } {
  if (sizes.length === phys.length && ents === nents) return { lengths: [...sizes], inferred: false };
  const total = sizes.reduce((a, b) => a + b, 0);
  return { lengths: guessLengths(phys, total), inferred: true };
}

/** Entry lengths when only the total (or nothing: total 0) is known. */
export function guessLengths(phys: readonly number[], total: number): number[] {
  const out: number[] = [];
  let left = total > 0 ? total : phys.length * PAGE_SIZE;
  for (let i = 0; i < phys.length; i++) {
    const toPageEnd = PAGE_SIZE - (phys[i]! % PAGE_SIZE);
    const len = i === phys.length - 1 ? Math.max(1, left) : Math.max(1, Math.min(toPageEnd, left - (phys.length - 1 - i)));
    out.push(len);
    left -= len;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pass 1 and pass 2 share the reading of a line

interface ReadLine {
  line: number;
  time: string;
  task: string;
  ev: DmaEvent;
}

class Reader {
  lines = 0;
  events = 0;
  skipped = 0;
  readonly skippedByEvent = new Map<string, number>();
  unrecognised = 0;
  lost = 0;
  braces = 0;
  bare = 0;
  traceHeader = false;
  traceCmdHeader = false;
  eras: Set<EraId> = new Set(ERAS.map((e) => e.id));
  mixedEras = false;
  readonly messages = new Messages();
  firstUnrecognised = 0;

  /** The dma event on this line, or null (counted as skipped, header or unrecognised). */
  read(text: string, line: number, record: boolean): ReadLine | null {
    if (record) this.lines = line;
    if (isPreamble(text)) {
      if (record) {
        if (text.startsWith('# tracer:')) this.traceHeader = true;
        if (/^(cpus=\d+|version = \d+)/.test(text.trim())) this.traceCmdHeader = true;
      }
      return null;
    }
    const lost = lostEvents(text);
    if (lost !== null) {
      if (record) {
        this.lost += lost;
        this.messages.add(line, `the kernel lost ${count(lost)} events here (the ring buffer was full): mappings made or undone then are unknown`);
      }
      return null;
    }
    const el = parseEventLine(text);
    if (!el) {
      if (record) {
        this.unrecognised++;
        if (this.unrecognised <= 3) this.messages.add(line, `not a trace event line: '${text.length > 60 ? `${text.slice(0, 60)}…` : text}'`);
        else if (this.unrecognised === 4) this.firstUnrecognised = line;
      }
      return null;
    }
    const fields = parseFields(el.event, el.payload);
    if (!fields.ok) {
      if (FORMATS_BY_EVENT.has(el.event)) {
        if (record) this.messages.add(line, `${fields.message}; the event is skipped`);
        return null;
      }
      if (record) {
        this.skipped++;
        this.skippedByEvent.set(el.event, (this.skippedByEvent.get(el.event) ?? 0) + 1);
      }
      return null;
    }
    const dec = decodeEvent(fields.event);
    if (!dec.ok) {
      if (record) this.messages.add(line, `${dec.message}; the event is skipped`);
      return null;
    }
    if (record) {
      this.events++;
      const eras = fields.event.format.eras;
      let narrows = false;
      for (const e of this.eras) if (!eras.includes(e)) narrows = true;
      const next = narrows ? new Set([...this.eras].filter((e) => eras.includes(e))) : this.eras;
      if (next.size) this.eras = next;
      else if (!this.mixedEras) {
        this.mixedEras = true;
        this.messages.add(line, `${el.event} is printed as by Linux ${eras.map(eraLabel).join(' / ')}, unlike the events before it: the trace mixes kernel versions`);
      }
      if (/=\{/.test(el.payload)) this.braces++;
      else if (/_addrs=\d/.test(el.payload)) this.bare++;
    }
    return { line, time: el.time, task: el.task, ev: dec.event };
  }

  format(): string {
    if (this.traceCmdHeader || this.bare > this.braces) return 'trace-cmd report';
    if (this.traceHeader) return '/sys/kernel/tracing/trace';
    return 'trace_pipe or trace without its header';
  }

  era(): (typeof ERAS)[number] | null {
    if (!this.events) return null;
    const known = ERAS.filter((e) => this.eras.has(e.id));
    return known.at(-1) ?? null;
  }

  eraLabel(): string | null {
    if (!this.events) return null;
    const ids = ERAS.filter((e) => this.eras.has(e.id));
    if (ids.length === ERAS.length) return 'any version from 6.12';
    if (ids.length === 1) return ids[0]!.label;
    // eras next to each other read as one range ("6.12 to 6.17", not "6.12 to 6.12.47 or 6.13 to 6.17 (and 6.12.48 on)")
    const at = ids.map((e) => ERAS.indexOf(e));
    if (at.every((a, i) => i === 0 || a === at[i - 1]! + 1)) {
      const last = ids.at(-1)!.last;
      const range = last ? `${ids[0]!.first} to ${last}` : `${ids[0]!.first} on`;
      return ids[0]!.id === '6.13' ? `${range} (and 6.12.48 on)` : range;
    }
    return ids.map((e) => e.label).join(' or ');
  }
}

function eraLabel(id: EraId): string {
  return ERAS.find((e) => e.id === id)!.label;
}

// ---------------------------------------------------------------------------
// The importer

export function importTrace(text: string, opts: TraceImportOptions = {}): ImportResult {
  return joinedImport(importTracePieces(text, opts));
}

/** importTrace, its scenario as pieces (ImportPieces). */
export function importTracePieces(text: string, opts: TraceImportOptions = {}): ImportPieces {
  const total = opts.onProgress ? lineCount(text) : 0;
  opts.onProgress?.({ phase: 'read', done: 0, total });
  const reader = new Reader();
  const scan = new Scan(opts);
  const say = (line: number, msg: string) => reader.messages.add(line, msg);
  forEachLine(text, (raw, n) => {
    const r = reader.read(safeLine(raw, n, say), n, true);
    if (r) scan.event(r, reader.messages);
    if (opts.onProgress && n % PROGRESS_LINES === 0) opts.onProgress({ phase: 'read', done: n, total });
  });
  const plan = scan.plan(reader, opts);
  const writer = new Writer(plan, opts, reader.messages);
  forEachLine(text, (raw, n) => {
    const r = reader.read(safeLine(raw, n, null), n, false);
    if (r) writer.event(r);
    if (opts.onProgress && n % PROGRESS_LINES === 0) opts.onProgress({ phase: 'write', done: n, total });
  });
  if (reader.unrecognised > 3) reader.messages.add(reader.firstUnrecognised, `${count(reader.unrecognised - 3)} more lines that are not trace events (from here on) were ignored`);
  if (!reader.events) {
    const why = reader.skipped
      ? `no dma:* events among the ${count(reader.skipped)} events of this trace: they exist from Linux 6.12 (echo 1 > /sys/kernel/tracing/events/dma/enable)`
      : 'no trace events here: paste the text of /sys/kernel/tracing/trace or trace_pipe, or of trace-cmd report';
    reader.messages.add(reader.lines > 0 ? 1 : 0, why);
  }
  return writer.finish(reader);
}

/** Pass 1: devices, evidence, memory, and the mappings made before the trace. */
class Scan {
  private readonly table: DeviceTable;
  readonly books = new Map<string, DeviceBook>();
  readonly regions = new RegionCollector();
  readonly earlier: Earlier[] = [];
  constructor(opts: TraceImportOptions) {
    this.table = new DeviceTable(opts.arch ?? 'arm64', kernelCode(opts.kernel ?? NEWEST_KERNEL));
  }

  private device(name: string): { f: DeviceFacts; b: DeviceBook } {
    const f = this.table.get(name);
    let b = this.books.get(name);
    if (!b) {
      b = new DeviceBook();
      this.books.set(name, b);
    }
    return { f, b };
  }

  private evidence(f: DeviceFacts, phys: number, dma: number, size: number, dir: TraceDir): void {
    this.table.evidence(f, phys, dma, size, dirConstant(dir) as DmaDir);
  }

  event(r: ReadLine, messages: Messages): void {
    const { ev, line } = r;
    const { f, b } = this.device(ev.dev);
    f.events++;
    switch (ev.kind) {
      case 'map':
        if (ev.resource) {
          b.resources.set(ev.dma, line);
          return;
        }
        this.regions.add(ev.phys, ev.size, line);
        if (ev.dma === MAPPING_ERROR) {
          b.lastFailed = `h${line}`;
          this.table.failed(f, ev.phys, ev.size);
          return;
        }
        this.evidence(f, ev.phys, ev.dma, ev.size, ev.dir);
        b.addSingle({ handle: `h${line}`, dma: ev.dma, size: ev.size, dir: ev.dir, line });
        return;
      case 'unmap':
        if (ev.resource || b.resources.delete(ev.dma) || ev.dma === MAPPING_ERROR) return;
        if (b.unmapExact(ev.dma, ev.size, ev.dir) || b.containing(ev.dma, ev.size) || b.deadAt(ev.dma) || b.allocAt(ev.dma)) return;
        this.addEarlier(f, b, { kind: 'single', dev: ev.dev, handle: `h${line}_before`, dma: ev.dma, size: ev.size, dir: ev.dir, line, what: `${ev.event} of ${hex(ev.dma)}` }, messages);
        b.unmapExact(ev.dma, ev.size, ev.dir);
        return;
      case 'sync':
        if (b.containing(ev.dma, ev.size) || b.deadAt(ev.dma) || b.allocAt(ev.dma)) return;
        this.addEarlier(f, b, { kind: 'single', dev: ev.dev, handle: `h${line}_before`, dma: ev.dma, size: ev.size, dir: ev.dir, line, what: `a sync of ${hex(ev.dma)}` }, messages);
        return;
      case 'map_sg': {
        const { lengths } = sgEntryLengths(ev.phys, ev.sizes, ev.ents, ev.nents);
        ev.phys.forEach((p, i) => this.regions.add(p, lengths[i]!, line));
        // entry i is segment i when nothing merged; else only the first segment starts at the first entry
        const pairs = ev.ents === ev.nents ? Math.min(ev.phys.length, ev.dma.length) : Math.min(1, ev.phys.length, ev.dma.length);
        for (let i = 0; i < pairs; i++) this.evidence(f, ev.phys[i]!, ev.dma[i]!, ev.sizes[i]!, ev.dir);
        for (const s of ev.sizes) f.maxSeg = Math.max(f.maxSeg, s);
        if (!ev.truncated && ev.ents > 1 && ev.ents < ev.nents) f.splitSeg = Math.max(f.splitSeg, ...ev.sizes);
        else f.wholeSeg = Math.max(f.wholeSeg, ...ev.sizes);
        for (const l of lengths) f.maxSeg = Math.max(f.maxSeg, l);
        b.addSg({ name: `sg${line}`, phys: ev.phys, dma0: ev.dma[0] ?? -1, entries: ev.phys.length, line });
        return;
      }
      case 'map_sg_err':
        return;
      case 'unmap_sg': {
        const s = b.sgByPhys.get(ev.phys[0] ?? -1);
        if (s) return b.dropSg(s);
        if (b.sgDeadByPhys.has(ev.phys[0] ?? -1) || !ev.phys.length) return;
        const lengths = guessLengths(ev.phys, 0);
        ev.phys.forEach((p, i) => this.regions.add(p, lengths[i]!, line));
        const sg: Earlier = { kind: 'sg', dev: ev.dev, name: `sg${line}_before`, phys: ev.phys, physKnown: true, lengths, dma0: -1, dir: ev.dir, line, what: 'dma_unmap_sg of a list' };
        this.addEarlier(f, b, sg, messages);
        b.dropSg(b.sgByPhys.get(ev.phys[0]!)!);
        return;
      }
      case 'sync_sg': {
        const d0 = ev.dma[0] ?? -1;
        if (b.sgByDma.has(d0) || b.sgDeadByDma.has(d0) || d0 === MAPPING_ERROR || !ev.dma.length) return;
        // only the mapped segments (an IOMMU marks the rest DMA_MAPPING_ERROR, length 0); without
        // physical addresses: a dma-direct device's are its DMA addresses (decided after the scan)
        const segs = ev.dma.map((d, i) => [d, ev.sizes[i]!] as const).filter(([d, l]) => d !== MAPPING_ERROR && l > 0);
        this.addEarlier(f, b, { kind: 'sg', dev: ev.dev, name: `sg${line}_before`, phys: segs.map(([d]) => d), physKnown: false, lengths: segs.map(([, l]) => l), dma0: d0, dir: ev.dir, line, what: `a sync of a list at ${hex(d0)}` }, messages);
        return;
      }
      case 'alloc':
        if (ev.api === 'sgt' || ev.virt === null) return;
        b.addAlloc({ cpu: `buf${line}`, handle: `h${line}`, api: ev.api, dma: ev.dma, size: ev.size, virt: ev.virt, dir: ev.dir, line });
        return;
      case 'free':
        if (ev.virt === null && ev.dma === 0) return;
        if (b.takeAlloc(ev.dma, ev.virt) || b.deadAllocs.has(ev.dma)) return;
        this.addEarlier(f, b, { kind: 'alloc', dev: ev.dev, cpu: `buf${line}_before`, handle: `h${line}_before`, api: ev.api, dma: ev.dma, size: ev.size, dir: ev.dir, line, what: `a free of ${hex(ev.dma)}` }, messages);
        b.takeAlloc(ev.dma, null);
        return;
      case 'alloc_sgt': {
        const lengths = guessLengths(ev.phys, ev.size);
        ev.phys.forEach((p, i) => this.regions.add(p, lengths[i]!, line));
        // the one DMA segment starts at the first page
        if (ev.phys.length) this.evidence(f, ev.phys[0]!, ev.dma, lengths[0]!, ev.dir);
        const sg = { name: `sg${line}`, phys: ev.phys, dma0: ev.dma, entries: ev.phys.length, line };
        // a list like any mapped one: dma_sync_sgtable_* finds it by its first DMA address
        b.sgtLive.set(ev.dma, sg);
        b.addSg(sg);
        return;
      }
      case 'free_sgt':
        {
          const sg = b.sgtLive.get(ev.dma);
          if (sg) {
            b.sgtLive.delete(ev.dma);
            b.dropSg(sg);
          }
        }
        return;
    }
  }

  private addEarlier(f: DeviceFacts, b: DeviceBook, e: Earlier, messages: Messages): void {
    f.earlier++;
    this.earlier.push(e);
    if (e.kind === 'single') b.addSingle({ handle: e.handle, dma: e.dma, size: e.size, dir: e.dir, line: e.line });
    else if (e.kind === 'sg') b.addSg({ name: e.name, phys: e.phys, dma0: e.dma0, entries: e.phys.length, line: e.line });
    else b.addAlloc({ cpu: e.cpu, handle: e.handle, api: e.api, dma: e.dma, size: e.size, virt: null, dir: e.dir, line: e.line });
    const first = f.events === 1 ? `${f.kernelName} first appears with ${e.what}` : `${f.kernelName}: ${e.what}`;
    messages.add(e.line, `${first}, which this trace never made: taken as made before the trace began (or on a line that could not be read)`);
  }

  plan(reader: Reader, opts: TraceImportOptions): Plan {
    const era = reader.era();
    const kernel = opts.kernel ?? era?.kernel ?? NEWEST_KERNEL;
    const arch = opts.arch ?? 'arm64';
    const setups = this.table.setups(arch);
    // memory of mappings made before the trace, where the device's path says where it is
    for (const e of this.earlier) {
      const direct = setups.get(e.dev)!.path === 'direct';
      if (e.kind === 'single' && direct) this.regions.add(e.dma, e.size, e.line);
      else if (e.kind === 'sg' && (direct || e.physKnown)) e.phys.forEach((p, i) => this.regions.add(p, e.lengths[i]!, e.line));
    }
    const blocks = this.regions.blocks();
    const machine = chooseMachine(arch, kernel, blocks, reader.messages, setups);
    return { arch, kernel, eraLabel: reader.eraLabel(), format: reader.format(), devices: this.table.byKernelName, setups, blocks, earlier: this.earlier, machine };
  }
}

interface Plan {
  arch: Arch;
  kernel: string;
  eraLabel: string | null;
  format: string;
  devices: Map<string, DeviceFacts>;
  setups: Map<string, DeviceSetup>;
  blocks: Block[];
  earlier: Earlier[];
  machine: MachineChoice;
}

/**
 * Lines of output, joined a few thousand at a time: a million short strings
 * (and the concatenations they are built from) would live until the end and
 * make every garbage collection walk them.
 */
class Output {
  private buf: string[] = [];
  private readonly chunks: string[] = [];
  /** Where chunks go instead of being kept (TraceImportOptions.body), and what it was given. */
  sink: ((chunk: string) => void) | null = null;
  private sunk = 0;
  private sunkFirst = '';

  push(...lines: string[]): void {
    for (const l of lines) {
      // Reading a character makes V8 flatten a line built by concatenation now, while its pieces are fresh: the
      // pieces die young, and the join copies flat strings. Joined later, the pieces of 4,096 lines had reached the
      // old generation: a 1,000,000-line import spent 1.2 s in the join and 1.4 s collecting (0.6 and 0.6 now).
      l.charCodeAt(0);
      this.buf.push(l);
    }
    if (this.buf.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.buf.length) {
      const chunk = this.buf.join('\n');
      if (!this.sink) this.chunks.push(chunk);
      else {
        if (this.sunk++ === 0) this.sunkFirst = chunk;
        this.sink(chunk);
      }
    }
    this.buf = [];
  }

  /** The sink was given some text: more than one chunk, or one that is not ''. */
  get sunkText(): boolean {
    return this.sunk > 1 || this.sunkFirst !== '';
  }

  /** Everything pushed so far, one line per line, without a final newline ('' when nothing). */
  take(): string {
    return this.takeChunks().join('\n');
  }

  /** The same as pieces (joined with newlines they are take()'s text): the scenario is joined once, not its body first. */
  takeChunks(): string[] {
    this.flush();
    return this.chunks.splice(0);
  }
}

/** Pass 2: the scenario. */
class Writer {
  private out = new Output();
  private readonly books = new Map<string, DeviceBook>();
  private steps = 0;

  /** The preamble (device setup, memory, earlier mappings): written first, so the book knows them. */
  private readonly pre: string;

  constructor(
    private readonly plan: Plan,
    private readonly opts: TraceImportOptions,
    private readonly messages: Messages,
  ) {
    for (const name of plan.devices.keys()) this.books.set(name, new DeviceBook());
    this.preamble();
    this.pre = this.out.take();
    // The body, from here on, to the caller's sink when it gave one.
    this.out.sink = opts.body ?? null;
  }

  private stmt(text: string, note?: string): void {
    this.steps++;
    this.out.push(note ? `${text}   # ${note}` : text);
  }

  private comment(text: string): void {
    this.out.push(`# ${text}`);
  }

  private dev(kernelName: string): string {
    return this.plan.devices.get(kernelName)!.name;
  }

  private header(reader: Reader): void {
    const p = this.plan;
    this.comment(`Imported from a Linux DMA trace (${p.format}${this.opts.source ? `: ${this.opts.source}` : ''}).`);
    if (p.eraLabel) this.comment(`Its dma events are printed as by Linux ${p.eraLabel}; modelled as ${p.kernel}.`);
    this.comment(`${count(reader.events)} dma events read, ${count(reader.skipped)} other events skipped, ${count(p.devices.size)} device${p.devices.size === 1 ? '' : 's'}.`);
    this.comment('A trace cannot show dma_mapping_error(), CPU loads and stores or the device\'s own accesses: they are');
    this.comment('unknown, not absent (imported=true), and no finding here rests on them. Each step names its trace line.');
    this.out.push(...headerStatements(p.arch, p.kernel, p.machine, p.devices.values(), p.setups, true));
  }

  private preamble(): void {
    const p = this.plan;
    let first = true;
    for (const f of p.devices.values()) {
      const s = p.setups.get(f.kernelName)!;
      if (!s.maxSeg) continue;
      if (first) this.out.push('', '# What the trace shows about the devices');
      first = false;
      this.stmt(`dma_set_max_seg_size(${f.name}, ${s.maxSeg})`, `${f.kernelName} maps segments of up to ${f.maxSeg} bytes`);
    }
    if (p.blocks.length) {
      this.out.push('', '# The memory the trace touches, at its physical addresses');
      for (const b of [...p.blocks].sort((x, y) => x.firstLine - y.firstLine || x.base - y.base)) {
        const at = b.placed ? `, at=${hex(b.base)}` : '';
        this.stmt(`${b.name} = alloc_pages(GFP_KERNEL, ${b.order}${at})`, `first used at trace line ${b.firstLine}${b.placed ? '' : ` · traced at ${hex(b.base)}, placed by the allocator`}`);
      }
    }
    if (p.earlier.length) {
      this.out.push('', '# Mappings the trace uses but never makes: made before it began');
      for (const e of p.earlier) this.writeEarlier(e);
    }
    this.out.push('', '# The trace');
  }

  /** A pointer to traced physical memory: `mem_80a3f000 + 0x40`. */
  private ptr(phys: number): { block: Block; off: number; text: string } | null {
    const block = blockOf(this.plan.blocks, phys);
    if (!block) return null;
    const off = phys - block.base;
    return { block, off, text: off ? `${block.name} + ${hex(off)}` : block.name };
  }

  private writeEarlier(e: Earlier): void {
    const dev = this.dev(e.dev);
    const book = this.books.get(e.dev)!;
    const direct = this.plan.setups.get(e.dev)!.path === 'direct';
    const note = `trace line ${e.line} uses it`;
    if (e.kind === 'single') {
      const p = direct ? this.ptr(e.dma) : null;
      if (p) this.stmt(`${e.handle} = dma_map_page(${dev}, ${p.block.name}, ${offText(p.off)}, ${e.size}, ${dirConstant(e.dir)})`, note);
      else {
        this.stmt(`${e.handle}_mem = alloc_pages(GFP_KERNEL, ${orderOf(e.size)})`, `${note}; its physical address is not in the trace`);
        this.stmt(`${e.handle} = dma_map_page(${dev}, ${e.handle}_mem, 0, ${e.size}, ${dirConstant(e.dir)})`, note);
      }
      book.addSingle({ handle: e.handle, dma: e.dma, size: e.size, dir: e.dir, line: e.line });
    } else if (e.kind === 'sg') {
      const parts: string[] = [];
      if (direct || e.physKnown) {
        e.phys.forEach((ph, i) => {
          const p = this.ptr(ph);
          parts.push(`${p ? p.text : hex(ph)}, ${e.lengths[i]}`);
        });
      } else {
        const total = e.lengths.reduce((a, b) => a + b, 0);
        this.stmt(`${e.name}_mem = alloc_pages(GFP_KERNEL, ${orderOf(total)})`, `${note}; its physical addresses are not in the trace`);
        let off = 0;
        for (const l of e.lengths) {
          parts.push(`${off ? `${e.name}_mem + ${hex(off)}` : `${e.name}_mem`}, ${l}`);
          off += l;
        }
      }
      this.stmt(`${e.name} = sg_table(${parts.join(', ')})`, note);
      this.stmt(`dma_map_sg(${dev}, ${e.name}, ${dirConstant(e.dir)})`, note);
      book.addSg({ name: e.name, phys: e.phys, dma0: e.dma0, entries: e.phys.length, line: e.line });
    } else {
      const call = e.api === 'coherent' ? `dma_alloc_coherent(${dev}, ${e.size})` : `dma_alloc_noncoherent(${dev}, ${e.size}, ${dirConstant(e.dir)})`;
      this.stmt(`${e.cpu}, ${e.handle} = ${call}`, note);
      book.addAlloc({ cpu: e.cpu, handle: e.handle, api: e.api, dma: e.dma, size: e.size, virt: null, dir: e.dir, line: e.line });
    }
  }

  /** Should the model's DMA address of this mapping equal the kernel's? */
  private checkable(kernelName: string, phys: number, dma: number): boolean {
    const s = this.plan.setups.get(kernelName)!;
    const block = blockOf(this.plan.blocks, phys);
    if (!block?.placed) return false;
    if (s.path === 'direct' || (s.path === 'swiotlb' && dma === phys)) return true;
    return s.path === 'iommu' && !!this.opts.checkIova && this.plan.devices.get(kernelName)!.earlier === 0;
  }

  private ann(r: ReadLine, notes: string[] = []): string {
    return annotation(r.line, r.time, r.task, notes);
  }

  event(r: ReadLine): void {
    const { ev, line } = r;
    const book = this.books.get(ev.dev)!;
    const dev = this.dev(ev.dev);
    switch (ev.kind) {
      case 'map': {
        if (ev.resource) {
          book.resources.set(ev.dma, line);
          this.comment(`${this.ann(r)}: ${ev.event} ${ev.dev} ${hex(ev.phys)} (device memory, MMIO) → ${hex(ev.dma)}: not modelled`);
          return;
        }
        const p = this.ptr(ev.phys)!;
        const { arg, dropped } = attrsArg(ev.attrs);
        const notes: string[] = [];
        if (dropped.length) notes.push(`attrs ${dropped.join('|')} not modelled`);
        const call = `h${line} = dma_map_page(${dev}, ${p.block.name}, ${offText(p.off)}, ${ev.size}, ${dirConstant(ev.dir)}${arg ? `, ${arg}` : ''})`;
        if (ev.dma === MAPPING_ERROR) {
          book.lastFailed = `h${line}`;
          this.stmt(`${call} => DMA_MAPPING_ERROR`, this.ann(r, notes));
          return;
        }
        book.addSingle({ handle: `h${line}`, dma: ev.dma, size: ev.size, dir: ev.dir, line });
        if (this.checkable(ev.dev, ev.phys, ev.dma)) this.stmt(`${call} => ${hex(ev.dma)}`, this.ann(r, notes));
        else this.stmt(call, this.ann(r, [`kernel: ${hex(ev.dma)}${ev.dma === ev.phys ? '' : this.plan.setups.get(ev.dev)!.path === 'iommu' ? ' (IOVA)' : ' (bounce slot)'}`, ...notes]));
        return;
      }
      case 'unmap': {
        if (ev.resource || book.resources.delete(ev.dma)) {
          this.comment(`${this.ann(r)}: ${ev.event} ${ev.dev} ${hex(ev.dma)}: not modelled`);
          return;
        }
        const { arg } = attrsArg(ev.attrs);
        const tail = `${ev.size}, ${dirConstant(ev.dir)}${arg ? `, ${arg}` : ''})`;
        const api = 'dma_unmap_page';
        if (ev.dma === MAPPING_ERROR) {
          if (book.lastFailed) this.stmt(`${api}(${dev}, ${book.lastFailed}, ${tail}`, this.ann(r, ['unmaps the DMA_MAPPING_ERROR of a failed map']));
          else this.comment(`${this.ann(r)}: ${ev.event} of DMA_MAPPING_ERROR, after no failed map in this trace: not replayed`);
          return;
        }
        const ref = this.unmapRef(book, ev.dma, ev.size, ev.dir);
        this.stmt(`${api}(${dev}, ${ref}, ${tail}`, this.ann(r));
        return;
      }
      case 'sync': {
        const ref = this.syncRef(book, ev.dma, ev.size);
        this.stmt(`${ev.forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device'}(${dev}, ${ref}, ${ev.size}, ${dirConstant(ev.dir)})`, this.ann(r));
        return;
      }
      case 'map_sg':
        return this.mapSg(r, dev, book);
      case 'map_sg_err':
        // traced only for an error dma_map_sg does not expect (not -EINVAL, -ENOMEM, -EIO or -EREMOTEIO),
        // which the model never gives: replaying the call would make a mapping the kernel did not
        this.comment(
          `${this.ann(r)}: dma_map_sg(${ev.dev}) of ${ev.phys.length} entr${ev.phys.length === 1 ? 'y' : 'ies'} failed with err=${ev.err} (dma_map_sg returned 0, dma_map_sgtable -EIO): not replayed, the model would map it`,
        );
        return;
      case 'unmap_sg': {
        const s = book.sgByPhys.get(ev.phys[0] ?? -1) ?? book.sgDeadByPhys.get(ev.phys[0] ?? -1);
        if (!s) {
          this.comment(`${this.ann(r)}: dma_unmap_sg ${ev.dev} of an empty list: not replayed`);
          return;
        }
        if (book.sgByPhys.get(ev.phys[0]!) === s) book.dropSg(s);
        const nents = ev.phys.length !== s.entries ? `, nents=${ev.phys.length}` : '';
        const { arg } = attrsArg(ev.attrs);
        this.stmt(`dma_unmap_sg(${dev}, ${s.name}, ${dirConstant(ev.dir)}${arg ? `, ${arg}` : ''}${nents})`, this.ann(r));
        return;
      }
      case 'sync_sg': {
        const d0 = ev.dma[0] ?? -1;
        const s = book.sgByDma.get(d0) ?? book.sgDeadByDma.get(d0);
        if (!s) {
          this.comment(`${this.ann(r)}: ${ev.forCpu ? 'dma_sync_sg_for_cpu' : 'dma_sync_sg_for_device'} ${ev.dev} of an empty list: not replayed`);
          return;
        }
        const nents = ev.dma.length !== s.entries ? `, nents=${ev.dma.length}` : '';
        this.stmt(`${ev.forCpu ? 'dma_sync_sg_for_cpu' : 'dma_sync_sg_for_device'}(${dev}, ${s.name}, ${dirConstant(ev.dir)}${nents})`, this.ann(r));
        return;
      }
      case 'alloc': {
        if (ev.api === 'sgt') {
          this.comment(`${this.ann(r)}: dma_alloc_noncontiguous(${ev.dev}, ${ev.size}) failed (dma_alloc_sgt_err): nothing to replay`);
          return;
        }
        const call = ev.api === 'coherent' ? `dma_alloc_coherent(${dev}, ${ev.size})` : `dma_alloc_noncoherent(${dev}, ${ev.size}, ${dirConstant(ev.dir)})`;
        if (ev.virt === null) {
          this.stmt(`buf${line}, h${line} = ${call} => NULL`, this.ann(r, ['the kernel could not allocate it']));
          return;
        }
        book.addAlloc({ cpu: `buf${line}`, handle: `h${line}`, api: ev.api, dma: ev.dma, size: ev.size, virt: ev.virt, dir: ev.dir, line });
        this.stmt(`buf${line}, h${line} = ${call}`, this.ann(r, [`kernel: ${hex(ev.dma)} (the explorer allocates its own)`]));
        return;
      }
      case 'free': {
        if (ev.virt === null && ev.dma === 0) {
          this.comment(`${this.ann(r)}: ${ev.api === 'coherent' ? 'dma_free_coherent' : 'dma_free_noncoherent'} of NULL: nothing to free`);
          return;
        }
        const taken = book.takeAlloc(ev.dma, ev.virt);
        const dead = book.deadAllocs.get(ev.dma)!;
        const cpu = taken ? taken.byCpu.cpu : dead.cpu;
        const handle = taken ? taken.byDma.handle : dead.handle;
        if (ev.api === 'coherent') this.stmt(`dma_free_coherent(${dev}, ${ev.size}, ${cpu}, ${handle})`, this.ann(r));
        else this.stmt(`dma_free_noncoherent(${dev}, ${ev.size}, ${cpu}, ${handle}, ${dirConstant(ev.dir)})`, this.ann(r));
        return;
      }
      case 'alloc_sgt': {
        const name = `sg${line}`;
        const lengths = guessLengths(ev.phys, ev.size);
        this.stmt(`${name} = sg_table(${ev.phys.map((ph, i) => `${this.ptr(ph)!.text}, ${lengths[i]}`).join(', ')})`, this.ann(r, ['dma_alloc_noncontiguous: the traced pages']));
        this.stmt(`dma_map_sg(${dev}, ${name}, ${dirConstant(ev.dir)})`, this.ann(r, ['…mapped as dma_map_sg, which is what dma-debug records for it']));
        const sg = { name, phys: ev.phys, dma0: ev.dma, entries: ev.phys.length, line };
        book.sgtLive.set(ev.dma, sg);
        book.addSg(sg);
        return;
      }
      case 'free_sgt': {
        const s = book.sgtLive.get(ev.dma);
        if (!s) {
          this.comment(`${this.ann(r)}: dma_free_noncontiguous of ${hex(ev.dma)}, which this trace never allocated: not replayed`);
          return;
        }
        book.sgtLive.delete(ev.dma);
        book.dropSg(s);
        this.stmt(`dma_unmap_sg(${dev}, ${s.name}, ${dirConstant(ev.dir)})`, this.ann(r, ['dma_free_noncontiguous']));
        return;
      }
    }
  }

  private mapSg(r: ReadLine, dev: string, book: DeviceBook): void {
    const ev = r.ev as Extract<DmaEvent, { kind: 'map_sg' }>;
    const { lengths, inferred } = sgEntryLengths(ev.phys, ev.sizes, ev.ents, ev.nents);
    const name = `sg${r.line}`;
    const notes: string[] = [];
    if (inferred) notes.push('entry lengths inferred from the segments');
    if (ev.truncated) notes.push(`the kernel traced only the first ${ev.phys.length} of ${ev.nents} entries`);
    this.stmt(`${name} = sg_table(${ev.phys.map((ph, i) => `${this.ptr(ph)!.text}, ${lengths[i]}`).join(', ')})`, annotation(r.line, r.time, r.task, notes));
    const { arg } = attrsArg(ev.attrs);
    const path = this.plan.setups.get(ev.dev)!.path;
    const check = ev.truncated ? '' : ` => ${ev.ents}`;
    const kernelNotes = path === 'iommu' || path === 'force' || ev.dma.some((d, i) => d !== ev.phys[i]) ? [`kernel: ${ev.dma.slice(0, 4).map(hex).join(', ')}${ev.dma.length > 4 ? ', …' : ''}`] : [];
    this.stmt(`dma_map_sg(${dev}, ${name}, ${dirConstant(ev.dir)}${arg ? `, ${arg}` : ''})${check}`, annotation(r.line, r.time, r.task, kernelNotes));
    if (!ev.truncated && ev.ents !== ev.nents) {
      // merged segments: their lengths are the kernel's answer too
      ev.sizes.forEach((s, i) => this.stmt(`sg_dma_len(${name}, ${i}) => ${s}`, annotation(r.line, r.time, r.task, [`segment ${i}`])));
    }
    book.addSg({ name, phys: ev.phys, dma0: ev.dma[0] ?? -1, entries: ev.phys.length, line: r.line });
  }

  private unmapRef(book: DeviceBook, dma: number, size: number, dir: TraceDir): string {
    const s = book.unmapExact(dma, size, dir);
    if (s) return s.handle;
    const c = book.containing(dma, size) ?? book.deadAt(dma);
    if (c) return refText(c, dma);
    const a = book.allocAt(dma);
    if (a) return refText(a, dma);
    // made before the trace began: written in the preamble and put in the book there
    return `${hex(dma)}`;
  }

  private syncRef(book: DeviceBook, dma: number, size: number): string {
    const c = book.containing(dma, size) ?? book.deadAt(dma) ?? book.allocAt(dma);
    return c ? refText(c, dma) : `${hex(dma)}`;
  }

  finish(reader: Reader): ImportPieces {
    // The body's pieces joined once with the rest: a 1,000,000-line trace's 134 MB body joined on its own first
    // would exist twice for a while (the worker's peak memory during an import).
    const body = this.out.takeChunks();
    const sunk = this.out.sink !== null && this.out.sunkText;
    this.out.sink = null;
    this.header(reader);
    const head = this.out.take();
    if (this.opts.leaks !== false) this.leaks();
    const tail = this.out.take();
    // Each part is left out when empty; the body is empty when it has no piece, or one that is ''.
    const before = [head, this.pre].filter((x) => x !== '');
    const lines = [...before, ...(body.length > 1 || body[0] ? body : []), ...(tail !== '' ? [tail] : [])];
    const devices: ImportedDevice[] = [...this.plan.devices.values()].map((f) => ({ kernelName: f.kernelName, name: f.name, path: pathName(this.plan.setups.get(f.kernelName)!), events: f.events }));
    const report: ImportReport = {
      kind: 'trace',
      format: this.plan.format,
      era: this.plan.eraLabel,
      arch: this.plan.arch,
      kernel: this.plan.kernel,
      lines: reader.lines,
      events: reader.events,
      skipped: reader.skipped,
      skippedByEvent: [...reader.skippedByEvent].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10),
      unrecognised: reader.unrecognised,
      lost: reader.lost,
      devices,
      steps: this.steps,
      messages: [...this.messages.list].sort((a, b) => a.line - b.line),
      moreMessages: this.messages.more,
    };
    return { pieces: [...lines, ''], ...(sunk ? { bodyAt: before.length } : {}), report, summary: summarize(report) };
  }

  private leaks(): void {
    let first = true;
    for (const [kernelName, book] of this.books) {
      const n = book.liveCount();
      if (!n) continue;
      if (first) this.out.push('', '# The end of the trace');
      first = false;
      this.stmt(`device_release_driver(${this.dev(kernelName)})`, `${n} mapping${n > 1 ? 's' : ''} or allocation${n > 1 ? 's' : ''} of ${kernelName} still live when the trace ends: dma-debug reports them if the driver unbinds (the trace does not show whether it did)`);
    }
  }
}

/** `h57`, `h57 + 0x40`, or `h57 - 0x10`. */
function refText(s: { handle: string; dma: number }, dma: number): string {
  const off = dma - s.dma;
  return off === 0 ? s.handle : off > 0 ? `${s.handle} + ${hex(off)}` : `${s.handle} - ${hex(-off)}`;
}

/** An offset argument: 0 or 0x…. */
function offText(off: number): string {
  return off ? hex(off) : '0';
}

function orderOf(bytes: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < bytes) order++;
  return order;
}
