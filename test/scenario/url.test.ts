/** Share-link codec: round trips, the fixed version-1 format, and refusal of bombs and garbage. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SHARE_TEXT_BYTES,
  decodeShareHash,
  encodeShareHash,
  fromBase64Url,
  inflateBounded,
  toBase64Url,
} from '../../src/scenario/url.ts';

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function decodeOk(hash: string) {
  const r = await decodeShareHash(hash);
  if (!r.ok) throw new Error(r.message);
  return r;
}

async function decodeErr(hash: string): Promise<string> {
  const r = await decodeShareHash(hash);
  if (r.ok) throw new Error('expected the link to be refused');
  return r.message;
}

describe('share links', () => {
  it('encode gives s=1.PAYLOAD&step=N (base64url, no padding, no #)', async () => {
    const h = await encodeShareHash('kfree(p)\n', 3);
    expect(h).toMatch(/^s=1\.[A-Za-z0-9_-]+&step=3$/);
  });

  it('round-trips text, step and extra view choices', async () => {
    const text = 'device(nic)\n# é 😀 "quotes" & = #\nbuf = kmalloc(4096, GFP_KERNEL)\n';
    const h = await encodeShareHash(text, 7, { view: 'cache', sel: 'a&b=c' });
    const r = await decodeOk(h);
    expect(r).toEqual({ ok: true, text, step: 7, extra: { view: 'cache', sel: 'a&b=c' } });
    expect(await decodeOk(`#${h}`)).toEqual(r);
  });

  it('round-trips any text (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.nat({ max: 100_000 }), async (text, step) => {
        const r = await decodeOk(await encodeShareHash(text, step));
        expect(r.text).toBe(text);
        expect(r.step).toBe(step);
      }),
      { numRuns: 100 },
    );
  });

  it('a version 1 link made by an earlier release keeps decoding', async () => {
    const link =
      's=1.S0kty0xO1cjLTNZRSMlNjM9NLM62NTbS5EoqTVOwVcjOTczJyU_WMDGwNNNRcHcLiPd2DfJz9dHkSi4ojS8vyixJ1UgqTdNRUMo4vDInJ19JkwsA&step=2&view=cache';
    expect(await decodeOk(link)).toEqual({
      ok: true,
      text: 'device(nic, dma_mask=32)\nbuf = kmalloc(4096, GFP_KERNEL)\ncpu_write(buf, "héllo")\n',
      step: 2,
      extra: { view: 'cache' },
    });
  });

  it('a missing step means step 0', async () => {
    const h = (await encodeShareHash('x', 5)).replace(/&step=5$/, '');
    expect((await decodeOk(h)).step).toBe(0);
  });

  it('refuses a payload that inflates past 1 MiB, without inflating it all', async () => {
    const bomb = await deflate(new Uint8Array(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KB compressed
    const t0 = performance.now();
    const msg = await decodeErr(`s=1.${toBase64Url(bomb)}&step=0`);
    expect(msg).toContain('larger than 1 MiB');
    expect(performance.now() - t0).toBeLessThan(5000);
    // Just under the limit is fine.
    const fits = await deflate(new Uint8Array(MAX_SHARE_TEXT_BYTES).fill(0x61));
    expect((await decodeOk(`s=1.${toBase64Url(fits)}`)).text.length).toBe(MAX_SHARE_TEXT_BYTES);
    const over = await deflate(new Uint8Array(MAX_SHARE_TEXT_BYTES + 1).fill(0x61));
    expect(await decodeErr(`s=1.${toBase64Url(over)}`)).toContain('larger than 1 MiB');
  });

  it('inflateBounded stops at the limit', async () => {
    const r = await inflateBounded(await deflate(new Uint8Array(10_000)), 1000);
    expect(r.ok).toBe(false);
  });

  it('refuses unknown versions', async () => {
    expect(await decodeErr('s=2.AAAA&step=0')).toContain("unsupported link version '2'");
    expect(await decodeErr('s=AAAA')).toContain('unsupported link version');
    expect(await decodeErr('s=1')).toContain('payload is missing');
  });

  it('refuses bad base64, damaged payloads and bad UTF-8', async () => {
    expect(await decodeErr('s=1.ab$cd')).toContain('not valid base64url');
    expect(await decodeErr('s=1.abcde')).toContain('not valid base64url');
    expect(await decodeErr('s=1.ab+/')).toContain('not valid base64url');
    expect(await decodeErr(`s=1.${toBase64Url(new Uint8Array([0xff, 0xff, 0xff, 0xff]))}`)).toContain('damaged');
    const truncated = (await deflate(new TextEncoder().encode('hello hello hello'))).subarray(0, 3);
    expect(await decodeShareHash(`s=1.${toBase64Url(truncated)}`)).toMatchObject({ ok: false });
    const notUtf8 = await deflate(new Uint8Array([0x61, 0xff, 0x62]));
    expect(await decodeErr(`s=1.${toBase64Url(notUtf8)}`)).toContain('not valid UTF-8');
  });

  it('refuses a step that is not a non-negative integer', async () => {
    const h = (await encodeShareHash('x', 0)).replace(/&step=0$/, '');
    for (const step of ['-1', '1.5', 'abc', '', '1e3', '99999999999999999999', ' 1']) {
      expect(await decodeErr(`${h}&step=${step}`)).toContain('step must be a non-negative integer');
    }
  });

  it('refuses links without a scenario and badly escaped fields', async () => {
    expect(await decodeErr('')).toContain('no s= field');
    expect(await decodeErr('step=3')).toContain('no s= field');
    const h = await encodeShareHash('x', 0);
    expect(await decodeErr(`${h}&view=%E0%A4%A`)).toContain('badly escaped');
  });

  it('never throws on garbage (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), async (s) => {
        const r = await decodeShareHash(s);
        expect(typeof r.ok).toBe('boolean');
        const r2 = await decodeShareHash(`s=1.${s}`);
        expect(typeof r2.ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });

  it('base64url helpers', () => {
    const b = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    expect(toBase64Url(b)).not.toMatch(/[+/=]/);
    expect(Array.from(fromBase64Url(toBase64Url(b))!)).toEqual(Array.from(b));
    expect(fromBase64Url('a')).toBeNull();
  });
});
