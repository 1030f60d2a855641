/**
 * Help while typing, as CodeMirror extensions: hover docs for operations,
 * constants, option keys and declared names (CodeMirror's `hoverTooltip`);
 * signature help that follows the cursor inside a call and says what the
 * current argument must be (a `showTooltip` state field); and the
 * completion source for `@codemirror/autocomplete` (completions.ts decides
 * what to offer). All of it reads op-info.ts.
 */
import { Prec, StateEffect, StateField } from '@codemirror/state';
import type { EditorState } from '@codemirror/state';
import { EditorView, hoverTooltip, keymap, showTooltip } from '@codemirror/view';
import { completionStatus } from '@codemirror/autocomplete';
import type { Tooltip } from '@codemirror/view';
import { completeLine } from './completions.ts';
import type { CompletionItem } from './completions.ts';
import { constantGroup, opInfo } from './op-info.ts';
import type { OpInfo } from './op-info.ts';
import { contextAt, declaredNames } from './scenario-context.ts';

function el(tag: string, cls: string | null, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) e.append(c);
  return e;
}

/** The signature with parameter `active` emphasised. */
function signatureNode(op: OpInfo, active: number | null, option: string | null): HTMLElement {
  const sig = el('div', 'cm-help-sig');
  const text = op.signature;
  const open = text.indexOf('(');
  sig.append(text.slice(0, open + 1));
  const inner = text.slice(open + 1, -1);
  // Split the parameter list at its top-level commas, keeping the separators.
  const parts = inner.split(/(\[?,\s*)/);
  let n = -1;
  for (const part of parts) {
    if (/^\[?,\s*$/.test(part)) {
      sig.append(part);
      continue;
    }
    if (part === '') continue;
    const clean = part.replace(/^\[/, '').replace(/\]+$/, '');
    const isOption = clean.includes('=');
    if (!isOption) n++;
    const on = option !== null ? isOption && clean.startsWith(`${option}=`) : !isOption && active !== null && matchesIndex(op, n, active);
    sig.append(on ? el('b', 'cm-help-active', part) : part);
  }
  sig.append(')');
  return sig;
}

function matchesIndex(op: OpInfo, shown: number, active: number): boolean {
  if (!op.repeats) return shown === active;
  const k = op.params.length;
  // sg_table shows two pairs: p1, len1, p2, len2, …; any later pair lights up the second.
  return shown === (active < 2 * k ? active : k + (active % k));
}

function opDoc(op: OpInfo): HTMLElement {
  const box = el('div', 'cm-help', signatureNode(op, null, null), el('p', null, op.doc));
  if (op.explain && op.explain !== op.doc) box.append(el('p', 'cm-help-muted', op.explain));
  if (op.params.length > 0) {
    const dl = el('dl', 'cm-help-params');
    for (const p of op.params) dl.append(el('dt', null, p.optional ? `${p.name} (optional)` : p.name), el('dd', null, p.describe));
    box.append(dl);
  }
  if (op.options.length > 0) {
    const dl = el('dl', 'cm-help-params');
    for (const o of op.options) dl.append(el('dt', null, `${o.key}=`), el('dd', null, `${o.describe}${o.def !== undefined ? `; default ${o.def}` : ''}`));
    box.append(dl);
  }
  if (op.resultsText.length > 0) box.append(el('p', 'cm-help-muted', `Gives ${op.resultsText.join(' and ')}.`));
  return box;
}

/** Hover text for the word at `pos`, or null. */
function hoverAt(state: EditorState, pos: number): { from: number; to: number; dom: () => HTMLElement } | null {
  const line = state.doc.lineAt(pos);
  const text = line.text;
  let a = pos - line.from;
  let b = a;
  while (a > 0 && /\w/.test(text[a - 1]!)) a--;
  while (b < text.length && /\w/.test(text[b]!)) b++;
  if (a === b) return null;
  const word = text.slice(a, b);
  if (contextAt(text.slice(0, a)).kind === 'none') return null;
  const range = { from: line.from + a, to: line.from + b };
  const op = /^\s*\(/.test(text.slice(b)) ? opInfo(word) : undefined;
  if (op) return { ...range, dom: () => opDoc(op) };
  const group = constantGroup(word);
  if (group) return { ...range, dom: () => el('div', 'cm-help', el('div', 'cm-help-sig', word), el('p', null, group.title)) };
  const ctx = contextAt(text.slice(0, b));
  if (ctx.kind === 'arg' && /^\s*=(?!>)/.test(text.slice(b))) {
    const o = ctx.op.options.find((x) => x.key === word);
    if (o) return { ...range, dom: () => el('div', 'cm-help', el('div', 'cm-help-sig', `${ctx.op.name}(… ${o.key}=…)`), el('p', null, `${o.describe}${o.def !== undefined ? `; default ${o.def}` : ''}`)) };
  }
  const names = declaredNames(state.doc.toString());
  const what = names.devices.includes(word) ? 'a device declared in the header' : names.iommus.includes(word) ? 'an IOMMU declared in the header' : undefined;
  const t = names.values.get(word);
  const kind = what ?? (t !== undefined ? `a name holding ${describeValue(t)}` : undefined);
  if (kind) return { ...range, dom: () => el('div', 'cm-help', el('div', 'cm-help-sig', word), el('p', null, kind)) };
  return null;
}

function describeValue(t: string): string {
  return ({ buf: 'a buffer', handle: 'a DMA address', int: 'an integer', sgt: 'an sg_table', domain: 'an IOMMU domain', vm: 'a GPU VM', dmabuf: 'a dma-buf', attach: 'a dma-buf attachment' } as Record<string, string>)[t] ?? t;
}

export const scenarioHover = hoverTooltip((view, pos) => {
  const h = hoverAt(view.state, pos);
  if (!h) return null;
  return { pos: h.from, end: h.to, above: true, create: () => ({ dom: h.dom() }) };
});

/** The signature tooltip for a cursor inside a call, or null. */
function signatureTooltip(state: EditorState): Tooltip | null {
  const sel = state.selection.main;
  if (!sel.empty) return null;
  const line = state.doc.lineAt(sel.head);
  const ctx = contextAt(line.text.slice(0, sel.head - line.from));
  if (ctx.kind !== 'arg') return null;
  const op = ctx.op;
  return {
    pos: line.from + ctx.open,
    above: true,
    strictSide: false,
    arrow: false,
    create: () => {
      const box = el('div', 'cm-help cm-sighelp', signatureNode(op, ctx.option === null ? ctx.index : null, ctx.option));
      const o = ctx.option !== null ? op.options.find((x) => x.key === ctx.option) : undefined;
      const what = o ? `${o.key}: ${o.describe}` : ctx.param ? `${ctx.param.name}: ${ctx.param.describe}` : op.options.length ? 'options: key=value' : null;
      if (what) box.append(el('p', 'cm-help-muted', what));
      box.dataset.testid = 'signature-help';
      return { dom: box };
    },
  };
}

const closeSignature = StateEffect.define<null>();

/**
 * Shown while typing in a call (and while the keyboard moves through it);
 * a click elsewhere, or a click into a call, does not pop it up over the
 * lines being read.
 */
const signatureField = StateField.define<Tooltip | null>({
  create: () => null,
  update(value, tr) {
    if (tr.effects.some((e) => e.is(closeSignature))) return null;
    if (tr.docChanged) return tr.isUserEvent('input') || tr.isUserEvent('delete') ? signatureTooltip(tr.state) : null;
    if (!tr.selection) return value;
    if (tr.isUserEvent('select.pointer') || value === null) return null;
    return signatureTooltip(tr.state);
  },
  provide: (f) => showTooltip.from(f),
});

/** Escape closes the signature help, and an open completion list with it (autocompletion's own Escape runs next). */
const signatureKeys = Prec.highest(
  keymap.of([
    {
      key: 'Escape',
      run: (view) => {
        if (view.state.field(signatureField, false) == null) return false;
        view.dispatch({ effects: closeSignature.of(null) });
        // An open completion list closes with the same key press (its own Escape binding runs next).
        return completionStatus(view.state) === null;
      },
    },
  ]),
);

/** The part of @codemirror/autocomplete's CompletionContext the source reads. */
export interface CompletionContextLike {
  state: EditorState;
  pos: number;
  explicit: boolean;
}

/** A completion source for @codemirror/autocomplete (`autocompletion({ override: [scenarioCompletions] })`). */
export function scenarioCompletions(ctx: CompletionContextLike): { from: number; options: CompletionItem[]; validFor: RegExp } | null {
  const line = ctx.state.doc.lineAt(ctx.pos);
  const got = completeLine(line.text.slice(0, ctx.pos - line.from), ctx.state.doc.toString(), ctx.explicit);
  if (!got) return null;
  return { from: line.from + got.from, options: got.options, validFor: /^\w*$/ };
}

const helpTheme = EditorView.baseTheme({
  '.cm-help': { maxWidth: '34rem', padding: '6px 9px', fontSize: '12.5px', lineHeight: '1.45' },
  '.cm-help p': { margin: '4px 0 0' },
  '.cm-help-sig': { fontFamily: 'var(--mono, monospace)', fontSize: '12.5px', whiteSpace: 'pre-wrap' },
  '.cm-help-active': { textDecoration: 'underline', color: 'var(--accent, #1a5fb4)' },
  '.cm-help-muted': { opacity: '0.8' },
  '.cm-help-params': { display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '1px 10px', margin: '6px 0 0' },
  '.cm-help-params dt': { fontFamily: 'var(--mono, monospace)' },
  '.cm-help-params dd': { margin: '0' },
});

/** Hover docs and signature help (completion is `scenarioCompletions`, handed to autocompletion() by the editor). */
export const scenarioHelp = [scenarioHover, signatureField, signatureKeys, helpTheme];
