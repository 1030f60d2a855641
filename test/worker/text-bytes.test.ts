/**
 * A long scenario as the worker keeps it (src/worker/text-bytes.ts): an
 * import's pieces written straight into UTF-8 bytes, then kept as deflated
 * spans of lines. The spans joined with '\n' are the text, character for
 * character (multi-byte characters, a final newline or none, a leading
 * byte-order mark as a whole decode drops it); every line is found again from
 * its place in the text; the whole text decodes back; and it costs a fraction
 * of the bytes.
 */
import { describe, expect, it } from 'vitest';
import { SPAN_BYTES, TextBytes, utf8Pieces } from '../../src/worker/text-bytes.ts';
import { importPieces } from '../../src/import/index.ts';
import { syntheticTrace } from '../../src/cli/bench-import.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** Lines of varied length and characters: ASCII, '·' (two bytes), '→' (three), an emoji (a surrogate pair, four). */
function longText(lines: number, finalNewline: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`h${i} = dma_map_single(dev, buf + ${i % 97}, ${64 + (i % 13) * 8}, DMA_TO_DEVICE)   # trace line ${i} · ${i % 5 === 0 ? '→ 🐛' : 'x'.repeat(i % 40)}`);
  return out.join('\n') + (finalNewline ? '\n' : '');
}

describe('utf8Pieces', () => {
  it('writes pieces joined with newlines as UTF-8, exactly as one encode of the joined text, and empties the pieces', () => {
    const pieces = ['a · b', 'c → d 🐛', '', 'lone \ud800 surrogate', ''];
    const joined = pieces.join('\n');
    const bytes = utf8Pieces(pieces, 0)!;
    expect(bytes).toEqual(enc(joined));
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    expect(pieces).toEqual([]);
  });

  it('leaves short texts and texts with a carriage return as pieces (null)', () => {
    const short = ['abc', 'def'];
    expect(utf8Pieces(short, 8)).toBeNull();
    expect(short).toEqual(['abc', 'def']);
    expect(utf8Pieces(['a\r', 'b'], 0)).toBeNull();
  });
});

describe('TextBytes', () => {
  it.each([true, false])('spans of whole lines that join into the text (final newline: %s); every line found from its start; the whole text back', (finalNewline) => {
    const text = longText(6000, finalNewline);
    const t = new TextBytes(enc(text));
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
    const t = new TextBytes(enc(text));
    const inflated: number[] = [];
    const span = t.span.bind(t);
    t.span = (i: number) => (inflated.push(i), span(i));
    t.lineAt(10);
    expect(Math.max(...inflated)).toBe(0);
  });

  it('drops a leading byte-order mark as a whole decode does, and keeps one that starts a later line', () => {
    const text = `\ufeffa = 1\n${'x'.repeat(SPAN_BYTES)}\n\ufeffb`;
    const t = new TextBytes(enc(text));
    const whole = new TextDecoder().decode(enc(text));
    expect(t.whole()).toBe(whole);
    expect(Array.from({ length: t.spanCount }, (_, i) => t.span(i)).join('\n')).toBe(whole);
  });

  it('refuses a text with a carriage return (its lines do not all end in \\n)', () => {
    expect(TextBytes.of(enc('a\r\nb\n'))).toBeNull();
    expect(TextBytes.of(enc('a\nb\n'))!.whole()).toBe('a\nb\n');
  });

  it('keeps an imported trace in a fraction of its bytes', () => {
    const { pieces } = importPieces(syntheticTrace(20_000));
    const scenario = pieces.join('\n');
    const t = new TextBytes(utf8Pieces(pieces, 0)!);
    expect(t.whole()).toBe(scenario);
    expect(t.packedBytes * 4).toBeLessThan(t.byteLength);
  });
});
