/**
 * "Explain a kernel log": paste dmesg (or drop a log file) and every kernel
 * DMA message the explorer knows is explained — the function and file that
 * print it and why, what the driver probably did, the fields, where the WARN
 * fired and who called, the versions that word it so — with the lessons and
 * scenarios that reproduce it, each opened in one click (as the kernel that
 * logs it). Lines it does not know are listed as not recognised.
 *
 * Keyboard: Esc closes, Ctrl+Enter explains, Tab stays inside.
 */
import { useEffect, useRef, useState } from 'react';
import type { DragEvent, KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { Catalog } from '../../scenario/lessons/catalog.ts';
import { eraText, moreCount, type Explanation, type Finding, type Unknown } from '../../explain/explain.ts';
import { reproducersFor, type Reproducer } from '../../explain/reproducers.ts';
import { loadCatalog } from '../library/catalog.ts';
import { openEntry } from '../library/open.ts';
import { useStore } from '../store/store.ts';
import { useExplain } from './explainStore.ts';
import { EXAMPLE_LOG, EXAMPLE_LOG_NAME } from './example.ts';
import { trapTab } from '../focus-trap.ts';
import { landOnMessage } from './landOnMessage.ts';
import { inputTooLong } from '../../sim/budgets.ts';
import './explain.css';

/** Larger texts are kept but not put in the text box (a 50 MB textarea stalls the page). */
const SHOWN_TEXT = 1_000_000;
const SHOWN_UNKNOWN = 200;

function frameText(f: { fn: string; module: string | null }): string {
  return `${f.fn}()${f.module ? ` [${f.module}]` : ''}`;
}

function lines(a: number, b: number): string {
  return a === b ? `line ${a}` : `lines ${a}–${b}`;
}

async function openReproducer(r: Reproducer, ids: readonly string[]): Promise<void> {
  // as the library index ran it: the file's own machine, or the version that logs the message
  useStore.getState().setOverrides({ arch: null, kernel: r.kernel, iommu: null });
  await openEntry(r.entry);
  useExplain.getState().close();
  // then to the step that prints it
  void landOnMessage(useStore.getState().text, ids);
}

function Reproducers({ f, cat }: { f: Finding; cat: Catalog | null }) {
  if (!cat) return <p className="muted">Looking up the lessons…</p>;
  const reps = reproducersFor(
    cat,
    f.entries.map((e) => e.id),
  );
  if (reps.length === 0) return <p className="muted xp-repro">No lesson or library scenario logs this message yet.</p>;
  return (
    <div className="xp-repro">
      <span className="muted">Reproduce it:</span>
      {reps.slice(0, 5).map((r) => (
        <button key={r.entry.id} type="button" className="xp-open" data-testid="xp-open" data-id={r.entry.id} onClick={() => void openReproducer(r, f.entries.map((e) => e.id))} title={`Open ${r.entry.file}${r.kernel ? ` and run it as kernel ${r.kernel}` : ''}, at the step that logs this message`}>
          {r.entry.kind === 'lesson' ? 'Lesson' : 'Scenario'}: {r.entry.title}
          {r.kernel ? <span className="muted"> (as {r.kernel})</span> : null}
        </button>
      ))}
    </div>
  );
}

function FindingCard({ f, cat }: { f: Finding; cat: Catalog | null }) {
  const w = f.warn;
  return (
    <article className="xp-finding" data-testid="xp-finding" data-id={f.entries.map((e) => e.id).join(' ')}>
      <header>
        <span className="muted">{lines(f.line, f.endLine)}</span>
        {f.entries.map((e) => (
          <code key={e.id} className="xp-id">
            {e.id}
          </code>
        ))}
        <span className={`chip xp-level-${f.entries[0]!.level}`}>{f.entries[0]!.source}</span>
        {w && <span className="chip">WARN block {lines(w.line, f.endLine)}</span>}
      </header>
      <pre className="xp-text mono">{f.text}</pre>
      {f.entries.map((e) => (
        <div key={e.id}>
          {f.entries.length > 1 && (
            <p>
              <b>If it was {e.id}:</b>
            </p>
          )}
          <p>
            Printed by <code>{e.fn}()</code> in <code>{e.file}</code>
            {f.bySite ? ' (a WARN with no text: recognised by where it fired)' : `, worded like this ${eraText(f.era)}`}.
          </p>
          <p className="xp-why">
            <b>What the driver probably did:</b> {e.why}
          </p>
        </div>
      ))}
      {f.fields.length > 0 && (
        <dl className="xp-fields" data-testid="xp-fields">
          {f.fields.map((x) => (
            <div key={x.name}>
              <dt>{x.label}</dt>
              <dd className="mono">{x.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {w && (w.site || w.caller || w.mappedBy) && (
        <ul className="xp-warn">
          {w.site && (
            <li>
              fired at <code>{`${w.site.file ?? '?'}${w.site.line ? `:${w.site.line}` : ''}`}</code> in <code>{w.site.fn}()</code>
              {w.confirms === false && <span className="bad-text"> (not the function the catalogue names: another kernel version?)</span>}
            </li>
          )}
          {w.caller && (
            <li>
              called from <code>{frameText(w.caller)}</code>
            </li>
          )}
          {w.mappedBy && (
            <li>
              mapped at <code>{frameText(w.mappedBy)}</code> (dma-debug's “Mapped at:” stack)
            </li>
          )}
        </ul>
      )}
      {f.notes.map((n) => (
        <p key={n} className="xp-note">
          {n}
        </p>
      ))}
      <Reproducers f={f} cat={cat} />
    </article>
  );
}

function Results({ r, cat }: { r: Explanation; cat: Catalog | null }) {
  const [showUnknown, setShowUnknown] = useState(r.findings === 0);
  const found = r.items.filter((i): i is Finding => i.kind === 'finding');
  const unknown = r.items.filter((i): i is Unknown => i.kind === 'unknown');
  return (
    <section className="xp-results" aria-label="Explanation" data-testid="xp-results">
      <p className="xp-summary" data-testid="xp-summary">
        {r.lines.toLocaleString()} line{r.lines === 1 ? '' : 's'} read: <b>{r.findings.toLocaleString('en-US')} kernel message{r.findings === 1 ? '' : 's'} explained</b>, {r.unknownLines.toLocaleString()} not recognised
        {r.kernel ? ` · the log names kernel ${r.kernel.version} (line ${r.kernel.line})` : ''}.
      </p>
      {r.problems.length > 0 && (
        <ul className="xp-problems" data-testid="xp-problems">
          {r.problems.map((p, i) => (
            <li key={i}>
              {p.line ? <span className="muted">line {p.line}: </span> : null}
              {p.text}
            </li>
          ))}
          {r.moreProblems > 0 && <li className="muted">…and {r.moreProblems} more</li>}
        </ul>
      )}
      {found.length === 0 && <p>No kernel DMA message the explorer knows is in this text. The lines are listed below, not guessed at.</p>}
      {found.map((f) => (
        <FindingCard key={f.line} f={f} cat={cat} />
      ))}
      {r.moreFindings.length > 0 && (
        <div className="xp-more" data-testid="xp-more">
          <p>
            …and <b>{moreCount(r).toLocaleString('en-US')} more</b>, not listed (the first {found.length.toLocaleString('en-US')} are above; the CLI's <code>explain --all</code> lists every one):
          </p>
          <ul>
            {r.moreFindings.slice(0, 50).map((m) => (
              <li key={m.ids}>
                <code>{m.ids}</code> ×{m.count.toLocaleString('en-US')} <span className="muted">(the first at line {m.line.toLocaleString('en-US')})</span>
              </li>
            ))}
            {r.moreFindings.length > 50 && <li className="muted">…and {r.moreFindings.length - 50} more kinds</li>}
          </ul>
        </div>
      )}
      {unknown.length > 0 && (
        <div className="xp-unknown">
          <button type="button" className="link" aria-expanded={showUnknown} onClick={() => setShowUnknown(!showUnknown)} data-testid="xp-unknown-toggle">
            {showUnknown ? 'hide' : 'show'} the {r.unknownLines.toLocaleString()} line{r.unknownLines === 1 ? '' : 's'} not recognised
          </button>
          {showUnknown && (
            <ul className="mono" data-testid="xp-unknown">
              {unknown.slice(0, SHOWN_UNKNOWN).map((u) => (
                <li key={u.line}>
                  <span className="muted">{lines(u.line, u.endLine)}:</span> {u.note ? <i>{u.note}: </i> : null}
                  {u.text.length > 200 ? `${u.text.slice(0, 199)}…` : u.text}
                </li>
              ))}
              {r.unknownLines > Math.min(unknown.length, SHOWN_UNKNOWN) && (
                <li className="muted">…the rest are not listed here (the CLI's explain --all lists every one)</li>
              )}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

export default function ExplainDialog() {
  const { text, fileName, running, progress, result, error, setText, explain, close } = useExplain();
  const [cat, setCat] = useState<Catalog | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const big = text.length > SHOWN_TEXT;

  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    box.current?.focus();
    loadCatalog().then(setCat, () => setCat({ tracks: [], lessons: [], reference: [] }));
    return () => prev?.focus?.();
  }, []);

  function readFile(f: File | undefined) {
    if (!f) return;
    const refused = inputTooLong(f.name, f.size);
    if (refused) {
      useStore.getState().notify('error', refused);
      return;
    }
    f.text().then(
      (t) => useExplain.getState().show(t, f.name),
      (e: unknown) => useStore.getState().notify('error', `Could not read ${f.name}: ${String(e)}`),
    );
  }

  function onDrop(e: DragEvent) {
    if (!e.dataTransfer.files.length) return;
    e.preventDefault();
    e.stopPropagation();
    readFile(e.dataTransfer.files[0]);
  }

  function onKey(e: ReactKeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void explain();
    } else if (e.key === 'Tab') {
      trapTab(e, 'textarea, button');
    }
    // keys typed here are not the explorer's shortcuts
    e.stopPropagation();
  }

  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && close()}>
      <div className="dialog explain-dialog" role="dialog" aria-modal="true" aria-labelledby="xp-title" data-testid="explain" onKeyDown={onKey} onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <header>
          <h2 id="xp-title">Explain a kernel log</h2>
          <button type="button" className="close" aria-label="Close" onClick={close}>
            ×
          </button>
        </header>
        <p className="muted">
          Paste the output of <code>dmesg</code> (or <code>journalctl -k</code>, a serial console), WARN blocks and all, or drop a log file here. Every kernel DMA message the explorer knows — dma-debug, swiotlb, dma-direct, IOMMU faults, CMA, dma-buf — is explained; the other lines are listed as not recognised.
        </p>
        {big ? (
          <p className="xp-big" data-testid="xp-big">
            {fileName ?? 'Pasted text'}: {(text.length / 1e6).toFixed(1)} MB, too large to show here.{' '}
            <button type="button" className="link" onClick={() => setText('')}>
              clear
            </button>
          </p>
        ) : (
          <textarea
            ref={box}
            className="text-field xp-input mono"
            rows={7}
            spellCheck={false}
            placeholder="[   12.345678] DMA-API: e1000e 0000:00:19.0: device driver frees DMA memory with different size …"
            aria-label="Kernel log to explain"
            data-testid="xp-input"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        )}
        <div className="xp-actions">
          <button type="button" className="primary" onClick={() => void explain()} disabled={running || text.trim() === ''} data-testid="xp-go">
            {running ? 'Explaining…' : 'Explain'}
          </button>
          <button type="button" onClick={() => file.current?.click()}>
            Open a log file…
          </button>
          <input ref={file} type="file" hidden accept=".log,.txt,text/plain" onChange={(e) => readFile(e.target.files?.[0])} />
          {/* Only over an empty box: an example never replaces what the user pasted. */}
          {text.trim() === '' && !running && (
            <button type="button" className="link" onClick={() => useExplain.getState().show(EXAMPLE_LOG, EXAMPLE_LOG_NAME)} data-testid="xp-example" title="Fill the box with a real-looking dma-debug WARN block and explain it">
              Try an example
            </button>
          )}
          {fileName && !big && <span className="muted">{fileName}</span>}
          {running && progress && (
            <progress max={progress.total} value={progress.done} aria-label="Explaining">
              {Math.round((100 * progress.done) / Math.max(1, progress.total))}%
            </progress>
          )}
        </div>
        {error && <p className="bad-text">The log could not be explained: {error}</p>}
        {result && !running && <Results key={`${result.lines}:${result.findings}:${result.unknownLines}`} r={result} cat={cat} />}
      </div>
    </div>
  );
}
