// swiotlb slot allocation (kernel/dma/swiotlb.c swiotlb_area_find_slots /
// swiotlb_release_slots, KERNEL-FACTS Part A §4.4).
import { describe, expect, it } from 'vitest';
import { createSwiotlb, findSlots, IO_TLB_SIZE } from '../../src/sim/dma/swiotlb.ts';

const BASE = 0xfec00000;

describe('swiotlb slots', () => {
  it('next-fit: each allocation starts where the last one ended', () => {
    const p = createSwiotlb(BASE, 256 * 1024);
    expect(findSlots(p, 0x100000100, 100, 6018)).toBe(0);
    expect(findSlots(p, 0x100000200, 100, 6018)).toBe(1);
    expect(p.index).toBe(2);
    expect(p.used).toBe(2);
  });

  it('from 6.9 a mapping of PAGE_SIZE or more starts on a page-aligned slot (14cebf689a78)', () => {
    const p = createSwiotlb(BASE, 256 * 1024);
    findSlots(p, 0x100000000, 100, 6018); // slot 0, index → 1
    expect(findSlots(p, 0x100000800, 4096, 6018)).toBe(2);
  });

  it('before 6.9 a ≥ PAGE_SIZE mapping matches the original\'s offset within the page', () => {
    const p = createSwiotlb(BASE, 256 * 1024);
    findSlots(p, 0x100000000, 100, 6006);
    // original at page offset 0x800: slot address bit 11 must be set too
    expect(findSlots(p, 0x100000800, 4096, 6006)).toBe(1);
  });

  it('an allocation never crosses a 128-slot segment', () => {
    const p = createSwiotlb(BASE, 512 * 1024);
    expect(findSlots(p, 0x100000000, 100 * IO_TLB_SIZE, 6018)).toBe(0);
    // 100 slots used; 28 left in segment 0, so 64 slots go to segment 1
    expect(findSlots(p, 0x200000000, 64 * IO_TLB_SIZE, 6018)).toBe(128);
  });

  it('more than 128 slots never fit (swiotlb_max_mapping_size = 256 KiB)', () => {
    const p = createSwiotlb(BASE, 4 * 1024 * 1024);
    expect(findSlots(p, 0x100000000, 256 * 1024 + 1, 6018)).toBe(-1);
    expect(findSlots(p, 0x100000000, 256 * 1024, 6018)).toBe(0);
  });

  it('list[] counts the free slots to the end of each segment at init', () => {
    const p = createSwiotlb(BASE, 512 * 1024);
    expect(p.list[0]).toBe(128);
    expect(p.list[127]).toBe(1);
    expect(p.list[128]).toBe(128);
  });
});
