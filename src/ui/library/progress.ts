/**
 * Which lessons the learner has finished, kept in localStorage under one key
 * as `{ "v": 1, "done": { "<lesson id>": true, … } }`. Anything else found
 * there (another shape, broken JSON, storage that throws) reads as "nothing
 * done yet" and is replaced on the next save: progress is never fatal.
 */
const KEY = 'dma-explorer:progress';

export type Progress = ReadonlySet<string>;

/** Lesson ids are short path-like names; anything else in the data is ignored. */
const ID = /^[a-z0-9][a-z0-9/._-]{0,120}$/;

export function parseProgress(raw: string | null): Set<string> {
  const out = new Set<string>();
  if (raw === null) return out;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return out;
  }
  if (typeof data !== 'object' || data === null || (data as { v?: unknown }).v !== 1) return out;
  const done = (data as { done?: unknown }).done;
  if (typeof done !== 'object' || done === null || Array.isArray(done)) return out;
  for (const [id, v] of Object.entries(done)) if (v === true && ID.test(id)) out.add(id);
  return out;
}

export function serializeProgress(done: Iterable<string>): string {
  const obj: Record<string, true> = {};
  for (const id of [...done].sort()) obj[id] = true;
  return JSON.stringify({ v: 1, done: obj });
}

export function loadProgress(): Set<string> {
  try {
    return parseProgress(localStorage.getItem(KEY));
  } catch {
    return new Set();
  }
}

export function saveProgress(done: Iterable<string>): void {
  try {
    localStorage.setItem(KEY, serializeProgress(done));
  } catch {
    /* storage full or blocked: progress lasts for this page only */
  }
}
