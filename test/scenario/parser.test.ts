/** Parser: statements → Commands, the ScenarioDoc, and syntax errors with line:col. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/parser.ts';
import { HEAD, errors, expectError, ok } from './helpers.ts';

const EXAMPLE = `# A 32-bit device reads a buffer that sits above 4 GiB: swiotlb bounces it.
machine(arch=x86, ram=8G, swiotlb=4M)
device(nic, dma_mask=32)

buf = kmalloc(4096, GFP_KERNEL)          # the allocator hands out high memory first
cpu_write(buf, "hello")
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)                => 0
dev_read(nic, h, 5)                      => "hello"
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE) => ok
`;

describe('parseScenario: the contract example', () => {
  const s = ok(EXAMPLE);

  it('splits header and body', () => {
    expect(s.header.map((c) => c.op)).toEqual(['machine', 'device']);
    expect(s.body.map((c) => c.op)).toEqual([
      'kmalloc', 'cpu_write', 'dma_map_single', 'dma_mapping_error', 'dev_read', 'dma_unmap_single',
    ]);
  });

  it('builds the machine config', () => {
    expect(s.config).toMatchObject({ arch: 'x86', ram: 8 * 1024 ** 3, swiotlb: 4 * 1024 ** 2, kernel: '6.18' });
    expect(s.config.devices).toEqual([expect.objectContaining({ name: 'nic', dmaMask: 32, coherent: false, iommu: null })]);
  });

  it('records locations and source text', () => {
    const map = s.body[2]!;
    expect(map.loc).toEqual({ line: 7, col: 1 });
    expect(map.source).toBe('h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)');
    expect(map.targets).toEqual(['h']);
    expect(map.args[1]).toEqual({ k: 'name', name: 'buf', loc: { line: 7, col: 25 } });
    expect(map.args[2]).toEqual({ k: 'int', value: 4096, raw: '4096', loc: { line: 7, col: 30 } });
    const read = s.body[4]!;
    expect(read.source).toBe('dev_read(nic, h, 5)');
    expect(read.checks).toEqual([
      { k: 'bytes', bytes: new TextEncoder().encode('hello'), expr: expect.objectContaining({ k: 'str', text: 'hello' }), loc: { line: 9, col: 45 } },
    ]);
  });

  it('keeps comments and blank lines in the doc', () => {
    expect(s.doc.lines.map((l) => l.kind)).toEqual([
      'comment', 'stmt', 'stmt', 'blank', 'stmt', 'stmt', 'stmt', 'stmt', 'stmt', 'stmt',
    ]);
    expect(s.doc.lines[4]).toMatchObject({ kind: 'stmt', comment: '# the allocator hands out high memory first' });
  });
});

describe('expressions', () => {
  const body = (line: string) => ok(`${HEAD}buf = kmalloc(8K, GFP_KERNEL)\nh = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)\n${line}\n`).body[2]!;

  it('offsets: name + int and name - int', () => {
    expect(body('cpu_write(buf + 0x10, "a")').args[0]).toMatchObject({ k: 'offset', name: 'buf', offset: 16, raw: '0x10' });
    expect(body('dev_read(nic, h - 4, 4)').args[1]).toMatchObject({ k: 'offset', name: 'h', offset: -4, raw: '4' });
  });

  it('flags joined with |', () => {
    const e = body('p = kmalloc(64, GFP_KERNEL | __GFP_ZERO|__GFP_NOWARN)').args[1]!;
    expect(e.k).toBe('flags');
    expect(e.k === 'flags' && e.items.map((i) => (i.k === 'name' ? i.name : '?'))).toEqual(['GFP_KERNEL', '__GFP_ZERO', '__GFP_NOWARN']);
  });

  it('bytes: hex, fill and + joins', () => {
    const e = body('cpu_write(buf, "ab" + x"00 ff" + fill(0x55, 3))').args[1]!;
    expect(e.k).toBe('bytes');
    if (e.k !== 'bytes') return;
    expect(Array.from(e.bytes)).toEqual([0x61, 0x62, 0, 0xff, 0x55, 0x55, 0x55]);
    expect(e.parts).toEqual([{ k: 'str', text: 'ab' }, { k: 'hex', hex: '00ff' }, { k: 'fill', byte: 0x55, count: 3 }]);
  });

  it('a string alone is a str expression with its bytes', () => {
    const e = body('cpu_write(buf, "é\\x01")').args[1]!;
    expect(e).toMatchObject({ k: 'str', text: 'é\u0001' });
    expect(e.k === 'str' && Array.from(e.bytes)).toEqual([0xc3, 0xa9, 1]);
  });

  it('key=value options after positional arguments', () => {
    const c = body('p = kmalloc(4K, GFP_KERNEL, at=0x8000_0000)');
    expect(c.kwargs).toEqual([{ key: 'at', value: expect.objectContaining({ k: 'int', value: 0x8000_0000 }), loc: { line: 4, col: 29 } }]);
  });

  it('two targets', () => {
    expect(body('cpu, dma = dma_alloc_coherent(nic, 4K)').targets).toEqual(['cpu', 'dma']);
  });

  it('several checks on one statement', () => {
    const c = body('dev_read(nic, h, 2) => "hi" => warning "DMA-API" => x"6869"');
    expect(c.checks.map((k) => k.k)).toEqual(['bytes', 'warning', 'bytes']);
    expect(c.checks[1]).toMatchObject({ k: 'warning', text: 'DMA-API' });
  });

  it('error checks: listed names, any errno, DMA_MAPPING_ERROR, NULL, FAULT', () => {
    for (const n of ['EBUSY', 'ENOMEM', 'EINVAL', 'EIO', 'EEXIST', 'EDEADLK', 'E2BIG', 'DMA_MAPPING_ERROR', 'FAULT']) {
      expect(body(`dma_map_single(nic, buf, 4096, DMA_TO_DEVICE) => ${n}`).checks[0]).toMatchObject({ k: 'error', name: n });
    }
    expect(body('p = kmalloc(4096, GFP_KERNEL) => NULL').checks[0]).toMatchObject({ k: 'error', name: 'NULL' });
  });

  it('int checks keep their raw text', () => {
    expect(body('dma_map_single(nic, buf, 4096, DMA_TO_DEVICE) => 0xffff_f000').checks[0]).toMatchObject({ k: 'int', value: 0xfffff000, raw: '0xffff_f000' });
  });

  it('DMA_NONE is accepted (the engine reports the BUG)', () => {
    expect(body('dma_map_single(nic, buf, 4096, DMA_NONE)').args[3]).toMatchObject({ k: 'name', name: 'DMA_NONE' });
  });
});

describe('syntax errors carry line:col and say what was expected', () => {
  const pre = `${HEAD}buf = kmalloc(4096, GFP_KERNEL)\n`;

  it("missing ')'", () => {
    expectError(`${pre}dma_map_single(nic, buf, 4096, DMA_TO_DEVICE\n`, 3, 45, "expected ')' after arguments");
  });

  it("missing ',' between arguments", () => {
    expectError(`${pre}kfree(buf buf)\n`, 3, 11, "expected ',' or ')' after an argument, got 'buf'");
  });

  it("missing '('", () => {
    expectError(`${pre}kfree buf\n`, 3, 7, "expected '(' after 'kfree'");
  });

  it('nested calls', () => {
    expectError(`${pre}kfree(kmalloc(4, GFP_KERNEL))\n`, 3, 14, 'calls cannot be nested');
  });

  it('bad targets', () => {
    expectError(`${pre}a, = kmalloc(4, GFP_KERNEL)\n`, 3, 4, 'expected a name to assign');
    expectError(`${pre}a b = kmalloc(4, GFP_KERNEL)\n`, 3, 3, "expected '(' after 'a'");
  });

  it('statement must start with a name', () => {
    expectError(`${pre}42\n`, 3, 1, 'expected a statement');
    expectError(`${pre}=> ok\n`, 3, 1, 'expected a statement');
  });

  it('positional after key=value', () => {
    expectError(`${pre}p = kmalloc(at=0, 4096, GFP_KERNEL)\n`, 3, 19, 'positional argument after key=value');
  });

  it('duplicate key', () => {
    expectError(`device(nic, dma_mask=32, dma_mask=64)\n`, 1, 26, "key 'dma_mask' is given twice");
  });

  it('offset needs an integer', () => {
    expectError(`${pre}cpu_read(buf + x, 4)\n`, 3, 16, 'expected an integer offset');
  });

  it('trailing junk after the call', () => {
    expectError(`${pre}kfree(buf) ok\n`, 3, 12, "expected '=>' or the end of the line");
  });

  it('empty or unknown checks', () => {
    expectError(`${pre}kfree(buf) =>\n`, 3, 12, "expected a check after '=>'");
    expectError(`${pre}kfree(buf) => okay\n`, 3, 15, "unknown check 'okay'");
    expectError(`${pre}kfree(buf) => warning oops\n`, 3, 23, 'expected a string after \'warning\'');
    expectError(`${pre}kfree(buf) => -1\n`, 3, 15, 'negative numbers');
  });

  it('fill() errors', () => {
    expectError(`${pre}cpu_write(buf, fill(256, 4))\n`, 3, 21, 'fill byte must be 0..255');
    expectError(`${pre}cpu_write(buf, fill(1 4))\n`, 3, 23, "expected ',' after the byte");
    expectError(`${pre}cpu_write(buf, fill(1, 32M))\n`, 3, 24, 'fill count too large');
  });

  it('bytes joins need bytes on both sides', () => {
    expectError(`${pre}cpu_write(buf, "a" + 4)\n`, 3, 22, 'expected bytes after \'+\'');
  });

  it('lexical errors are reported on their line, other lines still checked', () => {
    const errs = errors(`${pre}cpu_write(buf, "a\\q")\nkfree(nope)\n`);
    expect(errs.map((e) => [e.line, e.col])).toEqual([[3, 18], [4, 7]]);
  });

  it('a name assigned on a line with a syntax error is still known later (no cascade)', () => {
    const errs = errors(`${pre}p = kmalloc(4096 GFP_KERNEL)\nkfree(p)\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.line).toBe(3);
  });

  it('errors are sorted by line and column', () => {
    const errs = errors(`kfree(a)\nkfree(b)\nkfree(c)\n`);
    expect(errs.map((e) => e.line)).toEqual([1, 2, 3]);
  });
});

describe('never throws', () => {
  it('on odd input', () => {
    for (const t of ['', '\n\n', '(', ')', '"', 'x"', '=>', 'a=', 'a,b', '\u0000', '\uD800', 'fill(', 'x = fill(1,2)', '#', '//', '/']) {
      const r = parseScenario(t);
      expect(typeof r.ok).toBe('boolean');
    }
  });

  it('empty text is a valid empty scenario', () => {
    const r = parseScenario('');
    expect(r.ok).toBe(true);
  });
});
