/**
 * How a failed check reads. In a scenario imported from a kernel trace
 * (machine(imported=true)) every check is the real kernel's answer, so a
 * failure is the model disagreeing with the kernel: "kernel returned
 * 0xfffff000, the model 0xffffe000".
 */
import type { CheckResult } from './result.ts';

export function failedCheckText(c: CheckResult, imported: boolean): string {
  const got = c.actual ?? '?';
  if (!imported) return `${c.expected} (got ${got})`;
  return `kernel returned ${c.expected.replace(/^=>\s*/, '')}, the model ${got}`;
}
