/**
 * The language reference inside the explorer: every operation with its
 * signature, what it does, its parameters and options, grouped as the
 * generated reference (docs/scenario-language.md) groups them, and the
 * constants and check words; a filter narrows it to what matches. Everything
 * comes from op-info.ts, the same data as the editor's hover docs.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { CHECK_ERRORS, CONSTANT_GROUPS, SECTION_TITLES, allOps } from './op-info.ts';
import type { OpInfo, OpSection } from './op-info.ts';
import { useStore } from '../store/store.ts';

function OpEntry({ op }: { op: OpInfo }) {
  return (
    <div className="ref-op" data-op={op.name}>
      <code className="ref-sig">{op.signature}</code>
      <p>{op.doc}</p>
      {op.explain && op.explain !== op.doc && <p className="muted">{op.explain}</p>}
      {(op.params.length > 0 || op.options.length > 0) && (
        <dl className="ref-params">
          {op.params.map((p) => (
            <div key={`p-${p.name}`}>
              <dt className="mono">{p.optional ? `${p.name}?` : p.name}</dt>
              <dd>{p.describe}</dd>
            </div>
          ))}
          {op.options.map((o) => (
            <div key={`o-${o.key}`}>
              <dt className="mono">{o.key}=</dt>
              <dd>
                {o.describe}
                {o.def !== undefined && <span className="muted"> (default {o.def})</span>}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

function matches(op: OpInfo, q: string): boolean {
  if (q === '') return true;
  const hay = `${op.name} ${op.signature} ${op.doc} ${op.explain ?? ''} ${op.options.map((o) => o.key).join(' ')}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .every((w) => hay.includes(w));
}

export default function ReferencePanel({ onClose, initial = '' }: { onClose: () => void; initial?: string }) {
  const [q, setQ] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  // the engine's table arrives from the worker once: redraw when it does
  const table = useStore((s) => s.operations);
  const sections = useMemo(() => {
    const by = new Map<OpSection, OpInfo[]>();
    for (const op of allOps()) if (matches(op, q.trim())) by.set(op.section, [...(by.get(op.section) ?? []), op]);
    return [...by];
  }, [q, table]);
  const constants = CONSTANT_GROUPS.map((g) => ({ ...g, names: g.names.filter((n) => q.trim() === '' || n.toLowerCase().includes(q.trim().toLowerCase())) })).filter((g) => g.names.length > 0);
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog reference" role="dialog" aria-modal="true" aria-labelledby="ref-title" data-testid="reference">
        <header>
          <h2 id="ref-title">Scenario language reference</h2>
          <input
            ref={input}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Filter: an operation, a word, an option…"
            aria-label="Filter the reference"
            data-testid="reference-filter"
          />
          <button type="button" className="close" aria-label="Close the reference" onClick={onClose}>
            ×
          </button>
        </header>
        <p className="muted">
          One statement per line: <code>name = operation(arguments)</code>, optionally followed by a check <code>=&gt; value</code>,{' '}
          <code>=&gt; ok</code>, <code>=&gt; warning</code> or <code>=&gt; ERROR</code>. <code>#</code> starts a comment. The header (
          <code>machine</code>, <code>iommu</code>, <code>device</code>) comes first. In the editor, hovering a call shows its documentation,
          typing inside one shows what each argument must be, and Ctrl+Space completes operations, names and values.
        </p>
        {sections.map(([section, ops]) => (
          <section key={section}>
            <h3>{SECTION_TITLES[section]}</h3>
            {ops.map((op) => (
              <OpEntry key={op.name} op={op} />
            ))}
          </section>
        ))}
        {constants.length > 0 && (
          <section>
            <h3>Constants</h3>
            {constants.map((g) => (
              <p key={g.kind}>
                <span className="muted">{g.title}: </span>
                {g.names.map((n, i) => (
                  <span key={n}>
                    {i > 0 && ', '}
                    <code>{n}</code>
                  </span>
                ))}
              </p>
            ))}
            {q.trim() === '' && (
              <p>
                <span className="muted">Errors a check may expect: </span>
                {CHECK_ERRORS.map((n, i) => (
                  <span key={n}>
                    {i > 0 && ', '}
                    <code>{n}</code>
                  </span>
                ))}
                <span className="muted"> and any errno name.</span>
              </p>
            )}
          </section>
        )}
        {sections.length === 0 && constants.length === 0 && <p className="muted">Nothing matches “{q}”.</p>}
      </div>
    </div>
  );
}
