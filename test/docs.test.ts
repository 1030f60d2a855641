// Docs that match the code: the operations table of the language reference is
// generated from the parser's signature table, and must be current.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDoc } from '../scripts/ops-reference.ts';
import { OPS } from '../src/scenario/ops.ts';

const DOC = readFileSync(resolve(__dirname, '../docs/scenario-language.md'), 'utf8');

describe('docs/scenario-language.md', () => {
  it('has the operations table the parser would generate (run `npx tsx scripts/ops-reference.ts`)', () => {
    expect(renderDoc(DOC)).toBe(DOC);
  });

  it('names every operation', () => {
    for (const name of OPS.keys()) expect(DOC).toContain(`${name}(`);
  });
});
