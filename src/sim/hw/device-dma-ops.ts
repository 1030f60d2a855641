/**
 * A device-internal IOMMU behind the DMA API — the PROPOSAL of thread 001
 * ("[RFC PATCH 1/5] base: dma-mapping: Export commonly used symbols",
 * July 2017), never merged: Tomasz Figa's camera (an x86 PCI device with its
 * own MMU, needing cache maintenance) would install per-device `dma_map_ops`
 * that map buffers into the camera's MMU and do the cache maintenance, so
 * that videobuf2 "just works" through `dma_map_sg()`.
 *
 * `device(cam, mmu=true, dma_ops=own)` models those ops: `dma_map_single`,
 * `dma_map_page` and `dma_map_sg` of the device return addresses in the
 * device's OWN address space — allocated top-down below 4 GiB (as the IPU3
 * driver that was merged later allocates its MMU's IOVAs with iova.c below
 * the 32-bit aperture end) and mapped in its internal page table to the
 * buffer's physical pages — after cleaning and invalidating the CPU cache
 * (x86 `clflush_cache_range`; the arch's maintenance elsewhere); unmap and
 * sync_for_cpu invalidate again. The device's own DMA translates through that
 * MMU (its accesses do not snoop: that is why the ops flush).
 *
 * Why it was rejected: a dma_addr_t is a bus address, meaningful to every
 * device on that bus; these are meaningful only inside the camera. Handed to
 * any other device (another block of the pipeline, a display, through
 * dma-buf or a driver that shares sg_dma_address) the number points at
 * unrelated physical memory, or faults behind that device's IOMMU — "the DMA
 * API shouldn't give you the device internal address". Arnd Bergmann's
 * alternative is what the explorer's `gpu_vm_*` do: map with the system
 * DMA API (`dma_ops=system`, the default) and program the device's MMU in
 * the driver with the addresses it got.
 *
 * Simplified:
 * - The internal address space is one VM (shown with the GPU VMs as
 *   `DEV:dma_ops`) with io-pgtable's 4 KiB leaves; no internal TLB.
 * - A device with dma_ops=own sits behind no system IOMMU (validated), so
 *   its MMU's output addresses are physical.
 * - dma_alloc_coherent and dma_alloc_noncoherent are not routed through the
 *   own ops (they take the system path).
 * - The device never snoops the CPU cache (set coherent=true to say it does).
 */
import type { DmaDir, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import type { Device, Machine, SgTable } from '../machine.ts';
import type { MaintPlan } from '../arch/arch.ts';
import type { GpuVm } from './gpu-mmu.ts';
import { PAGE_SIZE } from './memory.ts';
import { runMaintenance } from '../arch/cache-maint.ts';
import { syncForCpuArch, syncForDeviceArch } from '../dma/direct.ts';
import { DMA_MAPPING_ERROR, type DmaMapOps } from '../dma/map-ops.ts';
import { IOMMU_READ, IOMMU_WRITE, createIoPgtable, ptIovaToPhys, ptMap, ptUnmap } from '../iommu/io-pgtable.ts';
import { apiFile } from '../kernel-versions.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

/** The label every event of these ops carries. */
export const OWN_OPS_PROPOSAL = 'PROPOSAL, never merged: thread 001 ("Export commonly used symbols", July 2017) — the camera\'s internal MMU hidden behind its own dma_map_ops';
const FILE = 'drivers/media/pci/intel/ipu3 (RFC: per-device dma_map_ops)';
/** The internal aperture: 32 bits, allocated top-down. */
const APERTURE_END = 2 ** 32;

export interface OwnDmaOps {
  dev: string;
  /** Index of the internal VM in m.gpuVms. */
  vm: number;
  /** Allocated internal ranges, for the allocator and for spotting a leaked address. */
  ranges: Array<{ va: number; size: number }>;
}

function why(fn: string, rule: string): Why {
  return { fn, file: FILE, rule: `${OWN_OPS_PROPOSAL}: ${rule}` };
}

/** The device's own ops, created at first use (the VM joins m.gpuVms so the GPU MMU view shows it). */
export function ownDmaOps(m: Machine, dev: Device): OwnDmaOps | null {
  if (dev.cfg.dmaOps !== 'own') return null;
  const found = m.ownDmaOps.find((x) => x.dev === dev.name);
  if (found) return found;
  const vm: GpuVm = { id: m.gpuVms.length, name: 'dma_ops', dev: dev.name, as: 0, pt: createIoPgtable({ name: `${dev.name}:dma_ops`, ias: 48, oas: 48 }), ranges: [], faults: 0, faulty: false };
  m.gpuVms.push(vm);
  const ops: OwnDmaOps = { dev: dev.name, vm: vm.id, ranges: [] };
  m.ownDmaOps.push(ops);
  return ops;
}

/** x86 has no DMA cache maintenance in the kernel: the ops would clflush themselves. */
function flushPlan(fn: string, rule: string): MaintPlan {
  return { op: 'clean_inval', edges: 'same', instr: 'clflush_cache_range: clflushopt on every line, then mfence', why: why(fn, rule) };
}

function toDevice(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, o: StepOutcome): void {
  if (dev.coherent) return;
  if (m.arch === 'x86') runMaintenance(m, phys, size, flushPlan('own_dma_map', 'the device does not snoop, so the ops write back and invalidate the CPU cache over the buffer before the device reads it'), o);
  else syncForDeviceArch(m, phys, size, dir, o);
}

function toCpu(m: Machine, dev: Device, phys: number, size: number, dir: DmaDir, o: StepOutcome): void {
  if (dev.coherent || dir === 'DMA_TO_DEVICE') return;
  if (m.arch === 'x86') runMaintenance(m, phys, size, flushPlan('own_dma_unmap', 'the device wrote RAM behind the cache: the ops flush the lines so the CPU reads what it wrote'), o);
  else syncForCpuArch(m, phys, size, dir, o);
}

/** Top-down first fit below the 32-bit aperture end, page granular. */
function allocVa(ops: OwnDmaOps, size: number): number {
  const sorted = [...ops.ranges].sort((a, b) => b.va - a.va);
  let top = APERTURE_END;
  for (const r of sorted) {
    if (top - (r.va + r.size) >= size) break;
    top = r.va;
  }
  const va = top - size;
  if (va < PAGE_SIZE) return DMA_MAPPING_ERROR;
  ops.ranges.push({ va, size });
  return va;
}

function vmOf(m: Machine, ops: OwnDmaOps): GpuVm {
  return m.gpuVms[ops.vm]!;
}

/** The own ops' map: cache maintenance, an internal address, the device's MMU programmed. */
export function ownDmaMapPhys(m: Machine, dev: Device, ops: OwnDmaOps, phys: number, size: number, dir: DmaDir, skipCpuSync: boolean, o: StepOutcome): number {
  if (!skipCpuSync) toDevice(m, dev, phys, size, dir, o);
  const offset = phys % PAGE_SIZE;
  const len = Math.ceil((offset + size) / PAGE_SIZE) * PAGE_SIZE;
  const va = allocVa(ops, len);
  if (va === DMA_MAPPING_ERROR) return va;
  const vm = vmOf(m, ops);
  const prot = dir === 'DMA_TO_DEVICE' ? IOMMU_READ : dir === 'DMA_FROM_DEVICE' ? IOMMU_WRITE : IOMMU_READ | IOMMU_WRITE;
  ptMap(vm.pt, va, phys - offset, len, prot);
  vm.ranges.push({ va, size: len, dmaAddr: phys - offset });
  o.events.push({ kind: 'gpu_vm', vm: `${dev.name}:dma_ops`, op: 'map', va, size: len, dmaAddr: phys - offset, why: why('own_dma_map_page', `the ops allocate ${hex(va)} in ${dev.name}'s own address space (top-down below 4 GiB) and write its MMU's page table: the "DMA address" returned is ${dev.name}-internal, not a bus address`) });
  return va + offset;
}

function rangeAt(ops: OwnDmaOps, addr: number): { va: number; size: number } | undefined {
  return ops.ranges.find((r) => addr >= r.va && addr < r.va + r.size);
}

export function ownDmaUnmap(m: Machine, dev: Device, ops: OwnDmaOps, addr: number, size: number, dir: DmaDir, skipCpuSync: boolean, o: StepOutcome): void {
  const r = rangeAt(ops, addr);
  if (!r) return;
  const vm = vmOf(m, ops);
  const phys = ptIovaToPhys(vm.pt, addr);
  if (!skipCpuSync && phys >= 0) toCpu(m, dev, phys, size, dir, o);
  ptUnmap(vm.pt, r.va, r.size);
  vm.ranges = vm.ranges.filter((x) => x.va !== r.va);
  ops.ranges = ops.ranges.filter((x) => x !== r);
  o.events.push({ kind: 'gpu_vm', vm: `${dev.name}:dma_ops`, op: 'unmap', va: r.va, size: r.size, why: why('own_dma_unmap_page', `the ops clear ${dev.name}'s MMU entries and free the internal range`) });
}

export function ownDmaSync(m: Machine, dev: Device, ops: OwnDmaOps, addr: number, size: number, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  const phys = ptIovaToPhys(vmOf(m, ops).pt, addr);
  if (phys < 0) return;
  if (forCpu) toCpu(m, dev, phys, size, dir, o);
  else toDevice(m, dev, phys, size, dir, o);
}

/** map_sg: one internal range for the whole list, entries packed page by page: one segment when every inner boundary is page aligned. */
export function ownDmaMapSg(m: Machine, dev: Device, ops: OwnDmaOps, sgt: SgTable, dir: DmaDir, skipCpuSync: boolean, addrs: number[], o: StepOutcome): number {
  const es = sgt.entries;
  const pages = es.reduce((n, e) => n + Math.ceil(((e.phys % PAGE_SIZE) + e.length) / PAGE_SIZE), 0);
  const base = allocVa(ops, pages * PAGE_SIZE);
  if (base === DMA_MAPPING_ERROR) return 0;
  const vm = vmOf(m, ops);
  let va = base;
  let segs = 0;
  let prevEnd = -1;
  es.forEach((e, i) => {
    if (!skipCpuSync) toDevice(m, dev, e.phys, e.length, dir, o);
    const off = e.phys % PAGE_SIZE;
    const len = Math.ceil((off + e.length) / PAGE_SIZE) * PAGE_SIZE;
    ptMap(vm.pt, va, e.phys - off, len, IOMMU_READ | IOMMU_WRITE);
    vm.ranges.push({ va, size: len, dmaAddr: e.phys - off });
    addrs[i] = va + off;
    if (prevEnd !== va + off) {
      es[segs]!.dmaAddress = va + off;
      es[segs]!.dmaLength = 0;
      segs++;
    }
    es[segs - 1]!.dmaLength += e.length;
    prevEnd = va + off + e.length;
    va += len;
  });
  for (let k = segs; k < es.length; k++) {
    es[k]!.dmaAddress = DMA_MAPPING_ERROR;
    es[k]!.dmaLength = 0;
  }
  o.events.push({ kind: 'gpu_vm', vm: `${dev.name}:dma_ops`, op: 'map', va: base, size: pages * PAGE_SIZE, why: why('own_dma_map_sg', `the whole list gets one range of ${dev.name}'s own address space: ${segs} segment(s), internal addresses`) });
  return segs;
}

export function ownDmaUnmapSg(m: Machine, dev: Device, ops: OwnDmaOps, sgt: SgTable, addrs: number[], dir: DmaDir, skipCpuSync: boolean, o: StepOutcome): void {
  const first = addrs[0];
  const r = first === undefined ? undefined : rangeAt(ops, first);
  sgt.entries.forEach((e) => {
    if (!skipCpuSync) toCpu(m, dev, e.phys, e.length, dir, o);
  });
  if (!r) return;
  const vm = vmOf(m, ops);
  ptUnmap(vm.pt, r.va, r.size);
  vm.ranges = vm.ranges.filter((x) => x.va < r.va || x.va >= r.va + r.size);
  ops.ranges = ops.ranges.filter((x) => x !== r);
  o.events.push({ kind: 'gpu_vm', vm: `${dev.name}:dma_ops`, op: 'unmap', va: r.va, size: r.size, why: why('own_dma_unmap_sg', `the list's range leaves ${dev.name}'s MMU`) });
}

export function ownDmaSyncSg(m: Machine, dev: Device, sgt: SgTable, dir: DmaDir, forCpu: boolean, o: StepOutcome): void {
  for (const e of sgt.entries) {
    if (forCpu) toCpu(m, dev, e.phys, e.length, dir, o);
    else toDevice(m, dev, e.phys, e.length, dir, o);
  }
}

// ---------------------------------------------------------------------------
// the ops as the front door calls them

/** The device's own ops (created at first use). */
function own(m: Machine, dev: Device): OwnDmaOps {
  return ownDmaOps(m, dev)!;
}

/** The proposal's per-device `struct dma_map_ops`; no alloc/free (Simplified, above). */
export const OWN_DMA_OPS: DmaMapOps = {
  mapRule: "PROPOSAL, never merged (thread 001): the device's own dma_map_ops flushed the CPU cache and mapped the buffer in the device's internal MMU; the address returned means something only to this device",
  mapPhys: (m, dev, phys, size, dir, attrs, o) => ({ addr: ownDmaMapPhys(m, dev, own(m, dev), phys, size, dir, attrs.skipCpuSync, o), bounced: -1 }),
  unmapPhys: (m, dev, addr, size, dir, attrs, o) => ownDmaUnmap(m, dev, own(m, dev), addr, size, dir, attrs.skipCpuSync, o),
  syncSingle: (m, dev, addr, size, dir, forCpu, o) => ownDmaSync(m, dev, own(m, dev), addr, size, dir, forCpu, o),
  mapSg(m, dev, sgt, dir, attrs, o) {
    const addrs: number[] = [];
    const n = ownDmaMapSg(m, dev, own(m, dev), sgt, dir, attrs.skipCpuSync, addrs, o);
    if (!n) return { ok: false, why: why('own_dma_map_sg', `no room left in ${dev.name}'s own address space: dma_map_sg returns 0`) };
    m.iommu.sg[sgt.id] = { dev: dev.name, swiotlb: false, addrs, tlb: addrs.map(() => -1) };
    return { ok: true, nents: n, entries: addrs.map((addr) => ({ addr, bounced: -1 })), why: { fn: 'dma_map_sg_attrs', file: apiFile(m.kernel, 'dma_map_sg_attrs'), rule: OWN_DMA_OPS.mapRule } };
  },
  unmapSg(m, dev, sgt, dir, attrs, o) {
    ownDmaUnmapSg(m, dev, own(m, dev), sgt, m.iommu.sg[sgt.id]?.addrs ?? [], dir, attrs.skipCpuSync, o);
    delete m.iommu.sg[sgt.id];
  },
  syncSg: ownDmaSyncSg,
};

// ---------------------------------------------------------------------------
// the device side

/**
 * A device with its own ops translates every access through its internal
 * MMU: the physical chunks, or null (o.error = 'FAULT') at an unmapped page.
 */
export function ownDmaTranslate(m: Machine, dev: Device, ops: OwnDmaOps, addr: number, len: number, o: StepOutcome): Array<{ phys: number; len: number; at: number }> | null {
  const pt = vmOf(m, ops).pt;
  const out: Array<{ phys: number; len: number; at: number }> = [];
  for (let at = 0; at < len; ) {
    const va = addr + at;
    const n = Math.min(len - at, PAGE_SIZE - (va % PAGE_SIZE));
    const phys = ptIovaToPhys(pt, va);
    if (phys < 0) {
      o.error = 'FAULT';
      observe(o, 'dev/own-mmu-fault', `${dev.name}'s own MMU has nothing at ${hex(va)}: the access faults inside the device`);
      o.events.push({ kind: 'gpu_vm', vm: `${dev.name}:dma_ops`, op: 'fault', va, size: n, stage: 'gpu-mmu', why: why('own MMU', `${dev.name} translates every DMA address through its internal MMU`) });
      return null;
    }
    const last = out[out.length - 1];
    if (last && last.phys + last.len === phys) last.len += n;
    else out.push({ phys, len: n, at });
    at += n;
  }
  return out;
}

/**
 * Another device using an address that some device's own ops handed out:
 * the number is that device's internal address, so on the bus it means
 * whatever physical memory (or IOVA) happens to sit there. An observation,
 * the point of the thread.
 */
export function foreignInternalAddress(m: Machine, dev: Device, addr: number, o: StepOutcome): void {
  for (const ops of m.ownDmaOps) {
    if (ops.dev === dev.name || !rangeAt(ops, addr)) continue;
    observe(o, 'dev/foreign-address',
      `${hex(addr)} is an address in ${ops.dev}'s own MMU space (its dma_ops=own handed it out), not a bus address: to ${dev.name} it means ${dev.cfg.iommu ? `an IOVA of its own IOMMU domain` : `physical memory at ${hex(addr)}`}, unrelated to the buffer — "the DMA API shouldn't give you the device internal address" (thread 001)`,
    );
    o.events.push({ kind: 'note', text: 'a device-internal address on the bus', why: why('dma_map_sg', `${ops.dev}'s ops returned an address only ${ops.dev}'s MMU can translate; ${dev.name} cannot`) });
  }
}
