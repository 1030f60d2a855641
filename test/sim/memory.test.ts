// Sparse RAM (sim/hw/memory.ts): pages appear zeroed on first write, many
// pages share one chunk of memory, and a structured clone of the RAM (what a
// checkpoint is) is a RAM of its own.
import { describe, expect, it } from 'vitest';
import { createRam, ramRead, ramWrite } from '../../src/sim/hw/memory.ts';

const read = (ram: ReturnType<typeof createRam>, phys: number, len: number): number[] => {
  const out = new Uint8Array(len);
  ramRead(ram, phys, len, out);
  return [...out];
};

describe('RAM', () => {
  it('pages written one after another (sharing a chunk) keep their own bytes, and unwritten RAM reads as zero', () => {
    const ram = createRam(1 << 30);
    for (let p = 0; p < 40; p++) ramWrite(ram, p * 8192 + 4094, new Uint8Array([p + 1, p + 2, p + 3, p + 4]));
    for (let p = 0; p < 40; p++) expect(read(ram, p * 8192 + 4093, 6)).toEqual([0, p + 1, p + 2, p + 3, p + 4, 0]);
    expect(ram.pages.size).toBe(80);
  });

  it('a structured clone is apart from the original: pages written on either side after the clone, new or old, stay on their side', () => {
    const ram = createRam(1 << 30);
    ramWrite(ram, 0x1000, new Uint8Array([1, 2, 3]));
    const copy = structuredClone(ram);
    ramWrite(ram, 0x1000, new Uint8Array([9]));
    ramWrite(ram, 0x5000, new Uint8Array([7]));
    ramWrite(copy, 0x6000, new Uint8Array([8]));
    expect(read(copy, 0x1000, 3)).toEqual([1, 2, 3]);
    expect(read(copy, 0x5000, 1)).toEqual([0]);
    expect(read(ram, 0x1000, 3)).toEqual([9, 2, 3]);
    expect(read(ram, 0x6000, 1)).toEqual([0]);
    expect(read(copy, 0x6000, 1)).toEqual([8]);
  });
});
