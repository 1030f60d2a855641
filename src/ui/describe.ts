/**
 * Words for the explanation panel beyond the events' own (those are
 * scenario/event-words.ts, shared with the CLI and the diagram): which
 * events deserve attention, kernel source links, and each operation in one
 * line (the engine's operation table, as the worker sent it). Pure
 * functions: no React, no store.
 */
import type { SimEvent } from '../sim/events.ts';
import type { OperationDoc } from '../sim/operation.ts';

/** Events that deserve attention in the list. */
export function eventTone(e: SimEvent): 'bad' | 'warn' | null {
  switch (e.kind) {
    case 'finding':
    case 'iommu_fault':
      return 'bad';
    case 'cache_maint':
      return e.lines.some((l) => l.lostHex !== undefined) ? 'bad' : null;
    case 'iotlb':
      return e.stale ? 'warn' : null;
    case 'log':
      return e.level === 'emerg' ? 'bad' : e.level === 'err' || e.level === 'warn' ? 'warn' : null;
    default:
      return null;
  }
}

/** The Elixir tag of a modelled kernel version ("6.18" → "v6.18"); "latest" when unknown. */
function elixirTag(kernel: string | undefined): string {
  return kernel !== undefined && /^\d+\.\d+$/.test(kernel) ? `v${kernel}` : 'latest';
}

/** A link to the kernel file on Elixir, at the run's kernel version (and line, when the event knows it). */
export function kernelLink(file: string, kernel?: string, line?: number): string {
  const at = line !== undefined && Number.isInteger(line) && line > 0 ? `#L${line}` : '';
  return `https://elixir.bootlin.com/linux/${elixirTag(kernel)}/source/${file.replace(/^\/+/, '')}${at}`;
}

/** A link to where a kernel function is defined and used, at the run's kernel version; null for a name that is not a C identifier. */
export function kernelFunctionLink(fn: string, kernel?: string): string | null {
  const name = fn.replace(/\(\)$/, '');
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `https://elixir.bootlin.com/linux/${elixirTag(kernel)}/A/ident/${name}` : null;
}

/** What an operation does, in the explorer's one line (the table's `explain`), if the table has one. */
export function opExplain(ops: readonly OperationDoc[], name: string | undefined): string | undefined {
  return name === undefined ? undefined : ops.find((o) => o.name === name)?.explain;
}
