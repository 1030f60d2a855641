/**
 * Commands: the plain data the engine executes, one per scenario statement.
 *
 * The scenario language (src/scenario) parses text into these records; the
 * engine never sees text. A command names buffers, handles and devices by the
 * names the scenario author gave them, never by addresses the engine computed
 * (DESIGN §2.4), so one record serves the editor, URLs, the CLI and the tests.
 *
 * Commands are read-only once parsed: the parser shares what it can between
 * them (one frozen empty list for every command without targets, options or
 * checks; one `Uint8Array` for every equal short plain string literal).
 */

/** 1-based line and column of a token in the scenario text. */
export interface Loc {
  line: number;
  col: number;
}

/** One piece of a bytes literal: `"text"`, `x"de ad"` or `fill(0x55, 64)`. */
export type BytesPart =
  | { k: 'str'; text: string }
  | { k: 'hex'; hex: string }
  | { k: 'fill'; byte: number; count: number };

export type Expr =
  /** 4096, 0x1000, 0b101, 4K; `raw` is the text as written (kept by the printer). */
  | { k: 'int'; value: number; raw: string; loc: Loc }
  /** A name: a buffer, handle, device, constant (DMA_TO_DEVICE, GFP_KERNEL…). */
  | { k: 'name'; name: string; loc: Loc }
  /** `name + int` or `name - int`: an offset into a buffer or a DMA address. */
  | { k: 'offset'; name: string; offset: number; raw: string; loc: Loc }
  /** Two or more names (or ints) joined with `|`: GFP and attribute flags. */
  | { k: 'flags'; items: Expr[]; loc: Loc }
  /** A string literal; as data it is its UTF-8 bytes. */
  | { k: 'str'; text: string; bytes: Uint8Array; loc: Loc }
  /** Bytes: hex, fill(), or parts joined with `+`. `bytes` is the decoded value. */
  | { k: 'bytes'; parts: BytesPart[]; bytes: Uint8Array; loc: Loc };

/**
 * A `=> …` check at the end of a statement. A prediction `=>? a | b | …` is an
 * ordinary check of its first choice (the answer) that also lists every
 * choice as written; only the scenario language and the explorer read
 * `choices`.
 */
export type Check = CheckValue & { choices?: CheckValue[] };

export type CheckValue =
  | { k: 'bytes'; bytes: Uint8Array; expr: Expr; loc: Loc }
  | { k: 'int'; value: number; raw: string; loc: Loc }
  /** EBUSY, ENOMEM, EINVAL, EIO, EEXIST, DMA_MAPPING_ERROR, NULL, FAULT, … */
  | { k: 'error'; name: string; loc: Loc }
  | { k: 'warning'; text: string; loc: Loc }
  | { k: 'ok'; loc: Loc };

export interface KwArg {
  key: string;
  value: Expr;
  loc: Loc;
}

/** One statement of a scenario: `targets = op(args…, key=value…) => checks`. */
export interface Command {
  op: string;
  targets: string[];
  args: Expr[];
  kwargs: KwArg[];
  checks: Check[];
  /** Where the statement starts (the first target or the op name). */
  loc: Loc;
  /** The statement's source text without checks and comment. */
  source: string;
}
