// Docs that match the code: the operations table of the language reference is
// generated from the parser's signature table, and must be current.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDoc } from '../scripts/ops-reference.ts';
import { kernelVersionsDoc } from '../scripts/kernel-versions-doc.ts';
import { ALL_GATES } from '../src/sim/kernel-versions.ts';
import { OPERATIONS as OPS } from '../src/sim/operations.ts';
import { runScenario } from '../src/scenario/run.ts';

const DOC = readFileSync(resolve(__dirname, '../docs/scenario-language.md'), 'utf8');

describe('docs/scenario-language.md', () => {
  it('has the operations table the parser would generate (run `npx tsx scripts/ops-reference.ts`)', () => {
    expect(renderDoc(DOC)).toBe(DOC);
  });

  it('names every operation', () => {
    for (const name of OPS.keys()) expect(DOC).toContain(`${name}(`);
  });

  it('the teaching markup example parses, runs, and teaches what it says', () => {
    const at = DOC.indexOf('## Teaching markup');
    const block = /```\n([\s\S]*?)```/.exec(DOC.slice(at))![1]!;
    const r = runScenario(block);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.teaching?.lesson?.track).toBe('ownership');
    expect(r.teaching?.narration.map((n) => [n.step, n.focus?.view ?? null])).toEqual([[0, null], [1, 'bytes'], [6, 'cache']]);
    expect(r.steps[5]!.checks[0]!.choices).toEqual(['"old data"', '"new data"']);
  });
});

describe('docs/kernel-versions.md', () => {
  const doc = readFileSync(resolve(__dirname, '../docs/kernel-versions.md'), 'utf8');
  it('is the list the gates would generate (run `npx tsx scripts/kernel-versions-doc.ts`)', () => {
    expect(doc).toBe(kernelVersionsDoc());
  });

  it('has a row for every gate, with its commit or "not found"', () => {
    for (const g of ALL_GATES) {
      const row = doc.split('\n').find((l) => l.includes(`| \`${g.id}\``));
      expect(row, g.id).toBeDefined();
      expect(row).toContain(g.commit ? g.commit.split(/[ ,/]+/)[0]! : 'not found');
    }
  });
});
