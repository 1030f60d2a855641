/**
 * The CLI: exit codes (0 all checks passed, 1 a check failed, 2 unreadable or
 * unparsable file / bad command line), FILE:LINE:COL errors, --json, --help.
 * A few cases spawn the real process; the rest call main() in-process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, parseArgs } from '../../src/cli/main.ts';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

const GOOD = `machine(arch=x86, ram=8G, swiotlb=4M)
device(nic, dma_mask=32)

buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "hello")
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)                => 0
dev_read(nic, h, 5)                      => "hello"
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE) => ok
`;

let dir: string;
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dma-cli-'));
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

function spawn(...argv: string[]) {
  const r = spawnSync(TSX, ['src/cli/main.ts', ...argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('parseArgs', () => {
  it('reads run FILE and the flags, in any order', () => {
    expect(parseArgs(['run', 'a.dma', '--json', '--arch', 'riscv', '--kernel=5.15'])).toEqual({
      kind: 'run',
      args: { file: 'a.dma', json: true, textUntil: null, events: true, checkIova: false, solution: false, overrides: { arch: 'riscv', kernel: '5.15' } },
    });
    expect(parseArgs(['run', 'hunt.dma', '--solution'])).toMatchObject({ kind: 'run', args: { file: 'hunt.dma', solution: true } });
    expect(parseArgs(['run', '--arch=arm', 'a.dma'])).toMatchObject({ kind: 'run', args: { file: 'a.dma', overrides: { arch: 'arm' } } });
  });

  it('help', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['run', 'x', '-h'])).toEqual({ kind: 'help' });
  });

  it('usage errors', () => {
    expect(parseArgs([])).toMatchObject({ kind: 'usage', message: expect.stringContaining('missing command') });
    expect(parseArgs(['frob'])).toMatchObject({ kind: 'usage', message: "unknown command 'frob' (expected: run FILE, import FILE or explain FILE)" });
    expect(parseArgs(['run'])).toMatchObject({ kind: 'usage', message: expect.stringContaining('missing FILE') });
    expect(parseArgs(['run', 'a', '--frob'])).toMatchObject({ kind: 'usage', message: "unknown option '--frob'" });
    expect(parseArgs(['run', 'a', 'b'])).toMatchObject({ kind: 'usage', message: expect.stringContaining("unexpected argument 'b'") });
    expect(parseArgs(['run', 'a', '--arch'])).toMatchObject({ kind: 'usage', message: '--arch needs a value' });
    expect(parseArgs(['run', 'a', '--arch', 'mips'])).toMatchObject({ kind: 'usage', message: expect.stringContaining("unknown arch 'mips'") });
    expect(parseArgs(['run', 'a', '--kernel', '7.0'])).toMatchObject({ kind: 'usage', message: expect.stringContaining('between 4.4 and 6.18') });
    expect(parseArgs(['run', 'a', '--kernel', 'latest'])).toMatchObject({ kind: 'usage', message: expect.stringContaining('MAJOR.MINOR') });
  });
});

describe('main (exit 2 without running anything)', () => {
  it('--help exits 0 with the usage', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: dma-explorer run FILE');
  });

  it('a missing file', async () => {
    const r = await run('run', join(dir, 'nope.dma'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('nope.dma: no such file');
  });

  it('a directory', async () => {
    expect((await run('run', dir)).code).toBe(2);
  });

  it('a file over the input budget (192 MiB) is refused before it is read, saying how to cut it', async () => {
    // Sparse: no disk is spent on it.
    const big = join(dir, 'big.trace');
    writeFileSync(big, '');
    truncateSync(big, 193 * 2 ** 20);
    for (const cmd of ['import', 'explain', 'run']) {
      const r = await run(cmd, big);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(`error: ${big} is 193 MiB: the explorer opens at most 192 MiB (a kernel trace of about 1,300,000 lines, more steps than a run may have). Open a part of it, e.g. the first million lines: head -n 1000000 FILE > part.trace\n`);
    }
  });

  it('parse errors as FILE:LINE:COL: message, nothing on stdout', async () => {
    const p = file('bad.dma', 'device(nic)\nbuf = kmalloc(4096, GFP_KERNEL)\nh = dma_map_singel(nic, buf, 4096, DMA_TO_DEVICE)\nkfree(buf2)\n');
    const r = await run('run', p);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${p}:3:5: unknown operation 'dma_map_singel' (did you mean dma_map_single?)`,
      `${p}:4:7: 'buf2' is not defined (assign it first: buf2 = kmalloc(...); did you mean buf?)`,
    ]);
  });

  it('parse errors with --json also print the JSON', async () => {
    const p = file('bad2.dma', 'kfree(x)\n');
    const r = await run('run', p, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, steps: [], errors: [{ line: 1, col: 7 }] });
  });

  it('unknown flags', async () => {
    const r = await run('run', 'x.dma', '--colour');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--colour'");
    expect(r.err).toContain('usage:');
  });
});

describe('main (runs the engine)', () => {
  it('exit 0 when every check passes, with a summary line', async () => {
    const r = await run('run', file('good.dma', GOOD));
    expect(r.code).toBe(0);
    expect(r.out).toContain('L6  h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)');
    expect(r.out).toContain('✓ => "hello"');
    expect(r.out.trimEnd().split('\n').pop()).toBe('checks: 3 passed, 0 failed');
    expect(r.out).not.toContain('\x1b[');
  });

  it('exit 1 when a check fails', async () => {
    const r = await run('run', file('fail.dma', GOOD.replace('=> "hello"', '=> "hellp"')));
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ => "hellp" (got "hello")');
    expect(r.out.trimEnd().split('\n').pop()).toBe('checks: 2 passed, 1 failed');
  });

  it('--json prints the runner JSON', async () => {
    const r = await run('run', file('good2.dma', GOOD), '--json', '--arch', 'arm64');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, checks: { passed: 3, failed: 0 }, errors: [], config: { arch: 'arm64' } });
    expect(j.steps[4]).toMatchObject({ line: 8, source: 'dev_read(nic, h, 5)', data: { hex: '68656c6c6f', text: 'hello' }, error: null });
  });
});

describe('the real process', () => {
  it('exit 2 on a parse error, stderr FILE:LINE:COL', () => {
    const p = file('p.dma', 'device(nic, dma_mak=32)\n');
    const r = spawn('run', p);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${p}:1:13: unknown key 'dma_mak' for device`);
  });

  it('exit 2 on a bad command line', () => {
    expect(spawn('run').code).toBe(2);
  });

  it('exit 0 and 1 from the checks', () => {
    expect(spawn('run', file('g.dma', GOOD)).code).toBe(0);
    const failing = spawn('run', file('f.dma', GOOD.replace('=> 0', '=> 1')), '--json');
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.out).checks).toEqual({ passed: 2, failed: 1 });
  });
});

describe('import FILE, and run FILE with a trace', () => {
  const FIX = resolve(__dirname, '../fixtures');

  it('parseArgs: import with --check-iova; run does not take it', () => {
    expect(parseArgs(['import', 't.trace', '--check-iova', '--kernel', '6.13'])).toEqual({
      kind: 'import',
      args: { file: 't.trace', json: false, textUntil: null, events: true, checkIova: true, solution: false, overrides: { kernel: '6.13' } },
    });
    expect(parseArgs(['run', 't.trace', '--check-iova'])).toMatchObject({ kind: 'usage', message: "unknown option '--check-iova'" });
    expect(parseArgs(['import'])).toMatchObject({ kind: 'usage', message: 'missing FILE (import FILE)' });
  });

  it('import prints the scenario; what it read and each problem (FILE:LINE) go to stderr', async () => {
    const f = join(FIX, 'trace/bad-input.trace');
    const r = await run('import', f, '--arch', 'riscv');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^machine\(arch=riscv, kernel="6\.17", ram=8G, imported=true\)/m);
    expect(r.err).toContain(`${f}: Read 4 dma events from 22 lines`);
    expect(r.err).toContain(`${f}:15: dma_map_page: garbled dma_addr '8c1z5000' (hexadecimal expected); the event is skipped`);
  });

  it('import of text that holds nothing it can read exits 2', async () => {
    const r = await run('import', file('prose.txt', 'Dear diary,\ntoday the DMA engine ate my buffer.\n'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(":1: not a trace event line: 'Dear diary,'");
  });

  it('run takes a trace as it is (recognised by its text) and replays it', async () => {
    const r = await run('run', join(FIX, 'trace/6.13-nvme-eth.trace'), '--no-events');
    expect(r.code).toBe(0);
    expect(r.err).toContain('Read 16 dma events');
    expect(r.out).toContain('warning: DMA-API: fe300000_ethernet fe300000.ethernet: device driver tries to sync DMA memory it has not allocated');
  });

  it('run of a trace with a check the model fails: the kernel’s answer against the model’s', async () => {
    const r = await run('import', join(FIX, 'trace/6.12-iommu.trace-cmd'), '--check-iova');
    const out = await run('run', file('iova.dma', r.out), '--no-events');
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/✗ kernel returned 0xfffdc000, the model 0x[0-9a-f]+/);
  });

  it('run takes a dma-debug dump too', async () => {
    const r = await run('run', join(FIX, 'dump/6.13-debugfs.dump'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, checks: { failed: 0 } });
  });
});

describe('explain FILE', () => {
  const FIX = join(ROOT, 'test/fixtures/dmesg');
  it('parseArgs: explain with --json and --all; --arch is not its option', () => {
    expect(parseArgs(['explain', 'x.log', '--json', '--all'])).toMatchObject({ kind: 'explain', args: { file: 'x.log', json: true, all: true } });
    expect(parseArgs(['explain', 'x.log', '--arch', 'x86'])).toMatchObject({ kind: 'usage' });
    expect(parseArgs(['run', 'x.dma', '--all'])).toMatchObject({ kind: 'usage' });
  });

  it('names the function, file, why, fields, the driver frame and the reproducing lesson; exit 0', async () => {
    const r = await run('explain', join(FIX, 'dma-debug/unmap-size.6.1.log'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 kernel message explained');
    expect(r.out).toContain('dma-debug.unmap-size (WARN block, lines 2–');
    expect(r.out).toContain('printed by check_unmap() in kernel/dma/debug.c');
    expect(r.out).toContain('fields: driver e1000e · device 0000:00:19.0 · address 0x00000000fffff000 · map size 2048 · unmap size 64');
    expect(r.out).toContain('fired at: kernel/dma/debug.c:1024 check_unmap()');
    expect(r.out).toContain('called from: e1000_clean_rx_irq() [e1000e]');
    expect(r.out).toContain('mapped at: e1000_alloc_rx_buffers() [e1000e]');
    expect(r.out).toMatch(/lesson “[^”]+”: npm run -s cli -- run src\/scenario\/lessons\/debug\/02-unmap-what-you-mapped\.dma/);
    expect(r.out).toMatch(/not recognised \(2 lines; never guessed at\)/);
  });

  it('--json: findings with their reproducers (and the kernel to run them as)', async () => {
    const r = await run('explain', join(FIX, 'swiotlb-full.5.15.log'), '--json');
    const j = JSON.parse(r.out) as { findings: number; items: Array<{ kind: string; entries?: Array<{ id: string }>; reproducers?: Array<{ id: string; file: string; kernel: string | null }> }> };
    expect(j.findings).toBe(2);
    const f = j.items.find((i) => i.kind === 'finding')!;
    expect(f.entries![0]!.id).toBe('swiotlb.full');
    expect(f.reproducers!.map((x) => x.id)).toContain('bounce/02-the-pool-is-finite');
  });

  it('a log with no DMA message exits 1 and says so; an unreadable file exits 2', async () => {
    const r = await run('explain', file('boot.log', '[    0.000000] Booting Linux on physical CPU 0x0\n'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('No kernel DMA message the explorer knows is in this text.');
    expect((await run('explain', join(dir, 'nope.log'))).code).toBe(2);
  });
});
