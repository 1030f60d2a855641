/**
 * RISC-V non-coherent DMA with Zicbom: `arch/riscv/mm/dma-noncoherent.c` and
 * the ALT_CMO_OP loop in `arch/riscv/include/asm/errata_list.h`.
 *
 * - for_device: cbo.clean for every direction (arch_sync_dma_clean_before_fromdevice
 *   returns true; the BIDIRECTIONAL invalidate is skipped because it is "done later").
 * - for_cpu: nothing for TO_DEVICE, cbo.inval otherwise.
 * - ALT_CMO_OP issues the same operation on every block from the aligned start:
 *   no edge promotion, so cbo.inval on a partial edge block discards dirty
 *   neighbour data in that block (ARM cleans+invalidates edges instead).
 * - arch_dma_prep_coherent: cbo.flush (clean+invalidate).
 *
 * - From 6.6 small non-coherent kmalloc buffers bounce through swiotlb
 *   (DMA_BOUNCE_UNALIGNED_KMALLOC), as on arm64 from 6.5.
 *
 * Simplified: the cache block size is the machine's line size; cbo.inval truly
 * invalidates (menvcfg.CBIE set by firmware).
 */
import type { ArchOps } from './arch.ts';

const FILE = 'arch/riscv/mm/dma-noncoherent.c';

export const riscv: ArchOps = {
  name: 'riscv',
  hasNonCoherentDma: true,
  kmallocAlign: 64,
  dmaMinAlign: 64,
  // RISCV_DMA_NONCOHERENT selects DMA_BOUNCE_UNALIGNED_KMALLOC if SWIOTLB (the
  // series "riscv: allow kmalloc() caches aligned to the smallest value", 6.6)
  kmallocBounceFrom: 6006,
  forDevice(dir) {
    return {
      op: 'clean',
      edges: 'same',
      instr: 'cbo.clean on every cache block of the range (arch_dma_cache_wback)',
      why: {
        fn: 'arch_sync_dma_for_device',
        file: FILE,
        rule:
          dir === 'DMA_TO_DEVICE'
            ? 'RISC-V writes back the buffer so the device reads what the CPU wrote'
            : 'RISC-V cleans before a device write too (arch_sync_dma_clean_before_fromdevice), so no dirty line can be evicted over device data',
      },
    };
  },
  forCpu(dir) {
    if (dir === 'DMA_TO_DEVICE') return null;
    return {
      op: 'inval',
      edges: 'same',
      instr: 'cbo.inval on every cache block from the aligned start (arch_dma_cache_inv): no edge promotion',
      why: {
        fn: 'arch_sync_dma_for_cpu',
        file: FILE,
        rule: 'RISC-V invalidates every block the range touches, partial edge blocks included: dirty bytes that share a block with the buffer are lost',
      },
    };
  },
  prepCoherent() {
    return {
      op: 'clean_inval',
      edges: 'same',
      instr: 'cbo.flush on every block (arch_dma_cache_wback_inv)',
      why: { fn: 'arch_dma_prep_coherent', file: FILE, rule: 'flush the cacheable alias before the uncached alias is used' },
    };
  },
};
