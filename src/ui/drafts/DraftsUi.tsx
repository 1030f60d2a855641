/**
 * Drafts on screen: the toast that says where the replaced text went (with
 * Undo), and the Drafts button with its list, newest first, each restorable
 * or removable.
 */
import { useEffect } from 'react';
import './drafts.css';
import { deleteDraft, dismissToast, restoreDraft, undoToast, useDrafts } from './draftStore.ts';

const TOAST_MS = 15_000;

export function DraftToast() {
  const toast = useDrafts((s) => s.toast);
  useEffect(() => {
    if (!toast) return;
    const id = setTimeout(dismissToast, TOAST_MS);
    return () => clearTimeout(id);
  }, [toast]);
  if (!toast) return null;
  return (
    <div className="notices draft-toast-box" role="status">
      <div className="notice info draft-toast" data-testid="draft-toast">
        <span className="notice-text">
          Your previous text was kept as the draft “{toast.draft.name}” ({toast.what}).
        </span>
        <button type="button" onClick={undoToast} data-testid="draft-undo">
          Undo
        </button>
        <button type="button" className="close" aria-label="Dismiss" onClick={dismissToast}>
          ×
        </button>
      </div>
    </div>
  );
}

function when(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

export function DraftsButton() {
  const drafts = useDrafts((s) => s.drafts);
  const open = useDrafts((s) => s.menuOpen);
  if (drafts.length === 0) return null;
  return (
    <div className="drafts">
      <button type="button" className="small" aria-expanded={open} onClick={() => useDrafts.setState({ menuOpen: !open })} data-testid="drafts-button" title="Texts kept when something replaced the editor's text">
        Drafts ({drafts.length})
      </button>
      {open && (
        <ul className="drafts-menu" data-testid="drafts-menu">
          {drafts.map((d) => (
            <li key={d.id}>
              <button type="button" className="drafts-open" onClick={() => restoreDraft(d)} title={d.text.slice(0, 400)}>
                <span className="drafts-name">{d.name}</span>
                <span className="muted small">
                  {when(d.savedAt)} · {d.reason}
                </span>
              </button>
              <button type="button" className="close" aria-label={`Delete draft ${d.name}`} onClick={() => deleteDraft(d.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
