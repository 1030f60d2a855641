/**
 * What the explorer keeps in localStorage: the scenario text, the step and the
 * theme. Every access is guarded: storage can be full, disabled or blocked.
 */
const KEY_TEXT = 'dma-explorer:text';
const KEY_STEP = 'dma-explorer:step';
const KEY_THEME = 'dma-explorer:theme';

function get(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Store a value; why it failed (storage full or blocked: the session still works), or null. */
function put(key: string, value: string): string | null {
  try {
    localStorage.setItem(key, value);
    return null;
  } catch (e) {
    return e instanceof DOMException && /quota/i.test(e.name) ? 'the browser storage is full' : 'the browser does not allow storage here';
  }
}

export function loadSavedText(): string | null {
  return get(KEY_TEXT);
}

export function loadSavedStep(): number {
  const n = Number(get(KEY_STEP));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** Save the text and step; why it failed, or null. */
export function saveSession(text: string, step: number): string | null {
  return put(KEY_TEXT, text) ?? put(KEY_STEP, String(step));
}

/** Save the step alone (the stored text is already this one); why it failed, or null. */
export function saveStep(step: number): string | null {
  return put(KEY_STEP, String(step));
}

export type Theme = 'light' | 'dark';

export function loadTheme(): Theme {
  const t = get(KEY_THEME);
  if (t === 'light' || t === 'dark') return t;
  try {
    return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  } catch {
    return 'light';
  }
}

export function saveTheme(t: Theme): void {
  void put(KEY_THEME, t);
}
