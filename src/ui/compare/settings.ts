/**
 * Machine-setting overrides: run the scenario as if its header said another
 * architecture, kernel version or IOMMU mode, without editing the text.
 *
 * - arch and kernel go to the engine as `load(text, {arch, kernel})`;
 * - the IOMMU mode is a header rewrite: every `iommu(…)` line of the header
 *   gets `mode=X` (in place, on the same line, so line numbers and steps stay
 *   those of the editor text).
 *
 * Pure functions, no React, no store. Values that come from a link are
 * validated here (`parseOverrideExtras`) before anything runs: an unknown
 * value is dropped with a message, never passed to the engine.
 *
 * The kernel versions offered are exactly the ones the engine distinguishes
 * for the architecture (src/sim/kernel-versions.ts: the oldest version, then
 * every version where some gated behaviour changes), and `eraChanges` says
 * what changes at the chosen one. kernel-versions.ts and config.ts are pure
 * data with no engine code, so reading them here runs nothing on the main
 * thread.
 */
import { ARCHES, DEFAULT_MACHINE, KERNEL_RANGE, archKernelProblem, archOldest, type Arch, type IommuMode } from '../../sim/config.ts';
import { eraOf, iommuOffRefusal, iommuRefusal, kernelEras, type Gate } from '../../sim/kernel-versions.ts';
import type { LoadOptions } from '../../worker/api.ts';

export const ARCH_CHOICES: readonly Arch[] = ARCHES;
export const IOMMU_MODES: readonly IommuMode[] = ['strict', 'lazy', 'passthrough'];
/** The range a scenario (and so a link) may name: src/sim/config.ts KERNEL_RANGE. */
export const KERNEL_OLDEST = KERNEL_RANGE.oldest;
export const KERNEL_NEWEST = KERNEL_RANGE.newest;
/** What the engine assumes when the header does not say: src/sim/config.ts DEFAULT_MACHINE. */
export const DEFAULT_ARCH: Arch = DEFAULT_MACHINE.arch;
export const DEFAULT_KERNEL = DEFAULT_MACHINE.kernel;

function archOrAll(arch: string): Arch | undefined {
  return (ARCHES as readonly string[]).includes(arch) ? (arch as Arch) : undefined;
}

/** The kernel versions the engine distinguishes for this architecture: the first version of every era (riscv from 4.15, config.ts archOldest). */
export function kernelChoices(arch: string): string[] {
  return kernelEras(archOrAll(arch)).map((e) => e.version);
}

/** One side's machine settings; null means "as in the scenario". */
export interface MachineOverrides {
  arch: Arch | null;
  kernel: string | null;
  iommu: IommuMode | null;
}

export const NO_OVERRIDES: MachineOverrides = { arch: null, kernel: null, iommu: null };

export function isArch(v: string): v is Arch {
  return (ARCH_CHOICES as readonly string[]).includes(v);
}

export function isIommuMode(v: string): v is IommuMode {
  return (IOMMU_MODES as readonly string[]).includes(v);
}

function kernelNumber(v: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(v);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : NaN;
}

/**
 * Why a kernel version cannot be used, or null when it can (same rule as the
 * engine's checkOverrides); with an architecture, also whether its port
 * exists in that kernel (riscv from 4.15: config.ts archKernelProblem).
 */
export function kernelProblem(v: string, arch?: string): string | null {
  const code = kernelNumber(v);
  if (Number.isNaN(code)) return `kernel must be a version MAJOR.MINOR such as 6.18`;
  if (code < kernelNumber(KERNEL_OLDEST) || code > kernelNumber(KERNEL_NEWEST)) {
    return `kernel must be between ${KERNEL_OLDEST} and ${KERNEL_NEWEST}`;
  }
  const a = arch === undefined ? undefined : archOrAll(arch);
  return a ? archKernelProblem(a, v) : null;
}

// ---------------------------------------------------------------------------
// Reading the header from the text

export interface HeaderFacts {
  /** The header's arch (the engine's default when it says none). */
  arch: string;
  kernel: string;
  /** Each `iommu(NAME, …)` of the header, with its mode (default strict). */
  iommus: Array<{ name: string; mode: string; line: number }>;
  /** machine(iommu_off=true): x86's iommu=off, which the engine models before 5.0 only. */
  iommuOff?: boolean;
}

/** Splits a line into its code and its comment (`#` or `//` outside a string). */
export function splitComment(line: string): { code: string; comment: string } {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '#' || (c === '/' && line[i + 1] === '/')) return { code: line.slice(0, i), comment: line.slice(i) };
  }
  return { code: line, comment: '' };
}

const HEADER_OP = /^\s*(machine|iommu|device)\s*\(/;

/** Calls `fn` for each header statement line (0-based index), stopping at the first body statement. */
function eachHeaderLine(lines: Iterable<string>, fn: (i: number, op: string, code: string) => void): void {
  let i = -1;
  for (const line of lines) {
    i++;
    const { code } = splitComment(line);
    if (code.trim() === '') continue;
    const m = HEADER_OP.exec(code);
    if (!m) return;
    fn(i, m[1]!, code);
  }
}

/** The lines of a text as split('\n') gives them, one at a time: reading a header must not split a million-line text. */
function* linesOf(text: string): Generator<string> {
  for (let pos = 0; pos <= text.length; ) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    yield text.slice(pos, end);
    pos = end + 1;
  }
}

/**
 * The machine facts the header states, read from the text (a light reading:
 * the worker's parser stays the authority; this only names what "as in the
 * scenario" means next to an override).
 */
export function headerFacts(text: string): HeaderFacts {
  const facts: HeaderFacts = { arch: DEFAULT_ARCH, kernel: DEFAULT_KERNEL, iommus: [] };
  eachHeaderLine(linesOf(text), (i, op, code) => {
    if (op === 'machine') {
      const a = /\barch\s*=\s*"?([A-Za-z0-9_]+)"?/.exec(code);
      if (a) facts.arch = a[1]!;
      const k = /\bkernel\s*=\s*"?(\d+\.\d+(?:\.\d+)?)"?/.exec(code);
      if (k) facts.kernel = k[1]!.split('.').slice(0, 2).join('.');
      if (/\biommu_off\s*=\s*"?true"?/.test(code)) facts.iommuOff = true;
    } else if (op === 'iommu') {
      const name = /^\s*iommu\s*\(\s*"?([A-Za-z0-9_]+)/.exec(code);
      const mode = /\bmode\s*=\s*"?([A-Za-z]+)"?/.exec(code);
      facts.iommus.push({ name: name?.[1] ?? '?', mode: mode?.[1] ?? 'strict', line: i + 1 });
    }
  });
  return facts;
}

/**
 * The text with `mode=MODE` on every `iommu(…)` line of the header. Each
 * line is rewritten in place (comments kept), so the line count and every
 * statement's line number stay the same.
 */
export function rewriteIommuMode(text: string, mode: IommuMode): string {
  const lines = text.split('\n');
  eachHeaderLine(lines, (i, op) => {
    if (op !== 'iommu') return;
    const { code, comment } = splitComment(lines[i]!);
    let next: string;
    if (/\bmode\s*=\s*"?[A-Za-z]*"?/.test(code)) next = code.replace(/\bmode\s*=\s*"?[A-Za-z]*"?/, `mode=${mode}`);
    else {
      const close = code.lastIndexOf(')');
      if (close < 0) return;
      const inside = code.slice(code.indexOf('(') + 1, close).trim();
      next = `${code.slice(0, close)}${inside === '' ? '' : ', '}mode=${mode}${code.slice(close)}`;
    }
    lines[i] = next + comment;
  });
  return lines.join('\n');
}

/** What to send the worker for this text under these overrides. */
export function loadArgs(text: string, o: MachineOverrides): { text: string; opts: LoadOptions } {
  const opts: LoadOptions = {};
  if (o.arch !== null) opts.arch = o.arch;
  if (o.kernel !== null) opts.kernel = o.kernel;
  return { text: o.iommu !== null ? rewriteIommuMode(text, o.iommu) : text, opts };
}

/** The settings a run will actually use: the overrides, else the header's. */
export function effective(o: MachineOverrides, facts: HeaderFacts): { arch: string; kernel: string; iommu: string | null } {
  return {
    arch: o.arch ?? facts.arch,
    kernel: o.kernel ?? facts.kernel,
    iommu: facts.iommus.length === 0 ? null : (o.iommu ?? (facts.iommus.every((x) => x.mode === facts.iommus[0]!.mode) ? facts.iommus[0]!.mode : 'mixed')),
  };
}

/** The overrides that change something, in words ("arch x86 (scenario: arm64)"), empty when none does. */
export function overrideNotes(o: MachineOverrides, facts: HeaderFacts): string[] {
  const out: string[] = [];
  if (o.arch !== null && o.arch !== facts.arch) out.push(`arch ${o.arch} (scenario: ${facts.arch})`);
  if (o.kernel !== null && o.kernel !== facts.kernel) out.push(`kernel ${o.kernel} (scenario: ${facts.kernel})`);
  if (o.iommu !== null && facts.iommus.some((x) => x.mode !== o.iommu)) {
    out.push(`IOMMU ${o.iommu} (scenario: ${[...new Set(facts.iommus.map((x) => x.mode))].join('/')})`);
  }
  return out;
}

/** A short label of a side's settings: "x86 · 6.18 · lazy". */
export function settingsLabel(o: MachineOverrides, facts: HeaderFacts): string {
  const e = effective(o, facts);
  return [e.arch, e.kernel, e.iommu].filter((x): x is string => x !== null).join(' · ');
}

// ---------------------------------------------------------------------------
// Links: `&arch=x86&kernel=5.4&iommu=lazy`, compare side B as `b.arch=…`

/** The link fields for one side's overrides (`prefix` '' or 'b.'). */
export function overridesToExtra(o: MachineOverrides, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (o.arch !== null) out[`${prefix}arch`] = o.arch;
  if (o.kernel !== null) out[`${prefix}kernel`] = o.kernel;
  if (o.iommu !== null) out[`${prefix}iommu`] = o.iommu;
  return out;
}

function shown(v: string): string {
  const s = v.length > 24 ? `${v.slice(0, 24)}…` : v;
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** Reads one side's overrides from a link's extra fields; unknown values are dropped with a message. */
export function overridesFromExtra(extra: Record<string, string>, prefix = ''): { overrides: MachineOverrides; problems: string[] } {
  const o: MachineOverrides = { ...NO_OVERRIDES };
  const problems: string[] = [];
  const who = prefix === '' ? '' : 'compare side B: ';
  const arch = extra[`${prefix}arch`];
  if (arch !== undefined) {
    if (isArch(arch)) o.arch = arch;
    else problems.push(`${who}unknown arch '${shown(arch)}' ignored (expected ${ARCH_CHOICES.join(', ')})`);
  }
  const kernel = extra[`${prefix}kernel`];
  if (kernel !== undefined) {
    const p = kernelProblem(kernel, o.arch ?? undefined);
    if (p === null) o.kernel = kernel;
    else problems.push(`${who}kernel '${shown(kernel)}' ignored (${p})`);
  }
  const iommu = extra[`${prefix}iommu`];
  if (iommu !== undefined) {
    if (isIommuMode(iommu)) o.iommu = iommu;
    else problems.push(`${who}unknown IOMMU mode '${shown(iommu)}' ignored (expected ${IOMMU_MODES.join(', ')})`);
  }
  return { overrides: o, problems };
}

/** The kernel versions to offer in a picker: the engine's eras for the arch, plus a current value not among them (none the arch's port predates). */
export function kernelOptions(current: string | null, scenario: string, arch: string = DEFAULT_ARCH): string[] {
  const set = new Set(kernelChoices(arch));
  for (const v of [current, scenario]) if (v !== null && kernelProblem(v, arch) === null) set.add(v);
  return [...set].sort((a, b) => kernelNumber(a) - kernelNumber(b));
}

/**
 * The overrides after choosing `arch` (null: the scenario's). When the
 * kernel the run would use predates the new architecture's port (riscv before
 * 4.15), the kernel override goes back to the scenario's kernel, or, when
 * that one predates it too, to the port's first version (config.ts
 * archOldest): the picker never holds a version it does not offer.
 */
export function withArch(o: MachineOverrides, arch: Arch | null, facts: HeaderFacts): MachineOverrides {
  const a = arch ?? facts.arch;
  const runs = (k: string) => kernelProblem(k, a) === null && machineRefusal(a, k, facts) === null;
  if (runs(o.kernel ?? facts.kernel)) return { ...o, arch };
  if (runs(facts.kernel)) return { ...o, arch, kernel: null };
  // the first version this header's machine exists on (riscv's port, the RISC-V IOMMU driver), else the port's
  const first = kernelChoices(a).find(runs);
  const known = archOrAll(a);
  return { ...o, arch, kernel: first ?? (known ? archOldest(known) : null) };
}

/**
 * Why the engine refuses this header's machine as `arch` at `kernel`, or null:
 * the rule is the engine's (iommuRefusal: no RISC-V IOMMU driver before 6.13),
 * applied to the header's iommu(…) declarations. The pickers disable such a
 * version and say why, instead of letting the run fail at line 1.
 */
export function machineRefusal(arch: string, kernel: string, facts: HeaderFacts): string | null {
  return refusalOf(arch, kernel, facts)?.message ?? null;
}

/** The few words a kernel picker shows beside a version machineRefusal refuses ("no IOMMU driver"), or null. */
export function machineRefusalLabel(arch: string, kernel: string, facts: HeaderFacts): string | null {
  return refusalOf(arch, kernel, facts)?.label ?? null;
}

function refusalOf(arch: string, kernel: string, facts: HeaderFacts): { message: string; label: string } | null {
  const a = archOrAll(arch);
  if (!a) return null;
  // the scenario check saw to swiotlb=0 and to no iommu(…) beside it; arch and kernel are what "Run as" changes
  if (facts.iommuOff) {
    const off = iommuOffRefusal({ arch: a, kernel, iommus: [], swiotlb: 0, iommuOff: true });
    if (off) return { message: off, label: a === 'x86' ? 'iommu_off: before 5.0 only' : 'iommu_off: x86 only' };
  }
  if (facts.iommus.length === 0) return null;
  const iommus = facts.iommus.map((x) => ({ name: x.name, mode: x.mode as IommuMode, pgsize: 4096 }));
  const r = iommuRefusal({ arch: a, kernel, iommus, devices: [] });
  return r ? { message: r.message, label: 'no IOMMU driver' } : null;
}

/** A contrasting setting for compare side B: the other coherence world (x86 ↔ arm64). */
export function contrastFor(arch: string): MachineOverrides {
  return { arch: arch === 'x86' ? 'arm64' : 'x86', kernel: null, iommu: null };
}

/** What a kernel version means to the engine: the era it falls in and what changed at the era's start. */
export interface EraChanges {
  /** The era's first version ("5.19"). */
  from: string;
  /** The era's last version, or null for the newest era. */
  to: string | null;
  /** The gates whose new behaviour starts at `from` (empty for the oldest era). */
  changes: Gate[];
}

function lastBefore(v: string): string {
  const [maj, min] = v.split('.').map(Number) as [number, number];
  if (min > 0) return `${maj}.${min - 1}`;
  const last: Record<number, number> = { 3: 19, 4: 20, 5: 19 };
  return `${maj - 1}.${last[maj - 1] ?? 0}`;
}

/** The era of `kernel` on `arch`, for saying which behaviours change at the chosen version. */
export function eraChanges(kernel: string, arch: string): EraChanges | null {
  if (kernelProblem(kernel, arch) !== null) return null;
  const a = archOrAll(arch);
  const code = kernelNumber(kernel);
  const era = eraOf(code, a);
  const next = kernelEras(a).find((e) => e.code > era.code);
  return { from: era.version, to: next ? lastBefore(next.version) : null, changes: era.changes };
}
