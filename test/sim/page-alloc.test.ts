// The product's allocation rule (KERNEL-FACTS "Modelling decisions"): the
// highest-addressed free block that fits and that the zone allows, so a block
// just freed is the next one handed out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocAt, allocHighest, createFreeList, freeBytes, freeRange, isFree } from '../../src/sim/mm/page-alloc.ts';

describe('page-alloc', () => {
  it('hands out the highest aligned block below the limit', () => {
    const fl = createFreeList([[0x1000, 0x10000]]);
    expect(allocHighest(fl, 0x1000, 0x1000, 0x10000)).toBe(0xf000);
    expect(allocHighest(fl, 0x2000, 0x2000, 0x10000)).toBe(0xc000);
    expect(allocHighest(fl, 0x1000, 0x1000, 0x8000)).toBe(0x7000);
  });

  it('a block just freed is the next one handed out', () => {
    const fl = createFreeList([[0, 0x100000]]);
    const a = allocHighest(fl, 4096, 4096, 0x100000);
    allocHighest(fl, 4096, 4096, 0x100000);
    freeRange(fl, a, 4096);
    expect(allocHighest(fl, 4096, 4096, 0x100000)).toBe(a);
  });

  it('at= placement succeeds only on free memory', () => {
    const fl = createFreeList([[0, 0x10000]]);
    expect(allocAt(fl, 0x4000, 0x100)).toBe(true);
    expect(allocAt(fl, 0x4080, 0x100)).toBe(false);
    expect(isFree(fl, 0x4100, 0x100)).toBe(true);
  });

  it('never hands out overlapping blocks and gets every byte back (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 64 }), fc.boolean()), { maxLength: 60 }), (ops) => {
        const total = 0x100000;
        const fl = createFreeList([[0, total]]);
        const live: Array<[number, number]> = [];
        for (const [units, free] of ops) {
          if (free && live.length) {
            const [a, s] = live.shift()!;
            freeRange(fl, a, s);
            continue;
          }
          const size = units * 64;
          const a = allocHighest(fl, size, 64, total);
          if (a < 0) continue;
          for (const [b, t] of live) expect(a + size <= b || b + t <= a).toBe(true);
          live.push([a, size]);
        }
        for (const [a, s] of live) freeRange(fl, a, s);
        expect(freeBytes(fl)).toBe(total);
        expect(fl.starts).toEqual([0]);
      }),
    );
  });
});
