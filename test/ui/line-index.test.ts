import { describe, expect, it } from 'vitest';
import { ANCHOR_EVERY, LineIndex } from '../../src/ui/editor/lineIndex.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}${'x'.repeat(i % 7)}`);

describe('LineIndex (over UTF-8 bytes)', () => {
  it('finds every line of a text longer than several anchors, as split("\\n") does', () => {
    const all = lines(ANCHOR_EVERY * 3 + 17);
    const idx = new LineIndex(utf8(all.join('\n')));
    expect(idx.scan(1000)).toBe(true);
    expect(idx.lines).toBe(all.length);
    for (const n of [1, 2, ANCHOR_EVERY, ANCHOR_EVERY + 1, ANCHOR_EVERY * 2 + 5, all.length]) {
      expect(idx.slice(n, n).text).toBe(all[n - 1]);
    }
    expect(idx.slice(ANCHOR_EVERY - 1, ANCHOR_EVERY + 2).text).toBe(all.slice(ANCHOR_EVERY - 2, ANCHOR_EVERY + 2).join('\n'));
  });

  it('counts a final newline as an empty last line (as the editor does)', () => {
    const idx = new LineIndex(utf8('a\nb\n'));
    idx.scan(1000);
    expect(idx.lines).toBe(3);
    expect(idx.slice(3, 3).text).toBe('');
    expect(idx.slice(1, 3).text).toBe('a\nb\n');
  });

  it('scans only as far as asked, and slices clamp to what is known', () => {
    const all = lines(2000);
    const idx = new LineIndex(utf8(all.join('\n')));
    expect(idx.scan(1000, 100)).toBe(false);
    expect(idx.scanned).toBe(100);
    expect(idx.startOf(101)).toBeNull();
    expect(idx.slice(90, 500)).toEqual({ from: 90, to: 100, text: all.slice(89, 100).join('\n') });
    expect(idx.scan(1000)).toBe(true);
    expect(idx.slice(1990, 3000).to).toBe(2000);
  });

  it('decodes only the lines asked for, multi-byte characters whole', () => {
    const all = Array.from({ length: 600 }, (_, i) => `cpu_write(a, "é${i}😀") # ·${i}`);
    const idx = new LineIndex(utf8(all.join('\n')));
    expect(idx.scan(1000)).toBe(true);
    expect(idx.slice(300, 302).text).toBe(all.slice(299, 302).join('\n'));
    expect(idx.slice(600, 600).text).toBe(all[599]);
  });
});
