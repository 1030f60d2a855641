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

function put(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage full or blocked: the session still works */
  }
}

export function loadSavedText(): string | null {
  return get(KEY_TEXT);
}

export function loadSavedStep(): number {
  const n = Number(get(KEY_STEP));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export function saveSession(text: string, step: number): void {
  put(KEY_TEXT, text);
  put(KEY_STEP, String(step));
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
  put(KEY_THEME, t);
}
