/**
 * The scenario editor: CodeMirror 6, loaded lazily (React.lazy) so the first
 * paint does not wait for it. It edits the store's text, reports the cursor,
 * underlines parse errors (lint diagnostics with the parser's message) and
 * highlights the line of the current step. A text too long to hold whole
 * (textWindow.ts) is shown as a read-only window of lines around the step.
 */
import { useEffect, useRef, useState } from 'react';
import { Compartment, EditorState, RangeSetBuilder, StateEffect, StateField, Text, Transaction } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import type { DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, isolateHistory } from '@codemirror/commands';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { acceptCompletion, autocompletion, completionKeymap } from '@codemirror/autocomplete';
import type { Diagnostic } from '@codemirror/lint';
import { scenarioHighlighting } from './language.ts';
import { scenarioCompletions, scenarioHelp } from './help.ts';
import { unsafeCharHighlight } from './unsafeChars.ts';
import { useStore } from '../store/store.ts';
import type { ParseErrorJson } from '../../scenario/result.ts';
import { foldLesson, lessonExtensions, setAnswered } from './lessonExtensions.ts';
import { useLesson } from '../lesson/lessonStore.ts';
import { TextWindow, type WindowSlice } from './textWindow.ts';
import type { BigText } from './bigText.ts';
import BigTextBar, { type BigTextInfo } from './BigTextBar.tsx';
import { editWhole } from '../engine.ts';
import { BIG_PASTE_CHARS, openPasted } from '../import/useFileDrop.ts';

const answeredLines = (): Set<number> => new Set(Object.keys(useLesson.getState().answers).map(Number));

const setStepLine = StateEffect.define<number | null>();

/** The current step's line (1-based), decorated as a whole line. */
const stepLineField = StateField.define<{ line: number | null; deco: DecorationSet }>({
  create: () => ({ line: null, deco: Decoration.none }),
  update(value, tr) {
    let line = value.line;
    for (const e of tr.effects) if (e.is(setStepLine)) line = e.value;
    if (line === value.line && !tr.docChanged) return value;
    return { line, deco: lineDeco(tr.state.doc, line) };
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.deco),
});

const stepLineMark = Decoration.line({ class: 'cm-stepLine', attributes: { 'data-step-line': 'true' } });

function lineDeco(doc: Text, line: number | null): DecorationSet {
  if (line === null || line < 1 || line > doc.lines) return Decoration.none;
  const b = new RangeSetBuilder<Decoration>();
  const l = doc.line(line);
  b.add(l.from, l.from, stepLineMark);
  return b.finish();
}

/** Parse errors as lint diagnostics; `offset` lines of the text come before the document (a window), errors outside it are left to the status line. */
function toDiagnostics(doc: Text, errors: ParseErrorJson[], offset = 0): Diagnostic[] {
  const shown = offset === 0 ? errors : errors.filter((e) => e.line > offset && e.line <= offset + doc.lines);
  return shown.map((e) => {
    const line = doc.line(Math.max(1, Math.min(doc.lines, e.line - offset)));
    let from = Math.min(line.to, line.from + Math.max(0, e.col - 1));
    let to = from;
    const rest = doc.sliceString(from, line.to);
    const m = /^([A-Za-z0-9_]+|"[^"]*"?|\S)/.exec(rest);
    if (m) to = from + m[0].length;
    else {
      // At the end of the line ("expected ')'"): underline the last token before it.
      const before = doc.sliceString(line.from, from).replace(/\s+$/, '');
      const last = /([A-Za-z0-9_]+|"[^"]*"|\S)$/.exec(before);
      if (last) {
        to = line.from + before.length;
        from = to - last[0].length;
      }
    }
    return { from, to, severity: 'error', message: `${e.line}:${e.col}: ${e.message}`, source: 'parser' };
  });
}

/** The line the editor should highlight for the current step. */
function currentStepLine(): number | null {
  const s = useStore.getState();
  if (!s.summary || s.step === 0) return null;
  return s.summary.steps.at(s.step - 1)?.line ?? null;
}

/** The step line waiting to be revealed, per editor: its position in the document. */
const revealing = new WeakMap<EditorView, number>();
/** Where the last reveal left the editor's scroller, and the editors scrolled elsewhere since. */
const revealedTop = new WeakMap<EditorView, number>();
const scrolledAway = new WeakSet<EditorView>();

/**
 * Reveals the step's line by scrolling only the editor's own scroller (CodeMirror's
 * default would also scroll the page, which on a phone jumps away from the controls).
 * It runs in CodeMirror's measure phase, with the line already drawn and measured:
 * reading the layout here costs no extra layout, unlike reading it as the step changes.
 */
const stepScroll = EditorView.scrollHandler.of((view, range) => {
  if (revealing.get(view) !== range.head) return false;
  revealing.delete(view);
  const sd = view.scrollDOM;
  if (sd.clientHeight === 0) return true;
  const block = view.lineBlockAt(range.head);
  const top = block.top + view.documentPadding.top;
  if (top < sd.scrollTop || top + block.height > sd.scrollTop + sd.clientHeight) {
    sd.scrollTop = Math.max(0, top - sd.clientHeight / 3);
  }
  revealedTop.set(view, sd.scrollTop);
  scrolledAway.delete(view);
  return true;
});

/** The effects that mark a line as the step's and (unless the user is typing there) scroll to it, in one transaction with whatever else changes. */
function stepEffects(view: EditorView, doc: Text, line: number | null, reveal: boolean): StateEffect<unknown>[] {
  const effects: StateEffect<unknown>[] = [setStepLine.of(line)];
  if (reveal && line !== null && line >= 1 && line <= doc.lines) {
    const pos = doc.line(line).from;
    revealing.set(view, pos);
    effects.push(EditorView.scrollIntoView(pos));
  }
  return effects;
}

/**
 * While the page has no selection at all, CodeMirror reads the page's selection at every update of the editor (it
 * looks for one to keep, in case it is in the editor): reading it lays the page out there and then, in the middle of
 * a step, with the editor's new lines and the views' new step half drawn (most of a seek's time in a long run was
 * these layouts, two or three a seek). A caret at the very start of the page, where nothing is drawn, gives it a
 * selection to remember, so it reads no more until the selection changes; whatever the user selects replaces it.
 */
function giveSelectionToRemember(): void {
  const sel = document.getSelection();
  if (sel && sel.rangeCount === 0) sel.collapse(document.body, 0);
}

const readOnlyCompartment = new Compartment();
/** Lines of the whole text before the document (a window's first line - 1), set with the window's text. */
const setOffset = StateEffect.define<number>();
const offsetField = StateField.define<number>({
  create: () => 0,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setOffset)) value = e.value;
    return value;
  },
});
/** Line numbers: a window's count from its first line in the whole text (read from the state: moving the window reconfigures nothing). */
const numbers = lineNumbers({ formatNumber: (n, state) => String(n + state.field(offsetField)) });
const readOnlyExt = (on: boolean): Extension => [EditorState.readOnly.of(on), EditorView.editable.of(!on)];
/** The highlighting, reloaded when the operation table arrives from the worker (operation names are read from it). */
const languageCompartment = new Compartment();

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
});

export interface EditorProps {
  readOnly?: boolean;
}

export default function Editor({ readOnly = false }: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  /** The window on a long text, while one is shown (null: the editor holds the whole text). */
  const winRef = useRef<TextWindow | null>(null);
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;
  const [big, setBig] = useState<BigTextInfo | null>(null);
  const wholeRef = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!host.current) return;
    let applyingExternal = false;
    const info = (w: TextWindow): BigTextInfo => ({ bytes: w.big.size, lines: w.index.lines, from: w.from, to: w.to });
    /** The window's line for a line of the whole text. */
    const local = (line: number | null): number | null => {
      const w = winRef.current;
      return line === null || !w ? line : line - w.offset;
    };
    const startWindow = (big: BigText): WindowSlice => {
      winRef.current?.stop();
      const w = new TextWindow(big);
      winRef.current = w;
      const first = w.around(currentStepLine()) ?? w.around(null)!;
      // Once every line can be reached: the line count for the bar, and the window to the step if it was further on.
      w.indexRest(() => {
        if (winRef.current !== w || !viewRef.current) return;
        const moved = w.around(currentStepLine());
        if (moved) showSlice(viewRef.current, moved);
        setBig(info(w));
      });
      setBig(info(w));
      return first;
    };
    const extensions: Extension[] = [
      offsetField,
      numbers,
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      drawSelection(),
      unsafeCharHighlight,
      // Tab accepts a completion too (only while the list is open: otherwise Tab leaves the editor, as keyboard users expect).
      keymap.of([...completionKeymap, { key: 'Tab', run: acceptCompletion }, ...defaultKeymap, ...historyKeymap, ...lintKeymap]),
      // Before autocompletion: the signature help's Escape runs first and lets the completion's close the list too.
      scenarioHelp,
      autocompletion({ override: [scenarioCompletions], icons: true }),
      languageCompartment.of(scenarioHighlighting),
      lintGutter(),
      stepLineField,
      stepScroll,
      lessonExtensions(() => useStore.getState().setHint('Locked: only the highlighted lines can change')),
      baseTheme,
      EditorView.lineWrapping,
      readOnlyCompartment.of(readOnlyExt(readOnly)),
      EditorView.contentAttributes.of({ 'aria-label': 'Scenario editor', spellcheck: 'false' }),
      // A long paste is opened as a dropped file would be (imported, explained, or kept as bytes), never put in the document.
      EditorView.domEventHandlers({
        paste(e) {
          const text = e.clipboardData?.getData('text/plain') ?? '';
          if (text.length < BIG_PASTE_CHARS) return false;
          e.preventDefault();
          openPasted(text);
          return true;
        },
      }),
      EditorView.updateListener.of((u) => {
        const st = useStore.getState();
        const offset = winRef.current?.offset ?? 0;
        if (u.docChanged && !applyingExternal && !winRef.current) st.setText(u.state.doc.toString());
        // A window moving is not the user moving the cursor.
        if ((u.selectionSet || u.docChanged) && !applyingExternal) {
          const head = u.state.selection.main.head;
          const line = u.state.doc.lineAt(head);
          if (line.number + offset !== st.cursor.line || head - line.from + 1 !== st.cursor.col) {
            st.setCursor(line.number + offset, head - line.from + 1);
          }
        }
      }),
    ];
    /** Puts a window's lines in the editor (not an edit: no undo step, nothing sent to the store). */
    function showSlice(v: EditorView, slice: WindowSlice): void {
      // One transaction: the lines, their numbering, the step's line, the scroll to it and the errors in it (each a transaction of its own was a layout each).
      const doc = Text.of(slice.text.split(/\r\n?|\n/));
      const offset = slice.from - 1;
      const effects: StateEffect<unknown>[] = [setOffset.of(offset), ...stepEffects(v, doc, local(currentStepLine()), !v.hasFocus)];
      if (!v.state.readOnly) effects.push(readOnlyCompartment.reconfigure(readOnlyExt(true)));
      const diagnostics = setDiagnostics(v.state, toDiagnostics(doc, useStore.getState().errors, offset)).effects;
      applyingExternal = true;
      v.dispatch({
        changes: { from: 0, to: v.state.doc.length, insert: doc },
        effects: effects.concat(diagnostics ?? []),
        annotations: Transaction.addToHistory.of(false),
      });
      applyingExternal = false;
      setBig(winRef.current && info(winRef.current));
    }
    /** The whole text in the editor, editable (a text from outside, or a long one after "edit whole"). */
    function showWhole(v: EditorView, text: string): void {
      const wasWindow = winRef.current !== null;
      winRef.current?.stop();
      winRef.current = null;
      setBig(null);
      applyingExternal = true;
      // Its own undo step: Ctrl+Z gives back exactly the text it replaced, never merged with typing just before it.
      v.dispatch({
        changes: { from: 0, to: v.state.doc.length, insert: text },
        effects: wasWindow ? [setOffset.of(0), readOnlyCompartment.reconfigure(readOnlyExt(readOnlyRef.current))] : [],
        annotations: wasWindow ? Transaction.addToHistory.of(false) : isolateHistory.of('full'),
      });
      applyingExternal = false;
      foldLesson(v);
      if (!wasWindow) return;
      // Where the window was: the step's line, now numbered in the whole text.
      v.dispatch({ effects: stepEffects(v, v.state.doc, currentStepLine(), true) });
    }

    let following = 0;
    /** The step changed since the editor last followed it (not only the summary: a long run's provisional summaries come every few seconds). */
    let stepMoved = false;
    /**
     * The editor follows the current step: the window moves only when the step's line nears its edge; otherwise the step's line and the scroll are one transaction.
     * Nothing is dispatched when the line and the text are the ones already shown (a new summary of a loading run, a step on the same line):
     * every update of the editor reads the page's selection and draws again (0.4-1.6 s tasks in a 100,000-step load), for nothing here.
     * A step to the same line still scrolls back to it if the editor was scrolled away meanwhile.
     */
    function followStep(): void {
      following = 0;
      const line = currentStepLine();
      const moved = winRef.current?.around(line);
      if (moved) return showSlice(view, moved);
      const shown = view.state.field(stepLineField).line;
      if (shown === local(line) && shown !== null && (!stepMoved || !scrolledAway.has(view))) {
        stepMoved = false;
        return;
      }
      stepMoved = false;
      if (shown === null && local(line) === null) return;
      view.dispatch({ effects: stepEffects(view, view.state.doc, local(line), !view.hasFocus) });
    }
    // The editor scrolled by the user (not by a reveal): a step to the same line scrolls back to it.
    const onScroll = () => {
      if (view.scrollDOM.scrollTop !== revealedTop.get(view)) scrolledAway.add(view);
    };

    const { text: initial, big: initialBig } = useStore.getState();
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({ doc: initial, extensions }),
    });
    giveSelectionToRemember();
    viewRef.current = view;
    view.scrollDOM.addEventListener('scroll', onScroll, { passive: true });
    if (initialBig) showSlice(view, startWindow(initialBig));
    wholeRef.current = () => void editWhole();
    view.dispatch({ effects: [setStepLine.of(local(currentStepLine())), setAnswered.of(answeredLines())] });
    foldLesson(view);
    const unsubLesson = useLesson.subscribe((l, prev) => {
      if (l.answers !== prev.answers) view.dispatch({ effects: setAnswered.of(answeredLines()) });
    });
    const errs = useStore.getState().errors;
    if (errs.length) view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, errs, winRef.current?.offset ?? 0)));

    const unsub = useStore.subscribe((s, prev) => {
      if (s.textEpoch !== prev.textEpoch) {
        // A long text from outside (an imported trace, a dropped file: its bytes) is shown as a window; anything else whole.
        const big = s.big;
        if (big) {
          // In a task of its own: the store change that brought the text (an import's summary too) is work enough for one.
          if (winRef.current?.big !== big) {
            setTimeout(() => {
              if (viewRef.current === view && useStore.getState().big === big && winRef.current?.big !== big) showSlice(view, startWindow(big));
            }, 0);
          }
        } else if (winRef.current || s.text !== view.state.doc.toString()) showWhole(view, s.text);
      }
      if (s.operations !== prev.operations) {
        view.dispatch({ effects: languageCompartment.reconfigure([]) });
        view.dispatch({ effects: languageCompartment.reconfigure(scenarioHighlighting) });
      }
      if (s.errors !== prev.errors) {
        view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, s.errors, winRef.current?.offset ?? 0)));
      }
      if (s.step !== prev.step) stepMoved = true;
      if (s.step !== prev.step || s.summary !== prev.summary) {
        // In the next animation frame, once, however many steps went by (a scrubber dragged): the page has committed the
        // step's frame by then, so the editor's update reads a layout the frame needs anyway, instead of forcing one of its own first.
        if (!following) following = requestAnimationFrame(followStep);
      }
    });
    return () => {
      cancelAnimationFrame(following);
      view.scrollDOM.removeEventListener('scroll', onScroll);
      unsub();
      unsubLesson();
      winRef.current?.stop();
      winRef.current = null;
      wholeRef.current = null;
      view.destroy();
      viewRef.current = null;
    };
    // The editor is created once; readOnly changes go through the compartment below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: readOnlyCompartment.reconfigure(readOnlyExt(readOnly || winRef.current !== null)) });
  }, [readOnly]);

  return (
    <div className="editor-stack">
      {big && <BigTextBar info={big} onEditWhole={readOnly ? null : () => wholeRef.current?.()} />}
      <div className="editor-host" ref={host} data-testid="editor" />
    </div>
  );
}
