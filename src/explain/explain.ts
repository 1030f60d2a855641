/**
 * Explains a pasted kernel log ("explain a splat"): every line that is a
 * message of the kernel-message catalogue (src/sim/kernel-log/catalogue.ts,
 * the one the engine prints from) in any version's wording becomes a finding
 * — who printed it and why, the fields it carries, the versions that word it
 * so — grouped with its WARN block (the cut-here line, the WARNING line that
 * names the file and function, the call trace and dma-debug's "Mapped at:"
 * stack). A WARN_ON with no text is recognised by where it fired when the
 * catalogue records that site. Everything else is listed as unknown, never
 * guessed at: a line that contains a catalogue message's words without
 * matching its wording is said to resemble it (cut short or garbled), no more.
 *
 * Streaming over the text (a 50 MB paste is never split into an array), with
 * progress, a bounded list of unknown lines and of input problems. Pure.
 */
import { CATALOGUE, catalogueEntry, levelFor, printerFor, mayMatch, matchLine, resembles, type CatalogueEntry, type Era, type LineMatch, type MessageId } from '../sim/kernel-log/catalogue.ts';
import { DIRECT_GATES, kernelEras, kernelFile, type KernelFn } from '../sim/kernel-versions.ts';
import { KERNEL_RANGE, kernelCode } from '../sim/config.ts';
import { readLine, MAX_LINE, type DmesgLine } from './dmesg-line.ts';
import { CUT_HERE, END_TRACE, MAPPED_AT, callerFrame, frameOf, isContext, kernelVersionIn, pcFunction, warnSite, type Frame, type WarnSite } from './warn-block.ts';

/** A catalogue entry as a finding names it. */
export interface ExplainedEntry {
  id: string;
  source: CatalogueEntry['source'];
  level: CatalogueEntry['level'];
  fn: string;
  file: string;
  why: string;
  rule: string;
}

export interface Field {
  name: string;
  label: string;
  value: string;
}

export interface WarnInfo {
  /** The block's first and last lines (cut here … end trace). */
  line: number;
  endLine: number;
  /** Where it fired, from the WARNING / kernel BUG line (file and line as the user's kernel has them). */
  site: WarnSite | null;
  /** The WARNING line names the catalogue's function: true; another: false; no WARNING line: null. */
  confirms: boolean | null;
  /** The first call trace frame outside the DMA API: the driver's call. */
  caller: Frame | null;
  frames: Frame[];
  /** dma-debug's "Mapped at:" stack: where the mapping was made. */
  mappedAt: Frame[];
  mappedBy: Frame | null;
}

export interface Finding {
  kind: 'finding';
  /** One entry for a recognised line; several only for a bare WARN whose site several checks share (then it is one of them). */
  entries: ExplainedEntry[];
  line: number;
  endLine: number;
  time: string | null;
  /** The kernel's text as printed (lines of a multi-line message joined with \n), or the WARNING line of a bare WARN. */
  text: string;
  /** The versions that print this text in this form. */
  era: Era;
  fields: Field[];
  /** A multi-line message whose first line only was found (the rest cut off). */
  partial: boolean;
  /** Recognised by the WARN's file and function, not by text (the check prints none). */
  bySite: boolean;
  warn: WarnInfo | null;
  /** The kernel version the log names for this message (its WARN block's CPU line, else the log's). */
  kernel: string | null;
  notes: string[];
}

export interface Unknown {
  kind: 'unknown';
  line: number;
  endLine: number;
  text: string;
  /** Catalogue entries whose words the line contains without matching a wording. */
  resembles: string[];
  note: string | null;
}

export interface Problem {
  line: number;
  text: string;
}

export interface Explanation {
  lines: number;
  /** The kernel version the log names (the last "Linux version" or WARN CPU line), with its line. */
  kernel: { version: string; line: number } | null;
  /** Findings and listed unknowns, in log order. */
  items: Array<Finding | Unknown>;
  findings: number;
  /**
   * Findings past the ones listed (ExplainOptions.maxFindings), counted by
   * catalogue entry, most first, with the line of the first: a log flooded
   * with one message (a million lines of it) is not a million cards.
   */
  moreFindings: Array<{ ids: string; count: number; line: number }>;
  /** Lines not recognised (listed or not), and how many of them are not listed. */
  unknownLines: number;
  moreUnknown: number;
  problems: Problem[];
  moreProblems: number;
}

export interface ExplainOptions {
  /** Called every few thousand lines: characters read, characters in all. */
  onProgress?: (done: number, total: number) => void;
  /** Unknown lines listed (the rest are counted): default 500. */
  maxUnknown?: number;
  /** Findings listed (the rest are counted by entry: Explanation.moreFindings): default MAX_FINDINGS. */
  maxFindings?: number;
}

/** Findings counted but not listed (Explanation.moreFindings). */
export function moreCount(e: Explanation): number {
  return e.moreFindings.reduce((n, m) => n + m.count, 0);
}

/** Findings an explanation lists by default: each is a card on the page, with its fields, frames and notes. */
export const MAX_FINDINGS = 100;

const MAX_PROBLEMS = 100;
const MAX_BLOCK = 400;
const PROGRESS_EVERY = 8192;

/** An entry as a finding shows it: its level is the one the newest version of `era` prints it at (a wording only older kernels print can come at an older level: the CMA failure's pr_info, swiotlb's panic). */
function entryOf(e: CatalogueEntry, era: Era | null): ExplainedEntry {
  const last = era?.until ? kernelCode(era.until) - 1 : kernelCode(KERNEL_RANGE.newest);
  return { id: e.id, source: e.source, level: levelFor(e, last), fn: e.fn, file: e.file, why: e.why, rule: e.rule };
}

// ---------------------------------------------------------------------------
// Fields

const LABELS: Record<string, string> = {
  driver: 'driver',
  device: 'device',
  addr: 'address',
  size: 'size',
  mapSize: 'map size',
  unmapSize: 'unmap size',
  mapped: 'mapped',
  unmapped: 'unmapped',
  synced: 'synced with',
  dir: 'direction',
  type: 'mapped as',
  count: 'count',
  mapCount: 'map count',
  unmapCount: 'unmap count',
  syncCount: 'sync count',
  alloc: 'allocated',
  free: 'freed',
  end: 'offset+size',
  len: 'length',
  max: 'maximum',
  start: 'start',
  boundary: 'boundary',
  where: 'where',
  line: 'cacheline',
  offset: 'offset',
  mask: 'DMA mask',
  bus: 'bus limit',
  bits: 'address bits',
  iova: 'IOVA',
  pa: 'physical address',
  min: 'minimum page size',
  fsr: 'FSR',
  fsynr: 'FSYNR0',
  sid: 'stream ID',
  cb: 'context bank',
  flags: 'decoded',
  as: 'address space',
  va: 'GPU VA',
  reason: 'reason',
  status: 'fault status',
  area: 'CMA area',
  ret: 'returned',
  range: 'range',
  runs: 'free runs',
  total: 'total',
  used: 'used',
  fn: 'function',
  expr: 'lock of',
  what: 'direction',
  access: 'access',
  pciBus: 'PCI bus',
  pciSlot: 'PCI slot',
  pciFn: 'PCI function',
  pasid: 'PASID',
  reasonText: 'reason text',
};

/** The `{name:type}` placeholders of a wording. */
function placeholderTypes(template: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of template.matchAll(/\{(\w+)(?::(\w+))?\}/g)) out.set(m[1]!, m[2] ?? 'word');
  return out;
}

function fieldsOf(m: LineMatch): Field[] {
  const types = placeholderTypes(m.wording.template);
  return Object.entries(m.args).map(([name, value]) => ({
    name,
    label: name === 'mapped' && types.get(name) === 'word' ? 'mapped as' : name === 'unmapped' && types.get(name) === 'word' ? 'unmapped as' : (LABELS[name] ?? name),
    value: types.get(name) === 'hex' && m.wording.template.includes(`0x{${name}`) ? `0x${value}` : value,
  }));
}

// ---------------------------------------------------------------------------
// Versions

/** The versions of an era as a phrase that follows a verb: "in 5.0 and later", "before 4.6". */
export function eraText(era: Era): string {
  if (era.from && era.until) return `in ${era.from} up to ${era.until} (not ${era.until})`;
  if (era.from) return `in ${era.from} and later`;
  if (era.until) return `before ${era.until}`;
  return `in every modelled version (${KERNEL_RANGE.oldest}–${KERNEL_RANGE.newest})`;
}

/**
 * The function that prints an entry in the log's kernel and its file, as the
 * engine names them (printerFor: renamed functions, kernel/dma/* in lib/
 * before 4.18). Without a version, the newest of the versions that word it
 * so, and the oldest's as well when it differs.
 */
function printerIn(id: string, kernel: string | null, era: Era): KernelFn {
  const e = catalogueEntry(id as MessageId);
  const code = kernel ? kernelCode(kernel) : NaN;
  if (!Number.isNaN(code)) return printerFor(e, code);
  const from = era.from ?? KERNEL_RANGE.oldest;
  const first = printerFor(e, kernelCode(from));
  const last = printerFor(e, era.until ? kernelCode(era.until) - 1 : kernelCode(KERNEL_RANGE.newest));
  if (first.fn === last.fn && first.file === last.file) return last;
  if (first.fn === last.fn && first.file === kernelFile(kernelCode(from), last.file)) {
    // the version the file got its present path: kernel/dma in 4.18, arm-smmu's subdirectory in 5.9, VT-d's in 5.8
    const moved = kernelEras().find((x) => x.code > kernelCode(from) && kernelFile(x.code, last.file) === last.file);
    return { fn: last.fn, file: `${last.file} (${first.file} before ${moved?.version ?? DIRECT_GATES.kernelDmaDir.from})` };
  }
  return { fn: last.fn, file: `${last.file} (${first.fn}() in ${first.file} in ${from})` };
}

function inEra(era: Era, version: string): boolean {
  const c = kernelCode(version);
  if (Number.isNaN(c)) return true;
  if (era.from && c < kernelCode(era.from)) return false;
  if (era.until && c >= kernelCode(era.until)) return false;
  return true;
}

/** The widest era of a set of entries (a bare WARN: any wording of any of them). */
function unionEra(entries: readonly CatalogueEntry[]): Era {
  let from: string | null | undefined;
  let until: string | null | undefined;
  for (const e of entries) {
    const f = e.wordings[0]!.from?.from ?? null;
    const last = e.wordings[e.wordings.length - 1]!;
    const u = last.until?.from ?? null;
    from = from === undefined ? f : from === null || f === null ? null : kernelCode(f) < kernelCode(from) ? f : from;
    until = until === undefined ? u : until === null || u === null ? null : kernelCode(u) > kernelCode(until) ? u : until;
  }
  return { from: from ?? null, until: until ?? null };
}

// ---------------------------------------------------------------------------
// The explainer

interface Block {
  start: number;
  end: number;
  lines: number;
  messages: Finding[];
  site: WarnSite | null;
  siteText: string | null;
  siteLine: number;
  pc: string | null;
  kernel: string | null;
  frames: Frame[];
  time: string | null;
}

interface Pending {
  finding: Finding;
  entry: CatalogueEntry;
  want: number;
  held: DmesgLine[];
}

const SITE_ENTRIES = (CATALOGUE as readonly CatalogueEntry[]).filter((e) => e.site);

/** The catalogue entries whose bare WARN/BUG fires at this file and function. */
function entriesAtSite(site: WarnSite, pc: string | null): CatalogueEntry[] {
  const fn = site.fn || pc || '';
  return SITE_ENTRIES.filter((e) => e.site!.fns.includes(fn) && (site.file === null || e.site!.files.some((f) => site.file!.endsWith(f))));
}

const DMA_FILES = /(?:^|\/)(?:kernel\/dma\/|lib\/dma-debug\.c|lib\/swiotlb\.c|drivers\/iommu\/|drivers\/dma-buf\/|mm\/cma\.c|include\/linux\/dma-)/;

class Explainer {
  items: Array<Finding | Unknown> = [];
  findings = 0;
  unknownLines = 0;
  listedUnknown = 0;
  problems: Problem[] = [];
  moreProblems = 0;
  kernel: { version: string; line: number } | null = null;
  private block: Block | null = null;
  /** The finding whose "Mapped at:" frames are being read. */
  private mapped: Finding | null = null;
  /** The last finding of a closed WARN block (dma-debug prints "Mapped at:" after the block). */
  private lastWarned: Finding | null = null;
  private pending: Pending | null = null;

  /** Findings past maxFindings, by their entries' ids: how many, and the first one's line. */
  private readonly more = new Map<string, { count: number; line: number }>();

  constructor(
    private readonly maxUnknown: number,
    private readonly maxFindings: number,
  ) {}

  problem(line: number, text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, text });
    else this.moreProblems++;
  }

  feed(l: DmesgLine): void {
    if (this.pending) {
      this.continuePending(l);
      return;
    }
    this.classify(l);
  }

  private classify(l: DmesgLine): void {
    const text = l.text;
    if (text.trim() === '') return;
    if (this.mapped) {
      const f = frameOf(text);
      if (f && this.mapped.warn) {
        this.mapped.warn.mappedAt.push(f);
        this.mapped.endLine = Math.max(this.mapped.endLine, l.no);
        return;
      }
      this.mapped = null;
    }
    if (CUT_HERE.test(text)) {
      this.closeBlock();
      this.block = this.openBlock(l);
      return;
    }
    if (this.block && END_TRACE.test(text)) {
      this.block.end = l.no;
      this.closeBlock();
      return;
    }
    const version = kernelVersionIn(text);
    if (version) this.kernel = { version, line: l.no };
    if (mayMatch(text)) {
      const ms = matchLine(text);
      if (ms.length > 0) {
        this.recognised(l, ms);
        return;
      }
    }
    if (MAPPED_AT.test(text)) {
      // dump_entry_trace() runs after the WARN: its block is over
      if (this.block?.messages.length) this.closeBlock();
      const to = this.lastWarned;
      if (to?.warn && l.no - to.endLine <= 5) {
        this.mapped = to;
        to.endLine = l.no;
        return;
      }
    }
    if (!this.block) {
      const site = warnSite(text);
      // a WARNING line whose cut-here line was not pasted still opens a block
      if (site) this.block = this.openBlock(l);
    }
    if (this.block) {
      const b = this.block;
      b.end = l.no;
      b.lines++;
      if (version) b.kernel = version;
      const site = warnSite(text);
      if (site && !b.site) {
        b.site = site;
        b.siteText = text;
        b.siteLine = l.no;
        return;
      }
      const pc = pcFunction(text);
      if (pc && !b.pc) b.pc = pc;
      const f = frameOf(text);
      if (f) {
        b.frames.push(f);
        return;
      }
      if (pc || version || isContext(text)) return;
      if (b.lines > MAX_BLOCK) this.closeBlock();
    }
    this.unknown(l);
  }

  private openBlock(l: DmesgLine): Block {
    return { start: l.no, end: l.no, lines: 0, messages: [], site: null, siteText: null, siteLine: 0, pc: null, kernel: null, frames: [], time: l.time };
  }

  private recognised(l: DmesgLine, ms: LineMatch[]): void {
    const m = ms[0]!;
    const entries = [...new Set(ms.map((x) => x.entry))];
    const f: Finding = {
      kind: 'finding',
      entries: entries.map((e) => entryOf(e, m.era)),
      line: l.no,
      endLine: l.no,
      time: l.time,
      text: l.text,
      era: m.era,
      fields: fieldsOf(m),
      partial: m.partial,
      bySite: false,
      warn: null,
      kernel: null,
      notes: [],
    };
    if (l.controls > 0) f.notes.push(`${l.controls} control character(s) in this line were replaced`);
    this.add(f);
    if (this.block) this.block.messages.push(f);
    if (m.partial) this.pending = { finding: f, entry: m.entry, want: m.wording.template.split('\n').length - 1, held: [] };
  }

  private continuePending(l: DmesgLine): void {
    const p = this.pending!;
    p.held.push(l);
    if (p.held.length < p.want) return;
    this.pending = null;
    const joined = [p.finding.text, ...p.held.map((h) => h.text.trim())].join('\n');
    const full = matchLine(joined).find((x) => x.entry === p.entry && !x.partial);
    if (full) {
      p.finding.text = joined;
      p.finding.partial = false;
      p.finding.fields = fieldsOf(full);
      p.finding.era = full.era;
      p.finding.endLine = l.no;
      if (this.block) this.block.end = l.no;
      return;
    }
    // not its continuation: the message was cut short, and these lines are read on their own
    for (const h of p.held) this.classify(h);
  }

  flushPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    for (const h of p.held) this.classify(h);
  }

  private warnInfo(b: Block): WarnInfo {
    return { line: b.start, endLine: b.end, site: b.site ?? (b.pc ? { file: null, line: null, fn: b.pc } : null), confirms: null, caller: callerFrame(b.frames), frames: b.frames, mappedAt: [], mappedBy: null };
  }

  closeBlock(): void {
    const b = this.block;
    if (!b) return;
    this.block = null;
    this.flushPending();
    if (b.site && !b.site.fn && b.pc) b.site = { ...b.site, fn: b.pc };
    if (b.messages.length > 0) {
      const f = b.messages[0]!;
      f.warn = this.warnInfo(b);
      const fn = b.site?.fn;
      // the function as the block's kernel names it (a 6.6 splat fires in dma_direct_map_page, not dma_direct_map_phys)
      const named = (e: ExplainedEntry) => e.fn === fn || (b.kernel !== null && printerFor(catalogueEntry(e.id as MessageId), kernelCode(b.kernel)).fn === fn);
      f.warn.confirms = fn ? f.entries.some((e) => named(e) || SITE_ENTRIES.find((c) => c.id === e.id)?.site?.fns.includes(fn)) : null;
      f.endLine = Math.max(f.endLine, b.end);
      if (b.kernel) f.kernel = b.kernel;
      this.lastWarned = f;
      return;
    }
    const entries = b.site ? entriesAtSite(b.site, b.pc) : [];
    if (entries.length > 0) {
      const f: Finding = {
        kind: 'finding',
        entries: entries.map((e) => entryOf(e, null)),
        line: b.siteLine || b.start,
        endLine: b.end,
        time: b.time,
        text: b.siteText ?? '',
        era: unionEra(entries),
        fields: b.site ? [{ name: 'site', label: 'fired at', value: `${b.site.file ?? '?'}${b.site.line ? `:${b.site.line}` : ''} ${b.site.fn}()` }] : [],
        partial: false,
        bySite: true,
        warn: { ...this.warnInfo(b), confirms: true },
        kernel: b.kernel,
        notes: [entries.length > 1 ? `A WARN with no text at ${b.site!.fn}(): one of ${entries.length} checks in that function fired; the line number in your kernel's ${b.site!.file ?? 'source'} tells which.` : 'Recognised by where the WARN fired (the check prints no text of its own).'],
      };
      this.add(f);
      this.lastWarned = f;
      return;
    }
    const where = b.site ? `${b.site.file ?? ''}${b.site.line ? `:${b.site.line}` : ''} ${b.site.fn}()`.trim() : null;
    const dma = b.site?.file ? DMA_FILES.test(b.site.file) : false;
    this.unknownItem({
      kind: 'unknown',
      line: b.start,
      endLine: b.end,
      text: b.siteText ?? '------------[ cut here ]------------',
      resembles: [],
      note: where
        ? dma
          ? `a WARN in a DMA file (${where}) that the catalogue does not know`
          : `a WARN block at ${where}, not a message the catalogue knows`
        : 'a WARN/BUG block with no message the catalogue knows',
    }, b.end - b.start + 1);
  }

  private add(f: Finding): void {
    this.findings++;
    if (this.findings <= this.maxFindings) {
      this.items.push(f);
      return;
    }
    const ids = f.entries.map((e) => e.id).join(' or ');
    const m = this.more.get(ids);
    if (m) m.count++;
    else this.more.set(ids, { count: 1, line: f.line });
  }

  private unknown(l: DmesgLine): void {
    const like = l.text.length >= 12 ? resembles(l.text).map((e) => e.id) : [];
    const notes: string[] = [];
    if (like.length > 0) notes.push(`contains the words of ${like.join(', ')} but not its wording: cut short or garbled?`);
    if (l.controls > 0) notes.push(`${l.controls} control character(s) replaced`);
    if (l.cut) notes.push(`longer than ${MAX_LINE} characters: cut`);
    this.unknownItem({ kind: 'unknown', line: l.no, endLine: l.no, text: l.text, resembles: like, note: notes.length ? notes.join('; ') : null }, 1);
  }

  private unknownItem(u: Unknown, lines: number): void {
    this.unknownLines += lines;
    if (this.listedUnknown < this.maxUnknown || u.resembles.length > 0) {
      this.items.push(u);
      this.listedUnknown++;
    }
  }

  finish(total: number): Explanation {
    this.flushPending();
    this.closeBlock();
    this.items.sort((a, b) => a.line - b.line);
    for (const it of this.items) {
      if (it.kind !== 'finding') continue;
      it.kernel ??= this.kernel?.version ?? null;
      for (const e of it.entries) Object.assign(e, printerIn(e.id, it.kernel, it.era));
      if (it.warn) it.warn.mappedBy = callerFrame(it.warn.mappedAt);
      if (it.kernel && !inEra(it.era, it.kernel)) {
        it.notes.push(`The log names kernel ${it.kernel}, but the catalogue has this wording ${eraText(it.era)}: a backport, a vendor kernel, or a line from another machine.`);
      }
      if (it.partial) it.notes.push('Only the first line of this multi-line message is here: the rest was cut off.');
    }
    const listed = this.items.filter((i) => i.kind === 'unknown').reduce((n, u) => n + (u.endLine - u.line + 1), 0);
    return {
      lines: total,
      kernel: this.kernel,
      items: this.items,
      findings: this.findings,
      moreFindings: [...this.more].map(([ids, m]) => ({ ids, ...m })).sort((a, b) => b.count - a.count || a.line - b.line),
      unknownLines: this.unknownLines,
      moreUnknown: Math.max(0, this.unknownLines - listed),
      problems: this.problems,
      moreProblems: this.moreProblems,
    };
  }
}

/** Explain every line of a pasted kernel log. */
export function explainLog(text: string, opts: ExplainOptions = {}): Explanation {
  const ex = new Explainer(opts.maxUnknown ?? 500, opts.maxFindings ?? MAX_FINDINGS);
  const len = text.length;
  let pos = 0;
  let no = 0;
  let controls = 0;
  let firstControl = 0;
  let cut = 0;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const stop = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const l = readLine(text.slice(pos, stop), ++no);
    if (l.controls > 0) {
      if (controls === 0) firstControl = l.no;
      controls += l.controls;
    }
    if (l.cut) {
      cut++;
      if (cut <= 5) ex.problem(l.no, `line ${l.no} is ${stop - pos} characters long (no kernel message is longer than 1024): only its first ${MAX_LINE} were read`);
    }
    ex.feed(l);
    pos = end + 1;
    if (opts.onProgress && no % PROGRESS_EVERY === 0) opts.onProgress(pos, len);
  }
  if (controls > 0) ex.problem(firstControl, `${controls} control character(s) (not a tab or newline; terminal colour codes aside) were replaced by \uFFFD, the first on line ${firstControl}`);
  if (cut > 5) ex.problem(0, `${cut} lines longer than ${MAX_LINE} characters in all`);
  if (len === 0 || text.trim() === '') ex.problem(0, 'the text is empty: paste the output of dmesg (or journalctl -k)');
  opts.onProgress?.(len, len);
  return ex.finish(no);
}
