/**
 * The CLI's plain-text summary (`run FILE --text`, `--text-until N`) is
 * printed as the steps run (printMailText: a scan counts the steps, one run
 * prints them, no record kept), so a 1,000,000-step run does not hold every
 * step's record at once; it must stay byte for byte formatMailText of the
 * whole run — the text the explorer's "Copy as text" gives.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { formatMailText } from '../../src/scenario/mail-text.ts';
import { runScenario } from '../../src/scenario/run.ts';

const LIB = join(import.meta.dirname, '../../src/scenario/library');
const DIR = mkdtempSync(join(tmpdir(), 'text-stream-'));

async function cli(file: string, ...flags: string[]): Promise<{ code: number; out: string; writes: number; err: string }> {
  const chunks: string[] = [];
  let err = '';
  const code = await main(['run', file, ...flags], { out: (s) => chunks.push(s), err: (s) => (err += s), color: false });
  return { code, out: chunks.join(''), writes: chunks.length, err };
}

function fileOf(name: string, text: string): string {
  const f = join(DIR, name);
  writeFileSync(f, text);
  return f;
}

describe('--text streamed', () => {
  it('is byte-identical to formatMailText of the whole run, for every library scenario, whole and stopped early', async () => {
    const files = readdirSync(LIB).filter((f) => f.endsWith('.dma'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(join(LIB, f), 'utf8');
      const whole = runScenario(text);
      const r = await cli(join(LIB, f), '--text');
      expect(r.out, f).toBe(formatMailText(whole, { text }));
      expect(r.code, f).toBe(whole.ok ? 0 : 1);
      for (const n of [0, 1, Math.floor(whole.steps.length / 2), whole.steps.length + 5]) {
        expect((await cli(join(LIB, f), '--text-until', String(n))).out, `${f} until ${n}`).toBe(formatMailText(whole, { text, upTo: n }));
      }
    }
  });

  it('a run with no step prints "Steps 1-0 (all)", as the whole run gives (the opening lines wait for a first step that never comes)', async () => {
    const text = '# Only a machine.\nmachine(arch=arm64)\ndevice(dev, dma_mask=32)\n';
    const whole = runScenario(text);
    expect(whole.steps).toHaveLength(0);
    const r = await cli(fileOf('nostep.dma', text), '--text');
    expect(r.out).toContain('Steps 1-0 (all):\n    (none yet: the machine is built)');
    expect(r.out).toBe(formatMailText(whole, { text }));
  });

  it('a text that does not parse prints nothing and exits 2', async () => {
    const r = await cli(fileOf('bad.dma', 'machine(arch=arm64)\nb = kmalloc(\n'), '--text');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/bad\.dma:\d+:\d+: /);
  });

  it('a long run is written in pieces, not held whole', async () => {
    const text = ['# A long run.', 'machine(arch=x86)', 'device(dev, dma_mask=64)', 'b = kmalloc(64, GFP_KERNEL)'].concat(Array.from({ length: 10_000 }, () => 'cpu_write(b, "x") => ok')).join('\n');
    const r = await cli(fileOf('long.dma', text), '--text');
    expect(r.writes).toBeGreaterThan(2);
    expect(r.out).toBe(formatMailText(runScenario(text), { text }));
    expect(r.out).toContain('Checks so far: 10000 passed, 0 failed.');
  });
});
