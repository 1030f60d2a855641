/**
 * Human-readable text output of a run (the CLI's default output).
 *
 * One block per step: `L7  h = dma_map_single(…)`, then indented lines for the
 * result (`→ 0xfffff000`, `→ error DMA_MAPPING_ERROR`, `→ "hello"`), kernel log
 * lines (`warning:`), what the explorer observed (`observed:`), a one-line
 * summary of each event (`describeEvent`), and check verdicts (`✓ => 0`,
 * `✗ => "hello" (got "hellp")`). Ends with `checks: N passed, M failed`.
 * Colour is an option; the caller decides (TTY and NO_COLOR).
 */
import { findingSource, type SimEvent } from '../sim/events.ts';
import type { ParseErrorJson, RunResult, StepJson } from './result.ts';
import { failedCheckText } from './verdict.ts';
import type { StepNarration } from './teaching.ts';

export interface FormatOptions {
  /** ANSI colours. */
  color?: boolean;
  /** Print each step's events (default true). */
  events?: boolean;
  /** The scenario replays a kernel trace: failed checks read as the kernel's answer against the model's. */
  imported?: boolean;
}

type Paint = (code: string, s: string) => string;

/** out.push(...lines) spreads its argument on the stack: a step of many events would overflow it. */
function append(out: string[], lines: readonly string[]): void {
  for (const l of lines) out.push(l);
}

const painter = (color: boolean): Paint => (color ? (code, s) => `\x1b[${code}m${s}\x1b[0m` : (_code, s) => s);

const GREEN = '32';
const RED = '31';
const YELLOW = '33';
const CYAN = '36';
const DIM = '2';
const BOLD = '1';

/** The whole run as text, ending with a newline. */
export function formatRun(r: RunResult, opts: FormatOptions = {}): string {
  const text = runText(r, opts);
  const out = text.head();
  for (const s of r.steps) append(out, text.step(s));
  out.push(formatSummary(r, opts));
  return `${out.join('\n')}\n`;
}

/**
 * formatRun in pieces, for a caller that prints each step as it runs (the
 * CLI, which keeps no records): the lines before the first step, then each
 * step's lines; formatSummary closes it. Joined with newlines (and one at
 * the end) they are formatRun's text.
 */
export function runText(r: Pick<RunResult, 'config' | 'teaching'>, opts: FormatOptions = {}): { head(): string[]; step(s: StepJson): string[] } {
  const paint = painter(opts.color ?? false);
  const narration = new Map((r.teaching?.narration ?? []).map((n) => [n.step, n]));
  const stepOpts = { ...opts, imported: r.config?.imported ?? false };
  return {
    head() {
      const out: string[] = [];
      const lesson = r.teaching?.lesson;
      if (lesson) {
        const where = [lesson.track, `level ${lesson.level}`, lesson.thread ? `thread ${lesson.thread}` : null].filter(Boolean).join(', ');
        out.push(paint(BOLD, `lesson: ${lesson.title}`) + paint(DIM, ` (${where})`));
        if (lesson.summary) out.push(lesson.summary);
      }
      if (r.config) {
        const c = r.config;
        out.push(paint(DIM, `machine: ${c.arch}, kernel ${c.kernel}, ${c.devices.length} device${c.devices.length === 1 ? '' : 's'}`));
      }
      append(out, formatNarration(narration.get(0), paint));
      return out;
    },
    step(s) {
      const out = formatNarration(narration.get(s.index), paint);
      append(out, formatStep(s, stepOpts));
      return out;
    },
  };
}

/** The final line: `checks: N passed, M failed`. */
export function formatSummary(r: RunResult, opts: FormatOptions = {}): string {
  const paint = painter(opts.color ?? false);
  const { passed, failed } = r.checks;
  const line = `checks: ${passed} passed, ${failed} failed`;
  return failed > 0 ? paint(RED + ';' + BOLD, line) : paint(GREEN, line);
}

/** A step's narration, one paragraph per line (markup kept: `code` and *emphasis* read well as they are). */
function formatNarration(n: StepNarration | undefined, paint: Paint): string[] {
  if (!n) return [];
  const focus = n.focus ? [paint(DIM, `» look at: the ${n.focus.view} view${n.focus.buffer ? `, ${n.focus.buffer}` : ''}`)] : [];
  return [...n.paragraphs.map((p) => paint(CYAN, `» ${p}`)), ...focus];
}

/** One step's block of lines. */
export function formatStep(s: StepJson, opts: FormatOptions = {}): string[] {
  const paint = painter(opts.color ?? false);
  const lines = [`${paint(BOLD, `L${s.line}`)}  ${s.source}`];
  const ind = '    ';
  if (s.error !== null) lines.push(`${ind}→ ${paint(RED, `error ${s.error}`)}`);
  else if (s.result !== null) lines.push(`${ind}→ ${typeof s.result === 'number' ? String(s.result) : s.result}`);
  if (s.data !== null) lines.push(`${ind}→ ${formatData(s.data)}`);
  for (const w of s.warnings) lines.push(`${ind}${paint(YELLOW, `warning: ${w}`)}`);
  for (const o of s.observations) lines.push(`${ind}${paint(CYAN, `observed: ${o}`)}`);
  if (opts.events ?? true) for (const e of s.events) lines.push(`${ind}${paint(DIM, `· ${describeEvent(e)}`)}`);
  for (const c of s.checks) {
    const among = c.choices ? paint(DIM, `  (predict: ${c.choices.join(' | ')})`) : '';
    lines.push((c.passed ? `${ind}${paint(GREEN, `✓ ${c.expected}`)}` : `${ind}${paint(RED, `✗ ${failedCheckText(c, opts.imported ?? false)}`)}`) + among);
  }
  return lines;
}

const MAX_DATA_SHOWN = 64;

function formatData(d: { hex: string; text: string | null }): string {
  const n = d.hex.length / 2;
  const more = n > MAX_DATA_SHOWN ? ` … (${n} bytes)` : '';
  if (d.text !== null) return `${JSON.stringify(d.text.slice(0, MAX_DATA_SHOWN))}${more}`;
  const hex = d.hex.slice(0, 2 * MAX_DATA_SHOWN).match(/../g) ?? [];
  return `x"${hex.join(' ')}"${more}`;
}

/** Parse errors as `FILE:LINE:COL: message` lines. */
export function formatErrors(file: string, errors: readonly ParseErrorJson[]): string[] {
  return errors.map((e) => `${file}:${e.line}:${e.col}: ${e.message}`);
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const bytes = (n: number): string => (n % 1024 === 0 && n >= 1024 ? (n % (1024 * 1024) === 0 ? `${n / 1024 / 1024}M` : `${n / 1024}K`) : `${n} B`);
const range = (start: number, size: number): string => `${hex(start)}..${hex(start + size)}`;

/** One line summing up an event. */
export function describeEvent(e: SimEvent): string {
  switch (e.kind) {
    case 'alloc':
      return `${e.allocator}: '${e.name}' ${bytes(e.size)} at ${e.phys >= 0 ? `phys ${hex(e.phys)}` : 'scattered pages'} (va ${hex(e.va)}, zone ${e.zone})`;
    case 'free':
      return `${e.allocator}: '${e.name}' ${bytes(e.size)} at phys ${hex(e.phys)} freed`;
    case 'cpu_access':
      return `cpu ${e.op} ${bytes(e.len)} at va ${hex(e.va)} (phys ${hex(e.phys)})${e.uncached ? ', uncached' : `: ${e.hits} hit${e.hits === 1 ? '' : 's'}, ${e.misses} miss${e.misses === 1 ? '' : 'es'}`}`;
    case 'cache_fill':
      return `cache fill line ${hex(e.line)} → set ${e.set} way ${e.way}${e.why ? ` — ${e.why.rule}` : ''}`;
    case 'cache_evict':
      return `cache evict line ${hex(e.line)} from set ${e.set} way ${e.way} (${e.reason}${e.dirty ? ', dirty: written back' : ''})`;
    case 'cache_maint':
      return `cache ${MAINT[e.op]} ${range(e.start, e.size)} [${e.instr}]: ${maintSummary(e.lines)} — ${e.why.rule}`;
    case 'bounce':
      return `bounce ${bytes(e.len)} ${hex(e.from)} → ${hex(e.to)} (${e.toSlot ? 'into the swiotlb slot' : 'back from the swiotlb slot'}) — ${e.why.rule}`;
    case 'swiotlb_alloc':
      return `swiotlb: ${e.nslots} slot${e.nslots === 1 ? '' : 's'} from index ${e.index} at ${hex(e.tlbAddr)} for ${hex(e.orig)}, ${bytes(e.size)} — ${e.why.rule}`;
    case 'swiotlb_free':
      return `swiotlb: ${e.nslots} slot${e.nslots === 1 ? '' : 's'} from index ${e.index} at ${hex(e.tlbAddr)} freed`;
    case 'dma_map':
      return `${e.api} ${e.dev}: ${hex(e.addr)} → phys ${hex(e.phys)}, ${bytes(e.size)}, ${e.dir}, via ${e.path} — ${e.why.rule}`;
    case 'dma_unmap':
      return `${e.api} ${e.dev}: ${hex(e.addr)}, ${bytes(e.size)}, ${e.dir} — ${e.why.rule}`;
    case 'dma_sync':
      return `${e.api} ${e.dev}: ${hex(e.addr)}, ${bytes(e.size)}, ${e.dir}, for the ${e.forCpu ? 'CPU' : 'device'} — ${e.why.rule}`;
    case 'dev_access':
      return `${e.dev} ${e.op === 'read' ? 'reads' : 'writes'} ${bytes(e.len)} at ${hex(e.addr)} → phys ${hex(e.phys)} via ${e.via}${e.snooped ? ' (snooped)' : ''}`;
    case 'finding':
      return `${findingSource(e)} [${e.rule}]: ${e.message}`;
    case 'log':
      return `log ${e.level}: ${e.text}`;
    case 'note':
      return `note: ${e.text}`;
    case 'iommu_map':
      return `iommu map ${e.domain}: iova ${hex(e.iova)} → phys ${hex(e.phys)}, ${bytes(e.size)}, ${e.prot}`;
    case 'iommu_unmap':
      return `iommu unmap ${e.domain}: iova ${hex(e.iova)}, ${bytes(e.size)}${e.queued ? ' (IOTLB invalidation queued)' : ''}`;
    case 'iova_alloc':
      return `iova alloc ${e.domain}: ${range(e.iova, e.size)}`;
    case 'iova_free':
      return `iova free ${e.domain}: ${range(e.iova, e.size)}${e.deferred ? ' (deferred to the flush queue)' : ''}`;
    case 'pt_walk':
      return `page-table walk ${e.domain}: iova ${hex(e.iova)} → ${e.phys === null ? 'no mapping' : `phys ${hex(e.phys)}`} (${e.levels.length} level${e.levels.length === 1 ? '' : 's'})`;
    case 'iotlb':
      return `IOTLB ${e.op} ${e.domain}: iova ${hex(e.iova)}${e.phys !== undefined ? ` → phys ${hex(e.phys)}` : ''}${e.stale ? ' (stale)' : ''}`;
    case 'iommu_fault':
      return `IOMMU fault ${e.domain}: ${e.dev} ${e.write ? 'write' : 'read'} at iova ${hex(e.iova)} (${e.stage}) — ${e.why.rule}`;
    case 'fq':
      return `flush queue ${e.domain}: ${e.op} (${e.entries} entr${e.entries === 1 ? 'y' : 'ies'})`;
    case 'gpu_vm':
      return `gpu vm ${e.vm}: ${e.op} va ${hex(e.va)}, ${bytes(e.size)}${e.dmaAddr !== undefined ? ` → ${hex(e.dmaAddr)}` : ''}`;
    case 'cma':
      return `cma ${e.op}: pfn ${hex(e.pfn)}, ${e.count} page${e.count === 1 ? '' : 's'}${e.to !== undefined ? ` → pfn ${hex(e.to)}` : ''} — ${e.why.rule}`;
    case 'dmabuf':
      return `dma-buf ${e.buf}: ${e.op}${e.attachment ? ` (${e.attachment})` : ''}${e.dir ? ` ${e.dir}` : ''} — ${e.why.rule}`;
    default:
      return unknownEvent(e);
  }
}

function unknownEvent(e: never): string {
  return `event ${(e as { kind?: string }).kind ?? '?'}`;
}

const MAINT: Record<string, string> = { clean: 'clean', inval: 'invalidate', clean_inval: 'clean+invalidate' };

function maintSummary(lines: readonly { wroteBack: boolean; lostHex?: string }[]): string {
  const wrote = lines.filter((l) => l.wroteBack).length;
  const lost = lines.filter((l) => l.lostHex !== undefined).length;
  const parts = [`${lines.length} line${lines.length === 1 ? '' : 's'} present`];
  if (wrote) parts.push(`${wrote} written back`);
  if (lost) parts.push(`${lost} dirty line${lost === 1 ? '' : 's'} discarded`);
  return parts.join(', ');
}
