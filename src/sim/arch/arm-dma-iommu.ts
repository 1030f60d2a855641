/**
 * arm32's own IOMMU-backed DMA API — mirrors the CONFIG_ARM_DMA_USE_IOMMU part
 * of `arch/arm/mm/dma-mapping.c` (`arch_setup_dma_ops` →
 * `arm_setup_iommu_dma_ops` → `arm_iommu_create_mapping` +
 * `__arm_iommu_attach_device`; `iommu_ops`: `arm_iommu_map_page` (6.18:
 * `arm_iommu_map_phys`), `arm_iommu_unmap_page`, `arm_iommu_map_sg`,
 * `arm_iommu_sync_single_for_*`, `arm_iommu_sync_sg_for_*`,
 * `arm_iommu_alloc_attrs`; `arm_iommu_detach_device`) and
 * `arch/arm/include/asm/dma-iommu.h` (`struct dma_iommu_mapping`).
 *
 * What it is for: thread 000. On 32-bit ARM there is no dma-iommu: when a
 * device sits behind an IOMMU, the arch code itself creates a
 * `dma_iommu_mapping` for it at probe time — an UNMANAGED domain from
 * `iommu_domain_alloc(bus)`, plus a bitmap IOVA allocator of its own — and
 * attaches the device to that domain with `iommu_attach_device()` — provided
 * of_iommu_configure() found the IOMMU's ops for it (an IOMMU driver with
 * of_xlate: the explorer's arm-smmu from 4.9, ARCH_GATES.armIommuMapping;
 * before it the device keeps arm_dma_ops, see iommu.ts dmaApiIgnoresIommu). The DMA
 * API then hands out IOVAs from that bitmap and does the arm32 cache
 * maintenance itself (`__dma_page_cpu_to_dev` / `__dma_page_dev_to_cpu`, as
 * arch/arm.ts plans them). A driver that wants its own domain (nouveau on
 * Tegra: the GPU's MMU selects the SMMU path with an address bit, so it must
 * know which buffers go through the SMMU) finds the device already attached:
 * before 5.19 `iommu_attach_device()` silently moves it to the driver's
 * domain and every DMA-API address faults; from 5.19 it gets -EBUSY. The
 * driver-side fix (b59fb482b522, "drm/nouveau: tegra: Detach from ARM
 * DMA/IOMMU mapping", 4.18) calls `arm_iommu_detach_device(dev)` — an
 * arm32-only function from <asm/dma-iommu.h>, a driver reaching into arch
 * internals, which is what the thread argued about.
 *
 * The allocator (`__alloc_iova`): `mapping->base` = 0 and size 4 GiB from
 * `of_dma_configure` (no dma-ranges); 4 GiB / 4 KiB = 1 Mi bits split into
 * `extensions` = 32 bitmaps of one page (32768 bits, 128 MiB of IOVA) each,
 * only the first allocated up front (`extend_iommu_mapping` adds the next
 * when all are full). First fit from bit 0 with the allocation aligned to its
 * order, capped at CONFIG_ARM_DMA_IOMMU_ALIGNMENT = 8 (1 MiB). So IOVAs grow
 * bottom-up from 0 — and the first mapping gets IOVA 0, which
 * `arm_iommu_unmap_page` and `arm_iommu_sync_single_for_*` treat as "no
 * mapping" (`if (!iova) return;`): that unmap and those syncs do nothing.
 * Unmaps are synchronous (`iommu_unmap` + `__free_iova`): no flush queue.
 * Prot: `__dma_info_to_prot(dir, attrs)` — READ for TO_DEVICE, WRITE for
 * FROM_DEVICE, both for BIDIRECTIONAL.
 *
 * Simplified:
 * - The IOMMU mode of the header is ignored on arm (no dma-iommu, no flush
 *   queue); `mode=passthrough` keeps the device out of the arch mapping
 *   (as if no IOMMU ops had been given to arch_setup_dma_ops).
 * - `arm_iommu_alloc_attrs` takes one physically contiguous block (the
 *   kernel tries 2 MiB, 1 MiB, 64 KiB chunks, then single pages) and gives the
 *   CPU an uncached alias (pgprot_writecombine in the kernel); no atomic pool
 *   (a non-blocking GFP is served the same way); dma_alloc_noncoherent is not
 *   routed through the arch mapping.
 * - One mapping per device (the kernel may share one between devices).
 * - After `arm_iommu_detach_device` the device's group has no domain and its
 *   DMA is untranslated, as on Tegra (`tegra_smmu_detach_dev` disables the
 *   swgroup's translation); an arm-smmu with disable_bypass would abort it.
 */
import type { DmaDir, Why } from '../events.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import type { Buffer, Device, Machine, SgTable } from '../machine.ts';
import { archOps, zoneName } from './arch.ts';
import { runMaintenance } from './cache-maint.ts';
import { allocHighest, freeRange } from '../mm/page-alloc.ts';
import { cpuMemset } from '../mm/buffers.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { IOMMU_READ, IOMMU_WRITE } from '../iommu/io-pgtable.ts';
import { iommuIovaToPhys, iommuMap, iommuUnmap, type IommuDomain } from '../iommu/iommu.ts';
import type { ArmIommuMapping } from './arm-dma-iommu-setup.ts';
import { armDmaOps, syncForCpuArch, syncForDeviceArch } from '../dma/direct.ts';
import { DMA_MAPPING_ERROR, type Attrs, type DmaAllocated, type DmaMapOps } from '../dma/map-ops.ts';
import { pageAlign } from '../align.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'arch/arm/mm/dma-mapping.c';
/** CONFIG_ARM_DMA_IOMMU_ALIGNMENT (default 8): allocations are aligned to at most 2^8 pages. */
export const ARM_DMA_IOMMU_ALIGNMENT = 8;
function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

// ---------------------------------------------------------------------------
// lookups

/** to_dma_iommu_mapping(dev), or null: the device uses arm32's IOMMU dma_map_ops. */
export function armIommuMapping(m: Machine, dev: Device): ArmIommuMapping | null {
  const d = m.iommu.devs[dev.name];
  if (!d || d.armMapping < 0) return null;
  return m.iommu.armMappings[d.armMapping] ?? null;
}

function domainOf(m: Machine, mp: ArmIommuMapping): IommuDomain {
  return m.iommu.domains[mp.domain]!;
}

// ---------------------------------------------------------------------------
// the bitmap allocator

/** bitmap_find_next_zero_area(map, size, 0, nr, align_mask): the index, or a value > size when nothing fits. */
function findZeroArea(map: Uint8Array, size: number, nr: number, alignMask: number): number {
  let start = 0;
  for (;;) {
    let index = start;
    while (index < size && map[index]) index++;
    index = (index + alignMask) & ~alignMask;
    const end = index + nr;
    if (end > size) return end;
    let i = index;
    while (i < end && !map[i]) i++;
    if (i >= end) return index;
    start = i + 1;
  }
}

function getOrder(size: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < size) order++;
  return order;
}

/** `__alloc_iova(mapping, size)`: the IOVA, or DMA_MAPPING_ERROR. */
export function armAllocIova(m: Machine, mp: ArmIommuMapping, size: number, o: StepOutcome): number {
  const order = Math.min(getOrder(size), ARM_DMA_IOMMU_ALIGNMENT);
  const count = Math.ceil(size / PAGE_SIZE);
  const align = 2 ** order - 1;
  let i = 0;
  let start = 0;
  for (; i < mp.bitmaps.length; i++) {
    start = findZeroArea(mp.bitmaps[i]!, mp.bits, count, align);
    if (start <= mp.bits - count) break;
  }
  if (i === mp.bitmaps.length) {
    // extend_iommu_mapping(): one more page of bits, up to `extensions`
    if (mp.bitmaps.length >= mp.extensions) return DMA_MAPPING_ERROR;
    mp.bitmaps.push(new Uint8Array(mp.bits));
    o.events.push({ kind: 'note', text: `bitmap ${i} added`, why: why('extend_iommu_mapping', `every bitmap so far is full: bitmap ${i} (IOVA ${hex(mp.base + i * mp.bits * PAGE_SIZE)}+128 MiB) is allocated`) });
    start = findZeroArea(mp.bitmaps[i]!, mp.bits, count, align);
    if (start > mp.bits - count) return DMA_MAPPING_ERROR;
  }
  mp.bitmaps[i]!.fill(1, start, start + count);
  const iova = mp.base + i * mp.bits * PAGE_SIZE + start * PAGE_SIZE;
  const dom = domainOf(m, mp);
  o.events.push({
    kind: 'iova_alloc',
    domain: dom.name,
    iova,
    size: count * PAGE_SIZE,
    why: why('__alloc_iova', `arm32's own allocator, not iova.c: first fit from the bottom of bitmap ${i}, aligned to 2^${order} page(s) (order capped at CONFIG_ARM_DMA_IOMMU_ALIGNMENT=${ARM_DMA_IOMMU_ALIGNMENT}): bits ${start}..${start + count - 1}`),
  });
  return iova;
}

/** `__free_iova(mapping, addr, size)`. */
function armFreeIova(m: Machine, mp: ArmIommuMapping, addr: number, size: number, o: StepOutcome): void {
  if (!size) return;
  const span = mp.bits * PAGE_SIZE;
  const i = Math.floor((addr - mp.base) / span);
  const bm = mp.bitmaps[i];
  if (!bm) return;
  const start = (addr - mp.base - i * span) / PAGE_SIZE;
  bm.fill(0, start, start + size / PAGE_SIZE);
  o.events.push({ kind: 'iova_free', domain: domainOf(m, mp).name, iova: addr, size, deferred: false, why: why('__free_iova', `bits ${start}..${start + size / PAGE_SIZE - 1} of bitmap ${i} are cleared at once (iommu_unmap already invalidated the IOTLB: arm32 has no flush queue)`) });
}

/** `__dma_info_to_prot(dir, attrs)`. */
function dirToProt(dir: DmaDir): number {
  if (dir === 'DMA_BIDIRECTIONAL') return IOMMU_READ | IOMMU_WRITE;
  if (dir === 'DMA_TO_DEVICE') return IOMMU_READ;
  if (dir === 'DMA_FROM_DEVICE') return IOMMU_WRITE;
  return 0;
}

// ---------------------------------------------------------------------------
// iommu_ops: streaming

/** `arm_iommu_map_page` / `arm_iommu_map_phys`: cache maintenance, then an IOVA from the bitmap mapped to the page(s). */
export function armIommuMapPhys(m: Machine, dev: Device, mp: ArmIommuMapping, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): number {
  if (!dev.coherent && !attrs.skipCpuSync) syncForDeviceArch(m, phys, size, dir, o);
  const offset = phys % PAGE_SIZE;
  const len = pageAlign(size + offset);
  const iova = armAllocIova(m, mp, len, o);
  if (iova === DMA_MAPPING_ERROR) {
    o.events.push({ kind: 'note', text: 'no IOVA space', why: why('arm_iommu_map_page', 'every bitmap of the mapping is full: DMA_MAPPING_ERROR') });
    return DMA_MAPPING_ERROR;
  }
  const ret = iommuMap(domainOf(m, mp), iova, phys - offset, len, dirToProt(dir), o);
  if (ret < 0) {
    armFreeIova(m, mp, iova, len, o);
    return DMA_MAPPING_ERROR;
  }
  if (iova === 0) {
    observe(o, 'arm-iommu/iova-zero', `this mapping got IOVA 0 (the mapping's base is 0 and the bitmap is first fit): arm_iommu_unmap_page() and arm_iommu_sync_single_for_*() test "if (!iova) return;", so its syncs and its unmap will do nothing`);
  }
  return iova + offset;
}

/** `arm_iommu_unmap_page` / `arm_iommu_unmap_phys`. */
export function armIommuUnmapPhys(m: Machine, dev: Device, mp: ArmIommuMapping, handle: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const iova = handle - (handle % PAGE_SIZE);
  const offset = handle % PAGE_SIZE;
  const len = pageAlign(size + offset);
  if (!iova) {
    o.events.push({ kind: 'note', text: 'IOVA 0: nothing done', why: why('arm_iommu_unmap_page', '"if (!iova) return;": an IOVA of 0 is taken for "not mapped" — no cache maintenance, no iommu_unmap, the bitmap bits stay set') });
    return;
  }
  const dom = domainOf(m, mp);
  if (!dev.coherent && !attrs.skipCpuSync) {
    const phys = iommuIovaToPhys(dom, iova);
    if (phys >= 0) syncForCpuArch(m, phys + offset, size, dir, o);
  }
  iommuUnmap(dom, iova, len, o);
  armFreeIova(m, mp, iova, len, o);
}

/** `arm_iommu_sync_single_for_cpu` / `_for_device`. */
export function armIommuSyncSingle(m: Machine, dev: Device, mp: ArmIommuMapping, handle: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const fn = forCpu ? 'arm_iommu_sync_single_for_cpu' : 'arm_iommu_sync_single_for_device';
  const iova = handle - (handle % PAGE_SIZE);
  if (dev.coherent || !iova) {
    o.events.push({ kind: 'note', text: 'nothing to do', why: why(fn, dev.coherent ? 'coherent device: no cache maintenance' : '"if (dev->dma_coherent || !iova) return;": IOVA 0 is taken for "not mapped", so this sync does no cache maintenance') });
    if (!iova && !dev.coherent) observe(o, 'arm-iommu/iova-zero', `the sync at IOVA 0 did nothing: arm32's IOMMU ops treat IOVA 0 as unmapped, so the CPU's cache is not ${forCpu ? 'invalidated' : 'cleaned'} for this buffer`);
    return;
  }
  const phys = iommuIovaToPhys(domainOf(m, mp), iova);
  if (phys < 0) return;
  const at = phys + (handle % PAGE_SIZE);
  if (forCpu) syncForCpuArch(m, at, size, dir, o);
  else syncForDeviceArch(m, at, size, dir, o);
}

// ---------------------------------------------------------------------------
// iommu_ops: scatter-gather

/**
 * `__iommu_map_sg`: consecutive entries share one IOVA chunk until an entry
 * starts inside a page, the chunk so far ends inside a page, or the chunk
 * would pass dma_get_max_seg_size(); each chunk is `__map_sg_chunk` (one
 * `__alloc_iova`, the entries' cache maintenance, one `iommu_map` per entry).
 * Returns the number of DMA segments, or 0 after undoing the chunks mapped.
 * `addrs` gets each input entry's DMA address.
 */
export function armIommuMapSg(m: Machine, dev: Device, mp: ArmIommuMapping, sgt: SgTable, dir: DmaDir, attrs: Attrs, addrs: number[], o: StepOutcome): number {
  const es = sgt.entries;
  if (!es.length) return 0;
  const max = dev.maxSegSize;
  const chunks: Array<{ first: number; last: number; offset: number; size: number }> = [];
  let first = 0;
  let offset = es[0]!.phys % PAGE_SIZE;
  let size = offset + es[0]!.length;
  for (let i = 1; i < es.length; i++) {
    const s = es[i]!;
    const sOff = s.phys % PAGE_SIZE;
    if (sOff || size % PAGE_SIZE || size + s.length > max) {
      chunks.push({ first, last: i - 1, offset, size });
      first = i;
      size = offset = sOff;
    }
    size += s.length;
  }
  chunks.push({ first, last: es.length - 1, offset, size });
  const dom = domainOf(m, mp);
  const done: Array<{ iova: number; len: number }> = [];
  for (const ch of chunks) {
    const len = pageAlign(ch.size);
    const base = armAllocIova(m, mp, len, o);
    if (base === DMA_MAPPING_ERROR) {
      for (const d of done) {
        iommuUnmap(dom, d.iova, d.len, o);
        armFreeIova(m, mp, d.iova, d.len, o);
      }
      return 0;
    }
    let iova = base;
    for (let i = ch.first; i <= ch.last; i++) {
      const s = es[i]!;
      if (!dev.coherent && !attrs.skipCpuSync) syncForDeviceArch(m, s.phys, s.length, dir, o);
      const sOff = s.phys % PAGE_SIZE;
      const l = pageAlign(sOff + s.length);
      iommuMap(dom, iova, s.phys - sOff, l, dirToProt(dir), o);
      addrs[i] = iova + sOff;
      iova += l;
    }
    done.push({ iova: base, len });
  }
  chunks.forEach((ch, k) => {
    const e = es[k]!;
    e.dmaAddress = done[k]!.iova + ch.offset;
    e.dmaLength = ch.size - ch.offset;
  });
  for (let k = chunks.length; k < es.length; k++) {
    es[k]!.dmaAddress = DMA_MAPPING_ERROR;
    es[k]!.dmaLength = 0;
  }
  return chunks.length;
}

/** `__iommu_unmap_sg`: each DMA segment is removed; each entry gets its cache maintenance. */
export function armIommuUnmapSg(m: Machine, dev: Device, mp: ArmIommuMapping, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const dom = domainOf(m, mp);
  for (const e of sgt.entries) {
    if (e.dmaLength) {
      const iova = e.dmaAddress - (e.dmaAddress % PAGE_SIZE);
      const len = pageAlign((e.dmaAddress % PAGE_SIZE) + e.dmaLength);
      iommuUnmap(dom, iova, len, o);
      armFreeIova(m, mp, iova, len, o);
    }
    if (!dev.coherent && !attrs.skipCpuSync) syncForCpuArch(m, e.phys, e.length, dir, o);
  }
}

/** `arm_iommu_sync_sg_for_cpu` / `_for_device`: every entry by its physical address. */
export function armIommuSyncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  if (dev.coherent) return;
  for (const e of sgt.entries) {
    if (forCpu) syncForCpuArch(m, e.phys, e.length, dir, o);
    else syncForDeviceArch(m, e.phys, e.length, dir, o);
  }
}

// ---------------------------------------------------------------------------
// iommu_ops: coherent allocations

/**
 * `arm_iommu_alloc_attrs` (blocking GFP): pages (`__iommu_alloc_buffer`,
 * cleared and flushed by `__dma_clear_buffer`), one IOVA range mapped
 * READ|WRITE (`__iommu_create_mapping`), and a CPU alias remapped
 * write-combined for a non-coherent device.
 */
export function armIommuAllocAttrs(m: Machine, dev: Device, mp: ArmIommuMapping, name: string, size: number, o: StepOutcome): DmaAllocated | null {
  const len = pageAlign(size);
  const phys = allocHighest(m.free, len, PAGE_SIZE, m.config.ram);
  if (phys < 0) {
    o.error = 'NULL';
    return null;
  }
  const plan = archOps(m.arch).prepCoherent(m.kernel);
  if (plan) runMaintenance(m, phys, len, plan, o);
  const iova = armAllocIova(m, mp, len, o);
  if (iova === DMA_MAPPING_ERROR) {
    freeRange(m.free, phys, len);
    o.error = 'NULL';
    return null;
  }
  iommuMap(domainOf(m, mp), iova, phys, len, IOMMU_READ | IOMMU_WRITE, o);
  const count = len / PAGE_SIZE;
  const va = m.vmallocNext;
  m.vmallocNext += (count + 1) * PAGE_SIZE;
  const pages: number[] = [];
  for (let i = 0; i < count; i++) {
    pages.push(phys + i * PAGE_SIZE);
    m.vmap.set(va / PAGE_SIZE + i, phys + i * PAGE_SIZE);
  }
  const b: Buffer = { id: m.buffers.length, name, kind: 'coherent', va, size, phys: -1, pages, allocSize: len, uncached: !dev.coherent, live: true, step: m.step, dev: dev.name, dmaAddr: iova };
  m.buffers.push(b);
  o.events.push({ kind: 'alloc', allocator: 'dma_alloc_coherent', name, va, phys, size: len, zone: zoneName(m, phys), why: why('arm_iommu_alloc_attrs', `pages cleared and flushed (__dma_clear_buffer), mapped at IOVA ${hex(iova)} of the arch mapping (__iommu_create_mapping, READ|WRITE) and remapped ${dev.coherent ? 'cached' : 'write-combined for the CPU (modelled uncached)'}`) });
  cpuMemset(m, b, 0, 0, len, o);
  return { buf: b, addr: iova, paddr: phys, len };
}

/** `arm_iommu_free_attrs`: `__iommu_remove_mapping` (iommu_unmap + __free_iova), then the pages. */
export function armIommuFreeAttrs(m: Machine, mp: ArmIommuMapping, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void {
  const iova = addr - (addr % PAGE_SIZE);
  const len = pageAlign((addr % PAGE_SIZE) + size);
  iommuUnmap(domainOf(m, mp), iova, len, o);
  armFreeIova(m, mp, iova, len, o);
  if (cpu && cpu.live && cpu.kind === 'coherent') {
    for (let i = 0; i < cpu.pages.length; i++) m.vmap.delete(cpu.va / PAGE_SIZE + i);
    for (const p of cpu.pages) freeRange(m.free, p, PAGE_SIZE);
    cpu.live = false;
    touchBuffer(o, cpu.id);
    o.events.push({ kind: 'free', allocator: 'dma_free_coherent', name: cpu.name, phys: cpu.pages[0] ?? -1, size: cpu.allocSize, why: why('arm_iommu_free_attrs', 'the IOVA range is unmapped and freed in the bitmap, the CPU alias removed, the pages freed') });
  }
}

// ---------------------------------------------------------------------------
// the dma_map_ops arch_setup_dma_ops() gives the device

function mappingOf(m: Machine, dev: Device): ArmIommuMapping {
  return armIommuMapping(m, dev)!;
}

/**
 * `iommu_ops` (arm32's `struct dma_map_ops` for a device behind an IOMMU),
 * as the front door calls them; dma_alloc_noncoherent is not routed through
 * them (Simplified, above).
 */
export const ARM_IOMMU_DMA_OPS: DmaMapOps = {
  mapRule: "arm32 ARM_DMA_USE_IOMMU (arm_iommu_map_page in arch/arm/mm/dma-mapping.c, not dma-iommu): the arch cleans or invalidates the buffer, then hands out an IOVA from the mapping's own bitmap, mapped in the domain arch_setup_dma_ops() attached the device to",
  mapPhys: (m, dev, phys, size, dir, attrs, o) => ({ addr: armIommuMapPhys(m, dev, mappingOf(m, dev), phys, size, dir, attrs, o), bounced: -1 }),
  unmapPhys: (m, dev, addr, size, dir, attrs, o) => armIommuUnmapPhys(m, dev, mappingOf(m, dev), addr, size, dir, attrs, o),
  syncSingle: (m, dev, addr, size, dir, forCpu, o) => armIommuSyncSingle(m, dev, mappingOf(m, dev), addr, size, dir, forCpu, o),
  mapSg(m, dev, sgt, dir, attrs, o) {
    const addrs: number[] = [];
    const n = armIommuMapSg(m, dev, mappingOf(m, dev), sgt, dir, attrs, addrs, o);
    if (!n) return { ok: false, why: why('arm_iommu_map_sg', 'no IOVA space left in the mapping: the chunks already mapped are removed and dma_map_sg returns 0') };
    m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: false, addrs, tlb: addrs.map(() => -1) };
    return {
      ok: true,
      nents: n,
      entries: addrs.map((addr) => ({ addr, bounced: -1 })),
      why: why('arm_iommu_map_sg', `arm32's __iommu_map_sg: entries share one IOVA chunk until one starts inside a page, the chunk ends inside a page, or it would pass max_seg_size (${dev.maxSegSize}): ${sgt.entries.length} entries → ${n} DMA segment(s)`),
    };
  },
  unmapSg(m, dev, sgt, dir, attrs, o) {
    armIommuUnmapSg(m, dev, mappingOf(m, dev), sgt, dir, attrs, o);
    delete m.iommu.sg[sgt.id];
  },
  syncSg: armIommuSyncSg,
  // arm_iommu_get_sgtable(): sg_alloc_table_from_pages() over __iommu_get_pages(cpu_addr): contiguous pages merge
  getSgtable: { fn: 'arm_iommu_get_sgtable', file: FILE },
  alloc: (m, dev, name, size, o) => armIommuAllocAttrs(m, dev, mappingOf(m, dev), name, size, o),
  free: (m, dev, size, cpu, addr, o) => armIommuFreeAttrs(m, mappingOf(m, dev), size, cpu, addr, o),
};

// ---------------------------------------------------------------------------
// arm_iommu_detach_device

/**
 * `arm_iommu_detach_device(dev)`: `iommu_detach_device(mapping->domain, dev)`,
 * drop the mapping, `set_dma_ops(dev, NULL)` — the device's DMA API becomes
 * dma-direct (arm_dma_ops before 6.0). A driver calling it reaches into
 * arm32's internals (<asm/dma-iommu.h>), which is what thread 000 argued about.
 */
export function armIommuDetachDevice(m: Machine, dev: Device, o: StepOutcome): void {
  const d = m.iommu.devs[dev.name];
  const mp = armIommuMapping(m, dev);
  if (!d || !mp) {
    o.events.push({ kind: 'note', text: 'Not attached', why: why('arm_iommu_detach_device', `${dev.name} has no ARM DMA/IOMMU mapping (to_dma_iommu_mapping(dev) is NULL): dev_warn "Not attached" and return`) });
    observe(o, 'arm-iommu/not-attached', m.arch === 'arm' ? `${dev.name} is not attached to an ARM DMA/IOMMU mapping` : `arm_iommu_detach_device exists only on 32-bit ARM (arch/arm/include/asm/dma-iommu.h); on ${m.arch} a driver cannot even build this call`);
    return;
  }
  const dom = domainOf(m, mp);
  if (d.domain === dom.id) {
    dom.devices = dom.devices.filter((x) => x !== dev.name);
    d.domain = -1;
  }
  d.armMapping = -1;
  mp.live = false;
  const ops = armDmaOps(m) ? 'arm_dma_ops' : 'dma-direct';
  o.events.push({
    kind: 'note',
    text: `${dev.name} detached from the ARM DMA/IOMMU mapping`,
    why: why('arm_iommu_detach_device', `iommu_detach_device(mapping->domain, dev): the group has no default domain, so the device is left on none; to_dma_iommu_mapping(dev) = NULL; set_dma_ops(dev, NULL): the DMA API now uses ${ops} — DMA addresses are physical again, and the driver is free to attach a domain of its own`),
  });
  observe(o, 'arm-iommu/arch-internals', 'arm_iommu_detach_device() is arm32 arch internals (<asm/dma-iommu.h>, only with CONFIG_ARM_DMA_USE_IOMMU) called from a driver: "Drivers have no business poking into these details" (thread 000). It was merged anyway as the fix for nouveau on Tegra (b59fb482b522)');
}

// ---------------------------------------------------------------------------
// the view

export interface ArmMappingView {
  dev: string;
  domain: string;
  base: number;
  /** Bits per bitmap and bitmaps allocated / allowed. */
  bits: number;
  nrBitmaps: number;
  extensions: number;
  /** Used runs as [first page, page count] across all bitmaps (page index from base). */
  used: Array<{ page: number; count: number }>;
  live: boolean;
}

/** The arm32 mappings' bitmaps as runs of used pages, for the IOMMU view. */
export function armMappingViews(m: Machine): ArmMappingView[] {
  return m.iommu.armMappings.map((mp) => {
    const used: Array<{ page: number; count: number }> = [];
    mp.bitmaps.forEach((bm, i) => {
      for (let j = 0; j < bm.length; ) {
        if (!bm[j]) {
          j++;
          continue;
        }
        let k = j;
        while (k < bm.length && bm[k]) k++;
        used.push({ page: i * mp.bits + j, count: k - j });
        j = k;
      }
    });
    return { dev: mp.dev, domain: domainOf(m, mp).name, base: mp.base, bits: mp.bits, nrBitmaps: mp.bitmaps.length, extensions: mp.extensions, used, live: mp.live };
  });
}
