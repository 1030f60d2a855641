/**
 * The timeline's ownership lanes: which buffers get a lane (the selected
 * one first, then those a device ever owned or mapped, in allocation order)
 * and where findings sit on the run's overview strip. Pure.
 */
import type { OwnershipLanes } from '../../worker/api.ts';
import type { Rows } from '../../worker/rows.ts';
import { OWN_CPU_MAPPED } from '../../worker/lanes.ts';

/** Was lane i ever mapped? The states from OWN_CPU_MAPPED on (held by the CPU, by a device, coherent) are all mapped ones. */
function everMapped(l: OwnershipLanes, i: number): boolean {
  for (let k = l.offsets[i]!; k < l.offsets[i + 1]!; k++) if (l.states[k]! >= OWN_CPU_MAPPED) return true;
  return false;
}

/** Up to `max` lane indices to show. */
export function pickLanes(l: OwnershipLanes, selected: string | undefined, max: number): number[] {
  const n = l.names.length;
  const out: number[] = [];
  if (selected !== undefined) {
    for (let i = n - 1; i >= 0; i--) {
      if (l.names[i] === selected) {
        out.push(i);
        break;
      }
    }
  }
  for (let i = 0; i < n && out.length < max; i++) if (!out.includes(i) && everMapped(l, i)) out.push(i);
  for (let i = 0; i < n && out.length < max; i++) if (!out.includes(i)) out.push(i);
  return out.slice(0, max).sort((a, b) => a - b);
}

/** Steps that are findings, for the overview strip. */
export function findingSteps(steps: Rows): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps.length; i++) if (steps.finding(i)) out.push(i + 1);
  return out;
}
