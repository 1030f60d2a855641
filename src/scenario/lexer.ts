/**
 * Lexer for the scenario language (SCENARIO-LANGUAGE.md, "Lexical rules").
 *
 * A scenario has one statement per line, so the lexer works line by line:
 * `lexLine` turns one line into tokens plus its trailing comment, and reports
 * every lexical error with the 1-based line:col of the offending character.
 * It never throws. Integers are decoded here (0x, 0b, `_`, K/M/G), strings and
 * hex bytes are decoded to their bytes.
 */

import { UNSAFE_CHAR, unsafeCharMessage } from './unsafe-chars.ts';

/** A problem in the scenario text, at a 1-based line and column. */
export interface ParseError {
  line: number;
  col: number;
  message: string;
}

export type TokKind =
  | 'name'
  | 'int'
  | 'str'
  | 'hex'
  | '('
  | ')'
  | ','
  | '='
  | '+'
  | '-'
  | '|'
  | '=>'
  /** `=>?`: a prediction (predict-then-reveal check). */
  | '=>?'
  | 'eol';

export interface Token {
  kind: TokKind;
  /** The token's text as written. */
  text: string;
  line: number;
  col: number;
  /** 'int': the value. */
  value?: number;
  /** 'str' and 'hex': the decoded bytes. */
  bytes?: Uint8Array;
}

export interface LexedLine {
  line: number;
  /** The line's text (without the line break). */
  text: string;
  /** Tokens, always ending with an 'eol' token. */
  tokens: Token[];
  /** The comment, from its `#` or `//` marker, trailing space removed; null if none. */
  comment: string | null;
  errors: ParseError[];
}

/** Split text into lines on \n, \r\n or \r. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c);
const NAME_CHAR = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const SPACE = /\s/;
/** Single-character punctuation tokens by character code. */
const PUNCT: Record<number, TokKind> = { 40: '(', 41: ')', 44: ',', 61: '=', 43: '+', 45: '-', 124: '|' };

const SUFFIX: Record<string, bigint> = { K: 1024n, M: 1024n ** 2n, G: 1024n ** 3n };

/** Names already interned: a few thousand distinct names at most are kept (the cache only saves work, it never changes a result). */
const INTERNED = new Map<string, string>();
const INTERNED_MAX = 4096;

/**
 * The engine's one copy of a name (an operation, a device, a direction, a
 * variable): a property key is always the engine's internalized string, so
 * the name read back from an object literal is it. The engine looks these
 * names up in its tables on every step; with its own copy each lookup is a
 * pointer comparison instead of a search of V8's string table.
 */
function intern(s: string): string {
  const known = INTERNED.get(s);
  if (known !== undefined) return known;
  const own = Object.keys({ [s]: 0 })[0]!;
  if (INTERNED.size >= INTERNED_MAX) INTERNED.clear();
  INTERNED.set(own, own);
  return own;
}

/** Lex one line (line is its 1-based number). */
export function lexLine(text: string, line: number): LexedLine {
  const tokens: Token[] = [];
  const errors: ParseError[] = [];
  let comment: string | null = null;
  let commentAt = -1;
  let i = 0;
  const err = (at: number, message: string): void => {
    errors.push({ line, col: at + 1, message });
  };

  const unsafe = UNSAFE_CHAR.exec(text);
  if (unsafe) err(unsafe.index, unsafeCharMessage(text.charCodeAt(unsafe.index)));

  // Character codes throughout: this loop runs for every character of a million-line trace.
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const punct = PUNCT[code];
    if (code === 32 || code === 9) {
      i++;
    } else if (code === 35 || (code === 47 && text.charCodeAt(i + 1) === 47)) {
      comment = text.slice(i).trimEnd();
      commentAt = i;
      break;
    } else if (code === 120 && text.charCodeAt(i + 1) === 34) {
      i = lexHex(text, i, line, tokens, err);
    } else if (isNameStart(code)) {
      const start = i;
      while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'name', text: intern(text.slice(start, i)), line, col: start + 1 });
    } else if (isDigit(code)) {
      i = lexInt(text, i, line, tokens, err);
    } else if (code === 34) {
      i = lexString(text, i, line, tokens, err);
    } else if (code === 61 && text.charCodeAt(i + 1) === 62 && text.charCodeAt(i + 2) === 63) {
      tokens.push({ kind: '=>?', text: '=>?', line, col: i + 1 });
      i += 3;
    } else if (code === 61 && text.charCodeAt(i + 1) === 62) {
      tokens.push({ kind: '=>', text: '=>', line, col: i + 1 });
      i += 2;
    } else if (punct !== undefined) {
      tokens.push({ kind: punct, text: punct, line, col: i + 1 });
      i++;
    } else if (SPACE.test(text[i]!)) {
      i++;
    } else {
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      err(i, `unexpected character '${ch}'${hintFor(ch)}`);
      i += ch.length;
    }
  }
  tokens.push({ kind: 'eol', text: '', line, col: commentAt >= 0 ? commentAt + 1 : text.length + 1 });
  return { line, text, tokens, comment, errors };
}

function hintFor(ch: string): string {
  if (ch === "'") return ' (strings use double quotes: "text")';
  if (ch === ';') return ' (one statement per line, no semicolons)';
  if (ch === '.') return ' (a version is a string: kernel="6.18")';
  return '';
}

type ErrFn = (at: number, message: string) => void;

/** Lex an integer literal starting at `start`; returns the index after it. */
function lexInt(text: string, start: number, line: number, tokens: Token[], err: ErrFn): number {
  let i = start;
  let radix = 10;
  const c1 = text.charCodeAt(i + 1);
  if (text.charCodeAt(i) === 48 && (c1 === 120 || c1 === 88)) {
    radix = 16;
    i += 2;
  } else if (text.charCodeAt(i) === 48 && (c1 === 98 || c1 === 66) && isDigitOf(2, text.charCodeAt(i + 2))) {
    radix = 2;
    i += 2;
  }
  const digitsStart = i;
  let underscore = false;
  while (i < text.length && isDigitOf(radix, text.charCodeAt(i))) {
    if (text.charCodeAt(i) === 95) underscore = true;
    i++;
  }
  const digits = text.slice(digitsStart, i);
  let multiplier = 1n;
  const s = text[i];
  if (s !== undefined && s in SUFFIX && !isNameChar(text.charCodeAt(i + 1))) {
    multiplier = SUFFIX[s]!;
    i++;
  }
  // A number runs into letters or digits: `12ab`, `0x1g`, `4KB`, `0b102`.
  if (i < text.length && isNameChar(text.charCodeAt(i))) {
    const wordEnd = scanWord(text, i);
    err(start, `bad number '${text.slice(start, wordEnd)}'${numberHint(radix)}`);
    return wordEnd;
  }
  if (text[i] === '.' && DIGIT.test(text[i + 1] ?? '')) {
    const wordEnd = scanDotted(text, i);
    err(start, `unexpected '.' in number '${text.slice(start, wordEnd)}' (a version is a string: kernel="6.18")`);
    return wordEnd;
  }
  const raw = text.slice(start, i);
  if (digits.length === 0) {
    err(start, `expected ${radix === 16 ? 'hex' : 'binary'} digits after '${text.slice(start, digitsStart)}'`);
    return i;
  }
  if (underscore && !/^[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(digits)) {
    err(start, `bad number '${raw}' ('_' may only sit between digits)`);
    return i;
  }
  // Digits a double holds exactly (and a power-of-two suffix keeps exact): no BigInt needed.
  if (!underscore && digits.length <= EXACT_DIGITS[radix]!) {
    const value = (radix === 10 ? Number(digits) : parseInt(digits, radix)) * Number(multiplier);
    if (value > Number.MAX_SAFE_INTEGER) {
      err(start, `number '${raw}' is too large (at most 2^53 - 1)`);
      return i;
    }
    tokens.push({ kind: 'int', text: raw, line, col: start + 1, value });
    return i;
  }
  const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : '';
  const value = BigInt(prefix + digits.replace(/_/g, '')) * multiplier;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    err(start, `number '${raw}' is too large (at most 2^53 - 1)`);
    return i;
  }
  tokens.push({ kind: 'int', text: raw, line, col: start + 1, value: Number(value) });
  return i;
}

/** Digit characters of each radix, `_` included (the separator). */
function isDigitOf(radix: number, c: number): boolean {
  if (c === 95) return true;
  if (radix === 2) return c === 48 || c === 49;
  if (radix === 10) return isDigit(c);
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** The most digits of each radix whose value is below 2^53. */
const EXACT_DIGITS: Record<number, number> = { 2: 53, 10: 15, 16: 13 };

function numberHint(radix: number): string {
  if (radix === 2) return ' (binary digits are 0 and 1)';
  if (radix === 16) return ' (hex digits are 0-9 and a-f)';
  return ' (size suffixes are K, M and G: 4K, 2M, 8G)';
}

function scanWord(text: string, i: number): number {
  while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
  return i;
}

function scanDotted(text: string, i: number): number {
  while (i < text.length && (NAME_CHAR.test(text[i]!) || text[i] === '.')) i++;
  return i;
}

const encoder = new TextEncoder();

/** Lex a string literal starting at the opening quote; returns the index after it. */
function lexString(text: string, start: number, line: number, tokens: Token[], err: ErrFn): number {
  const out: number[] = [];
  let run = start + 1;
  let i = start + 1;
  let ok = true;
  const flush = (end: number): void => {
    if (end > run) for (const b of encoder.encode(text.slice(run, end))) out.push(b);
  };
  while (i < text.length && text[i] !== '"') {
    if (text[i] !== '\\') {
      i++;
      continue;
    }
    flush(i);
    const e = text[i + 1];
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'x') {
      err(i, "bad escape: '\\x' needs two hex digits (\\x41)");
      ok = false;
      i += 2;
    } else if (e === undefined) {
      i += 1;
    } else {
      const ch = String.fromCodePoint(text.codePointAt(i + 1)!);
      err(i, `unknown escape '\\${ch}' (use \\n \\t \\r \\0 \\\\ \\" or \\xNN)`);
      ok = false;
      i += 1 + ch.length;
    }
    run = i;
  }
  if (i >= text.length) {
    err(start, 'unterminated string (missing closing ")');
    return text.length;
  }
  flush(i);
  if (ok) tokens.push({ kind: 'str', text: text.slice(start, i + 1), line, col: start + 1, bytes: Uint8Array.from(out) });
  return i + 1;
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34 };

/** Lex hex bytes `x"de ad"` starting at the `x`; returns the index after it. */
function lexHex(text: string, start: number, line: number, tokens: Token[], err: ErrFn): number {
  let i = start + 2;
  let digits = '';
  let ok = true;
  while (i < text.length && text[i] !== '"') {
    const c = text[i]!;
    if (/[0-9a-fA-F]/.test(c)) digits += c;
    else if (!SPACE.test(c)) {
      if (ok) err(i, `bad hex digit '${String.fromCodePoint(text.codePointAt(i)!)}' in x"…" (only 0-9, a-f and spaces)`);
      ok = false;
    }
    i++;
  }
  if (i >= text.length) {
    err(start, 'unterminated hex bytes (missing closing ")');
    return text.length;
  }
  if (ok && digits.length % 2 !== 0) {
    err(start, `odd number of hex digits in ${text.slice(start, i + 1)} (two digits per byte)`);
    ok = false;
  }
  if (ok) {
    const bytes = new Uint8Array(digits.length / 2);
    for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(digits.slice(2 * k, 2 * k + 2), 16);
    tokens.push({ kind: 'hex', text: text.slice(start, i + 1), line, col: start + 1, bytes });
  }
  return i + 1;
}
