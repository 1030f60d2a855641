/**
 * Where the kernel would have complained in an imported trace: the steps
 * whose run logged a kernel message (dma-debug's checks, swiotlb, IOMMU…),
 * each named by the trace line it came from, so the import report can say
 * "paste your trace, see your bug" and take the user there in one click.
 */
import type { Rows } from '../../worker/rows.ts';
import { traceLineOf } from '../../import/scenario-text.ts';

/** The statement the import adds at the end for each device with live mappings (dma-debug's leak check). */
const RELEASE = 'device_release_driver';

export interface Complaint {
  /** The step (1-based) whose run logged the message. */
  step: number;
  /** The trace (or dump) line the statement came from; null for a statement the import added (the leak check at the end). */
  traceLine: number | null;
  /** The statement's operation, e.g. dma_sync_single_for_device. */
  op: string;
  /** The leak check at the end: how many devices' release complained (one entry stands for them all). */
  releases: number;
}

/** The first `max` steps that logged a kernel message, and how many there are in all. */
export function complaintsOf(steps: Rows, text: string | null, max = 4): { list: Complaint[]; total: number } {
  const list: Complaint[] = [];
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps.warnings(i) === 0) continue;
    total++;
    const op = steps.op(i);
    const last = list.at(-1);
    if (op === RELEASE && last?.op === RELEASE && last.traceLine === null) {
      last.releases++;
      continue;
    }
    if (list.length < max) list.push({ step: i + 1, traceLine: text === null ? null : traceLineOf(lineOf(text, steps.line(i))), op, releases: op === RELEASE ? 1 : 0 });
  }
  return { list, total };
}

/** Line `n` (1-based) of `text`, found without splitting the whole text (an import can be a million lines). */
function lineOf(text: string, n: number): string {
  let start = 0;
  for (let k = 1; k < n; k++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** How a complaint reads in the report: where it is in the trace, and what the driver called. */
export function complaintLabel(c: Complaint): string {
  if (c.traceLine !== null) return `trace line ${c.traceLine.toLocaleString('en-US')} (${c.op})`;
  if (c.op === RELEASE) return `the end of the trace (${c.releases > 1 ? `${c.releases} devices'` : 'a device\'s'} mappings still live)`;
  return `step ${c.step} (${c.op})`;
}
