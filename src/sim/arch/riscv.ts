/**
 * RISC-V non-coherent DMA with Zicbom: `arch/riscv/mm/dma-noncoherent.c` and
 * the ALT_CMO_OP loop in `arch/riscv/include/asm/errata_list.h`.
 *
 * By version (ARCH_GATES in kernel-versions.ts):
 * - the port exists from 4.15 (config.ts ARCH_PORT_FROM); 4.15 maps through
 *   dma_noop_ops (no mask check, riscvDmaDirect), 4.16–4.17 through
 *   dma-direct without swiotlb (no pool: an unreachable buffer fails), and
 *   from 4.18 (riscvSwiotlb) a swiotlb pool bounces it (dma/direct.ts, layout.ts);
 * - before 6.0 (1631ba1259d6) riscv had no non-coherent DMA support at all:
 *   no ARCH_HAS_SYNC_DMA_*, so dev_is_dma_coherent() is true for every
 *   device, as on x86;
 * - 6.0–6.5: arch_sync_dma_for_device cleans (cbo.clean) for TO_DEVICE and
 *   FROM_DEVICE and flushes (cbo.flush) for BIDIRECTIONAL; arch_sync_dma_for_cpu
 *   flushes for FROM_DEVICE and BIDIRECTIONAL: a dirty line that shares a
 *   block with the buffer is written back over the device's bytes;
 * - from 6.6 (eb746180132a, 482069ebdc1d, the dma-sync.h helpers):
 *   for_device cleans for every direction (arch_sync_dma_clean_before_fromdevice,
 *   the BIDIRECTIONAL invalidate "done later"), for_cpu invalidates (cbo.inval);
 *   small non-coherent kmalloc buffers bounce through swiotlb
 *   (DMA_BOUNCE_UNALIGNED_KMALLOC), as on arm64 from 6.5.
 * - zones: no ZONE_DMA on any version (kmalloc(GFP_DMA) / alloc_pages(GFP_DMA)
 *   take ZONE_NORMAL, anywhere in RAM); ZONE_DMA32 (below 4 GiB) from 4.16
 *   (riscvZoneDma32), before it GFP_DMA32 is ZONE_NORMAL too. dma-direct's
 *   coherent allocation has no GFP_DMA zone to retry in (dma/coherent.ts).
 * - ALT_CMO_OP issues the same operation on every block from the aligned start:
 *   no edge promotion, so cbo.inval on a partial edge block discards dirty
 *   neighbour data in that block (ARM cleans+invalidates edges instead).
 * - arch_dma_prep_coherent: cbo.flush (clean+invalidate).
 *
 * Simplified: the cache block size is the machine's line size; cbo.inval truly
 * invalidates (menvcfg.CBIE set by firmware); no vendor cache ops (T-Head, Andes).
 */
import type { ArchOps, MaintPlan } from './arch.ts';
import type { DmaDir } from '../events.ts';
import { ARCH_GATES as G } from '../kernel-versions.ts';

const FILE = 'arch/riscv/mm/dma-noncoherent.c';

function flush(fn: string, rule: string): MaintPlan {
  return {
    op: 'clean_inval',
    edges: 'same',
    instr: 'cbo.flush on every cache block of the range (ALT_CMO_OP(flush)): write back, then invalidate',
    why: { fn, file: FILE, rule },
  };
}

function clean(dir: DmaDir): MaintPlan {
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
}

export const riscv: ArchOps = {
  name: 'riscv',
  hasNonCoherentDma: true,
  nonCoherentFrom: G.riscvNoncoherent.code,
  kmallocAlign: 64,
  dmaMinAlign: 64,
  kmallocBounceFrom: G.riscvKmallocBounce.code,
  l1CacheShift: () => 6,
  // arch/riscv/Kconfig has "config ZONE_DMA32 … default y if 64BIT" (from ARCH_GATES.riscvZoneDma32) and never a
  // ZONE_DMA: GFP_DMA is ZONE_NORMAL, dma_direct_supported() measures a mask under 32 bits against RAM alone
  zoneDmaBits: () => null,
  zoneDma32From: G.riscvZoneDma32.code,
  forDevice(dir, kernel) {
    if (dir === 'DMA_BIDIRECTIONAL' && kernel < G.riscvNoFlush.code) {
      return flush('arch_sync_dma_for_device', 'before 6.6 RISC-V flushes (writes back and invalidates) a DMA_BIDIRECTIONAL buffer at map time');
    }
    return clean(dir);
  },
  forCpu(dir, kernel) {
    if (dir === 'DMA_TO_DEVICE') return null;
    if (kernel < G.riscvNoFlush.code) {
      return flush(
        'arch_sync_dma_for_cpu',
        'before 6.6 RISC-V flushes the buffer before the CPU reads it: a dirty line that shares a block with the buffer is written back first, over the bytes the device wrote there',
      );
    }
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
    return flush('arch_dma_prep_coherent', 'flush the cacheable alias before the uncached alias is used');
  },
};
