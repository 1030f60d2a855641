/**
 * Syntax highlighting for the scenario language (SCENARIO-LANGUAGE.md):
 * comments, strings, x"…" bytes, numbers with size suffixes, kernel
 * constants in CAPS, operation names, `=>` checks and the words after them.
 * Colours come from CSS variables (styles.css), so the theme switch needs no
 * reconfiguration.
 *
 * Every line is read on its own (nothing carries from one line to the
 * next), so only the lines in view are tokenised, each time the view or the
 * text changes: a jump to line 80,000 of a long run reads the ~100 lines
 * around it. A CodeMirror language (StreamLanguage) parses the document from
 * the top, in idle slices of up to ~100 ms after a far jump, which on a busy
 * main thread stood between the worker's answer and the next frame.
 */
import { EditorState, Prec, RangeSetBuilder } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import { HighlightStyle, StringStream } from '@codemirror/language';
import { Decoration, EditorView, ViewPlugin } from '@codemirror/view';
import type { DecorationSet, ViewUpdate } from '@codemirror/view';
import { Tag, tags as t } from '@lezer/highlight';
import { opInfo } from './op-info.ts';

const BUILTINS = new Set(['fill']);

const opTag = Tag.define();
const headerTag = Tag.define();
const checkTag = Tag.define();
const checkWordTag = Tag.define();
const bytesTag = Tag.define();
/** `#> …` lesson narration: a comment to the engine, prose to the learner. */
const narrationTag = Tag.define();

interface State {
  inCheck: boolean;
}

function token(stream: StringStream, state: State): string | null {
  if (stream.sol()) state.inCheck = false;
  if (stream.eatSpace()) return null;
  if (stream.sol() && stream.match(/^#>.*/)) return 'narration';
  if (stream.match('#') || stream.match('//')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.match(/^=>\??/)) {
    state.inCheck = true;
    return 'check';
  }
  if (stream.match(/^x"[^"]*"?/)) return 'bytes';
  if (stream.peek() === '"') {
    stream.next();
    let escaped = false;
    for (;;) {
      const ch = stream.next();
      if (ch === undefined) break;
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') break;
    }
    return 'string';
  }
  if (stream.match(/^(0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*)[KMG]?(?![A-Za-z0-9_])/)) return 'number';
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word && typeof word !== 'boolean') {
    const name = word[0];
    if (state.inCheck && (name === 'ok' || name === 'warning')) return 'checkWord';
    if (/^[A-Z][A-Z0-9_]*$/.test(name)) return 'constant';
    const call = stream.match(/^\s*\(/, false);
    if (call) {
      if (BUILTINS.has(name)) return 'builtin';
      // the engine's table, as the worker sent it (Editor.tsx re-highlights when it arrives)
      const op = opInfo(name);
      return op?.header ? 'header' : op ? 'op' : 'call';
    }
    if (stream.match(/^\s*=(?!>)/, false)) return 'key';
    return 'name';
  }
  const ch = stream.next();
  if (ch === '(' || ch === ')') return 'paren';
  if (ch === '=' || ch === '|' || ch === '+' || ch === '-' || ch === ',') return 'punct';
  return null;
}

/** The highlighting tag of each token kind. */
const TOKEN_TAGS: Record<string, Tag> = {
  comment: t.lineComment,
  narration: narrationTag,
  check: checkTag,
  checkWord: checkWordTag,
  bytes: bytesTag,
  string: t.string,
  number: t.number,
  constant: t.constant(t.variableName),
  header: headerTag,
  builtin: t.standard(t.function(t.variableName)),
  op: opTag,
  call: t.function(t.variableName),
  key: t.propertyName,
  name: t.variableName,
  paren: t.paren,
  punct: t.punctuation,
};

const style = HighlightStyle.define([
  { tag: t.lineComment, color: 'var(--tok-comment)', fontStyle: 'italic' },
  { tag: narrationTag, color: 'var(--tok-narration, var(--tok-comment))' },
  { tag: checkTag, color: 'var(--tok-check)', fontWeight: '600' },
  { tag: checkWordTag, color: 'var(--tok-check)' },
  { tag: bytesTag, color: 'var(--tok-bytes)' },
  { tag: t.string, color: 'var(--tok-string)' },
  { tag: t.number, color: 'var(--tok-number)' },
  { tag: t.constant(t.variableName), color: 'var(--tok-constant)' },
  { tag: headerTag, color: 'var(--tok-header)', fontWeight: '600' },
  { tag: opTag, color: 'var(--tok-op)' },
  { tag: t.standard(t.function(t.variableName)), color: 'var(--tok-builtin)' },
  { tag: t.function(t.variableName), color: 'var(--tok-call)' },
  { tag: t.propertyName, color: 'var(--tok-key)' },
  { tag: t.variableName, color: 'var(--tok-name)' },
  { tag: [t.paren, t.punctuation], color: 'var(--tok-punct)' },
]);

/** Past this many characters a line is left plain (as CodeMirror's stream parser does). */
const MAX_LINE = 10_000;

/** One mark per token kind, made once: equal marks let CodeMirror keep the spans it drew. */
const marks = new Map<string, Decoration>();
function markFor(kind: string): Decoration | null {
  let m = marks.get(kind);
  if (m === undefined) {
    const cls = TOKEN_TAGS[kind] ? style.style([TOKEN_TAGS[kind]]) : null;
    if (!cls) return null;
    m = Decoration.mark({ class: cls });
    marks.set(kind, m);
  }
  return m;
}

/** A line's tokens, adjacent tokens of a kind merged (as the stream parser's were): [from, to, kind], offsets in the line. */
export function lineTokens(text: string, tabSize = 4): [number, number, string][] {
  const out: [number, number, string][] = [];
  const stream = new StringStream(text, tabSize, 2);
  const state: State = { inCheck: false };
  while (!stream.eol() && stream.pos <= MAX_LINE) {
    stream.start = stream.pos;
    const kind = token(stream, state);
    if (kind === null) continue;
    const last = out.at(-1);
    if (last && last[2] === kind && last[1] === stream.start) last[1] = stream.pos;
    else out.push([stream.start, stream.pos, kind]);
  }
  return out;
}

/** The token marks of the lines in view. */
function highlightVisible(view: EditorView): DecorationSet {
  const b = new RangeSetBuilder<Decoration>();
  const { doc, tabSize } = view.state;
  let lastLine = 0;
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to; ) {
      const line = doc.lineAt(pos);
      pos = line.to + 1;
      if (line.number <= lastLine) continue;
      lastLine = line.number;
      for (const [a, z, kind] of lineTokens(line.text, tabSize)) {
        const m = markFor(kind);
        if (m) b.add(line.from + a, line.from + z, m);
      }
    }
  }
  return b.finish();
}

const viewportHighlighter = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = highlightVisible(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged) this.decorations = highlightVisible(u.view);
    }
  },
  { decorations: (v) => v.decorations },
);

/** The highlighting (above the other marks, where CodeMirror's own syntax highlighter sits), its CSS, and the language's comment token. */
export const scenarioHighlighting: Extension = [
  Prec.high(viewportHighlighter),
  EditorView.styleModule.of(style.module!),
  EditorState.languageData.of(() => [{ commentTokens: { line: '#' } }]),
];
