/**
 * How imported scenarios are written: names made from kernel device names,
 * addresses, the `# trace line N` annotation every imported step carries (the
 * explorer reads it back to show "trace line N"), and the mapping from the
 * trace's direction and attribute names to the language's constants.
 */
import { CONSTANTS, DMA_ATTRS, isReservedName } from '../scenario/ops.ts';
import type { TraceDir } from './trace-format.ts';

/** A valid scenario name for a kernel device name: 0000:03:00.0 → pci_0000_03_00_0, fe300000.dma → dev_fe300000_dma. */
export function deviceIdentifier(kernelName: string, taken: ReadonlySet<string>): string {
  const pci = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(kernelName);
  let base = kernelName.replace(/[^A-Za-z0-9_]/g, '_');
  if (pci) base = `pci_${base}`;
  else if (!/^[A-Za-z_]/.test(base)) base = `dev_${base}`;
  if (base.length === 0 || isReservedName(base) || CONSTANTS.has(base)) base = `dev_${base}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

/** A PCI device (domain:bus:device.function) follows the PCI IOVA rules. */
export function isPciName(kernelName: string): boolean {
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(kernelName);
}

export function dirConstant(d: TraceDir): string {
  return `DMA_${d}`;
}

/** The trace's attribute names the language knows (others are noted, not passed). */
const KNOWN_ATTRS: ReadonlySet<string> = new Set(DMA_ATTRS.map((a) => a.replace(/^DMA_ATTR_/, '')));

const NO_ATTRS = { arg: '', dropped: [] as string[] };

export function attrsArg(attrs: readonly string[]): { arg: string; dropped: string[] } {
  if (attrs.length === 0) return NO_ATTRS;
  const known = attrs.filter((a) => KNOWN_ATTRS.has(a)).map((a) => `DMA_ATTR_${a}`);
  const dropped = attrs.filter((a) => !KNOWN_ATTRS.has(a));
  return { arg: known.length ? known.join(' | ') : '', dropped };
}

/** What every imported step's comment starts with. */
export const TRACE_LINE_TAG = 'trace line';

/** `trace line 57 · 256.128733 kworker/0:1-123` (+ notes). */
export function annotation(line: number, time?: string, task?: string, notes: readonly string[] = []): string {
  let s = `${TRACE_LINE_TAG} ${line}`;
  if (time || task) s += ` · ${time && task ? `${time} ${task}` : (time ?? task)}`;
  for (const n of notes) if (n) s += ` · ${n}`;
  return s;
}

/** The trace (or dump) line an imported statement came from, read back from its comment; null if it has none. */
export function traceLineOf(sourceLine: string): number | null {
  const m = /(?:^|#)\s*(?:trace|dump) line (\d+)\b/.exec(sourceLine);
  return m ? Number(m[1]) : null;
}

/** "1,234" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
