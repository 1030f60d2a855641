/**
 * The explorer's budgets: how much work one statement may ask for.
 *
 * The engine models every byte it is asked to move (through the modelled
 * cache, line by line, with an event per line) and every page-table entry it
 * is asked to write, so a number typed into a scenario is a cost. These
 * limits keep any scenario — or a link from a stranger — inside memory and
 * time the explorer can afford. They are the explorer's, not the kernel's;
 * where the kernel has a limit of its own (KMALLOC_MAX_SIZE, MAX_PAGE_ORDER,
 * vmalloc's "more than all of RAM") the allocator answers as the kernel does
 * (NULL) instead.
 *
 * The operation table (operations.ts) says which argument of which
 * operation each budget applies to (ArgSpec.budget). The validator checks
 * literals against it (a parse error at the literal's LINE:COL, nothing
 * runs); step() checks the values it reads at run time (names bound to
 * integers), failing the call with EINVAL.
 */
import type { Command, Expr } from './command.ts';
import type { ArgSpec } from './operation.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export const BUDGETS = {
  /** Bytes one CPU, device or GPU access may move, and one bytes literal may hold. */
  accessBytes: 1 * MiB,
  /** Bytes one mapping, sync, coherent allocation or dma-buf may span. */
  mappingBytes: 1024 * MiB,
  /** Bytes one iommu_map / gpu_vm_map call may map (that many 4 KiB page-table entries at most: 65,536). */
  ptMapBytes: 256 * MiB,
  /** Entries in one sg_table(…). */
  sgEntries: 1024,
  /** Bytes one vmalloc may take (one page-table entry and one physical page per 4 KiB). */
  vmallocBytes: 256 * MiB,
  /** Pages one CMA allocation or release may take. */
  cmaPages: 262_144,
  /** Events one step may record; the rest are counted in a note. */
  eventsPerStep: 65_536,
  /** Statements one scenario may run. */
  steps: 1_048_576,
  /** Lines a scenario text may have. */
  lines: 2_097_152,
  /** Characters one line may have. */
  lineChars: 4 * MiB,
  /** Bytes all the bytes literals of one scenario may hold together. */
  literalBytesTotal: 64 * MiB,
  /**
   * Bytes of a text dropped or pasted on the page (a trace, a dump, a log, a
   * scenario file): beyond, it is refused before it is read. A 1,000,000-line
   * trace is ~141 MiB and imports in under 750 MiB of the tab; a longer one
   * would be more steps than `steps` anyway.
   */
  inputBytes: 192 * MiB,
  /**
   * Entries of a dma-debug dump imported (the rest are counted and said):
   * each becomes ~400 bytes of scenario (allocation, map, checks), so 100,000
   * are ~40 MB. dma-debug preallocates 65,536 (PREALLOC_DMA_DEBUG_ENTRIES).
   */
  dumpEntries: 100_000,
} as const;

export type BudgetKind = 'accessBytes' | 'mappingBytes' | 'ptMapBytes' | 'vmallocBytes' | 'cmaPages';

/** Why a text of `bytes` bytes named `name` is too long to open (BUDGETS.inputBytes), or null: the page and the CLI say it before reading it. */
export function inputTooLong(name: string, bytes: number): string | null {
  if (bytes <= BUDGETS.inputBytes) return null;
  const mb = Math.round(bytes / MiB).toLocaleString('en-US');
  return `${name} is ${mb} MiB: the explorer opens at most ${BUDGETS.inputBytes / MiB} MiB (a kernel trace of about 1,300,000 lines, more steps than a run may have). Open a part of it, e.g. the first million lines: head -n 1000000 FILE > part.trace`;
}

/** 1 MiB, 256 MiB, 262,144 pages: a limit as people read it. */
export function showBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

function limitText(kind: BudgetKind): string {
  switch (kind) {
    case 'accessBytes':
      return `the explorer models at most ${showBytes(BUDGETS.accessBytes)} per CPU or device access`;
    case 'mappingBytes':
      return `the explorer models mappings and allocations of at most ${showBytes(BUDGETS.mappingBytes)}`;
    case 'ptMapBytes':
      return `the explorer writes at most ${BUDGETS.ptMapBytes / 4096} page-table entries (${showBytes(BUDGETS.ptMapBytes)}) per call`;
    case 'vmallocBytes':
      return `the explorer models vmalloc areas of at most ${showBytes(BUDGETS.vmallocBytes)}`;
    case 'cmaPages':
      return `the explorer models CMA allocations of at most ${BUDGETS.cmaPages} pages`;
  }
}

/** The budget an integer `value` of `op`'s argument exceeds, worded for the user; null when within. */
export function budgetError(op: string, kind: BudgetKind, value: number): string | null {
  return value > BUDGETS[kind] ? `${op}: ${value.toLocaleString('en-US')} is too large (${limitText(kind)})` : null;
}

/** The budget a bytes argument of `length` bytes exceeds (one access); null when within. */
export function bytesBudgetError(op: string, length: number): string | null {
  if (length <= BUDGETS.accessBytes) return null;
  return `${op}: ${length.toLocaleString('en-US')} bytes is too large (${limitText('accessBytes')})`;
}

/** The budget literal `e` given for argument `spec` of `op` exceeds; null when within (or not budgeted). */
export function literalBudgetError(op: string, spec: ArgSpec, e: Expr): string | null {
  if (!spec.budget) return null;
  if (spec.kind === 'bytes') return e.k === 'str' || e.k === 'bytes' ? bytesBudgetError(op, e.bytes.length) : null;
  return e.k === 'int' ? budgetError(op, spec.budget, e.value) : null;
}

/** The first argument of `c` over budget (of those at the indices `budgeted`), integers evaluated with `read` — for step(). */
export function commandOverBudget(c: Command, specs: readonly ArgSpec[], budgeted: readonly number[], read: (e: Expr) => number | null): { message: string; at: Expr } | null {
  for (let k = 0; k < budgeted.length; k++) {
    const i = budgeted[k]!;
    const spec = specs[i]!;
    const e = c.args[i];
    if (!spec.budget || !e) continue;
    if (spec.kind === 'bytes') {
      const msg = e.k === 'str' || e.k === 'bytes' ? bytesBudgetError(c.op, e.bytes.length) : null;
      if (msg) return { message: msg, at: e };
      continue;
    }
    const v = e.k === 'int' ? e.value : read(e);
    const msg = v === null ? null : budgetError(c.op, spec.budget, v);
    if (msg) return { message: msg, at: e };
  }
  return null;
}
