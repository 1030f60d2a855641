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
 * One table says which argument of which operation each budget applies to.
 * The validator checks integer literals against it (a parse error at the
 * literal's LINE:COL, nothing runs); step() checks the values it reads at run
 * time (names bound to integers), failing the call with EINVAL.
 */
import type { Command, Expr } from './command.ts';

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
} as const;

type BudgetKind = 'accessBytes' | 'mappingBytes' | 'ptMapBytes' | 'vmallocBytes' | 'cmaPages';

/** Which positional argument of an operation a budget limits. */
const BUDGETED: Readonly<Record<string, ReadonlyArray<readonly [number, BudgetKind]>>> = {
  cpu_read: [[1, 'accessBytes']],
  memset: [[2, 'accessBytes']],
  cache_evict: [[1, 'accessBytes']],
  cpu_prefetch: [[1, 'accessBytes']],
  dev_read: [[2, 'accessBytes']],
  gpu_read: [[2, 'accessBytes']],
  pin_pages: [[1, 'mappingBytes']],
  unpin_pages: [[1, 'mappingBytes']],
  dma_map_single: [[2, 'mappingBytes']],
  dma_unmap_single: [[2, 'mappingBytes']],
  dma_map_page: [[3, 'mappingBytes']],
  dma_unmap_page: [[2, 'mappingBytes']],
  dma_sync_single_for_cpu: [[2, 'mappingBytes']],
  dma_sync_single_for_device: [[2, 'mappingBytes']],
  dma_alloc_coherent: [[1, 'mappingBytes']],
  dma_free_coherent: [[1, 'mappingBytes']],
  dma_alloc_noncoherent: [[1, 'mappingBytes']],
  dma_free_noncoherent: [[1, 'mappingBytes']],
  dma_buf_export: [[2, 'mappingBytes']],
  alloc_movable: [[0, 'mappingBytes']],
  iommu_map: [[3, 'ptMapBytes']],
  iommu_unmap: [[2, 'ptMapBytes']],
  gpu_vm_map: [[3, 'ptMapBytes']],
  gpu_vm_unmap: [[2, 'ptMapBytes']],
  vmalloc: [[0, 'vmallocBytes']],
  dma_alloc_from_contiguous: [[1, 'cmaPages']],
  dma_release_from_contiguous: [[2, 'cmaPages']],
};

/** Operations whose bytes argument is one access. */
const BYTES_ARG: Readonly<Record<string, number>> = { cpu_write: 1, dev_write: 2, gpu_write: 2 };

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

/** The budget an integer `value` at argument `index` of `op` exceeds, worded for the user; null when within. */
export function budgetError(op: string, index: number, value: number): string | null {
  for (const [at, kind] of BUDGETED[op] ?? []) {
    if (at === index && value > BUDGETS[kind]) return `${op}: ${value.toLocaleString('en-US')} is too large (${limitText(kind)})`;
  }
  return null;
}

/** The budget a bytes argument of `length` bytes at argument `index` of `op` exceeds; null when within. */
export function bytesBudgetError(op: string, index: number, length: number): string | null {
  if (BYTES_ARG[op] !== index || length <= BUDGETS.accessBytes) return null;
  return `${op}: ${length.toLocaleString('en-US')} bytes is too large (${limitText('accessBytes')})`;
}

/** The first argument of `c` over budget, evaluated with `read` (integers) — for step(). */
export function commandOverBudget(c: Command, read: (e: Expr) => number | null): { message: string; at: Expr } | null {
  for (const [at, kind] of BUDGETED[c.op] ?? []) {
    const e = c.args[at];
    if (!e) continue;
    const v = read(e);
    if (v !== null && v > BUDGETS[kind]) return { message: budgetError(c.op, at, v)!, at: e };
  }
  const bi = BYTES_ARG[c.op];
  const be = bi === undefined ? undefined : c.args[bi];
  if (be && (be.k === 'str' || be.k === 'bytes')) {
    const msg = bytesBudgetError(c.op, bi!, be.bytes.length);
    if (msg) return { message: msg, at: be };
  }
  return null;
}
