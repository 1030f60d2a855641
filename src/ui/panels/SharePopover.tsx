/**
 * Shows the share link (also copied to the clipboard when allowed), with a
 * Copy button for when the automatic copy was refused.
 */
import { Suspense, lazy, useEffect, useRef, useState } from 'react';
import { useStore } from '../store/store.ts';
import PanelBoundary from './PanelBoundary.tsx';

// The other forms (text for an email, SVG/PNG of the view, the embed snippet): loaded when the popover first opens.
const ShareMore = lazy(() => import('../ShareMore.tsx'));

export default function SharePopover() {
  const share = useStore((s) => s.share);
  const setShare = useStore((s) => s.setShare);
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    input.current?.select();
  }, [share?.url]);

  if (!share) return null;

  async function copy() {
    if (!share?.url) return;
    input.current?.select();
    try {
      await navigator.clipboard.writeText(share.url);
      setStatus('Copied.');
    } catch {
      setStatus('The browser refused the clipboard: press Ctrl+C (⌘C) to copy the selected link.');
    }
  }

  return (
    <div className="popover share-pop" role="dialog" aria-label="Share link">
      {share.error ? (
        <p className="bad-text">{share.error}</p>
      ) : (
        <>
          <p className="muted small">
            {status ?? (share.copied ? 'Link copied to the clipboard. It opens this text at this step, with this view and selection.' : 'Copy this link: it opens this text at this step, with this view and selection.')}
          </p>
          <div className="share-row">
            <input ref={input} readOnly value={share.url ?? ''} aria-label="Share link" data-testid="share-url" className="text-field mono" />
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
          </div>
          <p className="muted small">{share.url ? `${share.url.length} characters` : ''}</p>
          <PanelBoundary name="share options">
            <Suspense fallback={<p className="muted small">Loading the other forms (text, SVG, PNG, embed)…</p>}>
              <ShareMore url={share.url} />
            </Suspense>
          </PanelBoundary>
        </>
      )}
      <button type="button" className="close" aria-label="Close" onClick={() => setShare(null)}>
        ×
      </button>
    </div>
  );
}
