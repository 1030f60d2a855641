/**
 * Which lessons and library scenarios reproduce a kernel message: read from
 * the library index (src/scenario/lessons/index.json), whose `emits` lists
 * the catalogue ids each file's run really logs — so the answer comes from
 * running the library, not from a hand-kept list. Pure.
 */
import type { Catalog, CatalogEntry } from '../scenario/lessons/catalog.ts';

export interface Reproducer {
  entry: CatalogEntry;
  /** Run it as this kernel version to see the message (null: as written). */
  kernel: string | null;
}

/** Lessons first (track order), then reference scenarios; those that log it as written before those that need another version. */
export function reproducersFor(cat: Catalog, ids: readonly string[]): Reproducer[] {
  const out: Reproducer[] = [];
  for (const list of [cat.lessons, cat.reference]) {
    const found: Reproducer[] = [];
    for (const entry of list) {
      const hits = entry.emits.filter((e) => ids.includes(e.id));
      if (hits.length === 0) continue;
      const asWritten = hits.find((h) => h.kernel === null);
      found.push({ entry, kernel: asWritten ? null : hits[0]!.kernel });
    }
    found.sort((a, b) => Number(a.kernel !== null) - Number(b.kernel !== null));
    out.push(...found);
  }
  return out;
}
