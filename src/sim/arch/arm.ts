/**
 * 32-bit ARM (v7) DMA cache maintenance: `arch/arm/mm/dma-mapping.c`
 * (__dma_page_cpu_to_dev, __dma_page_dev_to_cpu) and `arch/arm/mm/cache-v7.S`
 * (v7_dma_map_area, v7_dma_inv_range, v7_dma_clean_range).
 *
 * - for_device: TO_DEVICE and BIDIRECTIONAL clean; FROM_DEVICE *invalidates*
 *   (v7_dma_inv_range): partial edge lines are cleaned+invalidated, every whole
 *   line is invalidated, so a FROM_DEVICE map discards dirty CPU data — the
 *   difference from arm64 since 5.19.
 * - for_cpu: nothing for TO_DEVICE, v7_dma_inv_range otherwise.
 * - the outer cache (PL310) operation follows the inner one.
 *
 * Simplified: inner and outer caches are one level; PG_dcache_clean is not modelled.
 */
import type { ArchOps, MaintPlan } from './arch.ts';

const FILE = 'arch/arm/mm/dma-mapping.c';

function invRange(fn: string, rule: string): MaintPlan {
  return {
    op: 'inval',
    edges: 'promote',
    instr: 'v7_dma_inv_range: mcr p15 c7,c14,1 (clean+inv) on partial edge lines, c7,c6,1 (inv) on the rest; then outer_inv_range',
    why: { fn, file: FILE, rule },
  };
}

export const arm: ArchOps = {
  name: 'arm',
  hasNonCoherentDma: true,
  kmallocAlign: 64,
  dmaMinAlign: 64,
  kmallocBounceFrom: null,
  // CONFIG_ARM_L1_CACHE_SHIFT=6 for ARMv7
  l1CacheShift: () => 6,
  // The modelled machine is a non-LPAE multi_v7 kernel: arm32's "config ZONE_DMA" is selected per platform, and
  // the multi_v7 ones that select it do so only with LPAE (arch/arm/mach-bcm/Kconfig ARCH_BRCMSTB and
  // arch/arm/mach-shmobile/Kconfig ARCH_RENESAS: "select ZONE_DMA if ARM_LPAE"); arm32 has no CONFIG_ZONE_DMA32
  // at all. So GFP_DMA and GFP_DMA32 both mean ZONE_NORMAL (OPT_ZONE_DMA, OPT_ZONE_DMA32 in include/linux/gfp.h),
  // and dma_direct_supported() (from ARCH_GATES.armDmaDirect) measures a small mask against RAM alone.
  // Not modelled: an LPAE kernel on such a platform (ZONE_DMA below arm_dma_zone_size).
  zoneDmaBits: () => null,
  zoneDma32From: null,
  forDevice(dir) {
    if (dir === 'DMA_FROM_DEVICE') {
      return invRange(
        '__dma_page_cpu_to_dev',
        'ARMv7 invalidates a DMA_FROM_DEVICE buffer at map time (v7_dma_map_area → v7_dma_inv_range): dirty CPU data in whole lines is discarded, only partial edge lines are written back',
      );
    }
    return {
      op: 'clean',
      edges: 'same',
      instr: 'v7_dma_clean_range: mcr p15 c7,c10,1 on every line; then outer_clean_range',
      why: { fn: '__dma_page_cpu_to_dev', file: FILE, rule: 'ARMv7 cleans the buffer so the device reads what the CPU wrote' },
    };
  },
  forCpu(dir) {
    if (dir === 'DMA_TO_DEVICE') return null;
    return invRange(
      '__dma_page_dev_to_cpu',
      'ARMv7 invalidates the buffer before the CPU reads device data: lines refilled by speculative prefetch during the DMA are discarded',
    );
  },
  prepCoherent() {
    return {
      op: 'clean_inval',
      edges: 'same',
      instr: 'dmac_flush_range: clean+invalidate every line; then outer_flush_range',
      why: { fn: '__dma_clear_buffer', file: FILE, rule: 'flush the kernel alias so no dirty line can later overwrite the uncached buffer' },
    };
  },
};
