/**
 * The library browser's search and progress (pure modules): a pasted kernel
 * message finds the lessons whose runs logged it, whatever the numbers and
 * device names in the pasted line; operation names and title words find
 * lessons too; progress survives anything localStorage may hold.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/scenario/lessons/catalog.ts';
import { longestCommon, messageMatches, normalizeMessage, searchCatalog } from '../../src/ui/library/search.ts';
import { parseProgress, serializeProgress } from '../../src/ui/library/progress.ts';
import { shownChoices } from '../../src/ui/lesson/teaching.ts';

const CAT = JSON.parse(readFileSync(resolve(__dirname, '../../src/scenario/lessons/index.json'), 'utf8')) as Catalog;
const ids = (q: string) => searchCatalog(CAT, q).map((h) => h.entry.id);

describe('search', () => {
  it('a pasted kernel message finds the lessons that log it, lessons first', () => {
    const found = ids('swiotlb buffer is full');
    expect(found[0]).toBe('bounce/02-the-pool-is-finite');
    expect(found).toContain('reference/swiotlb-full');
    expect(searchCatalog(CAT, 'swiotlb buffer is full')[0]!.why).toMatch(/^logs “/);
  });

  it('a whole dmesg line with other numbers and another device still matches', () => {
    const line = '[   42.123456] e1000e 0000:00:19.0: swiotlb buffer is full (sz: 65536 bytes), total 32768 (slots), used 32700 (slots)';
    expect(ids(line)).toContain('bounce/02-the-pool-is-finite');
    const debug = 'DMA-API: ehci-pci 0000:00:1d.0: device driver failed to check map error[device address=0x0000000012345000] [size=64 bytes] [mapped as single]';
    expect(ids(debug)).toContain('debug/01-check-the-map-error');
  });

  it('an operation name finds the lessons that call it', () => {
    const found = ids('dma_buf_map_attachment');
    expect(found).toContain('dmabuf/02-cached-mappings-and-ebusy');
    expect(found.every((id) => CAT.lessons.concat(CAT.reference).find((e) => e.id === id)!.ops.includes('dma_buf_map_attachment'))).toBe(true);
    expect(ids('iommu_map')).toContain('gpu/02-driving-the-iommu');
  });

  it('title and summary words', () => {
    expect(ids('stale packet')).toContain('ownership/05-hunt-missing-sync');
    expect(ids('zzzz not a thing')).toEqual([]);
    expect(ids(' ')).toEqual([]);
  });

  it('normalising and the common-piece measure', () => {
    expect(normalizeMessage('[ 1.5] Foo 0x1fff  AT 42')).toBe('foo # at #');
    expect(longestCommon('abcdef', 'zzcdeq')).toBe(3);
    expect(messageMatches('buffer', 'swiotlb buffer is full')).toBe(true);
    expect(messageMatches('full', 'swiotlb buffer is full')).toBe(false); // too short to mean anything
  });
});

describe('progress in localStorage', () => {
  it('round-trips, and anything else reads as nothing done', () => {
    const done = parseProgress(serializeProgress(['ownership/01-why-sync-for-cpu', 'bounce/02-the-pool-is-finite']));
    expect([...done].sort()).toEqual(['bounce/02-the-pool-is-finite', 'ownership/01-why-sync-for-cpu']);
    for (const junk of [null, '', '{', 'null', '[]', '42', '{"v":2,"done":{"a":true}}', '{"v":1,"done":[1,2]}', '{"v":1,"done":"x"}']) {
      expect(parseProgress(junk).size, String(junk)).toBe(0);
    }
    // Bad entries are dropped, good ones kept.
    expect([...parseProgress('{"v":1,"done":{"ok/01":true,"nope":false,"<script>":true,"x":1}}')]).toEqual(['ok/01']);
  });
});

describe('prediction choices', () => {
  it('are shown in a fixed order per statement that is not always the answer first', () => {
    const choices = ['"old frame"', '"new frame"'];
    expect(shownChoices(choices, '28')).toEqual(shownChoices(choices, '28'));
    expect([...shownChoices(choices, '28')].sort()).toEqual([...choices].sort());
    const firsts = new Set(Array.from({ length: 20 }, (_, i) => shownChoices(choices, String(i))[0]));
    expect(firsts.size).toBe(2);
  });
});
