// src/sim/format.ts is the one owner of how numbers read (hex, sizes, bytes):
// the engine's messages, the CLI, the scenario printer and the views call it.
import { describe, expect, it } from 'vitest';
import { bytesHex, hex, hex16 } from '../../src/sim/format.ts';

describe('number formats', () => {
  it('writes bytes as two hex digits each, leading zeros kept, nothing between', () => {
    expect(bytesHex(new Uint8Array([0xde, 0xad, 0x00, 0x0f]))).toBe('dead000f');
    expect(bytesHex([1, 0xff])).toBe('01ff');
    expect(bytesHex(new Uint8Array(0))).toBe('');
  });

  it('keeps the sign of a negative offset and prints DMA_MAPPING_ERROR as the 64-bit ~0', () => {
    expect(hex(-16)).toBe('-0x10');
    expect(hex(0x1f00)).toBe('0x1f00');
    expect(hex16(-1)).toBe('ffffffffffffffff');
  });
});
