/**
 * Teaching markup of the scenario language (docs/scenario-language.md,
 * "Teaching markup"): what turns a scenario into a lesson. None of it changes
 * what the engine runs; it adds what the explorer and the CLI show around the
 * run:
 *
 * - narration `#> …` attached to the next statement (or to step 0 before the
 *   first one), with an optional focus `#> [view=bytes buffer=buf] …`;
 * - the lesson header `lesson(title=…, track=…, level=…, thread=…, summary=…)`,
 *   compare presets `compare(arch=…, kernel=…, iommu=…)` and bug-hunt hints
 *   `hint("…")`: language-level statements of the header, not steps and not
 *   DMA operations;
 * - bug-hunt regions and their reference solutions (markup.ts).
 *
 * Predictions (`=>? a | b`) are checks (parser.ts) and need nothing here.
 */
import type { Command, Expr, Loc } from '../sim/command.ts';
import { lexLine } from './lexer.ts';
import type { ParseError, Token } from './lexer.ts';
import { ARCH_VALUES, closest } from './ops.ts';
import { lookupOp } from '../sim/operations.ts';
import type { ValueType } from './ops.ts';
import { inlineSpans, scanFixRegions } from './markup.ts';
import type { FixRegion } from './markup.ts';
import { DEFAULT_MACHINE, KERNEL_RANGE, archKernelProblem, kernelCode, type Arch } from '../sim/config.ts';

export type { FixRegion } from './markup.ts';

// ---------------------------------------------------------------- focus

/** The machine views a focus may open, and what each can select. */
export const FOCUS_VIEWS = {
  diagram: ['buffer'],
  bytes: ['buffer'],
  cache: ['buffer', 'line'],
  memmap: ['buffer', 'line'],
  swiotlb: ['buffer', 'slot'],
  iommu: ['buffer', 'iova'],
  gpu: ['buffer'],
  cma: ['buffer'],
  dmabuf: ['buffer'],
} as const satisfies Record<string, readonly FocusKey[]>;

export type FocusView = keyof typeof FOCUS_VIEWS;
export type FocusKey = 'buffer' | 'line' | 'slot' | 'iova';
const SELECTORS: readonly FocusKey[] = ['buffer', 'line', 'slot', 'iova'];

/** A selector value as written: a name (with an offset for line=) or an integer. */
export type FocusValue = { k: 'name'; name: string; offset: number; raw: string } | { k: 'int'; value: number; raw: string };

/** A focus as written: `[view=cache line=buf+64]`. */
export interface FocusSpec {
  view: FocusView;
  buffer?: FocusValue;
  line?: FocusValue;
  slot?: FocusValue;
  iova?: FocusValue;
  loc: Loc;
}

/**
 * A focus with its names resolved: what the explorer opens and selects.
 * `slot` and `iova` by handle carry the step that assigned the handle, whose
 * result is the address.
 */
export interface FocusJson {
  view: FocusView;
  buffer?: string;
  /** The cache line holding byte `offset` of the buffer. */
  line?: { buffer: string; offset: number };
  /** A swiotlb slot index, or the bounce slot behind a DMA handle. */
  slot?: number | { handle: string; step: number };
  /** An IOVA, or the one a DMA handle holds. */
  iova?: number | { handle: string; step: number };
}

/** A narration line split into its focus (if it starts with one) and its text. */
export function parseNarrationLine(text: string, line: number, col: number): { focus: FocusSpec | null; text: string; textCol: number; errors: ParseError[] } {
  const errors: ParseError[] = [];
  let focus: FocusSpec | null = null;
  let body = text;
  let bodyCol = col;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { focus: null, text, textCol: col, errors: [{ line, col, message: "unclosed '[' in a focus (write #> [view=bytes buffer=buf] text)" }] };
    const parsed = parseFocus(text.slice(1, close), line, col + 1, col);
    if ('error' in parsed) errors.push(parsed.error);
    else focus = parsed.focus;
    const rest = text.slice(close + 1);
    const lead = /^[ \t]*/.exec(rest)![0].length;
    body = rest.slice(lead);
    bodyCol = col + close + 1 + lead;
  }
  return { focus, text: body, textCol: bodyCol, errors };
}

function parseFocus(inner: string, line: number, innerCol: number, openCol: number): { focus: FocusSpec } | { error: ParseError } {
  // Lexed as a line of the language, so `buf+64`, `0x40` and names read as they do in statements.
  const lexed = lexLine(inner, line);
  const fail = (t: Token, message: string): { error: ParseError } => ({ error: { line, col: t.col + innerCol - 1, message } });
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    return { error: { line, col: e.col + innerCol - 1, message: `${e.message} (in a focus)` } };
  }
  const toks = lexed.tokens;
  const got: Partial<Record<'view' | FocusKey, { value: FocusValue; tok: Token }>> = {};
  let i = 0;
  while (toks[i]!.kind !== 'eol') {
    const key = toks[i]!;
    if (key.kind === ',') return fail(key, 'focus keys are separated by spaces, not commas ([view=bytes buffer=buf])');
    if (key.kind !== 'name' || toks[i + 1]?.kind !== '=') return fail(key, `expected key=value in a focus, got '${key.text}'`);
    const k = key.text;
    if (k !== 'view' && !(SELECTORS as readonly string[]).includes(k)) {
      const guess = closest(k, ['view', ...SELECTORS]);
      return fail(key, `unknown focus key '${k}' (expected view, buffer, line, slot or iova${guess ? `; did you mean ${guess}?` : ''})`);
    }
    if (got[k as 'view']) return fail(key, `focus key '${k}' is given twice`);
    const v = toks[i + 2]!;
    let value: FocusValue;
    if (v.kind === 'int') {
      value = { k: 'int', value: v.value!, raw: v.text };
      i += 3;
    } else if (v.kind === 'name') {
      let offset = 0;
      let raw = '';
      i += 3;
      if ((toks[i]!.kind === '+' || toks[i]!.kind === '-') && toks[i + 1]!.kind === 'int') {
        offset = (toks[i]!.kind === '-' ? -1 : 1) * toks[i + 1]!.value!;
        raw = `${toks[i]!.kind}${toks[i + 1]!.text}`;
        i += 2;
      }
      value = { k: 'name', name: v.text, offset, raw };
    } else return fail(v.kind === 'eol' ? key : v, `expected a value after '${k}=' in a focus`);
    got[k as 'view'] = { value, tok: key };
  }
  const view = got.view;
  if (!view) return { error: { line, col: openCol, message: 'a focus needs a view: [view=bytes …] (views: ' + Object.keys(FOCUS_VIEWS).join(', ') + ')' } };
  if (view.value.k !== 'name' || view.value.offset !== 0 || !Object.hasOwn(FOCUS_VIEWS, view.value.name)) {
    const name = view.value.k === 'name' ? view.value.name : view.value.raw;
    const guess = closest(name, Object.keys(FOCUS_VIEWS));
    return fail(view.tok, `unknown view '${name}' (expected ${Object.keys(FOCUS_VIEWS).join(', ')}${guess ? `; did you mean ${guess}?` : ''})`);
  }
  const v = view.value.name as FocusView;
  const focus: FocusSpec = { view: v, loc: { line, col: openCol } };
  for (const key of SELECTORS) {
    const g = got[key];
    if (!g) continue;
    const allowed = FOCUS_VIEWS[v] as readonly FocusKey[];
    if (!allowed.includes(key)) return fail(g.tok, `the ${v} view cannot select ${key}= (it selects ${allowed.map((a) => `${a}=`).join(' or ')})`);
    if (key === 'buffer' && (g.value.k !== 'name' || g.value.offset !== 0)) return fail(g.tok, 'buffer= names a buffer (buffer=buf)');
    if (key === 'line' && g.value.k !== 'name') return fail(g.tok, 'line= names a byte of a buffer (line=buf or line=buf+64)');
    if ((key === 'slot' || key === 'iova') && g.value.k === 'name' && g.value.offset !== 0) {
      return fail(g.tok, `${key}= is an integer or a DMA handle name, without an offset`);
    }
    focus[key] = g.value;
  }
  return { focus };
}

export function printFocus(f: FocusSpec): string {
  const parts = [`view=${f.view}`];
  for (const key of SELECTORS) {
    const v = f[key];
    if (v) parts.push(`${key}=${v.k === 'int' ? v.raw : `${v.name}${v.raw}`}`);
  }
  return `[${parts.join(' ')}]`;
}

// ---------------------------------------------------------------- lesson statements

/** The language-level statements of the header (not DMA operations, not steps). */
export const TEACHING_STATEMENTS: ReadonlySet<string> = new Set(['lesson', 'compare', 'hint']);

export function isTeachingStatement(op: string | null): boolean {
  return op !== null && TEACHING_STATEMENTS.has(op);
}

export interface LessonInfo {
  title: string;
  track: string | null;
  level: 1 | 2 | 3;
  /** The mailing-list thread the lesson replays ("000"…), if any. */
  thread: string | null;
  summary: string | null;
}

/** A side-by-side run the explorer offers in one click: side B runs with these settings. */
export interface ComparePreset {
  arch?: string;
  kernel?: string;
  iommu?: string;
  line: number;
}

type Err = { loc: Loc; message: string };

const LESSON_KEYS = ['title', 'track', 'level', 'thread', 'summary'] as const;
const COMPARE_KEYS = ['arch', 'kernel', 'iommu'] as const;
const IOMMU_MODES = ['strict', 'lazy', 'passthrough'] as const;

/** Where a teaching statement stands among the header statements. */
export interface TeachingContext {
  /** Line of the first operation after the header, once seen. */
  firstOpLine: number | null;
  /** Line of the first machine/iommu/device statement, once seen. */
  firstHeaderLine: number | null;
  lessonLine: number | null;
}

/** compare(iommu=…) rewrites the mode of the header's iommu(…) statements: without one it would change nothing. */
export function checkCompareIommu(teaching: Command[], header: Command[], errs: Err[]): void {
  if (header.some((c) => c.op === 'iommu')) return;
  for (const c of teaching) {
    const kw = c.op === 'compare' ? c.kwargs.find((k) => k.key === 'iommu') : undefined;
    if (kw) errs.push({ loc: kw.loc, message: 'compare(iommu=…) changes the mode of the header\'s iommu(…): it needs an iommu(…) in the header' });
  }
}

/**
 * compare(arch=…) and compare(kernel=…) against the header's other half: the
 * side they describe must be a kernel with that architecture's port
 * (config.ts archKernelProblem: compare(kernel="4.9") on a riscv scenario is
 * an error at the kernel, compare(arch=riscv) on a 4.9 one at the arch).
 */
export function checkComparePort(teaching: Command[], header: Command[], errs: Err[]): void {
  const machine = header.find((c) => c.op === 'machine');
  const said = (cmd: Command | undefined, key: string): { text: string; loc: Loc } | null => {
    const v = cmd?.kwargs.find((k) => k.key === key)?.value;
    if (!v) return null;
    const text = v.k === 'name' ? v.name : v.k === 'str' ? v.text : null;
    return text === null ? null : { text, loc: v.loc };
  };
  for (const c of teaching) {
    if (c.op !== 'compare') continue;
    const a = said(c, 'arch');
    const k = said(c, 'kernel');
    if (!a && !k) continue;
    const arch = a?.text ?? said(machine, 'arch')?.text ?? DEFAULT_MACHINE.arch;
    const kernel = k?.text ?? said(machine, 'kernel')?.text ?? DEFAULT_MACHINE.kernel;
    if (!(ARCH_VALUES as readonly string[]).includes(arch) || versionProblem(kernel)) continue;
    const problem = archKernelProblem(arch as Arch, kernel);
    if (problem) errs.push({ loc: (k ?? a)!.loc, message: `compare(…): ${problem}` });
  }
}

/** Validate a lesson/compare/hint statement. */
export function validateTeachingStatement(cmd: Command, opLoc: Loc, targetLocs: Loc[], ctx: TeachingContext, errs: Err[]): void {
  const op = cmd.op;
  if (cmd.targets.length > 0) errs.push({ loc: targetLocs[0]!, message: `${op}(…) cannot be assigned` });
  if (cmd.checks.length > 0) errs.push({ loc: cmd.checks[0]!.loc, message: `${op}(…) takes no checks` });
  if (ctx.firstOpLine !== null) errs.push({ loc: opLoc, message: `${op}(…) belongs to the header: it must come before the first operation (line ${ctx.firstOpLine})` });
  if (op === 'lesson') {
    if (ctx.lessonLine !== null) errs.push({ loc: opLoc, message: `lesson(…) is given twice (first on line ${ctx.lessonLine})` });
    else if (ctx.firstHeaderLine !== null) errs.push({ loc: opLoc, message: `lesson(…) must come before machine(…), iommu(…) and device(…) (line ${ctx.firstHeaderLine})` });
    ctx.lessonLine ??= cmd.loc.line;
    noPositional(cmd, errs);
    checkKeys(cmd, LESSON_KEYS, errs);
    if (!cmd.kwargs.some((k) => k.key === 'title')) errs.push({ loc: opLoc, message: 'lesson(…) needs a title: lesson(title="…")' });
    for (const kw of cmd.kwargs) {
      const v = kw.value;
      if (kw.key === 'level') {
        if (v.k !== 'int' || v.value < 1 || v.value > 3) errs.push({ loc: v.loc, message: 'level must be 1, 2 or 3' });
      } else if (kw.key === 'track') {
        if (!(v.k === 'name' || (v.k === 'str' && /^[a-z0-9][a-z0-9-]*$/.test(v.text)))) errs.push({ loc: v.loc, message: 'track must be a track name: a name such as ownership, or a string such as "thread-004" (lowercase letters, digits and -)' });
      } else if (v.k !== 'str') {
        errs.push({ loc: v.loc, message: `${kw.key} must be a string: ${kw.key}="…"` });
      } else if (v.text.trim() === '') {
        errs.push({ loc: v.loc, message: `${kw.key} must not be empty` });
      } else if (kw.key === 'thread' && !/^\d{3}$/.test(v.text)) {
        errs.push({ loc: v.loc, message: 'thread must be a three-digit thread number such as "004"' });
      } else markupError(v, errs);
    }
  } else if (op === 'compare') {
    noPositional(cmd, errs);
    checkKeys(cmd, COMPARE_KEYS, errs);
    if (cmd.kwargs.length === 0) errs.push({ loc: opLoc, message: 'compare(…) needs a machine setting: compare(arch=x86), compare(kernel="5.4") or compare(iommu=lazy)' });
    for (const kw of cmd.kwargs) {
      const v = kw.value;
      const word = v.k === 'name' ? v.name : v.k === 'str' ? v.text : null;
      if (kw.key === 'arch' && !(word !== null && (ARCH_VALUES as readonly string[]).includes(word))) {
        errs.push({ loc: v.loc, message: `arch must be one of ${ARCH_VALUES.join(', ')}` });
      } else if (kw.key === 'iommu') {
        if (!(word !== null && (IOMMU_MODES as readonly string[]).includes(word))) errs.push({ loc: v.loc, message: `iommu must be one of ${IOMMU_MODES.join(', ')}` });
      } else if (kw.key === 'kernel') {
        const bad = v.k === 'str' ? versionProblem(v.text) : 'kernel must be a version string such as "5.4"';
        if (bad) errs.push({ loc: v.loc, message: bad });
      }
    }
  } else if (op === 'hint') {
    if (cmd.kwargs.length > 0) errs.push({ loc: cmd.kwargs[0]!.loc, message: 'hint takes one string: hint("…")' });
    const a = cmd.args[0];
    if (cmd.args.length !== 1 || !a || a.k !== 'str' || a.text.trim() === '') {
      errs.push({ loc: a?.loc ?? opLoc, message: 'hint takes one non-empty string: hint("…")' });
    } else markupError(a, errs);
  }
}

function noPositional(cmd: Command, errs: Err[]): void {
  if (cmd.args.length > 0) errs.push({ loc: cmd.args[0]!.loc, message: `${cmd.op} takes only key=value options` });
}

function checkKeys(cmd: Command, keys: readonly string[], errs: Err[]): void {
  for (const kw of cmd.kwargs) {
    if (keys.includes(kw.key)) continue;
    const guess = closest(kw.key, keys);
    errs.push({ loc: kw.loc, message: `unknown key '${kw.key}' for ${cmd.op} (expected ${keys.join(', ')}${guess ? `; did you mean ${guess}?` : ''})` });
  }
}

function markupError(v: Expr & { k: 'str' }, errs: Err[]): void {
  const m = inlineSpans(v.text);
  if (m.error) errs.push({ loc: v.loc, message: m.error.message });
}

function versionProblem(text: string): string | null {
  const code = /^\d+\.\d+$/.test(text) ? kernelCode(text) : NaN;
  if (Number.isNaN(code)) return `kernel must be a version "MAJOR.MINOR" such as "5.4", got "${text}"`;
  if (code < kernelCode(KERNEL_RANGE.oldest) || code > kernelCode(KERNEL_RANGE.newest)) {
    return `kernel must be between "${KERNEL_RANGE.oldest}" and "${KERNEL_RANGE.newest}", got "${text}"`;
  }
  return null;
}

// ---------------------------------------------------------------- the teaching of a scenario

/** One step's narration: its paragraphs (markup kept) and focus. Step 0 is "the machine is built". */
export interface StepNarration {
  step: number;
  /** 1-based line of its first `#>` line. */
  line: number;
  paragraphs: string[];
  focus: FocusJson | null;
}

/** What a scenario teaches besides its run; empty for a plain scenario. */
export interface Teaching {
  lesson: LessonInfo | null;
  compare: ComparePreset[];
  hints: string[];
  /** At most one per step, by step. */
  narration: StepNarration[];
  /** Bug-hunt regions (a scenario with any is a bug hunt). */
  fixes: FixRegion[];
}

export function isEmptyTeaching(t: Teaching): boolean {
  return !t.lesson && t.compare.length === 0 && t.hints.length === 0 && t.narration.length === 0 && t.fixes.length === 0;
}

/** The `teaching` field of a run's result or head: present only when the scenario has some markup. */
export function teachingField(t: Teaching): { teaching?: Teaching } {
  return isEmptyTeaching(t) ? {} : { teaching: t };
}

/** A narration line as the parser saw it. */
export interface NarrationLine {
  line: number;
  text: string;
  /** 1-based column where `text` starts. */
  textCol: number;
  focus: FocusSpec | null;
}

/** Where the statements of the text are: body statements become steps 1…n. */
export interface Placed {
  line: number;
  /** Null for a header or teaching statement. */
  step: number | null;
  /** What the teaching reads of the statement: the names it assigns. */
  cmd: Pick<Command, 'op' | 'targets'>;
}

/**
 * Build the teaching of a parsed scenario: attach narration to steps, resolve
 * focus names against the names assigned so far, collect lesson, compare and
 * hint statements and the fix regions.
 */
export function buildTeaching(text: string, statements: Placed[], narration: NarrationLine[], teachingCmds: Command[]): { teaching: Teaching; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const steps = statements.filter((s) => s.step !== null);
  const blocks = attachNarration(statements, narration);
  // Names assigned by steps 1…k, with their types and the step that assigned them.
  const names = new Map<string, { type: ValueType | 'any'; step: number }>();
  const out: StepNarration[] = [];
  let k = 0;
  for (const block of blocks) {
    while (k < block.step) {
      const cmd = steps[k]!.cmd;
      const sig = lookupOp(cmd.op);
      cmd.targets.forEach((t, i) => names.set(t, { type: sig && sig.results.length === cmd.targets.length ? sig.results[i]! : 'any', step: k + 1 }));
      k++;
    }
    const specs = block.lines.filter((l) => l.focus !== null);
    for (const extra of specs.slice(1)) {
      errors.push({ line: extra.line, col: extra.focus!.loc.col, message: `step ${block.step} already has a focus (line ${specs[0]!.line}); one focus per step` });
    }
    const focus = specs[0] ? resolveFocus(specs[0].focus!, names, errors) : null;
    out.push({ step: block.step, line: block.lines[0]!.line, paragraphs: paragraphs(block.lines, errors), focus });
  }
  const lessonCmd = teachingCmds.find((c) => c.op === 'lesson');
  const fixes = scanFixRegions(text);
  errors.push(...fixes.errors);
  for (const r of fixes.regions) {
    if (r.solutionLines === null) errors.push({ line: r.end, col: 1, message: "a fix region needs its reference solution: '# solution: …' lines right after '# fix: end'" });
  }
  return {
    teaching: {
      lesson: lessonCmd ? lessonInfo(lessonCmd) : null,
      compare: teachingCmds.filter((c) => c.op === 'compare').map(comparePreset),
      hints: teachingCmds.filter((c) => c.op === 'hint').map((c) => (c.args[0]?.k === 'str' ? c.args[0].text : '')),
      narration: out,
      fixes: fixes.regions,
    },
    errors,
  };
}

/**
 * Narration blocks by step: a block belongs to the next statement when that
 * is a step, to step 0 when the next statement is a header statement, and to
 * the last step when no statement follows.
 */
function attachNarration(statements: Placed[], narration: NarrationLine[]): Array<{ step: number; lines: NarrationLine[] }> {
  const blocks = new Map<number, NarrationLine[]>();
  const last = statements.reduce((n, s) => Math.max(n, s.step ?? 0), 0);
  let j = 0;
  for (const n of narration) {
    while (j < statements.length && statements[j]!.line < n.line) j++;
    const next = statements[j];
    const step = next ? (next.step ?? 0) : last;
    const list = blocks.get(step) ?? [];
    list.push(n);
    blocks.set(step, list);
  }
  return [...blocks].sort((a, b) => a[0] - b[0]).map(([step, lines]) => ({ step, lines }));
}

/**
 * Narration lines joined into paragraphs: an empty `#>` line, or any other
 * line between two, separates paragraphs. Inline markup is checked per
 * paragraph (a `code` span may wrap across lines); an error points at its line
 * and column.
 */
function paragraphs(lines: NarrationLine[], errors: ParseError[]): string[] {
  const out: string[] = [];
  let cur: NarrationLine[] = [];
  const flush = (): void => {
    if (cur.length === 0) return;
    const parts = cur.map((l) => l.text.trim());
    const text = parts.join(' ');
    const bad = inlineSpans(text).error;
    if (bad) {
      // Map the offset in the joined paragraph back to its line.
      let at = bad.at;
      let k = 0;
      while (k < parts.length - 1 && at > parts[k]!.length) at -= parts[k++]!.length + 1;
      const l = cur[k]!;
      errors.push({ line: l.line, col: l.textCol + (l.text.length - l.text.trimStart().length) + at, message: bad.message });
    }
    out.push(text);
    cur = [];
  };
  let prev = -1;
  for (const l of lines) {
    if (l.text.trim() === '' || l.line !== prev + 1) flush();
    if (l.text.trim() !== '') cur.push(l);
    prev = l.line;
  }
  flush();
  return out;
}

function resolveFocus(f: FocusSpec, names: Map<string, { type: ValueType | 'any'; step: number }>, errors: ParseError[]): FocusJson {
  const out: FocusJson = { view: f.view };
  const need = (v: FocusValue & { k: 'name' }, want: readonly ValueType[], what: string): { step: number } | null => {
    const n = names.get(v.name);
    if (!n) {
      const guess = closest(v.name, [...names].filter(([, t]) => t.type === 'any' || want.includes(t.type as ValueType)).map(([x]) => x));
      errors.push({ ...f.loc, message: `'${v.name}' in the focus is not defined by this step (it must name ${what} assigned at or before the statement the narration belongs to${guess ? `; did you mean ${guess}?` : ''})` });
      return null;
    }
    if (n.type !== 'any' && !want.includes(n.type)) {
      errors.push({ ...f.loc, message: `'${v.name}' in the focus is not ${what}` });
      return null;
    }
    return n;
  };
  if (f.buffer?.k === 'name' && need(f.buffer, ['buf'], 'a buffer')) out.buffer = f.buffer.name;
  if (f.line?.k === 'name' && need(f.line, ['buf'], 'a buffer')) {
    if (f.line.offset < 0) errors.push({ ...f.loc, message: 'line= takes a byte at or after the start of the buffer (line=buf+64)' });
    else out.line = { buffer: f.line.name, offset: f.line.offset };
  }
  for (const key of ['slot', 'iova'] as const) {
    const v = f[key];
    if (!v) continue;
    if (v.k === 'int') out[key] = v.value;
    else {
      const n = need(v, ['handle', 'int'], 'a DMA handle');
      if (n) out[key] = { handle: v.name, step: n.step };
    }
  }
  return out;
}

function lessonInfo(cmd: Command): LessonInfo {
  const get = (key: string): Expr | undefined => cmd.kwargs.find((k) => k.key === key)?.value;
  const str = (key: string): string | null => {
    const v = get(key);
    return v?.k === 'str' ? v.text : v?.k === 'name' ? v.name : null;
  };
  const level = get('level');
  return {
    title: str('title') ?? '',
    track: str('track'),
    level: (level?.k === 'int' && level.value >= 1 && level.value <= 3 ? level.value : 1) as 1 | 2 | 3,
    thread: str('thread'),
    summary: str('summary'),
  };
}

function comparePreset(cmd: Command): ComparePreset {
  const out: ComparePreset = { line: cmd.loc.line };
  for (const kw of cmd.kwargs) {
    const v = kw.value;
    const word = v.k === 'name' ? v.name : v.k === 'str' ? v.text : '';
    if (kw.key === 'arch' || kw.key === 'kernel' || kw.key === 'iommu') out[kw.key] = word;
  }
  return out;
}
