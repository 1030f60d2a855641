/**
 * The scenario language's vocabulary around the operation table
 * (src/sim/operations.ts, which holds every operation's signature): the
 * kernel constants the language knows (directions, GFP flags, DMA
 * attributes, IOMMU prot flags), the error names a check may expect, and how
 * signatures, argument kinds and value types read in help and error
 * messages. Plain data and pure functions: the explorer's editor reads them
 * too, without the engine.
 */

export type { ArgKind, ArgSpec, OpSection, OpSig, OptionSpec, ValueType } from '../sim/operation.ts';
import type { ArgKind, OpSig, ValueType } from '../sim/operation.ts';
import { DMA_DIRS } from '../sim/events.ts';

/** The DMA directions: the engine's list (enum dma_data_direction), so the validator accepts exactly what the engine runs. */
export const DIRECTIONS = DMA_DIRS;
export const GFP_FLAGS = ['GFP_KERNEL', 'GFP_DMA32', 'GFP_DMA', 'GFP_ATOMIC', 'GFP_NOWAIT', '__GFP_NOWARN', '__GFP_ZERO'] as const;
export const DMA_ATTRS = [
  'DMA_ATTR_SKIP_CPU_SYNC',
  'DMA_ATTR_WEAK_ORDERING',
  'DMA_ATTR_WRITE_COMBINE',
  'DMA_ATTR_NO_WARN',
  'DMA_ATTR_PRIVILEGED',
  'DMA_ATTR_NO_KERNEL_MAPPING',
  'DMA_ATTR_FORCE_CONTIGUOUS',
] as const;
export const IOMMU_PROT = ['IOMMU_READ', 'IOMMU_WRITE', 'IOMMU_CACHE', 'IOMMU_NOEXEC', 'IOMMU_PRIV', 'IOMMU_MMIO'] as const;

/** Every constant name the language knows. */
export const CONSTANTS: ReadonlySet<string> = new Set<string>([...DIRECTIONS, ...GFP_FLAGS, ...DMA_ATTRS, ...IOMMU_PROT]);

/** Error names a check may expect besides any errno name (E[A-Z0-9]+). */
/** BUG: the kernel would oops (BUG_ON), e.g. DMA_NONE passed to a mapping call. HANG: the call never returns (iommu_map without
 * IOMMU_READ|IOMMU_WRITE on 5.15–6.10); the run stops there and every later statement reports HANG too. */
export const SPECIAL_ERRORS = ['DMA_MAPPING_ERROR', 'NULL', 'FAULT', 'BUG', 'HANG'] as const;
/** The errno names most scenarios expect (for help and suggestions). */
export const COMMON_ERRORS = ['EBUSY', 'ENOMEM', 'EINVAL', 'EIO', 'EEXIST', ...SPECIAL_ERRORS] as const;

/** Whether `name` is a valid error name for a `=> NAME` check. */
export function isErrorName(name: string): boolean {
  return /^E[A-Z0-9]+$/.test(name) || (SPECIAL_ERRORS as readonly string[]).includes(name);
}

/** Names that can never be assigned: constants, error names, booleans. */
export function isReservedName(name: string): boolean {
  return CONSTANTS.has(name) || isErrorName(name) || name === 'true' || name === 'false';
}

export const ARCH_VALUES = ['arm64', 'arm', 'x86', 'riscv'] as const;

/** The signature as text, e.g. `h = dma_map_single(dev, p, size, dir[, attrs])`. */
export function signatureText(s: OpSig): string {
  const targets = s.results.length === 0 ? '' : `${s.results.map(resultName).join(', ')} = `;
  const parts: string[] = s.repeat
    ? [...s.repeat.map((r) => `${r.name}1`), ...s.repeat.map((r) => `${r.name}2`), '…']
    : s.args.map((r) => r.name);
  let text = parts.join(', ');
  for (const o of s.optional) text += text ? `[, ${o.name}]` : `[${o.name}]`;
  for (const [k, o] of Object.entries(s.options)) {
    const v = o.values ? o.values.join('|') : (o.def ?? k.toUpperCase());
    text += text ? `[, ${k}=${v}]` : `[${k}=${v}]`;
  }
  return `${targets}${s.name}(${text})`;
}

function resultName(t: ValueType, _i: number, all: readonly ValueType[]): string {
  const names: Record<ValueType, string> = {
    buf: all.length > 1 ? 'cpu' : 'p',
    handle: 'h',
    int: 'n',
    sgt: 'sgt',
    domain: 'dom',
    vm: 'vm',
    dmabuf: 'db',
    attach: 'at',
  };
  return names[t];
}

/** How a kind reads in an error message: "a buffer pointer (name or name + offset)". */
export function describeKind(kind: ArgKind, values?: readonly string[]): string {
  switch (kind) {
    case 'dev':
      return 'a device name';
    case 'iommu':
      return 'an iommu name';
    case 'ptr':
      return 'a buffer pointer (name or name + offset)';
    case 'buf':
      return 'a buffer name';
    case 'size':
      return 'a positive size';
    case 'size0':
      return 'a size (0 for none)';
    case 'int':
      return 'a non-negative integer';
    case 'dir':
      return 'a DMA direction (DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL)';
    case 'gfp':
      return 'GFP flags (GFP_KERNEL, GFP_DMA32, … joined with |)';
    case 'attrs':
      return 'DMA attributes (0 or DMA_ATTR_… joined with |)';
    case 'prot':
      return 'IOMMU prot flags (IOMMU_READ|IOMMU_WRITE, …)';
    case 'bytes':
      return 'bytes ("text", x"de ad", fill(BYTE, COUNT), joined with +)';
    case 'handle':
      return 'a DMA address (a handle, handle + offset, or an integer)';
    case 'sgt':
      return 'an sg_table';
    case 'domain':
      return 'an IOMMU domain';
    case 'vm':
      return 'a GPU VM';
    case 'dmabuf':
      return 'a dma-buf';
    case 'attach':
      return 'a dma-buf attachment';
    case 'byte':
      return 'a byte value (0..255)';
    case 'bits':
      return 'a mask width in bits (1..64)';
    case 'bits0':
      return 'a width in bits (0 for none, or 1..64)';
    case 'newname':
      return 'a new name';
    case 'bool':
      return 'true or false';
    case 'version':
      return 'a kernel version string such as "6.18"';
    case 'text':
      return 'a string such as "0000:03:00.0"';
    case 'enum':
      return `one of ${(values ?? []).join(', ')}`;
  }
}

/** What a value type reads as: "a buffer", "a DMA handle", … */
export function describeType(t: ValueType): string {
  const names: Record<ValueType, string> = {
    buf: 'a buffer',
    handle: 'a DMA handle',
    int: 'an integer result',
    sgt: 'an sg_table',
    domain: 'an IOMMU domain',
    vm: 'a GPU VM',
    dmabuf: 'a dma-buf',
    attach: 'a dma-buf attachment',
  };
  return names[t];
}

/** The closest candidate to `word` (1 edit for short words, more for long ones), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length <= 2) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  const limit = word.length <= 5 ? 1 : Math.max(2, Math.floor(word.length / 4));
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), limit);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions, capped at limit + 1. */
function editDistance(x: string, y: string, limit: number): number {
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[y.length]!;
}
