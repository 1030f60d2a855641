/**
 * The line-level teaching markup of the scenario language
 * (docs/scenario-language.md, "Teaching markup"), as pure text functions the
 * parser and the explorer's editor share:
 *
 * - which comment lines are teaching lines: `#> narration`, the bug-hunt
 *   region markers `# fix: begin` / `# fix: end`, and the reference solution
 *   `# solution: …` lines that follow a region;
 * - the inline markup of narration text: `code`, *emphasis*, kernel source
 *   paths;
 * - the fix regions of a text, the text with the reference solution applied,
 *   and the "locked skeleton" (everything a learner may not change);
 * - where a line's `=>? …` prediction sits (the editor hides it until the
 *   learner has answered).
 *
 * Nothing here runs the engine; the explorer imports it on the main thread.
 */
import { lexLine, splitLines } from './lexer.ts';

/** What a comment means to the teaching markup. */
export type CommentRole =
  | { kind: 'narration'; text: string; textCol: number }
  | { kind: 'fix'; mark: 'begin' | 'end' }
  | { kind: 'solution'; text: string }
  | { kind: 'plain' };

const FIX_MARK = /^#[ \t]*fix:[ \t]*(begin|end)[ \t]*$/;
const SOLUTION = /^#[ \t]*solution:(?: (.*)|[ \t]*)$/;

/**
 * The role of a whole-line comment (`comment` starts with its `#` or `//`;
 * `col` is the 1-based column of that marker). `# solution:` lines are
 * solution lines only where the parser says so (right after a region): here
 * they are reported as solution lines and the caller decides.
 */
export function classifyComment(comment: string, col = 1): CommentRole {
  if (comment.startsWith('#>')) {
    const rest = comment.slice(2);
    const lead = /^[ \t]*/.exec(rest)![0].length;
    return { kind: 'narration', text: rest.slice(lead).trimEnd(), textCol: col + 2 + lead };
  }
  const fix = FIX_MARK.exec(comment);
  if (fix) return { kind: 'fix', mark: fix[1] as 'begin' | 'end' };
  const sol = SOLUTION.exec(comment);
  if (sol) return { kind: 'solution', text: (sol[1] ?? '').trimEnd() };
  return { kind: 'plain' };
}

/** A whole-line comment's text and column, or null when the line holds code (or nothing). */
function lineComment(line: string): { comment: string; col: number } | null {
  const m = /^[ \t]*/.exec(line)!;
  const rest = line.slice(m[0].length);
  if (!rest.startsWith('#') && !rest.startsWith('//')) return null;
  return { comment: rest.trimEnd(), col: m[0].length + 1 };
}

/** The teaching role of one raw line of text (plain for code and blank lines). */
export function lineRole(line: string): CommentRole {
  const c = lineComment(line);
  return c ? classifyComment(c.comment, c.col) : { kind: 'plain' };
}

// ---------------------------------------------------------------- inline markup

export type Span =
  | { k: 'text'; text: string }
  | { k: 'code'; text: string }
  | { k: 'em'; text: string }
  /** A kernel source path such as kernel/dma/swiotlb.c (the explorer links it). */
  | { k: 'path'; text: string };

/** Top-level directories of the kernel tree whose files narration may cite. */
const KERNEL_PATH =
  /\b(?:kernel|drivers|arch|include|mm|lib|Documentation|block|fs|net|sound|tools|virt)\/[A-Za-z0-9_\-./]*[A-Za-z0-9_](?:\.(?:c|h|S|rst|txt|yaml))\b/g;

/**
 * Narration text as spans: `code` (no markup inside), *emphasis* (an asterisk
 * that opens before a non-space and closes after one; a lone `*` stays text,
 * as in `2*ARCH_DMA_MINALIGN`), and kernel paths in plain text. An unclosed
 * backtick is an error at its 0-based offset.
 */
export function inlineSpans(text: string): { spans: Span[]; error: { at: number; message: string } | null } {
  const spans: Span[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) spans.push(...pathSpans(plain));
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) return { spans, error: { at: i, message: 'unclosed ` in narration (write `code` with a closing backtick)' } };
      flush();
      spans.push({ k: 'code', text: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '*' && /\S/.test(text[i + 1] ?? '') && text[i + 1] !== '*' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const end = closingStar(text, i + 1);
      if (end > 0) {
        flush();
        spans.push({ k: 'em', text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return { spans, error: null };
}

/** The index of the `*` that closes emphasis opened before `from`, or -1. */
function closingStar(text: string, from: number): number {
  for (let j = from + 1; j < text.length; j++) {
    if (text[j] === '`') return -1;
    if (text[j] === '*' && /\S/.test(text[j - 1]!) && !/[A-Za-z0-9_]/.test(text[j + 1] ?? '')) return j;
  }
  return -1;
}

function pathSpans(text: string): Span[] {
  const out: Span[] = [];
  let last = 0;
  for (const m of text.matchAll(KERNEL_PATH)) {
    if (m.index! > last) out.push({ k: 'text', text: text.slice(last, m.index) });
    out.push({ k: 'path', text: m[0] });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ k: 'text', text: text.slice(last) });
  return out;
}

/** Narration as plain text: the markup characters removed (for search and plain output). */
export function plainText(text: string): string {
  return inlineSpans(text).spans.map((s) => s.text).join('');
}

// ---------------------------------------------------------------- fix regions

/** A bug hunt's editable region: the lines strictly between its markers. */
export interface FixRegion {
  /** 1-based line of `# fix: begin`. */
  begin: number;
  /** 1-based line of `# fix: end`. */
  end: number;
  /** The reference solution: the region's lines when solved. */
  solution: string[];
  /** 1-based lines of the `# solution:` lines (first, last), or null when there are none. */
  solutionLines: [number, number] | null;
}

export interface FixScan {
  regions: FixRegion[];
  errors: Array<{ line: number; col: number; message: string }>;
}

/** The fix regions of a text, and what is wrong with its markers. */
export function scanFixRegions(text: string): FixScan {
  const regions: FixRegion[] = [];
  const errors: FixScan['errors'] = [];
  // Without a marker there is nothing to find: a million-line trace is not split to learn that.
  if (!text.includes('fix:')) return { regions, errors };
  let open: number | null = null;
  let last: FixRegion | null = null;
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const role = lineRole(raw);
    const col = (/^[ \t]*/.exec(raw)![0].length) + 1;
    if (role.kind === 'solution' && last && open === null) {
      last.solution.push(role.text);
      last.solutionLines = [last.solutionLines?.[0] ?? line, line];
      return;
    }
    last = null;
    if (role.kind !== 'fix') return;
    if (role.mark === 'begin') {
      if (open !== null) errors.push({ line, col, message: `'# fix: begin' inside the region opened on line ${open} (close it with '# fix: end' first)` });
      else open = line;
    } else if (open === null) {
      errors.push({ line, col, message: "'# fix: end' without a '# fix: begin' before it" });
    } else {
      last = { begin: open, end: line, solution: [], solutionLines: null };
      regions.push(last);
      open = null;
    }
  });
  if (open !== null) errors.push({ line: open, col: 1, message: "'# fix: begin' is never closed (add '# fix: end' after the lines the learner may edit)" });
  return { regions, errors };
}

/** The text with every fix region's lines replaced by its reference solution. */
export function applySolution(text: string): string {
  const lines = splitLines(text);
  const { regions } = scanFixRegions(text);
  for (const r of [...regions].reverse()) lines.splice(r.begin, r.end - r.begin - 1, ...r.solution);
  return lines.join('\n');
}

/**
 * Everything a learner may not change in a bug hunt: the text with each
 * region's lines left out. Two texts with the same skeleton differ only
 * inside their fix regions. Null when the markers are broken.
 */
export function lockedSkeleton(text: string): string | null {
  const scan = scanFixRegions(text);
  if (scan.errors.length > 0) return null;
  const lines = splitLines(text);
  // concat, not push(...): a long text must not be spread on the stack
  let out: string[] = [];
  let next = 0;
  for (const r of scan.regions) {
    out = out.concat(lines.slice(next, r.begin), ['\u0000region']);
    next = r.end - 1;
  }
  out = out.concat(lines.slice(next));
  return out.join('\n');
}

// ---------------------------------------------------------------- predictions

/**
 * The 0-based [from, to) character range of a line's `=>? …` prediction (up
 * to its trailing comment), or null when the line has none.
 */
export function predictionRange(lineText: string): { from: number; to: number } | null {
  const lexed = lexLine(lineText, 1);
  const at = lexed.tokens.findIndex((t) => t.kind === '=>?');
  if (at < 0) return null;
  const eol = lexed.tokens[lexed.tokens.length - 1]!;
  // The prediction runs to the next check or the end of the code.
  const nextCheck = lexed.tokens.slice(at + 1).find((t) => t.kind === '=>' || t.kind === '=>?');
  const endCol = nextCheck ? nextCheck.col : eol.col;
  return { from: lexed.tokens[at]!.col - 1, to: lineText.slice(0, endCol - 1).trimEnd().length };
}
