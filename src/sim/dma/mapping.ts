/**
 * The driver-facing DMA API, the front door: `kernel/dma/mapping.c` and
 * `include/linux/dma-mapping.h`. Every entry point keeps the kernel's shape:
 * check the direction (BUG on an invalid one) → choose the back end
 * (dmaBackEnd: dma-direct, dma-iommu or the device's dma_map_ops) → call it
 * → call the dma-debug hook, record the mapping and say what happened. The
 * front door owns dma-debug, the explorer's mapping records and the map
 * events; the back ends (direct.ts, coherent.ts, iommu/dma-iommu.ts, and the
 * DmaMapOps of arch/arm-dma-iommu.ts and hw/device-dma-ops.ts; the contract
 * is map-ops.ts) only map, sync, allocate and free, and never call back up.
 * "Why did this bounce?" is then a trace of these decisions.
 *
 * Simplified: dma_map_phys and dma_map_page_attrs are one path.
 */
import type { DmaDir, SimEvent, Why } from '../events.ts';
import { touchBuffer, touchMapping, touchSg, type StepOutcome } from '../outcome.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import type { Buffer, Device, Machine, MapRecord, SgTable } from '../machine.ts';
import { fmtVa, isVmallocAddr, physOf } from '../mm/buffers.ts';
import {
  debugDmaAllocCoherent,
  debugDmaAllocPages,
  debugDmaFreeCoherent,
  debugDmaFreePages,
  debugDmaMapPage,
  debugDmaMapSg,
  debugDmaMapSingle,
  debugDmaSyncSgForCpu,
  debugDmaSyncSgForDevice,
  debugDmaSyncSingleForCpu,
  debugDmaSyncSingleForDevice,
  debugDmaUnmapPage,
  debugDmaUnmapSg,
  debugMappingError,
  debugReleaseDriver,
  type DebugAttrs,
  type DebugCall,
  type DebugSgEntry,
  type DebugStackPage,
  type DebugType,
  type Finding,
} from './debug.ts';
import { archOps, zoneDmaBits, zoneDmaSource } from '../arch/arch.ts';
import { armDmaOps, dmaNoopOps, swiotlbDmaOps, directMap, directMapSg, directSyncForCpu, directSyncForDevice, directSyncSg, directUnmap, directUnmapSg } from './direct.ts';
import { directAllocCoherent, directAllocNoMapping, directAllocNoncoherent, directFreeCoherent, directFreeNoncoherent } from './coherent.ts';
import { DMA_MAPPING_ERROR, type Attrs, type DmaAllocated, type DmaBackEnd, type DmaMapped, type SgMapped } from './map-ops.ts';
import { IO_TLB_SIZE } from './swiotlb.ts';
import { failedHandleCall, isFailedHandle, mapErrorText, mapErrorValue, type MapErrorValue } from './map-error.ts';
import { who } from '../kernel-log/catalogue.ts';
import { printk, printkOnce } from '../kernel-log/printk.ts';
import { ARCH_GATES, DEBUG_GATES, DIRECT_GATES, DMA_API_GATES, DMA_BUF_GATES, apiFile, dmaFile, since } from '../kernel-versions.ts';
import { devUsesDmaIommu, dmaApiIgnoresIommu } from '../iommu/iommu.ts';
import {
  iommuDmaAllocCoherent,
  iommuDmaAllocNoncoherent,
  iommuDmaFreeCoherent,
  iommuDmaFreeNoncoherent,
  iommuDmaMapPhys,
  iommuDmaMapSg,
  iommuDmaSyncSg,
  iommuDmaSyncSingle,
  iommuDmaUnmapPhys,
  iommuDmaUnmapSg,
  intelDmaOps,
} from '../iommu/dma-iommu.ts';
import { exactMapping, findMapping, touchMappingAt, trackMapping, untrackMapping } from './tracking.ts';
import { OWN_DMA_OPS, foreignInternalAddress } from '../hw/device-dma-ops.ts';
import { ARM_IOMMU_DMA_OPS, armIommuMapping } from '../arch/arm-dma-iommu.ts';
import { hex, hexDma } from '../format.ts';
import { EIO, ENOMEM, errnoName } from '../errno.ts';
import { observe } from '../observe.ts';

const FILE = 'kernel/dma/mapping.c';

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

/** A why of a front-door call, in the file this kernel has it in (apiFile: include/linux/dma-mapping.h before 5.9). */
function apiWhy(m: Machine, fn: string, rule: string): Why {
  return why(fn, rule, apiFile(m.kernel, fn));
}

/**
 * A front-door why whose words are the same for every call: made once per
 * file it can name (events share it; nothing changes an event's `why` after
 * the step), so a map or unmap builds no string and no Why of its own.
 */
class SharedApiWhy {
  private readonly byFile = new Map<string, Why>();
  constructor(
    readonly fn: string,
    readonly rule: string,
  ) {}
  at(m: Machine): Why {
    const file = apiFile(m.kernel, this.fn);
    let w = this.byFile.get(file);
    if (!w) this.byFile.set(file, (w = why(this.fn, this.rule, file)));
    return w;
  }
}

export function report(findings: Finding[], o: StepOutcome): void {
  for (const f of findings) {
    o.warnings.push(f.message);
    o.events.push({ kind: 'finding', rule: f.rule, id: f.id, message: f.message, why: f.why });
  }
}

/** BUG_ON(!valid_dma_direction(dir)): DMA_NONE oopses the kernel. Returns false when it did. */
export function checkDirection(m: Machine, dir: DmaDir, fn: string, o: StepOutcome): boolean {
  if (dir !== 'DMA_NONE') return true;
  printk(m, o, 'dma-mapping.bad-direction', { fn });
  observe(o, 'api/bad-direction', 'DMA_NONE is not a valid direction for a mapping: the kernel oopses here; the explorer carries on so the rest of the scenario can be seen');
  o.error = 'BUG';
  return false;
}

/**
 * The one choice of back end, as mapping.c makes it: use_dma_iommu(dev) →
 * dma-iommu; else get_dma_ops(dev) — arm32's IOMMU ops when
 * arch_setup_dma_ops() attached the device to an ARM DMA/IOMMU mapping, or
 * the device's own ops (thread 001's proposal) — else dma_map_direct() →
 * dma-direct (no IOMMU, or an identity domain).
 */
export function dmaBackEnd(m: Machine, dev: Device): DmaBackEnd {
  if (devUsesDmaIommu(m, dev)) return 'iommu';
  if (armIommuMapping(m, dev)) return ARM_IOMMU_DMA_OPS;
  if (dev.cfg.dmaOps === 'own') return OWN_DMA_OPS;
  return 'direct';
}

export { findMapping, foreignInternalAddress };

/** The explorer's record of a new mapping, and the step's note that it touched it. */
function record(m: Machine, r: MapRecord, o: StepOutcome): void {
  trackMapping(m, r);
  touchMapping(o, r);
}

/** The record of a mapping that ends here, if there was one, and the step's note that it touched it. */
function drop(m: Machine, dev: string, addr: number, o: StepOutcome): void {
  const r = untrackMapping(m, dev, addr);
  if (r) touchMapping(o, r);
}

/** A sync hands a mapping to the CPU or back to the device. */
function handOver(r: MapRecord | undefined, owner: MapRecord['owner'], o: StepOutcome): void {
  if (!r) return;
  r.owner = owner;
  touchMapping(o, r);
}

/** What dma-debug records with an entry: the step, and (its 6.18 rule: no EEXIST report) whether unaligned kmalloc buffers may bounce through swiotlb. */
function debugCall(m: Machine): DebugCall {
  const from = archOps(m.arch).kmallocBounceFrom;
  return { step: m.step, bounceUnalignedKmalloc: from !== null && m.kernel >= from && m.swiotlb !== null };
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
/** x86 before INTEL_IOMMU_GATES.dmaIommu (5.11): the same, by intel-iommu's own intel_dma_ops. */
const WHY_INTEL = 'intel-iommu (intel_dma_ops, before 5.11): the device gets an IOVA, which VT-d translates to the buffer (DMA_PTE_READ for TO_DEVICE, DMA_PTE_WRITE for FROM_DEVICE, both for BIDIRECTIONAL); the device owns the buffer until sync_for_cpu or unmap';
const WHY_INTEL_BOUNCED = 'intel-iommu (intel_dma_ops, before 5.11): bounce_map_single gives the device an IOVA that VT-d translates to a swiotlb bounce slot, not to the buffer: it reads and writes the copy; the device owns it until sync_for_cpu or unmap';

/** Why a single mapping got the address it got, by back end and whether it bounced. */
function mapRule(m: Machine, be: DmaBackEnd, r: DmaMapped): string {
  const bounced = r.bounced >= 0;
  if (be === 'iommu') return bounced ? WHY_IOMMU_BOUNCED : WHY_IOMMU;
  if (be !== 'direct') return be.mapRule;
  return bounced ? `the device gets the bounce slot's address ${hex(r.addr)}, not the buffer's: it reads and writes the copy` : armDmaOps(m) ? WHY_ARM_OPS : dmaNoopOps(m) ? WHY_NOOP : WHY_DIRECT;
}

/*
 * The explanations that do not depend on the call's numbers are made once:
 * events share them (nothing changes an event's `why` after the step), so a
 * map or unmap builds no string and no Why of its own for them.
 */
const MAP_FN = { single: 'dma_map_single_attrs', page: 'dma_map_page_attrs' } as const;
const WHY_MAP_IOMMU = { single: new SharedApiWhy(MAP_FN.single, WHY_IOMMU), page: new SharedApiWhy(MAP_FN.page, WHY_IOMMU) };
const WHY_MAP_IOMMU_BOUNCED = { single: new SharedApiWhy(MAP_FN.single, WHY_IOMMU_BOUNCED), page: new SharedApiWhy(MAP_FN.page, WHY_IOMMU_BOUNCED) };
const WHY_MAP_INTEL = { single: new SharedApiWhy(MAP_FN.single, WHY_INTEL), page: new SharedApiWhy(MAP_FN.page, WHY_INTEL) };
const WHY_MAP_INTEL_BOUNCED = { single: new SharedApiWhy(MAP_FN.single, WHY_INTEL_BOUNCED), page: new SharedApiWhy(MAP_FN.page, WHY_INTEL_BOUNCED) };
const WHY_DIRECT = 'dma-direct: the DMA address is the physical address; the device now owns the buffer until sync_for_cpu or unmap';
const WHY_MAP_DIRECT = { single: new SharedApiWhy(MAP_FN.single, WHY_DIRECT), page: new SharedApiWhy(MAP_FN.page, WHY_DIRECT) };
const WHY_ARM_OPS = 'arm_dma_ops (arm_dma_map_page, arch/arm/mm/dma-mapping.c): the DMA address is the physical address; the device now owns the buffer until sync_for_cpu or unmap';
const WHY_MAP_ARM_OPS = { single: new SharedApiWhy(MAP_FN.single, WHY_ARM_OPS), page: new SharedApiWhy(MAP_FN.page, WHY_ARM_OPS) };
/** riscv 4.15 (ARCH_GATES.riscvDmaDirect): dma_noop_ops. */
const WHY_NOOP = 'dma_noop_ops (dma_noop_map_page, lib/dma-noop.c): the DMA address is the physical address, whatever the device\'s mask; the device now owns the buffer until unmap';
const WHY_MAP_NOOP = { single: new SharedApiWhy(MAP_FN.single, WHY_NOOP), page: new SharedApiWhy(MAP_FN.page, WHY_NOOP) };


/** The map event's why: mapRule's, shared where it is the same for every call. */
function mapWhy(m: Machine, dev: Device, be: DmaBackEnd, r: DmaMapped, api: 'single' | 'page'): Why {
  if (be === 'iommu' && intelDmaOps(m)) return (r.bounced >= 0 ? WHY_MAP_INTEL_BOUNCED : WHY_MAP_INTEL)[api].at(m);
  if (be === 'iommu') return (r.bounced >= 0 ? WHY_MAP_IOMMU_BOUNCED : WHY_MAP_IOMMU)[api].at(m);
  const ignored = be === 'direct' ? dmaApiIgnoresIommu(m, dev) : null;
  if (ignored) return apiWhy(m, MAP_FN[api], `${mapRule(m, be, r)}. ${ignored}`);
  if (be === 'direct' && r.bounced < 0) return (armDmaOps(m) ? WHY_MAP_ARM_OPS : dmaNoopOps(m) ? WHY_MAP_NOOP : WHY_MAP_DIRECT)[api].at(m);
  return apiWhy(m, MAP_FN[api], mapRule(m, be, r));
}

function backEndMap(m: Machine, dev: Device, be: DmaBackEnd, phys: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): DmaMapped {
  if (be === 'direct') return directMap(m, dev, phys, size, dir, attrs, o);
  if (be === 'iommu') return iommuDmaMapPhys(m, dev, phys, size, dir, attrs, o);
  return be.mapPhys(m, dev, phys, size, dir, attrs, o);
}

/**
 * The streaming map path shared by dma_map_single and dma_map_page: back
 * end, then debug_dma_map_phys (with what check_for_stack finds at `stack`),
 * the record, the event.
 */
function mapPhys(m: Machine, dev: Device, buf: Buffer, phys: number, size: number, dir: DmaDir, attrs: Attrs, api: 'single' | 'page', stack: DebugStackPage | null, o: StepOutcome): number {
  const be = dmaBackEnd(m, dev);
  const r = backEndMap(m, dev, be, phys, size, dir, attrs, o);
  const addr = r.addr;
  if (addr === DMA_MAPPING_ERROR) {
    // the back end's failure, as this kernel's ops return it (0, the overflow buffer, all ones): the handle's value
    const v = mapErrorValue(m, be);
    o.error = 'DMA_MAPPING_ERROR';
    o.resultKind = 'addr';
    o.result = v.addr;
    o.events.push({ kind: 'note', text: mapErrorText(v), why: v.why });
    return v.addr;
  }
  report(debugDmaMapPage(m.debug, dev, phys, size, dir, addr, attrs, api, stack, debugCall(m)), o);
  if (stack) o.events.push({ kind: 'note', text: `stack page at ${fmtVa(stack.addr - (stack.addr % PAGE_SIZE))}`, why: why('check_for_stack', stack.probable ? 'dma-debug compares the page with every page of the vmapped stack' : 'object_is_on_stack(): the address lies inside the current task\'s (linear-map) stack', dmaFile(m.kernel, 'kernel/dma/debug.c')) });
  record(m, { dev: dev.name, addr, size, dir, api, phys, tlbAddr: r.bounced, bufId: buf.id, owner: 'device', step: m.step, line: m.line }, o);
  o.events.push({
    kind: 'dma_map',
    dev: dev.name,
    api: api === 'single' ? 'dma_map_single' : 'dma_map_page',
    addr,
    phys,
    size,
    dir,
    path: be === 'direct' ? (r.bounced >= 0 ? 'swiotlb' : 'direct') : 'iommu',
    why: mapWhy(m, dev, be, r, api),
  });
  o.result = addr;
  o.resultKind = 'addr';
  return addr;
}

export function dmaMapSingle(m: Machine, dev: Device, buf: Buffer, off: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  touchBuffer(o, buf.id);
  if (!checkDirection(m, dir, 'dma_map_single_attrs', o)) return;
  const va = buf.va + off;
  if (isVmallocAddr(va) && m.kernel < DIRECT_GATES.vmallocRejected.code) {
    // before 5.5 (4544b9f25e70): debug_dma_map_single() complains (from DEBUG_GATES.mapSingleCheck; older kernels
    // have no such hook), then dma_map_page_attrs(virt_to_page(ptr), …) goes ahead
    if (m.kernel >= DEBUG_GATES.mapSingleCheck.code) report(debugDmaMapSingle(m.debug, dev, va, size), o);
    observe(o, 'api/vmalloc-address',
      "before 5.5 (4544b9f25e70) dma_map_single does not refuse a vmalloc address: virt_to_page() of it gives a struct page that is not the buffer's, so the device is handed unrelated memory; the explorer maps the buffer's first physical page so the rest of the scenario can run",
    );
    // check_for_stack sees virt_to_page()'s unrelated page, never a stack page
    mapPhys(m, dev, buf, physOf(m, buf, off), size, dir, attrs, 'single', null, o);
    return;
  }
  if (isVmallocAddr(va)) {
    printkOnce(m, o, 'dma_map_single_attrs:vmalloc', 'dma-mapping.vmalloc-rejected', {}, who(dev.name, dev.cfg.label));
    o.events.push({
      kind: 'note',
      rule: 'api/vmalloc-rejected',
      text: 'vmalloc address rejected',
      why: apiWhy(m, 'dma_map_single_attrs', buf.kind === 'stack' ? 'the stack is vmalloc\'d (CONFIG_VMAP_STACK): is_vmalloc_addr() is true and the map is refused' : 'dma_map_single needs a linear-map address: a vmalloc address has no single struct page behind it'),
    });
    o.error = 'DMA_MAPPING_ERROR';
    o.result = DMA_MAPPING_ERROR;
    o.resultKind = 'addr';
    return;
  }
  mapPhys(m, dev, buf, physOf(m, buf, off), size, dir, attrs, 'single', stackPage(m, buf, va), o);
}

/** What check_for_stack() finds for the page at `va`: a linear-map stack ("[addr=%p]"), a page of the vmapped stack ("[probable addr=%p]"), or nothing. */
function stackPage(m: Machine, buf: Buffer, va: number): DebugStackPage | null {
  if (buf.kind !== 'stack' || !m.stack) return null;
  return { addr: va, probable: isVmallocAddr(va) };
}

/**
 * dma_map_page(dev, page, offset, …). A scenario cannot name a struct page, so
 * `page` is a pointer and the mapping starts `offset` bytes after it: for a
 * page-aligned pointer that is exactly virt_to_page() + offset.
 */
export function dmaMapPage(m: Machine, dev: Device, buf: Buffer, ptrOff: number, offset: number, size: number, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  touchBuffer(o, buf.id);
  if (!checkDirection(m, dir, 'dma_map_page_attrs', o)) return;
  mapPhys(m, dev, buf, physOf(m, buf, ptrOff + offset), size, dir, attrs, 'page', stackPage(m, buf, buf.va + ptrOff + offset), o);
}

const WHY_MAPPING_ERROR = why('dma_mapping_error', 'returns -ENOMEM for DMA_MAPPING_ERROR, else 0; dma-debug records that the driver checked', 'include/linux/dma-mapping.h');

/** Before 5.0: the ops' ->mapping_error() compares the handle with their own failure value (map-error.ts). */
function whyMappingErrorOps(v: MapErrorValue): Why {
  return why('dma_mapping_error', `returns the ops' ->mapping_error() (${v.check}): 1 when the handle is their failure value, ${v.name} = ${hexDma(v.addr)}, else 0 (-ENOMEM only from ${DMA_API_GATES.mappingErrorEnomem.from}); dma-debug records that the driver checked`, 'include/linux/dma-mapping.h');
}

/** A failed map's value on this device's back end, in this kernel (map-error.ts): what a driver's failed handle holds. */
export function mapErrorOf(m: Machine, dev: Device): MapErrorValue {
  return mapErrorValue(m, dmaBackEnd(m, dev));
}

export function dmaMappingError(m: Machine, dev: Device, addr: number, o: StepOutcome): void {
  touchMappingAt(m, dev.name, addr, o);
  debugMappingError(m.debug, dev.name, addr);
  o.resultKind = 'status';
  const enomem = since(m.kernel, DMA_API_GATES.mappingErrorEnomem);
  const v = mapErrorOf(m, dev);
  if (addr !== v.addr) o.result = 0;
  else if (!enomem) o.result = 1;
  else {
    o.result = ENOMEM;
    o.error = errnoName(ENOMEM);
  }
  o.events.push({ kind: 'note', text: 'map error checked', why: enomem ? WHY_MAPPING_ERROR : whyMappingErrorOps(v) });
}

const UNMAP_FN = { single: 'dma_unmap_single_attrs', page: 'dma_unmap_page_attrs' } as const;
const UNMAP_API = { single: 'dma_unmap_single', page: 'dma_unmap_page' } as const;
const UNMAP_RULE = 'the CPU owns the buffer again; the DMA address is no longer valid';
const WHY_UNMAP = { single: new SharedApiWhy(UNMAP_FN.single, UNMAP_RULE), page: new SharedApiWhy(UNMAP_FN.page, UNMAP_RULE) };

export function dmaUnmap(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, attrs: Attrs, api: 'single' | 'page', o: StepOutcome): void {
  if (!checkDirection(m, dir, UNMAP_FN[api], o)) return;
  const rec = exactMapping(m, dev.name, addr);
  const be = dmaBackEnd(m, dev);
  // a failed map's handle, in this kernel's value (map-error.ts): check_unmap() asks dma_mapping_error() about it,
  // and the back end does with it what failedHandleCall tells
  const failed = !rec && isFailedHandle(m, be, addr);
  if (failed) failedHandleCall(m, dev, be, 'unmap', addr, size, dir, attrs.skipCpuSync, o);
  else if (be === 'direct') directUnmap(m, dev, addr, size, dir, attrs, o);
  else if (be === 'iommu') iommuDmaUnmapPhys(m, dev, addr, size, dir, attrs, o);
  else be.unmapPhys(m, dev, addr, size, dir, attrs, o);
  report(debugDmaUnmapPage(m.debug, dev, failed ? DMA_MAPPING_ERROR : addr, size, dir, api), o);
  drop(m, dev.name, addr, o);
  o.events.push({ kind: 'dma_unmap', dev: dev.name, api: UNMAP_API[api], addr, size, dir, why: WHY_UNMAP[api].at(m) });
}

const WHY_SYNC_FOR_CPU = new SharedApiWhy('dma_sync_single_for_cpu', 'ownership passes to the CPU: it may now read what the device wrote');
const WHY_SYNC_FOR_DEVICE = new SharedApiWhy('dma_sync_single_for_device', 'ownership passes back to the device: it may now read what the CPU wrote');

export function dmaSync(m: Machine, dev: Device, addr: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const fn = forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device';
  if (!checkDirection(m, dir, fn, o)) return;
  const be = dmaBackEnd(m, dev);
  const held = findMapping(m, dev.name, addr, size);
  // a failed map's handle (map-error.ts): what the back end does with its own failure value
  if (!held && isFailedHandle(m, be, addr)) failedHandleCall(m, dev, be, forCpu ? 'sync_for_cpu' : 'sync_for_device', addr, size, dir, false, o);
  else if (be === 'iommu') iommuDmaSyncSingle(m, dev, addr, size, dir, forCpu, o);
  else if (be !== 'direct') be.syncSingle(m, dev, addr, size, dir, forCpu, o);
  else if (forCpu) directSyncForCpu(m, dev, addr, size, dir, o);
  else directSyncForDevice(m, dev, addr, size, dir, o);
  report((forCpu ? debugDmaSyncSingleForCpu : debugDmaSyncSingleForDevice)(m.debug, dev, addr, size, dir), o);
  handOver(held, forCpu ? 'cpu' : 'device', o);
  const ev: Extract<SimEvent, { kind: 'dma_sync' }> = { kind: 'dma_sync', dev: dev.name, api: fn, addr, size, dir, forCpu, why: (forCpu ? WHY_SYNC_FOR_CPU : WHY_SYNC_FOR_DEVICE).at(m) };
  // Only when it is so: no spread of a second object at every sync.
  if (!held) ev.untracked = true;
  o.events.push(ev);
}

function backEndMapSg(m: Machine, dev: Device, be: DmaBackEnd, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): SgMapped {
  if (be === 'direct') return directMapSg(m, dev, sgt, dir, attrs, o);
  if (be === 'iommu') return iommuDmaMapSg(m, dev, sgt, dir, attrs, o);
  return be.mapSg(m, dev, sgt, dir, attrs, o);
}

/**
 * A back end that mapped 0 entries (an empty list: dma_direct_map_sg loops
 * zero times) is not a success: from 5.15 (fffe3cc8c219) __dma_map_sg_attrs
 * takes `ents > 0` for success and anything but -EINVAL/-ENOMEM/-EIO for a
 * bug, WARN_ON_ONCE and -EIO (dma_map_sg returns 0, dma_map_sgtable -EIO);
 * before, dma_map_sg_attrs returned the 0 silently (BUG_ON(ents < 0) only)
 * and dma_map_sgtable made it -EINVAL. debug_dma_map_sg records nothing.
 */
function mapSgZero(m: Machine, o: StepOutcome): void {
  o.result = 0;
  o.error = null;
  const g = DMA_BUF_GATES.sgtableEio;
  if (m.kernel >= g.code) printkOnce(m, o, '__dma_map_sg_attrs:ents', 'dma-mapping.map-sg-zero');
  o.events.push({
    kind: 'note',
    text: 'dma_map_sg mapped nothing',
    why: apiWhy(
      m,
      m.kernel >= g.code ? '__dma_map_sg_attrs' : 'dma_map_sg_attrs',
      m.kernel >= g.code
        ? `the list has no entry: the back end returned 0, which is neither a count nor -EINVAL/-ENOMEM/-EIO, so __dma_map_sg_attrs WARNs once and returns -EIO (dma_map_sg gives 0, dma_map_sgtable -EIO; ${g.commit}, ${g.from})`
        : `the list has no entry: dma_map_sg returns the back end's 0 without a word (dma_map_sgtable would return -EINVAL); from ${g.from} (${g.commit}) this is a WARN and -EIO`,
    ),
  });
}

/**
 * dma_map_sg(): the back end maps the list (dma-direct entry by entry, never
 * merged; dma-iommu one IOVA range merged by __finalise_sg; arm32's ops in
 * IOVA chunks), then debug_dma_map_sg. On failure dma_map_sg returns 0. The
 * explorer records one mapping per input entry (at the entry's own DMA
 * address), so ownership and byte views stay per buffer.
 */
export function dmaMapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome): void {
  touchSg(o, sgt);
  if (!checkDirection(m, dir, 'dma_map_sg_attrs', o)) return;
  const be = dmaBackEnd(m, dev);
  const r = backEndMapSg(m, dev, be, sgt, dir, attrs, o);
  o.resultKind = 'count';
  if (r.ok && r.nents === 0) {
    mapSgZero(m, o);
    return;
  }
  if (!r.ok) {
    // dma_map_sg reports a failure by its count alone
    o.result = 0;
    o.error = null;
    o.events.push({ kind: 'note', text: 'dma_map_sg failed', why: r.why });
    return;
  }
  sgt.nents = r.nents;
  sgt.mappedFor = dev.name;
  sgt.dir = dir;
  report(debugDmaMapSg(m.debug, dev, sgDebug(m, sgt), sgt.entries.length, r.nents, dir, attrs, debugCall(m)), o);
  sgt.entries.forEach((e, i) => {
    const at = r.entries[i]!;
    record(m, { dev: dev.name, addr: at.addr, size: e.length, dir, api: 'sg', phys: e.phys, tlbAddr: at.bounced, bufId: e.bufId, owner: 'device', step: m.step, line: m.line }, o);
  });
  o.events.push({
    kind: 'dma_map',
    dev: dev.name,
    api: 'dma_map_sg',
    addr: sgt.entries[0]?.dmaAddress ?? 0,
    phys: sgt.entries[0]?.phys ?? 0,
    size: sgt.entries.reduce((s, e) => s + e.length, 0),
    dir,
    path: be === 'direct' ? 'direct' : 'iommu',
    why: r.why,
  });
  o.result = r.nents;
}

/**
 * dma_unmap_sg(dev, sg, nents, dir): `nents` is what the driver passes — it
 * must be the count given to dma_map_sg, not the count it returned; dma-direct
 * unmaps only that many entries and dma-debug compares it with the map's.
 */
export function dmaUnmapSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, attrs: Attrs, o: StepOutcome, nents = sgt.entries.length): void {
  touchSg(o, sgt);
  if (!checkDirection(m, dir, 'dma_unmap_sg_attrs', o)) return;
  const n = nents;
  const mapped = sgt.mappedFor === dev.name ? sgt.nents : 0;
  const be = dmaBackEnd(m, dev);
  if (be === 'direct') {
    directUnmapSg(m, dev, sgt, n, mapped, dir, attrs, o);
    for (let i = 0; i < Math.min(mapped, n); i++) drop(m, dev.name, sgt.entries[i]!.dmaAddress, o);
  } else {
    const rec = m.iommu.sg[sgt.id];
    if (mapped && rec) {
      for (const a of rec.addrs) drop(m, dev.name, a, o);
      if (be === 'iommu') iommuDmaUnmapSg(m, dev, sgt, dir, attrs, o);
      else be.unmapSg(m, dev, sgt, dir, attrs, o);
    }
  }
  if (!mapped) observe(o, 'sg/not-mapped', `'${sgt.name}' is not mapped for ${dev.name}: dma_unmap_sg has nothing to undo`);
  report(debugDmaUnmapSg(m.debug, dev, sgDebug(m, sgt), n, dir), o);
  sgt.nents = 0;
  sgt.mappedFor = null;
  o.events.push({ kind: 'dma_unmap', dev: dev.name, api: 'dma_unmap_sg', addr: sgt.entries[0]?.dmaAddress ?? 0, size: sgt.entries.reduce((s, e) => s + e.length, 0), dir, why: apiWhy(m, 'dma_unmap_sg_attrs', 'each mapped entry is unmapped; nents must be the count passed to dma_map_sg, not the count it returned') });
}

export function dmaSyncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome, nents = sgt.entries.length): void {
  const fn = forCpu ? 'dma_sync_sg_for_cpu' : 'dma_sync_sg_for_device';
  touchSg(o, sgt);
  if (!checkDirection(m, dir, fn, o)) return;
  const mapped = sgt.mappedFor === dev.name ? sgt.nents : 0;
  if (!mapped) observe(o, 'sg/not-mapped', `'${sgt.name}' is not mapped for ${dev.name}: its entries carry no DMA addresses to sync`);
  const be = dmaBackEnd(m, dev);
  const owner = forCpu ? 'cpu' : 'device';
  const rec = mapped && be !== 'direct' ? m.iommu.sg[sgt.id] : undefined;
  if (rec && be !== 'direct') {
    if (be === 'iommu') iommuDmaSyncSg(m, dev, sgt, dir, forCpu, o);
    else be.syncSg(m, dev, sgt, dir, forCpu, o);
    for (const a of rec.addrs) handOver(exactMapping(m, dev.name, a), owner, o);
  } else {
    // dma-direct: each mapped entry holds its own DMA address
    directSyncSg(m, dev, sgt, mapped, dir, forCpu, o);
    for (let i = 0; i < mapped; i++) {
      const e = sgt.entries[i]!;
      handOver(findMapping(m, dev.name, e.dmaAddress, e.dmaLength), owner, o);
    }
  }
  report((forCpu ? debugDmaSyncSgForCpu : debugDmaSyncSgForDevice)(m.debug, dev, sgDebug(m, sgt), nents, dir), o);
  o.events.push({ kind: 'dma_sync', dev: dev.name, api: fn, addr: sgt.entries[0]?.dmaAddress ?? 0, size: sgt.entries.reduce((s, e) => s + e.length, 0), dir, forCpu, why: apiWhy(m, fn, 'each mapped entry is synced like a single mapping') });
}

export function dmaSetMask(m: Machine, dev: Device, bits: number, coherentToo: boolean, o: StepOutcome): void {
  o.resultKind = 'status';
  const verdict: MaskVerdict = dmaBackEnd(m, dev) === 'direct' ? maskVerdict(m, bits) : { ok: true, why: null };
  if (!verdict.ok) {
    o.result = EIO;
    o.error = errnoName(EIO);
    o.events.push({ kind: 'note', text: 'mask not supported', why: verdict.why });
    return;
  }
  dev.maskBits = bits;
  if (coherentToo) dev.coherentMaskBits = bits;
  o.result = 0;
  o.events.push({ kind: 'note', text: `mask ${bits} bits`, why: verdict.why ?? why(coherentToo ? 'dma_set_mask_and_coherent' : 'dma_set_mask', `the device can now address DMA_BIT_MASK(${bits}); mappings above it bounce or fail`) });
}

/**
 * What dma_supported() answers for `bits` on a device without an IOMMU or its
 * own ops: refused with the reason, or accepted (with the reason where the
 * era's ops accept a mask dma_direct_supported() would refuse).
 */
type MaskVerdict = { ok: false; why: Why } | { ok: true; why: Why | null };

/**
 * dma_supported() of a device without an IOMMU or its own ops, by era:
 * riscv 4.15's dma_noop_supported() says yes to every mask; x86 before
 * 4.17 has its own check (x86Supported); arm64's swiotlb ops before 4.20
 * measure the pool (its own __swiotlb_dma_supported); everything else —
 * dma_direct_ops, and the generic swiotlb_dma_ops of x86 (from 4.17), riscv
 * (4.18) and arm64 (4.20), whose .dma_supported is dma_direct_supported —
 * asks dma_direct_supported() (directSupported).
 */
function maskVerdict(m: Machine, bits: number): MaskVerdict {
  // riscv 4.15: dma_noop_supported() returns 1 for every mask (ARCH_GATES.riscvDmaDirect)
  if (dmaNoopOps(m)) return { ok: true, why: null };
  if (m.arch === 'x86' && !since(m.kernel, ARCH_GATES.x86GenericSwiotlbOps)) return x86Supported(m, bits);
  const arm64Own = m.arch === 'arm64' && !since(m.kernel, ARCH_GATES.arm64GenericSwiotlbOps);
  // __swiotlb_dma_supported(): "if (swiotlb) return swiotlb_dma_supported(hwdev, mask); return 1;". arm64_dma_init()
  // sets swiotlb = 1 when RAM goes beyond arm64_dma_phys_limit, swiotlb=noforce or not: then the noforce one-slab
  // pool's end counts (io_tlb_end = io_tlb_start + (1 << IO_TLB_SHIFT)); with all RAM inside it, every mask passes
  if (arm64Own && m.layout.swiotlbSize === 0 && !m.layout.noForceSlab) return { ok: true, why: null };
  if (arm64Own) {
    // arm64 before 4.20: __swiotlb_dma_supported() → swiotlb_dma_supported(): "return phys_to_dma(hwdev, io_tlb_end - 1) <= mask;"
    const slab = m.layout.swiotlbSize === 0;
    // io_tlb_end: one slab (1 << IO_TLB_SHIFT) past io_tlb_start for swiotlb=noforce, else the pool's end
    const end = slab ? m.layout.noForceSlab + IO_TLB_SIZE - 1 : m.layout.swiotlbBase + m.layout.swiotlbSize - 1;
    if (2 ** bits - 1 >= end) return { ok: true, why: null };
    const pool = slab ? "swiotlb=noforce's one-slab pool, which mem_init() still set up because RAM goes beyond arm64_dma_phys_limit" : 'the swiotlb pool';
    return { ok: false, why: why('__swiotlb_dma_supported', `arm64 ${m.config.kernel}'s own swiotlb ops accept a mask only if it reaches the end of ${pool} (swiotlb_dma_supported(): phys_to_dma(io_tlb_end - 1) <= mask; ${hex(end)} here): a ${bits}-bit mask does not, -EIO`, 'arch/arm64/mm/dma-mapping.c') };
  }
  // arm32's arm_dma_ops before 6.0 are answered by the RAM rule as before (not re-read against arm_dma_supported here)
  return directSupported(m, bits, armDmaOps(m) || since(m.kernel, DIRECT_GATES.supportedRam));
}

/**
 * x86 before its generic swiotlb ops and dma-direct (ARCH_GATES.x86GenericSwiotlbOps,
 * x86DmaDirect, 4.17). Before ARCH_GATES.x86DmaSupportedOps (4.13) the arch's
 * own dma_supported() (arch/x86/kernel/pci-dma.c) asks the ops' method — none,
 * for nommu_dma_ops and for pci-swiotlb.c's swiotlb_dma_ops alike — then
 * refuses masks under DMA_BIT_MASK(24). From 4.13 that test is
 * x86_dma_supported(), nommu_dma_ops' method, while the swiotlb ops keep
 * ".dma_supported = NULL" and the generic dma_supported() of
 * include/linux/dma-mapping.h returns 1 for them. The swiotlb ops serve a
 * machine with a pool, and one whose swiotlb=0 stands for swiotlb=noforce
 * (direct.ts noForce(): pci_swiotlb_init() still installs them).
 * Not modelled: forbid_dac and iommu_sac_force, boot options and a quirk.
 */
function x86Supported(m: Machine, bits: number): MaskVerdict {
  const ownFn = since(m.kernel, ARCH_GATES.x86DmaSupportedOps);
  if (ownFn && swiotlbDmaOps(m)) {
    return {
      ok: true,
      why: why('dma_supported', `x86 ${m.config.kernel}'s swiotlb_dma_ops (arch/x86/kernel/pci-swiotlb.c) have .dma_supported = NULL, so dma_supported() returns 1 ("if (!ops->dma_supported) return 1;"): every mask is accepted, this ${bits}-bit one whether or not it reaches RAM or the swiotlb pool; a buffer above it bounces, or fails if the pool is beyond it too`, 'include/linux/dma-mapping.h'),
    };
  }
  if (bits >= 24) return { ok: true, why: null };
  const fn = ownFn ? 'x86_dma_supported' : 'dma_supported';
  const whose = ownFn ? "nommu_dma_ops' .dma_supported, x86_dma_supported()," : "x86's own dma_supported(), finding no .dma_supported in the device's ops,";
  return { ok: false, why: why(fn, `${whose} refuses a mask under DMA_BIT_MASK(24) ("if (mask < DMA_BIT_MASK(24)) return 0;", below ZONE_DMA): a ${bits}-bit mask is -EIO, however little RAM there is`, 'arch/x86/kernel/pci-dma.c') };
}

/**
 * dma_direct_supported() (kernel/dma/direct.c; lib/dma-direct.c before 4.18):
 * masks of 32 bits or more always. From DIRECT_GATES.supportedRam (4.20) a
 * smaller one must reach min(the last page of RAM, ZONE_DMA) — ZONE_DMA by
 * architecture and version (ArchOps.zoneDmaBits: 16 MiB on x86, 1 GiB or
 * 4 GiB on arm64); without CONFIG_ZONE_DMA (riscv) the newest code compares
 * with the last page of RAM alone ("if (IS_ENABLED(CONFIG_ZONE_DMA)) min_mask
 * = min_t(…)"), the 4.20–5.x code with min(DMA_BIT_MASK(32), the last page of
 * RAM): the same answer for every mask under 32 bits, so one rule serves
 * both. Before 4.20 (`ramRule` false) RAM does not count: a mask under
 * DMA_BIT_MASK(ZONE_DMA), under 32 bits without CONFIG_ZONE_DMA, is refused.
 * Behind a DMA IOMMU domain, or dma_map_ops, dma_supported() is true here.
 */
function directSupported(m: Machine, bits: number, ramRule: boolean): MaskVerdict {
  if (bits >= 32) return { ok: true, why: null };
  const zoneBits = zoneDmaBits(m);
  const file = dmaFile(m.kernel, 'kernel/dma/direct.c');
  if (!ramRule) {
    const limit = zoneBits ?? 32;
    if (bits >= limit) return { ok: true, why: null };
    const rule =
      zoneBits === null
        ? `${m.arch} has no CONFIG_ZONE_DMA, and dma_direct_supported() of ${m.config.kernel} refuses every mask under 32 bits ("if (mask < DMA_BIT_MASK(32)) return 0;") whatever RAM there is (${hex(m.config.ram)} here; the last page of RAM counts only from 4.20, 9d7a224b463e)`
        : `dma_direct_supported() of ${m.config.kernel} refuses a mask under DMA_BIT_MASK(${zoneBits}), below ZONE_DMA ("if (mask < DMA_BIT_MASK(ARCH_ZONE_DMA_BITS)) return 0;"), whatever RAM there is`;
    return { ok: false, why: why('dma_direct_supported', `${rule}: dma_supported() is false, -EIO`, file) };
  }
  const zoneMask = zoneBits === null ? 2 ** 32 - 1 : 2 ** zoneBits - 1;
  const minMask = Math.min(m.config.ram - PAGE_SIZE, zoneMask);
  if (2 ** bits - 1 >= minMask) return { ok: true, why: null };
  const source = zoneDmaSource(m);
  const reach =
    zoneBits === null
      ? `${m.arch} has no CONFIG_ZONE_DMA, so a mask under 32 bits must reach the last page of RAM (min_mask = (max_pfn - 1) << PAGE_SHIFT; ${hex(m.config.ram - PAGE_SIZE)} here), which this one does not`
      : `a ${bits}-bit mask does not cover ZONE_DMA (${zoneBits} bits on ${m.arch} ${m.config.kernel}${source ? `; ${source}` : ''}) nor all of RAM`;
  return { ok: false, why: why('dma_direct_supported', `${reach}: dma_supported() is false, -EIO`, file) };
}

/** device_release_driver(): dma-debug's bus notifier reports mappings still live. */
export function releaseDriver(m: Machine, dev: Device, o: StepOutcome): void {
  report(debugReleaseDriver(m.debug, dev.name), o);
  dev.driverBound = false;
  o.events.push({ kind: 'note', text: 'driver unbound', why: why('dma_debug_device_change', 'BUS_NOTIFY_UNBOUND_DRIVER: dma-debug counts this device\'s entries still live', dmaFile(m.kernel, 'kernel/dma/debug.c')) });
}

// ---------------------------------------------------------------------------
// coherent and non-coherent allocations

/** A CPU address given to a free and the physical page behind it, as debug_dma_free_coherent / _free_pages find it (virt_to_paddr or vmalloc_to_page). */
function cpuAddr(cpu: Buffer | null): { va: number; paddr?: number } | null {
  if (!cpu) return null;
  const paddr = cpu.phys >= 0 ? cpu.phys : cpu.pages[0];
  return paddr === undefined ? { va: cpu.va } : { va: cpu.va, paddr };
}

/** The dma-debug hook and the explorer's record of an allocation (debug_dma_alloc_coherent / debug_dma_alloc_pages). */
function allocated(m: Machine, dev: Device, a: DmaAllocated, size: number, api: 'coherent' | 'noncoherent', dir: DmaDir, attrs: DebugAttrs, o: StepOutcome): Buffer {
  const virt = { va: a.buf.va, paddr: a.paddr };
  report(api === 'coherent' ? debugDmaAllocCoherent(m.debug, dev, size, a.addr, virt, attrs, debugCall(m)) : debugDmaAllocPages(m.debug, dev, virt, size, dir, a.addr, attrs, debugCall(m)), o);
  record(m, { dev: dev.name, addr: a.addr, size: a.len, dir, api, phys: a.paddr, tlbAddr: -1, bufId: a.buf.id, owner: api === 'coherent' ? 'device' : 'cpu', step: m.step, line: m.line }, o);
  o.result = a.addr;
  o.resultKind = 'addr';
  return a.buf;
}

/**
 * `cpu, h = dma_alloc_attrs(dev, size, gfp, attrs)`: the back end allocates
 * (dma-direct — dma_direct_alloc, or dma_direct_alloc_no_mapping for
 * DMA_ATTR_NO_KERNEL_MAPPING — dma-iommu, or the device's ops' alloc), then
 * debug_dma_alloc_coherent. A device's own ops, which have no alloc, take
 * the system path (Simplified in hw/device-dma-ops.ts). Behind dma-iommu and
 * arm32's ops NO_KERNEL_MAPPING still allocates and maps the IOVA as they do
 * (iommu_dma_alloc; arm_iommu_alloc_attrs: __iommu_alloc_buffer,
 * __iommu_create_mapping, then "if (attrs & DMA_ATTR_NO_KERNEL_MAPPING)
 * return pages;") and only marks the result unmapped.
 */
export function dmaAllocAttrs(m: Machine, dev: Device, name: string, size: number, gfp: readonly string[], attrs: readonly string[], o: StepOutcome): Buffer | null {
  const noMapping = attrs.includes('DMA_ATTR_NO_KERNEL_MAPPING');
  const be = dmaBackEnd(m, dev);
  let a: DmaAllocated | null;
  const opsAlloc = be !== 'direct' && be !== 'iommu' && be.alloc ? be.alloc : null;
  if (be === 'iommu') a = iommuDmaAllocCoherent(m, dev, name, size, o, gfp);
  else if (opsAlloc) a = opsAlloc(m, dev, name, size, o);
  else if (noMapping) a = directAllocNoMapping(m, dev, name, size, gfp, o);
  else a = directAllocCoherent(m, dev, name, size, o, gfp);
  if (!a) return null;
  const b = allocated(m, dev, a, size, 'coherent', 'DMA_BIDIRECTIONAL', { skipCpuSync: attrs.includes('DMA_ATTR_SKIP_CPU_SYNC') }, o);
  if (noMapping && (be === 'iommu' || opsAlloc)) {
    b.noKernelMapping = true;
    const [fn, file] = be === 'iommu' ? ['iommu_dma_alloc', 'drivers/iommu/dma-iommu.c'] : ['arm_iommu_alloc_attrs', 'arch/arm/mm/dma-mapping.c'];
    o.events.push({ kind: 'note', text: 'no kernel mapping', why: why(fn, 'DMA_ATTR_NO_KERNEL_MAPPING: the pages are allocated and mapped for the device as usual, but the CPU gets no usable mapping; the returned pointer is a cookie for dma_free_attrs and dma_mmap_attrs', file) });
  }
  if (!noMapping && b.uncached && attrs.includes('DMA_ATTR_WRITE_COMBINE')) {
    b.memType = 'wc';
    o.events.push({ kind: 'note', text: 'write-combining alias', why: why('dma_pgprot', 'DMA_ATTR_WRITE_COMBINE on a non-coherent device: the CPU alias is pgprot_writecombine instead of pgprot_dmacoherent (modelled as uncached)') });
  }
  return b;
}

/** dma_alloc_coherent() = dma_alloc_attrs(…, 0). */
export function dmaAllocCoherent(m: Machine, dev: Device, name: string, size: number, o: StepOutcome, gfp: readonly string[] = []): Buffer | null {
  return dmaAllocAttrs(m, dev, name, size, gfp, [], o);
}

/** dma_free_coherent() → dma_free_attrs(): debug_dma_free_coherent first, then the back end. */
export function dmaFreeCoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, o: StepOutcome): void {
  if (cpu) touchBuffer(o, cpu.id);
  report(debugDmaFreeCoherent(m.debug, dev, size, cpuAddr(cpu), addr), o);
  drop(m, dev.name, addr, o);
  const be = dmaBackEnd(m, dev);
  if (be === 'iommu') iommuDmaFreeCoherent(m, dev, size, cpu, addr, o);
  else if (be !== 'direct' && be.free) be.free(m, dev, size, cpu, addr, o);
  else directFreeCoherent(m, dev, cpu, o);
}

/** dma_alloc_noncoherent() → dma_alloc_pages(): dma-direct or dma-iommu (a device's dma_map_ops take the system path), then debug_dma_alloc_pages; the CPU owns the buffer. */
export function dmaAllocNoncoherent(m: Machine, dev: Device, name: string, size: number, dir: DmaDir, o: StepOutcome, gfp: readonly string[] = []): Buffer | null {
  const a = dmaBackEnd(m, dev) === 'iommu' ? iommuDmaAllocNoncoherent(m, dev, name, size, dir, o, gfp) : directAllocNoncoherent(m, dev, name, size, o, gfp);
  // dma_alloc_pages() calls debug_dma_alloc_pages(…, 0): no attrs
  return a ? allocated(m, dev, a, size, 'noncoherent', dir, { skipCpuSync: false }, o) : null;
}

/** dma_free_noncoherent() → dma_free_pages(): debug_dma_free_pages first, then the back end. */
export function dmaFreeNoncoherent(m: Machine, dev: Device, size: number, cpu: Buffer | null, addr: number, dir: DmaDir, o: StepOutcome): void {
  if (cpu) touchBuffer(o, cpu.id);
  report(debugDmaFreePages(m.debug, dev, cpuAddr(cpu), size, dir, addr), o);
  drop(m, dev.name, addr, o);
  if (dmaBackEnd(m, dev) === 'iommu') iommuDmaFreeNoncoherent(m, dev, size, cpu, addr, dir, o);
  else directFreeNoncoherent(m, size, cpu, addr, o);
}

export { DMA_MAPPING_ERROR };
export type { Attrs, DebugType };

