import { describe, expect, it } from 'vitest';
import { BigText } from '../../src/ui/editor/bigText.ts';
import { NO_OVERRIDES } from '../../src/ui/compare/settings.ts';
import { concatInSlices } from '../../src/worker/wire-text.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** A header with an IOMMU, then `n` steps (longer than the 1 MB read for the header when n is large). */
function scenario(n: number): string {
  const body = Array.from({ length: n }, (_, i) => `h${i} = dma_map_single(gpu, a, 64, DMA_TO_DEVICE) # é${i}`);
  return ['# long', 'machine(arch=arm64)', 'iommu(smmu, mode=strict) # the SMMU', 'device(gpu, dma_mask=32, iommu=smmu)', 'a = kmalloc(4096, GFP_KERNEL)', ...body, ''].join('\n');
}

describe('a long scenario kept as bytes on the page', () => {
  it('reads its header from the first whole lines, not the whole text', () => {
    const text = scenario(40_000);
    const big = new BigText(utf8(text));
    expect(big.size).toBeGreaterThan(2_000_000);
    const head = big.head();
    expect(head.length).toBeLessThan(1_100_000);
    expect(head.endsWith('\n')).toBe(true);
    expect(text.startsWith(head)).toBe(true);
  });

  it('sends the worker a copy of its bytes (the page keeps its own), with the IOMMU mode of the header rewritten when overridden', async () => {
    const text = scenario(40_000);
    const big = new BigText(utf8(text));
    const plain = await big.loadArgs(NO_OVERRIDES);
    // (compared by identity: a deep comparison of millions of bytes would take the test's time)
    expect(plain.text.buffer !== big.bytes.buffer).toBe(true);
    expect(decode(plain.text) === text).toBe(true);
    expect(plain.keep === big.bytes).toBe(true);
    const lazy = await big.loadArgs({ ...NO_OVERRIDES, iommu: 'lazy' });
    expect(decode(lazy.text) === text.replace('mode=strict', 'mode=lazy')).toBe(true);
    expect(decode(lazy.keep) === decode(lazy.text)).toBe(true);
  });

  it('reads a dropped file again for the worker instead of copying its bytes on the page', async () => {
    const text = scenario(10);
    const file = new Blob([text]);
    const big = new BigText(utf8(text), file);
    const args = await big.loadArgs(NO_OVERRIDES);
    expect(decode(args.text)).toBe(text);
    expect(big.blob()).toBe(file);
    expect(await big.text()).toBe(text);
  });

  it('byte arrays are joined in slices as one copy', async () => {
    const a = utf8('x'.repeat(3_000_000));
    const b = utf8('yz');
    const out = await concatInSlices([a, b]);
    expect(out.length).toBe(3_000_002);
    expect(decode(out.subarray(2_999_999))).toBe('xyz');
  });
});
