/**
 * The hostile-input corpus through the real CLI process, with the V8 heap
 * capped at 1 GiB: every case ends with a clear answer (exit 0, 1 or 2, the
 * expected message), within time, under 1 GiB resident (measured by
 * /usr/bin/time where it exists), and nothing raw reaches the terminal
 * (no control character but the line break, no bidi override or isolate).
 *
 * Each corpus file says what it expects on its first `# expect: CODE REGEX`
 * line. Cases too big to keep as files are generated here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CORPUS = join(__dirname, 'corpus');
const TIME = '/usr/bin/time';
const GiB = 1024 * 1024 * 1024;
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Outcome {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
  rssBytes: number | null;
  ms: number;
}

function runCli(file: string): Outcome {
  const node = [process.execPath, '--max-old-space-size=1024', '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', file];
  const timed = existsSync(TIME);
  const t0 = Date.now();
  const r = spawnSync(timed ? TIME : node[0]!, timed ? ['-f', '@@rss=%M', ...node] : node.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  let err = r.stderr ?? '';
  let rssBytes: number | null = null;
  const m = /@@rss=(\d+)\s*$/.exec(err);
  if (m) {
    rssBytes = Number(m[1]) * 1024;
    err = err.slice(0, m.index).replace(/Command exited with non-zero status \d+\n$/, '');
  }
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err, rssBytes, ms: Date.now() - t0 };
}

function expectClearAnswer(r: Outcome, code: number, message: RegExp): void {
  expect(r.signal, 'not killed').toBeNull();
  expect(r.code, r.err.slice(0, 2000)).toBe(code);
  expect(`${r.out}\n${r.err}`).toMatch(message);
  expect(RAW.test(r.out), 'raw control character on stdout').toBe(false);
  expect(RAW.test(r.err), 'raw control character on stderr').toBe(false);
  expect(r.err).not.toMatch(/internal error|heap out of memory|Maximum call stack/);
  if (r.rssBytes !== null) expect(r.rssBytes).toBeLessThan(GiB);
}

const files = readdirSync(CORPUS).filter((f) => f.endsWith('.dma'));

describe('hostile corpus through the CLI (heap capped at 1 GiB)', () => {
  for (const f of files) {
    const text = readFileSync(join(CORPUS, f), 'utf8');
    const m = /^# expect: (\d) (.*)$/m.exec(text);
    it(`${f}: ${m ? `exit ${m[1]}, /${m[2]}/` : 'has an expectation'}`, () => {
      expect(m).not.toBeNull();
      expectClearAnswer(runCli(join(CORPUS, f)), Number(m![1]), new RegExp(m![2]!));
    }, 130_000);
  }
});

describe('hostile inputs too big to keep as files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dma-hostile-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('300 writes of fill(0x55, 1M) (a 9 KB file asking for 300 MiB of literals): refused at the literal past 64 MiB', () => {
    const text = `machine(arch=arm64)\np = vmalloc(1M)\n${'cpu_write(p, fill(0x55, 1M))\n'.repeat(300)}`;
    expect(text.length).toBeLessThan(10_000);
    expectClearAnswer(runCli(file('fills.dma', text)), 2, /:67:14: the scenario's bytes literals hold more than 64 MiB together/);
  }, 130_000);

  it('50 MB of udelay(1): refused before parsing (more than 2,097,152 lines)', () => {
    const text = `machine(arch=arm64)\n${'udelay(1)\n'.repeat(5_000_000)}`;
    expectClearAnswer(runCli(file('udelay.dma', text)), 2, /:2097153:1: the scenario has 5,000,002 lines/);
  }, 130_000);

  it('1,100,000 statements: refused at the first statement past 1,048,576', () => {
    const text = `machine(arch=arm64)\n${'udelay(1)\n'.repeat(1_100_000)}`;
    expectClearAnswer(runCli(file('statements.dma', text)), 2, /:1048577:1: more than 1,048,576 statements/);
  }, 130_000);

  it('three million blank lines: refused before parsing', () => {
    expectClearAnswer(runCli(file('lines.dma', `machine(arch=arm64)${'\n'.repeat(3_000_000)}`)), 2, /:2097153:1: the scenario has 3,000,001 lines/);
  }, 130_000);

  it('one line of five million characters: refused at its line', () => {
    expectClearAnswer(runCli(file('long-line.dma', `machine(arch=arm64)\n# ${'x'.repeat(5_000_000)}\n`)), 2, /:2:1: line of 5,000,002 characters/);
  }, 130_000);
});
