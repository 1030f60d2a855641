/**
 * The help overlay: every keyboard shortcut, a few words on how to use the
 * explorer, and how to bring a kernel's own trace, dump or log. Opens with "?", closes with Esc, the × or a click outside.
 */
import { useEffect, useRef } from 'react';
import { SHORTCUTS } from '../keys.ts';
import { useStore } from '../store/store.ts';

export default function HelpOverlay() {
  const open = useStore((s) => s.helpOpen);
  const setHelpOpen = useStore((s) => s.setHelpOpen);
  const closeBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const prev = document.activeElement as HTMLElement | null;
    closeBtn.current?.focus();
    return () => prev?.focus?.();
  }, [open]);

  if (!open) return null;
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && setHelpOpen(false)}>
      <div className="dialog help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help">
        <header>
          <h2 id="help-title">Help: keys, how it works, your own kernel</h2>
          <button ref={closeBtn} type="button" className="close" aria-label="Close help" onClick={() => setHelpOpen(false)}>
            ×
          </button>
        </header>
        <table className="keys">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.label}>
                <td className="key-cell">
                  {s.keys.map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                  <span className="muted"> or </span>
                  {s.keys.map((k) => (
                    <kbd key={k}>Alt+{k}</kbd>
                  ))}
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
            <tr>
              <td className="key-cell">
                <kbd>Esc</kbd>
              </td>
              <td>Close this help or the share popover</td>
            </tr>
          </tbody>
        </table>
        <h3>In compare mode</h3>
        <table className="keys">
          <tbody>
            <tr>
              <td className="key-cell">
                <kbd>d</kbd>
              </td>
              <td>Next step whose outcome differs between the two machines</td>
            </tr>
            <tr>
              <td className="key-cell">
                <kbd>Shift+D</kbd>
              </td>
              <td>Previous differing step</td>
            </tr>
            <tr>
              <td className="key-cell">
                <kbd>Esc</kbd>
              </td>
              <td>Leave compare mode</td>
            </tr>
            <tr>
              <td className="key-cell">
                <kbd>←</kbd> <kbd>→</kbd> <kbd>Home</kbd> <kbd>End</kbd>
              </td>
              <td>Step both sides together</td>
            </tr>
          </tbody>
        </table>
        <p className="small">
          While you type in the editor, plain keys type text: use the <kbd>Alt</kbd> variants there (for example{' '}
          <kbd>Alt+→</kbd> steps forward, <kbd>Alt+G</kbd> runs to the cursor line).
        </p>
        <h3>How it works</h3>
        <p className="small">
          The scenario on the left reads like driver code (one call per line; <code>=&gt;</code> checks a result). It runs in a
          simulated kernel in a background worker; step through it to see what each call did to the caches, memory and
          devices, and why, with the kernel function and file that decided it. Edits re-run at once; a parse error is underlined
          in the editor while the last good run stays on screen. <b>Share</b> copies a link that opens this text at this step.
        </p>
        <h3>Bring your own kernel</h3>
        <p className="small">
          A DMA trace from Linux 6.12 or later becomes a scenario you can step through, landing where dma-debug would have
          complained. Record it with <code>echo 1 &gt; /sys/kernel/tracing/events/dma/enable</code>, run the workload, then paste
          the text of <code>/sys/kernel/tracing/trace</code> (or <code>trace_pipe</code>, or <code>trace-cmd report</code>) into
          the editor, or drop the file on the page. dma-debug's <code>/sys/kernel/debug/dma-api/dump</code> imports the same way,
          as the live mappings to start from. A <code>dmesg</code> splat goes to <b>Explain</b>, which names the kernel function
          that printed it and opens a lesson that reproduces it.
        </p>
      </div>
    </div>
  );
}
