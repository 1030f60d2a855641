/**
 * What an import did, under the header: first what a driver developer came
 * for — where dma-debug (or another kernel check) would have complained, one
 * click from each, and the explorer lands on the first — then, with "more",
 * what was read and skipped, the devices found, every problem with its input
 * line, and the pasted text to take back (the editor now holds the scenario
 * it became). One line unless asked for more: a report of many devices must
 * not push the machine views off a laptop's screen.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useImport, type ImportReport } from './importStore.ts';
import { saveFile } from './saveFile.ts';
import { useStore } from '../store/store.ts';
import { complaintLabel, complaintsOf } from './complaints.ts';
import { KEYS_HINT } from '../lesson/firstVisit.ts';

const SHOWN = 50;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The head line: what was read, in a few words (the whole paragraph is under "more"). */
function shortSummary(r: ImportReport['report']): string {
  const what = r.kind === 'trace' ? plural(r.events, 'dma event') : plural(r.events, 'dma-debug entry', 'dma-debug entries');
  const devs = r.devices.length === 0 ? 'no device' : `${plural(r.devices.length, 'device')} (${r.devices.slice(0, 3).map((d) => d.kernelName).join(', ')}${r.devices.length > 3 ? ', …' : ''})`;
  return `${what} read from ${plural(r.lines, 'line')}, ${devs}.`;
}

/** Once step `step` is drawn, scrolls its kernel log into the explanation's view (on a laptop it starts below the fold). */
function showKernelLog(step: number): void {
  const unsub = useStore.subscribe((s) => {
    if (s.step !== step) return unsub();
    if (s.frame?.step !== step) return;
    unsub();
    requestAnimationFrame(() => document.querySelector('[data-testid=kernel-log]')?.scrollIntoView({ block: 'nearest' }));
  });
}

export default function ImportPanel() {
  const imported = useImport((s) => s.imported);
  const original = useImport((s) => s.original);
  const fileName = useImport((s) => s.fileName);
  const clear = useImport((s) => s.clear);
  const summary = useStore((s) => s.summary);
  const text = useStore((s) => (s.big ? null : s.text));
  const step = useStore((s) => s.step);
  const [open, setOpen] = useState(false);
  const [more, setMore] = useState(false);
  // The run of the imported scenario (its step count is the report's): not a later edit's, not the text before.
  const ours = !!imported && !!summary && summary.ok && summary.stepCount === imported.report.steps;
  const complaints = useMemo(() => (ours && summary ? complaintsOf(summary.steps, text) : null), [ours, summary, text]);
  // Land once per import on the first step the kernel would have complained at.
  const landed = useRef<ImportReport | null>(null);
  useEffect(() => {
    if (!imported || !complaints || landed.current === imported) return;
    landed.current = imported;
    // the first visit's line on the lesson's keys is about the lesson the import replaced
    for (const n of useStore.getState().notices) if (n.text === KEYS_HINT) useStore.getState().dismiss(n.id);
    const first = complaints.list[0];
    if (first && useStore.getState().step === 0) {
      useStore.getState().setStep(first.step);
      showKernelLog(first.step);
    }
  }, [imported, complaints]);
  if (!imported) return null;
  const { report } = imported;
  const problems = report.messages.length + report.moreMessages;
  const what = report.kind === 'trace' ? 'trace' : 'dma-debug dump';
  const failed = ours ? (summary?.checks.failed ?? 0) : 0;
  return (
    <div className="import-report" role="status" data-testid="import-report">
      <div className={`import-head${more ? ' more' : ''}`}>
        <span className="import-short" data-testid="import-short" title={more ? undefined : shortSummary(report)}>
          <b>Imported a kernel {what}{fileName ? ` (${fileName})` : ''}:</b> {shortSummary(report)}
        </span>{' '}
        {(complaints || report.events === 0) && (
          <span className="import-complaints" data-testid="import-complaints">
            {report.events === 0 ? (
              // nothing was replayed: say why (no dma events, not a trace), not that all is well
              <span className="bad-text" data-testid="import-nothing">
                Nothing to replay{report.messages[0] ? `: ${report.messages[0].text}` : ''}.
              </span>
            ) : !complaints ? null : complaints.total === 0 ? (
              <span className="muted">The kernel would not have complained about this {what === 'trace' ? 'trace' : 'dump'}.</span>
            ) : (
              <>
                <span className="bad-text">⚠ The kernel would have complained {complaints.total === 1 ? 'once' : `${complaints.total.toLocaleString('en-US')} times`}:</span>{' '}
                {complaints.list.map((c, i) => (
                  <span key={c.step}>
                    {i > 0 && ', '}
                    <button type="button" className="link" aria-current={step === c.step ? 'step' : undefined} data-testid="import-complaint" onClick={() => useStore.getState().setStep(c.step)} title={`Go to step ${c.step}`}>
                      {complaintLabel(c)}
                    </button>
                  </span>
                ))}
                {complaints.total > complaints.list.reduce((n, c) => n + Math.max(1, c.releases), 0) && <span className="muted">, … (n: the next one)</span>}
              </>
            )}
            {failed > 0 && <span className="bad-text"> · the model disagrees with the kernel at {plural(failed, 'check')}</span>}
          </span>
        )}{' '}
        <button type="button" className="link" aria-expanded={more} onClick={() => setMore(!more)} data-testid="import-more">
          {more ? 'less' : 'more'}
        </button>{' '}
        {problems > 0 && (
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'hide' : 'show'} {problems} problem{problems > 1 ? 's' : ''}
          </button>
        )}{' '}
        {original !== null && (
          <button type="button" className="link" onClick={() => saveFile(original, fileName ?? `pasted.${report.kind === 'trace' ? 'trace' : 'dump'}`)}>
            download the original
          </button>
        )}
        <button type="button" className="close" aria-label="Dismiss" onClick={clear}>
          ×
        </button>
      </div>
      {more && (
        <p className="import-summary" data-testid="import-summary">
          {imported.summary}
        </p>
      )}
      {open && problems > 0 && (
        <ul className="import-problems mono" data-testid="import-problems">
          {report.messages.slice(0, SHOWN).map((m, i) => (
            <li key={i}>
              <span className="muted">line {m.line}:</span> {m.text}
            </li>
          ))}
          {problems > SHOWN && <li className="muted">…and {problems - SHOWN} more (the CLI's import command lists them all)</li>}
        </ul>
      )}
    </div>
  );
}
