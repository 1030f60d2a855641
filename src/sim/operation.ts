/**
 * The shape of one entry of the operation table (operations.ts): an
 * operation's signature (positional argument kinds, optional arguments,
 * key=value options, results, which checks make sense), its doc lines, its
 * section of the language reference, and its handler. The handler receives
 * the arguments by the names the signature gives them, after the scenario
 * validator has checked them against that same signature.
 *
 * Everything here but `op()` is types and plain data: the explorer's UI reads
 * the section titles from this file, and the rest of the table as
 * `OperationDoc`s sent by the worker (the handlers stay in the engine).
 */
import type { Command, Expr } from './command.ts';
import type { BudgetKind } from './budgets.ts';
import type { Machine } from './machine.ts';
import type { StepOutcome } from './outcome.ts';

/** What a positional argument or option value must be. */
export type ArgKind =
  /** A device declared in the header. */
  | 'dev'
  /** An iommu declared in the header. */
  | 'iommu'
  /** A buffer pointer: a buffer name or `name ± offset`. */
  | 'ptr'
  /** A buffer name itself (what an allocator returned). */
  | 'buf'
  /** A size or count: a positive integer. */
  | 'size'
  /** A size that may be 0. */
  | 'size0'
  /** A non-negative integer (an order, an index, an address, microseconds). */
  | 'int'
  /** DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL or DMA_NONE. */
  | 'dir'
  /** GFP flags joined with `|`. */
  | 'gfp'
  /** 0, or DMA_ATTR_* joined with `|`. */
  | 'attrs'
  /** IOMMU_READ, IOMMU_WRITE, … joined with `|`. */
  | 'prot'
  /** Bytes: a string, x"…", fill(…), or parts joined with `+`. */
  | 'bytes'
  /** A DMA address: a handle name, `handle ± offset`, or an integer. */
  | 'handle'
  | 'sgt'
  | 'domain'
  | 'vm'
  | 'dmabuf'
  | 'attach'
  /** A byte value 0..255. */
  | 'byte'
  /** A mask width in bits, 1..64. */
  | 'bits'
  /** A mask width in bits, 0 (none) or 1..64. */
  | 'bits0'
  /** A new name being declared (device and iommu names in the header). */
  | 'newname'
  /** true or false. */
  | 'bool'
  /** A kernel version string "MAJOR.MINOR" in the modelled range. */
  | 'version'
  /** Any string (a label). */
  | 'text'
  /** One of the option's `values`. */
  | 'enum';

/**
 * The tracepoint of include/trace/events/dma.h a DMA API call fires (from
 * 6.12, 038eb433dc14), by what it reports: one mapping made, undone or
 * synced; a scatterlist mapped, unmapped or synced; a coherent allocation
 * (dma_alloc / dma_free) or non-coherent pages (dma_alloc_pages /
 * dma_free_pages from 6.13, c4484ab86ee0; dma_map_page / dma_unmap_page
 * before). The trace writer (src/import/trace-writer.ts) prints a call by
 * it, reading the call's arguments by their signature names.
 */
export type DmaTrace = 'map' | 'unmap' | 'sync' | 'map_sg' | 'unmap_sg' | 'sync_sg' | 'alloc' | 'free' | 'alloc_pages' | 'free_pages';

/** What a name holds after an assignment. */
export type ValueType = 'buf' | 'handle' | 'int' | 'sgt' | 'domain' | 'vm' | 'dmabuf' | 'attach';

export interface ArgSpec<N extends string = string> {
  /** The parameter's name in the signature, e.g. `size`; the handler reads the argument by it. */
  name: N;
  kind: ArgKind;
  /** The explorer's budget this argument is held to (budgets.ts): a literal over it is a parse error, a value over it fails the call. */
  budget?: BudgetKind;
}

export interface OptionSpec {
  kind: ArgKind;
  /** For 'enum': the allowed values. */
  values?: readonly string[];
  /** The default, as written in the language reference. */
  def?: string;
}

/** An operation's key=value options by key. */
export type OpOptions = Readonly<Record<string, OptionSpec>>;

export type OpSection = 'header' | 'memory' | 'cache' | 'streaming' | 'coherent' | 'queries' | 'device' | 'iommu' | 'gpu' | 'cma' | 'dma-buf';

/** Section titles, as the language reference (and the editor's Reference panel) heads them. */
export const SECTION_TITLES: Readonly<Record<OpSection, string>> = {
  header: 'Header: the machine',
  memory: 'CPU memory and CPU access',
  cache: 'CPU caching: flushes and memory attributes',
  streaming: 'Streaming DMA',
  coherent: 'Coherent and non-coherent allocations',
  queries: "The DMA API's queries",
  device: 'Device side',
  iommu: 'System IOMMU used directly',
  gpu: 'Device-internal MMU (GPU)',
  cma: 'CMA',
  'dma-buf': 'dma-buf',
};

/** An operation's signature and doc lines: plain data (what the validator, the reference and the editor read). */
export interface OpSig {
  name: string;
  section: OpSection;
  /** Required positional arguments, in order. */
  args: readonly ArgSpec[];
  /** Optional positional arguments, after the required ones, in order. */
  optional: readonly ArgSpec[];
  /** A group that repeats one or more times instead of `args` (sg_table's pointer, length pairs). */
  repeat?: readonly ArgSpec[];
  /** Allowed key=value options. */
  options: OpOptions;
  /** The types of its results: `h = …` has one, `cpu, h = …` two. Assigning is optional. */
  results: readonly ValueType[];
  /** It reads bytes (then `=> "text"` is a valid check). */
  readsBytes: boolean;
  /** It yields an integer (then `=> 0` is a valid check). */
  yieldsInt: boolean;
  /** One line of help: the language reference's line. */
  doc: string;
}

/** The table's plain data about one operation, as the worker sends it to the explorer. */
export interface OperationDoc extends OpSig {
  /** The explorer's sentence for the explanation panel (what the kernel does, why it matters); absent when the reference line says it. */
  explain?: string;
}

/** The arguments of one statement by their signature names (undefined when an optional one is left out). */
export type NamedArgs<N extends string> = { readonly [K in N]: Expr | undefined };

/** What runs a statement: reads its named arguments, calls the subsystem, binds results, fills the outcome. */
export type OpRun<N extends string = string> = (m: Machine, a: NamedArgs<N>, o: StepOutcome, c: Command) => void;

export interface Operation extends OperationDoc {
  /** A CPU access its handler checks as KASAN would (so step() does not refuse a `p ± offset` outside RAM first). */
  cpuAccess: boolean;
  /** The handler; absent for the header statements, which build the machine instead. */
  run?: OpRun;
  /** The dma tracepoint the call fires; absent for calls the kernel does not trace. */
  trace?: DmaTrace;
  /** Every positional argument, required then optional. */
  positional: readonly ArgSpec[];
  /** Their names, in order (what `run` receives). */
  names: readonly string[];
  /** The indices of the positional arguments held to a budget (step() checks only these, and nothing for most operations). */
  budgeted: readonly number[];
  /** The prototype of what namedArgs builds: a getter per argument name, reading the statement's arguments. */
  argsProto: object;
}

/** A positional argument of a signature. */
export function arg<const N extends string>(name: N, kind: ArgKind, budget?: BudgetKind): ArgSpec<N> {
  return budget ? { name, kind, budget } : { name, kind };
}

type NamesOf<A extends readonly ArgSpec[]> = A[number]['name'];

export interface OpInit<A extends readonly ArgSpec[], O extends readonly ArgSpec[]> {
  args?: A;
  optional?: O;
  repeat?: readonly ArgSpec[];
  options?: OpOptions;
  results?: readonly ValueType[];
  readsBytes?: boolean;
  yieldsInt?: boolean;
  doc: string;
  explain?: string;
  cpuAccess?: boolean;
  trace?: DmaTrace;
  run?: OpRun<NamesOf<A> | NamesOf<O>>;
}

/** One entry of the operation table; `run` sees exactly the argument names the signature declares. */
export function op<const A extends readonly ArgSpec[] = [], const O extends readonly ArgSpec[] = []>(name: string, section: OpSection, init: OpInit<A, O>): Operation {
  const args = init.args ?? ([] as unknown as A);
  const optional = init.optional ?? ([] as unknown as O);
  const positional = [...args, ...optional];
  return {
    name,
    section,
    args,
    optional,
    ...(init.repeat ? { repeat: init.repeat } : {}),
    options: init.options ?? {},
    results: init.results ?? [],
    readsBytes: init.readsBytes ?? false,
    yieldsInt: init.yieldsInt ?? false,
    doc: init.doc,
    ...(init.explain ? { explain: init.explain } : {}),
    cpuAccess: init.cpuAccess ?? false,
    ...(init.run ? { run: init.run as OpRun } : {}),
    ...(init.trace ? { trace: init.trace } : {}),
    positional,
    names: positional.map((x) => x.name),
    budgeted: positional.flatMap((x, i) => (x.budget ? [i] : [])),
    argsProto: argsPrototype(positional.map((x) => x.name)),
  };
}

/** The plain data of an entry (no handler): what leaves the worker for the explorer. */
export function operationDoc(o: Operation): OperationDoc {
  return {
    name: o.name,
    section: o.section,
    args: o.args,
    optional: o.optional,
    ...(o.repeat ? { repeat: o.repeat } : {}),
    options: o.options,
    results: o.results,
    readsBytes: o.readsBytes,
    yieldsInt: o.yieldsInt,
    doc: o.doc,
    ...(o.explain ? { explain: o.explain } : {}),
  };
}

/** What namedArgs builds: the statement's arguments, read by name through the prototype's getters. */
interface ArgsView {
  $args: readonly Expr[];
}

/**
 * A prototype whose getters read a statement's positional arguments by the
 * signature's names. namedArgs then makes one small object per call, and
 * each handler reads its arguments from objects of one shape: building an
 * object with the names as keys instead cost a keyed store per argument at a
 * site every operation shares, the dispatcher's largest cost.
 */
function argsPrototype(names: readonly string[]): object {
  const proto = {};
  names.forEach((n, i) => {
    Object.defineProperty(proto, n, {
      get(this: ArgsView): Expr | undefined {
        return this.$args[i];
      },
      enumerable: true,
    });
  });
  return proto;
}

/** A statement's positional arguments by the names of its signature (sg_table's repeating pairs are read from the command). */
export function namedArgs(o: Operation, c: Command): NamedArgs<string> {
  const a = Object.create(o.argsProto) as ArgsView;
  a.$args = c.args;
  return a as unknown as NamedArgs<string>;
}
