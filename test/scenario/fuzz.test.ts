/**
 * Fuzzing the parser: random text and random mutations of valid scenarios
 * give either a scenario or errors with sane positions, never an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../src/scenario/lexer.ts';
import { parseScenario } from '../../src/scenario/parser.ts';
import { printScenario } from '../../src/scenario/printer.ts';
import { scenarioText } from './gen.ts';

/** Parse, and check the result is well formed (errors point inside the text; no internal error). */
function checkParse(text: string): void {
  const r = parseScenario(text);
  if (r.ok) {
    // Whatever parses must also print and re-parse.
    const again = parseScenario(printScenario(r.scenario.doc));
    expect(again.ok).toBe(true);
    return;
  }
  const lines = splitLines(text);
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(e.message).not.toMatch(/internal parser error/);
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines.length);
    expect(e.col).toBeGreaterThanOrEqual(1);
    expect(e.col).toBeLessThanOrEqual(lines[e.line - 1]!.length + 1);
  }
}

const ALPHABET = [
  ...'abcxyz_019AZ (),=+-|>"#/\\\n\t .\'@;',
  'x"', '=>', '0x', '0b', 'K', 'M', 'G', 'fill(', 'kmalloc(', 'device(', 'machine(', 'nic', 'buf', '\\x', 'é', '😀', '\uD800',
  'DMA_TO_DEVICE', 'GFP_KERNEL', 'ok', 'warning', 'EBUSY', 'NULL', 'at=',
];

type Mutation = { at: number; kind: number; text: string; len: number };

function mutate(text: string, muts: Mutation[]): string {
  let t = text;
  for (const m of muts) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    switch (m.kind % 5) {
      case 0: // delete a range
        t = t.slice(0, at) + t.slice(at + (m.len % 8) + 1);
        break;
      case 1: // insert a token-ish piece
        t = t.slice(0, at) + m.text + t.slice(at);
        break;
      case 2: // replace one character
        t = t.slice(0, at) + m.text + t.slice(at + 1);
        break;
      case 3: {
        // duplicate or drop a line
        const lines = t.split('\n');
        const i = at % Math.max(1, lines.length);
        if (m.len % 2) lines.splice(i, 0, lines[i] ?? '');
        else lines.splice(i, 1);
        t = lines.join('\n');
        break;
      }
      default: {
        // swap two lines
        const lines = t.split('\n');
        const i = at % Math.max(1, lines.length);
        const j = m.len % Math.max(1, lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        t = lines.join('\n');
      }
    }
  }
  return t;
}

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.nat(),
  text: fc.constantFrom(...ALPHABET),
  len: fc.nat(),
});

describe('parser fuzz', () => {
  it('random strings never throw', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkParse), { numRuns: 500 });
  });

  it('random token soup never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }).map((xs) => xs.join('')), checkParse),
      { numRuns: 1000 },
    );
  });

  it('random mutations of valid scenarios never throw', () => {
    fc.assert(
      fc.property(scenarioText, fc.array(mutation, { minLength: 1, maxLength: 4 }), (text, muts) => checkParse(mutate(text, muts))),
      { numRuns: 500 },
    );
  });

  it('huge inputs are refused cleanly', () => {
    checkParse(`device(nic)\nb = kmalloc(4K, GFP_KERNEL)\ncpu_write(b, fill(0, 16M) + fill(0, 16M))\n`);
    checkParse('x'.repeat(100_000));
    checkParse('kfree(a)\n'.repeat(5000));
  });
});
