/**
 * The DMA API backed by a system IOMMU — mirrors `drivers/iommu/dma-iommu.c`
 * (mainline ~6.18: iommu_dma_map_phys / iommu_dma_unmap_phys,
 * iommu_dma_map_sg / __finalise_sg / __invalidate_sg / iommu_dma_unmap_sg,
 * iommu_dma_sync_*, iommu_dma_alloc → __iommu_dma_alloc_noncontiguous,
 * iommu_dma_alloc_iova / iommu_dma_free_iova / __iommu_dma_map /
 * __iommu_dma_unmap) and the IOMMU branch of `kernel/dma/ops_helpers.c`
 * (dma_common_alloc_pages / dma_common_free_pages, used by
 * dma_alloc_noncoherent).
 *
 * What it is for: mapping.ts and coherent.ts call these for a device whose
 * default domain is a DMA or DMA_FQ domain (use_dma_iommu()). The device gets
 * an IOVA; the IOMMU translates it (iommu.ts, iotlb.ts, io-pgtable.ts).
 *
 * Kernel behaviour kept:
 * - prot from the direction (dma_info_to_prot): TO_DEVICE → READ,
 *   FROM_DEVICE → WRITE, BIDIRECTIONAL → READ|WRITE, + CACHE when coherent.
 * - Single map, in the kernel's order: bounce through swiotlb if
 *   dev_use_swiotlb() (untrusted PCI device, or a kmalloc buffer that is not
 *   DMA-safe on a non-coherent device) and the buffer's start or size is not
 *   granule-aligned (iova_unaligned); arch_sync_dma_for_device on the
 *   (possibly bounced) physical pages unless DMA_ATTR_SKIP_CPU_SYNC; then
 *   __iommu_dma_map: iova_off = phys & (granule-1), size aligned to the
 *   granule, iommu_dma_alloc_iova, iommu_map, return iova + iova_off.
 * - The bounce (iommu_dma_map_swiotlb): swiotlb_tbl_map_single with
 *   alloc_align_mask = granule - 1, the slot allocation rounded up to the
 *   granule (6.10+: inside swiotlb_tbl_map_single; before: the alloc_size
 *   dma-iommu passed), and for untrusted devices the pre- and post-padding of
 *   the granule zeroed by a CPU memset, so the device sees zeros around the
 *   buffer, never stale kernel data. No swiotlb pool: "DMA bounce buffers
 *   are inactive, unable to map unaligned transaction." (warn once; from
 *   5.19, DMA_IOMMU_GATES.bounceInactiveCheck: before, swiotlb_tbl_map_single
 *   is called anyway and reports the missing pool itself).
 * - iommu_dma_alloc_iova: limit = min_not_zero(mask, bus_dma_limit) capped at
 *   the aperture (2^48 - 1); a PCI device tries below 4 GiB first (4.11+,
 *   DMA_IOMMU_GATES.pciSac; before, every device allocates from its limit)
 *   (alloc_iova_fast(…, DMA_BIT_MASK(32) >> shift, false)); from 6.6 a failed
 *   try clears pci_32bit_workaround for good and logs "Using %d-bit DMA
 *   addresses" (bits_per(limit)); before 6.6 every allocation tried 32 bits
 *   first, silently. Before 4.12 (DMA_IOMMU_GATES.perCpuIovaCache,
 *   bb65a64c7285) there is no rcache: __alloc_iova calls alloc_iova(…, true)
 *   with the exact granule count (no power-of-two rounding), and
 *   __iommu_dma_unmap finds the node (find_iova; WARN_ON and nothing
 *   unmapped if there is none), unmaps the node's own size whatever the
 *   caller passed, and __free_iova erases it at once. Before 4.15 the tree
 *   itself follows the older cached32_node rules (iova.ts,
 *   DMA_IOMMU_GATES.iovaNodeCaching).
 * - Unmap (iommu_dma_unmap_phys): iommu_iova_to_phys, WARN_ON if unmapped,
 *   arch_sync_dma_for_cpu unless SKIP, __iommu_dma_unmap (iommu_unmap_fast,
 *   then strict: iommu_iotlb_sync and free_iova_fast; lazy: queue_iova),
 *   then swiotlb_tbl_unmap_single for a bounce slot.
 * - Scatterlists: one IOVA allocation for the whole list, each entry widened
 *   to granules (its sub-granule offset and true length stashed), one
 *   iommu_map_sg (physically contiguous entries concatenated), then
 *   __finalise_sg merges entry s into the open segment iff a segment is open,
 *   s starts at granule offset 0, the running IOVA is not on a segment
 *   boundary, and max_seg_size - cur_len >= s_length; an entry that does not
 *   fill its last granule closes the segment; leftover entries get
 *   DMA_MAPPING_ERROR / 0. Untrusted devices (or unsafe kmalloc lengths) take
 *   iommu_dma_map_sg_swiotlb: every entry on its own, no merging. Errors:
 *   -ENOMEM (no IOVA), -EINVAL (map failed), -EIO (swiotlb path); the
 *   entries are restored by __invalidate_sg.
 * - Coherent allocation (iommu_dma_alloc with a blocking GFP →
 *   iommu_dma_alloc_remap): pages from the buddy allocator in the largest
 *   orders the IOMMU can map (2 MiB blocks when 512+ pages remain, else
 *   single pages; any zone: "IOMMU can map any pages"), never CMA, mapped
 *   into one IOVA range under the coherent mask, arch_dma_prep_coherent for a
 *   non-coherent device, and a vmap alias (uncached for a non-coherent
 *   device). A non-blocking GFP takes one contiguous block instead, mapped
 *   by __iommu_dma_map. dma_alloc_noncoherent (dma_common_alloc_pages) tries
 *   CMA first (dma_alloc_contiguous), maps with DMA_ATTR_SKIP_CPU_SYNC and
 *   zeroes through the cache.
 *
 * Simplified: no DMA_ATTR_MMIO / REQUIRE_COHERENT / PRIVILEGED /
 * FORCE_CONTIGUOUS, no P2PDMA, no min_align_mask, no segment-boundary
 * padding (dma_get_seg_boundary is always ULONG_MAX here, so pad_len is
 * never used), no atomic pool (a non-coherent GFP_ATOMIC allocation gets
 * ordinary pages with an uncached alias), no
 * dma_iova_* two-step API, no deferred attach. swiotlb=force is ignored by
 * dma-iommu, as in mainline's dev_use_swiotlb (a proposed patch adds
 * is_swiotlb_force_bounce there; its merge is unconfirmed).
 */
import type { DmaDir, Why } from '../events.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { archOps, zoneName } from '../arch/arch.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { cacheWrite } from '../hw/cpu-cache.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { dmaBitMask, dmaLimit, LINEAR_BASE, type Buffer, type Device, type Machine, type SgTable } from '../machine.ts';
import { cpuMemset, getOrder } from '../mm/buffers.ts';
import { dmaAllocContiguous, dmaDirectFreeBuffer, dmaFreeContiguous } from '../dma/contiguous-ops.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { kmallocNeedsBounce, syncForCpuArch, syncForDeviceArch } from '../dma/direct.ts';
import { DMA_MAPPING_ERROR, type Attrs, type DmaAllocated, type DmaMapped, type SgMapped } from '../dma/map-ops.ts';
import { iommuSgUnused } from '../dma/map-error.ts';
import { intelDmaOps } from './intel-ops.ts';
import { isSwiotlbBuffer, nrSlots, syncSingleForCpu, syncSingleForDevice, tblMapSingle, tblUnmapSingle } from '../dma/swiotlb.ts';
import { who } from '../kernel-log/catalogue.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE, protString } from './io-pgtable.ts';
import { allocIova, allocIovaPlain, roundupPow2, findIova, freeIovaFast, freeIovaNode, limitPfnForAddr, limitPfnForBits, type IovaAllocResult, type IovaDomain } from './iova.ts';
import { fqQueue } from './flush-queue.ts';
import { zeroNoncoherent } from '../dma/coherent.ts';
import { DMA_IOMMU_GATES as G, INTEL_IOMMU_GATES, apiFile, kernelFile, kernelName, since } from '../kernel-versions.ts';
import { APERTURE_END, applyFq, devIsUntrusted, dmaDomain, iommuIotlbSync, iommuIovaToPhys, iommuMap, iommuUnmapFast, type IommuDomain } from './iommu.ts';
import { alignUp, offsetIn, pageAlign } from '../align.ts';
import { EINVAL, EIO, ENOMEM } from '../errno.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'drivers/iommu/dma-iommu.c';
const SZ_4G_MASK = 0xffff_ffff;

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

/** dma_info_to_prot(dir, coherent, attrs). */
export function dmaInfoToProt(dir: DmaDir, coherent: boolean): number {
  const prot = coherent ? IOMMU_CACHE : 0;
  switch (dir) {
    case 'DMA_BIDIRECTIONAL':
      return prot | IOMMU_READ | IOMMU_WRITE;
    case 'DMA_TO_DEVICE':
      return prot | IOMMU_READ;
    case 'DMA_FROM_DEVICE':
      return prot | IOMMU_WRITE;
    default:
      return 0;
  }
}

/**
 * dev_use_swiotlb(dev, size, dir): CONFIG_SWIOTLB and (dev_is_untrusted or
 * dma_kmalloc_needs_bounce). Without a swiotlb pool kmalloc objects keep
 * ARCH_DMA_MINALIGN, so only the untrusted case remains.
 */
function devUseSwiotlb(m: Machine, dev: Device, size: number, dir: DmaDir): boolean {
  return bouncesUntrusted(m, dev) || (m.swiotlb !== null && kmallocNeedsBounce(m, dev, size, dir));
}

/**
 * dma-iommu bounces an untrusted device's sub-granule buffers from 5.11
 * (82612d66d51d); before, it never bounced. x86's own VT-d ops did from 5.4
 * (INTEL_IOMMU_GATES.untrustedBounce, cfb94a372f2d: bounce_map_single).
 */
export function bouncesUntrusted(m: Machine, dev: Device): boolean {
  if (!devIsUntrusted(dev)) return false;
  if (intelDmaOps(m)) return since(m.kernel, INTEL_IOMMU_GATES.untrustedBounce);
  return m.kernel >= G.untrustedBounce.code;
}

/** dev_use_sg_swiotlb(): untrusted, or any entry whose kmalloc length is not DMA-safe. */
function devUseSgSwiotlb(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir): boolean {
  if (bouncesUntrusted(m, dev)) return true;
  if (m.swiotlb === null) return false;
  for (const e of sgt.entries) if (kmallocNeedsBounce(m, dev, e.length, dir)) return true;
  return false;
}

/** bits_per(x): fls64. */
function bitsPer(x: number): number {
  return Math.floor(Math.log2(x)) + 1;
}

/** min_not_zero(coherent_dma_mask, bus_dma_limit). */
function coherentLimit(dev: Device): number {
  const mask = dmaBitMask(dev.coherentMaskBits);
  const bus = dev.cfg.busLimit ? dmaBitMask(dev.cfg.busLimit) : 0;
  return bus ? Math.min(mask, bus) : mask;
}

// ---------------------------------------------------------------------------
// IOVA

/**
 * iommu_dma_alloc_iova(domain, size, dma_limit, dev): returns the IOVA, 0 on
 * failure. `limit` is min_not_zero(mask, bus_dma_limit).
 */
export { intelDmaOps };

const INTEL_FILE = 'drivers/iommu/intel/iommu.c';

/** The single-map function of this kernel's DMA ops behind an IOMMU. */
function mapFn(m: Machine): string {
  return intelDmaOps(m) ? 'intel_map_page' : kernelName(m.kernel, 'iommuMap').fn;
}
function unmapFn(m: Machine): string {
  return intelDmaOps(m) ? 'intel_unmap_page' : kernelName(m.kernel, 'iommuUnmap').fn;
}

/**
 * __intel_map_single's permissions: DMA_PTE_READ for TO_DEVICE and
 * BIDIRECTIONAL "or !cap_zlr(iommu->cap)", DMA_PTE_WRITE for FROM_DEVICE and
 * BIDIRECTIONAL. The explorer's VT-d unit reports zero-length-read support
 * (cap_zlr(c) = ((c) >> 22) & 1, intel-iommu.h): the explorer's choice, as
 * every capability register in the boot logs searched has it ("dmar0:
 * reg_base_addr fed90000 ver 1:0 cap …": 1c0000c40660462, d2008c40660462,
 * c90780106f0462, c0000020e60262, c0000020660462, d2008c20660462 all have
 * bit 22 set). So a DMA_FROM_DEVICE mapping is write-only, as with dma-iommu
 * from 5.11; a unit without ZLR would make it readable.
 */
function whyIntelMap(m: Machine, dir: DmaDir): Why {
  return why(
    'intel_map_page',
    `Before ${INTEL_IOMMU_GATES.dmaIommu.from} (${INTEL_IOMMU_GATES.dmaIommu.commit}) the DMA API behind VT-d is intel-iommu's own: intel_map_page → __intel_map_single takes an IOVA from intel_alloc_iova (the size rounded up to a power of two; below 4 GiB first when the mask is wider) and maps it with domain_pfn_mapping. ${dir === 'DMA_FROM_DEVICE' ? 'DMA_FROM_DEVICE gets DMA_PTE_WRITE only: DMA_PTE_READ is added for a write-only mapping only when the unit lacks zero-length-read support (!cap_zlr), and the explorer\'s unit has it (the explorer\'s choice, as on the Intel units whose capability registers boot logs show), so a device read faults.' : dir === 'DMA_TO_DEVICE' ? 'DMA_TO_DEVICE gets DMA_PTE_READ only: a device write faults.' : 'DMA_BIDIRECTIONAL gets DMA_PTE_READ | DMA_PTE_WRITE.'}`,
    kernelFile(m.kernel, INTEL_FILE),
  );
}

/**
 * The domain's allocator, with the tree rules of this kernel: before 4.15
 * (e60aa7b53845) iova.c has only cached32_node. The domain is created by
 * iommu.ts without the version, so the rules are set here, before every use.
 */
function iovadOf(m: Machine, dom: IommuDomain): IovaDomain {
  const iovad = dom.iovad!;
  iovad.cached32Only = m.kernel < G.iovaNodeCaching.code;
  return iovad;
}

/**
 * Is there a per-CPU rcache behind the allocation? arm64's dma-iommu from
 * 4.12 (bb65a64c7285; before, alloc_iova / __free_iova). Other architectures
 * reach this path only with the x86 VT-d model, whose own DMA ops had the
 * rcache from 4.7 (9257b4a206fc): x86 4.4-4.6 are not told apart.
 */
function hasRcache(m: Machine): boolean {
  return m.arch !== G.perCpuIovaCache.arch || since(m.kernel, G.perCpuIovaCache);
}

/** One allocation attempt: alloc_iova_fast (4.12+) or alloc_iova (before). */
function tryAlloc(m: Machine, iovad: IovaDomain, pages: number, limitPfn: number, flushRcache: boolean): IovaAllocResult {
  return hasRcache(m) ? allocIova(iovad, pages, limitPfn, flushRcache) : allocIovaPlain(iovad, pages, limitPfn);
}

function allocIovaFor(m: Machine, dev: Device, dom: IommuDomain, size: number, limit: number, o: StepOutcome): number {
  const iovad = iovadOf(m, dom);
  const lim = Math.min(limit, APERTURE_END);
  if (intelDmaOps(m)) return intelAllocIova(m, iovad, roundupPow2(size / iovad.granule), lim, o);
  const pages = size / iovad.granule;
  const d = m.iommu.devs[dev.name]!;
  // the 32-bit try exists from 4.11 (122fac030e91 "iommu/dma: Implement PCI allocation optimisation")
  if (lim > SZ_4G_MASK && d.pci32bitWorkaround && m.kernel >= G.pciSac.code) {
    const r = tryAlloc(m, iovad, pages, limitPfnForBits(iovad, 32), false);
    for (const e of r.events) o.events.push(e);
    if (r.pfn) return r.iova;
    if (m.kernel >= G.pci32Once.code) {
      d.pci32bitWorkaround = false;
      printk(m, o, 'dma-iommu.dac', { bits: bitsPer(lim) }, who(dev.name, dev.cfg.label));
      o.events.push({
        kind: 'note',
        text: '32-bit IOVA space full',
        why: why('iommu_dma_alloc_iova', `no room for ${pages} granule(s) below 4 GiB: pci_32bit_workaround is cleared for good and this and every later allocation uses the full ${bitsPer(lim)}-bit range (the dev_notice it logs, ${G.pci32Once.from}+, ${G.pci32Once.commit})`),
      });
    } else {
      o.events.push({ kind: 'note', text: '32-bit IOVA space full', why: why('iommu_dma_alloc_iova', `no room below 4 GiB for this PCI device: fall back to the full limit (before ${G.pci32Once.from} the 32-bit try is repeated every time, silently)`) });
    }
  }
  const r = tryAlloc(m, iovad, pages, limitPfnForAddr(iovad, lim), true);
  for (const e of r.events) o.events.push(e);
  if (!r.pfn) {
    if (hasRcache(m)) {
      o.events.push({ kind: 'note', text: 'IOVA space exhausted', why: why('iommu_dma_alloc_iova', `alloc_iova_fast found no ${pages}-granule range below ${hex(lim)}, even after flushing the rcaches: the map fails`) });
    } else {
      o.events.push({ kind: 'note', text: 'IOVA space exhausted', why: why('__alloc_iova', `alloc_iova found no ${pages}-granule range below ${hex(lim)} (no rcache before ${G.perCpuIovaCache.from}, so nothing to flush): the map fails`) });
    }
  }
  return r.pfn ? r.iova : 0;
}

/**
 * intel_alloc_iova(dev, domain, nrpages, dma_mask) before 5.11: "Ensure we
 * reserve the whole size-aligned region" (nrpages rounded up to a power of
 * two, whatever the size), then "if (!dmar_forcedac && dma_mask >
 * DMA_BIT_MASK(32))" a first alloc_iova_fast below 4 GiB — for any device,
 * PCI or not, on every allocation — then the full mask.
 */
function intelAllocIova(m: Machine, iovad: IovaDomain, pages: number, lim: number, o: StepOutcome): number {
  const fn = kernelFile(m.kernel, INTEL_FILE);
  if (lim > SZ_4G_MASK) {
    const r = tryAlloc(m, iovad, pages, limitPfnForBits(iovad, 32), false);
    for (const e of r.events) o.events.push(e);
    if (r.pfn) return r.iova;
    o.events.push({ kind: 'note', text: '32-bit IOVA space full', why: why('intel_alloc_iova', `no room for ${pages} page(s) below 4 GiB: try again up to the device's mask (every allocation tries 32 bits first, silently, unless intel_iommu=forcedac)`, fn) });
  }
  const r = tryAlloc(m, iovad, pages, limitPfnForAddr(iovad, lim), true);
  for (const e of r.events) o.events.push(e);
  if (!r.pfn) o.events.push({ kind: 'note', text: 'IOVA space exhausted', why: why('intel_alloc_iova', `alloc_iova_fast found no ${pages}-page range below ${hex(lim)}: "Allocating %ld-page iova failed", the map fails`, fn) });
  return r.pfn ? r.iova : 0;
}

/** iommu_dma_free_iova(domain, iova, size, gather): queue_iova when the gather is queued, else free_iova_fast. */
function freeIovaFor(m: Machine, dom: IommuDomain, iova: number, size: number, queued: boolean, o: StepOutcome): void {
  const iovad = iovadOf(m, dom);
  const pfn = iova / iovad.granule;
  const pages = size / iovad.granule;
  if (queued && dom.fq) {
    applyFq(dom, fqQueue(dom.fq, pfn, pages, m.timeUs), o);
    return;
  }
  // before 4.12 (bb65a64c7285) no rcache: __free_iova(iovad, find_iova(iovad, pfn))
  const r = hasRcache(m) ? freeIovaFast(iovad, pfn, pages) : freeIovaNode(iovad, pfn);
  for (const e of r.events) o.events.push(e);
}

const WHY_SYNC_NOW = why('__iommu_dma_unmap', 'Strict mode: iommu_iotlb_sync() before dma_unmap_* returns, so no stale translation survives; the IOVA is reusable at once (free_iova_fast).');

const WHY_UNMAP_NODE = why(
  '__iommu_dma_unmap',
  'Before 4.12 "the IOVA allocator knows what we mapped, so just unmap whatever that was": find_iova() gives the node holding the address, iommu_unmap() unmaps (and invalidates) the node\'s whole size whatever size the caller passed, and __free_iova() erases the node from the tree at once (no rcache).',
);

/** __iommu_dma_unmap(domain, dma_addr) before 4.12 (bb65a64c7285): by the IOVA node, not the caller's size. */
function dmaUnmapNode(m: Machine, dom: IommuDomain, addr: number, size: number, o: StepOutcome): void {
  const iovad = iovadOf(m, dom);
  const node = findIova(iovad, Math.floor(addr / iovad.granule));
  if (!node) {
    o.events.push({ kind: 'note', text: 'WARN_ON(!iova)', why: why('__iommu_dma_unmap', `find_iova finds no IOVA node holding ${hex(addr)}: the kernel WARNs and returns, nothing is unmapped or freed`) });
    return;
  }
  const iova = node.pfnLo * iovad.granule;
  const len = (node.pfnHi - node.pfnLo + 1) * iovad.granule;
  const unmapped = iommuUnmapFast(dom, iova, len, false, o);
  iommuIotlbSync(dom, iova, unmapped, o);
  if (unmapped !== len) {
    o.events.push({ kind: 'note', text: `WARN_ON(size > 0): ${unmapped} of ${len} bytes unmapped`, why: why('__iommu_dma_unmap', 'the node\'s range was not (entirely) mapped: iommu_unmap stopped early; the IOVA is freed anyway') });
  }
  const off = offsetIn(addr, dom.granule);
  const asked = alignUp(size + off, dom.granule);
  o.events.push({
    kind: 'note',
    text: asked === len ? 'IOTLB invalidated' : `IOTLB invalidated: ${len} bytes unmapped (the caller passed ${size})`,
    why: WHY_UNMAP_NODE,
  });
  freeIovaFor(m, dom, iova, len, false, o);
}

/** __iommu_dma_unmap(dev, dma_addr, size). */
function dmaUnmapRange(m: Machine, dom: IommuDomain, addr: number, size: number, o: StepOutcome): void {
  if (!hasRcache(m)) {
    dmaUnmapNode(m, dom, addr, size, o);
    return;
  }
  const g = dom.granule;
  const off = offsetIn(addr, g);
  const iova = addr - off;
  const len = alignUp(size + off, g);
  const queued = dom.fq !== null;
  const unmapped = iommuUnmapFast(dom, iova, len, queued, o);
  if (unmapped !== len && !intelDmaOps(m)) {
    o.events.push({ kind: 'note', text: `WARN_ON(unmapped != size): ${unmapped} of ${len} bytes unmapped`, why: why('__iommu_dma_unmap', 'the range was not (entirely) mapped: iommu_unmap_fast stopped early; the IOVA is freed anyway') });
  }
  if (!queued) {
    iommuIotlbSync(dom, iova, unmapped, o);
    o.events.push({ kind: 'note', text: 'IOTLB invalidated', why: WHY_SYNC_NOW });
  }
  freeIovaFor(m, dom, iova, len, queued, o);
}

/** __iommu_dma_map(dev, phys, size, prot, dma_mask). */
function dmaMapRange(m: Machine, dev: Device, dom: IommuDomain, phys: number, size: number, prot: number, limit: number, o: StepOutcome): number {
  const g = dom.granule;
  const off = offsetIn(phys, g);
  const len = alignUp(size + off, g);
  const iova = allocIovaFor(m, dev, dom, len, limit, o);
  if (!iova) return DMA_MAPPING_ERROR;
  if (iommuMap(dom, iova, phys - off, len, prot, o)) {
    freeIovaFor(m, dom, iova, len, false, o);
    o.events.push({ kind: 'note', text: 'iommu_map failed', why: why('__iommu_dma_map', 'iommu_map refused the range: the IOVA is freed (no gather, so straight to free_iova_fast) and the map fails') });
    return DMA_MAPPING_ERROR;
  }
  return iova + off;
}

// ---------------------------------------------------------------------------
// swiotlb bounce for sub-granule buffers

/**
 * iommu_dma_map_swiotlb(): a granule-aligned bounce slot, the buffer copied
 * in, and (untrusted devices) the rest of the granule zeroed. Returns the
 * slot address or -1.
 */
function mapSwiotlb(m: Machine, dev: Device, dom: IommuDomain, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): number {
  // is_swiotlb_active() is asked from 5.19 (f316ba0a8814); before, swiotlb_tbl_map_single below reports the missing pool itself
  if (!m.swiotlb && m.kernel >= G.bounceInactiveCheck.code) {
    printkOnce(m, o, 'iommu_dma_map_swiotlb:inactive', 'dma-iommu.bounce-inactive', {}, who(dev.name, dev.cfg.label));
    return -1;
  }
  const g = dom.granule;
  // swiotlb_tbl_map_single(dev, phys, size, iova_mask(iovad), dir, attrs):
  // size = ALIGN(mapping_size + offset, alloc_align_mask + 1), offset 0 here (no min_align_mask)
  const allocSize = alignUp(size, g);
  const tlb = tblMapSingle(m, dev, phys, size, dir, attrs.skipCpuSync, attrs.noWarn, o, {
    allocSize,
    allocAlignMask: g - 1,
    fn: 'iommu_dma_map_swiotlb',
    rule: `${nrSlots(allocSize)} slot(s) covering a whole ${g}-byte IOVA granule (alloc_align_mask = granule - 1): the IOMMU can only map whole granules, so the bounce slot must own all of it`,
  });
  if (tlb < 0) return -1;
  zeroPadding(m, dev, g, tlb, size, allocSize, dir, attrs, o);
  return tlb;
}

/**
 * The memset after the bounce (DMA_IOMMU_GATES.paddingZeroFix):
 * - before 6.10 every dma-iommu bounce zeroed from the slot: the tail past the
 *   buffer for TO_DEVICE/BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC, else the
 *   whole aligned size — the original's bytes swiotlb just copied in included;
 * - from 6.10 (2650073f1b58 "iommu/dma: fix zeroing of bounce buffer padding
 *   used by untrusted devices") only untrusted devices, and only the pre- and
 *   post-padding of the granule(s) around the buffer.
 */
function zeroPadding(m: Machine, dev: Device, g: number, tlb: number, size: number, allocSize: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const zero = (at: number, len: number, rule: string): void => {
    if (len <= 0) return;
    cacheWrite(m.cache, m.ram, at, new Uint8Array(len), null);
    o.events.push({ kind: 'note', text: `padding zeroed: ${hex(at)}+${len}`, why: why('iommu_dma_map_swiotlb', rule) });
  };
  if (m.kernel < G.paddingZeroFix.code) {
    if (!attrs.skipCpuSync && (dir === 'DMA_TO_DEVICE' || dir === 'DMA_BIDIRECTIONAL')) {
      zero(tlb + size, allocSize - size, '"Cleanup the padding area": before 6.10 the rest of the aligned bounce buffer past the data is zeroed (memset through the CPU cache)');
    } else {
      zero(tlb, allocSize, `"Cleanup the padding area": before 6.10 a ${attrs.skipCpuSync ? 'DMA_ATTR_SKIP_CPU_SYNC' : dir} bounce zeroes the whole aligned bounce buffer — the original's bytes swiotlb just copied in included, so a partial device write brings zeroes back at unmap`);
      observe(o, 'iommu/padding-zeroed', `the bounce buffer was zeroed over the data swiotlb had copied in (pre-6.10 padding memset): bytes the device does not write come back as zeroes at unmap`);
    }
    return;
  }
  if (!devIsUntrusted(dev)) return;
  const rule = 'Untrusted devices should not see padding areas with random leftover kernel data, so the pre- and post-padding of the granule are zeroed (memset through the CPU cache)';
  const start = tlb - (tlb % g);
  zero(start, tlb - start, rule);
  const end = tlb + size;
  zero(end, alignUp(end, g) - end, rule);
}

// ---------------------------------------------------------------------------
// single mappings

/**
 * iommu_dma_map_phys(dev, phys, size, dir, attrs): the DMA address (IOVA +
 * offset) or DMA_MAPPING_ERROR, and the bounce slot the IOVA leads to (-1 if
 * the buffer was mapped in place).
 */
export function iommuDmaMapPhys(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): DmaMapped {
  const dom = dmaDomain(m, dev);
  const coherent = dev.coherent;
  const prot = dmaInfoToProt(dir, coherent);
  let tlb = -1;
  if (dev.cfg.swiotlb === 'force') {
    o.events.push({ kind: 'note', text: 'swiotlb=force ignored', why: why('dev_use_swiotlb', 'dma-iommu does not look at is_swiotlb_force_bounce(): only untrusted devices and unsafe kmalloc buffers bounce behind an IOMMU') });
  }
  if (dev.cfg.untrusted && dev.cfg.bus !== 'pci') {
    observe(o, 'iommu/untrusted-ignored', `${dev.name} is marked untrusted, but dev_is_untrusted() reads pci_dev->untrusted: a platform device is never treated as untrusted`);
  }
  const g = dom.granule;
  if (devIsUntrusted(dev) && !bouncesUntrusted(m, dev) && (offsetIn(phys, g) !== 0 || offsetIn(size, g) !== 0)) {
    const g = intelDmaOps(m) ? INTEL_IOMMU_GATES.untrustedBounce : G.untrustedBounce;
    observe(o, 'iommu/untrusted-not-bounced', `${dev.name} is untrusted, but before ${g.from} ${intelDmaOps(m) ? 'intel-iommu' : 'dma-iommu'} does not bounce (${g.commit}): the device is given the whole granule(s) around the buffer, neighbouring data included`);
  }
  if ((offsetIn(phys, g) !== 0 || offsetIn(size, g) !== 0) && devUseSwiotlb(m, dev, size, dir)) {
    o.events.push({
      kind: 'note',
      text: 'bounce through swiotlb',
      why: why(
        mapFn(m),
        bouncesUntrusted(m, dev)
          ? `${dev.name} is untrusted and the buffer does not fill whole ${g}-byte granules (iova_unaligned): mapping it in place would expose the rest of its granule(s), so it bounces`
          : `a ${size}-byte kmalloc buffer on a non-coherent device could share a cache line (dma_kmalloc_needs_bounce) and is not granule aligned: it bounces`,
      ),
    });
    tlb = mapSwiotlb(m, dev, dom, phys, size, dir, attrs, o);
    if (tlb < 0) return { addr: DMA_MAPPING_ERROR, bounced: -1 };
    phys = tlb;
  }
  if (!coherent && !attrs.skipCpuSync) syncForDeviceArch(m, phys, size, dir, o);
  if (intelDmaOps(m)) o.events.push({ kind: 'note', text: `intel_map_page: ${protString(prot & (IOMMU_READ | IOMMU_WRITE))}`, why: whyIntelMap(m, dir) });
  const addr = dmaMapRange(m, dev, dom, phys, size, prot, dmaLimit(dev), o);
  if (addr === DMA_MAPPING_ERROR && tlb >= 0) {
    tblUnmapSingle(m, dev, tlb, size, dir, attrs.skipCpuSync, o);
    tlb = -1;
  }
  return { addr, bounced: tlb };
}

/** iommu_dma_unmap_phys(dev, dma_handle, size, dir, attrs). */
export function iommuDmaUnmapPhys(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const dom = dmaDomain(m, dev);
  const phys = addr >= 0 ? iommuIovaToPhys(dom, addr) : -1;
  if (phys < 0 && intelDmaOps(m) && addr >= 0) {
    // intel_unmap() looks nothing up: domain_unmap() of the range, then free_iova_fast() or queue_iova()
    o.events.push({ kind: 'note', text: `nothing mapped at ${hex(addr)}: unmapped and freed anyway`, why: why('intel_unmap_page', `intel_unmap() has no iommu_iova_to_phys() check (dma-iommu's WARN_ON(!phys) comes with ${INTEL_IOMMU_GATES.dmaIommu.from}): it clears whatever the range maps (nothing here) and hands the IOVA pfn back to the allocator, which trusts it`, kernelFile(m.kernel, INTEL_FILE)) });
    dmaUnmapRange(m, dom, addr, size, o);
    return;
  }
  if (phys < 0) {
    o.events.push({ kind: 'note', text: 'WARN_ON(!phys)', why: why(unmapFn(m), `iommu_iova_to_phys(${hex(addr)}) is 0: nothing is mapped there, the kernel WARNs and returns without unmapping anything`) });
    observe(o, 'iommu/nothing-mapped', `nothing is mapped at IOVA ${hex(addr)} in ${dom.name}: ${unmapFn(m)} hits WARN_ON(!phys) and returns`);
    return;
  }
  if (!attrs.skipCpuSync && !dev.coherent) syncForCpuArch(m, phys, size, dir, o);
  dmaUnmapRange(m, dom, addr, size, o);
  if (isSwiotlbBuffer(m, phys)) tblUnmapSingle(m, dev, phys, size, dir, attrs.skipCpuSync, o);
}

/** iommu_dma_sync_single_for_cpu / _for_device. */
export function iommuDmaSyncSingle(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const fn = forCpu ? 'iommu_dma_sync_single_for_cpu' : 'iommu_dma_sync_single_for_device';
  if (dev.coherent && !devUseSwiotlb(m, dev, size, dir)) {
    o.events.push({ kind: 'note', text: 'nothing to do', why: why(fn, 'coherent device and no bouncing: the sync has no work') });
    return;
  }
  const dom = dmaDomain(m, dev);
  const phys = iommuIovaToPhys(dom, addr);
  if (phys < 0) {
    observe(o, 'iommu/nothing-mapped', `nothing is mapped at IOVA ${hex(addr)} in ${dom.name}: ${fn} would maintain physical address 0`);
    return;
  }
  if (forCpu) {
    if (!dev.coherent) syncForCpuArch(m, phys, size, dir, o);
    if (isSwiotlbBuffer(m, phys)) syncSingleForCpu(m, dev, phys, size, dir, o);
  } else {
    if (isSwiotlbBuffer(m, phys)) syncSingleForDevice(m, dev, phys, size, dir, o);
    if (!dev.coherent) syncForDeviceArch(m, phys, size, dir, o);
  }
}

// ---------------------------------------------------------------------------
// scatterlists

const WHY_FINALISE = why(
  '__finalise_sg',
  'Entries are concatenated into one DMA segment while each starts on a granule boundary, the running IOVA is not on a segment boundary, and the segment stays within dma_get_max_seg_size(); an entry that ends short of its granule closes the segment.',
);

/** Does the running IOVA sit off a segment boundary? (`dma_addr & seg_mask`, seg_mask = ULONG_MAX unless set.) */
function offBoundary(addr: number, segMask: number): boolean {
  return segMask >= Number.MAX_SAFE_INTEGER ? addr !== 0 : addr % (segMask + 1) !== 0;
}

/**
 * __finalise_sg(dev, sg, nents, dma_addr): rebuild the DMA view of the list
 * from the per-entry granule offsets and IOVA lengths. Returns the count.
 */
export function finaliseSg(sgt: SgTable, offs: number[], iovaLens: number[], dmaAddr: number, maxLen: number, segMask = Number.MAX_SAFE_INTEGER, unused = DMA_MAPPING_ERROR): number {
  const ents = sgt.entries;
  let cur = 0;
  let curLen = 0;
  let count = 0;
  for (let i = 0; i < ents.length; i++) {
    const s = ents[i]!;
    const sIovaOff = offs[i]!;
    const sLength = s.length;
    const sIovaLen = iovaLens[i]!;
    s.dmaAddress = unused;
    s.dmaLength = 0;
    if (curLen && !sIovaOff && offBoundary(dmaAddr, segMask) && maxLen - curLen >= sLength) {
      curLen += sLength;
    } else {
      if (i > 0) cur++;
      curLen = sLength;
      count++;
      ents[cur]!.dmaAddress = dmaAddr + sIovaOff;
    }
    ents[cur]!.dmaLength = curLen;
    dmaAddr += sIovaLen;
    if (sLength + sIovaOff < sIovaLen) curLen = 0;
  }
  return count;
}

/**
 * __invalidate_sg(): the list back as it was, DMA fields invalid (the
 * address this kernel's dma-iommu marks them with, map-error.ts). intel_map_sg
 * before 5.11 marks nothing: "sglist->dma_length = 0; return 0;" when no IOVA
 * range is free, a bare "return 0" when domain_sg_mapping fails.
 */
function invalidateSg(m: Machine, sgt: SgTable): void {
  if (intelDmaOps(m)) {
    if (sgt.entries[0]) sgt.entries[0].dmaLength = 0;
    return;
  }
  const unused = iommuSgUnused(m);
  for (const s of sgt.entries) {
    s.dmaAddress = unused;
    s.dmaLength = 0;
  }
}

function syncSgArch(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  if (dev.coherent) return;
  for (const e of sgt.entries) {
    if (forCpu) syncForCpuArch(m, e.phys, e.length, dir, o);
    else syncForDeviceArch(m, e.phys, e.length, dir, o);
  }
}

/** iommu_dma_map_sg_swiotlb(): each entry through iommu_dma_map_phys; no merging. */
function mapSgSwiotlb(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): number {
  const addrs: number[] = [];
  const tlbs: number[] = [];
  o.events.push({
    kind: 'note',
    text: 'each entry mapped on its own',
    why: intelDmaOps(m)
      ? why('bounce_map_sg', `${dev.name} is untrusted (device_needs_bounce): intel_map_sg hands the list to bounce_map_sg, which maps every entry with bounce_map_page, bouncing the unaligned ones, and never merges`, kernelFile(m.kernel, INTEL_FILE))
      : why('iommu_dma_map_sg', `${devIsUntrusted(dev) ? `${dev.name} is untrusted` : 'an entry\'s kmalloc length is not DMA-safe'} (dev_use_sg_swiotlb): iommu_dma_map_sg_swiotlb maps every entry separately, bouncing the unaligned ones, and never merges`),
  });
  for (let i = 0; i < sgt.entries.length; i++) {
    const e = sgt.entries[i]!;
    const { addr: a, bounced } = iommuDmaMapPhys(m, dev, e.phys, e.length, dir, attrs, o);
    // "sg_dma_address(s) = iommu_dma_map_page(…); if (sg_dma_address(s) == DMA_MAPPING_ERROR) goto out_unmap;"
    // (bounce_map_sg alike): the failing entry holds DMA_MAPPING_ERROR, the ones before keep the addresses they
    // were unmapped from, nothing calls __invalidate_sg
    e.dmaAddress = a;
    if (a === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) iommuDmaUnmapPhys(m, dev, addrs[j]!, sgt.entries[j]!.length, dir, { ...attrs, skipCpuSync: true }, o);
      return EIO;
    }
    e.dmaLength = e.length;
    addrs.push(a);
    tlbs.push(bounced);
  }
  m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: true, addrs, tlb: tlbs };
  return sgt.entries.length;
}

/**
 * iommu_map_sg(domain, iova, sg, nents, prot): physically contiguous
 * (granule-widened) entries are mapped with one iommu_map call. Returns 0
 * or a negative errno; on error what was mapped is unmapped again.
 */
function mapSgRuns(dom: IommuDomain, iova: number, starts: number[], lens: number[], prot: number, o: StepOutcome): number {
  let mapped = 0;
  let start = 0;
  let len = 0;
  for (let i = 0; i <= starts.length; i++) {
    const sPhys = i < starts.length ? starts[i]! : -1;
    if (len && sPhys !== start + len) {
      const ret = iommuMap(dom, iova + mapped, start, len, prot, o);
      if (ret) {
        if (mapped) iommuUnmapFast(dom, iova, mapped, false, o);
        return ret;
      }
      mapped += len;
      len = 0;
    }
    if (i === starts.length) break;
    if (len) len += lens[i]!;
    else {
      len = lens[i]!;
      start = sPhys;
    }
  }
  return 0;
}

/**
 * iommu_dma_map_sg() as the front door sees it: one IOVA range for the whole
 * list, entries merged into DMA segments by __finalise_sg (or, untrusted,
 * each entry on its own); a negative errno fails the call (dma_map_sg
 * returns 0). m.iommu.sg[sgt.id] records where each input entry went.
 */
export function iommuDmaMapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): SgMapped {
  const ret = mapSg(m, dev, sgt, dir, attrs, o);
  if (ret <= 0) {
    return { ok: false, why: why('dma_map_sg_attrs', `iommu_dma_map_sg returned ${ret} (${ret === ENOMEM ? '-ENOMEM: no IOVA space' : ret === EIO ? '-EIO: an entry could not be bounced' : '-EINVAL: iommu_map failed'}); the list is restored (__invalidate_sg) and dma_map_sg returns 0`, apiFile(m.kernel, 'dma_map_sg_attrs')) };
  }
  const n = sgt.entries.length;
  const rec = m.iommu.sg[sgt.id]!;
  return {
    ok: true,
    nents: ret,
    entries: rec.addrs.map((addr, i) => ({ addr, bounced: rec.tlb[i]! })),
    why: intelDmaOps(m)
      ? why(rec.swiotlb ? 'bounce_map_sg' : 'intel_map_sg', rec.swiotlb ? `each of the ${n} entries was mapped on its own (bounce_map_page): ${ret} DMA segments` : `the ${n} entries share one IOVA range, each its own DMA segment: ${ret}`, kernelFile(m.kernel, INTEL_FILE))
      : why('iommu_dma_map_sg', rec.swiotlb ? `each of the ${n} entries was mapped on its own: ${ret} DMA segments` : `the ${n} entries share one IOVA range and __finalise_sg merged them into ${ret} DMA segment(s)`),
  };
}

/**
 * iommu_dma_map_sg(dev, sg, nents, dir, attrs): the DMA segment count, or a
 * negative errno. The entries' dmaAddress / dmaLength hold the segments.
 */
function mapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): number {
  if (devUseSgSwiotlb(m, dev, sgt, dir)) return mapSgSwiotlb(m, dev, sgt, dir, attrs, o);
  const dom = dmaDomain(m, dev);
  const g = dom.granule;
  const prot = dmaInfoToProt(dir, dev.coherent);
  if (!attrs.skipCpuSync) syncSgArch(m, dev, sgt, dir, false, o);
  const offs: number[] = [];
  const lens: number[] = [];
  const starts: number[] = [];
  let iovaLen = 0;
  for (const e of sgt.entries) {
    const off = offsetIn(e.phys, g);
    const len = alignUp(e.length + off, g);
    offs.push(off);
    lens.push(len);
    starts.push(e.phys - off);
    iovaLen += len;
  }
  if (!iovaLen) return finaliseSg(sgt, offs, lens, 0, dev.maxSegSize, undefined, iommuSgUnused(m));
  const iova = allocIovaFor(m, dev, dom, iovaLen, dmaLimit(dev), o);
  if (!iova) {
    invalidateSg(m, sgt);
    return ENOMEM;
  }
  if (mapSgRuns(dom, iova, starts, lens, prot, o)) {
    freeIovaFor(m, dom, iova, iovaLen, false, o);
    invalidateSg(m, sgt);
    return EINVAL;
  }
  if (intelDmaOps(m)) return intelFinishSg(m, dev, sgt, offs, lens, iova, iovaLen, prot, o);
  const count = finaliseSg(sgt, offs, lens, iova, dev.maxSegSize, undefined, iommuSgUnused(m));
  const addrs: number[] = [];
  let at = iova;
  for (let i = 0; i < offs.length; i++) {
    addrs.push(at + offs[i]!);
    at += lens[i]!;
  }
  m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: false, addrs, tlb: addrs.map(() => -1) };
  o.events.push({
    kind: 'note',
    text: `${sgt.entries.length} entries → ${count} DMA segment(s) at ${hex(iova)}`,
    why: { ...WHY_FINALISE, rule: `One IOVA allocation of ${iovaLen} bytes for the whole list (${protString(prot)}). ${WHY_FINALISE.rule} Max segment size here: ${dev.maxSegSize}.` },
  });
  return count;
}

/**
 * intel_map_sg before 5.11 (x86): one intel_alloc_iova for the pages of every
 * entry, domain_sg_mapping maps them one after the other and gives each
 * entry its own DMA address and length ("sg->dma_address = ((dma_addr_t)iov_pfn
 * << VTD_PAGE_SHIFT) + sg->offset; sg->dma_length = sg->length"): nothing is
 * merged, the call returns nelems.
 */
function intelFinishSg(m: Machine, dev: Device, sgt: SgTable, offs: number[], lens: number[], iova: number, iovaLen: number, prot: number, o: StepOutcome): number {
  const addrs: number[] = [];
  let at = iova;
  for (let i = 0; i < offs.length; i++) {
    const e = sgt.entries[i]!;
    e.dmaAddress = at + offs[i]!;
    e.dmaLength = e.length;
    addrs.push(e.dmaAddress);
    at += lens[i]!;
  }
  m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: false, addrs, tlb: addrs.map(() => -1) };
  o.events.push({
    kind: 'note',
    text: `${sgt.entries.length} entries → ${sgt.entries.length} DMA segment(s) at ${hex(iova)}`,
    why: why('intel_map_sg', `Before ${INTEL_IOMMU_GATES.dmaIommu.from} (${INTEL_IOMMU_GATES.dmaIommu.commit}) intel-iommu maps a scatterlist itself: one IOVA allocation of ${iovaLen} bytes for the pages of every entry (${protString(prot & (IOMMU_READ | IOMMU_WRITE))}), mapped in order by domain_sg_mapping, which gives every entry its own DMA address and length; nothing is merged (dma-iommu's __finalise_sg does that from ${INTEL_IOMMU_GATES.dmaIommu.from}) and nelems is returned.`, kernelFile(m.kernel, INTEL_FILE)),
  });
  return sgt.entries.length;
}

/** iommu_dma_unmap_sg(dev, sg, nents, dir, attrs). */
export function iommuDmaUnmapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const rec = m.iommu.sg[sgt.id];
  if (rec && rec.swiotlb) {
    for (const e of sgt.entries) iommuDmaUnmapPhys(m, dev, e.dmaAddress, e.dmaLength, dir, attrs, o);
  } else {
    if (!attrs.skipCpuSync) syncSgArch(m, dev, sgt, dir, true, o);
    // one contiguous IOVA allocation: from the first segment to the end of the last
    let start = -1;
    let end = 0;
    for (const e of sgt.entries) {
      if (e.dmaLength === 0) break;
      if (start < 0) start = e.dmaAddress;
      end = e.dmaAddress + e.dmaLength;
    }
    if (end) dmaUnmapRange(m, dmaDomain(m, dev), start, end - start, o);
  }
  delete m.iommu.sg[sgt.id];
}

/** iommu_dma_sync_sg_for_cpu / _for_device. */
export function iommuDmaSyncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const rec = m.iommu.sg[sgt.id];
  if (rec && rec.swiotlb) {
    for (const e of sgt.entries) iommuDmaSyncSingle(m, dev, e.dmaAddress, e.length, dir, forCpu, o);
  } else syncSgArch(m, dev, sgt, dir, forCpu, o);
}

// ---------------------------------------------------------------------------
// coherent and non-coherent allocations

/** Page orders __iommu_dma_alloc_pages may use: pgsize_bitmap >> PAGE_SHIFT, capped at MAX_PAGE_ORDER (10). */
function allocOrders(granule: number): number[] {
  if (granule === PAGE_SIZE) return [9, 0];
  return [Math.log2(granule / PAGE_SIZE)];
}

/** __iommu_dma_alloc_pages(): the largest orders first, any zone; null (all freed) on failure. */
function allocIommuPages(m: Machine, count: number, granule: number): number[] | null {
  const pages: number[] = [];
  const orders = allocOrders(granule);
  while (count > 0) {
    let got = -1;
    let size = 0;
    for (const order of orders) {
      const n = 1 << order;
      if (n > count) continue;
      got = allocHighest(m.free, PAGE_SIZE * n, PAGE_SIZE * n, m.config.ram);
      if (got >= 0) {
        size = n;
        break;
      }
    }
    if (got < 0) {
      for (const p of pages) freeRange(m.free, p, PAGE_SIZE);
      return null;
    }
    // split_page(): the block becomes `size` independent pages
    for (let i = 0; i < size; i++) pages.push(got + i * PAGE_SIZE);
    count -= size;
  }
  return pages;
}

function newBuffer(m: Machine, name: string, kind: 'coherent' | 'noncoherent', va: number, size: number, phys: number, allocSize: number, dev: Device, dmaAddr: number): Buffer {
  const b: Buffer = { id: m.buffers.length, name, kind, va, size, phys, pages: [], allocSize, uncached: false, live: true, step: m.step, dev: dev.name, dmaAddr };
  m.buffers.push(b);
  return b;
}

/** gfpflags_allow_blocking(): GFP_ATOMIC and GFP_NOWAIT do not. */
function allowsBlocking(gfp: readonly string[]): boolean {
  return !gfp.includes('GFP_ATOMIC') && !gfp.includes('GFP_NOWAIT');
}

/**
 * iommu_dma_alloc() with a non-blocking GFP: one contiguous block from the
 * page allocator (CMA needs a blocking context; the atomic pool of a
 * non-coherent device is not modelled, so it gets ordinary pages with an
 * uncached alias), mapped by __iommu_dma_map under the coherent mask.
 */
function allocCoherentAtomic(m: Machine, dev: Device, name: string, size: number, o: StepOutcome): DmaAllocated | null {
  const dom = dmaDomain(m, dev);
  const coherent = dev.coherent;
  const alloc = pageAlign(size);
  const block = PAGE_SIZE * 2 ** getOrder(alloc);
  const phys = allocHighest(m.free, block, block, m.config.ram);
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  if (!coherent) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) runMaintenance(m, phys, alloc, plan, o);
  }
  const iova = dmaMapRange(m, dev, dom, phys, size, dmaInfoToProt('DMA_BIDIRECTIONAL', coherent), coherentLimit(dev), o);
  if (iova === DMA_MAPPING_ERROR) {
    freeRange(m.free, phys, block);
    o.error = 'NULL';
    return null;
  }
  let va = LINEAR_BASE + phys;
  if (!coherent) {
    va = m.vmallocNext;
    m.vmallocNext += alloc + PAGE_SIZE;
    for (let i = 0; i < alloc / PAGE_SIZE; i++) m.vmap.set(va / PAGE_SIZE + i, phys + i * PAGE_SIZE);
  }
  const b = newBuffer(m, name, 'coherent', va, size, phys, block, dev, iova);
  b.uncached = !coherent;
  return contiguousCoherent(m, b, iova, alloc, why('iommu_dma_alloc', `a non-blocking allocation cannot remap page by page: one contiguous block (iommu_dma_alloc_pages; no CMA without a blocking context) mapped at IOVA ${hex(iova)}${coherent ? '' : ', with an uncached alias for the non-coherent device'}`), o);
}

/**
 * A coherent buffer made of one physically contiguous block mapped at one
 * IOVA (dma-iommu's atomic path, intel_alloc_coherent): its pages, the alloc
 * event, the zeroing memset.
 */
function contiguousCoherent(m: Machine, b: Buffer, iova: number, alloc: number, w: Why, o: StepOutcome): DmaAllocated {
  for (let i = 0; i < alloc / PAGE_SIZE; i++) b.pages.push(b.phys + i * PAGE_SIZE);
  o.events.push({ kind: 'alloc', allocator: 'dma_alloc_coherent', name: b.name, va: b.va, phys: b.phys, size: alloc, zone: zoneName(m, b.phys), why: w });
  cpuMemset(m, b, 0, 0, alloc, o);
  return { buf: b, addr: iova, paddr: b.phys, len: alloc };
}

/**
 * intel_alloc_coherent() before 5.11 (x86): "size = PAGE_ALIGN(size); order =
 * get_order(size)"; a blocking allocation tries dma_alloc_from_contiguous
 * first, else alloc_pages(flags, order) with GFP_DMA/GFP_DMA32 dropped (the
 * IOMMU remaps it); memset to zero; __intel_map_single(…, DMA_BIDIRECTIONAL,
 * dev->coherent_dma_mask); the CPU address is page_address(page): one
 * physically contiguous block in the linear map, not dma-iommu's remapped
 * pages. The CMA try follows dma_alloc_contiguous's rules of the same
 * kernel (from 5.3 a single page skips CMA, where intel_alloc_coherent called
 * dma_alloc_from_contiguous for it too: not told apart).
 */
function intelAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[]): DmaAllocated | null {
  const dom = dmaDomain(m, dev);
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  const cma = allowsBlocking(gfp) ? dmaAllocContiguous(m, dev, alloc, gfp, o) : -1;
  const block = cma >= 0 ? alloc : PAGE_SIZE * 2 ** order;
  const phys = cma >= 0 ? cma : allocHighest(m.free, block, block, m.config.ram);
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  const file = kernelFile(m.kernel, INTEL_FILE);
  const iova = dmaMapRange(m, dev, dom, phys, alloc, dmaInfoToProt('DMA_BIDIRECTIONAL', dev.coherent), coherentLimit(dev), o);
  if (iova === DMA_MAPPING_ERROR) {
    if (cma < 0 || !dmaFreeContiguous(m, phys, alloc, o)) freeRange(m.free, phys, block);
    o.error = 'NULL';
    return null;
  }
  const va = LINEAR_BASE + phys;
  const b = newBuffer(m, name, 'coherent', va, size, phys, block, dev, iova);
  b.order = order;
  return contiguousCoherent(m, b, iova, alloc, why('intel_alloc_coherent', `Before ${INTEL_IOMMU_GATES.dmaIommu.from} (${INTEL_IOMMU_GATES.dmaIommu.commit}) intel-iommu allocates coherent memory itself: ${cma >= 0 ? 'from CMA (dma_alloc_from_contiguous, a blocking allocation)' : `one order-${order} block from the page allocator (GFP_DMA/GFP_DMA32 dropped: the IOMMU remaps it)`}, used through its linear address and mapped DMA_BIDIRECTIONAL at IOVA ${hex(iova)} by __intel_map_single (dma-iommu from ${INTEL_IOMMU_GATES.dmaIommu.from} remaps page by page instead)`, file), o);
}

/**
 * dma_alloc_coherent() through dma-iommu (iommu_dma_alloc →
 * iommu_dma_alloc_remap → __iommu_dma_alloc_noncontiguous for a blocking
 * GFP). Returns the CPU buffer and its IOVA, or null.
 */
export function iommuDmaAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  if (intelDmaOps(m)) return intelAllocCoherent(m, dev, name, size, o, gfp);
  if (!allowsBlocking(gfp)) return allocCoherentAtomic(m, dev, name, size, o);
  const dom = dmaDomain(m, dev);
  const g = dom.granule;
  const coherent = dev.coherent;
  const prot = dmaInfoToProt('DMA_BIDIRECTIONAL', coherent);
  const sz = g > PAGE_SIZE ? alignUp(size, g) : size;
  const count = Math.ceil(sz / PAGE_SIZE);
  const pages = allocIommuPages(m, count, g);
  if (!pages) {
    o.error = 'NULL';
    o.events.push({ kind: 'note', text: 'no memory', why: why('__iommu_dma_alloc_pages', `${count} page(s) not available`) });
    return null;
  }
  const iovaSize = alignUp(sz, g);
  const iova = allocIovaFor(m, dev, dom, iovaSize, coherentLimit(dev), o);
  const freePages = (): void => {
    for (const p of pages) freeRange(m.free, p, PAGE_SIZE);
  };
  if (!iova) {
    freePages();
    o.error = 'NULL';
    return null;
  }
  // runs of physically contiguous pages
  const starts: number[] = [];
  const lens: number[] = [];
  for (const p of pages) {
    const k = starts.length - 1;
    if (k >= 0 && starts[k]! + lens[k]! === p) lens[k]! += PAGE_SIZE;
    else {
      starts.push(p);
      lens.push(PAGE_SIZE);
    }
  }
  if (!(prot & IOMMU_CACHE)) {
    const plan = archOps(m.arch).prepCoherent(m.kernel);
    if (plan) for (let i = 0; i < starts.length; i++) runMaintenance(m, starts[i]!, lens[i]!, plan, o);
  }
  if (mapSgRuns(dom, iova, starts, lens, prot, o)) {
    freeIovaFor(m, dom, iova, iovaSize, false, o);
    freePages();
    o.error = 'NULL';
    return null;
  }
  // dma_common_pages_remap() with dma_pgprot(): uncached for a non-coherent device
  const va = m.vmallocNext;
  m.vmallocNext += (count + 1) * PAGE_SIZE;
  for (let i = 0; i < count; i++) m.vmap.set(va / PAGE_SIZE + i, pages[i]!);
  const b = newBuffer(m, name, 'coherent', va, size, -1, count * PAGE_SIZE, dev, iova);
  b.pages = pages;
  b.uncached = !coherent;
  o.events.push({
    kind: 'alloc',
    allocator: 'dma_alloc_coherent',
    name,
    va,
    phys: pages[0]!,
    size: count * PAGE_SIZE,
    zone: zoneName(m, pages[0]!),
    why: why(
      'iommu_dma_alloc_remap',
      `${count} page(s) from the buddy allocator (any zone: the IOMMU can map any pages; no CMA), physically ${starts.length === 1 ? 'contiguous' : `in ${starts.length} pieces`}, mapped into one IOVA range at ${hex(iova)} and vmapped${coherent ? '' : ' uncached (the device is not coherent: arch_dma_prep_coherent cleaned the pages first)'}`,
    ),
  });
  cpuMemset(m, b, 0, 0, count * PAGE_SIZE, o);
  return { buf: b, addr: iova, paddr: pages[0]!, len: count * PAGE_SIZE };
}

/** dma_free_coherent() through dma-iommu (iommu_dma_free: __iommu_dma_unmap, then the pages). */
export function iommuDmaFreeCoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void {
  const dom = dmaDomain(m, dev);
  if (iommuIovaToPhys(dom, addr) >= 0) dmaUnmapRange(m, dom, addr, size, o);
  else observe(o, 'iommu/nothing-mapped', `nothing is mapped at IOVA ${hex(addr)} in ${dom.name}: dma_free_coherent unmaps nothing`);
  if (cpu && cpu.live && cpu.kind === 'coherent') {
    if (cpu.uncached) for (let i = 0; i < cpu.pages.length; i++) m.vmap.delete(cpu.va / PAGE_SIZE + i);
    // a contiguous (atomic) block goes back whole; remapped pages one by one; x86 before 5.11:
    // intel_free_coherent → dma_release_from_contiguous, else __free_pages
    if (cpu.phys >= 0 && intelDmaOps(m) && dmaFreeContiguous(m, cpu.phys, cpu.allocSize, o)) {
      // back in the CMA area
    } else if (cpu.phys >= 0) freeRange(m.free, cpu.phys, cpu.allocSize);
    else for (const p of cpu.pages) freeRange(m.free, p, PAGE_SIZE);
    cpu.live = false;
    touchBuffer(o, cpu.id);
    o.events.push({
      kind: 'free',
      allocator: 'dma_free_coherent',
      name: cpu.name,
      phys: cpu.phys >= 0 ? cpu.phys : (cpu.pages[0] ?? -1),
      size: cpu.allocSize,
      why: intelDmaOps(m)
        ? why('intel_free_coherent', 'the IOVA range is unmapped (intel_unmap) and the pages go back to CMA (dma_release_from_contiguous) or the page allocator (__free_pages)', kernelFile(m.kernel, INTEL_FILE))
        : why('iommu_dma_free', 'the IOVA range is unmapped (__iommu_dma_unmap), the CPU alias removed and the pages go back to the page allocator'),
    });
  }
}

/**
 * dma_alloc_noncoherent() through dma-iommu: dma_alloc_pages →
 * dma_common_alloc_pages: contiguous pages (dma_alloc_contiguous — CMA for
 * more than one page with a blocking GFP — else the page allocator, any
 * zone), iommu_dma_map_phys(…, DMA_ATTR_SKIP_CPU_SYNC), then a memset
 * through the cacheable linear map — the zeroes may sit in dirty lines
 * until the driver's first dma_sync_single_for_device.
 */
export function iommuDmaAllocNoncoherent(m: Machine, dev: Device, name: string, size: number, dir: DmaDir, o: StepOutcome, gfp: readonly string[] = []): DmaAllocated | null {
  const alloc = pageAlign(size);
  const order = getOrder(alloc);
  // dma_alloc_contiguous(dev, size, gfp) first, then alloc_pages_node
  const cma = dmaAllocContiguous(m, dev, alloc, gfp, o);
  const block = cma >= 0 ? alloc : PAGE_SIZE * 2 ** order;
  const phys = cma >= 0 ? cma : allocHighest(m.free, block, block, m.config.ram);
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  const { addr } = iommuDmaMapPhys(m, dev, phys, alloc, dir, { skipCpuSync: true, noWarn: false }, o);
  if (addr === DMA_MAPPING_ERROR) {
    if (cma < 0 || !dmaFreeContiguous(m, phys, alloc, o)) freeRange(m.free, phys, block);
    o.error = 'NULL';
    return null;
  }
  const b = newBuffer(m, name, 'noncoherent', LINEAR_BASE + phys, size, phys, block, dev, addr);
  b.order = order;
  zeroNoncoherent(m, b, alloc, why('dma_common_alloc_pages', `contiguous cacheable pages mapped at IOVA ${hex(addr)} with DMA_ATTR_SKIP_CPU_SYNC, then zeroed through the cache: the driver moves ownership with dma_sync_single_for_device / _for_cpu`, 'kernel/dma/ops_helpers.c'), o);
  return { buf: b, addr, paddr: phys, len: alloc };
}

/** dma_free_noncoherent() through dma-iommu: dma_common_free_pages → iommu_dma_unmap_phys(…, SKIP_CPU_SYNC). */
export function iommuDmaFreeNoncoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, dir: DmaDir, o: StepOutcome): void {
  iommuDmaUnmapPhys(m, dev, addr, pageAlign(size), dir, { skipCpuSync: true, noWarn: false }, o);
  if (cpu && cpu.live && cpu.kind === 'noncoherent') dmaDirectFreeBuffer(m, cpu, 'dma_free_noncoherent', 'dma_common_free_pages', o, 'kernel/dma/ops_helpers.c');
}
