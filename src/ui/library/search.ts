/**
 * Finding lessons in the catalogue (src/scenario/lessons/catalog.ts): by
 * title or summary words, by operation name, or by a kernel message pasted
 * from a log. Messages are compared after normalising what varies between
 * machines (numbers and addresses, dmesg timestamps, spacing, case), and a
 * pasted line matches when a long enough piece of it appears in a message the
 * lesson's run produced: "swiotlb buffer is full" finds the lessons whose runs
 * logged it. Pure functions: no React, no store.
 */
import type { Catalog, CatalogEntry } from '../../scenario/lessons/catalog.ts';

export interface Hit {
  entry: CatalogEntry;
  /** Why it matched, for the result row. */
  why: string;
  score: number;
}

/** Lower-case, numbers (decimal and hex) as '#', a dmesg timestamp dropped, spaces collapsed. */
export function normalizeMessage(s: string): string {
  return s
    .toLowerCase()
    .replace(/^\s*\[\s*\d+\.\d+\]\s*/, '')
    .replace(/\b0x[0-9a-f_]+\b/g, '#')
    .replace(/\b\d+\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Length of the longest common substring of a and b. */
export function longestCommon(a: string, b: string): number {
  if (!a || !b) return 0;
  let prev = new Uint16Array(b.length + 1);
  let cur = new Uint16Array(b.length + 1);
  let best = 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const v = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? prev[j - 1]! + 1 : 0;
      cur[j] = v;
      if (v > best) best = v;
    }
    [prev, cur] = [cur, prev];
  }
  return best;
}

/** A long enough shared piece: the whole (normalised) query, or 24 characters of it. */
export function messageMatches(query: string, message: string): boolean {
  const q = normalizeMessage(query);
  if (q.length < 6) return false;
  const m = normalizeMessage(message);
  if (m.includes(q)) return true;
  return longestCommon(q.slice(0, 400), m) >= Math.min(24, q.length);
}

const IDENT = /^[a-z_][a-z0-9_]{2,}$/;

function shorten(s: string, n = 70): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function matchEntry(e: CatalogEntry, raw: string): Hit | null {
  const q = raw.trim().toLowerCase();
  if (q.length < 2) return null;
  const op = e.ops.find((o) => o === q) ?? (IDENT.test(q) ? e.ops.find((o) => o.includes(q)) : undefined);
  if (op) return { entry: e, why: `calls ${op}()`, score: op === q ? 3 : 2 };
  // A kernel message first: a pasted log line names the lessons that produce it.
  const msg = e.messages.find((m) => messageMatches(raw, m));
  if (msg) return { entry: e, why: `logs “${shorten(msg)}”`, score: 2.5 };
  const words = q.split(/\s+/).filter((w) => w.length > 1);
  const hay = `${e.title} ${e.summary}`.toLowerCase();
  if (words.length > 0 && words.every((w) => hay.includes(w))) return { entry: e, why: 'title and summary', score: 2 };
  return null;
}

/** Lessons first (in track order), then reference scenarios; best matches first within each. */
export function searchCatalog(cat: Catalog, query: string): Hit[] {
  const hits = (list: CatalogEntry[]) =>
    list
      .map((e, i) => ({ hit: matchEntry(e, query), i }))
      .filter((x): x is { hit: Hit; i: number } => x.hit !== null)
      .sort((a, b) => b.hit.score - a.hit.score || a.i - b.i)
      .map((x) => x.hit);
  return [...hits(cat.lessons), ...hits(cat.reference)];
}
