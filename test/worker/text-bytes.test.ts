/**
 * A long scenario as the worker keeps it (src/worker/text-bytes.ts): an
 * import's body written straight into UTF-8 bytes as the importer makes it,
 * then kept as deflated spans of lines. The spans joined with '\n' are the text, character for
 * character (multi-byte characters, a final newline or none, a leading
 * byte-order mark as a whole decode drops it); every line is found again from
 * its place in the text; the whole text decodes back; and it costs a fraction
 * of the bytes.
 */
import { describe, expect, it } from 'vitest';
import { SPAN_BYTES, ScenarioBytes, TextBytes, packSpans } from '../../src/worker/text-bytes.ts';
import { importText } from '../../src/import/index.ts';
import { importInput } from '../../src/worker/import-input.ts';
import { syntheticTrace } from '../../src/cli/bench-import.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** Lines of varied length and characters: ASCII, '·' (two bytes), '→' (three), an emoji (a surrogate pair, four). */
function longText(lines: number, finalNewline: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`h${i} = dma_map_single(dev, buf + ${i % 97}, ${64 + (i % 13) * 8}, DMA_TO_DEVICE)   # trace line ${i} · ${i % 5 === 0 ? '→ 🐛' : 'x'.repeat(i % 40)}`);
  return out.join('\n') + (finalNewline ? '\n' : '');
}

describe('ScenarioBytes', () => {
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);

  it('the body written chunk by chunk, the pieces around it: the bytes of the pieces and chunks joined with newlines', () => {
    const chunks = ['h1 = a · b', '', 'c → d 🐛', 'lone \ud800 surrogate'];
    const pieces = ['# head', 'pre = 1', 'tail()', ''];
    for (const bodyAt of [0, 1, 2, 3]) {
      const w = new ScenarioBytes(4);
      for (const c of chunks) w.body(c);
      const text = [...pieces.slice(0, bodyAt), ...chunks, ...pieces.slice(bodyAt)].join('\n');
      expect(w.finish(pieces, bodyAt)).toEqual(enc(text));
    }
    // No body: the pieces alone.
    expect(dec(new ScenarioBytes(0).finish(['a', 'b', ''], undefined))).toBe('a\nb\n');
  });

  it('grows past what it expected, and puts a head longer than the room before the body by copying', () => {
    const w = new ScenarioBytes(10);
    const wide = ['→'.repeat(50_000), '🐛'.repeat(30_000), 'é · ü'];
    for (const c of wide) w.body(c);
    const head = 'x'.repeat((1 << 20) + 5);
    expect(dec(w.finish([head, 'end', ''], 1))).toBe([head, ...wide, 'end', ''].join('\n'));
  });
});

describe('importInput (long)', () => {
  it('a long trace: written straight into bytes, the same scenario as the import the CLI makes, and its spans the same text', () => {
    const trace = syntheticTrace(10_000);
    const want = importText(trace);
    const r = importInput(trace, {}, () => undefined, true)!;
    expect('spans' in r).toBe(true);
    if (!('spans' in r)) return;
    expect(new TextDecoder().decode(r.bytes)).toBe(want.scenario);
    // handed over as they are: the run deflates each as it reads it
    expect(r.spans.deflated).toBe(false);
    expect(new TextBytes(r.spans).whole()).toBe(want.scenario);
    expect({ summary: r.summary, report: r.report }).toEqual({ summary: want.summary, report: want.report });
  });

  it('a short trace, or not asked for long: one string, as the CLI gives it', () => {
    for (const [lines, long] of [[200, true], [10_000, false]] as const) {
      const trace = syntheticTrace(lines);
      expect(importInput(trace, {}, () => undefined, long)).toEqual({ scenario: importText(trace).scenario, summary: importText(trace).summary, report: importText(trace).report });
    }
  });

  it('a long dma-debug dump (no body sink): its scenario as bytes and spans too, the same as the import the CLI makes', () => {
    // 12,000 live single mappings of one device, each its own page.
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const pa = (0x80000000 + i * 0x1000).toString(16);
      lines.push(`dwmac-rk fe300000.ethernet single idx ${i} P=0x00000000${pa} D=${pa} L=600 cln=0x${(0x2000000 + i * 64).toString(16).padStart(16, '0')} DMA_FROM_DEVICE dma map error checked`);
    }
    const dump = `${lines.join('\n')}\n`;
    const want = importText(dump);
    expect(want.report.kind).toBe('dump');
    const r = importInput(dump, {}, () => undefined, true)!;
    expect('spans' in r).toBe(true);
    if (!('spans' in r)) return;
    expect(new TextDecoder().decode(r.bytes)).toBe(want.scenario);
    expect(new TextBytes(r.spans).whole()).toBe(want.scenario);
  });

  it('a scenario or a kernel log is not imported', () => {
    expect(importInput('device(nic)\nb = kmalloc(64, GFP_KERNEL)\n', {}, () => undefined, true)).toBeNull();
  });
});

describe('TextBytes', () => {
  it.each([true, false])('spans of whole lines that join into the text (final newline: %s); every line found from its start; the whole text back', (finalNewline) => {
    const text = longText(6000, finalNewline);
    const t = TextBytes.of(enc(text))!;
    expect(t.spanCount).toBeGreaterThan(4);
    expect(t.byteLength).toBe(enc(text).length);
    const spans = Array.from({ length: t.spanCount }, (_, i) => t.span(i));
    expect(spans.join('\n')).toBe(text);
    for (const s of spans.slice(0, -1)) expect(enc(s).length).toBeGreaterThanOrEqual(SPAN_BYTES - 200);
    const lines = text.split('\n');
    expect(t.lines).toBe(lines.length);
    // Read back out of order, as frames do: each line from its start in the whole text.
    let at = 0;
    const starts = lines.map((l) => {
      const s = at;
      at += l.length + 1;
      return s;
    });
    for (const k of [5999, 0, 3000, 1, 4500, 2999, lines.length - 1]) {
      const l = t.lineAt(starts[k]!);
      const end = l.text.indexOf('\n', l.start);
      expect(l.text.slice(l.start, end < 0 ? undefined : end)).toBe(lines[k]);
    }
    expect(t.whole()).toBe(text);
  });

  it('measures spans only as far as the line asked for (a load reads back only what its scan reached)', () => {
    const text = longText(6000, true);
    const t = TextBytes.of(enc(text))!;
    const inflated: number[] = [];
    const span = t.span.bind(t);
    t.span = (i: number) => (inflated.push(i), span(i));
    t.lineAt(10);
    expect(Math.max(...inflated)).toBe(0);
  });

  it('drops a leading byte-order mark as a whole decode does, and keeps one that starts a later line', () => {
    const text = `\ufeffa = 1\n${'x'.repeat(SPAN_BYTES)}\n\ufeffb`;
    const t = TextBytes.of(enc(text))!;
    const whole = new TextDecoder().decode(enc(text));
    expect(t.whole()).toBe(whole);
    expect(Array.from({ length: t.spanCount }, (_, i) => t.span(i)).join('\n')).toBe(whole);
  });

  it('refuses a text with a carriage return (its lines do not all end in \\n)', () => {
    expect(TextBytes.of(enc('a\r\nb\n'))).toBeNull();
    expect(TextBytes.of(enc('a\nb\n'))!.whole()).toBe('a\nb\n');
  });

  it('spans handed over as they are read the same, and each is deflated once the scan reads it', () => {
    const text = longText(6000, true);
    const raw = new TextBytes(packSpans(enc(text), false));
    const packed = TextBytes.of(enc(text))!;
    expect([raw.lines, raw.byteLength, raw.spanCount]).toEqual([packed.lines, packed.byteLength, packed.spanCount]);
    expect(raw.heldBytes).toBe(enc(text).length - (raw.spanCount - 1));
    expect(raw.whole()).toBe(text);
    for (let i = 0; i < raw.spanCount; i++) expect(raw.span(i)).toBe(packed.span(i));
    expect(raw.heldBytes).toBe(packed.heldBytes);
    // read back after: from the deflated span
    const l = raw.lineAt(text.indexOf('h3000 ='));
    expect(l.text.slice(l.start).startsWith('h3000 =')).toBe(true);
  });

  it('keeps an imported trace in a fraction of its bytes', () => {
    const scenario = importText(syntheticTrace(20_000)).scenario;
    const spans = packSpans(enc(scenario));
    const t = new TextBytes(spans);
    expect(t.whole()).toBe(scenario);
    expect(spans.packed.reduce((n, p) => n + p.length, 0) * 4).toBeLessThan(t.byteLength);
  });
});

describe('import progress', () => {
  it('a dump reports its one pass as lines read, ending at every line', () => {
    const lines: string[] = [];
    for (let i = 0; i < 140_000; i++) lines.push(`dwmac-rk fe300000.ethernet single idx ${i} P=0x00000000${(0x80000000 + i * 0x1000).toString(16)} D=${(0x80000000 + i * 0x1000).toString(16)} L=600 cln=0x${(0x2000000 + i * 64).toString(16).padStart(16, '0')} DMA_FROM_DEVICE dma map error checked`);
    const seen: Array<[number, number]> = [];
    importInput(`${lines.join('\n')}\n`, {}, (done, total) => seen.push([done, total]), true);
    expect(seen).toEqual([[0, 140_000], [65_536, 140_000], [131_072, 140_000], [140_000, 140_000]]);
  });
});
