/**
 * The header's Machine button: a popover with the machine's settings table
 * (architecture, kernel, memory, cache, devices, IOMMUs). Esc or a click
 * outside closes it.
 */
import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store/store.ts';
import MachineView from './MachineView.tsx';

/** The table, reading the store only while the popover is open (a loading run's summaries and every step would render the closed button again). */
function OpenMachineView() {
  const frame = useStore((s) => s.frame);
  const summary = useStore((s) => s.summary);
  return <MachineView frame={frame} summary={summary} />;
}

export default function MachineButton() {
  const [open, setOpen] = useState(false);
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
          <OpenMachineView />
          <button type="button" className="close" aria-label="Close" onClick={() => setOpen(false)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
