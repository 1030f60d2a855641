// DESIGN §2.1–2.2: the engine is a pure function of the scenario text. It
// imports nothing outside src/sim and uses no clock, DOM, worker or
// Math.random. tsconfig.sim.json (no DOM or Node types) catches DOM use at
// typecheck; this test catches the rest by reading the sources.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SIM = resolve(__dirname, '../../src/sim');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const FORBIDDEN = [
  /\bMath\.random\b/,
  /\bDate\b/,
  /\bperformance\b/,
  /\bsetTimeout\b|\bsetInterval\b|\bqueueMicrotask\b/,
  /\bwindow\b|\bdocument\b|\bself\b|\blocalStorage\b|\bnavigator\b/,
  /\bcrypto\b/,
  /\bprocess\b/,
  /\brequire\(/,
];

function code(text: string): string {
  // strip comments and string contents so prose can name these things
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
}

describe('engine purity (DESIGN §2.1, §2.2)', () => {
  const all = files(SIM);

  it('finds the engine sources', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all.map((f) => [relative(SIM, f), f]))('%s imports only from src/sim', (_name, f) => {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      expect(spec.startsWith('.'), `${f}: imports package '${spec}'`).toBe(true);
      const target = resolve(dirname(f), spec);
      expect(target.startsWith(SIM), `${f}: imports ${spec} outside src/sim`).toBe(true);
    }
  });

  it.each(all.map((f) => [relative(SIM, f), f]))('%s uses no clock, randomness, DOM or Node global', (_name, f) => {
    const text = code(readFileSync(f, 'utf8'));
    for (const re of FORBIDDEN) expect(re.test(text), `${f} matches ${re}`).toBe(false);
  });
});
