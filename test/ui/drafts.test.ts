/** Drafts (src/ui/drafts/drafts.ts): kept newest first, bounded, deduplicated, failures reported. */
import { describe, expect, it } from 'vitest';
import { DRAFT_LIMITS, DRAFTS_KEY, draftName, keepDraft, listDrafts, removeDraft, type DraftStorage } from '../../src/ui/drafts/drafts.ts';

function memory(): DraftStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('drafts', () => {
  it('keeps texts newest first, named from their first comment, and not twice', () => {
    const s = memory();
    expect(keepDraft('# first\nmachine(arch=arm64)\n', 'before opening a link', 1, s).kept?.name).toBe('first');
    keepDraft('machine(arch=x86)\n', 'before opening a link', 2, s);
    expect(keepDraft('machine(arch=x86)\n', 'again', 3, s)).toEqual({ kept: null, why: 'already kept' });
    expect(listDrafts(s).map((d) => d.name)).toEqual(['machine(arch=x86)', 'first']);
    expect(keepDraft('  \n', 'x', 4, s)).toEqual({ kept: null, why: 'nothing to keep' });
  });

  it('stays within the count and size bounds, dropping the oldest', () => {
    const s = memory();
    for (let i = 0; i < DRAFT_LIMITS.count + 5; i++) keepDraft(`# draft ${i}\n`, 'r', i, s);
    const names = listDrafts(s).map((d) => d.name);
    expect(names).toHaveLength(DRAFT_LIMITS.count);
    expect(names[0]).toBe(`draft ${DRAFT_LIMITS.count + 4}`);
    const big = 'x'.repeat(DRAFT_LIMITS.totalChars - 10);
    keepDraft(big, 'r', 100, s);
    expect(listDrafts(s).reduce((n, d) => n + d.text.length, 0)).toBeLessThanOrEqual(DRAFT_LIMITS.totalChars);
    expect(keepDraft('y'.repeat(DRAFT_LIMITS.totalChars + 1), 'r', 101, s)).toMatchObject({ kept: null, why: 'failed' });
  });

  it('reports a storage that refuses to write, and reads a damaged list as empty', () => {
    const full: DraftStorage = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } };
    expect(keepDraft('text', 'r', 1, full)).toEqual({ kept: null, why: 'failed', message: 'the browser storage is full' });
    const s = memory();
    s.map.set(DRAFTS_KEY, '{not json');
    expect(listDrafts(s)).toEqual([]);
    const d = keepDraft('text', 'r', 1, s);
    if (!d.kept) throw new Error('not kept');
    removeDraft(d.kept.id, s);
    expect(listDrafts(s)).toEqual([]);
    expect(draftName('\n\n   \n')).toBe('(empty)');
  });
});
