/**
 * The driver-facing streaming DMA API: `kernel/dma/mapping.c` and
 * `include/linux/dma-mapping.h`. Every entry point keeps the kernel's shape:
 * check the direction (BUG on an invalid one) → choose dma-direct or the IOMMU
 * → call it → call the dma-debug hook. The explorer's "why did this bounce?"
 * is then a trace of these decisions.
 *
 * A device whose default IOMMU domain is a DMA or DMA_FQ domain
 * (use_dma_iommu()) goes to iommu/dma-iommu.ts; one with an identity
 * (passthrough) domain, or no IOMMU, to dma-direct.
 *
 * Simplified: dma_map_phys and dma_map_page_attrs are one path.
 */
import type { Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import type { Buffer, Device, Machine, MapRecord, SgTable } from '../machine.ts';
import { fmtVa, isVmallocAddr, physOf } from '../mm/buffers.ts';
import { debugMap, debugMapSg, debugMapTimeFinding, debugMappingError, debugReleaseDriver, debugSync, debugSyncSg, debugUnmap, debugUnmapSg, type DebugSgEntry, type DebugType, type DmaDir, type Finding } from './debug.ts';
import { archOps } from '../arch/arch.ts';
import { DMA_MAPPING_ERROR, directMap, directSyncForCpu, directSyncForDevice, directUnmap, type Attrs } from './direct.ts';
import { who } from '../kernel-log/catalogue.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import { DIRECT_GATES } from '../kernel-versions.ts';
import { devUsesDmaIommu } from '../iommu/iommu.ts';
import { iommuDmaMapPhys, iommuDmaMapSg, iommuDmaSyncSg, iommuDmaSyncSingle, iommuDmaUnmapPhys, iommuDmaUnmapSg } from '../iommu/dma-iommu.ts';
import { exactMapping, findMapping, trackMapping, untrackMapping } from './tracking.ts';
import { foreignInternalAddress, ownDmaMapPhys, ownDmaMapSg, ownDmaOps, ownDmaSync, ownDmaSyncSg, ownDmaUnmap, ownDmaUnmapSg } from '../hw/device-dma-ops.ts';
import { armIommuMapPhys, armIommuMapSg, armIommuMapping, armIommuSyncSg, armIommuSyncSingle, armIommuUnmapPhys, armIommuUnmapSg } from '../arch/arm-dma-iommu.ts';

const FILE = 'kernel/dma/mapping.c';

export const DIRS: readonly DmaDir[] = ['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE'];

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

export function report(findings: Finding[], o: StepOutcome): void {
  for (const f of findings) {
    o.warnings.push(f.message);
    o.events.push({ kind: 'finding', rule: f.rule, message: f.message, why: f.why });
  }
}

/** BUG_ON(!valid_dma_direction(dir)): DMA_NONE oopses the kernel. Returns false when it did. */
export function checkDirection(m: Machine, dir: DmaDir, fn: string, o: StepOutcome): boolean {
  if (dir !== 'DMA_NONE') return true;
  printk(m, o, 'dma-mapping.bad-direction', { fn });
  o.observations.push('DMA_NONE is not a valid direction for a mapping: the kernel oopses here; the explorer carries on so the rest of the scenario can be seen');
  o.error = 'BUG';
  return false;
}

/** use_dma_iommu(dev): the device's default domain is an IOMMU DMA (or DMA_FQ) domain, not passthrough. */
function usesIommu(m: Machine, dev: Device): boolean {
  return devUsesDmaIommu(m, dev);
}

function track(m: Machine, r: MapRecord): void {
  trackMapping(m, r);
}

function untrack(m: Machine, dev: string, addr: number): MapRecord | undefined {
  return untrackMapping(m, dev, addr);
}

export { findMapping, foreignInternalAddress };

/** dma-debug's 6.18 rule: no EEXIST report when unaligned kmalloc buffers may bounce through swiotlb. */
function bounceUnalignedKmalloc(m: Machine): boolean {
  const from = archOps(m.arch).kmallocBounceFrom;
  return from !== null && m.kernel >= from && m.swiotlb !== null;
}

function sgDebug(m: Machine, sgt: SgTable): DebugSgEntry[] {
  return sgt.entries.map((e) => {
    const d: DebugSgEntry = { devAddr: e.dmaAddress, dmaLen: e.dmaLength, paddr: e.phys, length: e.length };
    const b = m.buffers[e.bufId];
    if (b && b.kind === 'stack') {
      d.stackVa = b.va + e.offset;
      d.stackVmapped = isVmallocAddr(d.stackVa);
    }
    return d;
  });
}

const WHY_IOMMU = 'dma-iommu: the device gets an IOVA, which its IOMMU translates to the buffer (prot from the direction: TO_DEVICE read-only, FROM_DEVICE write, BIDIRECTIONAL both); the device owns the buffer until sync_for_cpu or unmap';
const WHY_IOMMU_BOUNCED = 'dma-iommu: the device gets an IOVA that its IOMMU translates to a swiotlb bounce slot, not to the buffer: it reads and writes the copy; the device owns it until sync_for_cpu or unmap';

const WHY_ARM_IOMMU = 'arm32 ARM_DMA_USE_IOMMU (arm_iommu_map_page in arch/arm/mm/dma-mapping.c, not dma-iommu): the arch cleans or invalidates the buffer, then hands out an IOVA from the mapping\'s own bitmap, mapped in the domain arch_setup_dma_ops() attached the device to';

const WHY_OWN_OPS = 'PROPOSAL, never merged (thread 001): the device\'s own dma_map_ops flushed the CPU cache and mapped the buffer in the device\'s internal MMU; the address returned means something only to this device';

/** The streaming map path shared by dma_map_single and dma_map_page. */
function mapPhys(m: Machine, dev: Device, buf: Buffer, phys: number, size: number, dir: DmaDir, attrs: Attrs, api: 'single' | 'page', o: StepOutcome): number {
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  const iommu = arm !== null || own !== null || usesIommu(m, dev);
  const bounce = { tlb: -1 };
  const addr = own ? ownDmaMapPhys(m, dev, own, phys, size, dir, attrs.skipCpuSync, o) : arm ? armIommuMapPhys(m, dev, arm, phys, size, dir, attrs, o) : iommu ? iommuDmaMapPhys(m, dev, phys, size, dir, attrs, o, bounce) : directMap(m, dev, phys, size, dir, attrs, o);
  if (addr === DMA_MAPPING_ERROR) {
    o.error = 'DMA_MAPPING_ERROR';
    o.resultKind = 'addr';
    o.result = DMA_MAPPING_ERROR;
    return addr;
  }
  report(
    debugMap(
      m.debug,
      { dev: dev.name, devAddr: addr, size, type: api, dir, paddr: phys, sgCallEnts: 0, sgMappedEnts: 0, cpuAddr: 0, mapErr: 'not-checked', step: m.step },
      attrs.skipCpuSync,
      { bounceUnalignedKmalloc: bounceUnalignedKmalloc(m) },
    ),
    o,
  );
  const tlbAddr = iommu ? bounce.tlb : addr !== phys ? addr : -1;
  const bounced = tlbAddr >= 0;
  track(m, { dev: dev.name, addr, size, dir, api, phys, tlbAddr, bufId: buf.id, owner: 'device', step: m.step, line: m.line });
  o.events.push({
    kind: 'dma_map',
    dev: dev.name,
    api: `dma_map_${api}`,
    addr,
    phys,
    size,
    dir,
    path: iommu ? 'iommu' : bounced ? 'swiotlb' : 'direct',
    why: why(
      api === 'single' ? 'dma_map_single_attrs' : 'dma_map_page_attrs',
      own
        ? WHY_OWN_OPS
        : arm
        ? WHY_ARM_IOMMU
        : iommu
        ? bounced
          ? WHY_IOMMU_BOUNCED
          : WHY_IOMMU
        : bounced
          ? `the device gets the bounce slot's address 0x${addr.toString(16)}, not the buffer's: it reads and writes the copy`
          : `dma-direct: the DMA address is the physical address; the device now owns the buffer until sync_for_cpu or unmap`,
    ),
  });
  o.result = addr;
  o.resultKind = 'addr';
  return addr;
}

export function dmaMapSingle(m: Machine, dev: Device, buf: Buffer, off: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  if (!checkDirection(m, dir, 'dma_map_single_attrs', o)) return;
  const va = buf.va + off;
  if (isVmallocAddr(va) && m.kernel < DIRECT_GATES.vmallocRejected.code) {
    // before 5.5 (4544b9f25e70): debug_dma_map_single() complains, then dma_map_page_attrs(virt_to_page(ptr), …) goes ahead
    report([debugMapTimeFinding(m.debug, dev.name, { kind: 'vmalloc', addr: va, len: size })], o);
    o.observations.push(
      "before 5.5 (4544b9f25e70) dma_map_single does not refuse a vmalloc address: virt_to_page() of it gives a struct page that is not the buffer's, so the device is handed unrelated memory; the explorer maps the buffer's first physical page so the rest of the scenario can run",
    );
    mapPhys(m, dev, buf, physOf(m, buf, off), size, dir, attrs, 'single', o);
    return;
  }
  if (isVmallocAddr(va)) {
    printkOnce(m, o, 'dma_map_single_attrs:vmalloc', 'dma-mapping.vmalloc-rejected', {}, who(dev.name, dev.cfg.label));
    o.events.push({
      kind: 'note',
      text: 'vmalloc address rejected',
      why: why('dma_map_single_attrs', buf.kind === 'stack' ? 'the stack is vmalloc\'d (CONFIG_VMAP_STACK): is_vmalloc_addr() is true and the map is refused' : 'dma_map_single needs a linear-map address: a vmalloc address has no single struct page behind it'),
    });
    o.error = 'DMA_MAPPING_ERROR';
    o.result = DMA_MAPPING_ERROR;
    o.resultKind = 'addr';
    return;
  }
  stackCheck(m, dev, buf, va, o);
  mapPhys(m, dev, buf, physOf(m, buf, off), size, dir, attrs, 'single', o);
}

/** check_for_stack() in debug_dma_map_page/phys: a linear-map stack ("[addr=%p]") or a page of the vmapped stack ("[probable addr=%p]"). */
function stackCheck(m: Machine, dev: Device, buf: Buffer, va: number, o: StepOutcome): void {
  if (buf.kind !== 'stack' || !m.stack) return;
  const probable = isVmallocAddr(va);
  report([debugMapTimeFinding(m.debug, dev.name, { kind: 'stack', addr: va, probable })], o);
  o.events.push({ kind: 'note', text: `stack page at ${fmtVa(va - (va % PAGE_SIZE))}`, why: why('check_for_stack', probable ? 'dma-debug compares the page with every page of the vmapped stack' : 'object_is_on_stack(): the address lies inside the current task\'s (linear-map) stack', 'kernel/dma/debug.c') });
}

/**
 * dma_map_page(dev, page, offset, …). A scenario cannot name a struct page, so
 * `page` is a pointer and the mapping starts `offset` bytes after it: for a
 * page-aligned pointer that is exactly virt_to_page() + offset.
 */
export function dmaMapPage(m: Machine, dev: Device, buf: Buffer, ptrOff: number, offset: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  if (!checkDirection(m, dir, 'dma_map_page_attrs', o)) return;
  const phys = physOf(m, buf, ptrOff + offset);
  stackCheck(m, dev, buf, buf.va + ptrOff + offset, o);
  mapPhys(m, dev, buf, phys, size, dir, attrs, 'page', o);
}

export function dmaMappingError(m: Machine, dev: Device, addr: number, o: StepOutcome): void {
  debugMappingError(m.debug, dev.name, addr);
  o.resultKind = 'status';
  if (addr === DMA_MAPPING_ERROR) {
    o.result = -12;
    o.error = 'ENOMEM';
  } else o.result = 0;
  o.events.push({ kind: 'note', text: 'map error checked', why: why('dma_mapping_error', 'returns -ENOMEM for DMA_MAPPING_ERROR, else 0; dma-debug records that the driver checked', 'include/linux/dma-mapping.h') });
}

export function dmaUnmap(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, attrs: Attrs, api: 'single' | 'page', o: StepOutcome): void {
  if (!checkDirection(m, dir, `dma_unmap_${api}_attrs`, o)) return;
  const rec = exactMapping(m, dev.name, addr);
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  if (rec || addr !== DMA_MAPPING_ERROR) {
    if (own) ownDmaUnmap(m, dev, own, addr, size, dir, attrs.skipCpuSync, o);
    else if (arm) armIommuUnmapPhys(m, dev, arm, addr, size, dir, attrs, o);
    else if (usesIommu(m, dev)) iommuDmaUnmapPhys(m, dev, addr, size, dir, attrs, o);
    else directUnmap(m, dev, addr, size, dir, attrs, o);
  }
  report(debugUnmap(m.debug, { dev: dev.name, devAddr: addr, size, type: api, dir }), o);
  untrack(m, dev.name, addr);
  o.events.push({ kind: 'dma_unmap', dev: dev.name, api: `dma_unmap_${api}`, addr, size, dir, why: why(`dma_unmap_${api}_attrs`, 'the CPU owns the buffer again; the DMA address is no longer valid') });
}

export function dmaSync(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const fn = forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device';
  if (!checkDirection(m, dir, fn, o)) return;
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  if (own) ownDmaSync(m, dev, own, addr, size, dir, forCpu, o);
  else if (arm) armIommuSyncSingle(m, dev, arm, addr, size, dir, forCpu, o);
  else if (usesIommu(m, dev)) iommuDmaSyncSingle(m, dev, addr, size, dir, forCpu, o);
  else if (forCpu) directSyncForCpu(m, dev, addr, size, dir, o);
  else directSyncForDevice(m, dev, addr, size, dir, o);
  report(debugSync(m.debug, { dev: dev.name, devAddr: addr, size, dir, maxSegSize: dev.maxSegSize }, forCpu), o);
  const rec = findMapping(m, dev.name, addr, size);
  if (rec) rec.owner = forCpu ? 'cpu' : 'device';
  o.events.push({
    kind: 'dma_sync',
    dev: dev.name,
    api: fn,
    addr,
    size,
    dir,
    forCpu,
    why: why(fn, forCpu ? 'ownership passes to the CPU: it may now read what the device wrote' : 'ownership passes back to the device: it may now read what the CPU wrote'),
  });
}

/** dma_map_sg(): dma-direct maps each entry on its own and never merges; on failure unmaps what it mapped and returns 0. */
export function dmaMapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  if (!checkDirection(m, dir, 'dma_map_sg_attrs', o)) return;
  if (ownDmaOps(m, dev) || armIommuMapping(m, dev)) return mapSgArm(m, dev, sgt, dir, attrs, o);
  if (usesIommu(m, dev)) return mapSgIommu(m, dev, sgt, dir, attrs, o);
  const done: number[] = [];
  for (const e of sgt.entries) {
    const addr = directMap(m, dev, e.phys, e.length, dir, attrs, o);
    if (addr === DMA_MAPPING_ERROR) {
      sgt.entries.forEach((x, i) => {
        if (i < done.length) directUnmap(m, dev, done[i]!, x.length, dir, { ...attrs, skipCpuSync: true }, o);
      });
      o.result = 0;
      o.resultKind = 'count';
      o.error = null;
      o.events.push({ kind: 'note', text: 'dma_map_sg failed', why: why('dma_direct_map_sg', 'an entry could not be mapped: the entries already mapped are unmapped (with DMA_ATTR_SKIP_CPU_SYNC) and dma_map_sg returns 0', 'kernel/dma/direct.c') });
      return;
    }
    done.push(addr);
    e.dmaAddress = addr;
    e.dmaLength = e.length;
  }
  const n = sgt.entries.length;
  sgt.nents = n;
  sgt.mappedFor = dev.name;
  sgt.dir = dir;
  report(debugMapSg(m.debug, dev.name, sgDebug(m, sgt), n, n, dir, attrs.skipCpuSync, m.step, { bounceUnalignedKmalloc: bounceUnalignedKmalloc(m), maxSegSize: dev.maxSegSize }), o);
  for (const e of sgt.entries) {
    track(m, { dev: dev.name, addr: e.dmaAddress, size: e.length, dir, api: 'sg', phys: e.phys, tlbAddr: e.dmaAddress !== e.phys ? e.dmaAddress : -1, bufId: e.bufId, owner: 'device', step: m.step, line: m.line });
  }
  o.events.push({ kind: 'dma_map', dev: dev.name, api: 'dma_map_sg', addr: sgt.entries[0]?.dmaAddress ?? 0, phys: sgt.entries[0]?.phys ?? 0, size: sgt.entries.reduce((s, e) => s + e.length, 0), dir, path: 'direct', why: why('dma_direct_map_sg', `dma-direct maps each of the ${n} entries on its own and never merges them, even when they are physically contiguous: ${n} DMA segments`, 'kernel/dma/direct.c') });
  o.result = n;
  o.resultKind = 'count';
}

/**
 * dma_map_sg() through arm32's ARM_DMA_USE_IOMMU ops (__iommu_map_sg): entries
 * merged into IOVA chunks by arm32's own rule; 0 when a chunk finds no IOVA
 * space. Tracked per input entry, as for dma-iommu.
 */
function mapSgArm(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  const addrs: number[] = [];
  const n = own ? ownDmaMapSg(m, dev, own, sgt, dir, attrs.skipCpuSync, addrs, o) : armIommuMapSg(m, dev, arm!, sgt, dir, attrs, addrs, o);
  o.resultKind = 'count';
  o.result = n;
  if (!n) {
    o.events.push({ kind: 'note', text: 'dma_map_sg failed', why: why('arm_iommu_map_sg', 'no IOVA space left in the mapping: the chunks already mapped are removed and dma_map_sg returns 0', 'arch/arm/mm/dma-mapping.c') });
    return;
  }
  sgt.nents = n;
  sgt.mappedFor = dev.name;
  sgt.dir = dir;
  m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: false, addrs, tlb: addrs.map(() => -1) };
  report(debugMapSg(m.debug, dev.name, sgDebug(m, sgt), sgt.entries.length, n, dir, attrs.skipCpuSync, m.step, { bounceUnalignedKmalloc: bounceUnalignedKmalloc(m), maxSegSize: dev.maxSegSize }), o);
  sgt.entries.forEach((e, i) => {
    track(m, { dev: dev.name, addr: addrs[i]!, size: e.length, dir, api: 'sg', phys: e.phys, tlbAddr: -1, bufId: e.bufId, owner: 'device', step: m.step, line: m.line });
  });
  o.events.push({
    kind: 'dma_map',
    dev: dev.name,
    api: 'dma_map_sg',
    addr: sgt.entries[0]?.dmaAddress ?? 0,
    phys: sgt.entries[0]?.phys ?? 0,
    size: sgt.entries.reduce((s, e) => s + e.length, 0),
    dir,
    path: 'iommu',
    why: own ? why('dma_map_sg_attrs', WHY_OWN_OPS) : why('arm_iommu_map_sg', `arm32's __iommu_map_sg: entries share one IOVA chunk until one starts inside a page, the chunk ends inside a page, or it would pass max_seg_size (${dev.maxSegSize}): ${sgt.entries.length} entries → ${n} DMA segment(s)`, 'arch/arm/mm/dma-mapping.c'),
  });
}

/**
 * dma_map_sg() through dma-iommu: one IOVA range for the whole list, entries
 * merged into DMA segments by __finalise_sg (or, untrusted, each entry on its
 * own); a negative errno becomes 0. The explorer tracks one record per input
 * entry (at the entry's own IOVA), so ownership and byte views stay per buffer.
 */
function mapSgIommu(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  const ret = iommuDmaMapSg(m, dev, sgt, dir, attrs, o);
  o.resultKind = 'count';
  if (ret <= 0) {
    o.result = 0;
    o.events.push({ kind: 'note', text: 'dma_map_sg failed', why: why('dma_map_sg_attrs', `iommu_dma_map_sg returned ${ret} (${ret === -12 ? '-ENOMEM: no IOVA space' : ret === -5 ? '-EIO: an entry could not be bounced' : '-EINVAL: iommu_map failed'}); the list is restored (__invalidate_sg) and dma_map_sg returns 0`) });
    return;
  }
  const n = sgt.entries.length;
  sgt.nents = ret;
  sgt.mappedFor = dev.name;
  sgt.dir = dir;
  report(debugMapSg(m.debug, dev.name, sgDebug(m, sgt), n, ret, dir, attrs.skipCpuSync, m.step, { bounceUnalignedKmalloc: bounceUnalignedKmalloc(m), maxSegSize: dev.maxSegSize }), o);
  const rec = m.iommu.sg[sgt.id]!;
  sgt.entries.forEach((e, i) => {
    track(m, { dev: dev.name, addr: rec.addrs[i]!, size: e.length, dir, api: 'sg', phys: e.phys, tlbAddr: rec.tlb[i]!, bufId: e.bufId, owner: 'device', step: m.step, line: m.line });
  });
  o.events.push({
    kind: 'dma_map',
    dev: dev.name,
    api: 'dma_map_sg',
    addr: sgt.entries[0]?.dmaAddress ?? 0,
    phys: sgt.entries[0]?.phys ?? 0,
    size: sgt.entries.reduce((s, e) => s + e.length, 0),
    dir,
    path: 'iommu',
    why: why('iommu_dma_map_sg', rec.swiotlb ? `each of the ${n} entries was mapped on its own: ${ret} DMA segments` : `the ${n} entries share one IOVA range and __finalise_sg merged them into ${ret} DMA segment(s)`, 'drivers/iommu/dma-iommu.c'),
  });
  o.result = ret;
}

/**
 * dma_unmap_sg(dev, sg, nents, dir): `nents` is what the driver passes — it
 * must be the count given to dma_map_sg, not the count it returned; dma-direct
 * unmaps only that many entries and dma-debug compares it with the map's.
 */
export function dmaUnmapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome, nents = sgt.entries.length): void {
  if (!checkDirection(m, dir, 'dma_unmap_sg_attrs', o)) return;
  const n = nents;
  const mapped = sgt.mappedFor === dev.name ? sgt.nents : 0;
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  if (own || arm || usesIommu(m, dev)) {
    const rec = m.iommu.sg[sgt.id];
    if (mapped && rec) {
      for (const a of rec.addrs) untrack(m, dev.name, a);
      if (own) {
        ownDmaUnmapSg(m, dev, own, sgt, rec.addrs, dir, attrs.skipCpuSync, o);
        delete m.iommu.sg[sgt.id];
      } else if (arm) {
        armIommuUnmapSg(m, dev, arm, sgt, dir, attrs, o);
        delete m.iommu.sg[sgt.id];
      } else iommuDmaUnmapSg(m, dev, sgt, dir, attrs, o);
    }
  } else {
    for (let i = 0; i < Math.min(mapped, n); i++) {
      const e = sgt.entries[i]!;
      directUnmap(m, dev, e.dmaAddress, e.dmaLength, dir, attrs, o);
      untrack(m, dev.name, e.dmaAddress);
    }
    if (n < mapped) o.observations.push(`dma_unmap_sg was given nents=${n} but ${mapped} entries were mapped: dma-direct unmaps only the first ${n}; the rest stay mapped (and leak)`);
  }
  if (!mapped) o.observations.push(`'${sgt.name}' is not mapped for ${dev.name}: dma_unmap_sg has nothing to undo`);
  report(debugUnmapSg(m.debug, dev.name, sgDebug(m, sgt), n, dir), o);
  sgt.nents = 0;
  sgt.mappedFor = null;
  o.events.push({ kind: 'dma_unmap', dev: dev.name, api: 'dma_unmap_sg', addr: sgt.entries[0]?.dmaAddress ?? 0, size: sgt.entries.reduce((s, e) => s + e.length, 0), dir, why: why('dma_unmap_sg_attrs', 'each mapped entry is unmapped; nents must be the count passed to dma_map_sg, not the count it returned') });
}

export function dmaSyncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome, nents = sgt.entries.length): void {
  const fn = forCpu ? 'dma_sync_sg_for_cpu' : 'dma_sync_sg_for_device';
  if (!checkDirection(m, dir, fn, o)) return;
  const mapped = sgt.mappedFor === dev.name ? sgt.nents : 0;
  if (!mapped) o.observations.push(`'${sgt.name}' is not mapped for ${dev.name}: its entries carry no DMA addresses to sync`);
  const arm = armIommuMapping(m, dev);
  const own = ownDmaOps(m, dev);
  const rec = mapped && (own || arm || usesIommu(m, dev)) ? m.iommu.sg[sgt.id] : undefined;
  if (rec) {
    if (own) ownDmaSyncSg(m, dev, sgt, dir, forCpu, o);
    else if (arm) armIommuSyncSg(m, dev, sgt, dir, forCpu, o);
    else iommuDmaSyncSg(m, dev, sgt, dir, forCpu, o);
    for (const a of rec.addrs) {
      const r = exactMapping(m, dev.name, a);
      if (r) r.owner = forCpu ? 'cpu' : 'device';
    }
  }
  for (let i = 0; i < (rec ? 0 : mapped); i++) {
    const e = sgt.entries[i]!;
    if (forCpu) directSyncForCpu(m, dev, e.dmaAddress, e.dmaLength, dir, o);
    else directSyncForDevice(m, dev, e.dmaAddress, e.dmaLength, dir, o);
    const r = findMapping(m, dev.name, e.dmaAddress, e.dmaLength);
    if (r) r.owner = forCpu ? 'cpu' : 'device';
  }
  report(debugSyncSg(m.debug, dev.name, sgDebug(m, sgt), nents, dir, forCpu), o);
  o.events.push({ kind: 'dma_sync', dev: dev.name, api: fn, addr: sgt.entries[0]?.dmaAddress ?? 0, size: sgt.entries.reduce((s, e) => s + e.length, 0), dir, forCpu, why: why(fn, 'each mapped entry is synced like a single mapping') });
}

export function dmaSetMask(m: Machine, dev: Device, bits: number, coherentToo: boolean, o: StepOutcome): void {
  o.resultKind = 'status';
  if (!usesIommu(m, dev) && !armIommuMapping(m, dev) && !ownDmaOps(m, dev) && !directSupported(m, bits)) {
    o.result = -5;
    o.error = 'EIO';
    o.events.push({ kind: 'note', text: 'mask not supported', why: why('dma_direct_supported', `a ${bits}-bit mask does not cover ZONE_DMA (${archOps(m.arch).zoneDmaBits(m.kernel)} bits on ${m.arch} ${m.config.kernel}) nor all of RAM: dma_supported() is false, -EIO`, 'kernel/dma/direct.c') });
    return;
  }
  dev.maskBits = bits;
  if (coherentToo) dev.coherentMaskBits = bits;
  o.result = 0;
  o.events.push({ kind: 'note', text: `mask ${bits} bits`, why: why(coherentToo ? 'dma_set_mask_and_coherent' : 'dma_set_mask', `the device can now address DMA_BIT_MASK(${bits}); mappings above it bounce or fail`) });
}

/**
 * dma_direct_supported(): masks of 32 bits or more always; a smaller one must
 * reach min(the last page of RAM, ZONE_DMA) — ZONE_DMA by architecture and
 * version (ArchOps.zoneDmaBits: 16 MiB on x86, 1 GiB or 4 GiB on arm64).
 * Behind a DMA IOMMU domain dma_supported() is always true.
 */
function directSupported(m: Machine, bits: number): boolean {
  if (bits >= 32) return true;
  const minMask = Math.min(m.config.ram - PAGE_SIZE, 2 ** archOps(m.arch).zoneDmaBits(m.kernel) - 1);
  return 2 ** bits - 1 >= minMask;
}

/** device_release_driver(): dma-debug's bus notifier reports mappings still live. */
export function releaseDriver(m: Machine, dev: Device, o: StepOutcome): void {
  report(debugReleaseDriver(m.debug, dev.name), o);
  dev.driverBound = false;
  o.events.push({ kind: 'note', text: 'driver unbound', why: why('dma_debug_device_change', 'BUS_NOTIFY_UNBOUND_DRIVER: dma-debug counts this device\'s entries still live', 'kernel/dma/debug.c') });
}

export { DMA_MAPPING_ERROR };
export type { Attrs, DebugType };

