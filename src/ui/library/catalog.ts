/**
 * The lessons catalogue and the scenario texts, for the explorer: both load
 * on demand (the first visit and the library browser need them; a shared
 * link does not). The catalogue is src/scenario/lessons/index.json, built by
 * running every lesson (scripts/lesson-index.ts).
 */
import type { Catalog, CatalogEntry } from '../../scenario/lessons/catalog.ts';

// Scenario texts by path under src/scenario, fetched only when opened.
const TEXTS = {
  ...import.meta.glob('../../scenario/lessons/*/*.dma', { query: '?raw', import: 'default' }),
  ...import.meta.glob('../../scenario/library/*.dma', { query: '?raw', import: 'default' }),
} as Record<string, () => Promise<string>>;

let catalog: Promise<Catalog> | null = null;

export function loadCatalog(): Promise<Catalog> {
  catalog ??= import('../../scenario/lessons/index.json').then((m) => (m as { default: Catalog }).default);
  return catalog;
}

export async function loadText(entry: CatalogEntry): Promise<string> {
  const load = TEXTS[`../../scenario/${entry.file}`];
  if (!load) throw new Error(`no such scenario: ${entry.file}`);
  return load();
}

/** The catalogue entry for a lesson title (a lesson opened from a link or saved text is found by its title). */
export function entryForTitle(cat: Catalog, title: string | undefined | null): CatalogEntry | null {
  if (!title) return null;
  return cat.lessons.find((e) => e.title === title) ?? null;
}

/** The first lesson of the first track: where a first visit starts. */
export function firstLesson(cat: Catalog): CatalogEntry | null {
  const id = cat.tracks[0]?.lessons[0];
  return cat.lessons.find((e) => e.id === id) ?? null;
}

export const PART_LABELS: Record<string, string> = {
  cache: 'CPU cache',
  swiotlb: 'swiotlb',
  iommu: 'IOMMU',
  gpu: 'GPU MMU',
  cma: 'CMA',
  dmabuf: 'dma-buf',
  'dma-debug': 'dma-debug',
};
