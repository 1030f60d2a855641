/**
 * Pieces of a step's explanation that the explanation panel and both sides
 * of compare mode render the same way: the call's result (or error, or the
 * bytes it read) and the list of checks.
 */
import type { ReactNode } from 'react';
import type { StepJson } from '../../scenario/result.ts';
import { failedCheckText } from '../../scenario/verdict.ts';
import './vocabulary.css';

/**
 * What the call returned, the error it failed with, or the bytes it read.
 * `maxHex`: show at most that many hex digits of the bytes read, then " …"
 * (the narrow compare sides); without it every byte is shown, with a tooltip.
 */
export function StepResult({ json, maxHex }: { json: StepJson; maxHex?: number }) {
  if (json.error) {
    return (
      <div className="result bad">
        <span className="label">failed</span> <code>{json.error}</code>
      </div>
    );
  }
  const parts: ReactNode[] = [];
  if (json.result !== null) {
    parts.push(
      <span key="r">
        <span className="label">returned</span> <code>{String(json.result)}</code>
      </span>,
    );
  }
  if (json.data) {
    const hex = maxHex === undefined ? json.data.hex : json.data.hex.slice(0, maxHex);
    const cut = maxHex !== undefined && json.data.hex.length > maxHex;
    parts.push(
      <span key="d" className="data">
        <span className="label">read</span>{' '}
        {json.data.text !== null && <code className="text">"{json.data.text}"</code>}{' '}
        <code className="hex" title={maxHex === undefined ? 'the bytes, in hex' : undefined}>
          {hex.replace(/(..)/g, '$1 ').trim()}
          {cut ? ' …' : ''}
        </code>
      </span>,
    );
  }
  if (parts.length === 0) parts.push(<span key="n" className="muted">no result</span>);
  return <div className="result">{parts}</div>;
}

/**
 * The step's checks: ✓ expected, or ✗ expected and what the run got. In an
 * imported scenario a check is the kernel's answer: ✗ kernel returned X, the model Y.
 * On a step that shows a bug (`bug`: a finding, an observation, a failed call)
 * a passing check asserts the wrong result: it reads "bug reproduced as expected".
 */
export function StepChecks({ checks, imported = false, bug = false }: { checks: StepJson['checks']; imported?: boolean; bug?: boolean }) {
  return (
    <ul className="checks">
      {checks.map((c, i) => (
        <li key={i} className={c.passed ? (bug ? 'repro' : 'pass') : 'fail'} data-testid="check">
          <span className="mark" aria-hidden="true">
            {c.passed ? '✓' : '✗'}
          </span>{' '}
          {c.passed && bug && <span className="repro-label">bug reproduced as expected: </span>}
          {imported && !c.passed ? (
            <span data-testid="kernel-vs-model">{failedCheckText(c, true)}</span>
          ) : (
            <code>{c.expected}</code>
          )}
          {!imported && !c.passed && c.actual !== undefined && (
            <>
              {' '}
              <span className="muted">got</span> <code>{c.actual}</code>
            </>
          )}
          <span className="sr-only">{c.passed ? (bug ? ' (the bug happened, as the check expects)' : ' passed') : ' failed'}</span>
        </li>
      ))}
    </ul>
  );
}
