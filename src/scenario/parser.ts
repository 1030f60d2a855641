/**
 * Parser for the scenario language (SCENARIO-LANGUAGE.md): text → Commands.
 *
 * `parseScenario` lexes and parses each line, validates each statement
 * against the operation table as it comes (validate.ts) and builds the machine
 * configuration from the header (header.ts). It never throws: every problem is
 * a ParseError with the 1-based line:col of the offending token and what was
 * expected. Comments and blank lines are kept in a ScenarioDoc so that the
 * printer can reproduce a readable file.
 *
 * A scenario can be a million lines (an imported trace), so the loop over
 * lines allocates only what it keeps: the text is not split into lines, the
 * tokens of a line sit in the lexer's reused arrays (lexer.ts), and a
 * statement becomes its Command and expressions directly. `scanScenario`
 * keeps less still: it hands out each step as it is read and keeps neither
 * the steps nor the document (a run too long to hold parsed: the worker, the
 * CLI); `statementAt` reads one step back from its line. Both check a plainly
 * valid step straight from the lexer's tokens (validate-line.ts) instead of
 * validating a Command: parseScenario builds none for it, scanScenario only
 * the one it hands out.
 */
import type { BytesPart, Check, Command, Expr, KwArg, Loc } from '../sim/command.ts';
import type { MachineConfig } from '../sim/config.ts';
import { KIND_NAMES, LineLexer, T_ARROW, T_BAR, T_COMMA, T_EOL, T_EQ, T_HEX, T_INT, T_LPAREN, T_MINUS, T_NAME, T_PLUS, T_PREDICT, T_RPAREN, T_STR } from './lexer.ts';
import { BUDGETS } from '../sim/budgets.ts';
import { bytesHex } from '../sim/format.ts';
import type { ParseError } from './lexer.ts';
import { isErrorName } from './ops.ts';
import { HEADER_OPS } from '../sim/operations.ts';
import { Validator } from './validate.ts';
import { printCheckValue } from './printer.ts';
import { configFromHeader } from './header.ts';
import { classifyComment, applySolution } from './markup.ts';
import { buildTeaching, isTeachingStatement, parseNarrationLine } from './teaching.ts';
import type { FocusSpec, NarrationLine, Placed, Teaching } from './teaching.ts';
import { UNSAFE_IN_LINES } from './unsafe-chars.ts';

export type { ParseError } from './lexer.ts';

/** One line of a scenario file, as the printer reproduces it. */
export type DocLine =
  | { kind: 'blank' }
  /** A line holding only a comment; `text` starts with its `#` or `//`. */
  | { kind: 'comment'; text: string }
  /** A statement, with its trailing comment (from `#` or `//`) if any. */
  | { kind: 'stmt'; cmd: Command; comment: string | null }
  /** Narration `#> [focus] text` (teaching.ts). */
  | { kind: 'narration'; focus: FocusSpec | null; text: string }
  /** A bug hunt's region marker `# fix: begin` / `# fix: end`. */
  | { kind: 'fix'; mark: 'begin' | 'end' }
  /** A line of a region's reference solution, `# solution: …`, right after `# fix: end`. */
  | { kind: 'solution'; text: string };

export interface ScenarioDoc {
  lines: DocLine[];
}

export interface Scenario {
  /** machine(…), iommu(…) and device(…) statements, in order. */
  header: Command[];
  /** The operations after the header, in order: the steps. */
  body: Command[];
  /** The machine the header describes (defaults filled in). */
  config: MachineConfig;
  doc: ScenarioDoc;
  /** Narration, lesson header, compare presets, hints and bug-hunt regions (empty for a plain scenario). */
  teaching: Teaching;
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ParseError[] };

/** Bytes literals larger than this are refused (a typo like fill(0, 8G) must not eat the memory). */
export const MAX_BYTES_LITERAL = BUDGETS.accessBytes;

/** At most this many errors are reported. */
const MAX_ERRORS = 100;

/** Parse and validate a scenario. Never throws. */
export function parseScenario(text: string): ParseResult {
  try {
    const r = parseUnsafe(text);
    if (!r.ok) return r;
    const solved = solutionErrors(text, r.scenario.teaching);
    return solved ? { ok: false, errors: solved } : r;
  } catch (e) {
    // A bug in the parser must not take the editor down: report it as an error.
    return { ok: false, errors: internalError(e) };
  }
}

/** A step as scanScenario reaches it. */
export interface ScannedStep {
  cmd: Command;
  /** Its 1-based line, and where that line starts in the text (for statementAt). */
  line: number;
  lineStart: number;
  /** The header statements: complete at the first step (they precede every step). */
  header: readonly Command[];
}

/** What scanScenario keeps of a scenario: everything but its steps and its document. */
export interface ScannedScenario {
  header: Command[];
  /** The machine the header describes (defaults filled in). */
  config: MachineConfig;
  teaching: Teaching;
  /** Steps handed out. */
  steps: number;
}

export type ScanResult = { ok: true; scenario: ScannedScenario } | { ok: false; errors: ParseError[] };

/**
 * A long text read a span at a time: the engine worker keeps a long scenario
 * as UTF-8 bytes outside the JavaScript heap (src/worker/text-bytes.ts) and
 * hands the scan one span of lines at a time. The spans are whole lines; the
 * text is the spans joined with '\n' (a step's lineStart is its place in that
 * text). It holds no '\r'.
 */
export interface TextSpans {
  /** Lines of the text. */
  readonly lines: number;
  readonly spanCount: number;
  /** Span i's text (0 ≤ i < spanCount), read in order by a scan. */
  span(i: number): string;
  /** The whole text as one string: only for teaching markup (a narrated or bug-hunt text, short). */
  whole(): string;
}

/** How scanScenario reads its steps. */
export interface ScanOptions {
  /**
   * Every step parsed and validated as a statement, none checked from its
   * tokens first (validate-line.ts): the long way the fast path must agree
   * with, for the tests that check it. Same result, slower.
   */
  fullPath?: boolean;
}

/**
 * Parse and validate a scenario without keeping its steps or its document:
 * yields each step as soon as it is read and validated, while the text has
 * shown no error so far, and returns what parseScenario would say (the
 * errors, or the header, configuration and teaching). After the first error
 * no more steps are yielded. The caller paces the parse (it may run each
 * step, and yield to its event loop, between two); a step needed again is
 * read back with statementAt(). Never throws.
 */
export function* scanScenario(text: string | TextSpans, opts: ScanOptions = {}): Generator<ScannedStep, ScanResult, void> {
  try {
    const r = new Reader(text, false, opts.fullPath !== true);
    while (!r.done) {
      const cmd = r.next();
      if (cmd !== null && r.clean()) yield { cmd, line: r.lx.line, lineStart: r.lineStart(), header: r.validator.header };
    }
    r.finish();
    if (r.errors.length > 0) return { ok: false, errors: sortErrors(r.errors).slice(0, MAX_ERRORS) };
    const { header, teaching: cmds } = r.validator;
    // Narration is attached to steps by their lines and the names they assign: a narrated text (a lesson, short) is read again, keeping its document, for it.
    const whole = typeof text === 'string' ? text : r.narration.length > 0 || r.sawFix ? text.whole() : '';
    const placed = r.narration.length > 0 ? placeStatements(readAll(whole, true).kept.doc().lines) : [];
    // Bug-hunt regions are found in the whole text; spans with no 'fix:' marker have none to find.
    const built = buildTeaching(whole, placed, r.narration, cmds);
    if (built.errors.length > 0) return { ok: false, errors: sortErrors(built.errors).slice(0, MAX_ERRORS) };
    const solved = solutionErrors(whole, built.teaching);
    if (solved) return { ok: false, errors: solved };
    return { ok: true, scenario: { header, config: configFromHeader(header), teaching: built.teaching, steps: r.steps } };
  } catch (e) {
    return { ok: false, errors: internalError(e) };
  }
}

/** One reused lexer for statementAt (a scan may be suspended between two steps with its own lexer's line in it). */
const againLexer = new LineLexer();

/**
 * The statement on the line that starts at `lineStart` (its 1-based number
 * `line`), read again as scanScenario read it, with the line's trailing
 * comment. Only for a line that scanScenario yielded as a step (so it holds
 * no unsafe character and parses).
 */
export function statementAt(text: string, lineStart: number, line: number): { cmd: Command; comment: string | null } {
  const cmd = readBack(text, lineStart, lineEnd(text, lineStart), line);
  return { cmd, comment: againLexer.comment() };
}

/** The statement on `text[lineStart, end)`, a line that parsed before (againLexer holds it after). */
function readBack(text: string, lineStart: number, end: number, line: number): Command {
  const lx = againLexer;
  lx.lex(text, lineStart, end, line, -1);
  const cmd = lx.errors.length === 0 ? parseStatement(lx) : null;
  if (cmd === null) throw new Error(`line ${line} does not hold a statement`);
  return cmd;
}

/**
 * What parseScenario keeps of a text's lines: every DocLine but the steps'
 * in order, and where each step's line is (three numbers a step). The
 * steps' statements are read back from their lines, all at once, when the
 * body or the document is first asked for: a million-line trace's parse
 * keeps ~12 bytes a step instead of ~25 objects, and a caller that reads
 * only the header, the configuration or the errors never builds them.
 */
class KeptLines {
  /** The document in order: each line's DocLine, or for a run of n steps' lines the number n. */
  private readonly entries: Array<DocLine | number> = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private lines: Int32Array;
  private count = 0;
  private body: Command[] | null = null;
  private document: ScenarioDoc | null = null;

  /** `keep`: room for a step every 64 characters at first (a trace's lines are ~130). */
  constructor(
    private readonly text: string,
    keep: boolean,
  ) {
    const room = keep ? Math.max(64, Math.min(text.length >> 6, 1 << 20)) : 0;
    this.starts = new Int32Array(room);
    this.ends = new Int32Array(room);
    this.lines = new Int32Array(room);
  }

  add(l: DocLine): void {
    this.entries.push(l);
  }

  /** A step, on the line `text[start, end)` numbered `line`. */
  addStep(start: number, end: number, line: number): void {
    const k = this.count;
    if (k === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
      this.lines = grown(this.lines);
    }
    this.starts[k] = start;
    this.ends[k] = end;
    this.lines[k] = line;
    this.count = k + 1;
    const { entries } = this;
    const last = entries.length - 1;
    if (last >= 0 && typeof entries[last] === 'number') entries[last]++;
    else entries.push(1);
  }

  /** Trailing blank lines (the final newline among them) are not part of the document. */
  trimBlanks(): void {
    const { entries } = this;
    while (entries.length > 0 && entries[entries.length - 1] === BLANK) entries.pop();
  }

  /** The steps' statements, in order (read back once). */
  steps(): Command[] {
    if (this.body !== null) return this.body;
    const body: Command[] = new Array<Command>(this.count);
    for (let k = 0; k < this.count; k++) body[k] = readBack(this.text, this.starts[k]!, this.ends[k]!, this.lines[k]!);
    this.body = body;
    return body;
  }

  /** The document (built once; its steps' statements are steps()'s). */
  doc(): ScenarioDoc {
    if (this.document !== null) return this.document;
    const body = this.body ?? new Array<Command>(this.count);
    const read = this.body === null;
    const lines: DocLine[] = [];
    let k = 0;
    for (const e of this.entries) {
      if (typeof e !== 'number') {
        lines.push(e);
        continue;
      }
      for (const end = k + e; k < end; k++) {
        // The statement and its trailing comment, or (the steps already read) the comment: the line lexed again, as a '#' may sit in a string.
        if (read) body[k] = readBack(this.text, this.starts[k]!, this.ends[k]!, this.lines[k]!);
        else againLexer.lex(this.text, this.starts[k]!, this.ends[k]!, this.lines[k]!, -1);
        lines.push({ kind: 'stmt', cmd: body[k]!, comment: againLexer.comment() });
      }
    }
    this.body = body;
    this.document = { lines };
    return this.document;
  }
}

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(Math.max(64, a.length * 2));
  b.set(a);
  return b;
}

function internalError(e: unknown): ParseError[] {
  return [{ line: 1, col: 1, message: `internal parser error: ${String(e)}` }];
}

/** Every blank line is the same: one shared, read-only DocLine. */
const BLANK: DocLine = Object.freeze({ kind: 'blank' });

function parseUnsafe(text: string): ParseResult {
  const r = readAll(text, true);
  if (r.errors.length > 0) return { ok: false, errors: sortErrors(r.errors).slice(0, MAX_ERRORS) };
  const { header, teaching } = r.validator;
  const { narration } = r;
  const kept = r.kept;
  const built = buildTeaching(text, narration.length > 0 ? placeStatements(kept.doc().lines) : [], narration, teaching);
  if (built.errors.length > 0) return { ok: false, errors: sortErrors(built.errors).slice(0, MAX_ERRORS) };
  return { ok: true, scenario: lazyScenario(header, configFromHeader(header), built.teaching, kept) };
}

/**
 * A Scenario whose steps and document are built when first read: its own
 * enumerable `body` and `doc` read the kept statements (a copy, a spread and
 * toEqual see them as values).
 */
function lazyScenario(header: Command[], config: MachineConfig, teaching: Teaching, kept: KeptLines): Scenario {
  return {
    header,
    get body() {
      return kept.steps();
    },
    config,
    get doc() {
      return kept.doc();
    },
    teaching,
  };
}

/** Every line of the text read (finished: its errors include the validator's). */
function readAll(text: string, keep: boolean): Reader {
  const r = new Reader(text, keep, true);
  while (!r.done) r.next();
  r.finish();
  return r;
}

/**
 * Reads a text one line at a time: each line lexed in place, its statement
 * parsed, checked against the budgets and validated, and (when `keep`) the
 * steps and the document kept. A scan keeps neither: what it holds does not
 * grow with the steps.
 */
class Reader {
  /** The errors so far: the lines' own, then (after finish) the validator's. */
  readonly errors: ParseError[] = [];
  readonly validator = new Validator();
  /** The document and its steps (when kept). */
  readonly kept: KeptLines;
  readonly narration: NarrationLine[] = [];
  /** Steps read. */
  steps = 0;
  /** No line left (or a budget stopped the read). */
  done = false;
  /** The lexer, holding the line just read (a kept step's names are interned when its statement is read back). */
  readonly lx: LineLexer;
  /** The document's last line, kept or not (a solution line is one only right after a region). */
  private prev: DocLine | undefined = undefined;
  private readonly budget = { literalBytes: 0, steps: 0 };
  private lf = true;
  private line = 1;
  private at = 0;
  private unsafe = -1;
  /** The span being read (spans: the text read a span at a time), where it starts in the text, and whether its last line was read. */
  private readonly spans: TextSpans | null;
  private text: string;
  private spanIndex = 0;
  private base = 0;
  private spanEnded = false;
  /** A span held a bug-hunt marker ('fix:'): the whole text is read for its regions at the end. */
  sawFix = false;

  /**
   * `keep`: the document and where each step is are kept (parseScenario).
   * `plain`: a step that is plainly valid is checked from its tokens
   * (validate-line.ts) instead of by the validator.
   */
  constructor(
    source: string | TextSpans,
    private readonly keep: boolean,
    private readonly plain: boolean,
  ) {
    this.spans = typeof source === 'string' ? null : source;
    const text = typeof source === 'string' ? source : source.span(0);
    this.text = text;
    this.kept = new KeptLines(this.spans ? '' : text, keep);
    this.lx = new LineLexer(!keep);
    if (this.spans ? this.spans.lines > BUDGETS.lines : text.length >= BUDGETS.lines) {
      const count = this.spans ? this.spans.lines : countLines(text);
      if (count > BUDGETS.lines) {
        this.errors.push({ line: BUDGETS.lines + 1, col: 1, message: `the scenario has ${count.toLocaleString('en-US')} lines (the explorer reads at most ${BUDGETS.lines.toLocaleString('en-US')})` });
        this.done = true;
      }
    }
    this.startSpan();
  }

  /** Where the line just read starts in the whole text. */
  lineStart(): number {
    return this.base + this.lx.lineStart;
  }

  /** The text (or the span) begins to be read. */
  private startSpan(): void {
    const { text } = this;
    this.lf = text.indexOf('\r') < 0;
    // Unsafe characters are rare: one search of the whole text (or span) finds them, in order.
    UNSAFE_IN_LINES.lastIndex = 0;
    this.unsafe = UNSAFE_IN_LINES.exec(text)?.index ?? -1;
    if (this.spans && !this.sawFix && text.includes('fix:')) this.sawFix = true;
  }

  /** On to the next span: its lines follow the last one read. */
  private nextSpan(): void {
    this.base += this.text.length + 1;
    this.text = this.spans!.span(++this.spanIndex);
    this.at = 0;
    this.spanEnded = false;
    this.startSpan();
  }

  /** No error found so far (the validator's included). */
  clean(): boolean {
    return this.errors.length === 0 && this.validator.errors.length === 0;
  }

  /** Read the next line: its command when it is a step, else null. */
  next(): Command | null {
    if (this.spanEnded) this.nextSpan();
    const { text, lx } = this;
    const at = this.at;
    const line = this.line++;
    let end = this.lf ? text.indexOf('\n', at) : lineEnd(text, at);
    if (end < 0) end = text.length;
    const last = end >= text.length;
    if (last && this.spans !== null && this.spanIndex + 1 < this.spans.spanCount) this.spanEnded = true;
    else this.done = last;
    this.at = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
    if (end - at > BUDGETS.lineChars) {
      this.errors.push({ line, col: 1, message: `line of ${(end - at).toLocaleString('en-US')} characters (the explorer reads at most ${BUDGETS.lineChars.toLocaleString('en-US')} per line)` });
      this.done = true;
      return null;
    }
    let unsafeAt = -1;
    if (this.unsafe >= 0 && this.unsafe < end) {
      unsafeAt = this.unsafe;
      UNSAFE_IN_LINES.lastIndex = end;
      this.unsafe = UNSAFE_IN_LINES.exec(text)?.index ?? -1;
    }
    lx.lex(text, at, end, line, unsafeAt);
    const plain = this.plain && lx.n > 1 && lx.errors.length === 0;
    // A kept step needs no Command now (it is read back when asked for): a plainly valid one is checked from its tokens.
    if (plain && this.keep && this.plainStep()) return null;
    const cmd = parseStatement(lx);
    // A scanned step is handed out with its Command, parsed; a plainly valid one still needs no validation.
    if (plain && !this.keep && cmd !== null && this.plainStep()) return cmd;
    const over = cmd === null ? null : overBudget(cmd, this.budget);
    if (over) {
      this.errors.push(over);
      this.done = true;
      return null;
    }
    return this.addLine(cmd);
  }

  /**
   * The line just lexed as a step checked straight from its tokens
   * (validate-line.ts), kept as its line when kept: false when it is not plainly a
   * valid step within the budgets (then nothing changed, and the line is
   * parsed and validated as a statement, which says what is wrong).
   */
  private plainStep(): boolean {
    const { budget, lx } = this;
    if (budget.steps >= BUDGETS.steps) return false;
    const bytes = this.validator.checkPlain(lx);
    if (bytes < 0 || budget.literalBytes + bytes > BUDGETS.literalBytesTotal) return false;
    budget.steps++;
    budget.literalBytes += bytes;
    this.validator.commitPlain(lx);
    this.steps++;
    this.prev = undefined;
    if (this.keep) this.kept.addStep(lx.lineStart, lx.lineEnd, lx.line);
    return true;
  }

  /** What the line just lexed is, in the document and to the validator; its command when it is a step. */
  private addLine(cmd: Command | null): Command | null {
    const { lx, errors, validator } = this;
    const comment = lx.comment();
    if (lx.n === 1 && comment !== null && lx.errors.length === 0) {
      this.addDoc(teachingLine(comment, lx.line, lx.commentAt - lx.lineStart + 1, this.prev, this.narration, errors));
      return null;
    }
    if (lx.errors.length > 0) {
      // Report the first lexical error; keep what could be read of the statement for later lines.
      errors.push(lx.errors[0]!);
      if (cmd !== null) validator.failed(lx.line, cmd.targets, cmd.op);
      else if (lx.n > 1) validator.failed(lx.line, failed.targets, failed.op);
      return null;
    }
    if (lx.n === 1) {
      this.addDoc(comment === null ? BLANK : { kind: 'comment', text: comment });
      return null;
    }
    if (cmd === null) {
      errors.push(failed.error!);
      validator.failed(lx.line, failed.targets, failed.op);
      return null;
    }
    const isStep = validator.ok(stmtView.of(cmd, lx)) === 'step';
    if (isStep) {
      this.steps++;
      this.prev = undefined;
      // A step's statement is read back from its line when asked for (KeptLines); the few others are kept.
      if (this.keep) this.kept.addStep(lx.lineStart, lx.lineEnd, lx.line);
      return cmd;
    }
    this.addDoc({ kind: 'stmt', cmd, comment });
    return null;
  }

  private addDoc(l: DocLine): void {
    this.prev = l;
    if (this.keep) this.kept.add(l);
  }

  /** After the last line: the validator's errors join the lines' own. */
  finish(): void {
    this.kept.trimBlanks();
    this.validator.finish();
    for (const e of this.validator.errors) this.errors.push(e);
  }
}

/** The end of the line starting at `at`: the next \n or \r, or the end of the text. */
function lineEnd(text: string, at: number): number {
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return text.length;
}

/** Lines of the text, split on \n, \r\n or \r. */
function countLines(text: string): number {
  let n = 1;
  if (text.indexOf('\r') < 0) {
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
    return n;
  }
  for (let at = 0; at < text.length; ) {
    const end = lineEnd(text, at);
    if (end >= text.length) break;
    n++;
    at = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
  return n;
}

/**
 * The run-wide budgets a line may exceed: statements per scenario and bytes
 * held by all literals together (each literal is already limited on its own).
 */
function overBudget(cmd: Command, budget: { literalBytes: number; steps: number }): ParseError | null {
  if (++budget.steps > BUDGETS.steps) {
    return { line: cmd.loc.line, col: cmd.loc.col, message: `more than ${BUDGETS.steps.toLocaleString('en-US')} statements (the explorer runs at most ${BUDGETS.steps.toLocaleString('en-US')} per scenario)` };
  }
  // Arguments, then option values, then checks' bytes, in that order (no arrays or iterators made: this runs per statement).
  const { args, kwargs, checks } = cmd;
  for (let i = 0; i < args.length; i++) if (addLiteral(args[i]!, budget)) return literalsOverBudget(args[i]!);
  for (let i = 0; i < kwargs.length; i++) if (addLiteral(kwargs[i]!.value, budget)) return literalsOverBudget(kwargs[i]!.value);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (c.k === 'bytes' && addLiteral(c.expr, budget)) return literalsOverBudget(c.expr);
  }
  return null;
}

/** Count a literal's bytes; true when the total is now over the budget. */
function addLiteral(e: Expr, budget: { literalBytes: number }): boolean {
  if (e.k !== 'str' && e.k !== 'bytes') return false;
  budget.literalBytes += e.bytes.length;
  return budget.literalBytes > BUDGETS.literalBytesTotal;
}

function literalsOverBudget(e: Expr): ParseError {
  return { line: e.loc.line, col: e.loc.col, message: `the scenario's bytes literals hold more than ${BUDGETS.literalBytesTotal / 1024 / 1024} MiB together (the explorer's limit)` };
}

/** A whole-line comment as a DocLine: narration, a fix marker, a solution line (only right after a region), or a plain comment. */
function teachingLine(comment: string, line: number, col: number, prev: DocLine | undefined, narration: NarrationLine[], errors: ParseError[]): DocLine {
  const role = classifyComment(comment, col);
  if (role.kind === 'narration') {
    const n = parseNarrationLine(role.text, line, role.textCol);
    errors.push(...n.errors);
    narration.push({ line, text: n.text, textCol: n.textCol, focus: n.focus });
    return { kind: 'narration', focus: n.focus, text: n.text };
  }
  if (role.kind === 'fix') return { kind: 'fix', mark: role.mark };
  const afterRegion = prev !== undefined && ((prev.kind === 'fix' && prev.mark === 'end') || prev.kind === 'solution');
  if (role.kind === 'solution' && afterRegion) return { kind: 'solution', text: role.text };
  return { kind: 'comment', text: comment };
}

/** The statements in order (the document's), body statements numbered as steps 1…n. */
function placeStatements(lines: DocLine[]): Placed[] {
  let step = 0;
  const out: Placed[] = [];
  for (const l of lines) {
    if (l.kind !== 'stmt') continue;
    const isStep = !HEADER_OPS.has(l.cmd.op) && !isTeachingStatement(l.cmd.op);
    out.push({ line: l.cmd.loc.line, step: isStep ? ++step : null, cmd: l.cmd });
  }
  return out;
}

/**
 * A bug hunt's reference solution must parse: the text with every region
 * replaced by its solution is parsed too, and its errors are reported at the
 * solution line they come from (or at the region's first solution line).
 * Null when there is no region or the solution parses.
 */
function solutionErrors(text: string, teaching: Teaching): ParseError[] | null {
  const regions = teaching.fixes;
  if (regions.length === 0) return null;
  const solved = parseUnsafe(applySolution(text));
  if (solved.ok) return null;
  const errors = solved.errors.map((e) => {
    // Lines of the solved text map back: a region of n lines became its solution's m lines.
    let shift = 0;
    for (const g of regions) {
      const from = g.begin + 1 + shift;
      const m = g.solution.length;
      if (e.line >= from && e.line < from + m) return { line: g.solutionLines![0] + (e.line - from), col: 1, message: `in the solution: ${e.message}` };
      shift += m - (g.end - g.begin - 1);
    }
    const at = regions[0]!.solutionLines![0];
    return { line: at, col: 1, message: `with the solution applied, line ${e.line}: ${e.message}` };
  });
  return sortErrors(errors).slice(0, MAX_ERRORS);
}

function sortErrors(errors: ParseError[]): ParseError[] {
  const seen = new Set<string>();
  return [...errors]
    .sort((x, y) => x.line - y.line || x.col - y.col)
    .filter((e) => {
      const key = `${e.line}:${e.col}:${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** A parsed statement with the token locations the validator reports at. */
export interface ParsedStmt {
  cmd: Command;
  /** The operation name. */
  opLoc: Loc;
  /** The closing parenthesis (too few arguments are reported there). */
  closeLoc: Loc;
  targetLocs: Loc[];
}

/**
 * The statement just parsed, as the validator reads it: one object for every
 * statement, its locations made only when asked for (an error is reported
 * there). The validator does not keep it.
 */
class StmtView implements ParsedStmt {
  cmd!: Command;
  private line = 0;
  private opCol = 0;
  private closeCol = 0;
  private targetCols: number[] = [];
  private targets = 0;

  of(cmd: Command, lx: LineLexer): this {
    this.cmd = cmd;
    this.line = lx.line;
    this.opCol = lx.col(parsed.op);
    this.closeCol = lx.col(parsed.close);
    this.targets = cmd.targets.length;
    for (let t = 0; t < this.targets; t++) this.targetCols[t] = lx.col(2 * t);
    return this;
  }

  get opLoc(): Loc {
    return { line: this.line, col: this.opCol };
  }

  get closeLoc(): Loc {
    return { line: this.line, col: this.closeCol };
  }

  get targetLocs(): Loc[] {
    return this.targetCols.slice(0, this.targets).map((col) => ({ line: this.line, col }));
  }
}

const stmtView = new StmtView();

// ---------------------------------------------------------------- one line

/*
 * The line parser reads the lexer's token buffer by index, from `p`. A
 * function that fails returns null with the error in `fail` (at a token).
 * Module state: a line's parse runs to its end without yielding (a scan
 * yields only between lines), and nothing it calls parses.
 */
let p = 0;
let lex: LineLexer;
/** The error, at token `at`. */
const fail = { at: 0, message: '' };
/** Token indices of the statement just parsed. */
const parsed = { op: 0, close: 0 };
/** A line that failed: its error, and its targets and operation as far as they could be read (so later lines can still use the names). */
const failed: { error: ParseError | null; targets: string[]; op: string | null } = { error: null, targets: [], op: null };

/** Shared empty lists (read-only): most statements have no options, no checks or no targets. */
const NO_NAMES: string[] = Object.freeze([]) as unknown as string[];
const NO_EXPRS: Expr[] = Object.freeze([]) as unknown as Expr[];
const NO_KWARGS: KwArg[] = Object.freeze([]) as unknown as KwArg[];
const NO_CHECKS: Check[] = Object.freeze([]) as unknown as Check[];

function failAt(at: number, message: string): null {
  fail.at = at;
  fail.message = message;
  return null;
}

const kindAt = (i: number): number => lex.kindAt(i);
const locAt = (i: number): Loc => ({ line: lex.line, col: lex.col(i) });
/** The index of the next token, moving past it (it stays on the eol). */
const next = (): number => (p < lex.n ? p++ : lex.n - 1);

/**
 * Parse the statement on the lexed line: its Command, or null (an empty
 * line, or an error: then `failed` says what could be read and `fail` where).
 */
function parseStatement(lx: LineLexer): Command | null {
  lex = lx;
  p = 0;
  failed.error = null;
  failed.targets = NO_NAMES;
  failed.op = null;
  const first = kindAt(0);
  if (first === T_EOL) return null;
  if (first !== T_NAME) return lineFails(failAt(0, `expected a statement (an operation such as kmalloc(…), or names = operation(…)), got ${show(0)}`));
  // Targets: `a = op(…)` or `a, b = op(…)`.
  let targets = NO_NAMES;
  if (kindAt(1) === T_EQ) {
    // One target, the common case.
    targets = [lx.str[0]!];
    failed.targets = targets;
    p = 2;
  } else if (kindAt(1) === T_COMMA) {
    targets = [];
    failed.targets = targets;
    for (;;) {
      const t = next();
      if (kindAt(t) !== T_NAME) return lineFails(failAt(t, `expected a name to assign, got ${show(t)}`));
      targets.push(lx.str[t]!);
      const sep = next();
      if (kindAt(sep) === T_EQ) break;
      if (kindAt(sep) !== T_COMMA) return lineFails(failAt(sep, `expected '=' or ',' after '${lx.str[t]}', got ${show(sep)}`));
    }
  }
  const opTok = next();
  if (kindAt(opTok) !== T_NAME) {
    return lineFails(failAt(opTok, `expected an operation name${targets.length ? " after '='" : ''}, got ${show(opTok)}`));
  }
  const op = lx.str[opTok]!;
  failed.op = op;
  const open = next();
  if (kindAt(open) !== T_LPAREN) {
    if (kindAt(open) === T_ARROW || kindAt(open) === T_EOL) return lineFails(failAt(open, `expected '(' after '${op}' (write ${op}(…))`));
    return lineFails(failAt(open, `expected '(' after '${op}', got ${show(open)}`));
  }

  const call = parseArgs();
  if (call === null) return lineFails(null);
  const { args, kwargs } = call;
  const close = p - 1;
  // The statement starts at its first token: the first target, or the operation.
  const loc = locAt(0);
  const source = lx.text.slice(lx.start[0]!, lx.end[close]!);

  let checks = NO_CHECKS;
  let predicted = -1;
  for (;;) {
    const t = next();
    const k = kindAt(t);
    if (k === T_EOL) break;
    let check: Check | null;
    if (k === T_PREDICT) {
      if (predicted >= 0) return lineFails(failAt(t, `one prediction per statement (the first '=>?' is at column ${lx.col(predicted)})`));
      predicted = t;
      check = parsePrediction(t);
    } else {
      if (k !== T_ARROW) return lineFails(failAt(t, `expected '=>' or the end of the line after ')', got ${show(t)}`));
      check = parseCheck(t);
    }
    if (check === null) return lineFails(null);
    // Lists are made to their size (a list grown by push keeps room for 16 more).
    if (checks === NO_CHECKS) checks = [check];
    else checks.push(check);
  }
  parsed.op = opTok;
  parsed.close = close;
  return { op, targets, args, kwargs, checks, loc, source };
}

/** The line failed: `fail` says where (the argument is the null the failing parse returned). */
function lineFails(_failed: null): null {
  failed.error = { line: lex.line, col: lex.col(fail.at), message: fail.message };
  return null;
}

const argScratch: Expr[] = [];
const kwargScratch: KwArg[] = [];

/** The arguments parseArgs just read. */
const argsRead: { args: Expr[]; kwargs: KwArg[] } = { args: NO_EXPRS, kwargs: NO_KWARGS };

/** Arguments after the opening parenthesis, up to and including the closing one. */
function parseArgs(): typeof argsRead | null {
  argsRead.args = NO_EXPRS;
  argsRead.kwargs = NO_KWARGS;
  if (kindAt(p) === T_RPAREN) {
    p++;
    return argsRead;
  }
  // Gathered in reused lists, then copied at their size (the lists' lengths are not reset: setting a length is a call).
  const args = argScratch;
  const kwargs = kwargScratch;
  let nArgs = 0;
  let nKwargs = 0;
  for (;;) {
    const t = p;
    const k = kindAt(t);
    if (k === T_NAME && kindAt(t + 1) === T_EQ) {
      p += 2;
      const value = parseExpr();
      if (value === null) return null;
      const key = lex.str[t]!;
      for (let i = 0; i < nKwargs; i++) if (kwargs[i]!.key === key) return failAt(t, `key '${key}' is given twice`);
      kwargs[nKwargs++] = { key, value, loc: locAt(t) };
    } else {
      if (nKwargs > 0 && k !== T_RPAREN && k !== T_EOL) {
        return failAt(t, 'positional argument after key=value options (write positional arguments first)');
      }
      const value = parseExpr();
      if (value === null) return null;
      args[nArgs++] = value;
    }
    const sep = next();
    const s = kindAt(sep);
    if (s === T_RPAREN) {
      argsRead.args = nArgs > 0 ? copyOf(args, nArgs) : NO_EXPRS;
      argsRead.kwargs = nKwargs > 0 ? copyOf(kwargs, nKwargs) : NO_KWARGS;
      return argsRead;
    }
    if (s === T_EOL) return failAt(sep, "expected ')' after arguments");
    if (s === T_LPAREN) return failAt(sep, "unexpected '(' (calls cannot be nested: assign the inner result to a name first)");
    if (s !== T_COMMA) return failAt(sep, `expected ',' or ')' after an argument, got ${show(sep)}`);
  }
}

/** The first n items of a scratch list, in a list of their own. */
function copyOf<T>(scratch: T[], n: number): T[] {
  return scratch.slice(0, n);
}

function parseExpr(): Expr | null {
  const t = p;
  const k = kindAt(t);
  if (k === T_STR || k === T_HEX || isFill(t)) return parseBytesExpr();
  if (k === T_INT) {
    p++;
    const e: Expr = { k: 'int', value: lex.value[t]!, raw: lex.intText(t), loc: locAt(t) };
    return kindAt(p) === T_BAR ? parseFlags(e) : e;
  }
  if (k === T_NAME) {
    p++;
    const name = lex.str[t]!;
    const after = p;
    const a = kindAt(after);
    if (a === T_LPAREN) return failAt(after, `unexpected '(' after '${name}' (calls cannot be nested: assign the result to a name first)`);
    if (a === T_PLUS || a === T_MINUS) {
      p++;
      const n = next();
      const sign = KIND_NAMES[a]!;
      if (kindAt(n) !== T_INT) return failAt(n, `expected an integer offset after '${sign}' (${name} ${sign} 64), got ${show(n)}`);
      const offset = (a === T_MINUS ? -lex.value[n]! : lex.value[n]!) || 0;
      return { k: 'offset', name, offset, raw: lex.intText(n), loc: locAt(t) };
    }
    const e: Expr = { k: 'name', name, loc: locAt(t) };
    return a === T_BAR ? parseFlags(e) : e;
  }
  if (k === T_MINUS && kindAt(t + 1) === T_INT) return failAt(t, 'negative numbers are not allowed here');
  if (k === T_RPAREN || k === T_COMMA) return failAt(t, `expected an argument before ${show(t)}`);
  return failAt(t, `expected an argument (a name, a number, a string or bytes), got ${show(t)}`);
}

function parseFlags(firstItem: Expr): Expr | null {
  const items = flagScratch;
  items[0] = firstItem;
  let n = 1;
  while (kindAt(p) === T_BAR) {
    p++;
    const t = next();
    const k = kindAt(t);
    if (k === T_NAME) items[n++] = { k: 'name', name: lex.str[t]!, loc: locAt(t) };
    else if (k === T_INT) items[n++] = { k: 'int', value: lex.value[t]!, raw: lex.intText(t), loc: locAt(t) };
    else return failAt(t, `expected a flag name after '|', got ${show(t)}`);
  }
  return { k: 'flags', items: copyOf(items, n), loc: firstItem.loc };
}
const flagScratch: Expr[] = [];

/** `fill` followed by `(` at token index i. */
function isFill(i: number): boolean {
  return kindAt(i) === T_NAME && lex.str[i] === 'fill' && kindAt(i + 1) === T_LPAREN;
}

/** Bytes parts joined with `+`: a lone string is a 'str' expression, anything else 'bytes'. */
function parseBytesExpr(): Expr | null {
  const start = p;
  if (kindAt(start) === T_STR && kindAt(start + 1) !== T_PLUS) {
    // A lone string, the common case: its text and bytes as the lexer read them.
    p++;
    const bytes = lex.bytes[start]!;
    if (bytes.length > MAX_BYTES_LITERAL) return failAt(start, `bytes literal too large (at most ${MAX_BYTES_LITERAL} bytes)`);
    return { k: 'str', text: lex.str[start] ?? decodeUtf8(bytes), bytes, loc: locAt(start) };
  }
  const parts: BytesPart[] = [];
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const part = parseBytesPart();
    if (part === null) return null;
    total += partBytes.length;
    if (total > MAX_BYTES_LITERAL) return failAt(start, `bytes literal too large (at most ${MAX_BYTES_LITERAL} bytes)`);
    parts.push(part);
    chunks.push(partBytes);
    if (kindAt(p) !== T_PLUS) break;
    p++;
  }
  if (parts.length === 1 && kindAt(start) === T_STR) {
    return { k: 'str', text: decodeUtf8(chunks[0]!), bytes: chunks[0]!, loc: locAt(start) };
  }
  return { k: 'bytes', parts, bytes: concatBytes(chunks, total), loc: locAt(start) };
}

/** The bytes of the part parseBytesPart just read. */
let partBytes: Uint8Array = new Uint8Array();

function parseBytesPart(): BytesPart | null {
  const isF = isFill(p);
  const t = next();
  const k = kindAt(t);
  if (k === T_STR) {
    const b = lex.bytes[t]!;
    partBytes = b;
    const text = lex.str[t] ?? strictUtf8(b);
    // A string part that is not valid UTF-8 cannot be kept as text: keep its bytes as hex.
    return text === null ? { k: 'hex', hex: bytesHex(b) } : { k: 'str', text };
  }
  if (k === T_HEX) {
    partBytes = lex.bytes[t]!;
    return { k: 'hex', hex: bytesHex(partBytes) };
  }
  if (isF) return parseFill();
  return failAt(t, `expected bytes after '+' ("text", x"de ad" or fill(BYTE, COUNT)), got ${show(t)}`);
}

/** `fill(BYTE, COUNT)` after the name `fill`. */
function parseFill(): BytesPart | null {
  p++; // '('
  const byte = next();
  if (kindAt(byte) !== T_INT) return failAt(byte, `expected a byte value in fill(BYTE, COUNT), got ${show(byte)}`);
  if (lex.value[byte]! > 255) return failAt(byte, `fill byte must be 0..255, got ${lex.textOf(byte)}`);
  const comma = next();
  if (kindAt(comma) !== T_COMMA) return failAt(comma, `expected ',' after the byte in fill(BYTE, COUNT), got ${show(comma)}`);
  const count = next();
  if (kindAt(count) !== T_INT) return failAt(count, `expected a count in fill(BYTE, COUNT), got ${show(count)}`);
  if (lex.value[count]! > MAX_BYTES_LITERAL) return failAt(count, `fill count too large (at most ${MAX_BYTES_LITERAL} bytes)`);
  const close = next();
  if (kindAt(close) !== T_RPAREN) return failAt(close, `expected ')' after fill(BYTE, COUNT), got ${show(close)}`);
  const b = lex.value[byte]!;
  const n = lex.value[count]!;
  partBytes = new Uint8Array(n).fill(b);
  return { k: 'fill', byte: b, count: n };
}

function parseCheck(arrow: number): Check | null {
  const t = p;
  const k = kindAt(t);
  const loc = locAt(t);
  if (k === T_STR || k === T_HEX || isFill(t)) {
    const e = parseBytesExpr();
    if (e === null) return null;
    const bytes = e.k === 'str' || e.k === 'bytes' ? e.bytes : new Uint8Array();
    return { k: 'bytes', bytes, expr: e, loc };
  }
  if (k === T_INT) {
    p++;
    return { k: 'int', value: lex.value[t]!, raw: lex.intText(t), loc };
  }
  if (k === T_NAME) {
    p++;
    const name = lex.str[t]!;
    if (name === 'ok') return { k: 'ok', loc };
    if (name === 'warning') {
      const s = next();
      if (kindAt(s) !== T_STR) return failAt(s, `expected a string after 'warning' (=> warning "substring"), got ${show(s)}`);
      return { k: 'warning', text: lex.str[s] ?? decodeUtf8(lex.bytes[s]!), loc };
    }
    if (isErrorName(name)) return { k: 'error', name, loc };
    return failAt(t, `unknown check '${name}' (expected bytes, an integer, an error name such as EBUSY, DMA_MAPPING_ERROR, NULL or FAULT, warning "…", or ok)`);
  }
  if (k === T_EOL) return failAt(arrow, "expected a check after '=>'");
  if (k === T_MINUS && kindAt(t + 1) === T_INT) return failAt(t, 'negative numbers are not allowed (expect an error by its name: => EINVAL)');
  return failAt(t, `expected a check after '=>', got ${show(t)}`);
}

/**
 * A prediction `=>? a | b | …`: two or more distinct check values; the first
 * is the answer and is checked like `=> a`.
 */
function parsePrediction(arrow: number): Check | null {
  const choices: Check[] = [];
  const seen = new Set<string>();
  for (;;) {
    const at = p;
    const k = kindAt(at);
    if (k === T_EOL || k === T_BAR) return failAt(choices.length ? at : arrow, "expected a choice after '=>?' or '|' (=>? \"frame 1\" | \"frame 2\")");
    const v = parseCheck(arrow);
    if (v === null) return null;
    const key = printCheckValue(v);
    if (seen.has(key)) return failAt(at, `the choice ${key} is given twice`);
    seen.add(key);
    choices.push(v);
    if (kindAt(p) !== T_BAR) break;
    p++;
  }
  if (choices.length < 2) return failAt(arrow, 'a prediction offers two or more choices: =>? ANSWER | OTHER (the first is the answer)');
  return { ...choices[0]!, choices };
}

/** Token i as an error message names it. */
function show(i: number): string {
  const k = kindAt(i);
  const text = lex.textOf(i);
  switch (k) {
    case T_EOL:
      return 'the end of the line';
    case T_NAME:
      return `'${text}'`;
    case T_INT:
      return `the number ${text}`;
    case T_STR:
      return `the string ${text.length > 24 ? text.slice(0, 20) + '…"' : text}`;
    case T_HEX:
      return 'hex bytes';
    default:
      return `'${text}'`;
  }
}

const lenientDecoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(b: Uint8Array): string {
  return lenientDecoder.decode(b);
}

/** The text of valid UTF-8 bytes, or null. */
function strictUtf8(b: Uint8Array): string | null {
  try {
    return strictDecoder.decode(b);
  } catch {
    return null;
  }
}

function concatBytes(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
