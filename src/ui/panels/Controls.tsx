/**
 * Step controls: first, back, forward, last, run to the cursor line, play or
 * pause at a chosen speed, next finding; and the scrubber with "step N / M".
 * Every control has a keyboard shortcut (keys.ts); the titles say which.
 */
import { first, last, nextFinding, runToCursor, stepBy, togglePlay } from '../actions.ts';
import { useStore } from '../store/store.ts';
import { IconBack, IconFirst, IconForward, IconLast, IconPause, IconPlay } from './icons.tsx';
import { cancelRun } from '../engine.ts';

const SPEEDS = [1, 2, 5, 10, 30];

export default function Controls() {
  const step = useStore((s) => s.step);
  const total = useStore((s) => s.summary?.stepCount ?? 0);
  const playing = useStore((s) => s.playing);
  const speed = useStore((s) => s.speed);
  const pauseAtFindings = useStore((s) => s.pauseAtFindings);
  const cursorLine = useStore((s) => s.cursor.line);
  const hint = useStore((s) => s.hint);
  const running = useStore((s) => s.running);
  const setStep = useStore((s) => s.setStep);
  const setPlaying = useStore((s) => s.setPlaying);
  const setSpeed = useStore((s) => s.setSpeed);
  const setPauseAtFindings = useStore((s) => s.setPauseAtFindings);
  const none = total === 0;

  return (
    <div className="controls" role="toolbar" aria-label="Step controls">
      <div className="ctl-row">
        <div className="btn-group">
          <button type="button" onClick={first} disabled={none || step === 0} aria-label="First step" title="First step: machine built (Home)">
            <IconFirst />
          </button>
          <button type="button" onClick={() => stepBy(-1)} disabled={none || step === 0} aria-label="Step back" title="Step back (←)">
            <IconBack />
          </button>
          <button type="button" onClick={() => stepBy(1)} disabled={none || step >= total} aria-label="Step forward" title="Step forward (→)">
            <IconForward />
          </button>
          <button type="button" onClick={last} disabled={none || step >= total} aria-label="Last step" title="Run to the end (End)">
            <IconLast />
          </button>
        </div>
        <button
          type="button"
          className={`play${playing ? ' on' : ''}`}
          onClick={togglePlay}
          disabled={none}
          aria-label={playing ? 'Pause' : 'Play'}
          aria-pressed={playing}
          title="Play / pause (Space)"
        >
          {playing ? <IconPause /> : <IconPlay />} {playing ? 'Pause' : 'Play'}
        </button>
        <label className="speed" title="Playback speed">
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="Playback speed">
            {SPEEDS.map((v) => (
              <option key={v} value={v}>
                {v} step{v === 1 ? '' : 's'}/s
              </option>
            ))}
          </select>
        </label>
        <label className="check" title="While playing, pause at each step with a finding (the kernel logged something) or an observation (the explorer saw what the kernel did not report)">
          <input type="checkbox" checked={pauseAtFindings} onChange={(e) => setPauseAtFindings(e.target.checked)} />
          pause at ⚠ / obs
        </label>
        <span className="spacer" />
        <button type="button" className="to-line" onClick={runToCursor} disabled={none} title="Run to the editor's cursor line (g)">
          Run to line {cursorLine}
        </button>
        <button type="button" onClick={nextFinding} disabled={none} title="Next finding (the kernel logged something) or observation (the explorer saw what the kernel did not report); also failed checks and unexpected errors (n)" aria-label="Next finding or observation">
          Next ⚠ / obs
        </button>
      </div>
      <div className="ctl-row scrub-row">
        <input
          type="range"
          className="scrubber"
          min={0}
          max={total}
          step={1}
          value={step}
          disabled={none}
          onChange={(e) => {
            setPlaying(false);
            setStep(Number(e.target.value));
          }}
          aria-label="Step"
          aria-valuetext={`step ${step} of ${total}`}
        />
        <span className="step-count mono" data-testid="step-count" style={{ minWidth: `${String(total).length * 2 + 8}ch` }}>
          step {step} / {total}
        </span>
        <span className="status" role="status" aria-live="polite">
          {running ? (
            <span className="muted">
              running…{' '}
              <button type="button" className="small" onClick={cancelRun} title="Stop this run (Esc); the last complete run stays on screen" data-testid="cancel-run">
                Cancel
              </button>
            </span>
          ) : hint ? (
            <span className="muted">{hint}</span>
          ) : null}
        </span>
      </div>
    </div>
  );
}
