/**
 * Drafts: the one mechanism that keeps text the user typed when something
 * else takes the editor — a share link, a library entry or lesson, a dropped
 * file, another tab saving its own text over this one's.
 *
 * A draft is the replaced text with a name and a time, kept in localStorage in
 * a small list, newest first and bounded (DRAFT_LIMITS), so it survives a
 * reload and is seen by every tab (the `storage` event tells the others). The
 * text the user had is kept only when it could be lost: not when it is empty,
 * is exactly what was last opened from a source that still has it, or is
 * already the newest draft.
 */

export interface Draft {
  id: string;
  /** What it was, from its first comment or statement. */
  name: string;
  /** Why it was kept: "before opening a link", "saved by another tab"… */
  reason: string;
  text: string;
  /** Milliseconds since the epoch. */
  savedAt: number;
}

export const DRAFTS_KEY = 'dma-explorer:drafts';

export const DRAFT_LIMITS = {
  /** Drafts kept; the oldest goes first. */
  count: 10,
  /** Characters of all drafts together (localStorage holds about 5 MB per origin, UTF-16). */
  totalChars: 1_500_000,
} as const;

/** The storage the drafts live in (localStorage in the page; a map in tests). */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storage(): DraftStorage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

/** The drafts, newest first (an unreadable list reads as empty). */
export function listDrafts(s: DraftStorage | null = storage()): Draft[] {
  try {
    const raw = s?.getItem(DRAFTS_KEY);
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(isDraft).slice(0, DRAFT_LIMITS.count);
  } catch {
    return [];
  }
}

function isDraft(d: unknown): d is Draft {
  if (typeof d !== 'object' || d === null) return false;
  const r = d as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.name === 'string' && typeof r.reason === 'string' && typeof r.text === 'string' && typeof r.savedAt === 'number';
}

/** A draft's name: its first comment's words, else its first statement, else "empty". */
export function draftName(text: string): string {
  for (const raw of text.split(/\r\n|\n|\r/, 50)) {
    const line = raw.trim();
    if (line === '') continue;
    const words = line.replace(/^(#|\/\/)\s*/, '').trim();
    if (words === '') continue;
    return words.length > 60 ? `${words.slice(0, 59)}…` : words;
  }
  return '(empty)';
}

export type KeepResult = { kept: Draft } | { kept: null; why: 'nothing to keep' | 'already kept' } | { kept: null; why: 'failed'; message: string };

/**
 * Keep `text` as the newest draft. The list stays within DRAFT_LIMITS (the
 * oldest drafts go); a text too large for the list on its own is refused,
 * as is a storage that cannot be written — both with a message to show.
 */
export function keepDraft(text: string, reason: string, now: number, s: DraftStorage | null = storage()): KeepResult {
  if (text.trim() === '') return { kept: null, why: 'nothing to keep' };
  const drafts = listDrafts(s);
  if (drafts.some((d) => d.text === text)) return { kept: null, why: 'already kept' };
  if (text.length > DRAFT_LIMITS.totalChars) {
    return { kept: null, why: 'failed', message: `the text is ${text.length.toLocaleString('en-US')} characters, more than the drafts list holds (${DRAFT_LIMITS.totalChars.toLocaleString('en-US')})` };
  }
  const draft: Draft = { id: `${now.toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`, name: draftName(text), reason, text, savedAt: now };
  const next = [draft, ...drafts];
  let total = next.reduce((n, d) => n + d.text.length, 0);
  while (next.length > DRAFT_LIMITS.count || total > DRAFT_LIMITS.totalChars) total -= next.pop()!.text.length;
  const failed = write(next, s);
  return failed ? { kept: null, why: 'failed', message: failed } : { kept: draft };
}

/** Remove a draft (after it was restored, or on request). */
export function removeDraft(id: string, s: DraftStorage | null = storage()): void {
  write(
    listDrafts(s).filter((d) => d.id !== id),
    s,
  );
}

/** Write the list; the reason it failed, or null. */
function write(drafts: Draft[], s: DraftStorage | null): string | null {
  if (!s) return 'this browser does not allow storage here';
  try {
    s.setItem(DRAFTS_KEY, JSON.stringify(drafts));
    return null;
  } catch (e) {
    return e instanceof DOMException && /quota/i.test(e.name) ? 'the browser storage is full' : `the browser refused to store it (${e instanceof Error ? e.message : String(e)})`;
  }
}
