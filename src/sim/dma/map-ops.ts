/**
 * The contract between the DMA API's front door (mapping.ts) and its back
 * ends — the part of `include/linux/dma-map-ops.h` the explorer needs.
 *
 * As in `kernel/dma/mapping.c`, the front door checks the direction, chooses
 * the back end (dmaBackEnd() in mapping.ts: dma_map_direct → dma-direct,
 * use_dma_iommu → dma-iommu, else the device's dma_map_ops), calls it, then
 * calls the dma-debug hook, records the mapping and says what happened.
 * dma-direct (direct.ts, coherent.ts) and dma-iommu (../iommu/dma-iommu.ts)
 * are called by name, as mainline does; only the back ends that are a
 * `struct dma_map_ops` in the kernel — arm32's ARM_DMA_USE_IOMMU ops
 * (../arch/arm-dma-iommu.ts) and a device's own ops (thread 001's proposal,
 * ../hw/device-dma-ops.ts) — implement DmaMapOps. A back end maps, syncs,
 * allocates and frees; it never calls dma-debug, never records a mapping
 * and never calls back up into the front door.
 *
 * This file holds types and constants only, so every back end can import it
 * without an import cycle.
 */
import type { DmaDir, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import type { Buffer, Device, Machine, SgTable } from '../machine.ts';

/** The kernel's DMA_MAPPING_ERROR (all ones in the kernel; -1 here, never a valid address). */
export const DMA_MAPPING_ERROR = -1;

/** The DMA_ATTR_* a back end reads. */
export interface Attrs {
  skipCpuSync: boolean;
  noWarn: boolean;
}

/**
 * What a back end's map returns: the DMA address (or DMA_MAPPING_ERROR) and
 * the swiotlb slot the mapping bounced through (-1: mapped in place). "Did
 * it bounce?" is `bounced >= 0`, answered by the back end that bounced.
 */
export interface DmaMapped {
  addr: number;
  bounced: number;
}

/**
 * What a back end's map_sg returns: the DMA segment count and where each
 * input entry went (the entries' dmaAddress / dmaLength hold the segments),
 * or that it failed (dma_map_sg returns 0); either way why, in the back
 * end's own rule.
 */
export type SgMapped = { ok: true; nents: number; entries: DmaMapped[]; why: Why } | { ok: false; why: Why };

/**
 * What a back end's coherent or non-coherent allocation returns: the CPU's
 * buffer and the device's address, with the physical address dma-debug
 * records and the length the explorer tracks (the allocation, page-rounded).
 */
export interface DmaAllocated {
  buf: Buffer;
  addr: number;
  paddr: number;
  len: number;
}

/**
 * A `struct dma_map_ops` back end (arm32's IOMMU ops, a device's own ops):
 * the callbacks the front door calls when the device neither goes direct nor
 * uses dma-iommu. `alloc`/`free` are optional, as in the kernel; without
 * them the explorer's simplification applies (the system path).
 */
export interface DmaMapOps {
  /** Why a single mapping through these ops gave the address it gave (the front door's dma_map event). */
  mapRule: string;
  mapPhys(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): DmaMapped;
  unmapPhys(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void;
  syncSingle(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void;
  mapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): SgMapped;
  unmapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void;
  syncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome): void;
  /** The ops' ->get_sgtable (what dma_get_sgtable calls); absent: dma_common_get_sgtable before 5.4, -ENXIO from it (DMA_API_GATES.getSgtableEnxio, f9f3232a7d0a). */
  getSgtable?: { fn: string; file: string };
  alloc?(m: Machine, dev: Device, name: string, size: number, o: StepOutcome): DmaAllocated | null;
  free?(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void;
}

/** Which back end serves a device: dma-direct, dma-iommu, or its dma_map_ops. */
export type DmaBackEnd = 'direct' | 'iommu' | DmaMapOps;
