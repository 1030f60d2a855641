/**
 * Compare mode's step differences: the same scenario under two machine
 * settings, step by step. Pure functions over the runner's StepJson (exact)
 * or the summary's StepInfo (coarse, before the full records arrive).
 *
 * An *outcome* differs when what a driver could observe differs: the result,
 * the error, the bytes read, the kernel log, the explorer's observations or a
 * check's verdict. The machine's *work* differs when the events do (a cache
 * clean on one side only, a bounce on one side only): worth a look, but not
 * counted as a difference of outcome.
 */
import type { StepJson } from '../../scenario/result.ts';
import type { SimEvent } from '../../sim/events.ts';
import type { StepInfo } from '../../worker/api.ts';
import type { Rows } from '../../worker/rows.ts';

export type DiffField = 'result' | 'error' | 'data' | 'warnings' | 'observations' | 'checks';

export const FIELD_LABEL: Record<DiffField, string> = {
  result: 'result',
  error: 'error',
  data: 'bytes read',
  warnings: 'kernel log',
  observations: 'observations',
  checks: 'checks',
};

export interface StepDiff {
  /** 1-based step index. */
  index: number;
  /** Outcome fields that differ. */
  fields: DiffField[];
  /** The events differ in kind or effect (cache maintenance, bounce, snoop…). */
  eventsDiffer: boolean;
  /** From the full records (true) or only from the summaries' counts (false). */
  exact: boolean;
}

export function differs(d: StepDiff | undefined | null): boolean {
  return !!d && d.fields.length > 0;
}

function same<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One event reduced to what matters when comparing two machines (no addresses: they may differ legitimately). */
export function eventKey(e: SimEvent): string | null {
  switch (e.kind) {
    case 'cache_maint': {
      const wb = e.lines.filter((l) => l.wroteBack).length;
      const lost = e.lines.filter((l) => l.lostHex !== undefined).length;
      return `cache_maint:${e.op}:${wb > 0 ? 'wb' : ''}${lost > 0 ? ':lost' : ''}`;
    }
    case 'cache_evict':
      return `cache_evict:${e.dirty ? 'dirty' : 'clean'}`;
    case 'bounce':
      return `bounce:${e.toSlot ? 'to' : 'from'}:${e.len}`;
    case 'dev_access':
      return `dev_access:${e.op}:${e.via}:${e.snooped ? 'snoop' : 'ram'}`;
    case 'dma_map':
      return `dma_map:${e.path}`;
    case 'iotlb':
      return `iotlb:${e.op}${e.stale ? ':stale' : ''}`;
    case 'iommu_fault':
    case 'swiotlb_alloc':
    case 'swiotlb_free':
    case 'iommu_map':
    case 'iommu_unmap':
    case 'finding':
      return e.kind;
    case 'cma':
      return `cma:${e.op}`;
    case 'fq':
      return `fq:${e.op}`;
    default:
      // allocation, CPU access, fills, notes, logs: compared through the outcome fields
      return null;
  }
}

function eventKeys(events: readonly SimEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const k = eventKey(e);
    if (k !== null) out.push(k);
  }
  return out;
}

/** Exact comparison of two records of the same statement. */
export function diffStepJson(a: StepJson, b: StepJson): StepDiff {
  const fields: DiffField[] = [];
  if (String(a.result) !== String(b.result)) fields.push('result');
  if (a.error !== b.error) fields.push('error');
  if ((a.data?.hex ?? null) !== (b.data?.hex ?? null)) fields.push('data');
  if (!same(a.warnings, b.warnings)) fields.push('warnings');
  if (!same(a.observations ?? [], b.observations ?? [])) fields.push('observations');
  if (!same(a.checks.map((c) => c.passed), b.checks.map((c) => c.passed))) fields.push('checks');
  return { index: a.index, fields, eventsDiffer: !same(eventKeys(a.events), eventKeys(b.events)), exact: true };
}

/** Coarse comparison from the summaries (counts only), until the records arrive. */
export function diffStepInfo(a: StepInfo, b: StepInfo): StepDiff {
  const fields: DiffField[] = [];
  if (a.error !== b.error) fields.push('error');
  if (a.warnings !== b.warnings) fields.push('warnings');
  if (a.observations !== b.observations) fields.push('observations');
  if (a.checksFailed !== b.checksFailed || a.checksPassed !== b.checksPassed) fields.push('checks');
  return { index: a.index, fields, eventsDiffer: false, exact: false };
}

/** Coarse diffs for a whole run (the runs must have the same statements). */
export function diffSummaries(a: Rows, b: Rows): StepDiff[] {
  const n = Math.min(a.length, b.length);
  const out: StepDiff[] = [];
  for (let i = 0; i < n; i++) out.push(diffStepInfo(a.at(i)!, b.at(i)!));
  return out;
}

/** True when both runs are of the same statements (same lines and sources), so steps align. */
export function aligned(a: Rows, b: Rows): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.line(i) !== b.line(i) || a.op(i) !== b.op(i)) return false;
  return true;
}

/** The next step after `from` whose outcome differs, or null. Diffs are indexed by step - 1. */
export function nextDifference(diffs: readonly (StepDiff | undefined)[], from: number): number | null {
  for (let i = Math.max(0, from); i < diffs.length; i++) if (differs(diffs[i])) return i + 1;
  return null;
}

/** The previous step before `from` whose outcome differs, or null. */
export function prevDifference(diffs: readonly (StepDiff | undefined)[], from: number): number | null {
  for (let i = Math.min(diffs.length, from - 1) - 1; i >= 0; i--) if (differs(diffs[i])) return i + 1;
  return null;
}

export function countDifferences(diffs: readonly (StepDiff | undefined)[]): number {
  let n = 0;
  for (const d of diffs) if (differs(d)) n++;
  return n;
}
