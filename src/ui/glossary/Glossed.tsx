/**
 * Text with the glossary's terms underlined: hovering or focusing one shows
 * its card (a fixed-position card, so a scrolling panel never clips it).
 * Commit ids become links to the commit, with its subject as the tooltip.
 */
import { useState } from 'react';
import { commitSubject, commitUrl, glossPieces, sourceText, type Term } from './glossary.ts';
import './glossary.css';

function TermSpan({ term, text }: { term: Term; text: string }) {
  const [at, setAt] = useState<{ x: number; y: number } | null>(null);
  const show = (el: HTMLElement) => {
    const r = el.getBoundingClientRect();
    const x = Math.max(8, Math.min(r.left, window.innerWidth - 340));
    const below = r.bottom + 6;
    setAt({ x, y: below + 140 > window.innerHeight ? Math.max(8, r.top - 146) : below });
  };
  return (
    <span
      className="gl-term"
      tabIndex={0}
      data-term={term.id}
      onMouseEnter={(e) => show(e.currentTarget)}
      onMouseLeave={() => setAt(null)}
      onFocus={(e) => show(e.currentTarget)}
      onBlur={() => setAt(null)}
      aria-describedby={at ? `gl-${term.id}` : undefined}
    >
      {text}
      {at && (
        <span className="gl-card" role="tooltip" id={`gl-${term.id}`} data-testid="gloss-card" style={{ left: at.x, top: at.y }}>
          <b>{term.term}</b> {term.def}
          <span className="gl-src" data-testid="gloss-source">
            {term.source.map(sourceText).join(' · ')}
          </span>
        </span>
      )}
    </span>
  );
}

export default function Glossed({ text }: { text: string }) {
  return (
    <>
      {glossPieces(text).map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : 'commit' in p ? (
          <a key={i} className="gl-commit mono" href={commitUrl(p.commit)} target="_blank" rel="noopener noreferrer" title={commitSubject(p.commit) ?? `commit ${p.commit} on git.kernel.org`} data-testid="commit-link">
            {p.commit}
          </a>
        ) : (
          <TermSpan key={i} term={p.term} text={p.text} />
        ),
      )}
    </>
  );
}
