/**
 * Writes src/scenario/lessons/index.json, the catalogue the library browser
 * shows and searches (src/scenario/lessons/catalog.ts): every lesson in track
 * order and every reference scenario, each run to collect the operations it
 * calls, the kernel messages it produces and the parts of the machine it
 * shows. `--check` exits 1 when the file is out of date (the tests run that).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { catalogEntry } from '../src/scenario/lessons/catalog.ts';
import type { Catalog } from '../src/scenario/lessons/catalog.ts';
import { TRACKS } from '../src/scenario/lessons/tracks.ts';
import { REFERENCE_TITLES } from '../src/scenario/lessons/reference.ts';

const ROOT = new URL('../src/scenario/', import.meta.url);
const OUT = new URL('lessons/index.json', ROOT);

const dmaFiles = (dir: URL): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.dma'))
    .sort();

export function buildCatalog(): Catalog {
  const tracks: Catalog['tracks'] = [];
  const lessons: Catalog['lessons'] = [];
  for (const t of TRACKS) {
    const ids: string[] = [];
    for (const f of dmaFiles(new URL(`lessons/${t.id}/`, ROOT))) {
      const id = `${t.id}/${f.replace(/\.dma$/, '')}`;
      const file = `lessons/${t.id}/${f}`;
      lessons.push(catalogEntry(id, file, 'lesson', readFileSync(new URL(file, ROOT), 'utf8')));
      ids.push(id);
    }
    tracks.push({ id: t.id, title: t.title, summary: t.summary, lessons: ids });
  }
  const reference = dmaFiles(new URL('library/', ROOT)).map((f) => {
    const name = f.replace(/\.dma$/, '');
    const file = `library/${f}`;
    return catalogEntry(`reference/${name}`, file, 'reference', readFileSync(new URL(file, ROOT), 'utf8'), REFERENCE_TITLES[name]);
  });
  return { tracks, lessons, reference };
}

export function catalogJson(): string {
  return `${JSON.stringify(buildCatalog(), null, 1)}\n`;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const next = catalogJson();
  if (process.argv.includes('--check')) {
    let cur = '';
    try {
      cur = readFileSync(OUT, 'utf8');
    } catch {
      /* missing: out of date */
    }
    if (cur !== next) {
      console.error('src/scenario/lessons/index.json is out of date: run `npx tsx scripts/lesson-index.ts`');
      process.exit(1);
    }
  } else writeFileSync(OUT, next);
}
