/**
 * The editor shows every character the scenario language refuses
 * (src/scenario/unsafe-chars.ts) as a visible placeholder, so text pasted or
 * loaded with a raw control or bidi character cannot hide it; the lexer's
 * error then points at it. CodeMirror's highlightSpecialChars covers most of
 * them by default; the embeddings and FIRST STRONG ISOLATE are added.
 */
import { highlightSpecialChars } from '@codemirror/view';

export const unsafeCharHighlight = highlightSpecialChars({ addSpecialChars: /[\u202a-\u202c\u2068\u0080-\u009f]/ });
