/**
 * Canonical printer for the scenario language: Commands (and a whole
 * ScenarioDoc with its comments and blank lines) back to text.
 *
 * Integers keep the form they were written in (`raw`: 4K stays 4K), strings
 * are re-escaped from their bytes, and the checks and trailing comments of
 * neighbouring statements are aligned into one column. Printing is
 * idempotent, and parsing the printed text gives the same Commands.
 */
import type { BytesPart, Check, CheckValue, Command, Expr } from '../sim/command.ts';
import type { DocLine, ScenarioDoc } from './parser.ts';
import { printFocus } from './teaching.ts';
import { isUnsafeCodePoint } from './unsafe-chars.ts';

/** Checks and trailing comments line up unless that would push them past this column. */
const MAX_ALIGN = 60;

/** Print a whole scenario: one line per DocLine, ending with a newline. */
export function printScenario(doc: ScenarioDoc): string {
  const out: string[] = [];
  let block: { head: string; tail: string }[] = [];
  const flush = (): void => {
    const withTail = block.filter((b) => b.tail !== '');
    const width = Math.max(0, ...withTail.map((b) => b.head.length));
    const col = width + 1 <= MAX_ALIGN ? width + 1 : 0;
    for (const b of block) out.push(b.tail === '' ? b.head : `${col ? b.head.padEnd(col) : `${b.head} `}${b.tail}`);
    block = [];
  };
  for (const line of doc.lines) {
    if (line.kind === 'stmt') {
      const checks = line.cmd.checks.map(printCheck).join(' ');
      const tail = [checks, line.comment ?? ''].filter((x) => x !== '').join('  ');
      block.push({ head: printCommand(line.cmd), tail });
      continue;
    }
    flush();
    out.push(printLine(line));
  }
  flush();
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** A line that is not a statement: blank, a comment, or teaching markup in its canonical form. */
function printLine(line: Exclude<DocLine, { kind: 'stmt' }>): string {
  switch (line.kind) {
    case 'blank':
      return '';
    case 'comment':
      return line.text;
    case 'narration': {
      const parts = [...(line.focus ? [printFocus(line.focus)] : []), ...(line.text ? [line.text] : [])];
      return parts.length ? `#> ${parts.join(' ')}` : '#>';
    }
    case 'fix':
      return `# fix: ${line.mark}`;
    case 'solution':
      return line.text ? `# solution: ${line.text}` : '# solution:';
  }
}

/** A statement without its checks: `h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)`. */
export function printCommand(cmd: Command): string {
  const args = [...cmd.args.map(printExpr), ...cmd.kwargs.map((k) => `${k.key}=${printExpr(k.value)}`)];
  const call = `${cmd.op}(${args.join(', ')})`;
  return cmd.targets.length > 0 ? `${cmd.targets.join(', ')} = ${call}` : call;
}

export function printExpr(e: Expr): string {
  switch (e.k) {
    case 'int':
      return e.raw;
    case 'name':
      return e.name;
    case 'offset':
      return `${e.name} ${e.offset < 0 ? '-' : '+'} ${e.raw}`;
    case 'flags':
      return e.items.map(printExpr).join(' | ');
    case 'str':
      return quoteBytes(e.bytes);
    case 'bytes':
      return e.parts.map(printBytesPart).join(' + ');
  }
}

/** A check as written: `=> "hello"`, `=> 0`, `=> EBUSY`, `=> warning "…"`, `=> ok`, or a prediction `=>? "a" | "b"`. */
export function printCheck(c: Check): string {
  if (c.choices) return `=>? ${c.choices.map(printCheckValue).join(' | ')}`;
  return `=> ${printCheckValue(c)}`;
}

export function printCheckValue(c: CheckValue): string {
  switch (c.k) {
    case 'bytes':
      return printExpr(c.expr);
    case 'int':
      return c.raw;
    case 'error':
      return c.name;
    case 'warning':
      return `warning ${quoteBytes(utf8.encode(c.text))}`;
    case 'ok':
      return 'ok';
  }
}

export function printBytesPart(p: BytesPart): string {
  switch (p.k) {
    case 'str':
      return quoteBytes(utf8.encode(p.text));
    case 'hex':
      return `x"${(p.hex.toLowerCase().match(/../g) ?? []).join(' ')}"`;
    case 'fill':
      return `fill(0x${p.byte.toString(16).padStart(2, '0')}, ${p.count})`;
  }
}

const utf8 = new TextEncoder();

/**
 * Bytes as a string literal: printable characters as themselves, \n \t \r \0
 * \\ \" as escapes, and anything else (control bytes, invalid UTF-8) as \xNN.
 */
export function quoteBytes(b: Uint8Array): string {
  let s = '"';
  let i = 0;
  while (i < b.length) {
    const x = b[i]!;
    const esc = ESCAPE_OUT[x];
    if (esc !== undefined) {
      s += esc;
      i++;
    } else if (x >= 0x20 && x < 0x7f) {
      s += String.fromCharCode(x);
      i++;
    } else {
      const cp = x >= 0x80 ? decodeOne(b, i) : null;
      if (cp && isPrintableCodePoint(cp.cp)) {
        s += String.fromCodePoint(cp.cp);
        i += cp.len;
      } else {
        s += `\\x${x.toString(16).padStart(2, '0')}`;
        i++;
      }
    }
  }
  return `${s}"`;
}

const ESCAPE_OUT: Record<number, string> = { 10: '\\n', 9: '\\t', 13: '\\r', 0: '\\0', 92: '\\\\', 34: '\\"' };

function isPrintableCodePoint(cp: number): boolean {
  if (isUnsafeCodePoint(cp)) return false; // C1 controls, bidi overrides and isolates
  if (cp === 0x2028 || cp === 0x2029) return false; // line separators
  if (cp === 0xfeff) return false; // BOM / zero-width no-break space
  return true;
}

/** One well-formed UTF-8 sequence starting at i, or null. */
function decodeOne(b: Uint8Array, i: number): { cp: number; len: number } | null {
  const x = b[i]!;
  let len: number;
  let cp: number;
  let min: number;
  if (x >= 0xc2 && x <= 0xdf) [len, cp, min] = [2, x & 0x1f, 0x80];
  else if (x >= 0xe0 && x <= 0xef) [len, cp, min] = [3, x & 0x0f, 0x800];
  else if (x >= 0xf0 && x <= 0xf4) [len, cp, min] = [4, x & 0x07, 0x10000];
  else return null;
  if (i + len > b.length) return null;
  for (let k = 1; k < len; k++) {
    const c = b[i + k]!;
    if ((c & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return { cp, len };
}
