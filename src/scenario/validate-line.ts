/**
 * A step checked straight from the lexer's token buffer, without building
 * its Command: the parser's fast path for the lines of a long scenario (an
 * imported trace is a million of them).
 *
 * `checkPlainStep` reads the line the lexer holds as parser.ts would parse
 * it and applies the rules validate.ts would apply to it, but says only
 * whether the line is a plainly valid step: it makes no message and no
 * object. Anything it does not recognise as valid — a syntax error, an
 * unknown name, a value out of range, and also forms it leaves to the full
 * parser (fill(…), bytes joined with `+`, predictions, a non-ASCII string
 * where its text matters) — makes it answer "not plain", and the caller
 * parses and validates the line as a statement, which finds the error and
 * its message. So it may send a valid line the long way, never the reverse:
 * a line it passes is one the parser and validator accept, with the same
 * names defined (the validator's `commitPlain`).
 */
import { BUDGETS } from '../sim/budgets.ts';
import { lookupOp } from '../sim/operations.ts';
import type { ArgKind, ArgSpec, OpSig, ValueType } from '../sim/operation.ts';
import { LineLexer, T_ARROW, T_BAR, T_COMMA, T_EOL, T_EQ, T_HEX, T_INT, T_LPAREN, T_MINUS, T_NAME, T_PLUS, T_RPAREN, T_STR } from './lexer.ts';
import { DIRECTIONS, DMA_ATTRS, GFP_FLAGS, IOMMU_PROT, isErrorName, isReservedName } from './ops.ts';
import { isTeachingStatement } from './teaching.ts';

/** What a name holds after an assignment ('any': a name whose statement could not be validated). */
export type NameType = ValueType | 'any';

/** The names a step refers to: the validator's scope. */
export interface PlainScope {
  readonly devices: ReadonlyMap<string, number>;
  readonly iommus: ReadonlyMap<string, number>;
  readonly names: ReadonlyMap<string, NameType>;
}

/** The value types each reference kind accepts (a name's type must be one of them, or 'any'). */
export const ACCEPTS: Partial<Record<ArgKind, readonly ValueType[]>> = {
  ptr: ['buf'],
  buf: ['buf'],
  handle: ['handle', 'int'],
  sgt: ['sgt'],
  domain: ['domain'],
  vm: ['vm'],
  dmabuf: ['dmabuf'],
  attach: ['attach'],
};

/** The most bytes one literal may hold (parser.ts's MAX_BYTES_LITERAL). */
const MAX_LITERAL = BUDGETS.accessBytes;

/** The step checkPlainStep last passed: its operation (its targets are tokens 0, 2, …). */
export const plain: { sig: OpSig | null; targets: number } = { sig: null, targets: 0 };

// The line being checked (module state: a check runs to its end, and nothing it calls checks a line).
let kind: Uint8Array;
let lx: LineLexer;
let scope: PlainScope;
/** Bytes held by the line's literals (arguments, options and bytes checks: what the parser's budget counts). */
let literalBytes = 0;
/** Keys of the options read so far (a key given twice is an error). */
const keys: string[] = [];

/**
 * Whether the statement on the lexed line (no lexical error, not empty) is a
 * valid step, checked against `scope`: the bytes its literals hold, or -1
 * when it is not plainly valid and must go through the parser and the
 * validator. Changes nothing.
 */
export function checkPlainStep(lexer: LineLexer, names: PlainScope): number {
  lx = lexer;
  kind = lexer.kind;
  scope = names;
  literalBytes = 0;
  plain.sig = null;
  const { str } = lexer;
  if (kind[0] !== T_NAME) return -1;
  // Targets: `a = op(…)` or `a, b = op(…)`.
  let targets = 0;
  let t = 0;
  if (kind[1] === T_EQ || kind[1] === T_COMMA) {
    for (;;) {
      if (kind[t] !== T_NAME) return -1;
      targets++;
      const sep = kind[t + 1];
      t += 2;
      if (sep === T_EQ) break;
      if (sep !== T_COMMA) return -1;
    }
  }
  if (kind[t] !== T_NAME || kind[t + 1] !== T_LPAREN) return -1;
  const op = str[t]!;
  const sig = lookupOp(op);
  if (sig === undefined || sig.section === 'header' || isTeachingStatement(op)) return -1;
  if (targets > 0 && !targetsOk(sig, targets)) return -1;
  t = args(sig, t + 2);
  if (t < 0) return -1;
  if (!checksOk(sig, t)) return -1;
  plain.sig = sig;
  plain.targets = targets;
  return literalBytes;
}

/** The targets (tokens 0, 2, …) can take the operation's results: as many, none reserved, a device or an iommu, none twice. */
function targetsOk(sig: OpSig, targets: number): boolean {
  if (sig.results.length !== targets) return false;
  const { str } = lx;
  for (let i = 0; i < targets; i++) {
    const name = str[2 * i]!;
    if (mayBeReserved(name) && isReservedName(name)) return false;
    if (scope.devices.has(name) || scope.iommus.has(name)) return false;
    for (let j = 0; j < i; j++) if (str[2 * j] === name) return false;
  }
  return true;
}

/** Every reserved name (a constant, an error name, true, false) starts with a capital or '_' or is a boolean: most names need no further look. */
function mayBeReserved(name: string): boolean {
  const c = name.charCodeAt(0);
  return c < 97 || name === 'true' || name === 'false';
}

/** The arguments from token t (after the '('), up to and including the ')': the token after it, or -1. */
function args(sig: OpSig, t: number): number {
  const { str } = lx;
  let nArgs = 0;
  let nKeys = 0;
  if (kind[t] === T_RPAREN) return arityOk(sig, 0) ? t + 1 : -1;
  for (;;) {
    if (kind[t] === T_NAME && kind[t + 1] === T_EQ) {
      const key = str[t]!;
      for (let i = 0; i < nKeys; i++) if (keys[i] === key) return -1;
      keys[nKeys++] = key;
      const spec = Object.hasOwn(sig.options, key) ? sig.options[key] : undefined;
      if (spec === undefined) return -1;
      t = value(t + 2, spec.kind, spec.values, null);
    } else {
      if (nKeys > 0) return -1;
      const spec = argSpec(sig, nArgs);
      if (spec === undefined) return -1;
      t = value(t, spec.kind, undefined, spec);
      nArgs++;
    }
    if (t < 0) return -1;
    const sep = kind[t++];
    if (sep === T_RPAREN) break;
    if (sep !== T_COMMA) return -1;
  }
  if (!arityOk(sig, nArgs)) return -1;
  if (sig.name === 'sg_table' && nArgs > 2 * BUDGETS.sgEntries) return -1;
  return t;
}

function arityOk(sig: OpSig, n: number): boolean {
  if (sig.repeat) return n > 0 && n % sig.repeat.length === 0;
  return n >= sig.args.length && n <= sig.args.length + sig.optional.length;
}

/** The i-th positional argument's spec; undefined past the last one the operation takes. */
function argSpec(sig: OpSig, i: number): ArgSpec | undefined {
  if (sig.repeat) return sig.repeat[i % sig.repeat.length];
  return i < sig.args.length ? sig.args[i] : sig.optional[i - sig.args.length];
}

/**
 * The value from token t, checked against its kind (and, for a positional
 * argument, its spec's budget): the token after it, or -1.
 */
function value(t: number, k: ArgKind, values: readonly string[] | undefined, spec: ArgSpec | null): number {
  const { str } = lx;
  const first = kind[t];
  const after = kind[t + 1];
  if (first === T_STR || first === T_HEX) {
    if (after === T_PLUS) return -1;
    const n = lx.bytes[t]!.length;
    if (n > MAX_LITERAL) return -1;
    literalBytes += n;
    // A lone string is a 'str' expression; hex bytes are 'bytes'.
    if (k === 'bytes') return spec?.budget && n > BUDGETS.accessBytes ? -1 : t + 1;
    if (first !== T_STR || str[t] === null) return -1;
    if (k === 'text') return t + 1;
    return k === 'enum' && values !== undefined && values.includes(str[t]!) ? t + 1 : -1;
  }
  if (first === T_INT) {
    if (after === T_BAR) return flags(t, k);
    const v = lx.value[t]!;
    if (spec?.budget && v > BUDGETS[spec.budget]) return -1;
    switch (k) {
      case 'size':
        return v > 0 ? t + 1 : -1;
      case 'size0':
      case 'int':
        return t + 1;
      case 'byte':
        return v <= 255 ? t + 1 : -1;
      case 'bits':
        return v >= 1 && v <= 64 ? t + 1 : -1;
      case 'bits0':
        return v <= 64 ? t + 1 : -1;
      case 'handle':
        return t + 1;
      case 'gfp':
      case 'attrs':
      case 'prot':
        // A flags argument takes the number 0, alone.
        return v === 0 ? t + 1 : -1;
      default:
        return -1;
    }
  }
  if (first !== T_NAME || after === T_LPAREN) return -1;
  const name = str[t]!;
  if (after === T_PLUS || after === T_MINUS) {
    // `name ± offset`: a pointer or a handle.
    if (kind[t + 2] !== T_INT) return -1;
    return (k === 'ptr' || k === 'handle') && refOk(k, name) ? t + 3 : -1;
  }
  if (after === T_BAR) return flags(t, k);
  switch (k) {
    case 'dev':
      return scope.devices.has(name) ? t + 1 : -1;
    case 'iommu':
      return scope.iommus.has(name) ? t + 1 : -1;
    case 'ptr':
    case 'handle':
    case 'buf':
    case 'sgt':
    case 'domain':
    case 'vm':
    case 'dmabuf':
    case 'attach':
      return refOk(k, name) ? t + 1 : -1;
    case 'dir':
      return (DIRECTIONS as readonly string[]).includes(name) ? t + 1 : -1;
    case 'gfp':
    case 'attrs':
    case 'prot':
      return flagOk(k, name) ? t + 1 : -1;
    case 'bool':
      return name === 'true' || name === 'false' ? t + 1 : -1;
    case 'enum':
      return values !== undefined && values.includes(name) ? t + 1 : -1;
    default:
      return -1;
  }
}

/** Flags joined with `|` from token t (two or more): each a flag name of the kind (a number is allowed only alone). */
function flags(t: number, k: ArgKind): number {
  if (k !== 'gfp' && k !== 'attrs' && k !== 'prot') return -1;
  for (;;) {
    if (kind[t] !== T_NAME || !flagOk(k, lx.str[t]!)) return -1;
    if (kind[t + 1] !== T_BAR) return t + 1;
    t += 2;
  }
}

function flagOk(k: 'gfp' | 'attrs' | 'prot', name: string): boolean {
  const allowed: readonly string[] = k === 'gfp' ? GFP_FLAGS : k === 'attrs' ? DMA_ATTRS : IOMMU_PROT;
  return allowed.includes(name);
}

/** A name assigned earlier, of a type the kind accepts. */
function refOk(k: ArgKind, name: string): boolean {
  const type = scope.names.get(name);
  return type === 'any' || (type !== undefined && (ACCEPTS[k] ?? []).includes(type));
}

/** The checks from token t (after the ')') to the end of the line: each makes sense for the operation, none contradicts another. */
function checksOk(sig: OpSig, t: number): boolean {
  const { str } = lx;
  let ok = false;
  let val = false;
  let error: string | null = null;
  for (;;) {
    const arrow = kind[t];
    if (arrow === T_EOL) return true;
    if (arrow !== T_ARROW) return false;
    t++;
    const k = kind[t];
    if (k === T_STR || k === T_HEX) {
      if (kind[t + 1] === T_PLUS || !sig.readsBytes || error !== null) return false;
      const n = lx.bytes[t]!.length;
      if (n > MAX_LITERAL) return false;
      literalBytes += n;
      val = true;
      t++;
    } else if (k === T_INT) {
      if (!sig.yieldsInt || error !== null) return false;
      val = true;
      t++;
    } else if (k === T_NAME) {
      const name = str[t++]!;
      if (kind[t] === T_LPAREN) return false;
      if (name === 'ok') {
        if (error !== null) return false;
        ok = true;
      } else if (name === 'warning') {
        if (kind[t] !== T_STR) return false;
        t++;
      } else if (isErrorName(name)) {
        if (ok || val || (error !== null && error !== name)) return false;
        error = name;
      } else return false;
    } else return false;
  }
}
