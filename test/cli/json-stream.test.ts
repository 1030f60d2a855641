/**
 * The CLI's --json output is streamed (printJson: the steps printed as a
 * second run reaches them, so a 1,000,000-step run does not hold every step's
 * record at once) and must stay byte for byte what `JSON.stringify(result,
 * null, 2)` of the whole run gives — the runner JSON of SCENARIO-LANGUAGE.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printJson } from '../../src/cli/main.ts';
import { runScenario } from '../../src/scenario/run.ts';

const LIB = join(import.meta.dirname, '../../src/scenario/library');

function streamed(text: string): { out: string; writes: number } {
  const head = runScenario(text, { keepSteps: false });
  const chunks: string[] = [];
  printJson(head, (onStep) => runScenario(text, { keepSteps: false, onStep }), { out: (s) => chunks.push(s) });
  return { out: chunks.join(''), writes: chunks.length };
}

describe('--json streamed', () => {
  it('is byte-identical to the whole run stringified, for every library scenario', () => {
    const files = readdirSync(LIB).filter((f) => f.endsWith('.dma'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(join(LIB, f), 'utf8');
      expect(streamed(text).out, f).toBe(`${JSON.stringify(runScenario(text), null, 2)}\n`);
    }
  });

  it('a run with no step prints an empty list, as JSON.stringify does', () => {
    const text = 'machine(arch=arm64)\ndevice(dev, dma_mask=32)\n';
    expect(streamed(text).out).toBe(`${JSON.stringify(runScenario(text), null, 2)}\n`);
  });

  it('a long run is written in pieces, not held whole', () => {
    const text = ['machine(arch=x86)', 'device(dev, dma_mask=64)', 'b = kmalloc(64, GFP_KERNEL)'].concat(Array.from({ length: 10_000 }, () => 'cpu_write(b, "x")')).join('\n');
    const r = streamed(text);
    expect(r.writes).toBeGreaterThan(1);
    expect(r.out).toBe(`${JSON.stringify(runScenario(text), null, 2)}\n`);
  });
});
