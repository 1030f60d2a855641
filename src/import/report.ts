/**
 * What an import did, for the CLI, the explorer's notice and the tests: how
 * many lines and events were read or skipped, which devices were found and
 * how their setup was inferred, and every problem with the line it is on.
 */
import type { Arch } from '../sim/config.ts';
import { count } from './scenario-text.ts';

export interface ImportMessage {
  /** 1-based line of the input. */
  line: number;
  text: string;
}

export interface ImportedDevice {
  /** The kernel's name, e.g. 0000:03:00.0. */
  kernelName: string;
  /** Its name in the scenario, e.g. pci_0000_03_00_0. */
  name: string;
  /** How it reaches memory, as inferred: dma-direct, swiotlb, IOMMU… */
  path: string;
  /** Events (or dump entries) that name it. */
  events: number;
}

export interface ImportReport {
  kind: 'trace' | 'dump';
  /** Which text it was: the trace file, trace_pipe, trace-cmd report, the dma-debug dump. */
  format: string;
  /** The kernel versions whose event formats the trace matches, or null when nothing told. */
  era: string | null;
  arch: Arch;
  kernel: string;
  lines: number;
  /** dma events (trace) or entries (dump) read. */
  events: number;
  /** Other trace events, skipped and counted. */
  skipped: number;
  /** The most frequent skipped events, most frequent first. */
  skippedByEvent: Array<[string, number]>;
  /** Lines that are neither events nor the files' headers. */
  unrecognised: number;
  /** Events the kernel's ring buffer lost ("[LOST N EVENTS]"). */
  lost: number;
  devices: ImportedDevice[];
  /** Statements after the header in the scenario. */
  steps: number;
  messages: ImportMessage[];
  /** Messages left out of `messages`. */
  moreMessages: number;
}

export const MAX_MESSAGES = 200;

export class Messages {
  readonly list: ImportMessage[] = [];
  more = 0;
  add(line: number, text: string): void {
    if (this.list.length < MAX_MESSAGES) this.list.push({ line, text });
    else this.more++;
  }
}

/** One paragraph: what was read, what was skipped, which devices. */
export function summarize(r: ImportReport): string {
  const what = r.kind === 'trace' ? 'dma events' : 'dma-debug entries';
  const parts = [`Read ${count(r.events)} ${what} from ${count(r.lines)} lines (${r.format}${r.era ? `, the format of Linux ${r.era}` : ''})`];
  if (r.skipped) parts.push(`skipped ${count(r.skipped)} other events${r.skippedByEvent.length ? ` (${r.skippedByEvent.slice(0, 3).map(([e, n]) => `${e} ×${count(n)}`).join(', ')}${r.skippedByEvent.length > 3 ? ', …' : ''})` : ''}`);
  if (r.unrecognised) parts.push(`ignored ${count(r.unrecognised)} other lines`);
  if (r.lost) parts.push(`the kernel lost ${count(r.lost)} events: mappings made then are unknown`);
  const devs = r.devices.length ? `${r.devices.length} device${r.devices.length > 1 ? 's' : ''}: ${r.devices.map((d) => `${d.kernelName} (${d.path})`).join(', ')}` : 'no devices';
  parts.push(devs);
  const problems = r.messages.length + r.moreMessages;
  if (problems) parts.push(`${count(problems)} problem${problems > 1 ? 's' : ''} (first: line ${r.messages[0]!.line}: ${r.messages[0]!.text})`);
  return `${parts.join('; ')}. ${count(r.steps)} steps, ${r.arch}, kernel ${r.kernel}.`;
}
