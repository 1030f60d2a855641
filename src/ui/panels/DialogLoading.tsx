/**
 * What a lazily loaded dialog shows over the page while its module arrives:
 * the key or click that opened it gets an answer at once, not a pause.
 */
export default function DialogLoading({ what }: { what: string }) {
  return (
    <div className="overlay">
      <div className="dialog" role="status" aria-busy="true" data-testid="dialog-loading">
        <p className="muted">Loading {what}…</p>
      </div>
    </div>
  );
}
