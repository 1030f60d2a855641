/**
 * parseScenario keeps the steps' lines, not their statements, and reads the
 * statements back when the body or the document is first asked for
 * (KeptLines in src/scenario/parser.ts). The statements read back must be the
 * ones the parse validated: over every library scenario and lesson, and over
 * generated scenarios, the body equals the steps scanScenario hands out (the
 * statements as the parse first built them), the document's statement lines
 * hold the body's very commands, in order, with the trailing comment the
 * line lexer (lexLine) finds on that line alone, and a document asked for
 * first gives the same body.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lexLine, splitLines } from '../../src/scenario/lexer.ts';
import { parseScenario, scanScenario } from '../../src/scenario/parser.ts';
import type { Scenario } from '../../src/scenario/parser.ts';
import type { Command } from '../../src/sim/command.ts';
import { HEADER_OPS } from '../../src/sim/operations.ts';
import { isTeachingStatement } from '../../src/scenario/teaching.ts';
import { scenarioText } from './gen.ts';
import { HEAD, scenarioFiles } from './helpers.ts';

/** The steps as the parse first built them (scanScenario hands each out as it is validated). */
function scannedSteps(text: string): Command[] {
  const it = scanScenario(text);
  const steps: Command[] = [];
  for (let r = it.next(); !r.done; r = it.next()) steps.push(r.value.cmd);
  return steps;
}

function parsed(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(`${r.errors[0]!.line}:${r.errors[0]!.col}: ${r.errors[0]!.message}`);
  return r.scenario;
}

/** Everything said above, for one text that parses. */
function checkKept(text: string): void {
  const bodyFirst = parsed(text);
  const docFirst = parsed(text);
  const doc = docFirst.doc;
  expect(bodyFirst.body).toEqual(scannedSteps(text));
  expect(docFirst.body).toEqual(bodyFirst.body);
  expect(bodyFirst.doc).toEqual(doc);
  // Asked twice, the same objects.
  expect(docFirst.body).toBe(docFirst.body);
  expect(bodyFirst.doc).toBe(bodyFirst.doc);
  const lines = splitLines(text);
  const header = new Set(docFirst.header);
  let k = 0;
  for (const l of doc.lines) {
    if (l.kind !== 'stmt') continue;
    const line = lines[l.cmd.loc.line - 1]!;
    expect(l.comment).toBe(lexLine(line, l.cmd.loc.line).comment);
    expect(l.cmd.source).toBe(line.slice(l.cmd.loc.col - 1, l.cmd.loc.col - 1 + l.cmd.source.length));
    if (HEADER_OPS.has(l.cmd.op)) expect(header.has(l.cmd)).toBe(true);
    if (HEADER_OPS.has(l.cmd.op) || isTeachingStatement(l.cmd.op)) continue;
    expect(l.cmd).toBe(docFirst.body[k++]);
  }
  expect(k).toBe(docFirst.body.length);
}

describe('the steps parseScenario reads back from their lines', () => {
  it.each(scenarioFiles())('%s: are the statements the parse validated, in the body and the document', (file) => {
    checkKept(readFileSync(file, 'utf8'));
  });

  it('on generated scenarios', () => {
    fc.assert(
      fc.property(scenarioText, (text) => {
        if (parseScenario(text).ok) checkKept(text);
      }),
      { numRuns: 150 },
    );
  });

  it('across \\n, \\r\\n and \\r line ends, with a # inside a string and trailing space', () => {
    const text = `${HEAD}a = kmalloc(64, GFP_KERNEL)\r\ncpu_write(a, "#1 # no comment")   # written \t \rkfree(a)//gone\n\n\n`;
    checkKept(text);
    const s = parsed(text);
    expect(s.doc.lines.slice(-3).map((l) => (l.kind === 'stmt' ? [l.cmd.op, l.comment] : l.kind))).toEqual([
      ['kmalloc', null],
      ['cpu_write', '# written'],
      ['kfree', '//gone'],
    ]);
  });

  it('a scenario spread or copied carries its body and document as values', () => {
    const s = parsed(`${HEAD}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\n`);
    const copy = { ...s };
    expect(Object.getOwnPropertyDescriptor(copy, 'body')?.value).toEqual(s.body);
    expect(structuredClone(s).doc).toEqual(s.doc);
  });
});
