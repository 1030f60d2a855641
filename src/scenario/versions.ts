/**
 * The kernel versions a library scenario claims: a `# versions: A..B` comment
 * in its header (several ranges separated by commas: `# versions: 4.4..6.2,
 * 6.9..6.18`; a single version pins it: `# versions: 5.16`). Every check of
 * the scenario must pass on every version in those ranges; the library test
 * runs it on the first version of every era the engine distinguishes inside
 * them (kernel-versions.ts), so a change of behaviour at some version cannot
 * silently break a scenario that claims it.
 *
 * A comment, not a statement: the scenario language is unchanged and a
 * scenario without the line still runs.
 */
import type { Arch } from '../sim/config.ts';
import { archKernelProblem, kernelCode } from '../sim/config.ts';
import { kernelEras } from '../sim/kernel-versions.ts';

export interface VersionRange {
  from: string;
  to: string;
}

const LINE = /^\s*#\s*versions:\s*(.+?)\s*$/m;
const VERSION = /^\d+\.\d+$/;

/** The ranges the scenario's `# versions:` comment declares, null without one; throws on a malformed line. */
export function declaredVersions(text: string): VersionRange[] | null {
  const m = LINE.exec(text);
  if (!m) return null;
  return m[1]!.split(',').map((part) => {
    const [from, to = from] = part.trim().split('..').map((x) => x.trim()) as [string, string?];
    if (!VERSION.test(from) || !VERSION.test(to!) || kernelCode(from) > kernelCode(to!)) {
      throw new Error(`bad '# versions:' range '${part.trim()}' (expected A..B with A ≤ B, e.g. 5.10..6.18)`);
    }
    return { from, to: to! };
  });
}

/** Is `version` inside one of the ranges? */
export function inRanges(ranges: readonly VersionRange[], version: string): boolean {
  const c = kernelCode(version);
  return ranges.some((r) => c >= kernelCode(r.from) && c <= kernelCode(r.to));
}

/**
 * One version per era the engine distinguishes inside the ranges (for this
 * architecture): each range's first version, then every era that starts in it.
 * Throws when a range starts before the architecture's port exists (riscv
 * before 4.15: config.ts archKernelProblem): such a claim names kernels that
 * cannot run the scenario at all.
 */
export function versionsToRun(ranges: readonly VersionRange[], arch: Arch): string[] {
  const out: string[] = [];
  const eras = kernelEras(arch);
  for (const r of ranges) {
    const noPort = archKernelProblem(arch, r.from);
    if (noPort) throw new Error(`'# versions:' range ${r.from}..${r.to}: ${noPort}`);
    const lo = kernelCode(r.from);
    const hi = kernelCode(r.to);
    out.push(r.from);
    for (const e of eras) if (e.code > lo && e.code <= hi) out.push(e.version);
  }
  return out;
}
