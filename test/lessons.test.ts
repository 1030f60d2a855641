/**
 * The lessons library (src/scenario/lessons): every lesson is self-checking
 * (its checks and predictions state what the engine shows, and each lesson's
 * narration says which kernel rule that is); every bug hunt fails as shipped
 * and passes with its reference solution; tracks, thread lessons and the
 * browser's catalogue hold together.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/parser.ts';
import type { Scenario } from '../src/scenario/parser.ts';
import { runScenario } from '../src/scenario/run.ts';
import { applySolution, plainText } from '../src/scenario/markup.ts';
import { TRACKS } from '../src/scenario/lessons/tracks.ts';
import { REFERENCE_TITLES } from '../src/scenario/lessons/reference.ts';
import { catalogJson } from '../scripts/lesson-index.ts';
import { printScenario } from '../src/scenario/printer.ts';
import { stripLocs } from './scenario/helpers.ts';
import { main } from '../src/cli/main.ts';

const DIR = resolve(__dirname, '../src/scenario/lessons');
const LIBRARY = resolve(__dirname, '../src/scenario/library');
const TRACK_DIRS = readdirSync(DIR).filter((d) => statSync(join(DIR, d)).isDirectory()).sort();
const FILES = TRACK_DIRS.flatMap((d) => readdirSync(join(DIR, d)).filter((f) => f.endsWith('.dma')).map((f) => `${d}/${f}`)).sort();
const read = (f: string): string => readFileSync(join(DIR, f), 'utf8');

function parsed(f: string): Scenario {
  const r = parseScenario(read(f));
  if (!r.ok) throw new Error(`${f}:${r.errors[0]!.line}:${r.errors[0]!.col}: ${r.errors[0]!.message}`);
  return r.scenario;
}

const isHunt = (f: string): boolean => parsed(f).teaching.fixes.length > 0;
const LESSONS = FILES.filter((f) => !isHunt(f));
const HUNTS = FILES.filter(isHunt);

function failures(text: string): string[] {
  const r = runScenario(text);
  expect(r.errors).toEqual([]);
  expect(r.steps.filter((s) => s.error === 'EXCEPTION')).toEqual([]);
  return r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
}

describe('the lessons library', () => {
  it('has at least 25 lessons, 6 of them bug hunts, in the tracks of tracks.ts', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(25);
    expect(HUNTS.length).toBeGreaterThanOrEqual(6);
    expect(TRACK_DIRS).toEqual([...TRACKS.map((t) => t.id)].sort());
    for (const t of TRACKS) expect(FILES.some((f) => f.startsWith(`${t.id}/`)), t.id).toBe(true);
    for (let i = 0; i <= 4; i++) expect(TRACKS.some((t) => t.id === `thread-00${i}`)).toBe(true);
  });

  it.each(FILES)('%s: a lesson header naming its folder, a title, a level and a summary; files numbered in order', (f) => {
    const { lesson } = parsed(f).teaching;
    expect(lesson).not.toBeNull();
    expect(lesson!.track).toBe(f.split('/')[0]);
    expect(lesson!.title.length).toBeGreaterThan(5);
    expect(lesson!.summary?.length ?? 0).toBeGreaterThan(40);
    expect(f.split('/')[1]).toMatch(/^\d\d-[a-z0-9-]+\.dma$/);
  });

  it.each(FILES)('%s: the printer round-trips it (same steps, checks and teaching)', (f) => {
    const a = parsed(f);
    const r = parseScenario(printScenario(a.doc));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const view = (x: Scenario) => stripLocs({ body: x.body, header: x.header, teaching: { ...x.teaching, narration: x.teaching.narration.map((n) => ({ ...n, line: 0 })), compare: x.teaching.compare.map((c) => ({ ...c, line: 0 })), fixes: x.teaching.fixes.map((g) => g.solution) } });
    expect(view(r.scenario)).toEqual(view(a));
  });

  it('titles are unique', () => {
    const titles = FILES.map((f) => parsed(f).teaching.lesson!.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(LESSONS)('%s: every check and prediction passes, the run is deterministic', (f) => {
    const text = read(f);
    expect(failures(text)).toEqual([]);
    expect(JSON.stringify(runScenario(text))).toBe(JSON.stringify(runScenario(text)));
  });

  it.each(FILES)('%s: narration at step 0, and every prediction has narration that explains the answer', (f) => {
    const s = parsed(f);
    const byStep = new Map(s.teaching.narration.map((n) => [n.step, n]));
    expect(byStep.get(0)?.paragraphs.join(' ').length ?? 0).toBeGreaterThan(80);
    s.body.forEach((cmd, i) => {
      if (!cmd.checks.some((c) => c.choices)) return;
      const n = byStep.get(i + 1);
      // The first paragraph asks; the rest, shown after the learner picks, says why.
      expect(n, `${f}: the prediction at line ${cmd.loc.line} has no narration`).toBeDefined();
      expect(n!.paragraphs.length, `${f}: line ${cmd.loc.line}: the prediction's narration needs a question and an answer paragraph`).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('bug hunts', () => {
  it.each(HUNTS)('%s: fails as shipped, passes with its reference solution', (f) => {
    const text = read(f);
    expect(failures(text).length).toBeGreaterThan(0);
    expect(failures(applySolution(text))).toEqual([]);
  });

  it.each(HUNTS)('%s: has hints, and its fix regions contain no locked check the learner could delete to win', (f) => {
    const s = parsed(f);
    expect(s.teaching.hints.length).toBeGreaterThanOrEqual(2);
    // Failing checks of the unsolved form all sit on locked lines.
    const r = runScenario(read(f));
    const inRegion = (line: number) => s.teaching.fixes.some((g) => line > g.begin && line < g.end);
    const failedLines = r.steps.filter((st) => st.checks.some((c) => !c.passed)).map((st) => st.line);
    expect(failedLines.filter((l) => !inRegion(l)).length).toBeGreaterThan(0);
  });

  it('the CLI runs a hunt with --solution', async () => {
    const f = join(DIR, HUNTS[0]!);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: () => undefined, color: false };
    expect(await main(['run', f, '--no-events'], io)).toBe(1);
    expect(await main(['run', f, '--no-events', '--solution'], io)).toBe(0);
  });
});

describe('thread lessons', () => {
  const THREAD = FILES.filter((f) => f.startsWith('thread-'));
  const MONTH = /(January|February|March|April|May|June|July|August|September|October|November|December)[–a-z-]* (20\d\d)/;

  it.each(THREAD)('%s: names its thread (list, month, subject), offers a compare, quotes at most one sentence', (f) => {
    const s = parsed(f);
    const intro = s.teaching.narration.find((n) => n.step === 0)!.paragraphs.join(' ');
    expect(s.teaching.lesson!.thread).toBe(f.slice('thread-'.length, 'thread-'.length + 3));
    expect(intro).toMatch(MONTH);
    expect(intro).toMatch(/dri-devel|linux-kernel|linux-arm-kernel|iommu|linaro-mm-sig/);
    expect(intro).toMatch(/"[^"]{8,}"/); // the subject line
    expect(s.teaching.compare.length).toBeGreaterThan(0);
    // Quotations: quoted text of eight words or more, besides the subject line (the first quoted string).
    const all = s.teaching.narration.flatMap((n) => n.paragraphs.map(plainText)).join(' ');
    const quoted = [...all.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).slice(1);
    const sentences = new Set(quoted.filter((q) => q.split(/\s+/).length >= 5));
    expect([...sentences].length, [...sentences].join(' | ')).toBeLessThanOrEqual(1);
  });

  it('every thread 000…004 has a lesson, and every thread lesson says what the explorer cannot show yet where that applies', () => {
    for (let i = 0; i <= 4; i++) expect(THREAD.some((f) => f.startsWith(`thread-00${i}/`))).toBe(true);
    const caveats = THREAD.filter((f) => /Not modelled yet/.test(parsed(f).teaching.lesson!.summary ?? ''));
    // 002 (TTM's user-space mappings while pages move between system memory, swap and VRAM).
    for (const t of ['thread-002']) expect(caveats.some((f) => f.startsWith(t)), t).toBe(true);
  });
});

describe('the catalogue the library browser searches', () => {
  it('src/scenario/lessons/index.json is current (run `npx tsx scripts/lesson-index.ts`)', () => {
    expect(readFileSync(join(DIR, 'index.json'), 'utf8')).toBe(catalogJson());
  });

  it('every reference scenario has a title, and every title a scenario', () => {
    const names = readdirSync(LIBRARY).filter((f) => f.endsWith('.dma')).map((f) => f.replace(/\.dma$/, '')).sort();
    expect(Object.keys(REFERENCE_TITLES).sort()).toEqual(names);
  });

  it('finds the lessons that produce a kernel message from running them', () => {
    const cat = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { lessons: Array<{ id: string; messages: string[] }> };
    const full = cat.lessons.filter((l) => l.messages.some((m) => m.includes('swiotlb buffer is full'))).map((l) => l.id);
    expect(full).toContain('bounce/02-the-pool-is-finite');
  });
});
