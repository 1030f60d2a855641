/**
 * The catalogue of lessons and reference scenarios that the library browser
 * shows and searches: one entry per file, built by *running* it (so the
 * kernel messages a lesson produces are the ones the engine really logs).
 * scripts/lesson-index.ts writes it to index.json; the tests check that the
 * file is current.
 */
import { parseScenario } from '../parser.ts';
import { runScenario } from '../run.ts';
import { applySolution } from '../markup.ts';
import type { RunResult } from '../result.ts';
import { findingSource } from '../../sim/events.ts';
import { declaredVersions, versionsToRun } from '../versions.ts';

/** The parts of the machine a run exercises, as the browser labels them. */
export const PARTS = ['cache', 'swiotlb', 'iommu', 'gpu', 'cma', 'dmabuf', 'dma-debug'] as const;
export type Part = (typeof PARTS)[number];

export interface CatalogEntry {
  /** `track/NN-name` for a lesson, `reference/name` for a library scenario. */
  id: string;
  /** Path under src/scenario, e.g. `lessons/ownership/01-why-sync-for-cpu.dma`. */
  file: string;
  kind: 'lesson' | 'reference';
  title: string;
  summary: string;
  track: string | null;
  level: number | null;
  thread: string | null;
  /** A bug hunt (it has fix regions). */
  hunt: boolean;
  steps: number;
  arch: string;
  /** Every operation it calls, sorted. */
  ops: string[];
  /** Every kernel log line its run writes (both runs of a bug hunt: unsolved and solved), first-seen order. */
  messages: string[];
  /**
   * The catalogue ids (src/sim/kernel-log/catalogue.ts) of those messages, so
   * that "explain a splat" can name the lessons that reproduce a message:
   * `kernel` null when the file as written logs it, else the first version of
   * the reference scenario's declared range that does (run it as that kernel).
   */
  emits: Array<{ id: string; kernel: string | null }>;
  parts: Part[];
}

export interface Catalog {
  tracks: Array<{ id: string; title: string; summary: string; lessons: string[] }>;
  lessons: CatalogEntry[];
  reference: CatalogEntry[];
}

/** Which parts of the machine a run touched, from its events and log. */
export function partsOf(runs: RunResult[]): Part[] {
  const seen = new Set<Part>();
  for (const r of runs) {
    for (const s of r.steps) {
      for (const e of s.events) {
        // dma-debug's reports by their source, not their words (before 5.0 the line starts with the driver, not "DMA-API:")
        if (e.kind === 'finding' && findingSource(e) === 'dma-debug') seen.add('dma-debug');
        else if (e.kind === 'cache_maint') seen.add('cache');
        else if (e.kind === 'swiotlb_alloc' || e.kind === 'bounce') seen.add('swiotlb');
        else if (e.kind === 'iommu_map' || e.kind === 'iotlb' || e.kind === 'pt_walk' || e.kind === 'iommu_fault') seen.add('iommu');
        else if (e.kind === 'gpu_vm') seen.add('gpu');
        else if (e.kind === 'cma') seen.add('cma');
        else if (e.kind === 'dmabuf') seen.add('dmabuf');
      }
    }
  }
  return PARTS.filter((p) => seen.has(p));
}

/** The first sentence of a file's leading comment (for reference scenarios, which have no summary). */
export function leadSentence(text: string): string {
  const lead: string[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('#')) break;
    lead.push(l.replace(/^#\s?/, '').trim());
  }
  const para = lead.join(' ');
  const m = /^(.+?[.!?])(?:\s|$)/.exec(para);
  return (m ? m[1]! : para).trim();
}

/** The catalogue ids of every line the runs logged, first-seen order: every logged line is a `log` event or a printed finding, each naming its entry. */
function messageIds(runs: readonly RunResult[]): string[] {
  const ids: string[] = [];
  for (const r of runs) {
    for (const s of r.steps) {
      for (const e of s.events) {
        const id = e.kind === 'log' || e.kind === 'finding' ? e.id : null;
        if (id !== null && !ids.includes(id)) ids.push(id);
      }
    }
  }
  return ids;
}

/**
 * What a file's runs log, by catalogue id: as written, then (a reference
 * scenario) on the first version of every era of its declared range.
 */
function emitsOf(text: string, kind: CatalogEntry['kind'], arch: string, runs: readonly RunResult[]): CatalogEntry['emits'] {
  const out: CatalogEntry['emits'] = messageIds(runs).map((id) => ({ id, kernel: null }));
  const ranges = kind === 'reference' ? declaredVersions(text) : null;
  if (!ranges) return out;
  for (const v of versionsToRun(ranges, arch as Parameters<typeof versionsToRun>[1])) {
    for (const id of messageIds([runScenario(text, { kernel: v })])) if (!out.some((e) => e.id === id)) out.push({ id, kernel: v });
  }
  return out;
}

/** One catalogue entry from a scenario file's text (it must parse). */
export function catalogEntry(id: string, file: string, kind: CatalogEntry['kind'], text: string, title?: string): CatalogEntry {
  const parsed = parseScenario(text);
  if (!parsed.ok) throw new Error(`${file}:${parsed.errors[0]!.line}:${parsed.errors[0]!.col}: ${parsed.errors[0]!.message}`);
  const { teaching, body, config } = parsed.scenario;
  const hunt = teaching.fixes.length > 0;
  const runs = [runScenario(text), ...(hunt ? [runScenario(applySolution(text))] : [])];
  const messages: string[] = [];
  for (const r of runs) for (const s of r.steps) for (const w of s.warnings) if (!messages.includes(w)) messages.push(w);
  return {
    id,
    file,
    kind,
    title: teaching.lesson?.title ?? title ?? id,
    summary: teaching.lesson?.summary ?? leadSentence(text),
    track: teaching.lesson?.track ?? null,
    level: teaching.lesson?.level ?? null,
    thread: teaching.lesson?.thread ?? null,
    hunt,
    steps: body.length,
    arch: config.arch,
    ops: [...new Set(body.map((c) => c.op))].sort(),
    messages,
    emits: emitsOf(text, kind, config.arch, runs),
    parts: partsOf(runs),
  };
}
