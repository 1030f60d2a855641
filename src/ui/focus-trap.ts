import type { KeyboardEvent as ReactKeyboardEvent } from 'react';

/**
 * Keeps focus inside a modal dialog: Tab from the last of `selector`'s controls goes back to the
 * first, Shift+Tab from the first to the last. Call it on the dialog's Tab keydown.
 */
export function trapTab(e: ReactKeyboardEvent<HTMLElement>, selector: string): void {
  const all = [...e.currentTarget.querySelectorAll<HTMLElement>(selector)];
  const first = all[0];
  const last = all[all.length - 1];
  if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first?.focus();
  } else if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last?.focus();
  }
}
