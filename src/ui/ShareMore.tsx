/**
 * The share popover's other forms of the same state: the run as plain text
 * for an email, the open view as an SVG or PNG, an <iframe> that embeds the
 * compact player, and printing (print.css keeps the scenario, the
 * explanation and the open view).
 */
import { useState } from 'react';
import { useStore } from './store/store.ts';
import { mailText } from './share-text.ts';
import { elementToSvg, loadedViewElement, openViewElement, saveBlob, svgToPng } from './share-export.ts';
import { embedSnippet } from './embed/embed-link.ts';
import './share.css';

function fileStem(): string {
  const { step } = useStore.getState();
  const view = openViewElement()?.id ?? 'view';
  return `dma-explorer-${view}-step${step}`;
}

export default function ShareMore({ url }: { url: string | null }) {
  const [text, setText] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const notify = useStore((s) => s.notify);

  async function copyText() {
    setStatus('Making the text…');
    const t = await mailText();
    if (t === null) {
      setStatus('The scenario changed meanwhile: press Copy as text again.');
      return;
    }
    setText(t);
    try {
      await navigator.clipboard.writeText(t);
      setStatus(`Text copied (${t.split('\n').length - 1} lines, 72 columns).`);
    } catch {
      setStatus('The browser refused the clipboard: select the text below and copy it.');
    }
  }

  async function exportView(kind: 'svg' | 'png') {
    const v = await loadedViewElement();
    if (!v) {
      setStatus('No view is open.');
      return;
    }
    if (v === 'loading') {
      setStatus('The view is still loading: export it once it shows.');
      return;
    }
    try {
      const svg = elementToSvg(v.el, `DMA Explorer: the ${v.id} view at step ${useStore.getState().step}`);
      const blob = kind === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPng(svg);
      saveBlob(`${fileStem()}.${kind}`, blob);
      setStatus(`Saved the ${v.id} view as ${kind.toUpperCase()}.`);
    } catch (e) {
      notify('error', `Could not export the view: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return (
    <div className="share-more" data-testid="share-more">
      <div className="share-actions">
        <button type="button" onClick={() => void copyText()} data-testid="copy-text" title="The steps up to this one as plain text for an email (72 columns), with the link">
          Copy as text
        </button>
        <button type="button" onClick={() => void exportView('svg')} data-testid="export-svg" title="Save the open view as an SVG image">
          View as SVG
        </button>
        <button type="button" onClick={() => void exportView('png')} data-testid="export-png" title="Save the open view as a PNG image">
          View as PNG
        </button>
        <button type="button" onClick={() => window.print()} title="Print the scenario, the explanation and the open view">
          Print
        </button>
      </div>
      {status && (
        <p className="muted small" role="status">
          {status}
        </p>
      )}
      {text !== null && <textarea className="text-field mono share-text" readOnly value={text} rows={10} wrap="off" aria-label="The run as text" data-testid="share-text" onFocus={(e) => e.currentTarget.select()} />}
      {url && (
        <details className="share-embed">
          <summary>Embed in a page</summary>
          <p className="muted small">A compact read-only player of this step and view, for documentation or a blog:</p>
          <textarea className="text-field mono" readOnly rows={3} value={embedSnippet(url)} aria-label="Embed code" data-testid="embed-code" onFocus={(e) => e.currentTarget.select()} />
        </details>
      )}
    </div>
  );
}
