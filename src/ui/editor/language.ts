/**
 * Syntax highlighting for the scenario language (SCENARIO-LANGUAGE.md) as a
 * CodeMirror StreamLanguage: comments, strings, x"…" bytes, numbers with
 * size suffixes, kernel constants in CAPS, operation names, `=>` checks and
 * the words after them. Colours come from CSS variables (styles.css), so the
 * theme switch needs no reconfiguration.
 */
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import type { StringStream } from '@codemirror/language';
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

export const scenarioLanguage = StreamLanguage.define<State>({
  name: 'dma-scenario',
  startState: () => ({ inCheck: false }),
  copyState: (s) => ({ ...s }),
  token,
  languageData: { commentTokens: { line: '#' } },
  tokenTable: {
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
  },
});

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

export const scenarioHighlighting = [scenarioLanguage, syntaxHighlighting(style)];
