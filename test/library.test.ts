// Every scenario of the built-in library is self-checking: its `=>` checks
// state what KERNEL-FACTS says the kernel does (each file's header comment
// names the rule). The suite runs them all, and twice, to hold determinism.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/scenario/run.ts';
import { declaredVersions, inRanges, versionsToRun } from '../src/scenario/versions.ts';
import { DEFAULT_MACHINE, type Arch } from '../src/sim/config.ts';

const DIR = resolve(__dirname, '../src/scenario/library');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.dma')).sort();

describe('built-in scenario library', () => {
  it('has at least 15 scenarios covering every architecture', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(15);
    const arches = new Set(FILES.map((f) => /arch=(\w+)/.exec(readFileSync(join(DIR, f), 'utf8'))?.[1]));
    for (const a of ['arm64', 'arm', 'x86', 'riscv']) expect(arches.has(a)).toBe(true);
  });

  it.each(FILES)('%s: parses and every check passes', (f) => {
    const r = runScenario(readFileSync(join(DIR, f), 'utf8'));
    expect(r.errors).toEqual([]);
    const failures = r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${s.source} ${c.expected} (got ${c.actual})`));
    expect(failures).toEqual([]);
    expect(r.steps.filter((s) => s.error === 'EXCEPTION').map((s) => s.observations.join('; '))).toEqual([]);
    expect(r.checks.passed).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  });

  it.each(FILES)('%s: the same text gives the same steps, bytes and warnings every run', (f) => {
    const text = readFileSync(join(DIR, f), 'utf8');
    expect(JSON.stringify(runScenario(text))).toBe(JSON.stringify(runScenario(text)));
  });
});

// Every scenario declares the kernel versions it holds for (`# versions: A..B`,
// src/scenario/versions.ts) and must pass on each era the engine distinguishes
// inside them: a behaviour that changes at some version cannot silently break
// a scenario that claims that version.
describe('built-in scenario library across the kernel versions it declares', () => {
  it.each(FILES)('%s declares its versions, and its header kernel is one of them', (f) => {
    const text = readFileSync(join(DIR, f), 'utf8');
    const ranges = declaredVersions(text);
    expect(ranges, `${f} has no '# versions:' line`).not.toBeNull();
    const header = /kernel="([\d.]+)"/.exec(text)?.[1] ?? DEFAULT_MACHINE.kernel;
    expect(inRanges(ranges!, header)).toBe(true);
  });

  it.each(FILES)('%s passes on every version it declares', (f) => {
    const text = readFileSync(join(DIR, f), 'utf8');
    const arch = (/arch=(\w+)/.exec(text)?.[1] ?? DEFAULT_MACHINE.arch) as Arch;
    const failing: string[] = [];
    for (const v of versionsToRun(declaredVersions(text) ?? [], arch)) {
      const r = runScenario(text, { kernel: v });
      const fails = r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line}: ${c.expected} (got ${c.actual})`));
      if (!r.ok) failing.push(`${v}: ${fails[0] ?? r.errors[0]?.message ?? 'an exception'}`);
    }
    expect(failing).toEqual([]);
  });
});
