/**
 * Human-readable text output of a run (the CLI's default output).
 *
 * One block per step: `L7  h = dma_map_single(…)`, then indented lines for the
 * result (`→ 0xfffff000`, `→ error DMA_MAPPING_ERROR (handle 0x0)`, `→ "hello"`), kernel log
 * lines (`warning:`), what the explorer observed (`observed:`), a one-line
 * summary of each event (`eventLine`: the explanation's sentence and the
 * event's rule), and check verdicts (`✓ => 0`,
 * `✗ => "hello" (got "hellp")`). Ends with `checks: N passed, M failed`.
 * Colour is an option; the caller decides (TTY and NO_COLOR).
 */
import type { SimEvent } from '../sim/events.ts';
import { describeEvent } from './event-words.ts';
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
  // a failed map still hands the driver a value (0, the swiotlb overflow buffer, all ones: sim/dma/map-error.ts)
  if (s.error !== null) lines.push(`${ind}→ ${paint(RED, `error ${s.error}`)}${typeof s.result === 'string' ? ` (handle ${s.result})` : ''}`);
  else if (s.result !== null) lines.push(`${ind}→ ${typeof s.result === 'number' ? String(s.result) : s.result}`);
  if (s.data !== null) lines.push(`${ind}→ ${formatData(s.data)}`);
  for (const w of s.warnings) lines.push(`${ind}${paint(YELLOW, `warning: ${w}`)}`);
  for (const o of s.observations) lines.push(`${ind}${paint(CYAN, `observed: ${o}`)}`);
  if (opts.events ?? true) for (const e of s.events) lines.push(`${ind}${paint(DIM, `· ${eventLine(e)}`)}`);
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

/**
 * One line for an event: its sentence (event-words.ts, the explanation's
 * words) and, when the event carries one, the rule that explains it.
 */
export function eventLine(e: SimEvent): string {
  const words = describeEvent(e);
  if (e.kind === 'finding' || !('why' in e) || !e.why) return words;
  return `${words.endsWith('.') ? words.slice(0, -1) : words} — ${e.why.rule}`;
}
