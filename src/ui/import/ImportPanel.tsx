/**
 * What an import did, under the header: what was read and skipped, the
 * devices found, every problem with its input line, and the pasted text to
 * take back (the editor now holds the scenario it became). One line unless
 * asked for more: a report of many devices must not push the machine views
 * off a laptop's screen.
 */
import { useState } from 'react';
import { useImport } from './importStore.ts';
import { saveFile } from './saveFile.ts';

const SHOWN = 50;

export default function ImportPanel() {
  const imported = useImport((s) => s.imported);
  const original = useImport((s) => s.original);
  const fileName = useImport((s) => s.fileName);
  const clear = useImport((s) => s.clear);
  const [open, setOpen] = useState(false);
  const [more, setMore] = useState(false);
  if (!imported) return null;
  const { report } = imported;
  const problems = report.messages.length + report.moreMessages;
  const what = report.kind === 'trace' ? 'trace' : 'dma-debug dump';
  return (
    <div className="import-report" role="status" data-testid="import-report">
      <div className={`import-head${more ? ' more' : ''}`}>
        <b>Imported a kernel {what}{fileName ? ` (${fileName})` : ''}.</b>{' '}
        <span className="import-summary" data-testid="import-summary" title={more ? undefined : imported.summary}>
          {imported.summary}
        </span>{' '}
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
