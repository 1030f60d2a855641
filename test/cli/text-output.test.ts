/**
 * The plain-text summary for an email (`run FILE --text-until N`, the same
 * text as the explorer's "Copy as text"): a golden file for one library
 * scenario stopped at its IOMMU fault (kernel log lines, observations and
 * checks of the steps up to it, nothing after), and the layout rules it
 * promises: prose within 72 columns, statements and kernel lines as written.
 * `UPDATE_GOLDEN=1 npx vitest run test/cli/text-output.test.ts` rewrites the
 * golden file after a deliberate change; review its diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MAIL_WIDTH, formatMailText, wrap } from '../../src/scenario/mail-text.ts';
import { runScenario } from '../../src/scenario/run.ts';

const SCENARIO = 'src/scenario/library/iommu-lazy-stale-iotlb.dma';
const GOLDEN = new URL('../fixtures/text/iommu-lazy-stale-iotlb.until-15.txt', import.meta.url);

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

describe('run FILE --text-until N', () => {
  it('prints the golden summary up to the fault step', async () => {
    const r = await cli('run', SCENARIO, '--text-until', '15');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, r.out);
    expect(r.out).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('stops at step N: later steps and their kernel lines are not in it', async () => {
    const r = await cli('run', SCENARIO, '--text-until', '14');
    expect(r.out).toContain(' 14. dev_read(nic, h, 8)');
    expect(r.out).toContain('observed: stale IOTLB hit');
    expect(r.out).not.toContain(' 15. ');
    expect(r.out).not.toContain('Unhandled context fault: fsr=0x2, iova=0xffffe000, fsynr');
    expect(r.out).toContain('Steps 1-14 of 19:');
  });

  it('keeps prose within 72 columns and quotes code and kernel lines whole', async () => {
    const text = readFileSync(SCENARIO, 'utf8');
    const out = formatMailText(runScenario(text), { text, link: 'https://example.org/dma/#s=1.abc&step=19' });
    for (const line of out.split('\n')) {
      const quoted = /^ {4}\S/.test(line) || /^ {5}(kernel|check)/.test(line) || /^ {0,2}\d+\. /.test(line) || line.startsWith('https://');
      if (!quoted) expect(line.length, line).toBeLessThanOrEqual(MAIL_WIDTH);
    }
    expect(out.trimEnd().endsWith('https://example.org/dma/#s=1.abc&step=19')).toBe(true);
    expect(out).toContain('    dev_read(nic, h2, 8)                     => FAULT => warning "Unhandled context fault: fsr=0x2, iova=0xffffe000"');
  });

  it('wraps words, never cutting one', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const lines = wrap(words, '  ', '    ');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAIL_WIDTH);
    expect(lines.join(' ').split(/\s+/).filter(Boolean).join(' ')).toBe(words);
    expect(wrap('x'.repeat(100), '')).toEqual(['x'.repeat(100)]);
  });

  it('refuses --json with --text, and a bad step number', async () => {
    expect((await cli('run', SCENARIO, '--json', '--text')).code).toBe(2);
    const r = await cli('run', SCENARIO, '--text-until', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--text-until needs a step number');
  });
});
