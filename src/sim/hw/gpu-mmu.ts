/**
 * A device-internal MMU (a GPU's) — mirrors `drivers/gpu/drm/panfrost/
 * panfrost_mmu.c`: per-context page tables in the `ARM_MALI_LPAE` io-pgtable
 * format (`pgsize_bitmap = SZ_4K | SZ_2M`), filled by `mmu_map_sg` with
 * **DMA addresses** (`sg_dma_address()` of the BO's sg_table, i.e. IOVAs when
 * a system IOMMU sits behind the GPU), and the fault report of
 * `panfrost_mmu_irq_handler_thread`.
 *
 * What it is for: two-stage translation. A GPU access walks the GPU's own
 * tables (stage 1: GPU VA → DMA address); the DMA address then goes through
 * whatever the DMA API set up for the device (stage 2: the system IOMMU, or
 * nothing with dma-direct) via `dmaChunks`. A missing GPU PTE is a GPU MMU
 * fault ("Unhandled Page fault in AS%d at VA 0x%016llX"); a GPU PTE whose
 * DMA address the DMA API already unmapped is the system IOMMU's fault, or,
 * without an IOMMU, silently reaches whatever now owns that memory.
 *
 * Kernel behaviour kept:
 * - `mmu_map_sg` / `get_pgsize(iova | paddr, len, &count)`: a 2 MiB block
 *   when both addresses are 2 MiB-aligned and at least 2 MiB remain (never
 *   past the next 1 GiB boundary), else 4 KiB pages up to the next 2 MiB
 *   boundary; prot `IOMMU_READ | IOMMU_WRITE`. `ops->map_pages` refuses an
 *   already-present entry (-EEXIST).
 * - `panfrost_mmu_unmap`: `ops->unmap_pages` per page size, then a range
 *   flush; the GPU sees no stale translation afterwards
 *   (`panfrost_mmu_flush_range`, `AS_COMMAND_FLUSH_PT`).
 * - `panfrost_mmu_as_get`: the first free address-space slot (`ffz` of
 *   `as_alloc_mask`).
 * - A translation fault (`exception_type & 0xF8 == 0xC0`) on an address
 *   that is not in a heap BO is unhandled (`panfrost_mmu_map_fault_addr`
 *   returns -ENOENT): `dev_err` prints the multi-line report, the AS is
 *   marked faulty and disabled to kill its jobs; the next job re-enables it
 *   (`panfrost_mmu_as_get`).
 * - Access type in the report: 0x2 READ, 0x3 WRITE (`access_type_name`).
 *
 * Simplified:
 * - PTEs are the decoded entries of io-pgtable.ts (48-bit VA and output
 *   addresses, 4 levels); the Mali descriptor bits are implied.
 * - The exception type of a translation fault is `0xC0 + level` with the
 *   LPAE level (0–3) of the empty entry (`TRANSLATION_FAULT_<level>`).
 * - Each VM keeps the AS it got when created (8 slots, `as_present` = 0xff);
 *   no LRU eviction of address spaces, no job scheduling, no heap BOs (so no
 *   fault is ever handled by growing a heap), no GPU TLB (panfrost flushes
 *   after every map and unmap).
 * - GPU VAs are taken as the scenario gives them (panfrost's `drm_mm`
 *   hands out [32 MiB, 4 GiB)); they must be 4 KiB-aligned.
 * - An access is translated through stage 1 completely before any byte
 *   moves: a stage-1 fault transfers nothing. Stage 2 goes piece by piece
 *   (each GPU page), so a write can complete partially before a stage-2 fault.
 */
import { kmsg } from '../kernel-log/catalogue.ts';
import type { SimEvent, Why } from '../events.ts';
import type { StepOutcome } from '../outcome.ts';
import { touchMappingAt } from '../dma/tracking.ts';
import type { Device, Machine } from '../machine.ts';
import { IOMMU_READ, IOMMU_WRITE, SZ_1G, SZ_2M, SZ_4K, createIoPgtable, ptEntries, ptMap, ptUnmap, ptWalkInto, type IoPgtable } from '../iommu/io-pgtable.ts';
import { devRead, devWrite } from './device.ts';
import { EEXIST, EINVAL } from '../errno.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'drivers/gpu/drm/panfrost/panfrost_mmu.c';
const AS_SLOTS = 8;

export interface GpuRange {
  va: number;
  size: number;
  dmaAddr: number;
}

export interface GpuVm {
  id: number;
  name: string;
  dev: string;
  /** Address-space slot the VM runs in (`panfrost_mmu_as_get`). */
  as: number;
  /** The GPU's own page tables: GPU VA → DMA address. */
  pt: IoPgtable;
  /** Ranges mapped with gpu_vm_map, in order, for the view. */
  ranges: GpuRange[];
  /** Unhandled faults so far. */
  faults: number;
  /** The AS was disabled by an unhandled fault and not yet re-enabled. */
  faulty: boolean;
}

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

/** `panfrost_mmu_ctx_create` + `alloc_io_pgtable_ops(ARM_MALI_LPAE, …)`. Throws for a device without an MMU. */
export function gpuVmCreate(m: Machine, dev: Device, name: string, o: StepOutcome): GpuVm | null {
  if (!dev.cfg.mmu) {
    o.error = 'EINVAL';
    observe(o, 'gpu/no-mmu', `'${dev.name}' has no MMU of its own: declare it with device(${dev.name}, mmu=true) to give it GPU page tables`);
    return null;
  }
  const used = new Set(m.gpuVms.filter((v) => v.dev === dev.name).map((v) => v.as));
  let as = 0;
  while (used.has(as) && as < AS_SLOTS - 1) as++;
  const vm: GpuVm = { id: m.gpuVms.length, name, dev: dev.name, as, pt: createIoPgtable({ name: `${dev.name}:${name}`, ias: 48, oas: 48 }), ranges: [], faults: 0, faulty: false };
  m.gpuVms.push(vm);
  o.events.push({ kind: 'note', text: `${dev.name}: GPU VM '${name}' in AS${as}`, why: why('panfrost_mmu_ctx_create', 'a GPU address space with its own ARM_MALI_LPAE page tables (4K/2M pages); its PTEs will hold DMA addresses, not physical ones') });
  return vm;
}

/**
 * `get_pgsize(iova | paddr, size, &count)` of panfrost/panthor. The OR is
 * taken on the low bits only (they decide the alignment), since JavaScript's
 * `|` works on 32 bits.
 */
export function gpuPgsize(iova: number, paddr: number, size: number): { pgsize: number; count: number } {
  const low2m = (iova % SZ_2M) | (paddr % SZ_2M);
  const blk = (SZ_2M - low2m) % SZ_2M;
  if (blk || size < SZ_2M) return { pgsize: SZ_4K, count: Math.floor((blk && blk < size ? blk : size) / SZ_4K) };
  const low1g = (iova % SZ_1G) | (paddr % SZ_1G);
  const g = (SZ_1G - low1g) % SZ_1G || SZ_1G;
  return { pgsize: SZ_2M, count: Math.floor(Math.min(g, size) / SZ_2M) };
}

/** Keep a table operation's log lines and notes; translate its IOMMU map/unmap events into nothing (the caller reports gpu_vm events). */
function keepLogs(events: SimEvent[], o: StepOutcome): void {
  for (const e of events) {
    if (e.kind === 'iommu_map' || e.kind === 'iommu_unmap' || e.kind === 'pt_walk') continue;
    o.events.push(e);
    if (e.kind === 'log') o.warnings.push(e.text);
  }
}

/** `mmu_map_sg` for one DMA segment: returns 0, -EINVAL or -EEXIST. */
export function gpuVmMap(m: Machine, vm: GpuVm, va: number, dmaAddr: number, size: number, o: StepOutcome): number {
  touchMappingAt(m, vm.dev, dmaAddr, o);
  if (va % SZ_4K || dmaAddr % SZ_4K || size % SZ_4K || size <= 0 || va < 0 || dmaAddr < 0) {
    observe(o, 'gpu/unaligned', `GPU mappings are whole 4 KiB pages: va ${hex(va)}, DMA address ${hex(dmaAddr)} and size ${hex(size)} must all be page-aligned (panfrost maps the BO's sg_table, whose DMA segments are page-aligned)`);
    return EINVAL;
  }
  let iova = va;
  let paddr = dmaAddr;
  let left = size;
  while (left > 0) {
    const { pgsize, count } = gpuPgsize(iova, paddr, left);
    // one ops->map_pages call per block (a 2M run is mapped block by block so
    // the table never uses 1 GiB blocks, which ARM_MALI_LPAE does not offer here)
    const n = pgsize === SZ_2M ? 1 : count;
    const r = ptMap(vm.pt, iova, paddr, pgsize * n, IOMMU_READ | IOMMU_WRITE);
    keepLogs(r.events, o);
    if (r.ret) {
      if (size - left > 0) keepLogs(ptUnmap(vm.pt, va, size - left).events, o);
      observe(o, 'gpu/map-refused', r.ret === EEXIST ? `GPU VA ${hex(iova)} is already mapped in '${vm.name}': io-pgtable refuses to overwrite a present PTE (unmap first)` : `io-pgtable refused the mapping (${r.ret})`);
      return r.ret;
    }
    iova += pgsize * n;
    paddr += pgsize * n;
    left -= pgsize * n;
  }
  vm.ranges.push({ va, size, dmaAddr });
  o.events.push({ kind: 'gpu_vm', vm: vm.name, op: 'map', va, size, dmaAddr, as: vm.as, why: why('mmu_map_sg', `GPU PTEs for [${hex(va)}, ${hex(va + size)}) now hold the DMA address ${hex(dmaAddr)} (what the DMA API returned for ${vm.dev}: an IOVA behind an IOMMU, the physical address with dma-direct); 2M blocks where GPU VA and DMA address are both 2M-aligned, 4K pages elsewhere; then AS_COMMAND_FLUSH_PT`) });
  return 0;
}

/** `panfrost_mmu_unmap`: returns the bytes unmapped. */
export function gpuVmUnmap(m: Machine, vm: GpuVm, va: number, size: number, o: StepOutcome): number {
  void m;
  const r = ptUnmap(vm.pt, va, size);
  keepLogs(r.events, o);
  vm.ranges = vm.ranges.flatMap((g) => {
    const end = g.va + g.size;
    if (end <= va || g.va >= va + size) return [g];
    const out: GpuRange[] = [];
    if (g.va < va) out.push({ va: g.va, size: va - g.va, dmaAddr: g.dmaAddr });
    if (end > va + size) out.push({ va: va + size, size: end - (va + size), dmaAddr: g.dmaAddr + (va + size - g.va) });
    return out;
  });
  o.events.push({ kind: 'gpu_vm', vm: vm.name, op: 'unmap', va, size: r.unmapped, as: vm.as, why: why('panfrost_mmu_unmap', `the GPU PTEs are cleared and the range flushed (AS_COMMAND_FLUSH_PT): the GPU can no longer reach [${hex(va)}, ${hex(va + r.unmapped)})`) });
  if (r.unmapped < size) observe(o, 'gpu/partial-unmap', `only ${hex(r.unmapped)} of ${hex(size)} bytes were mapped at ${hex(va)}`);
  return r.unmapped;
}

interface Piece {
  dma: number;
  len: number;
  at: number;
}

const ACCESS = { read: { code: 0x2, name: 'READ' }, write: { code: 0x3, name: 'WRITE' } } as const;

/** The `dev_err` report of `panfrost_mmu_irq_handler_thread` for an unhandled translation fault. */
export function gpuFaultLines(dev: string, as: number, va: number, level: number, write: boolean): string[] {
  const exc = 0xc0 + level;
  const acc = write ? ACCESS.write : ACCESS.read;
  const status = exc | (acc.code << 8);
  // one dev_err of seven lines; panfrost's wording is the same in every modelled version
  return [
    kmsg(
      0,
      'panfrost.page-fault',
      {
        as,
        va: va.toString(16).toUpperCase().padStart(16, '0'),
        reason: 'TODO',
        status: status.toString(16).toUpperCase(),
        decoded: 'SLAVE FAULT',
        exc: exc.toString(16).toUpperCase(),
        excName: `TRANSLATION_FAULT_${level}`,
        acc: acc.code.toString(16).toUpperCase(),
        accName: acc.name,
        source: 0,
      },
      { driver: 'panfrost', device: dev },
    ),
  ];
}

/** Stage 1: GPU VA → DMA address pieces, or null after reporting a GPU MMU fault. */
function stage1(vm: GpuVm, va: number, len: number, write: boolean, o: StepOutcome): Piece[] | null {
  if (vm.faulty) {
    vm.faulty = false;
    o.events.push({ kind: 'note', text: `AS${vm.as} re-enabled`, why: why('panfrost_mmu_as_get', 'the AS was disabled by the last unhandled fault; the next job on it re-enables it (interrupts cleared and unmasked, panfrost_mmu_enable)') });
  }
  const pieces: Piece[] = [];
  let done = 0;
  while (done < len) {
    const at = va + done;
    const ev: SimEvent[] = [];
    const w = ptWalkInto(vm.pt, at, write ? 'write' : 'read', ev);
    if (w.phys === null) {
      vm.faults++;
      vm.faulty = true;
      const lines = gpuFaultLines(vm.dev, vm.as, at, w.level, write);
      for (const text of lines) {
        o.warnings.push(text);
        o.events.push({ kind: 'log', level: 'err', id: 'panfrost.page-fault', text });
      }
      o.events.push({ kind: 'gpu_vm', vm: vm.name, op: 'fault', va: at, size: len - done, as: vm.as, levels: w.levels, stage: 'gpu-mmu', write, why: why('panfrost_mmu_irq_handler_thread', `stage 1: no GPU PTE for VA ${hex(at)} (the walk stopped at level ${w.level}). This is the GPU's own MMU faulting, not the system IOMMU: the driver never mapped this GPU VA. Not a heap BO, so the fault is unhandled and AS${vm.as} is disabled to kill its jobs`) });
      o.error = 'FAULT';
      return null;
    }
    const n = Math.min(len - done, w.pageSize - (at % w.pageSize));
    pieces.push({ dma: w.phys, len: n, at: done });
    o.events.push({ kind: 'gpu_vm', vm: vm.name, op: 'walk', va: at, size: n, dmaAddr: w.phys, as: vm.as, levels: w.levels, why: why('panfrost_mmu', `stage 1: the GPU's table walk maps VA ${hex(at)} to DMA address ${hex(w.phys)} (a ${w.pageSize === SZ_2M ? '2M block' : '4K page'}); stage 2 is the DMA address's own translation`, FILE) });
    done += n;
  }
  return pieces;
}

function stage2Fault(vm: GpuVm, va: number, p: Piece, write: boolean, o: StepOutcome): void {
  o.events.push({ kind: 'gpu_vm', vm: vm.name, op: 'fault', va: va + p.at, size: p.len, dmaAddr: p.dma, as: vm.as, stage: 'iommu', write, why: why('panfrost_mmu', `stage 2: the GPU PTE for VA ${hex(va + p.at)} is present and holds DMA address ${hex(p.dma)}, but that address no longer translates: the fault is the system IOMMU's (or the bus's), not the GPU MMU's`) });
  observe(o, 'gpu/stage2-fault', `stage 2 fault: GPU VA ${hex(va + p.at)} → DMA address ${hex(p.dma)} (stage 1 succeeded); the DMA address is not mapped for ${vm.dev} any more, so the system IOMMU rejects it`);
}

/** `gpu_read(vm, va, len)`: both stages; the bytes, or null with o.error = FAULT. */
export function gpuRead(m: Machine, vm: GpuVm, va: number, len: number, o: StepOutcome, nosnoop?: boolean): Uint8Array | null {
  const dev = m.devices[vm.dev]!;
  const pieces = stage1(vm, va, len, false, o);
  if (!pieces) return null;
  const out = new Uint8Array(len);
  for (const p of pieces) {
    const got = devRead(m, dev, p.dma, p.len, o, nosnoop);
    if (!got) {
      stage2Fault(vm, va, p, false, o);
      o.data = null;
      return null;
    }
    out.set(got, p.at);
  }
  o.data = out;
  return out;
}

/** `gpu_write(vm, va, bytes)`: both stages; false with o.error = FAULT. */
export function gpuWrite(m: Machine, vm: GpuVm, va: number, data: Uint8Array, o: StepOutcome, nosnoop?: boolean): boolean {
  const dev = m.devices[vm.dev]!;
  const pieces = stage1(vm, va, data.length, true, o);
  if (!pieces) return false;
  for (const p of pieces) {
    devWrite(m, dev, p.dma, data.subarray(p.at, p.at + p.len), o, nosnoop);
    if (o.error === 'FAULT') {
      stage2Fault(vm, va, p, true, o);
      return false;
    }
  }
  return true;
}

/** The GPU MMU view of one VM (a plain projection for snapshots; reads only). */
export interface GpuVmView {
  name: string;
  dev: string;
  as: number;
  faults: number;
  faulty: boolean;
  ranges: GpuRange[];
  /** Every present GPU PTE: GPU VA → DMA address, with its size (4K page or 2M block). */
  ptes: Array<{ va: number; size: number; dmaAddr: number; level: number }>;
}

export function gpuVmViews(m: Machine): GpuVmView[] {
  return m.gpuVms.map((vm) => ({
    name: vm.name,
    dev: vm.dev,
    as: vm.as,
    faults: vm.faults,
    faulty: vm.faulty,
    ranges: vm.ranges.map((r) => ({ ...r })),
    ptes: ptEntries(vm.pt).map((e) => ({ va: e.iova, size: e.size, dmaAddr: e.phys, level: e.level })),
  }));
}
