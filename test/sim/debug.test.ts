/**
 * dma-debug (kernel/dma/debug.c): every check with the kernel's exact text,
 * in the kernel's order, for the kernel version the machine runs.
 */
import { describe, expect, it } from 'vitest';
import {
  createDebugState,
  debugActiveCachelines,
  debugCheckSgSegment,
  debugLiveEntries,
  debugMap,
  debugMapSg,
  debugMapTimeFinding,
  debugMappingError,
  debugMessages,
  debugReleaseDriver,
  debugSync,
  debugSyncSg,
  debugTypeName,
  debugUnmap,
  debugUnmapSg,
  type DebugEntry,
  type DebugState,
  type DebugType,
  type Finding,
} from '../../src/sim/dma/debug.ts';
import type { DmaDir } from '../../src/sim/events.ts';
import { archOps } from '../../src/sim/arch/arch.ts';

const ADDR = 0xfffff000;

function st(kernel = 6012): DebugState {
  return createDebugState(kernel, 6);
}

function entry(over: Partial<DebugEntry> = {}): DebugEntry {
  return {
    dev: 'nic',
    devAddr: ADDR,
    size: 4096,
    type: 'single',
    dir: 'DMA_FROM_DEVICE',
    paddr: ADDR,
    sgCallEnts: 0,
    sgMappedEnts: 0,
    cpuAddr: 0,
    mapErr: 'not-checked',
    step: 1,
    ...over,
  };
}

function map(s: DebugState, over: Partial<DebugEntry> = {}, skip = false): Finding[] {
  return debugMap(s, entry(over), skip);
}

function unmap(s: DebugState, over: { devAddr?: number; size?: number; type?: DebugType; dir?: DmaDir; sgCallEnts?: number; cpuAddr?: number; cpuPaddr?: number } = {}): Finding[] {
  return debugUnmap(s, { dev: 'nic', devAddr: ADDR, size: 4096, type: 'single', dir: 'DMA_FROM_DEVICE', ...over });
}

const messages = (fs: Finding[]): string[] => fs.map((f) => f.message);
const rules = (fs: Finding[]): string[] => fs.map((f) => f.rule);

describe('check_unmap (kernel/dma/debug.c)', () => {
  it('check_unmap: a checked single mapping unmapped with the same parameters is silent and removes the entry', () => {
    const s = st();
    expect(map(s)).toEqual([]);
    debugMappingError(s, 'nic', ADDR);
    expect(unmap(s)).toEqual([]);
    expect(debugLiveEntries(s)).toEqual([]);
  });

  it('check_unmap: unmapping an address with no entry reports "tries to free DMA memory it has not allocated" with the unmap size', () => {
    const s = st();
    const fs = unmap(s, { devAddr: 0x1000, size: 512 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver tries to free DMA memory it has not allocated [device address=0x0000000000001000] [size=512 bytes]']);
    expect(fs[0]!.rule).toBe('unmap/not-allocated');
    expect(fs[0]!.why).toMatchObject({ fn: 'check_unmap', file: 'kernel/dma/debug.c' });
    expect(fs[0]!.entryStep).toBeUndefined();
  });

  it('check_unmap: a double unmap is reported as memory it has not allocated', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    expect(unmap(s)).toEqual([]);
    expect(rules(unmap(s))).toEqual(['unmap/not-allocated']);
  });

  it('check_unmap: unmapping DMA_MAPPING_ERROR reports "tries to free an invalid DMA memory address"', () => {
    const s = st();
    const fs = unmap(s, { devAddr: -1 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver tries to free an invalid DMA memory address']);
    expect(fs[0]!.rule).toBe('unmap/invalid-address');
  });

  it('check_unmap: the exact match is per device: another device at the same DMA address does not match', () => {
    const s = st();
    map(s, { dev: 'gpu' });
    expect(rules(unmap(s))).toEqual(['unmap/not-allocated']);
    expect(debugLiveEntries(s)).toHaveLength(1);
  });

  it('check_unmap: unmapping with a different size reports map size and unmap size (debug.c)', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    const fs = unmap(s, { size: 2048 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver frees DMA memory with different size [device address=0x00000000fffff000] [map size=4096 bytes] [unmap size=2048 bytes]']);
    expect(fs[0]!.rule).toBe('unmap/size-mismatch');
    expect(fs[0]!.entryStep).toBe(1);
  });

  it('check_unmap: freeing a streaming mapping with dma_free_coherent reports the wrong function with both type names', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    const fs = unmap(s, { type: 'coherent', dir: 'DMA_FROM_DEVICE' });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver frees DMA memory with wrong function [device address=0x00000000fffff000] [size=4096 bytes] [mapped as single] [unmapped as coherent]',
    ]);
    expect(fs[0]!.rule).toBe('unmap/wrong-function');
  });

  it('check_unmap: dma_unmap_single on dma_alloc_coherent memory is the wrong function, and the direction differs too (coherent is BIDIRECTIONAL)', () => {
    const s = st();
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0xffff000012345000, paddr: ADDR });
    const fs = unmap(s, { type: 'single', dir: 'DMA_TO_DEVICE' });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver frees DMA memory with wrong function [device address=0x00000000fffff000] [size=4096 bytes] [mapped as coherent] [unmapped as single]',
      'DMA-API: nic nic: device driver frees DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_BIDIRECTIONAL] [unmapped with DMA_TO_DEVICE]',
    ]);
  });

  it('check_unmap: dma_free_coherent with another CPU address prints both physical addresses (0x%016llx before 6.13)', () => {
    const s = st(6012);
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x40000000, paddr: 0x80000000 });
    const fs = unmap(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x40001000 });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver frees DMA memory with different CPU address [device address=0x00000000fffff000] [size=4096 bytes] [cpu alloc address=0x0000000080000000] [cpu free address=0x0000000080001000]',
    ]);
    expect(fs[0]!.rule).toBe('unmap/cpu-address');
  });

  it('check_unmap: from 6.13 the CPU addresses are printed with "0x%pa", which doubles the 0x', () => {
    const s = st(6013);
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x40000000, paddr: 0x80000000 });
    const fs = unmap(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuPaddr: 0x90000000 });
    expect(fs[0]!.message).toBe(
      'DMA-API: nic nic: device driver frees DMA memory with different CPU address [device address=0x00000000fffff000] [size=4096 bytes] [cpu alloc address=0x0x0000000080000000] [cpu free address=0x0x0000000090000000]',
    );
  });

  it('check_unmap: the CPU-address check is skipped when the type already differs (else-if in check_unmap)', () => {
    const s = st();
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x40000000, paddr: 0x80000000 });
    const fs = unmap(s, { type: 'single', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x1 });
    expect(rules(fs)).toEqual(['unmap/wrong-function']);
  });

  it('check_unmap: dma_unmap_sg with the count dma_map_sg returned instead of nents reports map count and unmap count', () => {
    const s = st();
    map(s, { type: 'scatter-gather', sgCallEnts: 4, sgMappedEnts: 2 });
    const fs = unmap(s, { type: 'scatter-gather', sgCallEnts: 2 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver frees DMA sg list with different entry count [map count=4] [unmap count=2]']);
    expect(fs[0]!.rule).toBe('unmap/sg-count');
  });

  it('check_unmap: unmapping with another direction reports both directions by name', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    const fs = unmap(s, { dir: 'DMA_TO_DEVICE' });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver frees DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [unmapped with DMA_TO_DEVICE]',
    ]);
    expect(fs[0]!.rule).toBe('unmap/direction');
  });

  it('check_unmap: a single mapping whose dma_mapping_error() was never called is reported at unmap, with no space before "["', () => {
    const s = st();
    expect(map(s)).toEqual([]);
    const fs = unmap(s);
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver failed to check map error[device address=0x00000000fffff000] [size=4096 bytes] [mapped as single]']);
    expect(fs[0]!.rule).toBe('unmap/map-error-not-checked');
    expect(fs[0]!.why.rule).toContain('dma_mapping_error()');
  });

  it('check_unmap: sg, coherent and noncoherent entries are not subject to the map-error check', () => {
    const s = st(6017);
    map(s, { type: 'scatter-gather', sgCallEnts: 1, sgMappedEnts: 1 });
    expect(unmap(s, { type: 'scatter-gather', sgCallEnts: 1 })).toEqual([]);
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL' });
    expect(unmap(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL' })).toEqual([]);
    map(s, { type: 'noncoherent' });
    expect(unmap(s, { type: 'noncoherent' })).toEqual([]);
  });

  it('check_unmap: dma_map_resource entries demand the map-error check too', () => {
    const s = st(6012);
    map(s, { type: 'resource', dir: 'DMA_TO_DEVICE' });
    expect(messages(unmap(s, { type: 'resource', dir: 'DMA_TO_DEVICE' }))).toEqual([
      'DMA-API: nic nic: device driver failed to check map error[device address=0x00000000fffff000] [size=4096 bytes] [mapped as resource]',
    ]);
  });

  it('check_unmap: every failing check is reported, in the kernel order size → type → sg count → direction → map error', () => {
    const s = st();
    map(s);
    const fs = unmap(s, { size: 100, type: 'coherent', dir: 'DMA_BIDIRECTIONAL' });
    expect(rules(fs)).toEqual(['unmap/size-mismatch', 'unmap/wrong-function', 'unmap/direction', 'unmap/map-error-not-checked']);
    expect(fs[3]!.message).toBe('DMA-API: nic nic: device driver failed to check map error[device address=0x00000000fffff000] [size=100 bytes] [mapped as single]');
    expect(debugLiveEntries(s)).toEqual([]);
  });

  it('check_unmap: several exact matches without a perfect fit count as not found (__hash_bucket_find best fit)', () => {
    const s = st();
    map(s, { size: 4096 });
    map(s, { size: 8192 });
    debugMappingError(s, 'nic', ADDR);
    debugMappingError(s, 'nic', ADDR);
    expect(rules(unmap(s, { size: 100 }))).toEqual(['unmap/not-allocated']);
    expect(unmap(s, { size: 8192 })).toEqual([]);
    expect(debugLiveEntries(s).map((e) => e.size)).toEqual([4096]);
  });

  it('check_unmap: a single exact match is used even when it fits badly', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    expect(rules(unmap(s, { size: 1, dir: 'DMA_TO_DEVICE' }))).toEqual(['unmap/size-mismatch', 'unmap/direction']);
  });
});

describe('debug_dma_mapping_error', () => {
  it('debug_dma_mapping_error: marks only the first unchecked exact match, in hash-list order', () => {
    const s = st(6012);
    map(s, { step: 1 });
    // debug_dma_map_resource makes a NOT_CHECKED entry without calling dma_mapping_error()
    map(s, { step: 2, type: 'resource' });
    expect(debugLiveEntries(s).map((e) => e.mapErr)).toEqual(['not-checked', 'not-checked']);
    debugMappingError(s, 'nic', ADDR);
    expect(debugLiveEntries(s).map((e) => e.mapErr)).toEqual(['checked', 'not-checked']);
    debugMappingError(s, 'nic', ADDR);
    expect(debugLiveEntries(s).map((e) => e.mapErr)).toEqual(['checked', 'checked']);
  });

  it('debug_dma_mapping_error: another device or address is not marked', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'gpu', ADDR);
    debugMappingError(s, 'nic', ADDR + 4096);
    expect(debugLiveEntries(s)[0]!.mapErr).toBe('not-checked');
  });

  it('debug_dma_map_phys: its own dma_mapping_error() call marks an older unchecked mapping at the same address as checked', () => {
    const s = st();
    map(s, { step: 1 });
    map(s, { step: 2 });
    expect(debugLiveEntries(s).map((e) => e.mapErr)).toEqual(['checked', 'not-checked']);
    // both fit perfectly: the first in the list (step 1, checked) goes first
    expect(unmap(s)).toEqual([]);
    const fs = unmap(s);
    expect(rules(fs)).toEqual(['unmap/map-error-not-checked']);
    expect(fs[0]!.entryStep).toBe(2);
  });

  it('check_unmap: the not-found path calls dma_mapping_error(), which marks an ambiguous entry as checked', () => {
    const s = st();
    map(s, { size: 4096 });
    map(s, { size: 8192 });
    // map #2 already marked #1; #2 is still unchecked
    unmap(s, { size: 1 });
    expect(debugLiveEntries(s).map((e) => e.mapErr)).toEqual(['checked', 'checked']);
  });

  it('debug_dma_map_phys: a failed map (DMA_MAPPING_ERROR) is not recorded', () => {
    const s = st();
    expect(map(s, { devAddr: -1 })).toEqual([]);
    expect(debugLiveEntries(s)).toEqual([]);
  });
});

describe('check_sync (kernel/dma/debug.c)', () => {
  function sync(s: DebugState, forCpu: boolean, over: { devAddr?: number; size?: number; dir?: DmaDir; sgCallEnts?: number; maxSegSize?: number } = {}): Finding[] {
    return debugSync(s, { dev: 'nic', devAddr: ADDR, size: 4096, dir: 'DMA_FROM_DEVICE', ...over }, forCpu);
  }

  it('check_sync: syncing with no mapping reports "tries to sync DMA memory it has not allocated" with the sync address and size', () => {
    const s = st();
    const fs = sync(s, true, { size: 64 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver tries to sync DMA memory it has not allocated [device address=0x00000000fffff000] [size=64 bytes]']);
    expect(fs[0]!.rule).toBe('sync/not-allocated');
    expect(fs[0]!.why.fn).toBe('check_sync');
  });

  it('check_sync: a sync after unmap finds nothing', () => {
    const s = st();
    map(s);
    debugMappingError(s, 'nic', ADDR);
    unmap(s);
    expect(rules(sync(s, true))).toEqual(['sync/not-allocated']);
  });

  it('check_sync: a partial sync inside the mapping is fine, also several buckets (8 KiB each) into it', () => {
    const s = st();
    map(s, { devAddr: 0x100000, paddr: 0x100000, size: 0x40000 });
    expect(sync(s, true, { devAddr: 0x100000 + 64, size: 64 })).toEqual([]);
    expect(sync(s, false, { devAddr: 0x100000 + 0x3f000, size: 0x1000 })).toEqual([]);
  });

  it('check_sync: a range running past the end of the mapping has no containing entry and is reported as not allocated (the outside-range check cannot fire)', () => {
    const s = st();
    map(s, { devAddr: 0x100000, paddr: 0x100000, size: 0x1000 });
    const fs = sync(s, true, { devAddr: 0x100800, size: 0x1000 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver tries to sync DMA memory it has not allocated [device address=0x0000000000100800] [size=4096 bytes]']);
  });

  it('check_sync: before 6.0 the walk back stops after dma_get_max_seg_size() bytes, so a sync deep inside a large mapping is "not allocated"', () => {
    const old = st(5015);
    map(old, { devAddr: 0x100000, paddr: 0x100000, size: 0x40000 });
    expect(rules(sync(old, true, { devAddr: 0x100000 + 0x20000, size: 64 }))).toEqual(['sync/not-allocated']);
    expect(sync(old, true, { devAddr: 0x100000 + 0x10000, size: 64 })).toEqual([]);
    expect(sync(old, true, { devAddr: 0x100000 + 0x20000, size: 64, maxSegSize: 0x40000 })).toEqual([]);
    const now = st(6000);
    map(now, { devAddr: 0x100000, paddr: 0x100000, size: 0x40000 });
    expect(sync(now, true, { devAddr: 0x100000 + 0x20000, size: 64 })).toEqual([]);
  });

  it('check_sync: a mapping of another device does not contain the range', () => {
    const s = st();
    map(s, { dev: 'gpu' });
    expect(rules(sync(s, true))).toEqual(['sync/not-allocated']);
  });

  it('check_sync: two containing mappings in one bucket with no perfect fit are ambiguous and reported as not allocated', () => {
    const s = st();
    map(s, { devAddr: 0x100000, paddr: 0x100000, size: 0x1000 });
    map(s, { devAddr: 0x100000, paddr: 0x100000, size: 0x800 });
    expect(rules(sync(s, true, { size: 64, devAddr: 0x100000 }))).toEqual(['sync/not-allocated']);
    expect(sync(s, true, { size: 0x800, devAddr: 0x100000 })).toEqual([]);
  });

  it('check_sync: map FROM_DEVICE + sync_for_device TO_DEVICE gives 2 findings: different direction and device write-only', () => {
    const s = st();
    map(s);
    const fs = sync(s, false, { dir: 'DMA_TO_DEVICE' });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver syncs DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]',
      'DMA-API: nic nic: device driver syncs device write-only DMA memory to device [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]',
    ]);
    expect(rules(fs)).toEqual(['sync/direction-mismatch', 'sync/device-write-only']);
  });

  it('check_sync: map TO_DEVICE + sync_for_cpu FROM_DEVICE gives 2 findings: different direction and device read-only', () => {
    const s = st();
    map(s, { dir: 'DMA_TO_DEVICE' });
    const fs = sync(s, true, { dir: 'DMA_FROM_DEVICE' });
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver syncs DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]',
      'DMA-API: nic nic: device driver syncs device read-only DMA memory for cpu [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]',
    ]);
    expect(rules(fs)).toEqual(['sync/direction-mismatch', 'sync/device-read-only']);
  });

  it('check_sync: map FROM_DEVICE + sync_for_cpu BIDIRECTIONAL gives only 1 finding (different direction)', () => {
    const s = st();
    map(s);
    expect(rules(sync(s, true, { dir: 'DMA_BIDIRECTIONAL' }))).toEqual(['sync/direction-mismatch']);
  });

  it('check_sync: the messages print the sync address but the mapping size', () => {
    const s = st();
    map(s, { devAddr: 0x100000, paddr: 0x100000, size: 0x2000 });
    const fs = sync(s, true, { devAddr: 0x100040, size: 64, dir: 'DMA_BIDIRECTIONAL' });
    expect(fs[0]!.message).toBe(
      'DMA-API: nic nic: device driver syncs DMA memory with different direction [device address=0x0000000000100040] [size=8192 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]',
    );
  });

  it('check_sync: correct directions are silent, including sync_for_device FROM_DEVICE on a FROM_DEVICE mapping', () => {
    const s = st();
    map(s);
    expect(sync(s, true)).toEqual([]);
    expect(sync(s, false)).toEqual([]);
    map(s, { devAddr: 0x200000, paddr: 0x200000, dir: 'DMA_TO_DEVICE' });
    expect(sync(s, false, { devAddr: 0x200000, dir: 'DMA_TO_DEVICE' })).toEqual([]);
    expect(sync(s, true, { devAddr: 0x200000, dir: 'DMA_TO_DEVICE' })).toEqual([]);
  });

  it('check_sync: a DMA_BIDIRECTIONAL mapping skips every direction check', () => {
    const s = st();
    map(s, { dir: 'DMA_BIDIRECTIONAL' });
    expect(sync(s, true, { dir: 'DMA_TO_DEVICE' })).toEqual([]);
    expect(sync(s, false, { dir: 'DMA_FROM_DEVICE' })).toEqual([]);
  });

  it('check_sync: dma_sync_sg with another nents than dma_map_sg got reports map count and sync count', () => {
    const s = st();
    map(s, { type: 'scatter-gather', sgCallEnts: 3, sgMappedEnts: 3 });
    const fs = sync(s, true, { sgCallEnts: 2 });
    expect(messages(fs)).toEqual(['DMA-API: nic nic: device driver syncs DMA sg list with different entry count [map count=3] [sync count=2]']);
    expect(fs[0]!.rule).toBe('sync/sg-count');
  });
});

describe('add_dma_entry / active_cacheline_insert (kernel/dma/debug.c)', () => {
  const EEXIST = "DMA-API: nic nic: cacheline tracking EEXIST, overlapping mappings aren't supported";

  it('active_cacheline_insert: two FROM_DEVICE mappings starting in the same 64-byte line report EEXIST', () => {
    const s = st();
    map(s, { devAddr: 0x1000, paddr: 0x1000, size: 32 });
    const fs = map(s, { devAddr: 0x1020, paddr: 0x1020, size: 32, step: 2 });
    expect(messages(fs)).toEqual([EEXIST]);
    expect(fs[0]!.rule).toBe('map/cacheline-overlap');
    expect(fs[0]!.why.fn).toBe('active_cacheline_insert');
    expect(fs[0]!.entryStep).toBe(2);
  });

  it('active_cacheline_insert: overlap is by starting line only: [0,100) and [64,128) of one page do not collide', () => {
    const s = st();
    expect(map(s, { devAddr: 0x1000, paddr: 0x1000, size: 100 })).toEqual([]);
    expect(map(s, { devAddr: 0x1040, paddr: 0x1040, size: 64 })).toEqual([]);
  });

  it('active_cacheline_insert: the key is the physical address, not the DMA address', () => {
    const s = st();
    map(s, { devAddr: 0x1000, paddr: 0x5000 });
    expect(messages(map(s, { devAddr: 0x9000, paddr: 0x5010 }))).toEqual([EEXIST]);
  });

  it('add_dma_entry: EEXIST is not reported for a map with DMA_ATTR_SKIP_CPU_SYNC', () => {
    const s = st();
    map(s, { paddr: 0x1000, devAddr: 0x1000 });
    expect(map(s, { paddr: 0x1000, devAddr: 0x2000 }, true)).toEqual([]);
    expect(debugActiveCachelines(s)).toEqual([{ line: 0x1000, mappings: 2 }]);
  });

  it('active_cacheline_insert: DMA_TO_DEVICE mappings are not tracked at all', () => {
    const s = st();
    map(s, { paddr: 0x1000, devAddr: 0x1000, dir: 'DMA_TO_DEVICE' });
    expect(map(s, { paddr: 0x1000, devAddr: 0x2000, dir: 'DMA_TO_DEVICE' })).toEqual([]);
    expect(map(s, { paddr: 0x1000, devAddr: 0x3000, dir: 'DMA_FROM_DEVICE' })).toEqual([]);
    expect(debugActiveCachelines(s)).toEqual([{ line: 0x1000, mappings: 1 }]);
  });

  it('active_cacheline_remove: unmapping releases the line, so mapping it again is silent', () => {
    const s = st();
    map(s, { paddr: 0x1000, devAddr: 0x1000 });
    debugMappingError(s, 'nic', 0x1000);
    unmap(s, { devAddr: 0x1000 });
    expect(debugActiveCachelines(s)).toEqual([]);
    expect(map(s, { paddr: 0x1010, devAddr: 0x1010 })).toEqual([]);
  });

  it('active_cacheline_inc_overlap: more than 7 overlaps of one line WARN_ONCE "exceeded 7 overlapping mappings"', () => {
    const s = st();
    const all: Finding[] = [];
    for (let i = 0; i < 10; i++) all.push(...map(s, { paddr: 0x1000, devAddr: 0x1000 + i * 0x10000 }, true));
    expect(messages(all)).toEqual(['DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000000000040']);
    expect(all[0]!.rule).toBe('map/overlap-limit');
    expect(all[0]!.why.fn).toBe('active_cacheline_inc_overlap');
  });

  it('active_cacheline_remove: after a saturated counter the line is dropped early, so overlap tracking is lost', () => {
    const s = st();
    for (let i = 0; i < 9; i++) map(s, { paddr: 0x1000, devAddr: 0x1000 + i * 0x10000, sgCallEnts: 0 }, true);
    for (let i = 0; i < 8; i++) {
      debugMappingError(s, 'nic', 0x1000 + i * 0x10000);
      unmap(s, { devAddr: 0x1000 + i * 0x10000 });
    }
    // one mapping is still live, but the line is gone: a new overlap goes unnoticed
    expect(debugActiveCachelines(s)).toEqual([]);
    expect(map(s, { paddr: 0x1000, devAddr: 0x900000 })).toEqual([]);
  });

  it('add_dma_entry: before 5.14 EEXIST was not reported (a TODO)', () => {
    const s = st(5013);
    map(s, { paddr: 0x1000, devAddr: 0x1000 });
    expect(map(s, { paddr: 0x1000, devAddr: 0x2000 })).toEqual([]);
  });

  it('add_dma_entry: 5.14 reported EEXIST with a plain pr_err, without device, and even with DMA_ATTR_SKIP_CPU_SYNC', () => {
    const s = st(5014);
    map(s, { paddr: 0x1000, devAddr: 0x1000 });
    expect(messages(map(s, { paddr: 0x1000, devAddr: 0x2000 }, true))).toEqual(["DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
    expect(s.errorCount).toBe(0);
  });

  it('add_dma_entry: from 6.18 EEXIST is silent when swiotlb bounces unaligned kmalloc buffers for the device', () => {
    const old = st(6017);
    debugMap(old, entry({ paddr: 0x1000, devAddr: 0x1000 }), false);
    expect(debugMap(old, entry({ paddr: 0x1000, devAddr: 0x2000 }), false, { bounceUnalignedKmalloc: true })).toHaveLength(1);
    const s = st(6018);
    debugMap(s, entry({ paddr: 0x1000, devAddr: 0x1000 }), false);
    expect(debugMap(s, entry({ paddr: 0x1000, devAddr: 0x2000 }), false, { bounceUnalignedKmalloc: true })).toEqual([]);
  });

  it('to_cacheline_number: the line size follows L1_CACHE_SHIFT', () => {
    const s = createDebugState(6012, 7);
    map(s, { paddr: 0x1000, devAddr: 0x1000 });
    expect(messages(map(s, { paddr: 0x1040, devAddr: 0x2000 }))).toEqual([EEXIST]);
  });

  it("to_cacheline_number on arm64: the architecture's L1_CACHE_SHIFT for the kernel, 7 on 4.16 and 6 from 4.17 (the revert of 97303480753e)", () => {
    const shift = archOps('arm64').l1CacheShift;
    const lines = (kernel: number) => {
      const s = createDebugState(kernel, shift(kernel));
      map(s, { paddr: 0x1000, devAddr: 0x1000 });
      map(s, { paddr: 0x1040, devAddr: 0x2000 });
      return debugActiveCachelines(s);
    };
    // mappings 64 bytes apart: one 128-byte line with both on 4.16, two 64-byte lines on 4.17
    expect(lines(4016)).toEqual([{ line: 0x1000, mappings: 2 }]);
    expect(lines(4017)).toEqual([
      { line: 0x1000, mappings: 1 },
      { line: 0x1040, mappings: 1 },
    ]);
  });
});

describe('dma_debug_device_change (BUS_NOTIFY_UNBOUND_DRIVER)', () => {
  it('dma_debug_device_change: counts coherent allocations too and shows the last entry found in hash order', () => {
    const s = st();
    map(s, { devAddr: 0x400000, paddr: 0x400000, dir: 'DMA_TO_DEVICE' });
    map(s, { devAddr: 0x2000, paddr: 0x2000, type: 'coherent', dir: 'DMA_BIDIRECTIONAL', cpuAddr: 0x9000 });
    map(s, { dev: 'gpu', devAddr: 0x800000, paddr: 0x800000 });
    const fs = debugReleaseDriver(s, 'nic');
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver has pending DMA allocations while released from device [count=2]\n' +
        'One of leaked entries details: [device address=0x0000000000400000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [mapped as single]',
    ]);
    expect(fs[0]!.rule).toBe('release/pending-allocations');
    expect(fs[0]!.why.fn).toBe('dma_debug_device_change');
    expect(debugLiveEntries(s)).toHaveLength(3);
  });

  it('dma_debug_device_change: a coherent allocation alone is a leak, shown as coherent BIDIRECTIONAL', () => {
    const s = st();
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL' });
    expect(debugReleaseDriver(s, 'nic')[0]!.message).toContain('[count=1]\nOne of leaked entries details: [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_BIDIRECTIONAL] [mapped as coherent]');
  });

  it('dma_debug_device_change: nothing pending, nothing printed', () => {
    const s = st();
    map(s, { dev: 'gpu' });
    expect(debugReleaseDriver(s, 'nic')).toEqual([]);
  });
});

describe('type names and message format per kernel version', () => {
  it('type2name: "single" up to 6.17, "phy" from 6.18 (dma_map_phys) for single, page and resource mappings', () => {
    for (const [k, name] of [
      [6017, 'single'],
      [6018, 'phy'],
    ] as const) {
      const s = st(k);
      map(s);
      expect(unmap(s)[0]!.message).toBe(`DMA-API: nic nic: device driver failed to check map error[device address=0x00000000fffff000] [size=4096 bytes] [mapped as ${name}]`);
    }
    const s = st(6018);
    map(s, { type: 'resource' });
    expect(rules(unmap(s, { type: 'single' }))).toEqual(['unmap/map-error-not-checked']);
    expect(debugTypeName(s, 'resource')).toBe('phy');
    expect(debugTypeName(st(6017), 'resource')).toBe('resource');
  });

  it('type2name: "scather-gather" until 6.6, "scatter-gather" from 6.7', () => {
    expect(debugTypeName(st(6006), 'scatter-gather')).toBe('scather-gather');
    expect(debugTypeName(st(6007), 'scatter-gather')).toBe('scatter-gather');
    const s = st(6006);
    map(s, { type: 'scatter-gather', sgCallEnts: 1, sgMappedEnts: 1 });
    expect(unmap(s, { type: 'single' })[0]!.message).toBe(
      'DMA-API: nic nic: device driver frees DMA memory with wrong function [device address=0x00000000fffff000] [size=4096 bytes] [mapped as scather-gather] [unmapped as single]',
    );
  });

  it('type2name: 5.1–5.6 print the names shifted by one (stale "page" string, fixed in 5.7)', () => {
    const s = st(5004);
    expect(debugTypeName(s, 'single')).toBe('single');
    expect(debugTypeName(s, 'scatter-gather')).toBe('page');
    expect(debugTypeName(s, 'coherent')).toBe('scather-gather');
    expect(debugTypeName(s, 'resource')).toBe('coherent');
    map(s, { type: 'coherent', dir: 'DMA_BIDIRECTIONAL' });
    expect(debugReleaseDriver(s, 'nic')[0]!.message).toContain('[mapped with DMA_BIDIRECTIONAL] [mapped as scather-gather]');
    expect(debugTypeName(st(5007), 'coherent')).toBe('coherent');
  });

  it('type2name: before 5.1 dma_map_page entries are "page", and unmapping them with dma_unmap_single is the wrong function', () => {
    const s = st(4019);
    map(s, { type: 'page' });
    debugMappingError(s, 'nic', ADDR);
    expect(unmap(s, { type: 'single' })[0]!.message).toBe(
      'nic nic: DMA-API: device driver frees DMA memory with wrong function [device address=0x00000000fffff000] [size=4096 bytes] [mapped as page] [unmapped as single]',
    );
    const later = st(5001);
    map(later, { type: 'page' });
    debugMappingError(later, 'nic', ADDR);
    expect(unmap(later, { type: 'single' })).toEqual([]);
  });

  it('type2name: dma_alloc_pages entries are "noncoherent" from 6.17; before, they were single mappings that demanded a map-error check at dma_free_pages', () => {
    const s = st(6016);
    map(s, { type: 'noncoherent' });
    expect(unmap(s, { type: 'noncoherent' })[0]!.message).toBe(
      'DMA-API: nic nic: device driver failed to check map error[device address=0x00000000fffff000] [size=4096 bytes] [mapped as single]',
    );
    const now = st(6017);
    map(now, { type: 'noncoherent' });
    expect(debugLiveEntries(now)[0]).toMatchObject({ type: 'noncoherent', typeName: 'noncoherent', mapErr: 'n/a' });
  });

  it('err_printk: before the pr_fmt conversion (5.0) "DMA-API: " followed the device name, and the file was lib/dma-debug.c before 4.17', () => {
    const s = st(4014);
    const fs = unmap(s, { devAddr: 0x1000 });
    expect(fs[0]!.message).toBe('nic nic: DMA-API: device driver tries to free DMA memory it has not allocated [device address=0x0000000000001000] [size=4096 bytes]');
    expect(fs[0]!.why.file).toBe('lib/dma-debug.c');
    expect(unmap(st(4019), { devAddr: 0x1000 })[0]!.why.file).toBe('kernel/dma/debug.c');
  });

  it('err_printk: every error is counted, but a default kernel (num_errors=1) prints only the first', () => {
    const s = st();
    const a = unmap(s, { devAddr: 0x1000 });
    const b = unmap(s, { devAddr: 0x2000 });
    expect(a[0]!.kernelPrints).toBe(true);
    expect(b[0]!.kernelPrints).toBe(false);
    expect(s.errorCount).toBe(2);
  });
});

describe('map-time checks (15–19)', () => {
  it('check_for_stack: the exact texts for a linear and a vmapped stack', () => {
    expect(debugMessages.mapsFromStack('nic', 0x800012345678, false)).toBe('DMA-API: nic nic: device driver maps memory from stack [addr=ffff800012345678]');
    expect(debugMessages.mapsFromStack('nic', 0x800012345000, true)).toBe('DMA-API: nic nic: device driver maps memory from stack [probable addr=ffff800012345000]');
    expect(debugMessages.mapsFromStack('nic', 0x1000, false, 4004)).toBe('nic nic: DMA-API: device driver maps memory fromstack [addr=ffff000000001000]');
  });

  it('debug_dma_map_single / check_for_illegal_area: vmalloc, invalid area and kernel text texts', () => {
    expect(debugMessages.mapsFromVmalloc('nic', 0x800080000000, 64)).toBe('DMA-API: nic nic: device driver maps memory from vmalloc area [addr=ffff800080000000] [len=64]');
    expect(debugMessages.mapsFromInvalidArea('nic', 0x10, 8)).toBe('DMA-API: nic nic: device driver maps memory from invalid area [addr=ffff000000000010] [len=8]');
    expect(debugMessages.mapsKernelText('nic', 0x210000, 4096)).toBe('DMA-API: nic nic: device driver maps memory from kernel text or rodata [addr=ffff000000210000] [len=4096]');
  });

  it('check_sg_segment: segment longer than dma_get_max_seg_size and across the segment boundary', () => {
    expect(debugMessages.sgSegmentTooLong('nic', 131072, 65536)).toBe('DMA-API: nic nic: mapping sg segment longer than device claims to support [len=131072] [max=65536]');
    expect(debugMessages.sgSegmentAcrossBoundary('nic', 0xff000, 0x100fff, 0xfffff)).toBe(
      'DMA-API: nic nic: mapping sg segment across boundary [start=0x00000000000ff000] [end=0x0000000000100fff] [boundary=0x00000000000fffff]',
    );
  });

  it('check_sg_segment: runs only with CONFIG_DMA_API_DEBUG_SG before 6.13 and always from 6.13', () => {
    const sg = { devAddr: 0xff000, dmaLen: 0x2000, paddr: 0xff000, length: 0x20000 };
    expect(debugCheckSgSegment(st(6012), 'nic', sg, 65536, 0xfffff)).toEqual([]);
    const on = createDebugState(6012, 6, { debugSg: true });
    expect(rules(debugCheckSgSegment(on, 'nic', sg, 65536, 0xfffff))).toEqual(['sg/segment-too-long', 'sg/segment-boundary']);
    expect(rules(debugCheckSgSegment(st(6013), 'nic', sg, 65536, Number.MAX_SAFE_INTEGER))).toEqual(['sg/segment-too-long']);
  });

  it('debugMapTimeFinding: a stack finding names check_for_stack and counts as an err_printk', () => {
    const s = st();
    const f = debugMapTimeFinding(s, 'nic', { kind: 'stack', addr: 0x1000, probable: true });
    expect(f).toMatchObject({ rule: 'map/stack', why: { fn: 'check_for_stack', file: 'kernel/dma/debug.c' }, kernelPrints: true });
    expect(s.errorCount).toBe(1);
  });
});

describe('scatter-gather loops (debug_dma_map_sg / unmap_sg / sync_sg)', () => {
  const sgl = [
    { devAddr: 0x10000, dmaLen: 0x1000, paddr: 0x10000 },
    { devAddr: 0x20000, dmaLen: 0x1000, paddr: 0x20000 },
    { devAddr: 0x30000, dmaLen: 0x1000, paddr: 0x30000 },
  ];

  it('debug_dma_map_sg: one entry per mapped segment with nents and the mapped count', () => {
    const s = st();
    expect(debugMapSg(s, 'nic', sgl, 3, 2, 'DMA_FROM_DEVICE', false, 7)).toEqual([]);
    expect(debugLiveEntries(s).map((e) => [e.devAddr, e.sgCallEnts, e.sgMappedEnts, e.typeName, e.mapErr])).toEqual([
      [0x10000, 3, 2, 'scatter-gather', 'n/a'],
      [0x20000, 3, 2, 'scatter-gather', 'n/a'],
    ]);
  });

  it('debug_dma_unmap_sg: stops after the mapped count found on the first entry; nents is compared per entry', () => {
    const s = st(6012);
    debugMapSg(s, 'nic', sgl, 3, 3, 'DMA_FROM_DEVICE', false, 1);
    expect(debugUnmapSg(s, 'nic', sgl, 3, 'DMA_FROM_DEVICE')).toEqual([]);
    debugMapSg(s, 'nic', sgl, 3, 3, 'DMA_FROM_DEVICE', false, 1);
    // nents=2 (the driver passed a wrong count): the first entry has no perfect fit but is the only match
    const fs = debugUnmapSg(s, 'nic', sgl, 2, 'DMA_FROM_DEVICE');
    expect(messages(fs)).toEqual([
      'DMA-API: nic nic: device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]',
      'DMA-API: nic nic: device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]',
    ]);
    expect(debugLiveEntries(s).map((e) => e.devAddr)).toEqual([0x30000]);
  });

  it('debug_dma_unmap_sg: an sg list that is not mapped reports every one of the nents entries', () => {
    const s = st();
    expect(rules(debugUnmapSg(s, 'nic', sgl, 3, 'DMA_FROM_DEVICE'))).toEqual(['unmap/not-allocated', 'unmap/not-allocated', 'unmap/not-allocated']);
  });

  it('debug_dma_sync_sg_for_cpu: nothing is checked when the first entry has no mapping (mapped_ents is 0)', () => {
    const s = st();
    expect(debugSyncSg(s, 'nic', sgl, 3, 'DMA_FROM_DEVICE', true)).toEqual([]);
  });

  it('debug_dma_sync_sg_for_device: checks the mapped entries, each with the sg count', () => {
    const s = st();
    debugMapSg(s, 'nic', sgl, 3, 2, 'DMA_FROM_DEVICE', false, 1);
    const fs = debugSyncSg(s, 'nic', sgl, 3, 'DMA_TO_DEVICE', false);
    expect(rules(fs)).toEqual(['sync/direction-mismatch', 'sync/device-write-only', 'sync/direction-mismatch', 'sync/device-write-only']);
  });
});

describe('views', () => {
  it('debugLiveEntries: live entries in the order they were made, as copies', () => {
    const s = st();
    map(s, { devAddr: 0x400000, paddr: 0x400000, step: 1 });
    map(s, { devAddr: 0x1000, paddr: 0x1000, step: 2 });
    map(s, { devAddr: 0x200000, paddr: 0x200000, step: 3 });
    debugMappingError(s, 'nic', 0x1000);
    unmap(s, { devAddr: 0x1000 });
    const live = debugLiveEntries(s);
    expect(live.map((e) => e.step)).toEqual([1, 3]);
    live[0]!.size = 1;
    expect(debugLiveEntries(s)[0]!.size).toBe(4096);
  });

  it('createDebugState: plain data that replays identically', () => {
    const run = () => {
      const s = st();
      for (let i = 0; i < 50; i++) map(s, { devAddr: i * 0x1000, paddr: i * 0x40, step: i });
      return { live: debugLiveEntries(s), lines: debugActiveCachelines(s), errors: s.errorCount };
    };
    expect(run()).toEqual(run());
  });
});
