/**
 * The header's Machine button: a popover with the machine's settings table
 * (architecture, kernel, memory, cache, devices, IOMMUs). Esc or a click
 * outside closes it.
 */
import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store/store.ts';
import MachineView from './MachineView.tsx';

export default function MachineButton() {
  const [open, setOpen] = useState(false);
  const frame = useStore((s) => s.frame);
  const summary = useStore((s) => s.summary);
  const wrap = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setOpen(false);
      }
    };
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  return (
    <div className="share-wrap machine-wrap" ref={wrap}>
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="machine-btn" title="The machine this scenario runs on: architecture, kernel, memory, cache, devices, IOMMUs">
        Machine
      </button>
      {open && (
        <div className="popover machine-pop" role="dialog" aria-label="Machine settings" data-testid="machine-pop">
          <MachineView frame={frame} summary={summary} />
          <button type="button" className="close" aria-label="Close" onClick={() => setOpen(false)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
