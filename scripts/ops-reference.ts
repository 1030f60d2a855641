/**
 * Writes the operations table of docs/scenario-language.md from the
 * engine's operation table (src/sim/operations.ts) that the validator and
 * the explorer read too, between the
 * `<!-- ops:begin -->` and `<!-- ops:end -->` markers. `--check` exits 1 when
 * the document is out of date (the test suite runs that).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { signatureText } from '../src/scenario/ops.ts';
import { SECTION_TITLES, type OpSection } from '../src/sim/operation.ts';
import { OPERATIONS } from '../src/sim/operations.ts';

const DOC = new URL('../docs/scenario-language.md', import.meta.url);
export function opsSection(): string {
  const bySection = new Map<OpSection, string[]>();
  for (const sig of OPERATIONS.values()) {
    const rows = bySection.get(sig.section) ?? [];
    rows.push(`| \`${signatureText(sig).replace(/\|/g, '\\|')}\` | ${sig.doc} |`);
    bySection.set(sig.section, rows);
  }
  const out: string[] = [];
  for (const [section, rows] of bySection) {
    out.push(`### ${SECTION_TITLES[section]}`, '', '| statement | what it does |', '|---|---|', ...rows, '');
  }
  return out.join('\n');
}

export function renderDoc(doc: string): string {
  const begin = '<!-- ops:begin -->';
  const end = '<!-- ops:end -->';
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error('docs/scenario-language.md lacks the ops markers');
  return doc.slice(0, a + begin.length) + '\n' + opsSection() + doc.slice(b);
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const doc = readFileSync(DOC, 'utf8');
  const next = renderDoc(doc);
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      console.error('docs/scenario-language.md is out of date: run `npx tsx scripts/ops-reference.ts`');
      process.exit(1);
    }
  } else writeFileSync(DOC, next);
}
