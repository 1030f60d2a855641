/**
 * The explorer's observations carry a rule (ObservationRule in
 * src/sim/events.ts), and kernel log events the catalogue id of their line,
 * so views select them by rule or id, never by their words: every listed
 * rule is named by the engine, the runner's JSON gives each observation's
 * rule in order, and no view, CLI or worker module searches an
 * observation's or a kernel line's text with a pattern.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { sawStaleData } from '../../src/sim/observe.ts';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

const ruleUnion = /export type ObservationRule =([^;]*);/.exec(readFileSync(join(SRC, 'sim/events.ts'), 'utf8'))![1]!;
const RULES = [...ruleUnion.matchAll(/'([^']+)'/g)].map((m) => m[1]!);

describe('observation rules', () => {
  it('lists every rule the engine and the runner name, and names only listed rules', () => {
    expect(RULES.length).toBeGreaterThan(40);
    const code = [...files(join(SRC, 'sim')), join(SRC, 'scenario/run.ts')].map((f) => readFileSync(f, 'utf8')).join('\n');
    const named = new Set([...code.matchAll(/observe\(o, '([^']+)'/g), ...code.matchAll(/rule: '([^']+)', text:/g)].map((m) => m[1]!));
    expect([...named].filter((r) => !RULES.includes(r))).toEqual([]);
    expect(RULES.filter((r) => !named.has(r))).toEqual([]);
  });

  it('the runner gives each observation its rule, in order; a stale CPU read is one rule, found without reading words', () => {
    const r = runScenario(`machine(arch=arm64)
device(nic)
buf = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, buf, 4096, DMA_FROM_DEVICE)
cpu_read(buf, 4)
dev_write(nic, h, x"01020304")
cpu_read(buf, 4)
`);
    const [early, , late] = r.steps.slice(2);
    expect(early!.observationRules).toEqual(['cpu/access-while-device-owned']);
    expect(late!.observationRules).toEqual(['cpu/access-while-device-owned', 'cpu/stale-read']);
    expect(late!.observations[1]).toMatch(/^stale read: /);
    for (const s of r.steps) expect(s.observationRules).toHaveLength(s.observations.length);
    expect(sawStaleData(early!.observationRules)).toBe(false);
    expect(sawStaleData(late!.observationRules)).toBe(true);
  });

  it('no view, CLI or worker module matches a pattern against observations or kernel lines', () => {
    const outside = ['ui', 'cli', 'worker'].flatMap((d) => files(join(SRC, d)));
    const searches = /\b(observations|warnings)\b[^;\n]*\.(some|filter|find|findIndex|every)\(\s*\(?\w+\)?\s*=>\s*(\/|\w+\.(includes|startsWith|endsWith|match)\()/;
    expect(outside.filter((f) => searches.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f))).toEqual([]);
  });
});
