/**
 * Lexer for the scenario language (SCENARIO-LANGUAGE.md, "Lexical rules").
 *
 * A scenario has one statement per line, so the lexer works line by line:
 * `LineLexer.lex` reads one line of a text into its reusable token buffer
 * (kinds, offsets and values in typed arrays: nothing is allocated per token,
 * and a million-line scenario goes through the same few arrays), plus its
 * trailing comment, and records every lexical error with the 1-based line:col
 * of the offending character. It never throws. Integers are decoded here
 * (0x, 0b, `_`, K/M/G), strings and hex bytes are decoded to their bytes.
 * `lexLine` gives one line's tokens as objects, for callers that want them.
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

/** Token kinds in the token buffer, by number (index into KIND_NAMES). */
export const T_NAME = 0;
export const T_INT = 1;
export const T_STR = 2;
export const T_HEX = 3;
export const T_LPAREN = 4;
export const T_RPAREN = 5;
export const T_COMMA = 6;
export const T_EQ = 7;
export const T_PLUS = 8;
export const T_MINUS = 9;
export const T_BAR = 10;
export const T_ARROW = 11;
export const T_PREDICT = 12;
export const T_EOL = 13;

/** Each numbered kind's TokKind, which is also the text of a punctuation token. */
export const KIND_NAMES: readonly TokKind[] = ['name', 'int', 'str', 'hex', '(', ')', ',', '=', '+', '-', '|', '=>', '=>?', 'eol'];

/** Split text into lines on \n, \r\n or \r. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** ASCII characters by code: 1 a name's first character (a letter or _), 2 a digit. */
const NAME_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CHARS[c] = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : isDigit(c) ? 2 : 0;
const isNameStart = (c: number): boolean => c < 128 && NAME_CHARS[c] === 1;
const isNameChar = (c: number): boolean => c < 128 && NAME_CHARS[c]! !== 0;
const SPACE = /\s/;
/** Single-character punctuation tokens by character code (-1: none). */
const PUNCT = new Int8Array(128).fill(-1);
PUNCT[40] = T_LPAREN;
PUNCT[41] = T_RPAREN;
PUNCT[44] = T_COMMA;
PUNCT[61] = T_EQ;
PUNCT[43] = T_PLUS;
PUNCT[45] = T_MINUS;
PUNCT[124] = T_BAR;

/**
 * A bounded table of strings looked up by a range of a text, so that a name
 * or a number seen before costs no new string: the range is compared in
 * place, nothing is sliced. It only saves work and memory; it never changes
 * a result.
 */
class StringTable {
  private readonly keys: Array<string | undefined>;
  private count = 0;
  private readonly mask: number;

  /** `own`: hand out the engine's internalized copy of each string (see `intern`). */
  constructor(
    slots: number,
    private readonly own: boolean,
  ) {
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  get(text: string, start: number, end: number, hash: number): string {
    const len = end - start;
    let slot = hash & this.mask;
    for (let k = this.keys[slot]; k !== undefined; k = this.keys[slot]) {
      if (k.length === len && text.startsWith(k, start)) return k;
      slot = (slot + 1) & this.mask;
    }
    const s = this.own ? intern(text.slice(start, end)) : text.slice(start, end);
    if (this.count >= (this.mask + 1) >> 1) {
      this.keys.fill(undefined);
      this.count = 0;
      slot = hash & this.mask;
    }
    this.keys[slot] = s;
    this.count++;
    return s;
  }
}

/**
 * The engine's one copy of a name (an operation, a device, a direction, a
 * variable). The engine looks these names up in its tables on every step;
 * with its own copy each lookup is a pointer comparison instead of a search
 * of V8's string table. A string stored as a property key is internalized:
 * V8 makes the string itself a reference to its internalized copy (which its
 * garbage collector then puts in its place). The key is deleted at once:
 * the string stays internalized and the sink stays small (a sink left to
 * grow costs ~1.7× more, and one name in three of an imported trace is new:
 * a handle). Reading the key back (`Object.keys({ [s]: 0 })[0]`) costs ~4×
 * more.
 */
function intern(s: string): string {
  internSink[s] = 0;
  delete internSink[s];
  return s;
}
const internSink = Object.create(null) as Record<string, number>;

/** Names, interned; a few thousand distinct names at most are kept. */
const NAMES = new StringTable(8192, true);
/** The same, not interned (see LineLexer's constructor). */
const PLAIN_NAMES = new StringTable(8192, false);
/** The text of short integers as written (`1536`, `0x40`): most repeat, and each is kept by its expression. */
const SHORT_INTS = new StringTable(4096, false);
const SHORT_INT_CHARS = 6;

/** Decoded bytes of short plain strings (ASCII, no escape), shared by every equal literal: read-only. */
const PLAIN_STRINGS = new Map<string, Uint8Array>();
const PLAIN_STRINGS_MAX = 4096;
const PLAIN_STRING_CHARS = 64;

/**
 * One line's tokens, in arrays reused from line to line. Token i has kind
 * `kind[i]` and spans `[start[i], end[i])` of `text` (offsets in the whole
 * text, so columns are `start - lineStart + 1`); an int's value is
 * `value[i]` (its text `intText(i)`), a name's interned text (a plain
 * string's contents) `str[i]`, a string's or hex literal's bytes `bytes[i]`. The last
 * token is always an eol, at the comment or the end of the line, and reading
 * past it reads it again.
 */
export class LineLexer {
  kind = new Uint8Array(64);
  start = new Int32Array(64);
  end = new Int32Array(64);
  value = new Float64Array(64);
  str: Array<string | null> = [];
  bytes: Array<Uint8Array | null> = [];
  /** Number of tokens, the eol included. */
  n = 0;
  text = '';
  line = 0;
  lineStart = 0;
  lineEnd = 0;
  /** The comment's start and end (trailing space removed), or -1. */
  commentAt = -1;
  commentEnd = -1;
  /** Lexical errors, in the order they were found (an unsafe character first). */
  errors: ParseError[] = [];
  private readonly names: StringTable;

  /**
   * `interned`: hand out the engine's copy of each name (`intern`), as the
   * statements the engine runs need. A lexer whose lines are only checked
   * (the parse that keeps each step as its line, to read it back later)
   * skips it: a name the validator records is internalized by that store.
   */
  constructor(interned = true) {
    this.names = interned ? NAMES : PLAIN_NAMES;
  }

  /**
   * Lex `text[lineStart, lineEnd)`, line number `line`. `unsafeAt` is the
   * offset of the line's first unsafe character (unsafe-chars.ts), or -1:
   * the caller finds them, for a whole text at once.
   */
  lex(text: string, lineStart: number, lineEnd: number, line: number, unsafeAt: number): void {
    this.text = text;
    this.line = line;
    this.lineStart = lineStart;
    this.lineEnd = lineEnd;
    this.n = 0;
    this.commentAt = -1;
    this.commentEnd = -1;
    if (this.errors.length > 0) this.errors = [];
    if (unsafeAt >= 0) this.err(unsafeAt, unsafeCharMessage(text.charCodeAt(unsafeAt)));
    let i = lineStart;
    // Character codes throughout: this loop runs for every character of a million-line trace.
    while (i < lineEnd) {
      const code = text.charCodeAt(i);
      if (code === 32 || code === 9) {
        i++;
      } else if (isNameStart(code)) {
        if (code === 120 && text.charCodeAt(i + 1) === 34 && i + 1 < lineEnd) {
          i = this.lexHex(i);
          continue;
        }
        const start = i;
        let h = code;
        i++;
        for (let c = text.charCodeAt(i); i < lineEnd && isNameChar(c); c = text.charCodeAt(++i)) h = (Math.imul(h, 31) + c) | 0;
        this.push(T_NAME, start, i, this.names.get(text, start, i, h ^ (h >>> 13)));
      } else if (isDigit(code)) {
        i = this.lexInt(i);
      } else if (code === 35 || (code === 47 && text.charCodeAt(i + 1) === 47 && i + 1 < lineEnd)) {
        let end = lineEnd;
        while (end > i && isTrailingSpace(text.charCodeAt(end - 1))) end--;
        if (end > i && text.charCodeAt(end - 1) > 127) end = i + text.slice(i, lineEnd).trimEnd().length;
        this.commentAt = i;
        this.commentEnd = end;
        break;
      } else if (code === 34) {
        i = this.lexString(i);
      } else if (code === 61 && text.charCodeAt(i + 1) === 62 && i + 1 < lineEnd) {
        const predict = text.charCodeAt(i + 2) === 63 && i + 2 < lineEnd;
        this.push(predict ? T_PREDICT : T_ARROW, i, i + (predict ? 3 : 2), null);
        i += predict ? 3 : 2;
      } else if (code < 128 && PUNCT[code]! >= 0) {
        this.push(PUNCT[code]!, i, i + 1, null);
        i++;
      } else if (SPACE.test(text[i]!)) {
        i++;
      } else {
        const ch = String.fromCodePoint(text.codePointAt(i)!);
        this.err(i, `unexpected character '${ch}'${hintFor(ch)}`);
        i += ch.length;
      }
    }
    const eolAt = this.commentAt >= 0 ? this.commentAt : lineEnd;
    this.push(T_EOL, eolAt, eolAt, null);
  }

  /** Token i's 1-based column (the eol's when i is past it). */
  col(i: number): number {
    return this.start[i < this.n ? i : this.n - 1]! - this.lineStart + 1;
  }

  /** Token i's kind (the eol's when i is past it). */
  kindAt(i: number): number {
    return i < this.n ? this.kind[i]! : T_EOL;
  }

  /** Token i's text as written. */
  textOf(i: number): string {
    const k = this.kindAt(i);
    if (k === T_NAME) return this.str[i]!;
    if (k === T_EOL) return '';
    if (k >= T_LPAREN) return KIND_NAMES[k]!;
    return k === T_INT ? this.intText(i) : this.text.slice(this.start[i]!, this.end[i]!);
  }

  /** The comment, from its marker, trailing space removed; null if none. */
  comment(): string | null {
    return this.commentAt < 0 ? null : this.text.slice(this.commentAt, this.commentEnd);
  }

  /** Token i as an object. */
  token(i: number): Token {
    const kind = KIND_NAMES[this.kind[i]!]!;
    const t: Token = { kind, text: this.textOf(i), line: this.line, col: this.col(i) };
    if (kind === 'int') t.value = this.value[i]!;
    if (kind === 'str' || kind === 'hex') t.bytes = this.bytes[i]!;
    return t;
  }

  private push(kind: number, start: number, end: number, str: string | null): void {
    const n = this.n;
    if (n === this.kind.length) this.grow();
    this.kind[n] = kind;
    this.start[n] = start;
    this.end[n] = end;
    this.str[n] = str;
    this.bytes[n] = null;
    this.n = n + 1;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    const start = new Int32Array(size);
    start.set(this.start);
    const end = new Int32Array(size);
    end.set(this.end);
    const value = new Float64Array(size);
    value.set(this.value);
    this.kind = kind;
    this.start = start;
    this.end = end;
    this.value = value;
  }

  private err(at: number, message: string): void {
    this.errors.push({ line: this.line, col: at - this.lineStart + 1, message });
  }

  /** Lex an integer literal starting at `start`; returns the index after it. */
  private lexInt(start: number): number {
    const text = this.text;
    const end = this.lineEnd;
    let i = start;
    let radix = 10;
    const c1 = i + 1 < end ? text.charCodeAt(i + 1) : -1;
    if (text.charCodeAt(i) === 48 && (c1 === 120 || c1 === 88)) {
      radix = 16;
      i += 2;
    } else if (text.charCodeAt(i) === 48 && (c1 === 98 || c1 === 66) && i + 2 < end && isDigitOf(2, text.charCodeAt(i + 2))) {
      radix = 2;
      i += 2;
    }
    const digitsStart = i;
    let underscore = false;
    // The value as the digits go, exact while it stays below 2^53 (EXACT_DIGITS).
    let v = 0;
    for (let c = text.charCodeAt(i); i < end && isDigitOf(radix, c); c = text.charCodeAt(++i)) {
      if (c === 95) underscore = true;
      else v = v * radix + (c <= 57 ? c - 48 : (c | 32) - 87);
    }
    const digits = i - digitsStart;
    let multiplier = 1;
    const s = i < end ? text.charCodeAt(i) : -1;
    if ((s === 75 || s === 77 || s === 71) && !(i + 1 < end && isNameChar(text.charCodeAt(i + 1)))) {
      multiplier = s === 75 ? 1024 : s === 77 ? 1024 ** 2 : 1024 ** 3;
      i++;
    }
    // A number runs into letters or digits: `12ab`, `0x1g`, `4KB`, `0b102`.
    if (i < end && isNameChar(text.charCodeAt(i))) {
      const wordEnd = this.scanWord(i, false);
      this.err(start, `bad number '${text.slice(start, wordEnd)}'${numberHint(radix)}`);
      return wordEnd;
    }
    if (i + 1 < end && text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
      const wordEnd = this.scanWord(i, true);
      this.err(start, `unexpected '.' in number '${text.slice(start, wordEnd)}' (a version is a string: kernel="6.18")`);
      return wordEnd;
    }
    if (digits === 0) {
      this.err(start, `expected ${radix === 16 ? 'hex' : 'binary'} digits after '${text.slice(start, digitsStart)}'`);
      return i;
    }
    if (underscore && !/^[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(text.slice(digitsStart, digitsStart + digits))) {
      this.err(start, `bad number '${text.slice(start, i)}' ('_' may only sit between digits)`);
      return i;
    }
    let value: number;
    if (!underscore && digits <= EXACT_DIGITS[radix]!) {
      // Digits a double holds exactly (and a power-of-two suffix keeps exact): no BigInt needed.
      value = v * multiplier;
    } else {
      const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : '';
      const big = BigInt(prefix + text.slice(digitsStart, digitsStart + digits).replace(/_/g, '')) * BigInt(multiplier);
      value = big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big);
    }
    if (value > Number.MAX_SAFE_INTEGER) {
      this.err(start, `number '${text.slice(start, i)}' is too large (at most 2^53 - 1)`);
      return i;
    }
    // Its text is made when asked for (intText): a step checked from its tokens needs only the value.
    this.push(T_INT, start, i, null);
    this.value[this.n - 1] = value;
    return i;
  }

  /** Integer token i's text as written (`1536`, `0x40`, `4K`). */
  intText(i: number): string {
    const { text } = this;
    const start = this.start[i]!;
    const end = this.end[i]!;
    if (end - start > SHORT_INT_CHARS) return text.slice(start, end);
    let h = 0;
    for (let k = start; k < end; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
    return SHORT_INTS.get(text, start, end, h ^ (h >>> 13));
  }

  /** The end of a word of name characters (and dots, when `dotted`) from i. */
  private scanWord(i: number, dotted: boolean): number {
    const text = this.text;
    for (let c = text.charCodeAt(i); i < this.lineEnd && (isNameChar(c) || (dotted && c === 46)); c = text.charCodeAt(++i));
    return i;
  }

  /** Lex a string literal starting at the opening quote; returns the index after it. */
  private lexString(start: number): number {
    const text = this.text;
    const end = this.lineEnd;
    let i = start + 1;
    let plain = true;
    for (let c = text.charCodeAt(i); i < end && c !== 34; c = text.charCodeAt(++i)) {
      if (c === 92 || c > 127) plain = false;
      if (c === 92) i++;
    }
    if (plain && i < end && i - start - 1 <= PLAIN_STRING_CHARS) {
      // The common case: ASCII and no escape, its bytes are its characters.
      const contents = text.slice(start + 1, i);
      let bytes = PLAIN_STRINGS.get(contents);
      if (bytes === undefined) {
        bytes = new Uint8Array(contents.length);
        for (let k = 0; k < contents.length; k++) bytes[k] = contents.charCodeAt(k);
        if (PLAIN_STRINGS.size >= PLAIN_STRINGS_MAX) PLAIN_STRINGS.clear();
        PLAIN_STRINGS.set(contents, bytes);
      }
      this.push(T_STR, start, i + 1, contents);
      this.bytes[this.n - 1] = bytes;
      return i + 1;
    }
    return this.lexEscapedString(start);
  }

  /** A string literal with escapes or non-ASCII characters, decoded to its UTF-8 bytes. */
  private lexEscapedString(start: number): number {
    const text = this.text;
    const end = this.lineEnd;
    const out: number[] = [];
    let run = start + 1;
    let i = start + 1;
    let ok = true;
    const flush = (to: number): void => {
      if (to > run) for (const b of encoder.encode(text.slice(run, to))) out.push(b);
    };
    while (i < end && text[i] !== '"') {
      if (text[i] !== '\\') {
        i++;
        continue;
      }
      flush(i);
      const e = i + 1 < end ? text[i + 1] : undefined;
      const simple = e === undefined ? undefined : ESCAPES[e];
      if (simple !== undefined) {
        out.push(simple);
        i += 2;
      } else if (e === 'x' && i + 4 <= end && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        out.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (e === 'x') {
        this.err(i, "bad escape: '\\x' needs two hex digits (\\x41)");
        ok = false;
        i += 2;
      } else if (e === undefined) {
        i += 1;
      } else {
        const ch = String.fromCodePoint(text.codePointAt(i + 1)!);
        this.err(i, `unknown escape '\\${ch}' (use \\n \\t \\r \\0 \\\\ \\" or \\xNN)`);
        ok = false;
        i += 1 + ch.length;
      }
      run = i;
    }
    if (i >= end) {
      this.err(start, 'unterminated string (missing closing ")');
      return end;
    }
    flush(i);
    if (ok) {
      this.push(T_STR, start, i + 1, null);
      this.bytes[this.n - 1] = Uint8Array.from(out);
    }
    return i + 1;
  }

  /** Lex hex bytes `x"de ad"` starting at the `x`; returns the index after it. */
  private lexHex(start: number): number {
    const text = this.text;
    const end = this.lineEnd;
    let i = start + 2;
    let digits = 0;
    let ok = true;
    for (; i < end && text.charCodeAt(i) !== 34; i++) {
      const c = text.charCodeAt(i);
      if (hexDigit(c) >= 0) digits++;
      else if (!SPACE.test(text[i]!)) {
        if (ok) this.err(i, `bad hex digit '${String.fromCodePoint(text.codePointAt(i)!)}' in x"…" (only 0-9, a-f and spaces)`);
        ok = false;
      }
    }
    if (i >= end) {
      this.err(start, 'unterminated hex bytes (missing closing ")');
      return end;
    }
    if (ok && digits % 2 !== 0) {
      this.err(start, `odd number of hex digits in ${text.slice(start, i + 1)} (two digits per byte)`);
      ok = false;
    }
    if (ok) {
      const bytes = new Uint8Array(digits / 2);
      let k = 0;
      for (let j = start + 2; j < i; j++) {
        const d = hexDigit(text.charCodeAt(j));
        if (d < 0) continue;
        bytes[k >> 1] = (bytes[k >> 1]! << 4) | d;
        k++;
      }
      this.push(T_HEX, start, i + 1, null);
      this.bytes[this.n - 1] = bytes;
    }
    return i + 1;
  }
}

/** A space `trimEnd` removes, in ASCII (anything else is left to `trimEnd` itself). */
function isTrailingSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The lexer `lexLine` uses (the parser has its own: a line lexed here never overwrites the parser's). */
const lineLexer = new LineLexer();

/** Lex one line (line is its 1-based number). */
export function lexLine(text: string, line: number): LexedLine {
  const unsafe = UNSAFE_CHAR.exec(text);
  const lx = lineLexer;
  lx.lex(text, 0, text.length, line, unsafe ? unsafe.index : -1);
  const tokens: Token[] = [];
  for (let i = 0; i < lx.n; i++) tokens.push(lx.token(i));
  return { line, text, tokens, comment: lx.comment(), errors: lx.errors.length > 0 ? lx.errors : [] };
}

function hintFor(ch: string): string {
  if (ch === "'") return ' (strings use double quotes: "text")';
  if (ch === ';') return ' (one statement per line, no semicolons)';
  if (ch === '.') return ' (a version is a string: kernel="6.18")';
  return '';
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

const encoder = new TextEncoder();

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34 };
