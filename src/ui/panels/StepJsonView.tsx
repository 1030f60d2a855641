/**
 * The current step's record as JSON, as the runner produced it (events capped
 * to keep frames small): for checking what the other views draw from.
 */
import type { ViewProps } from './registry.ts';

function StepJsonView({ frame }: ViewProps) {
  if (!frame) return <p className="muted">No frame yet.</p>;
  if (!frame.json) return <p className="muted">Step 0: the machine is built; no statement has run.</p>;
  const { omitted } = frame;
  return (
    <div className="json-view">
      {(omitted.events > 0 || omitted.lines > 0 || omitted.dataBytes > 0) && (
        <p className="note">
          Trimmed for display: {omitted.events} events, {omitted.lines} cache lines, {omitted.dataBytes} data bytes left out.
        </p>
      )}
      <pre className="mono json">{JSON.stringify(frame.json, null, 2)}</pre>
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default StepJsonView;
