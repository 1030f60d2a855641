// @vitest-environment happy-dom
/**
 * What a share link carries beyond text and step: the selection (checked
 * like any untrusted input), the player's embed flag and the way back to the
 * full explorer, the public base address a build may name, and kernel source
 * links pinned to the run's kernel version.
 */
import { describe, expect, it } from 'vitest';
import { selectionFromExtra, selectionToExtra } from '../../src/ui/share-selection.ts';
import { embedSnippet, embedUrl, fullUrl, isEmbedHash } from '../../src/ui/embed/embed-link.ts';
import { publicBase } from '../../src/ui/share-base.ts';
import { kernelFunctionLink, kernelLink } from '../../src/ui/describe.ts';
import { decodeShareHash, encodeShareHash } from '../../src/scenario/url.ts';

describe('selection in a link', () => {
  it('round-trips every kind of selection through the link codec', async () => {
    const sel = { buffer: 'rx_buf', addr: 0x1_ffff_e010, line: 0x1_ffff_e000, slot: 130, iova: 0xffff_e000 };
    const hash = await encodeShareHash('machine()\n', 3, { view: 'iommu', ...selectionToExtra(sel) });
    expect(hash).toContain('sel.iova=0xffffe000');
    const r = await decodeShareHash(hash);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(selectionFromExtra(r.extra)).toEqual({ selection: sel, problems: [] });
  });
  it('drops bad values with a message and keeps the good ones', () => {
    const r = selectionFromExtra({ 'sel.buf': '<img onerror=x>', 'sel.addr': '0x10', 'sel.iova': '4096', 'sel.slot': '-1', 'sel.line': '0x' + 'f'.repeat(20) });
    expect(r.selection).toEqual({ addr: 0x10 });
    expect(r.problems).toHaveLength(4);
    expect(r.problems[0]).toContain("selected buffer '<img onerror=x>' ignored");
  });
  it('an empty selection adds nothing to the link', () => {
    expect(selectionToExtra({})).toEqual({});
  });
});

describe('embed links', () => {
  const share = 'https://dma.example.org/#s=1.abc&step=4&view=diagram';
  it('adds embed=1 once, and the way out drops it', () => {
    expect(embedUrl(share)).toBe(`${share}&embed=1`);
    expect(embedUrl(embedUrl(share))).toBe(`${share}&embed=1`);
    expect(fullUrl(embedUrl(share))).toBe(share);
    expect(isEmbedHash('#s=1.abc&embed=1')).toBe(true);
    expect(isEmbedHash('#s=1.abc&embed=10')).toBe(false);
    expect(isEmbedHash('#s=1.abc')).toBe(false);
  });
  it('the iframe snippet escapes the address', () => {
    const html = embedSnippet(share);
    expect(html).toContain('src="https://dma.example.org/#s=1.abc&amp;step=4&amp;view=diagram&amp;embed=1"');
    expect(html).not.toMatch(/&(?!amp;)/);
  });
});

describe('public base address', () => {
  it('uses the configured address (with a trailing slash), else the page', () => {
    expect(publicBase('https://dma.example.org/tools')).toBe('https://dma.example.org/tools/');
    expect(publicBase('https://dma.example.org/tools/index.html')).toBe('https://dma.example.org/tools/index.html');
    expect(publicBase('https://dma.example.org/')).toBe('https://dma.example.org/');
    expect(publicBase('javascript:alert(1)')).toBe(`${location.origin}${location.pathname}`);
    expect(publicBase('')).toBe(`${location.origin}${location.pathname}`);
  });
});

describe('kernel source links', () => {
  it('are pinned to the run kernel version, with a line when known', () => {
    expect(kernelLink('kernel/dma/direct.c', '5.15')).toBe('https://elixir.bootlin.com/linux/v5.15/source/kernel/dma/direct.c');
    expect(kernelLink('/kernel/dma/swiotlb.c', '6.18', 812)).toBe('https://elixir.bootlin.com/linux/v6.18/source/kernel/dma/swiotlb.c#L812');
    expect(kernelLink('mm/slub.c')).toBe('https://elixir.bootlin.com/linux/latest/source/mm/slub.c');
    expect(kernelFunctionLink('dma_direct_map_phys', '6.18')).toBe('https://elixir.bootlin.com/linux/v6.18/A/ident/dma_direct_map_phys');
    expect(kernelFunctionLink('IOTLB (hardware)', '6.18')).toBeNull();
  });
});
