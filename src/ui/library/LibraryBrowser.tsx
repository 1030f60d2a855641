/**
 * The library browser: the lessons track by track (title, one-line summary,
 * level, the parts of the machine each shows, a tick once done), then the
 * reference shelf of single-rule scenarios; a search box finds lessons by
 * title, by operation name or by a kernel message pasted from a log.
 *
 * Keyboard: "l" (or the Library button) opens it with the search focused;
 * ↓/↑ move between results, Enter opens one, Esc closes; Tab stays inside.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { Catalog, CatalogEntry } from '../../scenario/lessons/catalog.ts';
import { useLesson } from '../lesson/lessonStore.ts';
import { PART_LABELS, loadCatalog } from './catalog.ts';
import { openEntry } from './open.ts';
import { searchCatalog } from './search.ts';
import { trapTab } from '../focus-trap.ts';
import '../lesson/lesson.css';

function Row({ entry, done, why }: { entry: CatalogEntry; done: boolean; why?: string }) {
  return (
    <li>
      <button type="button" className="lib-row" data-id={entry.id} data-testid="lib-row" onClick={() => void openEntry(entry)}>
        <span className={`lib-tick${done ? ' done' : ''}`} aria-label={done ? 'done' : 'not done yet'}>
          {done ? '✓' : '○'}
        </span>
        <span className="lib-main">
          <span className="lib-title">
            {entry.title}
            {entry.hunt && <span className="chip hunt-chip">bug hunt</span>}
            {entry.level !== null && (
              <span className="lib-level" title={`Level ${entry.level} of 3`}>
                {'●'.repeat(entry.level)}
                {'○'.repeat(3 - entry.level)}
              </span>
            )}
          </span>
          <span className="lib-summary">{why ? <span className="lib-why">{why} · </span> : null}{entry.summary}</span>
          {entry.parts.length > 0 && (
            <span className="lib-parts" aria-label="Shows">
              {entry.parts.map((p) => (
                <span key={p} className="chip">
                  {PART_LABELS[p] ?? p}
                </span>
              ))}
            </span>
          )}
        </span>
      </button>
    </li>
  );
}

function Shelves({ cat, done }: { cat: Catalog; done: ReadonlySet<string> }) {
  const byId = new Map(cat.lessons.map((e) => [e.id, e]));
  return (
    <>
      {cat.tracks.map((t, i) => {
        const lessons = t.lessons.map((id) => byId.get(id)!).filter(Boolean);
        const n = lessons.filter((e) => done.has(e.id)).length;
        return (
          <section key={t.id} className="lib-track" aria-labelledby={`track-${t.id}`}>
            <h3 id={`track-${t.id}`}>
              <span className="muted">{i + 1}.</span> {t.title}{' '}
              <span className="lib-count muted">
                {n}/{lessons.length} done
              </span>
            </h3>
            <p className="muted lib-track-summary">{t.summary}</p>
            <ul className="lib-list">
              {lessons.map((e) => (
                <Row key={e.id} entry={e} done={done.has(e.id)} />
              ))}
            </ul>
          </section>
        );
      })}
      <section className="lib-track" aria-labelledby="track-reference">
        <h3 id="track-reference">Reference: one kernel rule each</h3>
        <p className="muted lib-track-summary">The explorer's original scenarios, without lesson narration: each shows one rule of the kernel, with its checks.</p>
        <ul className="lib-list">
          {cat.reference.map((e) => (
            <Row key={e.id} entry={e} done={done.has(e.id)} />
          ))}
        </ul>
      </section>
    </>
  );
}

export default function LibraryBrowser() {
  const setOpen = useLesson((s) => s.setLibraryOpen);
  const done = useLesson((s) => s.done);
  const [cat, setCat] = useState<Catalog | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    input.current?.focus();
    loadCatalog().then(setCat, (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)));
    return () => prev?.focus?.();
  }, []);

  const hits = useMemo(() => (cat && query.trim() ? searchCatalog(cat, query) : null), [cat, query]);

  function onKey(e: ReactKeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      return;
    }
    if (e.key === 'Tab') {
      trapTab(e, 'input, button');
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const rows = [...(list.current?.querySelectorAll<HTMLButtonElement>('.lib-row') ?? [])];
    if (rows.length === 0) return;
    e.preventDefault();
    const at = rows.indexOf(document.activeElement as HTMLButtonElement);
    const next = e.key === 'ArrowDown' ? (at < 0 ? 0 : Math.min(rows.length - 1, at + 1)) : at <= 0 ? -1 : at - 1;
    if (next < 0) input.current?.focus();
    else rows[next]!.focus();
  }

  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && setOpen(false)}>
      <div className="dialog library-browser" role="dialog" aria-modal="true" aria-labelledby="lib-title" data-testid="library" onKeyDown={onKey}>
        <header>
          <h2 id="lib-title">Library</h2>
          <input
            ref={input}
            type="search"
            className="lib-search"
            placeholder="Search: a title, an operation (dma_map_sg), or paste a kernel message"
            aria-label="Search lessons by title, operation or kernel message"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="lib-search"
          />
          <button type="button" className="close" aria-label="Close the library" onClick={() => setOpen(false)}>
            ×
          </button>
        </header>
        <div className="lib-body" ref={list}>
          {failed && <p className="bad-text">The library could not be loaded: {failed}</p>}
          {!cat && !failed && <p className="muted">Loading the library…</p>}
          {cat && !hits && <Shelves cat={cat} done={done} />}
          {cat && hits && (
            <section aria-label="Search results" data-testid="lib-results">
              <p className="muted lib-count">
                {hits.length === 0 ? 'Nothing matches. Try an operation name such as dma_map_single, or part of a kernel log line.' : `${hits.length} match${hits.length === 1 ? '' : 'es'}`}
              </p>
              <ul className="lib-list">
                {hits.map((h) => (
                  <Row key={h.entry.id} entry={h.entry} done={done.has(h.entry.id)} why={h.why} />
                ))}
              </ul>
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
