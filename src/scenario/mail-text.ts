/**
 * A run as plain text for an email or a bug report ("Copy as text" in the
 * explorer, `run FILE --text-until N` in the CLI): the scenario's title, the
 * machine, the statements, then the steps up to the one on screen with their
 * result, kernel log lines, what the explorer observed, and checks. ASCII
 * markers only; prose is wrapped at 72 columns (a word longer than a line,
 * such as a link, is left whole) while statements, checks and kernel log
 * lines are quoted as written, as code and dmesg are in a patch mail, so
 * they can be pasted back or grepped for.
 */
import type { MachineConfig } from '../sim/config.ts';
import type { RunResult, StepJson } from './result.ts';
import { failedCheckText } from './verdict.ts';
import { sizeExact } from '../sim/format.ts';

export const MAIL_WIDTH = 72;

export interface MailTextOptions {
  /** The scenario text (its statements are quoted; its first comment names it). */
  text: string;
  /** Last step to report (1-based; 0: none, only the machine). Default: every step. */
  upTo?: number;
  /** A link that opens the same run at the same step (the explorer adds its share link). */
  link?: string;
}

/** The run as plain text, ending with a newline. */
export function formatMailText(r: RunResult, opts: MailTextOptions): string {
  const parts = mailTextParts(r, opts);
  const out: string[] = [];
  for (const l of parts.head(r.steps.length)) out.push(l);
  for (const s of r.steps) for (const l of parts.step(s)) out.push(l);
  for (const l of parts.end()) out.push(l);
  return `${out.join('\n')}\n`;
}

/**
 * The same text in pieces, for a caller that prints it as the steps run
 * (the CLI's `--text`: a 1,000,000-step run is never held whole): the lines
 * before the steps once the number of steps is known, each step's lines (none
 * past `upTo`), then the closing lines. Joined with newlines and ended with
 * one, they are formatMailText's text.
 */
export function mailTextParts(
  r: Pick<RunResult, 'config' | 'teaching'>,
  opts: MailTextOptions,
): { head(steps: number): Iterable<string>; step(s: StepJson): string[]; end(): string[] } {
  let upTo = 0;
  let passed = 0;
  let failed = 0;
  const imported = r.config?.imported ?? false;
  return {
    *head(steps) {
      upTo = Math.max(0, Math.min(steps, opts.upTo ?? steps));
      yield* wrap(`DMA Explorer: ${titleOf(r, opts.text)}`, '');
      if (r.config) yield* machineLines(r.config);
      yield '';
      yield 'Scenario:';
      for (const l of statementLines(opts.text)) yield `    ${l}`;
      yield '';
      yield upTo === steps ? `Steps 1-${upTo} (all):` : `Steps 1-${upTo} of ${steps}:`;
      if (upTo === 0) yield '    (none yet: the machine is built)';
    },
    step(s) {
      if (s.index > upTo) return [];
      for (const c of s.checks) if (c.passed) passed++;
      else failed++;
      return stepLines(s, imported);
    },
    end() {
      const out = ['', `Checks so far: ${passed} passed, ${failed} failed.`];
      if (opts.link) out.push('', 'Open this step in DMA Explorer:', opts.link);
      return out;
    },
  };
}

/** The lines of a text (as `split('\n')` gives them), one at a time: a long scenario is not split whole. */
function* linesOf(text: string): Generator<string> {
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) {
      yield text.slice(at);
      return;
    }
    yield text.slice(at, nl);
    at = nl + 1;
  }
}

function titleOf(r: Pick<RunResult, 'teaching'>, text: string): string {
  const lesson = r.teaching?.lesson?.title;
  if (lesson) return lesson;
  // The first sentence of the scenario's opening comment block.
  const block: string[] = [];
  for (const line of linesOf(text)) {
    const m = /^\s*#(?!>)\s?(.*)$/.exec(line);
    if (!m) {
      if (block.length > 0 || line.trim() !== '') break;
      continue;
    }
    if (m[1]!.trim() === '') {
      if (block.length > 0) break;
      continue;
    }
    block.push(m[1]!.trim());
  }
  const para = block.join(' ');
  const sentence = /^(.*?[.!?])(\s|$)/.exec(para)?.[1] ?? para;
  if (sentence === '') return 'a scenario';
  // A long first sentence: its head up to the first colon or semicolon names it well enough.
  const head = sentence.length > 100 ? /^(.{12,}?)[:;]\s/.exec(sentence)?.[1] : undefined;
  return head ?? sentence;
}


function machineLines(c: MachineConfig): string[] {
  const parts = [
    `${c.arch}, Linux ${c.kernel}`,
    `${sizeExact(c.ram)} RAM`,
    `${sizeExact(c.cache)} cache of ${c.line}-byte lines`,
    c.swiotlb ? `swiotlb ${sizeExact(c.swiotlb)}` : 'no swiotlb',
    ...(c.cma ? [`CMA ${sizeExact(c.cma)}`] : []),
  ];
  const lines = wrap(`Machine: ${parts.join(', ')}.`, '', '  ');
  for (const i of c.iommus) lines.push(...wrap(`IOMMU ${i.name}: ${i.mode}, ${sizeExact(i.pgsize)} pages.`, '', '  '));
  for (const d of c.devices) {
    const facts = [
      c.arch === 'x86' || d.coherent ? 'coherent' : 'non-coherent',
      `${d.dmaMask}-bit DMA mask`,
      ...(d.busLimit ? [`${d.busLimit}-bit bus limit`] : []),
      ...(d.iommu ? [`behind ${d.iommu}`] : []),
      ...(d.mmu ? ['own MMU'] : []),
      ...(d.bus === 'pci' ? ['PCI'] : []),
      ...(d.untrusted ? ['untrusted'] : []),
      ...(d.swiotlb === 'force' ? ['swiotlb=force'] : []),
    ];
    lines.push(...wrap(`Device ${d.name}${d.label ? ` (${d.label})` : ''}: ${facts.join(', ')}.`, '', '  '));
  }
  return lines;
}

/** The scenario's statements: comments and blank lines left out, trailing comments too. */
function* statementLines(text: string): Generator<string> {
  for (const raw of linesOf(text)) {
    const code = stripComment(raw).trimEnd();
    if (code.trim() !== '') yield code.trim();
  }
}

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && inString) i++;
    else if (ch === '"') inString = !inString;
    else if (!inString && (ch === '#' || (ch === '/' && line[i + 1] === '/'))) return line.slice(0, i);
  }
  return line;
}

function stepLines(s: StepJson, imported: boolean): string[] {
  const out = [`${String(s.index).padStart(3)}. ${s.source.trim()}`];
  const ind = '     ';
  const more = '       ';
  if (s.error !== null) append(out, wrap(`-> error ${s.error}`, ind, more));
  else if (s.result !== null) append(out, wrap(`-> ${String(s.result)}`, ind, more));
  if (s.data !== null) append(out, wrap(`-> ${dataText(s.data)}`, ind, more));
  // Kernel lines and checks are quoted whole, as dmesg printed them and as the scenario wrote them.
  for (const w of s.warnings) out.push(`${ind}kernel: ${w}`);
  for (const o of s.observations) append(out, wrap(`observed: ${o}`, ind, more));
  for (const c of s.checks) {
    if (c.choices) continue;
    out.push(`${ind}${c.passed ? `check ${c.expected}: holds` : `check FAILED: ${failedCheckText(c, imported)}`}`);
  }
  return out;
}

/** Lines added one by one (a spread of a very long list would overflow the call stack). */
function append(out: string[], lines: readonly string[]): void {
  for (const l of lines) out.push(l);
}

const MAX_DATA = 32;

function dataText(d: { hex: string; text: string | null }): string {
  const n = d.hex.length / 2;
  const more = n > MAX_DATA ? ` ... (${n} bytes)` : '';
  if (d.text !== null) return `${JSON.stringify(d.text.slice(0, MAX_DATA))}${more}`;
  return `x"${(d.hex.slice(0, 2 * MAX_DATA).match(/../g) ?? []).join(' ')}"${more}`;
}

/**
 * Words of `text` filled into lines of at most MAIL_WIDTH columns: the first
 * starts with `first`, the rest with `rest`. A word longer than a line (a
 * link, a long address list) stands alone rather than being cut.
 */
export function wrap(text: string, first: string, rest = first): string[] {
  // A line that fits is kept as written (spacing inside a string literal matters).
  if (first.length + text.length <= MAIL_WIDTH && !text.includes('\n')) return [first + text];
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let cur = first;
  let empty = true;
  for (const w of words) {
    if (!empty && cur.length + 1 + w.length > MAIL_WIDTH) {
      lines.push(cur);
      cur = rest + w;
    } else cur += (empty ? '' : ' ') + w;
    empty = false;
  }
  lines.push(cur);
  return lines;
}
