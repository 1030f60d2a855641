import { describe, expect, it } from 'vitest';
import { decodeInSlices, encodeInSlices, summaryToWire, textOf, WIRE_BYTES_MIN } from '../../src/worker/wire-text.ts';
import type { LoadSummary } from '../../src/worker/api.ts';

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
});
