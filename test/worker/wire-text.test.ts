import { describe, expect, it } from 'vitest';
import { decodeInSlices, encodeInSlices, releaseWireBytes, summaryToWire, textOf, wireApi, WIRE_BYTES_MIN } from '../../src/worker/wire-text.ts';
import type { EngineCore, LoadSummary } from '../../src/worker/api.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';

// Longer than one slice (1 Mi characters), with a surrogate pair across the first slice boundary and
// multi-byte characters across the byte slices' boundaries.
const SLICE = 1 << 20;
const long = `${'a'.repeat(SLICE - 1)}😀${'·é'.repeat(SLICE / 3)}# end\n`;

describe('long texts between the page and the worker', () => {
  it('encode and decode in slices give back the same text, as TextEncoder/TextDecoder would at once', async () => {
    const bytes = await encodeInSlices(long);
    expect(Buffer.from(bytes).equals(Buffer.from(new TextEncoder().encode(long)))).toBe(true);
    expect((await decodeInSlices(bytes)) === long).toBe(true);
    expect(textOf(bytes) === long).toBe(true);
  });

  it('an imported scenario crosses as bytes from WIRE_BYTES_MIN characters on, a shorter one as a string', () => {
    const summary = (scenario: string) => ({ ok: true, imported: { scenario, summary: '', report: {} } }) as unknown as LoadSummary;
    const big = summaryToWire(summary('x'.repeat(WIRE_BYTES_MIN)));
    expect(big.imported!.scenario).toBeInstanceOf(Uint8Array);
    expect(textOf(big.imported!.scenario) === 'x'.repeat(WIRE_BYTES_MIN)).toBe(true);
    expect(summaryToWire(summary('short')).imported!.scenario).toBe('short');
  });

  it('a load given bytes lets them go once decoded (the message that brought them is kept until it answers), and loads their text', async () => {
    const text = `device(nic)\nb = kmalloc(64, GFP_KERNEL)   # ${long}`;
    const bytes = new TextEncoder().encode(text);
    let seen = '';
    let lenDuringLoad = -1;
    // The scan sees the decoded text; by then the bytes are detached (given back).
    const core: EngineCore = {
      ...realCore,
      scan(t, opts) {
        seen = typeof t === 'string' ? t : '';
        lenDuringLoad = bytes.byteLength;
        return realCore.scan(t, opts);
      },
    };
    const s = await wireApi(createEngineApi(core)).load(bytes);
    expect(s.ok).toBe(true);
    expect(s.stepCount).toBe(1);
    expect(seen === text).toBe(true);
    expect(lenDuringLoad).toBe(0);
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it('bytes that are only part of a buffer (someone else may hold the rest) are left as they are', () => {
    const whole = new Uint8Array(64).fill(7);
    releaseWireBytes(whole.subarray(8, 16));
    expect(whole.byteLength).toBe(64);
    expect(whole[63]).toBe(7);
  });
});
