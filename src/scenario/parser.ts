/**
 * Parser for the scenario language (SCENARIO-LANGUAGE.md): text → Commands.
 *
 * `parseScenario` lexes and parses each line, then validates the statements
 * against the operation table (validate.ts) and builds the machine
 * configuration from the header (header.ts). It never throws: every problem is
 * a ParseError with the 1-based line:col of the offending token and what was
 * expected. Comments and blank lines are kept in a ScenarioDoc so that the
 * printer can reproduce a readable file.
 */
import type { BytesPart, Check, Command, Expr, KwArg, Loc } from '../sim/command.ts';
import type { MachineConfig } from '../sim/config.ts';
import { lexLine, splitLines } from './lexer.ts';
import { BUDGETS } from '../sim/budgets.ts';
import type { LexedLine, ParseError, Token } from './lexer.ts';
import { isErrorName } from './ops.ts';
import { HEADER_OPS } from '../sim/operations.ts';
import { StatementValidator } from './validate.ts';
import { printCheckValue } from './printer.ts';
import { configFromHeader } from './header.ts';
import { classifyComment, applySolution } from './markup.ts';
import { buildTeaching, isTeachingStatement, parseNarrationLine } from './teaching.ts';
import type { FocusSpec, NarrationLine, Placed, Teaching } from './teaching.ts';

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
    return checkSolution(text, parseUnsafe(text));
  } catch (e) {
    // A bug in the parser must not take the editor down: report it as an error.
    return { ok: false, errors: [{ line: 1, col: 1, message: `internal parser error: ${String(e)}` }] };
  }
}

function parseUnsafe(text: string): ParseResult {
  const read = readStatements(text, false);
  let next = read.next();
  while (!next.done) next = read.next();
  const r = next.value;
  if (r.errors.length > 0) return { ok: false, errors: sortErrors(r.errors).slice(0, MAX_ERRORS) };
  const { header } = r.validator;
  const built = buildTeaching(text, r.placed, r.narration, r.validator.teaching);
  if (built.errors.length > 0) return { ok: false, errors: sortErrors(built.errors).slice(0, MAX_ERRORS) };
  return { ok: true, scenario: { header, body: r.body, config: configFromHeader(header), doc: { lines: r.lines }, teaching: built.teaching } };
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
 * Parse and validate a scenario without keeping its steps: yields each step
 * as soon as it is read and validated, while the text has shown no error so
 * far, and returns what parseScenario would say (the errors, or the header,
 * configuration and teaching). After the first error no more steps are
 * yielded. The caller paces the parse (it may run each step, and yield to
 * its event loop, between two); a step needed again is read back with
 * statementAt(). Never throws.
 */
export function* scanScenario(text: string): Generator<ScannedStep, ScanResult, void> {
  try {
    const r = yield* readStatements(text, true);
    if (r.errors.length > 0) return { ok: false, errors: sortErrors(r.errors).slice(0, MAX_ERRORS) };
    const { header } = r.validator;
    // Narration is attached to steps by their lines and the names they assign: read the steps again for it (lessons are short).
    const placed = r.narration.length > 0 ? placeAllStatements(text) : r.placed;
    const built = buildTeaching(text, placed, r.narration, r.validator.teaching);
    if (built.errors.length > 0) return { ok: false, errors: sortErrors(built.errors).slice(0, MAX_ERRORS) };
    const config = configFromHeader(header);
    if (built.teaching.fixes.length > 0) {
      const solved = checkSolution(text, { ok: true, scenario: { header, body: [], config, doc: { lines: [] }, teaching: built.teaching } });
      if (!solved.ok) return solved;
    }
    return { ok: true, scenario: { header, config, teaching: built.teaching, steps: r.steps } };
  } catch (e) {
    return { ok: false, errors: [{ line: 1, col: 1, message: `internal parser error: ${String(e)}` }] };
  }
}

/**
 * The statement on the line that starts at `lineStart` (its 1-based number
 * `line`), read again as scanScenario read it, with the line's trailing
 * comment. Only for a line that scanScenario yielded as a step.
 */
export function statementAt(text: string, lineStart: number, line: number): { cmd: Command; comment: string | null } {
  const lexed = lexLine(text.slice(lineStart, lineEnd(text, lineStart)), line);
  const parsed = parseLine(lexed);
  if (parsed.kind !== 'stmt') throw new Error(`line ${line} does not hold a statement`);
  return { cmd: parsed.stmt.cmd, comment: lexed.comment };
}

/** The number of lines splitLines would cut the text into. */
function countLines(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

/** Where the line starting at `from` ends (at its \n, \r\n or \r), as splitLines splits. */
function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return text.length;
}

/** Every statement's line and step, for the narration (scanScenario did not keep them). */
function placeAllStatements(text: string): Placed[] {
  const out: Placed[] = [];
  let step = 0;
  splitLines(text).forEach((lineText, i) => {
    const parsed = parseLine(lexLine(lineText, i + 1));
    if (parsed.kind !== 'stmt') return;
    const { op, targets, loc } = parsed.stmt.cmd;
    out.push({ line: loc.line, step: isStepOp(op) ? ++step : null, cmd: { op, targets } });
  });
  return out;
}

const isStepOp = (op: string): boolean => !HEADER_OPS.has(op) && !isTeachingStatement(op);

interface Read {
  errors: ParseError[];
  validator: StatementValidator;
  /** The steps, the statements' places and the document: kept only when not streamed. */
  body: Command[];
  placed: Placed[];
  lines: DocLine[];
  narration: NarrationLine[];
  steps: number;
}

/**
 * The statements of a text, read, validated and placed, line by line.
 * Streamed, each step is yielded (while no error was found) and neither the
 * steps nor the document are kept.
 */
function* readStatements(text: string, streamed: boolean): Generator<ScannedStep, Read, void> {
  const r: Read = { errors: [], validator: new StatementValidator(), body: [], placed: [], lines: [], narration: [], steps: 0 };
  const { errors, validator, lines } = r;
  // Lines are cut one at a time, as splitLines cuts them: no array of every line lives through a long parse.
  const lineCount = countLines(text);
  if (lineCount > BUDGETS.lines) {
    errors.push({ line: BUDGETS.lines + 1, col: 1, message: `the scenario has ${lineCount.toLocaleString('en-US')} lines (the explorer reads at most ${BUDGETS.lines.toLocaleString('en-US')})` });
    return r;
  }
  const budget = { literalBytes: 0, steps: 0 };
  const keep = (l: DocLine): void => {
    if (!streamed) lines.push(l);
  };
  let at = 0;
  for (let i = 0; i < lineCount; i++) {
    const lineStart = at;
    const end = lineEnd(text, at);
    const lineText = text.slice(lineStart, end);
    at = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
    if (lineText.length > BUDGETS.lineChars) {
      errors.push({ line: i + 1, col: 1, message: `line of ${lineText.length.toLocaleString('en-US')} characters (the explorer reads at most ${BUDGETS.lineChars.toLocaleString('en-US')} per line)` });
      break;
    }
    const lexed = lexLine(lineText, i + 1);
    const parsed = parseLine(lexed);
    const over = overBudget(parsed, budget);
    if (over) {
      errors.push(over);
      break;
    }
    const step = readLine(lineText, lexed, parsed);
    if (step && streamed && errors.length + validator.errors.length === 0) yield { cmd: step, line: lexed.line, lineStart, header: validator.header };
  }
  /** One line into the document, the validator and the places; its command when it is a step. */
  function readLine(lineText: string, lexed: LexedLine, parsed: LineParse): Command | null {
    if (parsed.kind === 'empty' && lexed.comment !== null && lexed.errors.length === 0) {
      keep(teachingLine(lexed.comment, lexed.line, lineText.indexOf(lexed.comment) + 1, lines.at(-1), r.narration, errors));
      return null;
    }
    if (lexed.errors.length > 0) {
      // Report the first lexical error; keep what could be read of the statement for later lines.
      errors.push(lexed.errors[0]!);
      if (parsed.kind === 'error') validator.add({ kind: 'failed', line: lexed.line, targets: parsed.targets, op: parsed.op });
      if (parsed.kind === 'stmt') validator.add({ kind: 'failed', line: lexed.line, targets: parsed.stmt.cmd.targets, op: parsed.stmt.cmd.op });
      return null;
    }
    if (parsed.kind === 'empty') {
      keep(lexed.comment === null ? { kind: 'blank' } : { kind: 'comment', text: lexed.comment });
      return null;
    }
    if (parsed.kind === 'error') {
      errors.push(parsed.error);
      validator.add({ kind: 'failed', line: lexed.line, targets: parsed.targets, op: parsed.op });
      return null;
    }
    const { cmd, opLoc, closeLoc, targetLocs } = parsed.stmt;
    const isStep = validator.add({ kind: 'ok', cmd, opLoc, closeLoc, targetLocs }) === 'step';
    if (isStep) r.steps++;
    keep({ kind: 'stmt', cmd, comment: lexed.comment });
    if (streamed && isStep) return cmd;
    r.placed.push({ line: cmd.loc.line, step: isStep ? r.steps : null, cmd });
    if (isStep) r.body.push(cmd);
    return null;
  }
  // Trailing blank lines (the final newline among them) are not part of the document.
  while (lines.length > 0 && lines[lines.length - 1]!.kind === 'blank') lines.pop();
  validator.finish();
  for (const e of validator.errors) errors.push(e);
  return r;
}

/**
 * The run-wide budgets a line may exceed: statements per scenario and bytes
 * held by all literals together (each literal is already limited on its own).
 */
function overBudget(parsed: LineParse, budget: { literalBytes: number; steps: number }): ParseError | null {
  if (parsed.kind !== 'stmt') return null;
  const { cmd } = parsed.stmt;
  if (++budget.steps > BUDGETS.steps) {
    return { line: cmd.loc.line, col: cmd.loc.col, message: `more than ${BUDGETS.steps.toLocaleString('en-US')} statements (the explorer runs at most ${BUDGETS.steps.toLocaleString('en-US')} per scenario)` };
  }
  // Arguments, then option values, then checks' bytes, in that order (no arrays built: this runs per statement).
  for (const e of cmd.args) if (addLiteral(e, budget)) return literalsOverBudget(e);
  for (const k of cmd.kwargs) if (addLiteral(k.value, budget)) return literalsOverBudget(k.value);
  for (const c of cmd.checks) if (c.k === 'bytes' && addLiteral(c.expr, budget)) return literalsOverBudget(c.expr);
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

/**
 * A bug hunt's reference solution must parse: the text with every region
 * replaced by its solution is parsed too, and its errors are reported at the
 * solution line they come from (or at the region's first solution line).
 */
function checkSolution(text: string, r: ParseResult): ParseResult {
  if (!r.ok || r.scenario.teaching.fixes.length === 0) return r;
  const solved = parseUnsafe(applySolution(text));
  if (solved.ok) return r;
  const regions = r.scenario.teaching.fixes;
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
  return { ok: false, errors: sortErrors(errors).slice(0, MAX_ERRORS) };
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

type LineParse =
  | { kind: 'empty' }
  | { kind: 'stmt'; stmt: ParsedStmt }
  /** A syntax error; targets and op as far as they could be read (so later lines can still use the names). */
  | { kind: 'error'; error: ParseError; targets: string[]; op: string | null };

/** A position in one line's tokens. */
interface Cursor {
  toks: Token[];
  i: number;
}

/** A syntax error at a token. */
interface Fail {
  error: string;
  at: Token;
}

const peek = (c: Cursor, k = 0): Token => c.toks[Math.min(c.i + k, c.toks.length - 1)]!;
const next = (c: Cursor): Token => c.toks[Math.min(c.i++, c.toks.length - 1)]!;
const locOf = (t: Token): Loc => ({ line: t.line, col: t.col });
const isFail = (x: object): x is Fail => 'error' in x;

/** Parse one lexed line. */
export function parseLine(lexed: LexedLine): LineParse {
  const c: Cursor = { toks: lexed.tokens, i: 0 };
  const targets: string[] = [];
  const targetLocs: Loc[] = [];
  let op: string | null = null;
  const fail = (f: Fail): LineParse => ({
    kind: 'error',
    error: { line: f.at.line, col: f.at.col, message: f.error },
    targets,
    op,
  });

  const first = peek(c);
  if (first.kind === 'eol') return { kind: 'empty' };
  if (first.kind !== 'name') {
    return fail({ at: first, error: `expected a statement (an operation such as kmalloc(…), or names = operation(…)), got ${show(first)}` });
  }

  // Targets: `a = op(…)` or `a, b = op(…)`.
  if (peek(c, 1).kind === ',' || peek(c, 1).kind === '=') {
    for (;;) {
      const t = next(c);
      if (t.kind !== 'name') return fail({ at: t, error: `expected a name to assign, got ${show(t)}` });
      targets.push(t.text);
      targetLocs.push(locOf(t));
      const sep = next(c);
      if (sep.kind === '=') break;
      if (sep.kind !== ',') return fail({ at: sep, error: `expected '=' or ',' after '${t.text}', got ${show(sep)}` });
    }
  }
  const opTok = next(c);
  if (opTok.kind !== 'name') {
    return fail({ at: opTok, error: `expected an operation name${targets.length ? " after '='" : ''}, got ${show(opTok)}` });
  }
  op = opTok.text;
  const open = next(c);
  if (open.kind !== '(') {
    if (open.kind === '=>' || open.kind === 'eol') return fail({ at: open, error: `expected '(' after '${op}' (write ${op}(…))` });
    return fail({ at: open, error: `expected '(' after '${op}', got ${show(open)}` });
  }

  const call = parseArgs(c);
  if (isFail(call)) return fail(call);
  const stmtStart = targets.length ? targetLocs[0]! : locOf(opTok);
  const source = lexed.text.slice(stmtStart.col - 1, call.close.col);

  const checks: Check[] = [];
  let predicted: Token | null = null;
  for (;;) {
    const t = next(c);
    if (t.kind === 'eol') break;
    if (t.kind === '=>?') {
      if (predicted) return fail({ at: t, error: `one prediction per statement (the first '=>?' is at column ${predicted.col})` });
      predicted = t;
      const p = parsePrediction(c, t);
      if (isFail(p)) return fail(p);
      checks.push(p);
      continue;
    }
    if (t.kind !== '=>') return fail({ at: t, error: `expected '=>' or the end of the line after ')', got ${show(t)}` });
    const check = parseCheck(c, t);
    if (isFail(check)) return fail(check);
    checks.push(check);
  }

  return {
    kind: 'stmt',
    stmt: {
      cmd: { op, targets, args: call.args, kwargs: call.kwargs, checks, loc: stmtStart, source },
      opLoc: locOf(opTok),
      closeLoc: locOf(call.close),
      targetLocs,
    },
  };
}

/** Arguments after the opening parenthesis, up to and including the closing one. */
function parseArgs(c: Cursor): { args: Expr[]; kwargs: KwArg[]; close: Token } | Fail {
  const args: Expr[] = [];
  const kwargs: KwArg[] = [];
  if (peek(c).kind === ')') return { args, kwargs, close: next(c) };
  for (;;) {
    const t = peek(c);
    if (t.kind === 'name' && peek(c, 1).kind === '=') {
      c.i += 2;
      const value = parseExpr(c);
      if (isFail(value)) return value;
      if (kwargs.some((k) => k.key === t.text)) return { at: t, error: `key '${t.text}' is given twice` };
      kwargs.push({ key: t.text, value, loc: locOf(t) });
    } else {
      if (kwargs.length > 0 && t.kind !== ')' && t.kind !== 'eol') {
        return { at: t, error: 'positional argument after key=value options (write positional arguments first)' };
      }
      const value = parseExpr(c);
      if (isFail(value)) return value;
      args.push(value);
    }
    const sep = next(c);
    if (sep.kind === ')') return { args, kwargs, close: sep };
    if (sep.kind === 'eol') return { at: sep, error: "expected ')' after arguments" };
    if (sep.kind === '(') return { at: sep, error: "unexpected '(' (calls cannot be nested: assign the inner result to a name first)" };
    if (sep.kind !== ',') return { at: sep, error: `expected ',' or ')' after an argument, got ${show(sep)}` };
  }
}

function parseExpr(c: Cursor): Expr | Fail {
  const t = peek(c);
  if (t.kind === 'str' || t.kind === 'hex' || isFill(c, c.i)) return parseBytesExpr(c);
  if (t.kind === 'int') {
    c.i++;
    const e: Expr = { k: 'int', value: t.value!, raw: t.text, loc: locOf(t) };
    return peek(c).kind === '|' ? parseFlags(c, e) : e;
  }
  if (t.kind === 'name') {
    c.i++;
    const after = peek(c);
    if (after.kind === '(') return { at: after, error: `unexpected '(' after '${t.text}' (calls cannot be nested: assign the result to a name first)` };
    if (after.kind === '+' || after.kind === '-') {
      c.i++;
      const n = next(c);
      if (n.kind !== 'int') return { at: n, error: `expected an integer offset after '${after.kind}' (${t.text} ${after.kind} 64), got ${show(n)}` };
      const offset = (after.kind === '-' ? -n.value! : n.value!) || 0;
      return { k: 'offset', name: t.text, offset, raw: n.text, loc: locOf(t) };
    }
    const e: Expr = { k: 'name', name: t.text, loc: locOf(t) };
    return after.kind === '|' ? parseFlags(c, e) : e;
  }
  if (t.kind === '-' && peek(c, 1).kind === 'int') return { at: t, error: 'negative numbers are not allowed here' };
  if (t.kind === ')' || t.kind === ',') return { at: t, error: `expected an argument before ${show(t)}` };
  return { at: t, error: `expected an argument (a name, a number, a string or bytes), got ${show(t)}` };
}

function parseFlags(c: Cursor, firstItem: Expr): Expr | Fail {
  const items: Expr[] = [firstItem];
  while (peek(c).kind === '|') {
    c.i++;
    const t = next(c);
    if (t.kind === 'name') items.push({ k: 'name', name: t.text, loc: locOf(t) });
    else if (t.kind === 'int') items.push({ k: 'int', value: t.value!, raw: t.text, loc: locOf(t) });
    else return { at: t, error: `expected a flag name after '|', got ${show(t)}` };
  }
  return { k: 'flags', items, loc: firstItem.loc };
}

/** `fill` followed by `(` at token index i. */
function isFill(c: Cursor, i: number): boolean {
  const t = c.toks[i];
  return t !== undefined && t.kind === 'name' && t.text === 'fill' && c.toks[i + 1]?.kind === '(';
}

/** Bytes parts joined with `+`: a lone string is a 'str' expression, anything else 'bytes'. */
function parseBytesExpr(c: Cursor): Expr | Fail {
  const start = peek(c);
  const parts: BytesPart[] = [];
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const p = parseBytesPart(c);
    if (isFail(p)) return p;
    total += p.bytes.length;
    if (total > MAX_BYTES_LITERAL) return { at: start, error: `bytes literal too large (at most ${MAX_BYTES_LITERAL} bytes)` };
    parts.push(p.part);
    chunks.push(p.bytes);
    if (peek(c).kind !== '+') break;
    c.i++;
  }
  if (parts.length === 1 && start.kind === 'str') {
    return { k: 'str', text: decodeUtf8(chunks[0]!), bytes: chunks[0]!, loc: locOf(start) };
  }
  return { k: 'bytes', parts, bytes: concatBytes(chunks, total), loc: locOf(start) };
}

function parseBytesPart(c: Cursor): { part: BytesPart; bytes: Uint8Array } | Fail {
  const isF = isFill(c, c.i);
  const t = next(c);
  if (t.kind === 'str') {
    const b = t.bytes!;
    const text = strictUtf8(b);
    // A string part that is not valid UTF-8 cannot be kept as text: keep its bytes as hex.
    return { part: text === null ? { k: 'hex', hex: toHex(b) } : { k: 'str', text }, bytes: b };
  }
  if (t.kind === 'hex') return { part: { k: 'hex', hex: toHex(t.bytes!) }, bytes: t.bytes! };
  if (isF) return parseFill(c);
  return { at: t, error: `expected bytes after '+' ("text", x"de ad" or fill(BYTE, COUNT)), got ${show(t)}` };
}

/** `fill(BYTE, COUNT)` after the name `fill`. */
function parseFill(c: Cursor): { part: BytesPart; bytes: Uint8Array } | Fail {
  c.i++; // '('
  const byte = next(c);
  if (byte.kind !== 'int') return { at: byte, error: `expected a byte value in fill(BYTE, COUNT), got ${show(byte)}` };
  if (byte.value! > 255) return { at: byte, error: `fill byte must be 0..255, got ${byte.text}` };
  const comma = next(c);
  if (comma.kind !== ',') return { at: comma, error: `expected ',' after the byte in fill(BYTE, COUNT), got ${show(comma)}` };
  const count = next(c);
  if (count.kind !== 'int') return { at: count, error: `expected a count in fill(BYTE, COUNT), got ${show(count)}` };
  if (count.value! > MAX_BYTES_LITERAL) return { at: count, error: `fill count too large (at most ${MAX_BYTES_LITERAL} bytes)` };
  const close = next(c);
  if (close.kind !== ')') return { at: close, error: `expected ')' after fill(BYTE, COUNT), got ${show(close)}` };
  return { part: { k: 'fill', byte: byte.value!, count: count.value! }, bytes: new Uint8Array(count.value!).fill(byte.value!) };
}

function parseCheck(c: Cursor, arrow: Token): Check | Fail {
  const t = peek(c);
  const loc = locOf(t);
  if (t.kind === 'str' || t.kind === 'hex' || isFill(c, c.i)) {
    const e = parseBytesExpr(c);
    if (isFail(e)) return e;
    const bytes = e.k === 'str' || e.k === 'bytes' ? e.bytes : new Uint8Array();
    return { k: 'bytes', bytes, expr: e, loc };
  }
  if (t.kind === 'int') {
    c.i++;
    return { k: 'int', value: t.value!, raw: t.text, loc };
  }
  if (t.kind === 'name') {
    c.i++;
    if (t.text === 'ok') return { k: 'ok', loc };
    if (t.text === 'warning') {
      const s = next(c);
      if (s.kind !== 'str') return { at: s, error: `expected a string after 'warning' (=> warning "substring"), got ${show(s)}` };
      return { k: 'warning', text: decodeUtf8(s.bytes!), loc };
    }
    if (isErrorName(t.text)) return { k: 'error', name: t.text, loc };
    return {
      at: t,
      error: `unknown check '${t.text}' (expected bytes, an integer, an error name such as EBUSY, DMA_MAPPING_ERROR, NULL or FAULT, warning "…", or ok)`,
    };
  }
  if (t.kind === 'eol') return { at: arrow, error: "expected a check after '=>'" };
  if (t.kind === '-' && peek(c, 1).kind === 'int') return { at: t, error: 'negative numbers are not allowed (expect an error by its name: => EINVAL)' };
  return { at: t, error: `expected a check after '=>', got ${show(t)}` };
}

/**
 * A prediction `=>? a | b | …`: two or more distinct check values; the first
 * is the answer and is checked like `=> a`.
 */
function parsePrediction(c: Cursor, arrow: Token): Check | Fail {
  const choices: Check[] = [];
  const seen = new Map<string, Token>();
  for (;;) {
    const at = peek(c);
    if (at.kind === 'eol' || at.kind === '|') return { at: choices.length ? at : arrow, error: "expected a choice after '=>?' or '|' (=>? \"frame 1\" | \"frame 2\")" };
    const v = parseCheck(c, arrow);
    if (isFail(v)) return v;
    const key = printCheckValue(v);
    if (seen.has(key)) return { at, error: `the choice ${key} is given twice` };
    seen.set(key, at);
    choices.push(v);
    if (peek(c).kind !== '|') break;
    c.i++;
  }
  if (choices.length < 2) return { at: arrow, error: "a prediction offers two or more choices: =>? ANSWER | OTHER (the first is the answer)" };
  return { ...choices[0]!, choices };
}

function show(t: Token): string {
  switch (t.kind) {
    case 'eol':
      return 'the end of the line';
    case 'name':
      return `'${t.text}'`;
    case 'int':
      return `the number ${t.text}`;
    case 'str':
      return `the string ${t.text.length > 24 ? t.text.slice(0, 20) + '…"' : t.text}`;
    case 'hex':
      return 'hex bytes';
    default:
      return `'${t.text}'`;
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

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
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
