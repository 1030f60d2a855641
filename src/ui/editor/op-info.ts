/**
 * What the editor's help (completion, signature help, hover docs) and the
 * in-app language reference know about the scenario language, read from one
 * place: the engine's operation table (src/sim/operations.ts), whose plain
 * data the worker sends once (store: `operations`; the page never loads the
 * engine itself), with the language's constants and wording
 * (src/scenario/ops.ts). The generated reference (scripts/ops-reference.ts)
 * reads the same table. Until the worker answers, no operation is known.
 */
import { COMMON_ERRORS, DIRECTIONS, DMA_ATTRS, GFP_FLAGS, IOMMU_PROT, describeKind, describeType, signatureText } from '../../scenario/ops.ts';
import type { ArgKind, OpSection, ValueType } from '../../scenario/ops.ts';
import type { OperationDoc } from '../../sim/operation.ts';
import { useStore } from '../store/store.ts';

export type { ArgKind, OpSection, ValueType } from '../../scenario/ops.ts';
export { SECTION_TITLES } from '../../sim/operation.ts';

export interface ParamInfo {
  name: string;
  kind: ArgKind;
  /** The kind in words: "a DMA direction (DMA_TO_DEVICE, …)". */
  describe: string;
  optional: boolean;
}

export interface OptionInfo {
  key: string;
  kind: ArgKind;
  values?: readonly string[];
  def?: string;
  describe: string;
}

export interface OpInfo {
  name: string;
  section: OpSection;
  header: boolean;
  /** `h = dma_map_single(dev, p, size, dir[, attrs])`. */
  signature: string;
  /** What the call does, in one line of the language reference. */
  doc: string;
  /** What the call does for the kernel, as the explanation panel says it (may be absent). */
  explain?: string;
  /** Positional parameters in order (the repeating pair of sg_table once). */
  params: ParamInfo[];
  /** sg_table's (pointer, length) pairs repeat. */
  repeats: boolean;
  options: OptionInfo[];
  results: readonly ValueType[];
  /** The results in words ("a DMA handle"). */
  resultsText: string[];
}

function toInfo(s: OperationDoc): OpInfo {
  const param = (optional: boolean) => (p: { name: string; kind: ArgKind }): ParamInfo => ({
    name: p.name,
    kind: p.kind,
    describe: describeKind(p.kind),
    optional,
  });
  const params = s.repeat ? s.repeat.map(param(false)) : [...s.args.map(param(false)), ...s.optional.map(param(true))];
  const explain = s.explain;
  return {
    name: s.name,
    section: s.section,
    header: s.section === 'header',
    signature: signatureText(s),
    doc: s.doc,
    ...(explain !== undefined ? { explain } : {}),
    params,
    repeats: s.repeat !== undefined,
    options: Object.entries(s.options).map(([key, o]) => ({
      key,
      kind: o.kind,
      ...(o.values ? { values: o.values } : {}),
      ...(o.def !== undefined ? { def: o.def } : {}),
      describe: describeKind(o.kind, o.values),
    })),
    results: s.results,
    resultsText: s.results.map(describeType),
  };
}

let built: { from: readonly OperationDoc[]; infos: ReadonlyMap<string, OpInfo> } | null = null;

/** The help of every operation the worker sent, built once per table. */
function infos(): ReadonlyMap<string, OpInfo> {
  const ops = useStore.getState().operations;
  if (built?.from !== ops) built = { from: ops, infos: new Map(ops.map((s) => [s.name, toInfo(s)])) };
  return built.infos;
}

/** One operation's help, or undefined for an unknown name. */
export function opInfo(name: string): OpInfo | undefined {
  return infos().get(name);
}

/** Every operation, in the reference's order (header first, then by section). */
export function allOps(): OpInfo[] {
  return [...infos().values()];
}

export interface ConstantGroup {
  kind: 'dir' | 'gfp' | 'attrs' | 'prot';
  title: string;
  names: readonly string[];
}

/** The kernel constants the language knows, by the kind of argument that takes them. */
export const CONSTANT_GROUPS: readonly ConstantGroup[] = [
  { kind: 'dir', title: 'DMA directions', names: DIRECTIONS },
  { kind: 'gfp', title: 'GFP flags (join with |)', names: GFP_FLAGS },
  { kind: 'attrs', title: 'DMA attributes (0, or join with |)', names: DMA_ATTRS },
  { kind: 'prot', title: 'IOMMU prot flags (join with |)', names: IOMMU_PROT },
];

/** The group a constant belongs to, if it is one. */
export function constantGroup(name: string): ConstantGroup | undefined {
  return CONSTANT_GROUPS.find((g) => g.names.includes(name));
}

/** Error names a `=> NAME` check commonly expects. */
export const CHECK_ERRORS: readonly string[] = COMMON_ERRORS;
