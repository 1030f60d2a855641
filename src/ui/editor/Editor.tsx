/**
 * The scenario editor: CodeMirror 6, loaded lazily (React.lazy) so the first
 * paint does not wait for it. It edits the store's text, reports the cursor,
 * underlines parse errors (lint diagnostics with the parser's message) and
 * highlights the line of the current step.
 */
import { useEffect, useRef } from 'react';
import { Compartment, EditorState, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import type { Extension, Text } from '@codemirror/state';
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

function toDiagnostics(doc: Text, errors: ParseErrorJson[]): Diagnostic[] {
  return errors.map((e) => {
    const line = doc.line(Math.max(1, Math.min(doc.lines, e.line)));
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

/**
 * Scrolls only the editor's own scroller to show a line (EditorView.scrollIntoView
 * would also scroll the page, which on a phone jumps away from the controls).
 */
function revealLine(view: EditorView, line: number): void {
  const sd = view.scrollDOM;
  if (sd.clientHeight === 0) return;
  const block = view.lineBlockAt(view.state.doc.line(line).from);
  const top = block.top + view.documentPadding.top;
  if (top < sd.scrollTop || top + block.height > sd.scrollTop + sd.clientHeight) {
    sd.scrollTop = Math.max(0, top - sd.clientHeight / 3);
  }
}

const readOnlyCompartment = new Compartment();
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

  useEffect(() => {
    if (!host.current) return;
    let applyingExternal = false;
    const extensions: Extension[] = [
      lineNumbers(),
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
      lessonExtensions(() => useStore.getState().setHint('Locked: only the highlighted lines can change')),
      baseTheme,
      EditorView.lineWrapping,
      readOnlyCompartment.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
      EditorView.contentAttributes.of({ 'aria-label': 'Scenario editor', spellcheck: 'false' }),
      EditorView.updateListener.of((u) => {
        const st = useStore.getState();
        if (u.docChanged && !applyingExternal) st.setText(u.state.doc.toString());
        if (u.selectionSet || u.docChanged) {
          const head = u.state.selection.main.head;
          const line = u.state.doc.lineAt(head);
          if (line.number !== st.cursor.line || head - line.from + 1 !== st.cursor.col) {
            st.setCursor(line.number, head - line.from + 1);
          }
        }
      }),
    ];
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({ doc: useStore.getState().text, extensions }),
    });
    viewRef.current = view;
    view.dispatch({ effects: [setStepLine.of(currentStepLine()), setAnswered.of(answeredLines())] });
    foldLesson(view);
    const unsubLesson = useLesson.subscribe((l, prev) => {
      if (l.answers !== prev.answers) view.dispatch({ effects: setAnswered.of(answeredLines()) });
    });
    const errs = useStore.getState().errors;
    if (errs.length) view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, errs)));

    const unsub = useStore.subscribe((s, prev) => {
      if (s.textEpoch !== prev.textEpoch && s.text !== view.state.doc.toString()) {
        applyingExternal = true;
        // Its own undo step: Ctrl+Z gives back exactly the text it replaced, never merged with typing just before it.
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: s.text }, annotations: isolateHistory.of('full') });
        applyingExternal = false;
        foldLesson(view);
      }
      if (s.operations !== prev.operations) {
        view.dispatch({ effects: languageCompartment.reconfigure([]) });
        view.dispatch({ effects: languageCompartment.reconfigure(scenarioHighlighting) });
      }
      if (s.errors !== prev.errors) {
        view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, s.errors)));
      }
      if (s.step !== prev.step || s.summary !== prev.summary) {
        const line = currentStepLine();
        view.dispatch({ effects: setStepLine.of(line) });
        if (line !== null && line <= view.state.doc.lines && !view.hasFocus) revealLine(view, line);
      }
    });
    return () => {
      unsub();
      unsubLesson();
      view.destroy();
      viewRef.current = null;
    };
    // The editor is created once; readOnly changes go through the compartment below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: readOnlyCompartment.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  return <div className="editor-host" ref={host} data-testid="editor" />;
}
