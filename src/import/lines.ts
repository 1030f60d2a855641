import { UNSAFE_CHAR, UNSAFE_CHARS, describeUnsafe } from '../scenario/unsafe-chars.ts';

/** An import's progress: lines done of `total`, in its reading pass or (a trace) its writing pass. */
export interface ImportProgress {
  phase: 'read' | 'write';
  done: number;
  total: number;
}

/** Lines between two progress calls of an import. */
export const PROGRESS_LINES = 65536;

/** Walks a text line by line without splitting it into an array (a 50 MB paste stays one string). */
export function forEachLine(text: string, fn: (line: string, lineNo: number) => void): number {
  let pos = 0;
  let n = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const stop = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    fn(text.slice(pos, stop), ++n);
    pos = end + 1;
  }
  return n;
}

/** Number of lines (as forEachLine counts them). */
export function lineCount(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

/** The first `max` lines (for detection), as an array. */
export function headLines(text: string, max: number): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length && out.length < max) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    out.push(text.slice(pos, end).replace(/\r$/, ''));
    pos = end + 1;
  }
  return out;
}

/**
 * A line with its control and bidi characters (unsafe-chars.ts) replaced by
 * U+FFFD: written into the scenario (a device name, a comment) they would make
 * it display as something other than what runs, and its lexer rejects them.
 * Each replacement is said at its line (`say`, when given).
 */
export function safeLine(line: string, lineNo: number, say: ((line: number, text: string) => void) | null): string {
  if (!UNSAFE_CHAR.test(line)) return line;
  let first = 0;
  let n = 0;
  const out = line.replace(UNSAFE_CHARS, (c) => {
    if (n++ === 0) first = c.codePointAt(0)!;
    return '\uFFFD';
  });
  const what = n === 1 ? `control character ${describeUnsafe(first)}` : `${n} control characters, the first ${describeUnsafe(first)},`;
  say?.(lineNo, `${what} replaced by \uFFFD: raw, it would make the text display as something other than it is`);
  return out;
}
