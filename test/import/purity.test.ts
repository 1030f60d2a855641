// The importer is pure like the engine (DESIGN §2.1): text in, text and a
// report out, the same every run, in Node and in the worker. It may use the
// scenario layer and the engine, nothing else; no clock, randomness, DOM,
// worker or Node global (tsconfig.sim.json type-checks it without DOM or Node
// types; this test catches the rest).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
const IMPORT = join(SRC, 'import');
const ALLOWED = [join(SRC, 'import'), join(SRC, 'scenario'), join(SRC, 'sim')];
const FORBIDDEN = [/\bMath\.random\b/, /\bDate\b/, /\bperformance\b/, /\bsetTimeout\b|\bsetInterval\b/, /\bwindow\b|\bdocument\b|\bself\b|\blocalStorage\b|\bnavigator\b/, /\bprocess\b/, /\brequire\(/];

const code = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");

describe('importer purity', () => {
  const files = readdirSync(IMPORT).filter((f) => f.endsWith('.ts')).map((f) => join(IMPORT, f));

  it.each(files.map((f) => [relative(SRC, f), f]))('%s imports only the importer, the scenario layer and the engine', (_n, f) => {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const target = resolve(dirname(f), m[1]!);
      expect(ALLOWED.some((a) => target.startsWith(a)), `${f} imports ${m[1]}`).toBe(true);
    }
  });

  it.each(files.map((f) => [relative(SRC, f), f]))('%s uses no clock, randomness, DOM or Node global', (_n, f) => {
    const text = code(readFileSync(f, 'utf8'));
    for (const re of FORBIDDEN) expect(re.test(text), `${f} matches ${re}`).toBe(false);
  });
});
