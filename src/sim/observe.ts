/**
 * The explorer's observations: what it saw that the kernel would not log
 * (a stale read, lost dirty data, a device reaching freed memory). Each
 * carries its rule (ObservationRule in events.ts) so views select them by
 * rule, and a sentence that says what happened and why.
 */
import type { ObservationRule } from './events.ts';
import type { StepOutcome } from './outcome.ts';

export function observe(o: StepOutcome, rule: ObservationRule, text: string): void {
  o.observations.push({ rule, text });
}

/** The rules that mean someone was handed stale data at this step (a CPU or device read, or a stale IOTLB translation). */
export const STALE_DATA: ReadonlySet<ObservationRule> = new Set<ObservationRule>(['cpu/stale-read', 'dev/stale-read', 'iommu/stale-iotlb-hit']);

/** Did any of these observations see stale data? */
export function sawStaleData(rules: readonly ObservationRule[]): boolean {
  return rules.some((r) => STALE_DATA.has(r));
}
