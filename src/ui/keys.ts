/**
 * Keyboard shortcuts. One table serves the handler and the help overlay.
 *
 * Outside text fields the plain keys work. While typing (in the editor or any
 * text field) only the Alt+ variants work, so typing never steps the scenario.
 * The step scrubber handles ←/→/Home/End itself when it has focus.
 */
import { first, last, nextFinding, runToCursor, stepBy, togglePlay } from './actions.ts';
import { useStore } from './store/store.ts';
import { useLesson } from './lesson/lessonStore.ts';
import { useExplain } from './explain/explainStore.ts';
import { cancelRun } from './engine.ts';

export interface Shortcut {
  /** Keys as shown to the user. */
  keys: string[];
  label: string;
  /** Matches a keydown (modifiers already checked). */
  match: (e: KeyboardEvent) => boolean;
  run: () => void;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['←'], label: 'Step back', match: (e) => e.key === 'ArrowLeft', run: () => stepBy(-1) },
  { keys: ['→'], label: 'Step forward', match: (e) => e.key === 'ArrowRight', run: () => stepBy(1) },
  { keys: ['Home'], label: 'First step (machine built)', match: (e) => e.key === 'Home', run: first },
  { keys: ['End'], label: 'Last step (run to end)', match: (e) => e.key === 'End', run: last },
  { keys: ['Space'], label: 'Play / pause', match: (e) => e.code === 'Space' || e.key === ' ', run: togglePlay },
  { keys: ['n'], label: 'Next finding or observation (or a failed check, an unexpected error)', match: (e) => e.code === 'KeyN', run: nextFinding },
  { keys: ['g'], label: 'Run to the cursor line in the editor', match: (e) => e.code === 'KeyG', run: runToCursor },
  { keys: ['l'], label: 'Open the library: lessons and reference scenarios', match: (e) => e.code === 'KeyL', run: () => useLesson.getState().setLibraryOpen(true) },
  { keys: ['x'], label: 'Explain a kernel log: paste dmesg, see what each DMA message means', match: (e) => e.code === 'KeyX', run: () => useExplain.getState().show() },
  {
    keys: ['?'],
    label: 'Show or hide this help',
    match: (e) => e.key === '?' || (e.code === 'Slash' && e.shiftKey),
    run: () => {
      const s = useStore.getState();
      s.setHelpOpen(!s.helpOpen);
    },
  },
];

function isTextField(el: Element | null): boolean {
  if (!el) return false;
  if (el.closest('.cm-editor')) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['range', 'checkbox', 'radio', 'button', 'submit'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

const SCRUBBER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

export function handleKeydown(e: KeyboardEvent): void {
  if (e.defaultPrevented || e.isComposing) return;
  const st = useStore.getState();
  if (e.key === 'Escape') {
    // An open completion list in the editor takes Esc first: closing it must not also cancel the run the typing started.
    if (e.target instanceof Element && e.target.closest('.cm-editor')?.querySelector('.cm-tooltip-autocomplete')) return;
    if (st.helpOpen) {
      st.setHelpOpen(false);
      e.preventDefault();
    } else if (st.share) {
      st.setShare(null);
      e.preventDefault();
    } else if (st.running) {
      cancelRun();
      e.preventDefault();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey) return;
  // The library browser handles its own keys.
  if (useLesson.getState().libraryOpen) return;
  const target = e.target instanceof Element ? e.target : null;
  const typing = isTextField(target);
  if (typing && !e.altKey) return;
  if (!typing && target instanceof HTMLInputElement && !e.altKey) {
    // The scrubber moves itself with the arrows; a checkbox toggles with Space.
    if (target.type === 'range' && SCRUBBER_KEYS.has(e.key)) return;
    if ((target.type === 'checkbox' || target.type === 'radio') && e.code === 'Space') return;
  }
  const sc = SHORTCUTS.find((s) => s.match(e));
  if (!sc) return;
  // While the help overlay is open only "?" (and Esc) act.
  if (st.helpOpen && sc.keys[0] !== '?') return;
  e.preventDefault();
  e.stopPropagation();
  sc.run();
}
