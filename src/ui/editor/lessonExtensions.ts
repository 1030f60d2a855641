/**
 * The editor in a lesson:
 * - a bug hunt's locked lines: every change outside the `# fix:` regions is
 *   refused (a transaction filter compares the text's locked skeleton before
 *   and after), and the lines are shaded: editable, marker, locked;
 * - the reference solution's `# solution:` lines are folded away behind a
 *   "solution hidden" marker;
 * - a prediction `=>? …` is hidden behind a "predict" chip until the learner
 *   has answered it in the explanation panel (its answer is the first choice);
 * - a lesson's narration `#>` blocks are folded (the explanation panel shows
 *   them, and the answers to predictions are in them), and so are its hints
 *   (the lesson bar reveals them one at a time); a click unfolds one.
 *
 * Texts longer than LESSON_MAX characters are not lessons: nothing is computed.
 */
import { StateEffect, StateField, RangeSetBuilder, EditorState } from '@codemirror/state';
import type { Extension, Text, Transaction } from '@codemirror/state';
import { Decoration, EditorView, WidgetType } from '@codemirror/view';
import { codeFolding, foldEffect } from '@codemirror/language';
import type { DecorationSet } from '@codemirror/view';
import { lineRole, lockedSkeleton, predictionRange, scanFixRegions } from '../../scenario/markup.ts';

const LESSON_MAX = 200_000;

/** The statement lines whose prediction the learner has answered. */
export const setAnswered = StateEffect.define<ReadonlySet<number>>();

class ChipWidget extends WidgetType {
  constructor(
    private readonly label: string,
    private readonly cls: string,
    private readonly title: string,
  ) {
    super();
  }
  eq(other: ChipWidget): boolean {
    return other.label === this.label && other.cls === this.cls;
  }
  toDOM(): HTMLElement {
    const el = document.createElement('span');
    el.className = this.cls;
    el.textContent = this.label;
    el.title = this.title;
    return el;
  }
}

const predictChip = Decoration.replace({ widget: new ChipWidget('=>? …', 'cm-predict-chip', 'Answer the prediction in the explanation panel to see the choices here') });
const solutionHidden = Decoration.replace({ widget: new ChipWidget('reference solution hidden (Show solution)', 'cm-solution-hidden', 'The lesson’s reference solution: use Show solution above'), block: true });
const lineClass = (cls: string) => Decoration.line({ class: cls });
const FIX_EDIT = lineClass('cm-fix-edit');
const FIX_MARKER = lineClass('cm-fix-marker');
const LOCKED = lineClass('cm-locked');

function decorate(doc: Text, answered: ReadonlySet<number>): DecorationSet {
  if (doc.length > LESSON_MAX) return Decoration.none;
  const text = doc.toString();
  const hasFix = text.includes('# fix:') || text.includes('#fix:');
  if (!hasFix && !text.includes('=>?')) return Decoration.none;
  const scan = hasFix ? scanFixRegions(text) : { regions: [], errors: [] };
  const hunt = scan.regions.length > 0 && scan.errors.length === 0;
  const b = new RangeSetBuilder<Decoration>();
  let r = 0;
  for (let n = 1; n <= doc.lines; n++) {
    const line = doc.line(n);
    while (hunt && r < scan.regions.length && n > (scan.regions[r]!.solutionLines?.[1] ?? scan.regions[r]!.end)) r++;
    const region = hunt ? scan.regions[r] : undefined;
    const sol = region?.solutionLines;
    if (sol && n === sol[0]) {
      // One block widget for the region's solution lines.
      b.add(line.from, doc.line(sol[1]).to, solutionHidden);
      n = sol[1];
      continue;
    }
    if (hunt) {
      const inside = region !== undefined && n > region.begin && n < region.end;
      const marker = region !== undefined && (n === region.begin || n === region.end);
      b.add(line.from, line.from, inside ? FIX_EDIT : marker ? FIX_MARKER : LOCKED);
    }
    if (!answered.has(n) && lineRole(line.text).kind === 'plain' && line.text.includes('=>?')) {
      const p = predictionRange(line.text);
      if (p && p.to > p.from) b.add(line.from + p.from, line.from + p.to, predictChip);
    }
  }
  return b.finish();
}

const lessonField = StateField.define<{ answered: ReadonlySet<number>; deco: DecorationSet }>({
  create: (state) => ({ answered: new Set(), deco: decorate(state.doc, new Set()) }),
  update(value, tr) {
    let answered = value.answered;
    for (const e of tr.effects) if (e.is(setAnswered)) answered = e.value;
    if (answered === value.answered && !tr.docChanged) return value;
    return { answered, deco: decorate(tr.state.doc, answered) };
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.deco),
});

/** Typing, deleting, pasting, undo: the learner's own changes (text replaced from outside is not filtered). */
function isLearnerEdit(tr: Transaction): boolean {
  return ['input', 'delete', 'move', 'undo', 'redo'].some((e) => tr.isUserEvent(e));
}

/**
 * Refuses a learner's change that touches a bug hunt's locked lines;
 * `onRefused` says why. Only a text that is a hunt before the change is guarded.
 */
function lockFilter(onRefused: () => void): Extension {
  return EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || !isLearnerEdit(tr) || tr.startState.doc.length > LESSON_MAX) return tr;
    const before = tr.startState.doc.toString();
    if (!before.includes('# fix:')) return tr;
    const skeleton = lockedSkeleton(before);
    if (skeleton === null || scanFixRegions(before).regions.length === 0) return tr;
    if (lockedSkeleton(tr.newDoc.toString()) === skeleton) return tr;
    onRefused();
    return [];
  });
}

type FoldKind = 'narration' | 'hint';

/** What a line of a lesson is folded as: narration `#>`, or a `hint("…")` (revealed one at a time in the lesson bar). */
function foldKind(text: string): FoldKind | null {
  if (lineRole(text).kind === 'narration') return 'narration';
  return /^\s*hint\s*\(/.test(text) ? 'hint' : null;
}

/** The blocks of a lesson to fold: consecutive narration lines, consecutive hint lines. */
export function lessonFolds(doc: Text): Array<{ from: number; to: number }> {
  if (doc.length > LESSON_MAX || !doc.toString().includes('lesson(')) return [];
  const out: Array<{ from: number; to: number }> = [];
  let start: number | null = null;
  let kind: FoldKind | null = null;
  for (let n = 1; n <= doc.lines + 1; n++) {
    const k = n <= doc.lines ? foldKind(doc.line(n).text) : null;
    if (start !== null && k !== kind) {
      out.push({ from: doc.line(start).from, to: doc.line(n - 1).to });
      start = null;
    }
    if (k !== null && start === null) start = n;
    kind = k;
  }
  return out;
}

const PLACEHOLDER: Record<FoldKind, (n: number) => string> = {
  narration: (n) => `#> narration (${n} line${n === 1 ? '' : 's'})`,
  hint: (n) => `${n} hint${n === 1 ? '' : 's'} (one at a time, in the lesson bar)`,
};

const lessonFolding = codeFolding({
  preparePlaceholder: (state, range) => {
    const kind = foldKind(state.doc.lineAt(range.from).text) ?? 'narration';
    return { kind, lines: state.doc.lineAt(range.to).number - state.doc.lineAt(range.from).number + 1 };
  },
  placeholderDOM: (_view, onclick, prepared: { kind: FoldKind; lines: number }) => {
    const el = document.createElement('span');
    el.className = 'cm-narration-fold';
    el.textContent = PLACEHOLDER[prepared.kind](prepared.lines);
    el.title = prepared.kind === 'hint' ? 'The bug hunt’s hints: click to read them all here' : 'Lesson narration, shown in the explanation panel: click to read it here';
    el.onclick = onclick;
    return el;
  },
});

/** Folds a lesson's narration and hints. */
export function foldLesson(view: EditorView): void {
  const blocks = lessonFolds(view.state.doc);
  if (blocks.length) view.dispatch({ effects: blocks.map((b) => foldEffect.of(b)) });
}

export function lessonExtensions(onRefused: () => void): Extension {
  return [lessonField, lockFilter(onRefused), lessonFolding];
}
