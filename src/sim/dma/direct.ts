/**
 * dma-direct: the DMA API without an IOMMU (or with an identity domain):
 * `kernel/dma/direct.h` (dma_direct_map_phys, dma_direct_unmap_phys,
 * dma_direct_sync_single_for_*) and `kernel/dma/direct.c` (dma_direct_map_sg,
 * dma_direct_alloc, dma_direct_alloc_pages).
 *
 * Order of operations at map, exactly as the kernel does it:
 *   1. forced bouncing → swiotlb_map;
 *   2. dma_addr = phys; if !dma_capable (above min_not_zero(mask, bus limit))
 *      or dma_kmalloc_needs_bounce → swiotlb_map when swiotlb is active, else
 *      the "DMA addr … overflow" WARN and DMA_MAPPING_ERROR;
 *   3. non-coherent and no DMA_ATTR_SKIP_CPU_SYNC → arch_sync_dma_for_device.
 * When bounced, cache maintenance applies to the swiotlb slot only.
 *
 * Simplified: no dma_range_map offsets (dma_addr == phys), no memory
 * encryption, no MMIO (dma_map_resource), no atomic pools (GFP_ATOMIC
 * coherent allocations take ordinary pages).
 */
import type { DmaDir, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { archOps, syncPlan, zoneDmaBits, zoneTop } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { SZ_4G } from '../hw/memory.ts';
import { dmaBitMask, dmaLimit, maskHex, type Device, type Machine, type SgTable } from '../machine.ts';
import { kmallocSizeRoundup } from '../mm/buffers.ts';
import { ARCH_GATES, DIRECT_GATES, DMA_BUF_GATES, SWIOTLB_GATES, dmaFile, kernelName, since } from '../kernel-versions.ts';
import { bootSetsUpPool } from '../layout.ts';
import { isSwiotlbBuffer, syncSingleForCpu, syncSingleForDevice, tblMapSingle, tblUnmapSingle } from './swiotlb.ts';
import { who } from '../kernel-log/catalogue.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import type { Arch } from '../config.ts';
import { DMA_MAPPING_ERROR, type Attrs, type DmaMapped, type SgMapped } from './map-ops.ts';
import { hex, hex16 } from '../format.ts';
import { observe } from '../observe.ts';

const FILE_H = 'kernel/dma/direct.h';
const FILE_C = 'kernel/dma/direct.c';

function why(fn: string, rule: string, file = FILE_H): Why {
  return { fn, file, rule };
}

/** dma_capable(): the whole range must sit at or below min_not_zero(dma_mask, bus_dma_limit). */
export function dmaCapable(dev: Device, addr: number, size: number): boolean {
  return addr !== DMA_MAPPING_ERROR && addr + size - 1 <= dmaLimit(dev);
}

/** dma_kmalloc_needs_bounce() (include/linux/dma-map-ops.h, 6.5+ with CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC). */
export function kmallocNeedsBounce(m: Machine, dev: Device, size: number, dir: DmaDir): boolean {
  return !dev.coherent && kmallocBounceBySize(m.arch, m.kernel, size, dir);
}

/**
 * dma_kmalloc_needs_bounce() for a non-coherent device: the size and direction
 * half (dma_kmalloc_safe() without dev_is_dma_coherent(), and
 * dma_kmalloc_size_aligned()). The importer uses it to tell a coherent device
 * from a traced mapping that was not bounced.
 */
export function kmallocBounceBySize(arch: Arch, kernel: number, size: number, dir: DmaDir): boolean {
  const a = archOps(arch);
  if (a.kmallocBounceFrom === null || kernel < a.kmallocBounceFrom) return false;
  if (dir === 'DMA_TO_DEVICE') return false;
  const aligned = size >= 2 * a.dmaMinAlign || kmallocSizeRoundup(size, 8) % a.dmaMinAlign === 0;
  return !aligned;
}

function swiotlbMap(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome, sg: boolean, archSync: boolean): number {
  const tlb = tblMapSingle(m, dev, phys, size, dir, attrs.skipCpuSync, attrs.noWarn, o);
  if (tlb < 0) {
    if (m.swiotlb && m.kernel < SWIOTLB_GATES.noOverflowBuffer.code) swiotlbFull(m, dev, size, dir, sg, o);
    return DMA_MAPPING_ERROR;
  }
  if (!dmaCapable(dev, tlb, size)) {
    // attrs | DMA_ATTR_SKIP_CPU_SYNC from 4.10 (0443fa003fa1); before, swiotlb_tbl_unmap_single(dev, map, size, dir) copies back
    tblUnmapSingle(m, dev, tlb, size, dir, m.kernel >= SWIOTLB_GATES.skipCpuSync.code, o);
    if (m.kernel >= SWIOTLB_GATES.addrOverflowReport.code) {
      printkOnce(m, o, 'swiotlb_map:overflow', 'swiotlb.addr-overflow', { addr: hex16(tlb), size, mask: maskHex(dev.maskBits), bus: maskHex(dev.cfg.busLimit) }, who(dev.name, dev.cfg.label));
    } else if (m.kernel >= DIRECT_GATES.swiotlbMerged.code) {
      // 5.0–5.5: swiotlb_map() returns false and dma_direct_map_page() calls report_addr() with the slot's DMA address
      overflowReport(m, dev, tlb, size, sg, o);
    } else {
      observe(o, 'dma-direct/silent-failure', "before 5.0 swiotlb_map_page() says nothing when even the bounce slot is out of the device's reach: it frees the slot and fails the map (the overflow buffer's address before 4.20)");
    }
    return DMA_MAPPING_ERROR;
  }
  if (!dev.coherent && !attrs.skipCpuSync && archSync) syncForDeviceArch(m, tlb, size, dir, o);
  return tlb;
}

/**
 * Before 4.20 swiotlb_map_page() called swiotlb_full(): dev_err_ratelimited
 * "DMA: Out of SW-IOMMU space for %zu bytes", then the overflow buffer (32 KiB,
 * which dma_mapping_error() recognises) for a small mapping, or a panic for a
 * larger one ("DMA: Random memory could be DMA accessed/written/read").
 * swiotlb_map_sg_attrs() called swiotlb_full(…, 0) ("Don't panic here, we
 * expect map_sg users to do proper error handling"): the line only, and the
 * list fails.
 */
function swiotlbFull(m: Machine, dev: Device, size: number, dir: DmaDir, sg: boolean, o: StepOutcome): void {
  printk(m, o, 'swiotlb.out-of-space', { size }, who(dev.name, dev.cfg.label));
  if (sg) {
    o.events.push({ kind: 'note', text: 'no overflow buffer for a list', why: why('swiotlb_map_sg_attrs', 'swiotlb_full(…, do_panic = 0): no overflow buffer and no panic for an sg entry; the entries already mapped are unmapped and the list fails', dmaFile(m.kernel, 'kernel/dma/swiotlb.c')) });
    return;
  }
  // the handle is then io_tlb_overflow_buffer's address: the front door's note says so (map-error.ts)
  if (size <= 32 * 1024) return;
  const what = dir === 'DMA_BIDIRECTIONAL' ? 'accessed' : dir === 'DMA_FROM_DEVICE' ? 'written' : 'read';
  printk(m, o, 'swiotlb.panic', { what });
  observe(o, 'swiotlb/overflow-panic', 'the mapping is larger than the 32 KiB overflow buffer: swiotlb_full() panics; the explorer carries on');
  o.error = 'BUG';
}

/** A streaming call of a device without an IOMMU, as the explorer's events name it. */
type Streaming = 'map' | 'unmap' | 'map_sg';

const ARM64_OPS = 'arch/arm64/mm/dma-mapping.c';
const ARM_OPS = 'arch/arm/mm/dma-mapping.c';

/**
 * The kernel function that does dma-direct's work for `op` in this kernel,
 * and its file. From 5.0 (DIRECT_GATES.swiotlbMerged, 55897af63091) one
 * dma-direct serves every device. Before, a device that may bounce had
 * swiotlb ops: arm64's own arm64_swiotlb_dma_ops before 4.20
 * (ARCH_GATES.arm64GenericSwiotlbOps: __swiotlb_map_page, …, which call
 * swiotlb_map_page / swiotlb_map_sg_attrs), then the generic swiotlb_dma_ops;
 * x86 and riscv when a swiotlb pool exists (riscv from 4.18, ARCH_GATES.riscvSwiotlb).
 * Without one: dma_direct_ops from 4.17 (x86 before 4.17: nommu_dma_ops,
 * ARCH_GATES.x86DmaDirect; riscv from 4.16, dma_noop_ops in 4.15,
 * ARCH_GATES.riscvDmaDirect). arm32 has
 * its own arm_dma_ops until it moves to dma-direct in 6.0 (ARCH_GATES.armDmaDirect).
 */
/**
 * riscv before dma-direct (ARCH_GATES.riscvDmaDirect, 4.16): dma_noop_ops
 * (lib/dma-noop.c), which maps without looking at the device's mask, never
 * fails, supports every mask and allocates coherent pages from any zone.
 */
export function dmaNoopOps(m: Machine): boolean {
  return m.arch === 'riscv' && m.kernel < ARCH_GATES.riscvDmaDirect.code;
}

/**
 * riscv before ARCH_GATES.riscvSwiotlb (4.18) builds no swiotlb at all
 * (CONFIG_SWIOTLB not selected): no pool (layout.ts), and no swiotlb=force to
 * obey, so a device declared swiotlb=force maps like any other.
 */
export function withoutSwiotlbCode(m: Machine): boolean {
  return m.arch === 'riscv' && m.kernel < ARCH_GATES.riscvSwiotlb.code;
}

/** arm32 before it moved to dma-direct (ARCH_GATES.armDmaDirect, 6.0): a device without an IOMMU mapping has arm_dma_ops. */
export function armDmaOps(m: Machine): boolean {
  return m.arch === 'arm' && m.kernel < ARCH_GATES.armDmaDirect.code;
}

export function directOpsFn(m: Machine, op: Streaming): { fn: string; file: string } {
  const k = m.kernel;
  if (armDmaOps(m)) return { fn: { map: 'arm_dma_map_page', unmap: 'arm_dma_unmap_page', map_sg: 'arm_dma_map_sg' }[op], file: ARM_OPS };
  // dma_noop_ops has no .unmap_page: dma_unmap_page_attrs() calls nothing (named after the map it undoes)
  if (dmaNoopOps(m)) return { fn: { map: 'dma_noop_map_page', unmap: 'dma_unmap_page_attrs', map_sg: 'dma_noop_map_sg' }[op], file: op === 'unmap' ? 'include/linux/dma-mapping.h' : 'lib/dma-noop.c' };
  if (k >= DIRECT_GATES.swiotlbMerged.code) {
    if (op === 'map_sg') return { fn: 'dma_direct_map_sg', file: FILE_C };
    return kernelName(k, op === 'map' ? 'directMap' : 'directUnmap');
  }
  const sw = { map: 'swiotlb_map_page', unmap: 'swiotlb_unmap_page', map_sg: 'swiotlb_map_sg_attrs' }[op];
  if (m.arch === 'arm64' && k < ARCH_GATES.arm64GenericSwiotlbOps.code) return { fn: op === 'map_sg' ? '__swiotlb_map_sg_attrs' : `__${sw}`, file: ARM64_OPS };
  if (swiotlbDmaOps(m)) return { fn: sw, file: dmaFile(k, 'kernel/dma/swiotlb.c') };
  if (m.arch === 'x86' && k < ARCH_GATES.x86DmaDirect.code) return { fn: { map: 'nommu_map_page', unmap: 'nommu_unmap_page', map_sg: 'nommu_map_sg' }[op], file: 'arch/x86/kernel/pci-nommu.c' };
  if (op === 'map_sg') return { fn: 'dma_direct_map_sg', file: dmaFile(k, FILE_C) };
  return kernelName(k, op === 'map' ? 'directMap' : 'directUnmap');
}

/** A note's why, named as this kernel names the function (directOpsFn). */
function opsWhy(m: Machine, op: Streaming, rule: string): Why {
  return { ...directOpsFn(m, op), rule };
}

export function syncForDeviceArch(m: Machine, phys: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const plan = syncPlan(m.arch, m.kernel, dir, false);
  if (plan) runMaintenance(m, phys, size, plan, o);
}

export function syncForCpuArch(m: Machine, phys: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const plan = syncPlan(m.arch, m.kernel, dir, true);
  if (plan) runMaintenance(m, phys, size, plan, o);
}

/**
 * The report of a buffer the device cannot reach and no swiotlb to bounce it,
 * by version (DIRECT_GATES; ARCH_GATES.x86DmaDirect):
 * - x86 before 4.17: pci-nommu's check_addr() (nommuOverflow);
 * - before 5.0 check_addr(): dev_err "dma_direct_map_page: overflow %pad+%zu
 *   of device mask %llx" ("dma_direct_map_sg: …" for an sg entry) every time, only for masks of 32 bits or more; from
 *   4.20 with " bus mask %llx" appended, and for a bus mask too;
 * - 5.0–5.5 report_addr(): dev_err_once "overflow %pad+%zu of DMA mask %llx
 *   bus mask %llx" ("bus limit" from 5.5) for masks of 32 bits or more or a
 *   bus limit, then WARN_ON_ONCE(1) whatever the mask;
 * - from 5.6 (DIRECT_GATES.overflowAlways): "DMA addr %pad+%zu overflow (mask
 *   %llx, bus limit %llx)." for every mask.
 */
function overflowReport(m: Machine, dev: Device, phys: number, size: number, sg: boolean, o: StepOutcome): void {
  if (m.arch === 'x86' && m.kernel < ARCH_GATES.x86DmaDirect.code) {
    nommuOverflow(m, dev, phys, size, sg, o);
    return;
  }
  // before 5.0 check_addr() names its caller: dma_direct_map_sg checks each entry itself, it does not call dma_direct_map_page
  const args = { op: sg ? 'sg' : 'page', addr: hex16(phys), size, mask: maskHex(dev.maskBits), bus: maskHex(dev.cfg.busLimit) };
  if (m.kernel >= DIRECT_GATES.overflowAlways.code) {
    printkOnce(m, o, 'dma_direct_map_phys:overflow', 'dma-direct.overflow', args, who(dev.name, dev.cfg.label));
    return;
  }
  const printed = dev.maskBits >= 32 || (dev.cfg.busLimit > 0 && m.kernel >= DIRECT_GATES.overflowBusMask.code);
  if (m.kernel < DIRECT_GATES.overflowReportAddr.code) {
    if (printed) printk(m, o, 'dma-direct.overflow', args, who(dev.name, dev.cfg.label));
    else observe(o, 'dma-direct/silent-failure', 'check_addr() prints nothing for a DMA mask under 32 bits: the map fails silently');
    return;
  }
  if (printed) printkOnce(m, o, 'report_addr:dev_err_once', 'dma-direct.overflow', args, who(dev.name, dev.cfg.label));
  printkOnce(m, o, 'report_addr:WARN_ON_ONCE', 'dma-direct.report-addr-warn');
}

/**
 * x86 before 4.17 had no dma-direct: a device without IOMMU or swiotlb used
 * nommu_dma_ops (arch/x86/kernel/pci-nommu.c), whose check_addr() printk'd
 * "nommu_%s: overflow %Lx+%zu of device mask %Lx" (name "map_single" from
 * nommu_map_page, "map_sg" from nommu_map_sg; %Lx: no 0x, no padding) every
 * time, only for a mask of 32 bits or more, with no device prefix.
 */
function nommuOverflow(m: Machine, dev: Device, phys: number, size: number, sg: boolean, o: StepOutcome): void {
  if (dev.maskBits < 32) {
    observe(o, 'dma-direct/silent-failure', 'nommu check_addr() prints nothing for a DMA mask under 32 bits: the map fails silently');
    return;
  }
  printk(m, o, 'x86.nommu-overflow', { op: sg ? 'map_sg' : 'map_single', addr: phys.toString(16), size, mask: maskHex(dev.maskBits) });
}

/**
 * dma_direct_map_phys(): the DMA address (or DMA_MAPPING_ERROR) and the bounce
 * slot; the DMA address is the physical one unless it bounced. `sg`: called
 * for an entry of dma_map_sg (the pre-5.0 reports name the sg caller:
 * nommu_map_sg on x86 before 4.17, dma_direct_map_sg after). `archSync`
 * false: the caller does the arch cache maintenance itself (arm64's
 * __swiotlb_map_sg_attrs before 4.20).
 */
export function directMap(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome, sg = false, archSync = true): DmaMapped {
  if (dev.cfg.swiotlb === 'force' && withoutSwiotlbCode(m)) {
    o.events.push({ kind: 'note', text: 'no swiotlb to force', why: opsWhy(m, sg ? 'map_sg' : 'map', `riscv selects no SWIOTLB before ${ARCH_GATES.riscvSwiotlb.from} (${ARCH_GATES.riscvSwiotlb.commit}): there is no swiotlb=force to obey, the mapping goes direct`) });
  }
  if (dmaNoopOps(m)) return noopMap(m, dev, phys, size, sg, o);
  if (dev.cfg.swiotlb === 'force' && !withoutSwiotlbCode(m)) {
    o.events.push({ kind: 'note', text: 'forced bounce', why: opsWhy(m, 'map', 'is_swiotlb_force_bounce(): this device bounces every streaming mapping (swiotlb=force)') });
    return bounced(swiotlbMap(m, dev, phys, size, dir, attrs, o, sg, archSync));
  }
  const capable = dmaCapable(dev, phys, size);
  const kmb = capable && kmallocNeedsBounce(m, dev, size, dir);
  if (!capable || kmb) {
    const reason = !capable
      ? `the buffer ends at ${hex(phys + size - 1)}, above what the device can address (mask ${maskHex(dev.maskBits)}${dev.cfg.busLimit ? `, bus limit ${maskHex(dev.cfg.busLimit)}` : ''}): dma_capable() is false`
      : `a ${size}-byte non-coherent ${dir} mapping whose kmalloc size class is not a multiple of ARCH_DMA_MINALIGN (${archOps(m.arch).dmaMinAlign}) could share a cache line with other data: dma_kmalloc_needs_bounce() is true`;
    if (m.swiotlb) {
      o.events.push({ kind: 'note', text: 'bounce through swiotlb', why: opsWhy(m, 'map', `${reason}, so the mapping bounces through swiotlb`) });
      return bounced(swiotlbMap(m, dev, phys, size, dir, attrs, o, sg, archSync));
    }
    if (swiotlbDmaOps(m)) return swiotlbOpsWithoutPool(m, dev, phys, size, dir, attrs, reason, sg, o);
    if (swiotlbMapWarnsNoForce(m)) {
      const g = SWIOTLB_GATES.noForceInDirect;
      o.events.push({ kind: 'note', text: 'swiotlb_force = SWIOTLB_NO_FORCE', why: opsWhy(m, 'map', `${reason}, and there is no swiotlb pool: swiotlb_force is SWIOTLB_NO_FORCE (${noForceWhy(m)}). Before ${g.from} dma_direct_map_page() still calls swiotlb_map(), which warns "Cannot do DMA to address" and returns false; then dma-direct's own overflow report`) });
      printk(m, o, 'swiotlb.cannot-dma', { addr: hex16(phys) }, who(dev.name, dev.cfg.label));
    } else {
      o.events.push({ kind: 'note', text: 'no swiotlb', why: opsWhy(m, 'map', `${reason}, and there is no swiotlb pool to bounce through`) });
    }
    overflowReport(m, dev, phys, size, sg, o);
    return FAILED;
  }
  if (!dev.coherent && !attrs.skipCpuSync) {
    if (archSync) syncForDeviceArch(m, phys, size, dir, o);
  } else if (!dev.coherent) {
    o.events.push({ kind: 'note', text: 'no cache maintenance', why: opsWhy(m, 'map', 'DMA_ATTR_SKIP_CPU_SYNC: the driver takes care of arch_sync_dma_for_device itself') });
  }
  return { addr: phys, bounced: -1 };
}

const FAILED: DmaMapped = { addr: DMA_MAPPING_ERROR, bounced: -1 };

/**
 * Is swiotlb_force SWIOTLB_NO_FORCE on this machine without a pool? The
 * language's swiotlb=0 on a machine whose kernel would set up a pool reads as
 * the boot option swiotlb=noforce (SWIOTLB_GATES.noForce, 4.10; every version
 * on dma-direct is later): arm64 with RAM beyond ZONE_DMA (mem_init() calls
 * swiotlb_init(1)), x86 with RAM above 4 GiB (pci_swiotlb_detect_4gb() sets
 * swiotlb = 1, and pci_swiotlb_init() keeps swiotlb's path), riscv with
 * swiotlb (setup_arch() calls swiotlb_init(1)). arm64 with all RAM inside
 * ZONE_DMA sets SWIOTLB_NO_FORCE itself in mem_init(). x86 up to 4 GiB leaves
 * swiotlb_force at SWIOTLB_NORMAL with no pool: not this; nor x86 with
 * iommu=off (machine iommu_off=true), where no swiotlb is set up at all.
 */
export function noForce(m: Machine): boolean {
  if (m.swiotlb || m.kernel < SWIOTLB_GATES.noForce.code) return false;
  // arm64 with all RAM inside its DMA limit sets SWIOTLB_NO_FORCE itself (mem_init's else branch)
  return m.arch === 'arm64' || bootSetsUpPool(m.config);
}

/** arm64_dma_phys_limit: the top of ZONE_DMA, or of ZONE_DMA32 where the kernel has no ZONE_DMA (4 GiB). */
export function arm64RamBeyondDmaLimit(m: Machine): boolean {
  return m.config.ram > 2 ** (zoneDmaBits(m) ?? 32);
}

function noForceWhy(m: Machine): string {
  if (m.arch === 'x86') return 'swiotlb=0 with RAM above 4 GiB stands for the boot option swiotlb=noforce: pci_swiotlb_detect_4gb() still chose swiotlb, whose pool is one slab';
  if (m.arch === 'riscv') return 'swiotlb=0 stands for the boot option swiotlb=noforce: setup_arch() still ran swiotlb_init(1), whose pool is one slab';
  return arm64RamBeyondDmaLimit(m)
    ? 'swiotlb=0 with RAM beyond arm64_dma_phys_limit stands for the boot option swiotlb=noforce: mem_init() still ran swiotlb_init(1), whose pool is one slab'
    : "all RAM fits in arm64_dma_phys_limit, so arm64's mem_init() set up no pool and set swiotlb_force = SWIOTLB_NO_FORCE";
}

/** 5.0 to 5.5 (SWIOTLB_GATES.noForceInDirect): dma-direct still calls swiotlb_map() with SWIOTLB_NO_FORCE, which warns. */
function swiotlbMapWarnsNoForce(m: Machine): boolean {
  return m.kernel >= DIRECT_GATES.swiotlbMerged.code && m.kernel < SWIOTLB_GATES.noForceInDirect.code && noForce(m);
}

/**
 * Are the dma_map_ops of a device without an IOMMU swiotlb's own? Before
 * DIRECT_GATES.swiotlbMerged (5.0) swiotlb had ops of its own: arm64's always,
 * pool or not (arm64_swiotlb_dma_ops, then the generic swiotlb_dma_ops); x86's
 * and riscv's where the kernel set one up — with a pool, or with swiotlb=0
 * standing for swiotlb=noforce (noForce(): pci_swiotlb_detect_4gb() /
 * setup_arch() still chose swiotlb, whose pool is one slab). Otherwise x86 has
 * pci-nommu (dma-direct from 4.17) and riscv dma-direct. From 5.0 dma-direct
 * calls swiotlb itself. The one owner of this fact for maps, map errors,
 * coherent allocations and dma_supported().
 */
export function swiotlbDmaOps(m: Machine): boolean {
  if (m.kernel >= DIRECT_GATES.swiotlbMerged.code || withoutSwiotlbCode(m) || dmaNoopOps(m) || armDmaOps(m)) return false;
  return m.arch === 'arm64' || m.swiotlb !== null || noForce(m);
}

/**
 * swiotlb's own ops before 5.0 (swiotlbDmaOps) with no usable pool: the map
 * still goes through swiotlb_map_page (or swiotlb_map_sg_attrs), not
 * dma-direct, so there is no "overflow" report. On x86 and riscv that is
 * swiotlb=noforce (from 4.10): the first case below. On arm64 it depends on
 * why there is no pool, which arm64's mem_init() decides: "if (swiotlb_force
 * || max_pfn > (arm64_dma_phys_limit >> PAGE_SHIFT)) swiotlb_init(1);".
 *   - RAM beyond ZONE_DMA, from 4.10 (SWIOTLB_GATES.noForce): swiotlb=0 is
 *     the boot option swiotlb=noforce (noForce()); swiotlb_init(1) still ran
 *     and set up one slab and, before 4.20, the overflow buffer (layout.ts),
 *     but map_single() logs "Cannot do DMA to address %pa" and fails and
 *     swiotlb_full() returns at once: the handle is the overflow buffer's
 *     real address (map-error.ts);
 *   - RAM beyond ZONE_DMA, before 4.10: there is no swiotlb=noforce, so a
 *     missing pool is one swiotlb_init(1) could not allocate
 *     (no_iotlb_memory): swiotlb_tbl_map_single() panics (tblMapSingle,
 *     SWIOTLB_GATES.noPoolWarn);
 *   - all RAM inside ZONE_DMA, from 4.10 (SWIOTLB_GATES.noForce): mem_init()
 *     sets swiotlb_force = SWIOTLB_NO_FORCE, and map_single() logs "Cannot do
 *     DMA to address %pa" and fails; swiotlb_full() returns at once, so no
 *     "Out of SW-IOMMU space" and no panic, and the handle is the overflow
 *     buffer's address, 0 as it was never allocated (map-error.ts);
 *   - all RAM inside ZONE_DMA, before 4.10: nothing marks the pool missing
 *     (no_iotlb_memory is only set by a failed swiotlb_init()), and
 *     swiotlb_tbl_map_single() reads io_tlb_list[index] from a NULL
 *     io_tlb_list: an oops, which the explorer carries on from.
 */
function swiotlbOpsWithoutPool(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, attrs: Attrs, reason: string, sg: boolean, o: StepOutcome): DmaMapped {
  const op = sg ? 'map_sg' : 'map';
  const g = SWIOTLB_GATES.noForce;
  if (m.kernel >= g.code) {
    // both ways to SWIOTLB_NO_FORCE (noForceWhy): swiotlb=noforce with RAM beyond the limit, mem_init() with all RAM inside it
    o.events.push({ kind: 'note', text: 'swiotlb_force = SWIOTLB_NO_FORCE', why: opsWhy(m, op, `${reason}; ${m.arch}'s dma_map_ops are swiotlb's, and ${noForceWhy(m)} (from ${g.from}): map_single() does not bounce, it warns and fails, and swiotlb_full() says nothing more; the handle is the overflow buffer's address until 4.20`) });
    printk(m, o, 'swiotlb.cannot-dma', { addr: hex16(phys) }, who(dev.name, dev.cfg.label));
    return FAILED;
  }
  if (arm64RamBeyondDmaLimit(m)) {
    o.events.push({ kind: 'note', text: 'no swiotlb pool', why: opsWhy(m, op, `${reason}; arm64's dma_map_ops are swiotlb's, and with RAM beyond arm64_dma_phys_limit mem_init() called swiotlb_init(1): no pool means its allocation failed (no_iotlb_memory)`) });
    tblMapSingle(m, dev, phys, size, dir, attrs.skipCpuSync, attrs.noWarn, o);
    return FAILED;
  }
  o.events.push({ kind: 'note', text: 'no swiotlb pool', why: opsWhy(m, op, `${reason}; all RAM fits in ZONE_DMA, so arm64's mem_init() never called swiotlb_init(): before ${g.from} nothing marks the pool missing, and swiotlb_tbl_map_single() reads io_tlb_list, which was never allocated`) });
  observe(o, 'swiotlb/no-pool-oops', `before ${g.from} swiotlb_tbl_map_single() dereferences the NULL io_tlb_list ("Unable to handle kernel NULL pointer dereference"): an oops; the explorer carries on with a failed map`);
  o.error = 'BUG';
  return FAILED;
}

/**
 * riscv 4.15 (ARCH_GATES.riscvDmaDirect): dma_noop_map_page() "return
 * page_to_phys(page) + offset" and dma_noop_map_sg() the same per entry. No
 * mask check, no swiotlb, no cache maintenance (every riscv device is
 * coherent before 6.0): a buffer above the mask is handed over as it is, and
 * dma_mapping_error() (dma_noop_mapping_error: 0) cannot tell.
 */
function noopMap(m: Machine, dev: Device, phys: number, size: number, sg: boolean, o: StepOutcome): DmaMapped {
  if (!dmaCapable(dev, phys, size)) {
    o.events.push({
      kind: 'note',
      text: 'address beyond the mask',
      why: {
        ...directOpsFn(m, sg ? 'map_sg' : 'map'),
        rule: `the buffer ends at ${hex(phys + size - 1)}, above what the device can address (mask ${maskHex(dev.maskBits)}${dev.cfg.busLimit ? `, bus limit ${maskHex(dev.cfg.busLimit)}` : ''}), but dma_noop_ops never looks at the mask: the device is given that address anyway, nothing bounces and dma_mapping_error() says 0 (dma-direct checks it from ${ARCH_GATES.riscvDmaDirect.from})`,
      },
    });
  }
  return { addr: phys, bounced: -1 };
}

/** A swiotlb_map() result: the device is given the slot's address. */
function bounced(tlb: number): DmaMapped {
  return tlb === DMA_MAPPING_ERROR ? FAILED : { addr: tlb, bounced: tlb };
}

/** dma_direct_sync_single_for_device(). */
export function directSyncForDevice(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const phys = addr;
  if (isSwiotlbBuffer(m, phys)) syncSingleForDevice(m, dev, phys, size, dir, o);
  if (!dev.coherent) syncForDeviceArch(m, phys, size, dir, o);
}

/** dma_direct_sync_single_for_cpu(): arch invalidate first, then the swiotlb copy back. */
export function directSyncForCpu(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, o: StepOutcome): void {
  const phys = addr;
  if (!dev.coherent) syncForCpuArch(m, phys, size, dir, o);
  if (isSwiotlbBuffer(m, phys)) syncSingleForCpu(m, dev, phys, size, dir, o);
}

/** dma_direct_unmap_phys(). */
export function directUnmap(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const phys = addr;
  // before 4.10 swiotlb_unmap_page → unmap_single(hwdev, dev_addr, size, dir): the attrs never reach swiotlb, whose
  // swiotlb_tbl_unmap_single copies back whatever they say (SWIOTLB_GATES.skipCpuSync)
  const swiotlbCopiesAnyway = attrs.skipCpuSync && m.kernel < SWIOTLB_GATES.skipCpuSync.code && isSwiotlbBuffer(m, phys);
  if (!attrs.skipCpuSync) directSyncForCpu(m, dev, addr, size, dir, o);
  else if (swiotlbCopiesAnyway) {
    o.events.push({ kind: 'note', text: 'no cache maintenance at unmap', why: opsWhy(m, 'unmap', 'DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance at unmap; swiotlb before 4.10 is not told, and still copies the slot back (0443fa003fa1 made it skip that too)') });
  } else {
    o.events.push({ kind: 'note', text: 'no sync at unmap', why: opsWhy(m, 'unmap', 'DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance and no swiotlb copy-back at unmap') });
  }
  // before 5.13 swiotlb_tbl_unmap_single(dev, phys, size, size, …): the unmap's size is the alloc_size
  if (isSwiotlbBuffer(m, phys)) tblUnmapSingle(m, dev, phys, size, dir, !swiotlbCopiesAnyway, o, size);
}

/**
 * dma_direct_map_sg(): each entry mapped on its own, never merged. On a
 * failure (mapSgFailed) dma_map_sg returns 0; whether the entries already
 * mapped are unmapped depends on the kernel.
 */
export function directMapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): SgMapped {
  const done: DmaMapped[] = [];
  const after = syncsAfterList(m, dev, attrs);
  for (const e of sgt.entries) {
    const r = directMap(m, dev, e.phys, e.length, dir, attrs, o, true, !after);
    if (r.addr === DMA_MAPPING_ERROR) return mapSgFailed(m, dev, sgt, done, dir, attrs, o);
    done.push(r);
    e.dmaAddress = r.addr;
    e.dmaLength = e.length;
  }
  if (after) {
    o.events.push({ kind: 'note', text: 'cache maintenance after the whole list', why: opsWhy(m, 'map_sg', 'swiotlb_map_sg_attrs mapped every entry; only then does __swiotlb_map_sg_attrs run __dma_map_area over the entries it returned (the bounce slot where an entry bounced)') });
    done.forEach((r, i) => syncForDeviceArch(m, r.addr, sgt.entries[i]!.length, dir, o));
  }
  const n = done.length;
  const who = dmaNoopOps(m) ? `dma_noop_map_sg gives each of the ${n} entries its physical address, without a mask check, and` : `dma-direct maps each of the ${n} entries on its own and`;
  return { ok: true, nents: n, entries: done, why: opsWhy(m, 'map_sg', `${who} never merges them, even when they are physically contiguous: ${n} DMA segments`) };
}

/**
 * arm64 before 4.20 (ARCH_GATES.arm64GenericSwiotlbOps): __swiotlb_map_sg_attrs
 * calls swiotlb_map_sg_attrs first and then "for_each_sg(sgl, sg, ret, i)
 * __dma_map_area(…)": the cache maintenance follows the whole list and
 * covers only the `ret` entries mapped, none when the list failed. From 4.20
 * each entry is maintained as it is mapped (swiotlb_map_page, then
 * dma_direct_map_page).
 */
function syncsAfterList(m: Machine, dev: Device, attrs: Attrs): boolean {
  return m.arch === 'arm64' && m.kernel < ARCH_GATES.arm64GenericSwiotlbOps.code && !dev.coherent && !attrs.skipCpuSync;
}

/**
 * An entry of the list could not be mapped (DIRECT_GATES.swiotlbMerged):
 * from 5.0, and before it in swiotlb_map_sg_attrs, the entries already mapped
 * are unmapped with DMA_ATTR_SKIP_CPU_SYNC; before 5.0 dma_direct_map_sg (and
 * x86's nommu_map_sg) returned 0 on the spot, the entries before it still
 * mapped and the failing one's sg_dma_address already set (to its physical
 * address, before check_addr looked). Either way dma_map_sg_attrs hands
 * debug_dma_map_sg a count of 0, so dma-debug records none of them.
 */
function mapSgFailed(m: Machine, dev: Device, sgt: SgTable, done: DmaMapped[], dir: DmaDir, attrs: Attrs, o: StepOutcome): SgMapped {
  const g = DIRECT_GATES.swiotlbMerged;
  const at = directOpsFn(m, 'map_sg');
  const unmaps = m.kernel >= g.code || at.fn.includes('swiotlb');
  if (!unmaps) {
    const failing = sgt.entries[done.length]!;
    failing.dmaAddress = failing.phys;
    if (done.length) {
      observe(o, 'sg/map-failure-leaves-entries', `before ${g.from} (${g.commit}) ${at.fn} returns 0 at entry ${done.length} without unmapping the ${done.length} entr${done.length === 1 ? 'y' : 'ies'} before it: their sg_dma_address stays set, and dma-debug, handed a count of 0, records none of them`);
    }
    return { ok: false, why: { ...at, rule: `entry ${done.length} is out of the device's reach: ${at.fn} returns 0 on the spot, leaving the ${done.length} entr${done.length === 1 ? 'y' : 'ies'} before it mapped (no unmap before ${g.from}, ${g.commit}); dma_map_sg returns 0` } };
  }
  sgt.entries.forEach((x, i) => {
    if (i < done.length) directUnmap(m, dev, done[i]!.addr, x.length, dir, { ...attrs, skipCpuSync: true }, o);
  });
  // what the list's DMA fields hold afterwards (sg_dma_address reads them): from 5.0 "sg->dma_address =
  // dma_direct_map_page(…); if (sg->dma_address == DMA_MAPPING_ERROR) goto out_unmap;" leaves the failing entry
  // DMA_MAPPING_ERROR; before, swiotlb_map_sg_attrs failed in map_single() before assigning it and ended with
  // "sg_dma_len(sgl) = 0" (lib/swiotlb.c, TROVON v4.9 and v4.14 copies). The entries before keep their addresses.
  if (m.kernel >= g.code) sgt.entries[done.length]!.dmaAddress = DMA_MAPPING_ERROR;
  else sgt.entries[0]!.dmaLength = 0;
  // from 5.15 (DMA_BUF_GATES.sgtableEio, fffe3cc8c219's series) out_unmap returns -EIO instead of 0
  const ret = m.kernel >= DMA_BUF_GATES.sgtableEio.code ? `${at.fn} returns -EIO (dma_map_sg gives 0, dma_map_sgtable -EIO)` : 'dma_map_sg returns 0';
  return { ok: false, why: { ...at, rule: `an entry could not be mapped: the entries already mapped are unmapped (with DMA_ATTR_SKIP_CPU_SYNC) and ${ret}` } };
}

/** dma_direct_unmap_sg(): the first `nents` of the `mapped` entries (a wrong count leaves the rest mapped). */
export function directUnmapSg(m: Machine, dev: Device, sgt: SgTable, nents: number, mapped: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  for (let i = 0; i < Math.min(mapped, nents); i++) {
    const e = sgt.entries[i]!;
    directUnmap(m, dev, e.dmaAddress, e.dmaLength, dir, attrs, o);
  }
  if (nents < mapped) observe(o, 'sg/nents-mismatch', `dma_unmap_sg was given nents=${nents} but ${mapped} entries were mapped: dma-direct unmaps only the first ${nents}; the rest stay mapped (and leak)`);
}

/** dma_direct_sync_sg_for_cpu / _for_device: each of the `mapped` entries like a single mapping. */
export function directSyncSg(m: Machine, dev: Device, sgt: SgTable, mapped: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  for (let i = 0; i < mapped; i++) {
    const e = sgt.entries[i]!;
    if (forCpu) directSyncForCpu(m, dev, e.dmaAddress, e.dmaLength, dir, o);
    else directSyncForDevice(m, dev, e.dmaAddress, e.dmaLength, dir, o);
  }
}

/**
 * What dma_coherent_ok() checks a page's end against, and the limit
 * dma_direct_optimal_gfp_mask() picks the zone from: min_not_zero(
 * coherent_dma_mask, bus_dma_limit) from DIRECT_GATES.overflowBusMask
 * (b4ebe6063204 "dma-direct: implement complete bus_dma_mask handling", 4.20:
 * "take the bus dma_mask into account for allocations and bounce buffering
 * decisions"); before it the coherent mask alone ("phys_to_dma(dev, phys) +
 * size - 1 <= dev->coherent_dma_mask"), so the bus limit was ignored.
 */
export function coherentLimit(m: Machine, dev: Device): number {
  const bus = dev.cfg.busLimit && since(m.kernel, DIRECT_GATES.overflowBusMask) ? dmaBitMask(dev.cfg.busLimit) : 0;
  const mask = dmaBitMask(dev.coherentMaskBits);
  return bus ? Math.min(mask, bus) : mask;
}

/**
 * dma_direct_optimal_gfp_mask() (4.16–5.x: the same two tests inline in
 * dma_direct_alloc): GFP_DMA when the limit is within zone_dma_bits — 24, the
 * default, where the architecture sets none, riscv included ("#define
 * ARCH_ZONE_DMA_BITS 24", later "zone_dma_bits __ro_after_init = 24") —
 * GFP_DMA32 within 32 bits, no zone modifier above.
 */
export function coherentGfpZone(m: Machine, dev: Device): 'GFP_DMA' | 'GFP_DMA32' | null {
  const limit = coherentLimit(m, dev);
  const bits = zoneDmaBits(m) ?? 24;
  if (limit <= 2 ** bits - 1) return 'GFP_DMA';
  if (limit <= SZ_4G - 1) return 'GFP_DMA32';
  return null;
}

/**
 * The zone dma_direct_alloc() asks for: the top of the zone
 * dma_direct_optimal_gfp_mask() picks from min_not_zero(coherent_dma_mask,
 * bus_dma_limit), through gfp_zone() (a modifier whose zone the architecture
 * lacks is ZONE_NORMAL: riscv's GFP_DMA, and its GFP_DMA32 before 4.16).
 */
export function coherentZoneLimit(m: Machine, dev: Device): number {
  // riscv 4.15: dma_noop_alloc() is __get_free_pages(gfp, …), no zone for the coherent mask (ARCH_GATES.riscvDmaDirect)
  if (dmaNoopOps(m)) return m.config.ram;
  return zoneTop(m, coherentGfpZone(m, dev));
}

