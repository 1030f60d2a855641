/**
 * The header's "Explain a log" button, and the dialog it opens (loaded on
 * first use, rendered over the whole page). A dropped or pasted kernel log
 * opens the same dialog (useFileDrop, engine.ts).
 */
import { Suspense, lazy } from 'react';
import { createPortal } from 'react-dom';
import DialogLoading from '../panels/DialogLoading.tsx';
import { useExplain } from './explainStore.ts';

const ExplainDialog = lazy(() => import('./ExplainDialog.tsx'));

export default function ExplainButton() {
  const open = useExplain((s) => s.open);
  return (
    <>
      <button type="button" className="explain-btn" onClick={() => useExplain.getState().show()} aria-haspopup="dialog" aria-expanded={open} data-testid="explain-btn" title="Explain a kernel log: paste dmesg, see what each DMA message means (x)">
        Explain<span className="wide-only"> a log</span>
      </button>
      {open &&
        createPortal(
          <Suspense fallback={<DialogLoading what="the log explainer" />}>
            <ExplainDialog />
          </Suspense>,
          document.body,
        )}
    </>
  );
}
