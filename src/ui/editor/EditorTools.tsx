/**
 * The scenario pane's tools: "New" (a template to start from) and
 * "Reference" (the language reference, rendered here); and the scenario
 * text as printed (print.css).
 */
import { Suspense, lazy, useCallback, useState } from 'react';
import { useStore } from '../store/store.ts';
import { NEW_SCENARIO } from './template.ts';
import { openText } from '../drafts/draftStore.ts';
import { BIG_TEXT_BYTES, type BigText } from './bigText.ts';
import './editor-tools.css';
import '../print.css';

/** What printing shows: the text, or the start of a long one (a million lines are not printed; putting them in the page would stop it for seconds). */
function printed(text: string, big: BigText | null): string {
  if (!big && text.length <= BIG_TEXT_BYTES) return text;
  const whole = big ? big.head() : text;
  const cut = whole.lastIndexOf('\n', PRINT_CHARS);
  const size = big ? `${big.size.toLocaleString('en-US')} bytes` : `${text.length.toLocaleString('en-US')} characters`;
  return `${whole.slice(0, cut)}\n\n… the scenario is ${size} long: only its start is printed (download it to print it all)`;
}

const PRINT_CHARS = 200_000;

const ReferencePanel = lazy(() => import('./ReferencePanel.tsx'));

export default function EditorTools({ readOnly }: { readOnly: boolean }) {
  const [refOpen, setRefOpen] = useState(false);
  const text = useStore((s) => s.text);
  const big = useStore((s) => s.big);
  const close = useCallback(() => setRefOpen(false), []);
  function newScenario() {
    // The text it replaces is kept as a draft (with Undo), like any other source taking the editor.
    openText(NEW_SCENARIO, 0, 'before starting a new scenario');
  }
  return (
    <span className="editor-tools">
      {!readOnly && (
        <button type="button" className="small-btn" onClick={newScenario} data-testid="new-scenario" title="Start a new scenario from a short template">
          New
        </button>
      )}
      <button type="button" className="small-btn" onClick={() => setRefOpen(true)} data-testid="reference-btn" title="The scenario language: every operation, its arguments and options">
        Reference
      </button>
      {/* The whole text for printing (the editor on screen draws only the lines in view). */}
      <pre className="print-scenario" aria-hidden="true">
        {printed(text, big)}
      </pre>
      {refOpen && (
        <Suspense fallback={null}>
          <ReferencePanel onClose={close} />
        </Suspense>
      )}
    </span>
  );
}
