/**
 * swiotlb, the bounce-buffer pool: `kernel/dma/swiotlb.c`.
 *
 * 2 KiB slots (IO_TLB_SHIFT 11) in 128-slot segments (IO_TLB_SEGSIZE): an
 * allocation never crosses a segment, so 256 KiB is the largest mapping.
 * `list[i]` counts the free slots from i to the end of its segment; the
 * search starts at the area's next-fit `index`; where a mapping of PAGE_SIZE
 * or more lands depends on the version (findSlots: page aligned before 6.3
 * and from 6.9, matching the original's offset bit in between). Every slot records the original address and
 * the bytes left in the allocation, which is what lets a partial sync find its
 * source. swiotlb_bounce copies with the CPU (memcpy through the cache on both
 * sides); the arch then cleans or invalidates the *slot* for the device.
 *
 * Copy matrix (kernels ≥ 5.18): map copies original → slot for every
 * direction; sync_for_device copies for TO_DEVICE/BIDIRECTIONAL; sync_for_cpu
 * and unmap copy slot → original for FROM_DEVICE/BIDIRECTIONAL; unmap with
 * DMA_ATTR_SKIP_CPU_SYNC copies nothing. ≤ 5.16 the map copy skipped
 * FROM_DEVICE and DMA_ATTR_SKIP_CPU_SYNC (CVE-2022-0854: stale slot bytes
 * reached the caller); 5.17 (aa6f8dcbab47) already copied at map for every
 * direction but sync_for_device copied for every direction too.
 *
 * A sync or unmap larger than the mapping, or at an offset past it, is
 * checked by version (bounce()): copied as given before 5.12, cut to the
 * allocation from 5.12 (with the 5.12-only loss of the offset inside the
 * slot), refused past the end 5.15–6.8. Before 5.13 an unmap frees the slots
 * its own size covers, not the ones the map took (tblUnmapSingle).
 *
 * Simplified: one area (one CPU), no dynamic or transient pools, no
 * restricted pools, devices have no min_align_mask.
 */
import type { DmaDir, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { cacheCopy } from '../hw/cpu-cache.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import type { Device, Machine } from '../machine.ts';
import { SWIOTLB_GATES as G, dmaFile, kernelName } from '../kernel-versions.ts';
import { who } from '../kernel-log/catalogue.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
const FILE = 'kernel/dma/swiotlb.c';
const INVALID = -1;

export interface SwiotlbPool {
  start: number;
  end: number;
  nslabs: number;
  /** Free slots from i to the end of its segment; 0 = in use. */
  list: Int32Array;
  /** Original address each slot stands for, or -1. */
  origAddr: Float64Array;
  /** Bytes of the allocation left from this slot on. */
  allocSize: Int32Array;
  /** Next-fit cursor (area->index). */
  index: number;
  used: number;
}

export function createSwiotlb(start: number, bytes: number): SwiotlbPool {
  const nslabs = bytes >> IO_TLB_SHIFT;
  const list = new Int32Array(nslabs);
  for (let i = 0; i < nslabs; i++) list[i] = IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE);
  return { start, end: start + bytes, nslabs, list, origAddr: new Float64Array(nslabs).fill(INVALID), allocSize: new Int32Array(nslabs), index: 0, used: 0 };
}

export function nrSlots(size: number): number {
  return Math.ceil(size / IO_TLB_SIZE);
}

export function isSwiotlbBuffer(m: Machine, phys: number): boolean {
  const p = m.swiotlb;
  return p !== null && phys >= p.start && phys < p.end;
}

/** A why in this file, as this kernel names it (lib/swiotlb.c before 4.18). */
function why(m: Machine, fn: string, rule: string): Why {
  return { fn, file: dmaFile(m.kernel, FILE), rule };
}

/**
 * Find `allocSize` bytes of slots for `origAddr`, as this kernel searches
 * (SWIOTLB_GATES in kernel-versions.ts). The device has no min_align_mask
 * here, so the original-matching mask comes only from the allocation.
 * - before 6.3 (swiotlb_find_slots / swiotlb_tbl_map_single): stride 2 slots
 *   (a page) for a mapping of PAGE_SIZE or more, at least the alloc_align_mask
 *   stride; the search starts at ALIGN(index, stride) and steps by the stride,
 *   so such a slot is page aligned;
 * - 6.3–6.8 (0eee5ae10256, swiotlb_area_find_slots): iotlb_align_mask =
 *   alloc_align_mask, | ~PAGE_MASK for PAGE_SIZE or more, above the 2 KiB slot
 *   bits; the search starts at the area index and a slot must match the
 *   original in those bits — a buffer at 0x…800 gets a slot at 0x…800;
 * - from 6.9 (14cebf689a78, swiotlb_search_pool_area): the slot is aligned to
 *   alloc_align_mask, PAGE_SIZE - 1 for PAGE_SIZE or more without one.
 */
export function findSlots(p: SwiotlbPool, origAddr: number, allocSize: number, kernel: number, allocAlignMask = 0): number {
  const nslots = nrSlots(allocSize);
  if (nslots > IO_TLB_SEGSIZE || nslots > p.nslabs - p.used) return -1;
  if (kernel < G.slotOffsetMatch.code) return findStrided(p, nslots, allocSize, allocAlignMask);
  let origMatchMask = 0;
  let alignMask = allocAlignMask;
  if (kernel < G.slotPageAlign.code) {
    origMatchMask = (allocAlignMask | (allocSize >= PAGE_SIZE ? PAGE_SIZE - 1 : 0)) & ~(IO_TLB_SIZE - 1);
    alignMask = 0;
  } else if (allocSize >= PAGE_SIZE && !alignMask) alignMask = PAGE_SIZE - 1;
  const stride = (Math.max(origMatchMask, alignMask & ~(IO_TLB_SIZE - 1)) >> IO_TLB_SHIFT) + 1;
  let index = p.index;
  for (let checked = 0; checked < p.nslabs; ) {
    const slotAddr = p.start + index * IO_TLB_SIZE;
    const misaligned = (slotAddr & alignMask) !== 0 || (origAddr !== 0 && (slotAddr & origMatchMask) !== (origAddr & origMatchMask));
    if (misaligned) {
      index = index + 1 >= p.nslabs ? 0 : index + 1;
      checked++;
      continue;
    }
    if (p.list[index]! >= nslots) return claim(p, index, nslots, allocSize);
    index = index + stride >= p.nslabs ? 0 : index + stride;
    checked += stride;
  }
  return -1;
}

/** The pre-6.3 search: from ALIGN(index, stride), in steps of the stride (wrap_index → 0 past the end). */
function findStrided(p: SwiotlbPool, nslots: number, allocSize: number, allocAlignMask: number): number {
  let stride = allocSize >= PAGE_SIZE ? PAGE_SIZE >> IO_TLB_SHIFT : 1;
  stride = Math.max(stride, (allocAlignMask >> IO_TLB_SHIFT) + 1);
  const aligned = Math.ceil(p.index / stride) * stride;
  let index = aligned >= p.nslabs ? 0 : aligned;
  for (let checked = 0; checked < p.nslabs; checked += stride) {
    if (p.list[index]! >= nslots) return claim(p, index, nslots, allocSize);
    index = index + stride >= p.nslabs ? 0 : index + stride;
  }
  return -1;
}

function claim(p: SwiotlbPool, index: number, nslots: number, allocSize: number): number {
  for (let i = index; i < index + nslots; i++) {
    p.list[i] = 0;
    p.allocSize[i] = allocSize - (i - index) * IO_TLB_SIZE;
  }
  let count = 0;
  for (let i = index - 1; i >= 0 && i % IO_TLB_SEGSIZE !== IO_TLB_SEGSIZE - 1 && p.list[i]; i--) p.list[i] = ++count;
  p.index = index + nslots >= p.nslabs ? 0 : index + nslots;
  p.used += nslots;
  return index;
}

/** swiotlb_release_slots(): give `nslots` slots back, merging free runs inside the segment. */
function releaseSlots(p: SwiotlbPool, index: number, nslots: number): number {
  let count = index + nslots < Math.ceil((index + 1) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE ? p.list[index + nslots]! : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    p.list[i] = ++count;
    p.origAddr[i] = INVALID;
    p.allocSize[i] = 0;
  }
  for (let i = index - 1; i >= 0 && i % IO_TLB_SEGSIZE !== IO_TLB_SEGSIZE - 1 && p.list[i]; i--) p.list[i] = ++count;
  p.used -= nslots;
  return nslots;
}

/** CPU memcpy between original and slot, through the cache on both sides. */
function cpuCopy(m: Machine, to: number, from: number, len: number): void {
  cacheCopy(m.cache, m.ram, to, from, len, null);
}

/**
 * swiotlb_bounce(): copy between the original buffer and the slot at
 * `tlbAddr`, with this kernel's range checks (SWIOTLB_GATES): none before
 * 5.12 (the size is copied as given, to or from the original at the same
 * offset inside the slot); 5.12 cuts the size to the allocation counted from
 * the slot's start and copies to or from the slot's original address, the
 * offset inside the slot dropped (16fc3cef33a0); from 5.13 the offset is
 * added back and taken off the allocation before the check (5f89468e2f06);
 * 5.15–6.8 also refuse an offset past the allocation (868c9ddc182b), which
 * before and after wraps the size_t allocation and copies the whole size.
 */
export function bounce(m: Machine, dev: Device, tlbAddr: number, size: number, toDevice: boolean, fn: string, rule: string, o: StepOutcome): void {
  const p = m.swiotlb!;
  const k = m.kernel;
  const index = Math.floor((tlbAddr - p.start) / IO_TLB_SIZE);
  let orig = p.origAddr[index]!;
  let allocSize = p.allocSize[index]!;
  if (orig === INVALID) return;
  const tlbOffset = (tlbAddr - p.start) % IO_TLB_SIZE;
  if (k < G.syncSizeCheck.code) {
    // swiotlb_tbl_sync_single: orig_addr += tlb_addr & (IO_TLB_SIZE - 1); swiotlb_bounce(orig_addr, tlb_addr, size, dir)
    orig += tlbOffset;
  } else if (k < G.bounceOffset.code) {
    // validate_sync_size_and_truncate(hwdev, io_tlb_orig_size[index], &size); the slot's orig_addr as it is
    if (size > allocSize) {
      printkOnce(m, o, 'swiotlb_bounce:overflow2', 'swiotlb.overflow', { alloc: allocSize, size }, who(dev.name, dev.cfg.label));
      size = allocSize;
    }
  } else {
    if (tlbOffset > allocSize && k >= G.bounceOverflowChecks.code && k < G.partialSyncFix.code) {
      printkOnce(m, o, 'swiotlb_bounce:overflow1', 'swiotlb.access-before-start', { alloc: allocSize, size, offset: tlbOffset }, who(dev.name, dev.cfg.label));
      return;
    }
    orig += tlbOffset;
    allocSize -= tlbOffset;
    // past the allocation the size_t alloc_size has wrapped: no check, the whole size is copied
    if (allocSize >= 0 && size > allocSize) {
      printkOnce(m, o, 'swiotlb_bounce:overflow2', 'swiotlb.overflow', { alloc: allocSize, size }, who(dev.name, dev.cfg.label));
      size = allocSize;
    }
  }
  if (toDevice) cpuCopy(m, tlbAddr, orig, size);
  else cpuCopy(m, orig, tlbAddr, size);
  o.events.push({ kind: 'bounce', from: toDevice ? orig : tlbAddr, to: toDevice ? tlbAddr : orig, len: size, toSlot: toDevice, why: why(m, fn, rule) });
}

/** Does the map-time copy happen for this kernel, direction and attrs? */
function copiesAtMap(kernel: number, dir: DmaDir, skipCpuSync: boolean): { copy: boolean; rule: string } {
  if (kernel >= G.copyAtMapAlways.code) {
    return { copy: true, rule: 'since 5.17 (aa6f8dcbab47, kept by 901c7280ca0d) swiotlb copies the original into the slot at map time for every direction, even DMA_FROM_DEVICE and with DMA_ATTR_SKIP_CPU_SYNC, so bytes the device does not write keep their values (CVE-2022-0854 fix)' };
  }
  const attrIgnored = skipCpuSync && kernel < G.skipCpuSync.code;
  const copy = (!skipCpuSync || attrIgnored) && dir !== 'DMA_FROM_DEVICE';
  return {
    copy,
    rule: attrIgnored
      ? 'before 4.10 swiotlb_tbl_map_single takes no attrs (0443fa003fa1 added them): DMA_ATTR_SKIP_CPU_SYNC does not stop the copy of a DMA_TO_DEVICE or DMA_BIDIRECTIONAL buffer into its slot'
      : copy
      ? 'before 5.17 swiotlb copied at map time only for DMA_TO_DEVICE and DMA_BIDIRECTIONAL'
      : skipCpuSync
        ? 'before 5.17 DMA_ATTR_SKIP_CPU_SYNC skipped the copy at map time'
        : 'before 5.17 swiotlb did not copy a DMA_FROM_DEVICE buffer at map time: the slot keeps what an earlier user left there (CVE-2022-0854)',
  };
}

/** Where a mapping of PAGE_SIZE or more goes in this kernel (findSlots). */
function placementNote(kernel: number): string {
  if (kernel >= G.slotOffsetMatch.code && kernel < G.slotPageAlign.code) return ", matching the original's offset within its page (iotlb_align_mask |= ~PAGE_MASK, 6.3–6.8)";
  return ', page aligned for a mapping of 4 KiB or more';
}

/** How a caller sizes and explains its bounce slot (dma-iommu asks for whole IOVA granules). */
export interface SlotRequest {
  /** Bytes of slots to take (≥ the mapping size); default the mapping size. */
  allocSize?: number;
  /** Required alignment of the slot address, minus one. */
  allocAlignMask?: number;
  /** Who asks and why the slot looks the way it does, for the event. */
  fn?: string;
  rule?: string;
  /** false: the slot has no original to copy (a coherent buffer taken from the pool, which the caller zeroes). */
  copy?: false;
}

/**
 * swiotlb_tbl_map_single(): find slots, record the original address per
 * slot, and copy the original in. Returns the slot address, or -1.
 */
export function tblMapSingle(m: Machine, dev: Device, orig: number, size: number, dir: DmaDir, skipCpuSync: boolean, noWarn: boolean, o: StepOutcome, req: SlotRequest = {}): number {
  const p = m.swiotlb;
  if (!p) {
    printk(m, o, 'swiotlb.no-pool', {}, who(dev.name, dev.cfg.label));
    if (m.kernel < G.noPoolWarn.code) {
      // "if (no_iotlb_memory) panic(…)" until 639205ed206f (6.1)
      observe(o, 'swiotlb/no-pool-panic', 'before 6.1 swiotlb_tbl_map_single panics when there is no pool; the explorer carries on with DMA_MAPPING_ERROR');
      o.error = 'BUG';
    }
    return -1;
  }
  const allocSize = req.allocSize ?? size;
  const index = findSlots(p, orig, allocSize, m.kernel, req.allocAlignMask ?? 0);
  if (index < 0) {
    // DMA_ATTR_NO_WARN is read here only from d0bc0c2a31c9 (4.16)
    if (!noWarn || m.kernel < G.noWarnAttr.code) printk(m, o, 'swiotlb.full', { size: allocSize, total: p.nslabs, used: p.used }, who(dev.name, dev.cfg.label));
    return -1;
  }
  const nslots = nrSlots(allocSize);
  for (let i = 0; i < nslots; i++) p.origAddr[index + i] = orig + i * IO_TLB_SIZE;
  const tlbAddr = p.start + index * IO_TLB_SIZE;
  o.events.push({
    kind: 'swiotlb_alloc',
    index,
    nslots,
    tlbAddr,
    orig,
    size: allocSize,
    ...(req.copy === false ? { coherent: true as const } : {}),
    why: why(
      m,
      req.fn ?? 'swiotlb_tbl_map_single',
      req.rule ?? `${nslots} slot(s) of 2 KiB from slot ${index}: next-fit from the area's index${allocSize >= PAGE_SIZE ? placementNote(m.kernel) : ''}, never crossing a 128-slot segment`,
    ),
  });
  if (req.copy === false) return tlbAddr;
  const c = copiesAtMap(m.kernel, dir, skipCpuSync);
  if (c.copy) bounce(m, dev, tlbAddr, size, true, 'swiotlb_tbl_map_single', c.rule, o);
  else o.events.push({ kind: 'note', text: 'no copy into the bounce slot at map time', why: why(m, 'swiotlb_tbl_map_single', c.rule) });
  return tlbAddr;
}

/**
 * swiotlb_tbl_unmap_single(): copy back (FROM_DEVICE/BIDIRECTIONAL, no SKIP),
 * then free the slots. `callerAllocSize`: the alloc_size the caller passes
 * before 5.13 (dma-direct: the unmap's size), which then decides how many
 * slots are freed (SWIOTLB_GATES.unmapRecordedSize); absent, the allocation's.
 */
export function tblUnmapSingle(m: Machine, dev: Device, tlbAddr: number, size: number, dir: DmaDir, skipCpuSync: boolean, o: StepOutcome, callerAllocSize?: number): void {
  const p = m.swiotlb!;
  if (!skipCpuSync && (dir === 'DMA_FROM_DEVICE' || dir === 'DMA_BIDIRECTIONAL')) {
    const rule = m.kernel < G.skipCpuSync.code ? 'unmap copies the slot back into the original buffer for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL; before 4.10 it takes no attrs, so DMA_ATTR_SKIP_CPU_SYNC does not stop it (0443fa003fa1)' : 'unmap copies the slot back into the original buffer for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL';
    bounce(m, dev, tlbAddr, size, false, 'swiotlb_tbl_unmap_single', rule, o);
  }
  const index = Math.floor((tlbAddr - p.start) / IO_TLB_SIZE);
  if (p.list[index] !== 0 || p.origAddr[index] === INVALID) {
    observe(o, 'swiotlb/bad-slot', `${hex(tlbAddr)} is not an allocated swiotlb slot: swiotlb_release_slots would corrupt the pool's free counts here`);
    return;
  }
  const recorded = nrSlots(p.allocSize[index]!);
  const byCaller = callerAllocSize !== undefined && m.kernel < G.unmapRecordedSize.code ? Math.min(nrSlots(callerAllocSize), p.nslabs - index) : recorded;
  const nslots = releaseSlots(p, index, byCaller);
  const rule =
    byCaller === recorded
      ? 'the slots go back to the pool, merged with free neighbours inside their 128-slot segment'
      : `before 5.13 the unmap frees the slots its own size covers (nslots = ALIGN(size, IO_TLB_SIZE) >> IO_TLB_SHIFT): ${byCaller} slot(s) where the map took ${recorded}${byCaller < recorded ? ', the rest stay allocated for good' : ', slots past the mapping freed with it'} (2973073a80b4 frees what the map took)`;
  o.events.push({ kind: 'swiotlb_free', index, nslots, tlbAddr, why: why(m, kernelName(m.kernel, 'swiotlbRelease').fn, rule) });
}

export function syncSingleForDevice(m: Machine, dev: Device, tlbAddr: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const fn = kernelName(m.kernel, 'swiotlbSyncForDevice').fn; // swiotlb_tbl_sync_single(…, SYNC_FOR_…) before 5.13
  if (m.kernel >= G.copyAtMapAlways.code && m.kernel < G.syncForDeviceByDir.code) {
    bounce(m, dev, tlbAddr, size, true, fn, '5.17 (aa6f8dcbab47) copies the original into the slot for every direction, DMA_FROM_DEVICE included: bytes the device already wrote are overwritten (reverted for 5.18 by bddac7c1e02b/901c7280ca0d)', o);
  } else if (dir === 'DMA_TO_DEVICE' || dir === 'DMA_BIDIRECTIONAL') {
    bounce(m, dev, tlbAddr, size, true, fn, 'sync_for_device copies the original into the slot for DMA_TO_DEVICE and DMA_BIDIRECTIONAL', o);
  } else {
    o.events.push({ kind: 'note', text: 'no copy: DMA_FROM_DEVICE', why: why(m, fn, 'sync_for_device copies nothing for DMA_FROM_DEVICE: the device is about to overwrite the slot') });
  }
}

export function syncSingleForCpu(m: Machine, dev: Device, tlbAddr: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const fn = kernelName(m.kernel, 'swiotlbSyncForCpu').fn; // swiotlb_tbl_sync_single(…, SYNC_FOR_…) before 5.13
  if (dir === 'DMA_FROM_DEVICE' || dir === 'DMA_BIDIRECTIONAL') {
    bounce(m, dev, tlbAddr, size, false, fn, 'sync_for_cpu copies the slot back into the original for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL', o);
  } else {
    o.events.push({ kind: 'note', text: 'no copy: DMA_TO_DEVICE', why: why(m, fn, 'sync_for_cpu copies nothing for DMA_TO_DEVICE: the device only read the slot') });
  }
}

/** Slots in use, for the explorer's swiotlb view: [index, nslots, orig] runs. */
export function swiotlbRuns(p: SwiotlbPool): Array<{ index: number; nslots: number; orig: number }> {
  const out: Array<{ index: number; nslots: number; orig: number }> = [];
  for (let i = 0; i < p.nslabs; ) {
    if (p.list[i] === 0 && p.origAddr[i] !== INVALID) {
      const n = nrSlots(p.allocSize[i]!);
      out.push({ index: i, nslots: n, orig: p.origAddr[i]! });
      i += Math.max(n, 1);
    } else i++;
  }
  return out;
}
