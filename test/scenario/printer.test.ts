/** Printer: canonical output, round trip parse(print(parse(x))) = parse(x), idempotence. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/parser.ts';
import type { Scenario } from '../../src/scenario/parser.ts';
import { printCommand, printScenario, quoteBytes } from '../../src/scenario/printer.ts';
import { scenarioText } from './gen.ts';
import { ok, stripLocs } from './helpers.ts';

const view = (s: Scenario) => stripLocs({ header: s.header, body: s.body, config: s.config, doc: s.doc, teaching: { ...s.teaching, narration: s.teaching.narration.map((n) => ({ ...n, line: 0 })), fixes: s.teaching.fixes.length, compare: s.teaching.compare.map((c) => ({ ...c, line: 0 })) } });

describe('printScenario', () => {
  it('prints a canonical, aligned file', () => {
    const text = [
      '#  top comment',
      'machine( arch=x86,ram=8G )',
      'device(nic,dma_mask=32)',
      '',
      'buf=kmalloc(4K,GFP_KERNEL|__GFP_ZERO)   // note',
      'cpu_write(buf+0x10, "hi\\n" + x"DEAD" + fill(85, 2))',
      'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)=>0xfffff000',
      'dev_read(nic,h-4,2)=>"hi"=>ok',
    ].join('\n');
    expect(printScenario(ok(text).doc)).toBe(
      [
        '#  top comment',
        'machine(arch=x86, ram=8G)',
        'device(nic, dma_mask=32)',
        '',
        'buf = kmalloc(4K, GFP_KERNEL | __GFP_ZERO)        // note',
        'cpu_write(buf + 0x10, "hi\\n" + x"de ad" + fill(0x55, 2))',
        'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE) => 0xfffff000',
        'dev_read(nic, h - 4, 2)                           => "hi" => ok',
        '',
      ].join('\n'),
    );
  });

  it('prints commands', () => {
    const s = ok('device(nic)\ncpu, h = dma_alloc_coherent(nic, 0x1_000)\n');
    expect(printCommand(s.body[0]!)).toBe('cpu, h = dma_alloc_coherent(nic, 0x1_000)');
  });

  it('escapes bytes: controls and invalid UTF-8 as \\xNN, valid UTF-8 as text', () => {
    expect(quoteBytes(new Uint8Array([0x61, 0x0a, 0x09, 0x0d, 0x00, 0x5c, 0x22, 0x01, 0x7f, 0xff, 0xc3, 0xa9]))).toBe(
      '"a\\n\\t\\r\\0\\\\\\"\\x01\\x7f\\xffé"',
    );
    expect(quoteBytes(new TextEncoder().encode('😀'))).toBe('"😀"');
    expect(quoteBytes(new Uint8Array([0xed, 0xa0, 0x80]))).toBe('"\\xed\\xa0\\x80"'); // an encoded surrogate is not UTF-8
  });

  it('empty doc prints as empty text', () => {
    expect(printScenario(ok('').doc)).toBe('');
    expect(printScenario(ok('\n\n').doc)).toBe('');
  });
});

describe('round trip (property)', () => {
  it('generated scenarios parse', () => {
    fc.assert(
      fc.property(scenarioText, (text) => {
        const r = parseScenario(text);
        if (!r.ok) throw new Error(`${text}\n${r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n')}`);
      }),
      { numRuns: 300 },
    );
  });

  it('parse(print(parse(x))) equals parse(x), ignoring locations; printing is idempotent', () => {
    fc.assert(
      fc.property(scenarioText, (text) => {
        const first = ok(text);
        const printed = printScenario(first.doc);
        const second = ok(printed);
        expect(view(second)).toEqual(view(first));
        expect(printScenario(second.doc)).toBe(printed);
      }),
      { numRuns: 300 },
    );
  });
});
