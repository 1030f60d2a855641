/**
 * Validator for parsed scenario statements: applies the operation table
 * (ops.ts) and the header rules of SCENARIO-LANGUAGE.md.
 *
 * It checks: known operations, arity, argument kinds, names defined before use
 * (devices and iommus from the header, everything else from an earlier
 * assignment; a name may be re-assigned), known constants, header values,
 * header statements before the first operation, declared iommus, duplicate
 * declarations, and that each `=> …` check makes sense for its operation.
 * Every error carries the line:col of the offending token.
 */
import type { Check, Command, Expr, Loc } from '../sim/command.ts';
import { ARCHES, KERNEL_RANGE, DEFAULT_MACHINE, archKernelProblem, kernelCode, type Arch } from '../sim/config.ts';
import { iommuOffRefusal, iommuRefusal } from '../sim/kernel-versions.ts';
import { layoutProblem } from '../sim/layout.ts';
import { configFromHeader } from './header.ts';
import { BUDGETS, literalBudgetError } from '../sim/budgets.ts';
import { HEADER_OPS, OPERATIONS, lookupOp } from '../sim/operations.ts';
import type { ParseError } from './lexer.ts';
import type { ParsedStmt } from './parser.ts';
import { CONSTANTS, DIRECTIONS, DMA_ATTRS, GFP_FLAGS, IOMMU_PROT, closest, describeKind, describeType, isReservedName, signatureText } from './ops.ts';
import type { ArgKind, ArgSpec, OpSig, OptionSpec, ValueType } from './ops.ts';
import { printCheck, printCheckValue, printExpr } from './printer.ts';
import { checkCompareIommu, checkComparePort, isTeachingStatement, validateTeachingStatement } from './teaching.ts';
import type { TeachingContext } from './teaching.ts';
import { ACCEPTS, checkPlainStep, plain } from './validate-line.ts';
import type { NameType } from './validate-line.ts';
import type { LineLexer } from './lexer.ts';

/** What the validator gets for each line that held a statement. */
export type Statement =
  | ({ kind: 'ok' } & ParsedStmt)
  /** A line with a syntax error: what could be read of it, so later lines can still use its names. */
  | { kind: 'failed'; line: number; targets: string[]; op: string | null };

export interface Validated {
  errors: ParseError[];
  header: Command[];
  body: Command[];
  /** lesson(…), compare(…) and hint(…): language-level statements, neither header nor steps (teaching.ts). */
  teaching: Command[];
}

interface Scope {
  devices: Map<string, number>;
  iommus: Map<string, number>;
  /** Names assigned so far and their types, in assignment order. A Map: the keeping parse's names are not interned, and a dictionary object's key would be (~10 % of that parse). */
  names: Map<string, NameType>;
  /** Line of the first operation after the header, once seen. */
  firstOpLine: number | null;
  machineLine: number | null;
  /** The machine(…) statement when it checked clean: a device's bus_limit may move arm64's low reservations (layout.ts). */
  machine: Command | null;
  /** Declared devices' bus_limit (dma-ranges), in declaration order. */
  busLimits: { name: string; busLimit: number }[];
  /** A header line failed to parse: unknown device or iommu names are not reported (they may be its). */
  headerFailed: boolean;
}

type Err = { loc: Loc; message: string };

/** Validate statements in order. */
export function validateStatements(stmts: Statement[]): Validated {
  const v = new Validator();
  const body: Command[] = [];
  for (const s of stmts) {
    if (s.kind === 'failed') v.failed(s.line, s.targets, s.op);
    else if (v.ok(s) === 'step') body.push(s.cmd);
  }
  v.finish();
  return { errors: v.errors, header: v.header, body, teaching: v.teaching };
}

/**
 * Validates statements one at a time, in order, as the parser reads them (a
 * statement is checked against the names defined before it), then the checks
 * that need them all (`finish`). Keeps the header and teaching statements
 * (few), never the steps: a long scenario's steps are validated as they are
 * read and need not be kept.
 */
export class Validator {
  readonly errors: ParseError[] = [];
  readonly header: Command[] = [];
  readonly teaching: Command[] = [];
  private readonly scope: Scope = {
    devices: new Map(),
    iommus: new Map(),
    names: new Map(),
    firstOpLine: null,
    machineLine: null,
    machine: null,
    busLimits: [],
    headerFailed: false,
  };
  private readonly ctx: TeachingContext = { firstOpLine: null, firstHeaderLine: null, lessonLine: null };
  private readonly found: Err[] = [];

  /** A line with a syntax error: what could be read of it, so later lines can still use its names. */
  failed(line: number, targets: string[], op: string | null): void {
    defineFailed({ line, targets, op }, this.scope);
  }

  /** A statement that parsed (not kept: a header or teaching statement's command is); says what it is. */
  ok(s: ParsedStmt): 'header' | 'teaching' | 'step' {
    const { found, scope } = this;
    let role: 'header' | 'teaching' | 'step';
    if (isTeachingStatement(s.cmd.op)) {
      this.ctx.firstOpLine = scope.firstOpLine;
      validateTeachingStatement(s.cmd, s.opLoc, s.targetLocs, this.ctx, found);
      this.teaching.push(s.cmd);
      role = 'teaching';
    } else {
      validateStatement(s, scope, found);
      role = HEADER_OPS.has(s.cmd.op) ? 'header' : 'step';
      if (role === 'header') {
        this.ctx.firstHeaderLine ??= s.cmd.loc.line;
        this.header.push(s.cmd);
      }
    }
    if (found.length === 0) return role;
    for (const e of found) this.errors.push({ line: e.loc.line, col: e.loc.col, message: e.message });
    found.length = 0;
    return role;
  }

  /**
   * The step on the line `lx` holds, checked straight from its tokens
   * (validate-line.ts): the bytes its literals hold, or -1 when it is not
   * plainly valid and must be parsed and validated as a statement (`ok`).
   * Changes nothing: `commitPlain` defines its names.
   */
  checkPlain(lx: LineLexer): number {
    return checkPlainStep(lx, this.scope);
  }

  /** The step checkPlain just passed is taken: its names are defined, as `ok` would have. */
  commitPlain(lx: LineLexer): void {
    const { scope } = this;
    const results = plain.sig!.results;
    if (scope.firstOpLine === null) scope.firstOpLine = lx.line;
    for (let i = 0; i < plain.targets; i++) scope.names.set(lx.str[2 * i]!, results[i]!);
  }

  /** The checks that need every statement (compare presets against the header); call once, after the last statement. */
  finish(): void {
    const late: Err[] = [];
    checkCompareIommu(this.teaching, this.header, late);
    if (!this.scope.headerFailed) {
      checkIommuKernel(this.header, late);
      checkIommuOff(this.header, late);
    }
    checkComparePort(this.teaching, this.header, late);
    for (const e of late) this.errors.push({ line: e.loc.line, col: e.loc.col, message: e.message });
  }
}

function defineFailed(s: { line: number; targets: string[]; op: string | null }, scope: Scope): void {
  const sig = s.op === null ? undefined : lookupOp(s.op);
  if (s.op === null || HEADER_OPS.has(s.op) || isTeachingStatement(s.op)) {
    if (scope.firstOpLine === null) scope.headerFailed = true;
  } else if (scope.firstOpLine === null) {
    scope.firstOpLine = s.line;
  }
  s.targets.forEach((t, i) => {
    const type = sig && sig.results.length === s.targets.length ? sig.results[i]! : 'any';
    scope.names.set(t, type);
  });
}

function validateStatement(s: ParsedStmt, scope: Scope, errs: Err[]): void {
  const { cmd } = s;
  const sig = lookupOp(cmd.op);
  if (!sig) {
    const guess = closest(cmd.op, OPERATIONS.keys());
    errs.push({ loc: s.opLoc, message: `unknown operation '${cmd.op}'${guess ? ` (did you mean ${guess}?)` : ''}` });
    if (scope.firstOpLine === null) scope.firstOpLine = cmd.loc.line;
    cmd.targets.forEach((t) => scope.names.set(t, 'any'));
    return;
  }
  const isHeader = sig.section === 'header';
  if (isHeader && scope.firstOpLine !== null) {
    errs.push({
      loc: s.opLoc,
      message: `header statement '${cmd.op}' must come before the first operation (line ${scope.firstOpLine})`,
    });
  }
  if (!isHeader && scope.firstOpLine === null) scope.firstOpLine = cmd.loc.line;

  const before = errs.length;
  checkTargets(s, sig, scope, errs);
  checkArity(s, sig, errs);
  const n = sig.repeat ? cmd.args.length : Math.min(cmd.args.length, sig.args.length + sig.optional.length);
  for (let i = 0; i < n; i++) {
    const spec = argSpec(sig, i);
    const e = checkValue(spec.kind, undefined, cmd.args[i]!, subject(sig, i, spec.name), spec.name, scope);
    if (e) errs.push(e);
    else checkBudget(cmd.op, spec, cmd.args[i]!, errs);
  }
  if (cmd.op === 'sg_table' && cmd.args.length > 2 * BUDGETS.sgEntries) {
    errs.push({ loc: cmd.args[2 * BUDGETS.sgEntries]!.loc, message: `sg_table: more than ${BUDGETS.sgEntries} entries (the explorer models at most ${BUDGETS.sgEntries} per table)` });
  }
  checkOptions(s, sig, scope, errs);
  checkChecks(s, sig, errs);
  const clean = errs.length === before;

  if (cmd.op === 'machine') declareMachine(s, scope, clean, errs);
  if (cmd.op === 'iommu' || cmd.op === 'device') declareName(s, scope, errs);
  if (cmd.op === 'iommu' && clean) checkIommu(cmd, errs);
  if (cmd.op === 'device' && clean) checkDeviceDmaOps(cmd, errs);
  if (cmd.op === 'device' && clean) checkDeviceBusLimit(cmd, scope, errs);

  for (let i = 0; i < cmd.targets.length; i++) {
    const type = sig.results.length === cmd.targets.length ? sig.results[i]! : 'any';
    scope.names.set(cmd.targets[i]!, type);
  }
}

/** A literal over one of the explorer's budgets (src/sim/budgets.ts) is refused before anything runs. */
function checkBudget(op: string, spec: ArgSpec, e: Expr, errs: Err[]): void {
  const message = literalBudgetError(op, spec, e);
  if (message) errs.push({ loc: e.loc, message });
}

function argSpec(sig: OpSig, i: number): ArgSpec {
  if (sig.repeat) return sig.repeat[i % sig.repeat.length]!;
  return i < sig.args.length ? sig.args[i]! : sig.optional[i - sig.args.length]!;
}

/**
 * The value being checked, named only when a message needs it: "argument 2
 * (p) of dma_map_single" (i ≥ 0) or "dir= of device" (an option, i = -1).
 * One object, reused: every statement's arguments go through here.
 */
interface Subject {
  sig: OpSig;
  i: number;
  label: string;
}
const SUBJECT: Subject = { sig: undefined as unknown as OpSig, i: 0, label: '' };

function subject(sig: OpSig, i: number, label: string): Subject {
  SUBJECT.sig = sig;
  SUBJECT.i = i;
  SUBJECT.label = label;
  return SUBJECT;
}

function whatOf(s: Subject): string {
  return s.i >= 0 ? `argument ${s.i + 1} (${s.label}) of ${s.sig.name}` : `${s.label}= of ${s.sig.name}`;
}

// ---------------------------------------------------------------- targets, arity

function checkTargets(s: ParsedStmt, sig: OpSig, scope: Scope, errs: Err[]): void {
  const { cmd } = s;
  if (cmd.targets.length === 0) return;
  if (sig.section === 'header') {
    errs.push({ loc: s.targetLocs[0]!, message: `${cmd.op}(…) cannot be assigned: write ${cmd.op}(NAME, …)` });
    return;
  }
  if (sig.results.length === 0) {
    errs.push({ loc: s.targetLocs[0]!, message: `${cmd.op} returns nothing to assign` });
    return;
  }
  if (cmd.targets.length !== sig.results.length) {
    const n = sig.results.length;
    errs.push({
      loc: s.targetLocs[0]!,
      message: `${cmd.op} gives ${n} result${n === 1 ? '' : 's'}: write ${signatureText(sig).split('(')[0]}(…)`,
    });
    return;
  }
  const { targets } = cmd;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const problem = isReservedName(t)
      ? `'${t}' is a constant and cannot be assigned`
      : scope.devices.has(t)
        ? `'${t}' is a device (line ${scope.devices.get(t)}); choose another name`
        : scope.iommus.has(t)
          ? `'${t}' is an iommu (line ${scope.iommus.get(t)}); choose another name`
          : i > 0 && targets.lastIndexOf(t, i - 1) >= 0
            ? `'${t}' is assigned twice in one statement`
            : null;
    if (problem !== null) errs.push({ loc: s.targetLocs[i]!, message: problem });
  }
}

function checkArity(s: ParsedStmt, sig: OpSig, errs: Err[]): void {
  const got = s.cmd.args.length;
  if (sig.repeat) {
    const k = sig.repeat.length;
    if (got === 0 || got % k !== 0) {
      const names = sig.repeat.map((r) => r.name).join(', ');
      errs.push({
        loc: s.closeLoc,
        message: `${sig.name} takes one or more (${names}) pairs, got ${got} argument${got === 1 ? '' : 's'}`,
      });
    }
    return;
  }
  const min = sig.args.length;
  const max = min + sig.optional.length;
  if (got >= min && got <= max) return;
  const takes = max === 0 ? 'no positional arguments' : min === max ? plural(min, 'argument') : max === min + 1 ? `${min} or ${max} arguments` : `${min} to ${max} arguments`;
  const loc = got < min ? s.closeLoc : s.cmd.args[max]!.loc;
  errs.push({ loc, message: `${sig.name} takes ${takes}, got ${got} (${signatureText(sig)})` });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- options

function checkOptions(s: ParsedStmt, sig: OpSig, scope: Scope, errs: Err[]): void {
  const { kwargs } = s.cmd;
  for (let i = 0; i < kwargs.length; i++) {
    const kw = kwargs[i]!;
    const spec: OptionSpec | undefined = Object.hasOwn(sig.options, kw.key) ? sig.options[kw.key] : undefined;
    if (!spec) {
      const keys = Object.keys(sig.options);
      if (keys.length === 0) {
        errs.push({ loc: kw.loc, message: `${sig.name} takes no key=value options (got '${kw.key}=')` });
      } else {
        const guess = closest(kw.key, keys);
        errs.push({
          loc: kw.loc,
          message: `unknown key '${kw.key}' for ${sig.name} (expected ${keys.join(', ')}${guess ? `; did you mean ${guess}?` : ''})`,
        });
      }
      continue;
    }
    const e = checkValue(spec.kind, spec.values, kw.value, subject(sig, -1, kw.key), kw.key, scope);
    if (e) errs.push(e);
  }
}

// ---------------------------------------------------------------- values

/**
 * Check one argument or option value against its kind. `what` names it in
 * messages ("argument 2 (p) of dma_map_single"); `label` is its short name ("p").
 * Nothing is allocated unless there is an error: this runs for every argument.
 */
function checkValue(
  kind: ArgKind,
  values: readonly string[] | undefined,
  e: Expr,
  what: Subject,
  label: string,
  scope: Scope,
): Err | null {
  switch (kind) {
    case 'size':
    case 'size0':
    case 'int':
    case 'byte':
    case 'bits':
    case 'bits0': {
      if (e.k !== 'int') return badValue(kind, values, e, what);
      return checkIntRange(kind, e.value, label, e.loc);
    }
    case 'dev':
    case 'iommu':
      return e.k === 'name' ? checkDecl(kind, e.name, e.loc, what, scope) : badValue(kind, values, e, what);
    case 'newname':
      if (e.k !== 'name') return badValue(kind, values, e, what);
      if (isReservedName(e.name)) return badValue(kind, values, e, what, `${whatOf(what)} must be a new name, not the constant '${e.name}'`);
      return null;
    case 'ptr':
    case 'handle':
      if (e.k === 'name' || e.k === 'offset') return checkRef(kind, e.name, e.loc, what, scope);
      if (kind === 'handle' && e.k === 'int') return null;
      return badValue(kind, values, e, what);
    case 'buf':
      if (e.k === 'offset') return badValue(kind, values, e, what, `${whatOf(what)} must be the buffer itself (${e.name}), not an offset into it`);
      return e.k === 'name' ? checkRef(kind, e.name, e.loc, what, scope) : badValue(kind, values, e, what);
    case 'sgt':
    case 'domain':
    case 'vm':
    case 'dmabuf':
    case 'attach':
      return e.k === 'name' ? checkRef(kind, e.name, e.loc, what, scope) : badValue(kind, values, e, what);
    case 'dir':
      if (e.k === 'flags') return badValue(kind, values, e, what, `${whatOf(what)} must be one DMA direction, not flags joined with |`);
      return e.k === 'name' ? checkConstant(e.name, e.loc, DIRECTIONS, 'DMA direction') : badValue(kind, values, e, what);
    case 'gfp':
      return checkFlags(e, GFP_FLAGS, 'GFP flag', what, kind);
    case 'attrs':
      return checkFlags(e, DMA_ATTRS, 'DMA attribute', what, kind);
    case 'prot':
      return checkFlags(e, IOMMU_PROT, 'IOMMU prot flag', what, kind);
    case 'bytes':
      return e.k === 'str' || e.k === 'bytes' ? null : badValue(kind, values, e, what);
    case 'bool':
      return e.k === 'name' && (e.name === 'true' || e.name === 'false') ? null : badValue(kind, values, e, what);
    case 'version':
      return e.k === 'str' ? checkVersion(e.text, e.loc) : badValue(kind, values, e, what, `${whatOf(what)} must be a version string such as "6.18", got ${shortExpr(e)}`);
    case 'text':
      return e.k === 'str' ? null : badValue(kind, values, e, what, `${whatOf(what)} must be a string such as "0000:03:00.0", got ${shortExpr(e)}`);
    case 'enum': {
      const v = e.k === 'name' ? e.name : e.k === 'str' ? e.text : null;
      if (v !== null && values?.includes(v)) return null;
      const guess = v === null ? undefined : closest(v, values ?? []);
      return badValue(kind, values, e, what, `${label} must be one of ${(values ?? []).join(', ')}, got ${shortExpr(e)}${guess ? ` (did you mean ${guess}?)` : ''}`);
    }
  }
}

/** A value of the wrong kind, with the message given or the usual one. */
function badValue(kind: ArgKind, values: readonly string[] | undefined, e: Expr, what: Subject, message?: string): Err {
  return { loc: e.loc, message: message ?? `${whatOf(what)} must be ${describeKind(kind, values)}, got ${shortExpr(e)}` };
}

function shortExpr(e: Expr): string {
  const s = printExpr(e);
  return s.length > 32 ? `${s.slice(0, 29)}…` : s;
}

function checkIntRange(kind: ArgKind, v: number, label: string, loc: Loc): Err | null {
  switch (kind) {
    case 'size':
      return v > 0 ? null : { loc, message: `${label} must be positive` };
    case 'byte':
      return v <= 255 ? null : { loc, message: `${label} must be a byte value 0..255, got ${v}` };
    case 'bits':
      return v >= 1 && v <= 64 ? null : { loc, message: `${label} must be between 1 and 64 (bits), got ${v}` };
    case 'bits0':
      return v <= 64 ? null : { loc, message: `${label} must be between 0 and 64 (bits), got ${v}` };
    default:
      return null;
  }
}

function checkVersion(text: string, loc: Loc): Err | null {
  const code = /^\d+\.\d+$/.test(text) ? kernelCode(text) : NaN;
  if (Number.isNaN(code)) return { loc, message: `kernel must be a version "MAJOR.MINOR" such as "6.18", got "${text}"` };
  if (code < kernelCode(KERNEL_RANGE.oldest) || code > kernelCode(KERNEL_RANGE.newest)) {
    return { loc, message: `kernel must be between "${KERNEL_RANGE.oldest}" and "${KERNEL_RANGE.newest}", got "${text}"` };
  }
  return null;
}

function checkConstant(name: string, loc: Loc, allowed: readonly string[], what: string): Err | null {
  if (allowed.includes(name)) return null;
  const guess = closest(name, allowed);
  if (CONSTANTS.has(name)) return { loc, message: `'${name}' is not a ${what} (expected ${allowed.join(', ')})` };
  return {
    loc,
    message: `unknown ${what} '${name}' (${guess ? `did you mean ${guess}? ` : ''}expected ${allowed.join(', ')})`,
  };
}

function checkFlags(e: Expr, allowed: readonly string[], what: string, arg: Subject, kind: ArgKind): Err | null {
  if (e.k !== 'flags') return checkFlag(e, true, allowed, what, arg, kind);
  for (const item of e.items) {
    const err = checkFlag(item, e.items.length === 1, allowed, what, arg, kind);
    if (err) return err;
  }
  return null;
}

function checkFlag(item: Expr, alone: boolean, allowed: readonly string[], what: string, arg: Subject, kind: ArgKind): Err | null {
  if (item.k === 'int') {
    if (item.value === 0 && alone) return null;
    return { loc: item.loc, message: `${whatOf(arg)} must be ${describeKind(kind)}; the only number allowed is 0, alone` };
  }
  if (item.k !== 'name') return { loc: item.loc, message: `${whatOf(arg)} must be ${describeKind(kind)}, got ${shortExpr(item)}` };
  return checkConstant(item.name, item.loc, allowed, what);
}

/** A device or iommu name from the header. */
function checkDecl(kind: 'dev' | 'iommu', name: string, loc: Loc, arg: Subject, scope: Scope): Err | null {
  if ((kind === 'dev' ? scope.devices : scope.iommus).has(name)) return null;
  const what = whatOf(arg);
  const [mine, other, word, otherWord] =
    kind === 'dev' ? [scope.devices, scope.iommus, 'device', 'an iommu'] : [scope.iommus, scope.devices, 'iommu', 'a device'];
  if (other.has(name)) return { loc, message: `'${name}' is ${otherWord}, but ${what} must be ${describeKind(kind)}` };
  const t = scope.names.get(name);
  if (t !== undefined) {
    return { loc, message: `'${name}' is ${t === 'any' ? 'a value' : describeType(t)}, but ${what} must be ${describeKind(kind)}` };
  }
  if (scope.headerFailed) return null;
  const guess = closest(name, mine.keys());
  const decl = kind === 'dev' ? `device(${name})` : `iommu(${name})`;
  return {
    loc,
    message: `'${name}' is not a declared ${word} (${guess ? `did you mean ${guess}? ` : ''}declare it in the header: ${decl})`,
  };
}

/** A name assigned earlier, of a type the kind accepts. */
function checkRef(kind: ArgKind, name: string, loc: Loc, arg: Subject, scope: Scope): Err | null {
  const accepts = ACCEPTS[kind] ?? [];
  const t = scope.names.get(name);
  if (t === 'any' || (t !== undefined && accepts.includes(t))) return null;
  const what = whatOf(arg);
  const want = describeKind(kind);
  if (t !== undefined) {
    return { loc, message: `'${name}' is ${describeType(t)}, but ${what} must be ${want}` };
  }
  if (scope.devices.has(name)) return { loc, message: `'${name}' is a device, but ${what} must be ${want}` };
  if (scope.iommus.has(name)) return { loc, message: `'${name}' is an iommu, but ${what} must be ${want}` };
  if (CONSTANTS.has(name) || name === 'true' || name === 'false') {
    return { loc, message: `'${name}' is a constant, but ${what} must be ${want}` };
  }
  const candidates = [...scope.names].filter(([, ty]) => ty === 'any' || accepts.includes(ty)).map(([n]) => n);
  const guess = closest(name, candidates);
  const hint = guess ? `; did you mean ${guess}?` : '';
  return { loc, message: `'${name}' is not defined (assign it first: ${name} = ${makerOf(kind)}${hint})` };
}

/** The first operation in the table that makes a value of this kind, for "assign it first" hints: `dma_map_single(...)`. */
function makerOf(kind: ArgKind): string {
  const made: ValueType = kind === 'handle' || kind === 'sgt' || kind === 'domain' || kind === 'vm' || kind === 'dmabuf' || kind === 'attach' ? kind : 'buf';
  for (const o of OPERATIONS.values()) if (o.results.includes(made)) return `${o.name}(...)`;
  return '(...)';
}

// ---------------------------------------------------------------- checks

function checkChecks(s: ParsedStmt, sig: OpSig, errs: Err[]): void {
  const { cmd } = s;
  if (sig.section === 'header') {
    if (cmd.checks.length > 0) errs.push({ loc: cmd.checks[0]!.loc, message: `header statements take no checks` });
    return;
  }
  let ok: Check | null = null;
  let value: Check | null = null;
  let error: Check | null = null;
  for (let i = 0; i < cmd.checks.length; i++) {
    const c = cmd.checks[i]!;
    if (c.k === 'bytes' && !sig.readsBytes) {
      errs.push({ loc: c.loc, message: `${printCheck(c)} checks bytes, but ${cmd.op} reads no bytes` });
    } else if (c.k === 'int' && !sig.yieldsInt) {
      const gives = sig.readsBytes ? `gives bytes (check them with => "…" or => x"…")` : 'gives no integer result';
      errs.push({ loc: c.loc, message: `${printCheck(c)} checks an integer result, but ${cmd.op} ${gives}` });
    } else if (c.k === 'error' && error && error.k === 'error' && error.name !== c.name) {
      errs.push({ loc: c.loc, message: `${printCheck(c)} contradicts ${printCheck(error)}: a call fails one way` });
    } else if ((c.k === 'error' && (ok || value)) || ((c.k === 'ok' || c.k === 'int' || c.k === 'bytes') && error)) {
      const other = c.k === 'error' ? (ok ?? value)! : error!;
      errs.push({ loc: c.loc, message: `${printCheck(c)} contradicts ${printCheck(other)}` });
    }
    if (c.k === 'ok') ok = c;
    if (c.k === 'int' || c.k === 'bytes') value = c;
    if (c.k === 'error') error = c;
    // A prediction's other choices must be answers this operation could give.
    const choices = c.choices;
    for (let j = 1; choices && j < choices.length; j++) {
      const v = choices[j]!;
      if (v.k === 'bytes' && !sig.readsBytes) errs.push({ loc: v.loc, message: `the choice ${printCheckValue(v)} is bytes, but ${cmd.op} reads no bytes` });
      if (v.k === 'int' && !sig.yieldsInt) errs.push({ loc: v.loc, message: `the choice ${printCheckValue(v)} is an integer, but ${cmd.op} gives no integer result` });
    }
  }
}

// ---------------------------------------------------------------- header

function declareMachine(s: ParsedStmt, scope: Scope, clean: boolean, errs: Err[]): void {
  if (scope.machineLine !== null) {
    errs.push({ loc: s.opLoc, message: `machine(…) is given twice (first on line ${scope.machineLine})` });
    return;
  }
  scope.machineLine = s.cmd.loc.line;
  if (!clean) return;
  const before = errs.length;
  checkMachine(s.cmd, errs);
  if (errs.length === before) scope.machine = s.cmd;
}

function declareName(s: ParsedStmt, scope: Scope, errs: Err[]): void {
  const e = s.cmd.args[0];
  if (!e || e.k !== 'name' || isReservedName(e.name)) return;
  const name = e.name;
  const [mine, word] = s.cmd.op === 'device' ? [scope.devices, 'device'] : [scope.iommus, 'iommu'];
  if (scope.devices.has(name) || scope.iommus.has(name)) {
    const line = scope.devices.get(name) ?? scope.iommus.get(name);
    const what = scope.devices.has(name) ? 'device' : 'iommu';
    errs.push({
      loc: e.loc,
      message: what === word ? `${word} '${name}' is declared twice (first on line ${line})` : `'${name}' is already declared as ${what === 'device' ? 'a device' : 'an iommu'} (line ${line})`,
    });
    return;
  }
  if (scope.names.has(name)) {
    errs.push({ loc: e.loc, message: `'${name}' is already a name assigned by an operation; choose another ${word} name` });
    return;
  }
  mine.set(name, s.cmd.loc.line);
}

function kwInt(cmd: Command, key: string): { value: number; loc: Loc } | null {
  const kw = cmd.kwargs.find((k) => k.key === key);
  return kw && kw.value.k === 'int' ? { value: kw.value.value, loc: kw.value.loc } : null;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** machine(arch=…): the architecture as written, or null when it is not one the engine knows. */
function headerArchOrNull(cmd: Command): Arch | null {
  const a = cmd.kwargs.find((k) => k.key === 'arch')?.value;
  const arch = a ? (a.k === 'name' ? a.name : a.k === 'str' ? a.text : null) : DEFAULT_MACHINE.arch;
  return arch !== null && (ARCHES as readonly string[]).includes(arch) ? (arch as Arch) : null;
}

const headerArch = (cmd: Command): Arch => headerArchOrNull(cmd) ?? DEFAULT_MACHINE.arch;

/** machine(kernel=…) when it is a version the engine takes, else the default kernel. */
function headerKernel(cmd: Command): string {
  const kernel = cmd.kwargs.find((k) => k.key === 'kernel')?.value;
  return kernel && kernel.k === 'str' && !checkVersion(kernel.text, kernel.loc) ? kernel.text : DEFAULT_MACHINE.kernel;
}

/** machine(arch=…, kernel=…): the architecture's port must exist in that kernel (config.ts archKernelProblem: riscv from 4.15). */
function checkArchKernel(cmd: Command, errs: Err[]): void {
  const kernel = cmd.kwargs.find((k) => k.key === 'kernel')?.value;
  if (!kernel || kernel.k !== 'str' || checkVersion(kernel.text, kernel.loc)) return;
  const arch = headerArchOrNull(cmd);
  if (arch === null) return;
  const problem = archKernelProblem(arch, kernel.text);
  if (problem) errs.push({ loc: kernel.loc, message: problem });
}

/** Machine values that only make sense together: cache geometry, RAM size, the low pools. */
function checkMachine(cmd: Command, errs: Err[]): void {
  checkArchKernel(cmd, errs);
  const get = (k: 'ram' | 'cache' | 'line' | 'ways' | 'swiotlb' | 'cma'): { value: number; loc: Loc } =>
    kwInt(cmd, k) ?? { value: DEFAULT_MACHINE[k], loc: cmd.loc };
  const ram = get('ram');
  const cache = get('cache');
  const line = get('line');
  const ways = get('ways');
  const swiotlb = get('swiotlb');
  const cma = get('cma');
  if (!isPow2(line.value) || line.value < 16 || line.value > 4096) {
    errs.push({ loc: line.loc, message: `line must be a power of two between 16 and 4096, got ${line.value}` });
  } else if (ways.value > 64) {
    errs.push({ loc: ways.loc, message: `ways must be between 1 and 64, got ${ways.value}` });
  } else {
    const sets = cache.value / (line.value * ways.value);
    if (!isPow2(sets)) {
      errs.push({
        loc: cache.loc,
        message: `cache must be line × ways (${line.value * ways.value}) times a power of two (the number of sets), got ${cache.value}`,
      });
    } else if (cache.value > 64 * MIB) {
      errs.push({ loc: cache.loc, message: `cache must be at most 64M, got ${cache.value}` });
    }
  }
  if (ram.value % 4096 !== 0 || ram.value < 16 * MIB || ram.value > 1024 * GIB) {
    errs.push({ loc: ram.loc, message: `ram must be a multiple of 4K between 16M and 1024G, got ${ram.value}` });
    return;
  }
  for (const [name, v] of [['swiotlb', swiotlb], ['cma', cma]] as const) {
    if (v.value % 4096 !== 0) {
      errs.push({ loc: v.loc, message: `${name} must be a multiple of 4K, got ${v.value}` });
      return;
    }
  }
  const problem = layoutProblem({ arch: headerArch(cmd), kernel: headerKernel(cmd), ram: ram.value, cma: cma.value, swiotlb: swiotlb.value });
  if (problem) errs.push({ loc: kwInt(cmd, 'swiotlb')?.loc ?? kwInt(cmd, 'cma')?.loc ?? ram.loc, message: problem });
}

/**
 * A device's bus_limit is a dma-ranges, and on arm64 from 5.11 the lowest one
 * sets ZONE_DMA's top, below which boot reserves the CMA area and the swiotlb
 * pool (layout.ts): refused here, at the bus_limit, when they no longer fit.
 */
function checkDeviceBusLimit(cmd: Command, scope: Scope, errs: Err[]): void {
  const name = cmd.args[0];
  const limit = kwInt(cmd, 'bus_limit');
  if (!name || name.k !== 'name' || !limit || limit.value <= 0) return;
  scope.busLimits.push({ name: name.name, busLimit: limit.value });
  const m = scope.machine;
  const value = (k: 'ram' | 'swiotlb' | 'cma'): number => (m ? kwInt(m, k)?.value : undefined) ?? DEFAULT_MACHINE[k];
  const config = { arch: m ? headerArch(m) : DEFAULT_MACHINE.arch, kernel: m ? headerKernel(m) : DEFAULT_MACHINE.kernel, ram: value('ram'), cma: value('cma'), swiotlb: value('swiotlb') };
  if (layoutProblem(config)) return; // the machine line already says so
  const problem = layoutProblem({ ...config, devices: scope.busLimits });
  if (problem) errs.push({ loc: limit.loc, message: problem });
}

/** dma_ops=own (thread 001's proposal) needs the device's own MMU, and models no system IOMMU behind it. */
function checkDeviceDmaOps(cmd: Command, errs: Err[]): void {
  const kv = cmd.kwargs.find((k) => k.key === 'dma_ops');
  if (!kv || kv.value.k !== 'name' || kv.value.name !== 'own') return;
  const mmu = cmd.kwargs.find((k) => k.key === 'mmu');
  if (!mmu || mmu.value.k !== 'name' || mmu.value.name !== 'true') errs.push({ loc: kv.value.loc, message: 'dma_ops=own puts the device\'s own MMU behind its dma_map_ops: declare it with mmu=true' });
  const io = cmd.kwargs.find((k) => k.key === 'iommu');
  if (io) errs.push({ loc: io.value.loc, message: 'dma_ops=own is modelled without a system IOMMU behind the device: drop iommu= (the own ops replace the system ones)' });
}

/**
 * An IOMMU the declared machine's kernel cannot have (iommuRefusal, which
 * createMachine applies again after "Run as" / --kernel overrides): the error
 * sits on the iommu(…) or device(…) declaration it is about.
 */
function checkIommuKernel(header: readonly Command[], errs: Err[]): void {
  if (!header.some((c) => c.op === 'iommu')) return;
  let r: ReturnType<typeof iommuRefusal>;
  try {
    r = iommuRefusal(configFromHeader(header));
  } catch {
    return; // a header value the statement checks already reported
  }
  if (!r) return;
  const decl = header.find((c) => (r.iommu ? c.op === 'iommu' && nameArg(c) === r.iommu : c.op === 'device' && nameArg(c) === r.device));
  errs.push({ loc: decl ? decl.loc : header[0]!.loc, message: r.message });
}

/** machine(iommu_off=true) where the explorer cannot model it (iommuOffRefusal, which createMachine applies again after "Run as"). */
function checkIommuOff(header: readonly Command[], errs: Err[]): void {
  const machine = header.find((c) => c.op === 'machine');
  const kv = machine?.kwargs.find((k) => k.key === 'iommu_off');
  if (!kv) return;
  let message: string | null;
  try {
    const config = configFromHeader(header);
    // without kernel= the version is the one "Run as" / --kernel picks, which createMachine checks
    const written = machine!.kwargs.some((k) => k.key === 'kernel');
    message = iommuOffRefusal(written ? config : { ...config, kernel: KERNEL_RANGE.oldest });
  } catch {
    return; // a header value the statement checks already reported
  }
  if (message) errs.push({ loc: kv.value.loc, message });
}

function nameArg(c: Command): string | null {
  const e = c.args[0];
  return e && e.k === 'name' ? e.name : null;
}

function checkIommu(cmd: Command, errs: Err[]): void {
  const pg = kwInt(cmd, 'pgsize');
  if (pg && ![4096, 16384, 65536].includes(pg.value)) {
    errs.push({ loc: pg.loc, message: `pgsize must be 4K, 16K or 64K, got ${pg.value}` });
  }
}
