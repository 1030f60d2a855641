/**
 * arm64 DMA cache maintenance: `arch/arm64/mm/dma-mapping.c` and
 * `arch/arm64/mm/cache.S` (dcache_clean_poc, dcache_inval_poc).
 *
 * - for_device: clean (`dc cvac`) for every direction since 5.19
 *   (c50f11c6196f "arm64: mm: Don't invalidate FROM_DEVICE buffers at start of
 *   DMA transfer"); before 5.19 FROM_DEVICE invalidated (__dma_inv_area).
 * - for_cpu: nothing for TO_DEVICE, dcache_inval_poc otherwise: partial edge
 *   lines are cleaned and invalidated (`dc civac`), whole lines invalidated
 *   (`dc ivac`), so dirty data in whole lines is discarded.
 * - arch_dma_prep_coherent: dcache_clean_poc since 7bd6680b47fa (early 2023,
 *   taken here as 6.3), __dma_flush_area (clean+invalidate) before.
 * - L1_CACHE_SHIFT (dma-debug's cacheline): 7 in 4.4–4.16 (97303480753e "arm64:
 *   Increase the max granular size"), 6 from 4.17 (release not pinned);
 *   ARCH_DMA_MINALIGN and the kmalloc alignment are 128 throughout.
 * - zones: ZONE_DMA over the low 4 GiB and no ZONE_DMA32 in 4.4–4.15
 *   (GFP_DMA32 is ZONE_NORMAL); ZONE_DMA32 over the low 4 GiB and no ZONE_DMA
 *   in 4.16–5.4 (ad67f5a6545f; GFP_DMA is ZONE_NORMAL); both from 5.5, ZONE_DMA
 *   the first 1 GiB in 5.5–5.10 (1a8e1cef7603), as far as firmware allows
 *   (4 GiB unless limited, leaving ZONE_DMA32 empty) from 5.11:
 *   dma_direct_supported() follows it.
 * The versions are ARCH_GATES in kernel-versions.ts.
 *
 * Simplified: one cache level stands for the PoC; line size from the machine.
 */
import type { ArchOps, MaintPlan } from './arch.ts';
import { ARCH_GATES as G } from '../kernel-versions.ts';

const FILE = 'arch/arm64/mm/dma-mapping.c';

function invalPoc(fn: string, rule: string): MaintPlan {
  return {
    op: 'inval',
    edges: 'promote',
    instr: 'dcache_inval_poc: dc civac on partial edge lines, dc ivac on the rest',
    why: { fn, file: FILE, rule },
  };
}

export const arm64: ArchOps = {
  name: 'arm64',
  hasNonCoherentDma: true,
  kmallocAlign: 128,
  dmaMinAlign: 128,
  kmallocBounceFrom: G.arm64KmallocBounce.code,
  // "#define L1_CACHE_SHIFT 7" from 4.4 (97303480753e), "(6)" again from ARCH_GATES.arm64L1CacheShift6;
  // ARCH_DMA_MINALIGN is 128 on both sides (L1_CACHE_BYTES before, a literal 128 after)
  l1CacheShift: (kernel) => (kernel < G.arm64L1CacheShift6.code ? 7 : 6),
  // arch/arm64/Kconfig and mm/init.c zone_sizes_init() by era: "config ZONE_DMA" over the low 4 GiB
  // (max_zone_dma_phys) before arm64ZoneDma32; then that span is ZONE_DMA32 and there is no ZONE_DMA; both zones
  // from arm64ZoneDma30 (ZONE_DMA the first 1 GiB), ZONE_DMA as far as firmware allows from arm64ZoneDmaFirmware:
  // "zone_dma_bits = min3(32U, dt_zone_dma_bits, acpi_zone_dma_bits)" with dt_zone_dma_bits =
  // fls64(of_dma_get_max_cpu_address(NULL)), i.e. min(32, the lowest dma-ranges limit in bits); no ACPI IORT here
  zoneDmaBits(kernel, dmaRanges) {
    if (kernel >= G.arm64ZoneDmaFirmware.code) return Math.min(32, dmaRanges?.bits ?? 32);
    if (kernel >= G.arm64ZoneDma30.code) return 30;
    return kernel >= G.arm64ZoneDma32.code ? null : 32;
  },
  zoneDma32From: G.arm64ZoneDma32.code,
  forDevice(dir, kernel) {
    if (dir === 'DMA_FROM_DEVICE' && kernel < G.arm64FromDeviceClean.code) {
      return invalPoc(
        'arch_sync_dma_for_device',
        'before 5.19 arm64 invalidated a DMA_FROM_DEVICE buffer at map time (__dma_inv_area): dirty CPU data in whole lines is thrown away',
      );
    }
    return {
      op: 'clean',
      edges: 'same',
      instr: 'dcache_clean_poc: dc cvac on every line of the range',
      why: {
        fn: 'arch_sync_dma_for_device',
        file: FILE,
        rule:
          dir === 'DMA_FROM_DEVICE'
            ? 'since 5.19 (c50f11c6196f) arm64 cleans, not invalidates, a DMA_FROM_DEVICE buffer at map time, so bytes the device does not write keep their values'
            : 'arm64 cleans the buffer to the point of coherency so the device reads what the CPU wrote',
      },
    };
  },
  forCpu(dir) {
    if (dir === 'DMA_TO_DEVICE') return null;
    return invalPoc(
      'arch_sync_dma_for_cpu',
      'arm64 invalidates the buffer before the CPU reads what the device wrote; lines the CPU may have refilled speculatively during the DMA are discarded',
    );
  },
  prepCoherent(kernel) {
    if (kernel < G.arm64PrepCoherentClean.code) {
      return {
        op: 'clean_inval',
        edges: 'same',
        instr: '__dma_flush_area: dc civac on every line',
        why: { fn: 'arch_dma_prep_coherent', file: FILE, rule: 'remove any dirty cache lines on the kernel alias before the uncached alias is used' },
      };
    }
    return {
      op: 'clean',
      edges: 'same',
      instr: 'dcache_clean_poc: dc cvac on every line',
      why: { fn: 'arch_dma_prep_coherent', file: FILE, rule: 'write back dirty lines of the kernel alias before the uncached alias is used (7bd6680b47fa)' },
    };
  },
};
