/**
 * Where the cursor is in a scenario statement, for the editor's help: at the
 * start of a statement (an operation name goes here), inside a call at
 * argument N or at an option's value, after a `=>` check, or somewhere help
 * has nothing to offer (a comment, a string). Also the names the text
 * declares (devices and IOMMUs in the header, values assigned by statements)
 * with their types. Pure: strings in, plain data out (no CodeMirror).
 *
 * A statement is one line (SCENARIO-LANGUAGE.md, "Lexical"), so only the
 * text of the line before the cursor decides the context.
 */
import { opInfo } from './op-info.ts';
import type { OpInfo, ParamInfo, ValueType } from './op-info.ts';

export type CursorContext =
  /** Start of a statement: an operation name. `assigned`: the statement already has `name =`. */
  | { kind: 'op'; from: number; prefix: string; assigned: boolean; lineStart: boolean }
  /** Inside a call: positional argument `index` (its spec when known), or an option value. */
  | {
      kind: 'arg';
      op: OpInfo;
      /** 0-based positional index among the call's arguments. */
      index: number;
      param: ParamInfo | undefined;
      /** Set when the cursor is in `key=VALUE`. */
      option: string | null;
      from: number;
      prefix: string;
      /** The argument so far already names flags joined with `|`. */
      afterPipe: boolean;
      /** Offset of the call's `(`. */
      open: number;
    }
  /** After `=>`: a result, an error name, ok or warning. */
  | { kind: 'check'; from: number; prefix: string }
  | { kind: 'none' };

interface Frame {
  open: number;
  name: string;
  commas: number;
  argStart: number;
}

/** The context of the cursor at `before.length`, where `before` is the line's text up to the cursor. */
export function contextAt(before: string): CursorContext {
  const stack: Frame[] = [];
  let inString = false;
  let escaped = false;
  let checkAt = -1;
  for (let i = 0; i < before.length; i++) {
    const ch = before[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '#' || (ch === '/' && before[i + 1] === '/')) return { kind: 'none' };
    else if (ch === '(') {
      const name = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(before.slice(0, i))?.[1] ?? '';
      stack.push({ open: i, name, commas: 0, argStart: i + 1 });
    } else if (ch === ')') stack.pop();
    else if (ch === ',' && stack.length > 0) {
      const top = stack[stack.length - 1]!;
      top.commas++;
      top.argStart = i + 1;
    } else if (ch === '=' && before[i + 1] === '>' && stack.length === 0) checkAt = i + 2;
  }
  if (inString) return { kind: 'none' };
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before)?.[0] ?? '';
  const from = before.length - word.length;
  if (checkAt >= 0 && stack.length === 0) {
    const rest = before.slice(checkAt);
    return /^\??\s*[A-Za-z_]*[A-Za-z0-9_]*$/.test(rest) ? { kind: 'check', from, prefix: word } : { kind: 'none' };
  }
  if (stack.length > 0) return argContext(before, stack[stack.length - 1]!, word, from);
  const m = /^(\s*)(?:([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*=(?!>)\s*)?([A-Za-z_][A-Za-z0-9_]*)?$/.exec(before);
  if (!m) return { kind: 'none' };
  return { kind: 'op', from, prefix: word, assigned: m[2] !== undefined, lineStart: m[2] === undefined };
}

function argContext(before: string, top: Frame, word: string, from: number): CursorContext {
  const op = opInfo(top.name);
  if (!op) return { kind: 'none' };
  const arg = before.slice(top.argStart);
  const opt = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(arg);
  if (opt) {
    const rest = opt[2]!;
    return { kind: 'arg', op, index: top.commas, param: undefined, option: opt[1]!, from, prefix: word, afterPipe: rest.includes('|'), open: top.open };
  }
  // Arguments are positional, then options: a key=value before the cursor means no more positional ones.
  const before_ = before.slice(top.open + 1, top.argStart);
  const optionsBefore = (before_.match(/(^|,)\s*[A-Za-z_][A-Za-z0-9_]*\s*=[^>]/g) ?? []).length;
  const index = top.commas;
  const param = optionsBefore > 0 ? undefined : paramAt(op, index);
  return { kind: 'arg', op, index, param, option: null, from, prefix: word, afterPipe: arg.includes('|'), open: top.open };
}

/** The parameter at a positional index (sg_table's pair repeats). */
export function paramAt(op: OpInfo, index: number): ParamInfo | undefined {
  if (op.repeats && op.params.length > 0) return op.params[index % op.params.length];
  return op.params[index];
}

export interface DeclaredNames {
  devices: string[];
  iommus: string[];
  /** Names assigned by statements, with what they hold, in order of first assignment. */
  values: Map<string, ValueType>;
}

/** The names a scenario declares (a line at a time; lines that do not look like statements are skipped). */
export function declaredNames(text: string): DeclaredNames {
  const out: DeclaredNames = { devices: [], iommus: [], values: new Map() };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    const header = /^\s*(device|iommu)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (header) {
      const list = header[1] === 'device' ? out.devices : out.iommus;
      if (!list.includes(header[2]!)) list.push(header[2]!);
      continue;
    }
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*=(?!>)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(line);
    if (!m) continue;
    const op = opInfo(m[2]!);
    if (!op) continue;
    const names = m[1]!.split(',').map((s) => s.trim());
    names.forEach((n, i) => {
      const t = op.results[i];
      if (t !== undefined && !out.values.has(n)) out.values.set(n, t);
    });
  }
  return out;
}

/** The names of one value type, in order of first assignment. */
export function namesOfType(d: DeclaredNames, t: ValueType): string[] {
  return [...d.values].filter(([, v]) => v === t).map(([n]) => n);
}
