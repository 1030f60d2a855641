/**
 * What to offer at the cursor: operation names at the start of a statement
 * (header statements on a bare line), the names and constants an argument
 * takes (devices for `dev`, buffers for a pointer, handles for a DMA address,
 * directions, GFP flags, attributes, prot flags, enum values), option keys
 * (`arch=`, `dma_mask=` … in the header), and after `=>` the words a check
 * takes. Pure; the shape of each option is @codemirror/autocomplete's
 * `Completion`, so the editor hands the list to it as it is.
 */
import { CHECK_ERRORS, CONSTANT_GROUPS, allOps } from './op-info.ts';
import type { ArgKind, OpInfo } from './op-info.ts';
import { contextAt, declaredNames, namesOfType } from './scenario-context.ts';
import type { CursorContext, DeclaredNames } from './scenario-context.ts';

export interface CompletionItem {
  label: string;
  /** The kind of thing (CodeMirror's icon classes): function, keyword, constant, variable, property, enum. */
  type: 'function' | 'keyword' | 'constant' | 'variable' | 'property' | 'enum' | 'text';
  detail?: string;
  info?: string;
  /** Text to insert instead of the label (`key=` for an option). */
  apply?: string;
  boost?: number;
}

export interface CompletionAnswer {
  /** Line-relative offset where the replaced word starts. */
  from: number;
  options: CompletionItem[];
}

/**
 * Completions for the cursor at the end of `before` (the line up to the
 * cursor), given the whole scenario text for the names it declares. Null
 * when there is nothing to offer.
 */
export function completeLine(before: string, text: string, explicit = false): CompletionAnswer | null {
  const ctx = contextAt(before);
  const options = optionsFor(ctx, () => declaredNames(text));
  if (ctx.kind === 'none' || options.length === 0) return null;
  // Offer while typing a word; on an empty word only where a value is expected (or when asked with Ctrl+Space).
  if (ctx.prefix === '' && !explicit && ctx.kind === 'op') return null;
  return { from: ctx.from, options };
}

function optionsFor(ctx: CursorContext, names: () => DeclaredNames): CompletionItem[] {
  switch (ctx.kind) {
    case 'op':
      return opOptions(ctx.assigned, ctx.lineStart);
    case 'check':
      return checkOptions();
    case 'arg': {
      if (ctx.option !== null) {
        const o = ctx.op.options.find((x) => x.key === ctx.option);
        return o ? valuesOf(o.kind, names, o.values) : [];
      }
      const out = ctx.param ? valuesOf(ctx.param.kind, names) : [];
      // Option keys once the required arguments are written (or when the call has no positional ones).
      const required = ctx.op.params.filter((p) => !p.optional).length;
      if (!ctx.afterPipe && ctx.index >= (ctx.op.repeats ? 0 : required)) out.push(...keyOptions(ctx.op));
      return out;
    }
    case 'none':
      return [];
  }
}

function opOptions(assigned: boolean, lineStart: boolean): CompletionItem[] {
  return allOps()
    .filter((o) => (o.header ? lineStart : true))
    .filter((o) => !assigned || o.results.length > 0)
    .map((o) => ({
      label: o.name,
      type: o.header ? ('keyword' as const) : ('function' as const),
      detail: argsOf(o),
      info: o.explain ?? o.doc,
      boost: o.header ? 1 : 0,
    }));
}

/** "(dev, sgt, dir[, nents=NENTS])": the signature without its results ("h = ") and name; an option's "=" stays. */
function argsOf(o: OpInfo): string {
  const call = o.signature.indexOf(`${o.name}(`);
  return call < 0 ? o.signature : o.signature.slice(call + o.name.length);
}

function checkOptions(): CompletionItem[] {
  return [
    { label: 'ok', type: 'keyword', detail: 'no error', info: 'The step succeeded (no error result).' },
    { label: 'warning', type: 'keyword', detail: 'a kernel warning', info: 'The step logged a kernel warning (dma-debug, swiotlb, IOMMU).' },
    ...CHECK_ERRORS.map((e) => ({ label: e, type: 'constant' as const, detail: 'error' })),
  ];
}

function keyOptions(op: OpInfo): CompletionItem[] {
  return op.options.map((o) => ({
    label: `${o.key}=`,
    apply: `${o.key}=`,
    type: 'property' as const,
    detail: o.values ? o.values.join('|') : o.def !== undefined ? `default ${o.def}` : undefined,
    info: o.describe,
  })).map(dropUndefined);
}

function valuesOf(kind: ArgKind, names: () => DeclaredNames, values?: readonly string[]): CompletionItem[] {
  const constants = (k: 'dir' | 'gfp' | 'attrs' | 'prot') => {
    const g = CONSTANT_GROUPS.find((x) => x.kind === k)!;
    return g.names.map((n) => ({ label: n, type: 'constant' as const, detail: g.title }));
  };
  const named = (list: string[], detail: string) => list.map((n) => ({ label: n, type: 'variable' as const, detail }));
  switch (kind) {
    case 'dev':
      return named(names().devices, 'device');
    case 'iommu':
      return named(names().iommus, 'iommu');
    case 'ptr':
    case 'buf':
      return named(namesOfType(names(), 'buf'), 'buffer');
    case 'handle':
      return named(namesOfType(names(), 'handle'), 'DMA handle');
    case 'sgt':
    case 'domain':
    case 'vm':
    case 'dmabuf':
    case 'attach':
      return named(namesOfType(names(), kind), kind === 'sgt' ? 'sg_table' : kind);
    case 'dir':
    case 'gfp':
    case 'prot':
      return constants(kind);
    case 'attrs':
      return [{ label: '0', type: 'constant', detail: 'no attributes' }, ...constants('attrs')];
    case 'enum':
      return (values ?? []).map((v) => ({ label: v, type: 'enum' as const }));
    case 'bool':
      return [
        { label: 'true', type: 'keyword' },
        { label: 'false', type: 'keyword' },
      ];
    default:
      return [];
  }
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
