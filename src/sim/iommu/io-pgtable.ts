/**
 * IOMMU page tables — mirrors `drivers/iommu/io-pgtable-arm.c` (ARM LPAE
 * stage 1, `ARM_64_LPAE_S1`) and the page-size splitting of `iommu_map` /
 * `iommu_unmap` in `drivers/iommu/iommu.c`.
 *
 * What it is for: the translation a device's DMA goes through behind a
 * system IOMMU. dma-iommu (and drivers owning UNMANAGED domains) install
 * leaves with `ptMap`, remove them with `ptUnmap`; the IOMMU hardware walks
 * them (`ptWalk`) on an IOTLB miss. The view lists the present entries
 * (`ptEntries`) and highlights the walked path (`levels` of a walk).
 *
 * Kernel behaviour kept:
 * - 4 KiB granule, 9 bits and 512 entries per level, `levels =
 *   DIV_ROUND_UP(ias - 12, 9)` (48-bit IAS: 4 levels, L0..L3; 32-bit: 3 levels
 *   with a 4-entry top table), leaves of 4 KiB (L3 page), 2 MiB (L2 block) and
 *   1 GiB (L1 block): `pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G`
 *   (`arm_lpae_restrict_pgsizes`, `arm_lpae_alloc_pgtable`).
 * - `iommu_map` → `iommu_map_nosync`: iova, pa and size must be aligned to
 *   the smallest page size, else `pr_err("unaligned: iova 0x%lx pa %pa size
 *   0x%zx min_pagesz 0x%x\n")` (iommu.c has `pr_fmt "iommu: "`) and -EINVAL;
 *   then `iommu_pgsize` picks the largest page size allowed by the alignment
 *   of iova|pa and the remaining size, and how many of them fit before the next
 *   larger page size boundary; on error what was mapped is unmapped again.
 * - `arm_lpae_map_pages`: -EINVAL without IOMMU_READ|IOMMU_WRITE from 6.11
 *   (6093cd582f8e); before, 0 with nothing mapped — which on 5.15–6.10, where
 *   `__iommu_map` advances by the bytes `->map_pages` reports (4a77b12deb25,
 *   808035317b22), never ends: the result says `hang` and the machine stops
 *   (step.ts); before 5.15 `->map` was trusted per page size and iommu_map
 *   succeeded with nothing installed. -ERANGE beyond
 *   the IAS/OAS; `__arm_lpae_map` / `arm_lpae_init_pte`: -EEXIST ("We require
 *   an unmap first") when a leaf is already present at or above the level; a
 *   table found where a block is to be installed is unmapped and freed first.
 * - `iommu_unmap` → `__iommu_unmap`: `pr_err("unaligned: iova 0x%lx size
 *   0x%zx min_pagesz 0x%x\n")` and 0 when unaligned (every modelled version
 *   is given 0: 4.4 to at least 4.14 returned -EINVAL, i.e. size_t
 *   0xffffffffffffffea, and 4.19 returns 0, but the commit between them was
 *   not identified, so that era is not modelled; see IOMMU_GATES); pieces chosen by
 *   `iommu_pgsize(iova, iova, …)`; stops at the first hole (WARN_ON(!pte)).
 *   `__arm_lpae_unmap` clears whole tables when the size covers them — and
 *   then flushes their range from the IOTLB at once
 *   (`io_pgtable_tlb_flush_walk`, "Also flush any partial walks"), lazy mode
 *   or not — and, from 6.13 (33729a5fc0ca), refuses to split a block:
 *   `WARN_ONCE("Unmap of a partial large IOPTE is not allowed")`, 0 bytes;
 *   before 6.13 `arm_lpae_split_blk_unmap` split it.
 * - Stage-1 permissions (`arm_lpae_prot_to_pte`): AP_RDONLY only when
 *   IOMMU_READ is set without IOMMU_WRITE. Stage 1 cannot express write-only:
 *   an IOMMU_WRITE-only (DMA_FROM_DEVICE) leaf is readable too; an
 *   IOMMU_READ-only (DMA_TO_DEVICE) leaf is read-only, so a device write faults.
 *
 * - VT-d (x86, `vtd`), the second-level table of drivers/iommu/intel/iommu.c
 *   (intel-iommu.c before 5.8) behind the same iommu_map / iommu_unmap
 *   splitting and the same 4-level, 9-bit geometry: intel_iommu_map sets
 *   DMA_PTE_READ for IOMMU_READ and DMA_PTE_WRITE for IOMMU_WRITE and the
 *   hardware checks both (a write-only leaf faults on a read);
 *   __domain_mapping returns -EINVAL without either (every version: no hang,
 *   no IO_PGTABLE_GATES); a PTE already present at the same level is kept
 *   ("DMA PTE for vPFN … already set", WARN, 0 returned); a superpage
 *   replaces what lies below it (switch_to_super_page); intel_iommu_unmap
 *   rounds each piece up to the page size of the entry at its iova (a
 *   superpage is unmapped whole, never split; a hole is reported unmapped,
 *   no WARN) and returns the rounded size. Beyond the address width:
 *   -EFAULT. Where the driver takes a superpage's memory for a table (a
 *   smaller map or an unaligned unmap inside it) the explorer reports it
 *   and changes nothing.
 *
 * - RISC-V (riscv, `riscv`), the driver's own Sv39 table in
 *   drivers/iommu/riscv/iommu.c (6.13 on, RISCV_IOMMU_GATES.driver), behind
 *   the same iommu_map / iommu_unmap splitting: 3 levels of 9 bits (the
 *   explorer's IOMMU reports Sv39 only: riscv_iommu_alloc_paging_domain takes
 *   va_bits 39, pgsize_bitmap = DMA_BIT_MASK(38) & (4K | 2M | 1G | 512G) =
 *   4K | 2M | 1G). riscv_iommu_map_pages writes _PAGE_READ alone without
 *   IOMMU_WRITE and _PAGE_READ | _PAGE_WRITE (| _PAGE_DIRTY) with it: every
 *   leaf is readable (a prot of neither flag maps read-only, no -EINVAL, no
 *   hang; write-only is read-write). A leaf or table at the target level is
 *   replaced without a word (cmpxchg; a replaced table is freed and the
 *   whole PSCID invalidated, `flushAll`); a smaller page under a 2M/1G leaf:
 *   riscv_iommu_pte_alloc returns NULL, -ENOMEM. riscv_iommu_unmap_pages
 *   clears whole leaves from a leaf's start (a 4K unmap at a 2M leaf's start
 *   unmaps and reports 2M), stops at a hole or inside a leaf ("partial unmap
 *   is not allowed, fail"), returning what it unmapped so far; no table is
 *   ever freed by an unmap. No address check: the index bits wrap. The
 *   hardware walk faults above DMA_BIT_MASK(38) (Sv39 wants bits 63:39 equal
 *   to bit 38).
 *
 * Simplified:
 * - PTEs are stored decoded (kind, output address, IOMMU_* prot flags), not as
 *   64-bit descriptors; AF/SH/nG/ATTRINDX are implied.
 * - Tables are sparse (a Map of table id → table), page-table pages cost no
 *   simulated memory, and empty tables stay until an unmap covering them
 *   frees them (as in the kernel).
 * - No IOTLB gather here: the caller invalidates `[iova, iova + unmapped)`.
 * - WARN_ON without a message (e.g. unmapping a hole) is reported as a note,
 *   not as a fabricated kernel log line.
 */
import type { SimEvent, Why } from '../events.ts';
import { IO_PGTABLE_GATES, kernelFile } from '../kernel-versions.ts';
import { kmsg } from '../kernel-log/catalogue.ts';
import { EEXIST, EFAULT, EINVAL, ENOMEM, ERANGE } from '../errno.ts';
import { hex, hex16 } from '../format.ts';
import { offsetIn } from '../align.ts';

const FILE = 'drivers/iommu/io-pgtable-arm.c';
const IOMMU_FILE = 'drivers/iommu/iommu.c';

import { IOMMU_CACHE, IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_PRIV, IOMMU_READ, IOMMU_WRITE } from './prot.ts';
import type { PtFormat } from './pt-format.ts';
export { IOMMU_CACHE, IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_PRIV, IOMMU_READ, IOMMU_WRITE };


export const SZ_4K = 4096;
export const SZ_2M = 2 * 1024 * 1024;
export const SZ_1G = 1024 * 1024 * 1024;
/** `pgsize_bitmap` for the 4 KiB granule, largest first. */
const PGSIZES = [SZ_1G, SZ_2M, SZ_4K];
const MIN_PAGESZ = SZ_4K;
const PTES_PER_TABLE = 512;
const MAX_LEVELS = 4;

/** Entry kinds. */
export const PTE_NONE = 0;
export const PTE_TABLE = 1;
export const PTE_LEAF = 2;

/** Bytes covered by one entry at level l (`ARM_LPAE_BLOCK_SIZE`): L0 512G, L1 1G, L2 2M, L3 4K. */
const BLOCK = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

export interface PtTable {
  id: number;
  level: number;
  /** PTE_NONE / PTE_TABLE / PTE_LEAF per entry. */
  kind: Uint8Array;
  /** Child table id (table) or output address (leaf). */
  val: Float64Array;
  /** IOMMU_* flags of a leaf. */
  prot: Uint8Array;
  /** Non-empty entries. */
  used: number;
}

export interface IoPgtable {
  /** Domain name used in events. */
  name: string;
  ias: number;
  oas: number;
  levels: number;
  startLevel: number;
  pgdEntries: number;
  tables: Map<number, PtTable>;
  root: number;
  nextId: number;
  /** Leaf PTEs present. */
  leaves: number;
  /** WARN_ONCE state of "Unmap of a partial large IOPTE is not allowed". */
  warnedPartialUnmap: boolean;
  /** Kernel version code: a no-permission map and a partial block unmap behave by version. */
  kernel: number;
  /**
   * The format: ARM LPAE stage 1 ('lpae'), VT-d's second level ('vtd', x86:
   * separate read and write permission bits, __domain_mapping /
   * intel_iommu_unmap's rules, see `vtdMapPages`, `vtdUnmapRange`) or the
   * RISC-V IOMMU driver's Sv39 table ('riscv': `riscvMap`, `riscvUnmapRange`).
   */
  format: PtFormat;
}

export interface IoPgtableOptions {
  name: string;
  /** Input address size in bits (default 48). */
  ias?: number;
  /** Output address size in bits (default 48). */
  oas?: number;
  /** Kernel version code (IO_PGTABLE_GATES); default the newest behaviour. */
  kernel?: number;
  /** The format (default ARM LPAE stage 1); 'riscv' with ias 39 for Sv39. */
  format?: PtFormat;
}

export interface PtMapResult {
  /** 0, -EINVAL, -EEXIST or -ERANGE. */
  ret: number;
  /** Bytes mapped (0 after an error: what was mapped has been unmapped again). */
  mapped: number;
  /** The kernel log line, if any (`iommu: unaligned: …`). */
  log: string | null;
  events: SimEvent[];
  /** __iommu_map would never return (5.15–6.10, no IOMMU_READ|IOMMU_WRITE): IO_PGTABLE_GATES.mapPagesHang. */
  hang?: true;
  /** RISC-V: a table was replaced and freed, so riscv_iommu_map_pages invalidated the whole PSCID (the IOTLB). */
  flushAll?: true;
}

export interface PtUnmapResult {
  /** Bytes unmapped (`iommu_unmap`'s return value). */
  unmapped: number;
  /**
   * Ranges whose whole last-level table was freed: `__arm_lpae_unmap` calls
   * `io_pgtable_tlb_flush_walk()` for them at once, whatever the gather (so
   * lazy mode has no stale interval there).
   */
  walkFlushed: Array<{ iova: number; size: number }>;
  log: string | null;
  events: SimEvent[];
}

export type PtFault = 'translation' | 'permission' | null;

export interface PtWalkResult {
  /** Table index used at each level visited, top level first. */
  levels: number[];
  /** Level of the leaf found (or of the empty entry that faulted). */
  level: number;
  /** Output address for the iova (leaf base + offset), null on a translation fault. */
  phys: number | null;
  /** IOMMU_* flags of the leaf, 0 if none. */
  prot: number;
  /** Size of the leaf (4K / 2M / 1G), 0 if none. */
  pageSize: number;
  fault: PtFault;
  events: SimEvent[];
}

/** Scratch record for `ptLeafAt` (caller-owned, reused to avoid allocation). */
export interface PtLeaf {
  /** Output address of the iova (base + offset). */
  phys: number;
  /** Output address of the leaf's first byte. */
  base: number;
  /** IOVA of the leaf's first byte. */
  iova: number;
  size: number;
  prot: number;
}

export interface PtEntryView {
  level: number;
  /** Table indices from the top level down to this entry. */
  path: number[];
  iova: number;
  size: number;
  phys: number;
  prot: number;
}

// ---------------------------------------------------------------------------
// formatting

/** `%pa` of a 64-bit phys_addr_t: `0x` and 16 hex digits. */
export function formatPa(pa: number): string {
  return `0x${hex16(pa)}`;
}

const protNames: string[] = [];

/** IOMMU_* flags as `READ|WRITE|CACHE…`. */
export function protString(prot: number): string {
  const cached = prot >= 0 && prot < 64 ? protNames[prot] : undefined;
  if (cached !== undefined) return cached;
  const parts: string[] = [];
  if (prot & IOMMU_READ) parts.push('READ');
  if (prot & IOMMU_WRITE) parts.push('WRITE');
  if (prot & IOMMU_CACHE) parts.push('CACHE');
  if (prot & IOMMU_NOEXEC) parts.push('NOEXEC');
  if (prot & IOMMU_MMIO) parts.push('MMIO');
  if (prot & IOMMU_PRIV) parts.push('PRIV');
  const str = parts.length ? parts.join('|') : 'NONE';
  if (prot >= 0 && prot < 64) protNames[prot] = str;
  return str;
}

/**
 * Permission check for a device access to a leaf with `prot`.
 * ARM LPAE stage 1: reads are always allowed (stage 1 has no "no read");
 * writes fault only on AP_RDONLY leaves, i.e. IOMMU_READ without IOMMU_WRITE.
 * VT-d second level (`vtd`): intel_iommu_map turns IOMMU_READ into
 * DMA_PTE_READ (bit 0) and IOMMU_WRITE into DMA_PTE_WRITE (bit 1), and the
 * hardware checks each: a read needs DMA_PTE_READ (else fault reason 6), a
 * write DMA_PTE_WRITE (else reason 5).
 * RISC-V (`riscv`): riscv_iommu_map_pages sets _PAGE_READ on every leaf and
 * _PAGE_WRITE only for IOMMU_WRITE: reads always pass, writes need
 * IOMMU_WRITE (else a write/AMO page fault, cause 15).
 */
export function ptePermits(prot: number, write: boolean, format: PtFormat = 'lpae'): boolean {
  if (format === 'vtd') return (prot & (write ? IOMMU_WRITE : IOMMU_READ)) !== 0;
  // RISC-V: every leaf has _PAGE_READ; _PAGE_WRITE only with IOMMU_WRITE
  if (format === 'riscv') return !write || (prot & IOMMU_WRITE) !== 0;
  if (!write) return true;
  return !((prot & IOMMU_READ) !== 0 && (prot & IOMMU_WRITE) === 0);
}

// ---------------------------------------------------------------------------
// creation

/** A next-level table installed in the empty entry `idx` of `t` (both formats allocate one the same way on the way down). */
function newChildTable(pt: IoPgtable, t: PtTable, idx: number, lvl: number): PtTable {
  const c = newTable(pt, lvl + 1);
  t.kind[idx] = PTE_TABLE;
  t.val[idx] = c.id;
  t.used++;
  return c;
}

function newTable(pt: IoPgtable, level: number): PtTable {
  const n = level === pt.startLevel ? pt.pgdEntries : PTES_PER_TABLE;
  const t: PtTable = {
    id: pt.nextId++,
    level,
    kind: new Uint8Array(n),
    val: new Float64Array(n),
    prot: new Uint8Array(n),
    used: 0,
  };
  pt.tables.set(t.id, t);
  return t;
}

/** `arm_lpae_alloc_pgtable` for ARM_64_LPAE_S1 with a 4 KiB granule. */
export function createIoPgtable(opts: IoPgtableOptions): IoPgtable {
  const ias = Math.min(opts.ias ?? 48, 48);
  const oas = Math.min(opts.oas ?? 48, 48);
  const vaBits = ias - 12;
  const levels = Math.ceil(vaBits / 9);
  const startLevel = MAX_LEVELS - levels;
  const pgdBits = vaBits - 9 * (levels - 1);
  const pt: IoPgtable = {
    name: opts.name,
    ias,
    oas,
    levels,
    startLevel,
    pgdEntries: 2 ** pgdBits,
    tables: new Map(),
    root: 0,
    nextId: 0,
    leaves: 0,
    warnedPartialUnmap: false,
    kernel: opts.kernel ?? Number.MAX_SAFE_INTEGER,
    format: opts.format ?? 'lpae',
  };
  pt.root = newTable(pt, startLevel).id;
  return pt;
}

function lvlIdx(iova: number, level: number, entries: number): number {
  // IOVAs pass 2^32, where `%` is a floating-point runtime call: divide and subtract instead (exact below 2^53)
  const q = Math.floor(iova / BLOCK[level]);
  return q - Math.floor(q / entries) * entries;
}

// ---------------------------------------------------------------------------
// iommu_pgsize

let pgsizeOut = 0;
let countOut = 0;

/**
 * `iommu_pgsize(domain, iova, paddr, size, &count)`: the largest supported
 * page size that iova|paddr alignment and `size` allow, and how many of them
 * to map before the next larger page size could take over. Sets the module
 * scratch `pgsizeOut` / `countOut`.
 */
function pgsizeCalc(iova: number, paddr: number, size: number): void {
  let idx = PGSIZES.length - 1;
  for (let i = 0; i < PGSIZES.length; i++) {
    const s = PGSIZES[i];
    if (s <= size && offsetIn(iova, s) === 0 && offsetIn(paddr, s) === 0) {
      idx = i;
      break;
    }
  }
  const pgsize = PGSIZES[idx];
  pgsizeOut = pgsize;
  if (idx === 0) {
    countOut = Math.floor(size / pgsize);
    return;
  }
  const next = PGSIZES[idx - 1];
  // There's no point trying a bigger page size unless the virtual and
  // physical addresses are similarly offset within the larger page.
  if (offsetIn(iova, next) !== offsetIn(paddr, next)) {
    countOut = Math.floor(size / pgsize);
    return;
  }
  // Offset to the next page size alignment boundary.
  const offset = next - offsetIn(iova, next);
  if (offset + next <= size) size = offset;
  countOut = Math.floor(size / pgsize);
}

/** `iommu_pgsize` as a value, for tests and views. */
export function iommuPgsize(iova: number, paddr: number, size: number): { pgsize: number; count: number } {
  pgsizeCalc(iova, paddr, size);
  return { pgsize: pgsizeOut, count: countOut };
}

// ---------------------------------------------------------------------------
// map

/** Free a table and everything below it (`__arm_lpae_free_pgtable`). */
function freeTable(pt: IoPgtable, id: number): void {
  const t = pt.tables.get(id);
  if (!t) return;
  for (let i = 0; i < t.kind.length; i++) {
    if (t.kind[i] === PTE_TABLE) freeTable(pt, t.val[i]);
    else if (t.kind[i] === PTE_LEAF) pt.leaves--;
  }
  pt.tables.delete(id);
}

function clearEntry(pt: IoPgtable, t: PtTable, i: number): void {
  const k = t.kind[i];
  if (k === PTE_NONE) return;
  if (k === PTE_TABLE) freeTable(pt, t.val[i]);
  else pt.leaves--;
  t.kind[i] = PTE_NONE;
  t.val[i] = 0;
  t.prot[i] = 0;
  t.used--;
}

let mappedOut = 0;

/**
 * `arm_lpae_map_pages(ops, iova, paddr, pgsize, pgcount, prot, gfp, &mapped)`
 * → `__arm_lpae_map` / `arm_lpae_init_pte`. Sets `mappedOut`.
 */
function lpaeMapPages(pt: IoPgtable, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number, events: SimEvent[]): number {
  mappedOut = 0;
  if (iova >= 2 ** pt.ias || paddr + pgsize > 2 ** pt.oas) {
    events.push({ kind: 'note', text: `WARN_ON in arm_lpae_map_pages: iova ${hex(iova)} or pa ${formatPa(paddr)} beyond the ${pt.ias}-bit input / ${pt.oas}-bit output size: -ERANGE`, why: WHY_RANGE });
    return ERANGE;
  }
  if (!(prot & (IOMMU_READ | IOMMU_WRITE))) return EINVAL;
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    const n = t.kind.length;
    const idx = lvlIdx(iova, lvl, n);
    if (pgsize === BLOCK[lvl]) {
      const num = Math.min(pgcount, n - idx);
      // arm_lpae_init_pte: check every slot first
      for (let i = 0; i < num; i++) {
        const k = t.kind[idx + i];
        if (k === PTE_LEAF) {
          events.push({ kind: 'note', text: `arm_lpae_init_pte: a leaf already maps iova ${hex(iova + i * pgsize)} (WARN_ON, "We require an unmap first"): -EEXIST`, why: WHY_EEXIST });
          return EEXIST;
        }
        if (k === PTE_TABLE) clearEntry(pt, t, idx + i); // unmap and free the old table before installing a block
      }
      for (let i = 0; i < num; i++) {
        t.kind[idx + i] = PTE_LEAF;
        t.val[idx + i] = paddr + i * pgsize;
        t.prot[idx + i] = prot;
      }
      t.used += num;
      pt.leaves += num;
      mappedOut = num * pgsize;
      return 0;
    }
    // We can't allocate tables at the final level
    if (lvl >= MAX_LEVELS - 1) return EINVAL;
    const k = t.kind[idx];
    if (k === PTE_NONE) {
      t = newChildTable(pt, t, idx, lvl);
    } else if (k === PTE_LEAF) {
      events.push({ kind: 'note', text: `__arm_lpae_map: a ${sizeName(BLOCK[lvl])} block already maps iova ${hex(iova)} (WARN_ON, "We require an unmap first"): -EEXIST`, why: WHY_EEXIST });
      return EEXIST;
    } else {
      t = pt.tables.get(t.val[idx]) as PtTable;
    }
    lvl++;
  }
}

function sizeName(s: number): string {
  return s === SZ_1G ? '1G' : s === SZ_2M ? '2M' : s === SZ_4K ? '4K' : hex(s);
}

const WHY_MAP: Why = {
  fn: 'iommu_map',
  file: IOMMU_FILE,
  rule: 'Split into the largest page sizes the alignment of iova and pa and the remaining size allow (iommu_pgsize), installed by __arm_lpae_map.',
};
const WHY_UNALIGNED: Why = {
  fn: 'iommu_map',
  file: IOMMU_FILE,
  rule: 'iova, physical address and size must all be aligned to the smallest IOMMU page size.',
};
const WHY_EEXIST: Why = {
  fn: 'arm_lpae_init_pte',
  file: FILE,
  rule: 'A leaf is already present: the page table requires an unmap first (-EEXIST); iommu_map unmaps what it had mapped.',
};
const WHY_RANGE: Why = {
  fn: 'arm_lpae_map_pages',
  file: FILE,
  rule: 'The address does not fit the table\'s input or output address size.',
};
const WHY_NOPROT: Why = {
  fn: 'arm_lpae_map_pages',
  file: FILE,
  rule: 'A mapping with neither IOMMU_READ nor IOMMU_WRITE is refused (-EINVAL).',
};
const WHY_NOPROT_OLD: Why = {
  fn: 'arm_lpae_map',
  file: FILE,
  rule: `Before ${IO_PGTABLE_GATES.mapPagesHang.from} a mapping with neither IOMMU_READ nor IOMMU_WRITE returns 0 and installs nothing, and __iommu_map (which calls ->map per page size and advances by that size) reports success: the caller believes it mapped, and the device faults.`,
};
const HANG_MESSAGE = 'the kernel would hang here: __iommu_map loops forever because arm_lpae_map_pages mapped 0 bytes and returned 0 (no IOMMU_READ or IOMMU_WRITE in prot)';
const WHY_NOPROT_HANG: Why = {
  fn: '__iommu_map',
  file: 'drivers/iommu/iommu.c',
  rule: `From ${IO_PGTABLE_GATES.mapPagesHang.from} (${IO_PGTABLE_GATES.mapPagesHang.commit}: io-pgtable-arm and arm-smmu implement map_pages) __iommu_map advances by the bytes ->map_pages reports. arm_lpae_map_pages returns 0 for a prot without IOMMU_READ|IOMMU_WRITE ("If no access, then nothing to do") with *mapped still 0, so "while (size)" never ends: the calling thread spins in the kernel. Fixed in ${IO_PGTABLE_GATES.noProtEinval.from} by ${IO_PGTABLE_GATES.noProtEinval.commit} ("${IO_PGTABLE_GATES.noProtEinval.subject}"), which returns -EINVAL instead.`,
};
const WHY_SPLIT: Why = {
  fn: 'arm_lpae_split_blk_unmap',
  file: FILE,
  rule: 'Before 6.13 (33729a5fc0ca) unmapping part of a block splits it: a table of next-level leaves replaces the block, minus the unmapped part.',
};
const WHY_UNMAP: Why = {
  fn: 'iommu_unmap',
  file: IOMMU_FILE,
  rule: 'PTEs cleared at once (__arm_lpae_unmap); the IOTLB still holds the old translation until it is invalidated.',
};
const WHY_UNMAP_QUEUED: Why = {
  fn: 'iommu_unmap_fast',
  file: IOMMU_FILE,
  rule: 'PTEs cleared at once; the IOTLB invalidation is deferred to the flush queue (lazy mode), so the old translation can still be used until the flush.',
};
const WHY_UNMAP_HOLE: Why = {
  fn: '__arm_lpae_unmap',
  file: FILE,
  rule: 'Nothing is mapped there: WARN_ON(!pte), iommu_unmap stops at the first hole.',
};
const WHY_PARTIAL: Why = {
  fn: '__arm_lpae_unmap',
  file: FILE,
  rule: 'Unmapping part of a block mapping is refused: a block is never split on unmap (0 bytes unmapped).',
};
const WHY_WALK: Why = {
  fn: '__arm_lpae_iopte_walk',
  file: FILE,
  rule: 'The IOMMU walks the stage-1 LPAE table: 9 bits of the IOVA index each level, down to a 1G/2M block or a 4K page.',
};

/**
 * `iommu_map(domain, iova, paddr, size, prot, gfp)` on this table.
 * Returns 0 or a negative errno, with the kernel's log line for misalignment.
 */
export function ptMap(pt: IoPgtable, iova: number, paddr: number, size: number, prot: number): PtMapResult {
  const events: SimEvent[] = [];
  if (offsetIn(iova, MIN_PAGESZ) !== 0 || offsetIn(paddr, MIN_PAGESZ) !== 0 || offsetIn(size, MIN_PAGESZ) !== 0) {
    const log = kmsg(pt.kernel, 'iommu.unaligned-map', { iova: iova.toString(16), pa: formatPa(paddr).slice(2), size: size.toString(16), min: MIN_PAGESZ.toString(16) });
    events.push({ kind: 'log', level: 'err', id: 'iommu.unaligned-map', text: log });
    events.push({ kind: 'note', text: 'iommu_map refused an unaligned mapping: -EINVAL', why: WHY_UNALIGNED });
    return { ret: EINVAL, mapped: 0, log, events };
  }
  if (pt.format === 'vtd') {
    const r = vtdMap(pt, iova, paddr, size, prot, events);
    vtdFiles(pt, events, 0);
    return r;
  }
  if (pt.format === 'riscv') return riscvMap(pt, iova, paddr, size, prot, events);
  if (!(prot & (IOMMU_READ | IOMMU_WRITE)) && pt.kernel < IO_PGTABLE_GATES.noProtEinval.code) {
    // before 6.11 arm_lpae_map_pages: "If no access, then nothing to do" — return 0
    if (pt.kernel >= IO_PGTABLE_GATES.mapPagesHang.code) {
      // ... with *mapped still 0, and __iommu_map advances by what was mapped: `while (size)` never ends
      events.push({ kind: 'finding', rule: 'iommu-map-hang', id: null, message: HANG_MESSAGE, why: WHY_NOPROT_HANG });
      return { ret: 0, mapped: 0, log: null, events, hang: true };
    }
    events.push({ kind: 'note', text: 'iommu_map with neither IOMMU_READ nor IOMMU_WRITE: nothing mapped, 0 returned', why: WHY_NOPROT_OLD });
    return { ret: 0, mapped: 0, log: null, events };
  }
  const origIova = iova;
  const origPaddr = paddr;
  const origSize = size;
  let ret = 0;
  while (size > 0) {
    pgsizeCalc(iova, paddr, size);
    ret = lpaeMapPages(pt, iova, paddr, pgsizeOut, countOut, prot, events);
    // Some pages may have been mapped, even if an error occurred.
    size -= mappedOut;
    if (ret) break;
    iova += mappedOut;
    paddr += mappedOut;
  }
  if (ret) {
    if (ret === EINVAL && !(prot & (IOMMU_READ | IOMMU_WRITE))) {
      events.push({ kind: 'note', text: 'iommu_map with neither IOMMU_READ nor IOMMU_WRITE: -EINVAL', why: WHY_NOPROT });
    }
    // unroll mapping in case something went wrong
    if (origSize - size > 0) unmapRange(pt, origIova, origSize - size, events);
    return { ret, mapped: 0, log: null, events };
  }
  events.push({ kind: 'iommu_map', domain: pt.name, iova: origIova, phys: origPaddr, size: origSize, prot: protString(prot), why: WHY_MAP });
  return { ret: 0, mapped: origSize, log: null, events };
}

// ---------------------------------------------------------------------------
// unmap

/** `arm_lpae_unmap_pages` → `__arm_lpae_unmap`. Returns bytes unmapped; freed tables go to `walks`. */
function lpaeUnmapPages(pt: IoPgtable, iova: number, pgsize: number, pgcount: number, events: SimEvent[], walks: Array<{ iova: number; size: number }>): number {
  if (iova >= 2 ** pt.ias) return 0; // WARN_ON(iaext)
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    if (lvl === MAX_LEVELS) return 0;
    const n = t.kind.length;
    const idx = lvlIdx(iova, lvl, n);
    const k = t.kind[idx];
    if (k === PTE_NONE) {
      events.push({ kind: 'note', text: `__arm_lpae_unmap: nothing mapped at iova ${hex(iova)} (WARN_ON)`, why: WHY_UNMAP_HOLE });
      return 0;
    }
    if (pgsize === BLOCK[lvl]) {
      const num = Math.min(pgcount, n - idx);
      let i = 0;
      for (; i < num; i++) {
        if (t.kind[idx + i] === PTE_NONE) {
          events.push({ kind: 'note', text: `__arm_lpae_unmap: nothing mapped at iova ${hex(iova + i * pgsize)} (WARN_ON)`, why: WHY_UNMAP_HOLE });
          break;
        }
        // a table here: "Also flush any partial walks" — io_pgtable_tlb_flush_walk for its range, now
        if (t.kind[idx + i] === PTE_TABLE) walks.push({ iova: iova + i * pgsize, size: pgsize });
        clearEntry(pt, t, idx + i);
      }
      return i * pgsize;
    }
    if (k === PTE_LEAF) {
      if (pt.kernel < IO_PGTABLE_GATES.noSplitBlock.code) return splitBlockUnmap(pt, t, idx, lvl, iova, pgsize, pgcount, events, walks);
      if (!pt.warnedPartialUnmap) {
        pt.warnedPartialUnmap = true;
        events.push({ kind: 'log', level: 'warn', id: 'io-pgtable.partial-unmap', text: kmsg(pt.kernel, 'io-pgtable.partial-unmap') });
      }
      events.push({ kind: 'note', text: `__arm_lpae_unmap: iova ${hex(iova)} is inside a ${sizeName(BLOCK[lvl])} block; unmapping ${sizeName(pgsize)} of it is not allowed`, why: WHY_PARTIAL });
      return 0;
    }
    t = pt.tables.get(t.val[idx]) as PtTable;
    lvl++;
  }
}

/**
 * `arm_lpae_split_blk_unmap` (before 6.13): the block at `t[idx]` (level
 * `lvl`) becomes a table of next-level leaves with the block's output address
 * and prot; the entries being unmapped are left out when `pgsize` is the
 * next level's size, otherwise the unmap recurses into the new table (which
 * splits again). Returns the bytes unmapped.
 */
function splitBlockUnmap(pt: IoPgtable, t: PtTable, idx: number, lvl: number, iova: number, pgsize: number, pgcount: number, events: SimEvent[], walks: Array<{ iova: number; size: number }>): number {
  const blkPaddr = t.val[idx]!;
  const prot = t.prot[idx]!;
  const blkIova = iova - (iova % BLOCK[lvl]!);
  const splitSz = BLOCK[lvl + 1]!;
  const child = newTable(pt, lvl + 1);
  let start = -1;
  let num = 0;
  if (pgsize === splitSz) {
    start = lvlIdx(iova, lvl + 1, PTES_PER_TABLE);
    num = Math.min(pgcount, PTES_PER_TABLE - start);
  }
  for (let i = 0; i < PTES_PER_TABLE; i++) {
    if (i >= start && i < start + num) continue;
    child.kind[i] = PTE_LEAF;
    child.val[i] = blkPaddr + i * splitSz;
    child.prot[i] = prot;
    child.used++;
    pt.leaves++;
  }
  // arm_lpae_install_table: the block entry becomes a table entry
  t.kind[idx] = PTE_TABLE;
  t.val[idx] = child.id;
  pt.leaves--;
  events.push({ kind: 'note', text: `${sizeName(BLOCK[lvl]!)} block at iova ${hex(blkIova)} split into ${sizeName(splitSz)} leaves to unmap ${sizeName(pgsize)} of it`, why: WHY_SPLIT });
  if (start >= 0) return num * pgsize;
  return lpaeUnmapPages(pt, iova, pgsize, pgcount, events, walks);
}

/** The `__iommu_unmap` loop without the alignment check. */
function unmapRange(pt: IoPgtable, iova: number, size: number, events: SimEvent[], walks: Array<{ iova: number; size: number }> = []): number {
  let unmapped = 0;
  while (unmapped < size) {
    pgsizeCalc(iova, iova, size - unmapped);
    const u = lpaeUnmapPages(pt, iova, pgsizeOut, countOut, events, walks);
    if (!u) break;
    iova += u;
    unmapped += u;
  }
  return unmapped;
}

/**
 * `iommu_unmap(domain, iova, size)` (or `iommu_unmap_fast` when `queued`:
 * the same PTE clearing, only the event's `queued` flag and explanation
 * differ). Returns the bytes unmapped; the caller invalidates the IOTLB for
 * `[iova, iova + unmapped)` now (strict) or at the next flush (lazy).
 */
export function ptUnmap(pt: IoPgtable, iova: number, size: number, queued = false): PtUnmapResult {
  const events: SimEvent[] = [];
  if (offsetIn(iova, MIN_PAGESZ) !== 0 || offsetIn(size, MIN_PAGESZ) !== 0) {
    const log = kmsg(pt.kernel, 'iommu.unaligned-unmap', { iova: iova.toString(16), size: size.toString(16), min: MIN_PAGESZ.toString(16) });
    events.push({ kind: 'log', level: 'err', id: 'iommu.unaligned-unmap', text: log });
    return { unmapped: 0, log, events, walkFlushed: [] };
  }
  const walkFlushed: Array<{ iova: number; size: number }> = [];
  if (pt.format === 'vtd') {
    const unmapped = vtdUnmapRange(pt, iova, size, events);
    events.push({ kind: 'iommu_unmap', domain: pt.name, iova, size: unmapped, queued, why: queued ? WHY_VTD_UNMAP_QUEUED : WHY_VTD_UNMAP });
    vtdFiles(pt, events, 0);
    return { unmapped, log: null, events, walkFlushed };
  }
  if (pt.format === 'riscv') {
    const unmapped = riscvUnmapRange(pt, iova, size, events);
    events.push({ kind: 'iommu_unmap', domain: pt.name, iova, size: unmapped, queued, why: WHY_RISCV_UNMAP });
    return { unmapped, log: null, events, walkFlushed };
  }
  const unmapped = unmapRange(pt, iova, size, events, walkFlushed);
  events.push({ kind: 'iommu_unmap', domain: pt.name, iova, size: unmapped, queued, why: queued ? WHY_UNMAP_QUEUED : WHY_UNMAP });
  return { unmapped, log: null, events, walkFlushed };
}

// ---------------------------------------------------------------------------
// VT-d second level (x86): drivers/iommu/intel/iommu.c (intel-iommu.c before 5.8)

const VTD_FILE = 'drivers/iommu/intel/iommu.c';

const WHY_VTD_NOPROT: Why = {
  fn: '__domain_mapping',
  file: VTD_FILE,
  rule: 'intel_iommu_map turns IOMMU_READ into DMA_PTE_READ and IOMMU_WRITE into DMA_PTE_WRITE; __domain_mapping refuses a mapping with neither ("(prot & (DMA_PTE_READ|DMA_PTE_WRITE)) == 0"): -EINVAL, nothing mapped. VT-d has none of io-pgtable-arm\'s "nothing to do" success (or the 5.15-6.10 hang that came from it).',
};
const WHY_VTD_MAP: Why = {
  fn: 'intel_iommu_map',
  file: VTD_FILE,
  rule: 'Split into the largest page sizes the alignment of iova and pa and the remaining size allow (iommu_pgsize), installed by __domain_mapping as second-level PTEs: DMA_PTE_READ for IOMMU_READ, DMA_PTE_WRITE for IOMMU_WRITE, each checked by the hardware (a write-only leaf is not readable).',
};
const WHY_VTD_SET: Why = {
  fn: '__domain_mapping',
  file: VTD_FILE,
  rule: 'A PTE is already present: the cmpxchg from 0 fails, the driver prints "DMA PTE for vPFN … already set" and WARNs, and carries on: the old PTE stays and the map still returns 0 (no -EEXIST on VT-d).',
};
const WHY_VTD_SUPER: Why = {
  fn: 'switch_to_super_page',
  file: VTD_FILE,
  rule: 'A superpage is installed where smaller pages or a table were: dma_pte_free_pagetable clears and frees them first, then the superpage PTE is written (no -EEXIST).',
};
const WHY_VTD_ROUND: Why = {
  fn: 'intel_iommu_unmap',
  file: VTD_FILE,
  rule: '"Cope with horrid API which requires us to unmap more than the size argument if it happens to be a large-page mapping": pfn_to_dma_pte finds the level of the entry at the iova, and a size below that level\'s page size is rounded up to it, so the whole superpage is unmapped and its size returned.',
};
const WHY_VTD_HOLE: Why = {
  fn: 'intel_iommu_unmap',
  file: VTD_FILE,
  rule: 'Nothing is mapped there, but VT-d neither WARNs nor stops: pfn_to_dma_pte returns the empty entry, the size is rounded up to its level, domain_unmap clears nothing and the size is returned as unmapped.',
};
const WHY_VTD_DESCENT: Why = {
  fn: 'dma_pte_clear_level',
  file: VTD_FILE,
  rule: 'The iova lies inside a superpage but not at its start: the rounded range does not cover the superpage entry, so dma_pte_clear_level descends into it as if it pointed at a page table, i.e. into the first 4 KiB of the memory the superpage maps, and zeroes the 8-byte words there whose bit 0 or 1 is set. The superpage stays mapped. (The explorer does not write those zeroes: it reports the corruption instead.)',
};

/** VT-d explanations name intel-iommu.c before 5.8 (kernelFile): rewrite those of events[from..]. */
function vtdFiles(pt: IoPgtable, events: SimEvent[], from: number): void {
  const file = kernelFile(pt.kernel, VTD_FILE);
  if (file === VTD_FILE) return;
  for (let i = from; i < events.length; i++) {
    const e = events[i]!;
    if ('why' in e && e.why && e.why.file === VTD_FILE) events[i] = { ...e, why: { ...e.why, file } } as SimEvent;
  }
}

const WHY_VTD_UNMAP: Why = {
  fn: 'iommu_unmap',
  file: IOMMU_FILE,
  rule: 'PTEs cleared at once (intel_iommu_unmap → domain_unmap); the IOTLB still holds the old translation until it is invalidated.',
};
const WHY_VTD_UNMAP_QUEUED: Why = {
  fn: 'iommu_unmap_fast',
  file: IOMMU_FILE,
  rule: 'PTEs cleared at once (intel_iommu_unmap → domain_unmap); the IOTLB invalidation is deferred to the flush queue (lazy mode), so the old translation can still be used until the flush.',
};

/** The 64-bit second-level PTE as the driver prints it: address | DMA_PTE_LARGE_PAGE (bit 7) | DMA_PTE_WRITE | DMA_PTE_READ (no snoop bit: the explorer's choice). */
function vtdPteVal(phys: number, prot: number, large: boolean): string {
  const bits = (prot & IOMMU_READ ? 1 : 0) | (prot & IOMMU_WRITE ? 2 : 0) | (large ? 0x80 : 0);
  return (phys + bits).toString(16);
}

/**
 * `intel_iommu_map` → `__domain_mapping` for one iommu_pgsize piece: walk
 * (allocating tables) to the piece's level and write each PTE. A superpage
 * replaces whatever is below it (switch_to_super_page); a PTE already present
 * at the same level is kept with a pr_crit and a WARN; a smaller page inside
 * an existing superpage: pfn_to_dma_pte walks into the superpage's memory as
 * if it were a table (reported, nothing installed). Returns 0 (the kernel's
 * return value in all three cases).
 */
function vtdMapPages(pt: IoPgtable, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number, events: SimEvent[]): void {
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    const n = t.kind.length;
    const idx = lvlIdx(iova, lvl, n);
    if (pgsize === BLOCK[lvl]) {
      const num = Math.min(pgcount, n - idx);
      const large = pgsize > SZ_4K;
      for (let i = 0; i < num; i++) {
        const k = t.kind[idx + i];
        if (k === PTE_TABLE || (k === PTE_LEAF && large)) {
          events.push({ kind: 'note', text: `${sizeName(pgsize)} superpage at iova ${hex(iova + i * pgsize)} replaces what was mapped there`, why: WHY_VTD_SUPER });
          clearEntry(pt, t, idx + i);
        } else if (k === PTE_LEAF) {
          const text = kmsg(pt.kernel, 'dmar.pte-already-set', { pfn: ((iova + i * pgsize) / SZ_4K).toString(16), old: vtdPteVal(t.val[idx + i]!, t.prot[idx + i]!, false), new: vtdPteVal(paddr + i * pgsize, prot, false) });
          events.push({ kind: 'log', level: 'crit', id: 'dmar.pte-already-set', text });
          events.push({ kind: 'log', level: 'warn', id: 'dmar.pte-already-set-warn', text: kmsg(pt.kernel, 'dmar.pte-already-set-warn', {}) });
          events.push({ kind: 'note', text: `a PTE already maps iova ${hex(iova + i * pgsize)} (WARN_ON(1)): kept, map returns 0`, why: WHY_VTD_SET });
          continue;
        }
        t.kind[idx + i] = PTE_LEAF;
        t.val[idx + i] = paddr + i * pgsize;
        t.prot[idx + i] = prot;
        t.used++;
        pt.leaves++;
      }
      mappedOut = num * pgsize;
      return;
    }
    const k = t.kind[idx];
    if (k === PTE_NONE) {
      t = newChildTable(pt, t, idx, lvl);
    } else if (k === PTE_LEAF) {
      events.push({ kind: 'finding', rule: 'vtd-superpage-descent', id: null, message: `iova ${hex(iova)} lies inside a ${sizeName(BLOCK[lvl]!)} superpage: pfn_to_dma_pte takes the superpage's memory (${formatPa(t.val[idx]!)}) for a page table and __domain_mapping writes PTEs into it; the explorer installs nothing and reports the map as the kernel returns it (0)`, why: { fn: 'pfn_to_dma_pte', file: VTD_FILE, rule: 'pfn_to_dma_pte descends through any present entry above the target level, a superpage included: its output address is used as a table.' } });
      mappedOut = Math.min(pgcount, n) * pgsize;
      return;
    } else {
      t = pt.tables.get(t.val[idx]) as PtTable;
    }
    lvl++;
  }
}

/** `iommu_map` on a VT-d second-level table (see vtdMapPages). */
function vtdMap(pt: IoPgtable, iova: number, paddr: number, size: number, prot: number, events: SimEvent[]): PtMapResult {
  if (!(prot & (IOMMU_READ | IOMMU_WRITE))) {
    events.push({ kind: 'note', text: 'iommu_map with neither IOMMU_READ nor IOMMU_WRITE: -EINVAL', why: WHY_VTD_NOPROT });
    return { ret: EINVAL, mapped: 0, log: null, events };
  }
  if (iova + size > 2 ** pt.ias || paddr + size > 2 ** pt.oas) {
    events.push({ kind: 'note', text: `iova ${hex(iova)} + ${hex(size)} beyond the domain's ${pt.ias}-bit address width: -EFAULT`, why: { fn: 'intel_iommu_map', file: VTD_FILE, rule: 'The iommu width is not sufficient for the mapped address: pr_err and -EFAULT.' } });
    return { ret: EFAULT, mapped: 0, log: null, events };
  }
  const origIova = iova;
  const origPaddr = paddr;
  const origSize = size;
  while (size > 0) {
    pgsizeCalc(iova, paddr, size);
    vtdMapPages(pt, iova, paddr, pgsizeOut, countOut, prot, events);
    size -= mappedOut;
    iova += mappedOut;
    paddr += mappedOut;
  }
  events.push({ kind: 'iommu_map', domain: pt.name, iova: origIova, phys: origPaddr, size: origSize, prot: protString(prot), why: WHY_VTD_MAP });
  return { ret: 0, mapped: origSize, log: null, events };
}

/** Clear every entry of `t` (level `lvl`, first iova `base`) lying wholly inside [start, end); recurse into tables it only partly covers (dma_pte_clear_level). */
function vtdClearLevel(pt: IoPgtable, t: PtTable, lvl: number, base: number, start: number, end: number): void {
  const bs = BLOCK[lvl]!;
  const first = Math.max(0, Math.floor((start - base) / bs));
  for (let i = first; i < t.kind.length; i++) {
    const eb = base + i * bs;
    if (eb >= end) break;
    const k = t.kind[i];
    if (k === PTE_NONE) continue;
    if (eb >= start && eb + bs <= end) clearEntry(pt, t, i);
    else if (k === PTE_TABLE) vtdClearLevel(pt, pt.tables.get(t.val[i]!) as PtTable, lvl + 1, eb, start, end);
  }
}

/**
 * `__iommu_unmap` with VT-d's `intel_iommu_unmap` per piece: the size is
 * rounded up to the page size of the entry found at the iova (a superpage,
 * or the level of a hole), everything wholly inside is cleared, and the
 * rounded size is returned, holes included.
 */
function vtdUnmapRange(pt: IoPgtable, iova: number, size: number, events: SimEvent[]): number {
  let unmapped = 0;
  while (unmapped < size) {
    pgsizeCalc(iova, iova, size - unmapped);
    let piece = pgsizeOut * countOut;
    // pfn_to_dma_pte(…, &level = 0): stop at a superpage or an empty entry
    let t = pt.tables.get(pt.root) as PtTable;
    let lvl = pt.startLevel;
    let kind = PTE_NONE;
    for (;;) {
      const idx = lvlIdx(iova, lvl, t.kind.length);
      kind = t.kind[idx]!;
      if (kind !== PTE_TABLE || lvl === MAX_LEVELS - 1) break;
      t = pt.tables.get(t.val[idx]!) as PtTable;
      lvl++;
    }
    const levelSize = BLOCK[lvl]!;
    if (piece < levelSize) {
      piece = levelSize;
      if (kind === PTE_LEAF) events.push({ kind: 'note', text: `iova ${hex(iova)} is in a ${sizeName(levelSize)} superpage: the unmap is rounded up to ${sizeName(levelSize)}`, why: WHY_VTD_ROUND });
    }
    if (kind === PTE_NONE) {
      events.push({ kind: 'note', text: `nothing mapped at iova ${hex(iova)}: ${hex(piece)} bytes reported unmapped anyway`, why: WHY_VTD_HOLE });
    } else if (kind === PTE_LEAF && offsetIn(iova, levelSize) !== 0) {
      const base = t.val[lvlIdx(iova, lvl, t.kind.length)]!;
      events.push({ kind: 'finding', rule: 'vtd-superpage-descent', id: null, message: `iova ${hex(iova)} is inside a ${sizeName(levelSize)} superpage but not at its start: intel_iommu_unmap reports ${hex(piece)} bytes unmapped, the superpage stays mapped, and dma_pte_clear_level zeroes words of the memory at ${formatPa(base)} that it takes for PTEs`, why: WHY_VTD_DESCENT });
    }
    vtdClearLevel(pt, pt.tables.get(pt.root) as PtTable, pt.startLevel, 0, iova, iova + piece);
    iova += piece;
    unmapped += piece;
  }
  return unmapped;
}

// ---------------------------------------------------------------------------
// RISC-V IOMMU (riscv): drivers/iommu/riscv/iommu.c, 6.13 on

const RISCV_FILE = 'drivers/iommu/riscv/iommu.c';

const WHY_RISCV_MAP: Why = {
  fn: 'riscv_iommu_map_pages',
  file: RISCV_FILE,
  rule: 'Split into the largest page sizes the alignment of iova and pa and the remaining size allow (iommu_pgsize: 4K, 2M, 1G for Sv39), installed by riscv_iommu_pte_alloc / cmpxchg: _PAGE_READ without IOMMU_WRITE, _PAGE_READ | _PAGE_WRITE with it, so every leaf is readable. Whatever was at the slot is replaced.',
};
const WHY_RISCV_NOPROT: Why = {
  fn: 'riscv_iommu_map_pages',
  file: RISCV_FILE,
  rule: '"if (!(prot & IOMMU_WRITE)) pte_prot = _PAGE_BASE | _PAGE_READ": a prot with neither IOMMU_READ nor IOMMU_WRITE is not refused and maps read-only (no -EINVAL as io-pgtable-arm from 6.11 or VT-d, no hang as io-pgtable-arm 5.15-6.10).',
};
const WHY_RISCV_REPLACE: Why = {
  fn: 'riscv_iommu_map_pages',
  file: RISCV_FILE,
  rule: 'The slot already holds a leaf: cmpxchg replaces it and map returns 0 (no -EEXIST, no WARN). riscv_iommu_pte_free does nothing for a leaf and nothing is invalidated, so the IOTLB may keep the old translation until the next invalidation.',
};
const WHY_RISCV_TABLE: Why = {
  fn: 'riscv_iommu_map_pages',
  file: RISCV_FILE,
  rule: 'The slot held a table of smaller mappings: the larger leaf replaces it, riscv_iommu_pte_free frees the table and everything under it, and "the smallest scope we can use to invalidate all levels of page table … is an invalidate-all-PSCID IOTINVAL.VMA": the whole domain\'s IOTLB is invalidated.',
};
const WHY_RISCV_ENOMEM: Why = {
  fn: 'riscv_iommu_pte_alloc',
  file: RISCV_FILE,
  rule: '"we should not be adding new mapping with smaller granularity on top of existing 2M/1G mapping. Fail.": riscv_iommu_pte_alloc returns NULL and riscv_iommu_map_pages returns -ENOMEM; __iommu_map unmaps what it had mapped.',
};
const WHY_RISCV_UNMAP: Why = {
  fn: 'riscv_iommu_unmap_pages',
  file: RISCV_FILE,
  rule: 'Each leaf found from the iova on is cleared whole (riscv_iommu_pte_fetch, cmpxchg to 0) and its size added to the gather; iommu_iotlb_sync then sends IOTINVAL.VMA per 4 KiB page below 2 MiB, one whole-PSCID invalidation from 2 MiB on, and IOFENCE.C. Page-table pages are never freed by an unmap.',
};
const WHY_RISCV_HOLE: Why = {
  fn: 'riscv_iommu_unmap_pages',
  file: RISCV_FILE,
  rule: 'Nothing is mapped there: riscv_iommu_pte_fetch returns NULL and the driver returns what it has unmapped so far (no WARN); __iommu_unmap stops.',
};
const WHY_RISCV_PARTIAL: Why = {
  fn: 'riscv_iommu_unmap_pages',
  file: RISCV_FILE,
  rule: '"partial unmap is not allowed, fail.": the iova lies inside a larger leaf but not at its start, so the driver returns what it has unmapped so far (no WARN, no split); the leaf stays mapped.',
};

/** Walk to the level of `pgsize` for `iova`, allocating tables (riscv_iommu_pte_alloc); null where a larger leaf is in the way. */
function riscvPteAlloc(pt: IoPgtable, iova: number, pgsize: number): { t: PtTable; lvl: number } | { leafLvl: number; leaf: number } {
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    if (pgsize === BLOCK[lvl]) return { t, lvl };
    const idx = lvlIdx(iova, lvl, t.kind.length);
    const k = t.kind[idx];
    if (k === PTE_LEAF) return { leafLvl: lvl, leaf: t.val[idx]! };
    t = k === PTE_NONE ? newChildTable(pt, t, idx, lvl) : (pt.tables.get(t.val[idx]!) as PtTable);
    lvl++;
  }
}

/**
 * `riscv_iommu_map_pages` for one iommu_pgsize piece: each page's slot gets
 * the new leaf whatever it held. Sets `mappedOut`; returns 0 or -ENOMEM.
 */
function riscvMapPages(pt: IoPgtable, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number, events: SimEvent[], flush: { all: boolean }): number {
  mappedOut = 0;
  while (pgcount > 0) {
    const at = riscvPteAlloc(pt, iova, pgsize);
    if ('leaf' in at) {
      events.push({ kind: 'note', text: `a ${sizeName(BLOCK[at.leafLvl]!)} leaf already maps iova ${hex(iova)}: no ${sizeName(pgsize)} page can go under it, -ENOMEM`, why: WHY_RISCV_ENOMEM });
      return ENOMEM;
    }
    const { t, lvl } = at;
    const idx = lvlIdx(iova, lvl, t.kind.length);
    const num = Math.min(pgcount, t.kind.length - idx);
    for (let i = 0; i < num; i++) {
      const k = t.kind[idx + i];
      if (k === PTE_TABLE) {
        events.push({ kind: 'note', text: `the ${sizeName(pgsize)} leaf at iova ${hex(iova + i * pgsize)} replaces a table of smaller mappings: table freed, whole PSCID invalidated`, why: WHY_RISCV_TABLE });
        flush.all = true;
        clearEntry(pt, t, idx + i);
      } else if (k === PTE_LEAF) {
        events.push({ kind: 'note', text: `iova ${hex(iova + i * pgsize)} was mapped to ${formatPa(t.val[idx + i]!)}: replaced by ${formatPa(paddr + i * pgsize)}, map returns 0 (no -EEXIST)`, why: WHY_RISCV_REPLACE });
        clearEntry(pt, t, idx + i);
      }
      t.kind[idx + i] = PTE_LEAF;
      t.val[idx + i] = paddr + i * pgsize;
      t.prot[idx + i] = prot;
      t.used++;
      pt.leaves++;
    }
    mappedOut += num * pgsize;
    iova += num * pgsize;
    paddr += num * pgsize;
    pgcount -= num;
  }
  return 0;
}

/** `iommu_map` on a RISC-V IOMMU table (see riscvMapPages). */
function riscvMap(pt: IoPgtable, iova: number, paddr: number, size: number, prot: number, events: SimEvent[]): PtMapResult {
  if (!(prot & (IOMMU_READ | IOMMU_WRITE))) events.push({ kind: 'note', text: 'iommu_map with neither IOMMU_READ nor IOMMU_WRITE: mapped read-only', why: WHY_RISCV_NOPROT });
  const flush = { all: false };
  const origIova = iova;
  const origPaddr = paddr;
  const origSize = size;
  let ret = 0;
  while (size > 0) {
    pgsizeCalc(iova, paddr, size);
    ret = riscvMapPages(pt, iova, paddr, pgsizeOut, countOut, prot, events, flush);
    size -= mappedOut;
    if (ret) break;
    iova += mappedOut;
    paddr += mappedOut;
  }
  const out: PtMapResult = { ret, mapped: ret ? 0 : origSize, log: null, events };
  if (flush.all) out.flushAll = true;
  if (ret) {
    // __iommu_map: "unroll mapping in case something went wrong" (what a replaced leaf held is gone too)
    if (origSize - size > 0) riscvUnmapRange(pt, origIova, origSize - size, events);
    return out;
  }
  events.push({ kind: 'iommu_map', domain: pt.name, iova: origIova, phys: origPaddr, size: origSize, prot: protString(prot), why: WHY_RISCV_MAP });
  return out;
}

/** The leaf at `iova` (riscv_iommu_pte_fetch): its table, index and level, or null. */
function riscvPteFetch(pt: IoPgtable, iova: number): { t: PtTable; idx: number; lvl: number } | null {
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    const idx = lvlIdx(iova, lvl, t.kind.length);
    const k = t.kind[idx];
    if (k === PTE_LEAF) return { t, idx, lvl };
    if (k === PTE_NONE || lvl === MAX_LEVELS - 1) return null;
    t = pt.tables.get(t.val[idx]!) as PtTable;
    lvl++;
  }
}

/** `riscv_iommu_unmap_pages(iova, pgsize, pgcount)`: bytes unmapped (whole leaves, possibly more than asked). */
function riscvUnmapPages(pt: IoPgtable, iova: number, pgsize: number, pgcount: number, events: SimEvent[]): number {
  const size = pgsize * pgcount;
  let unmapped = 0;
  while (unmapped < size) {
    const f = riscvPteFetch(pt, iova);
    if (!f) {
      events.push({ kind: 'note', text: `nothing mapped at iova ${hex(iova)}: the unmap stops (${hex(unmapped)} bytes unmapped by this call)`, why: WHY_RISCV_HOLE });
      return unmapped;
    }
    const pteSize = BLOCK[f.lvl]!;
    if (offsetIn(iova, pteSize) !== 0) {
      events.push({ kind: 'note', text: `iova ${hex(iova)} is inside a ${sizeName(pteSize)} leaf, not at its start: partial unmap refused (${hex(unmapped)} bytes unmapped by this call)`, why: WHY_RISCV_PARTIAL });
      return unmapped;
    }
    clearEntry(pt, f.t, f.idx);
    iova += pteSize;
    unmapped += pteSize;
  }
  return unmapped;
}

/** The `__iommu_unmap` loop over riscv_iommu_unmap_pages. */
function riscvUnmapRange(pt: IoPgtable, iova: number, size: number, events: SimEvent[]): number {
  let unmapped = 0;
  while (unmapped < size) {
    pgsizeCalc(iova, iova, size - unmapped);
    const u = riscvUnmapPages(pt, iova, pgsizeOut, countOut, events);
    if (!u) break;
    iova += u;
    unmapped += u;
  }
  return unmapped;
}

// ---------------------------------------------------------------------------
// walk / lookup

/**
 * The leaf covering `iova`, written into `out` (no allocation). Returns false
 * when nothing maps it. Used by the IOTLB (staleness) and by
 * `iommu_iova_to_phys` users.
 */
export function ptLeafAt(pt: IoPgtable, iova: number, out: PtLeaf): boolean {
  if (!(iova >= 0 && iova < 2 ** pt.ias)) return false;
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  for (;;) {
    const idx = lvlIdx(iova, lvl, t.kind.length);
    const k = t.kind[idx];
    if (k === PTE_NONE) return false;
    if (k === PTE_LEAF) {
      const size = BLOCK[lvl];
      const off = offsetIn(iova, size);
      out.base = t.val[idx];
      out.phys = out.base + off;
      out.iova = iova - off;
      out.size = size;
      out.prot = t.prot[idx];
      return true;
    }
    t = pt.tables.get(t.val[idx]) as PtTable;
    lvl++;
  }
}

const scratchLeaf: PtLeaf = { phys: 0, base: 0, iova: 0, size: 0, prot: 0 };

/** `iommu_iova_to_phys` → `arm_lpae_iova_to_phys`; -1 when unmapped (the kernel returns 0). */
export function ptIovaToPhys(pt: IoPgtable, iova: number): number {
  return ptLeafAt(pt, iova, scratchLeaf) ? scratchLeaf.phys : -1;
}

/**
 * A hardware table walk for a device access at `iova`: the index used at
 * each level, the output address, and the fault if any (`translation` for an
 * empty entry, `permission` for a write to a read-only leaf when `access` is
 * 'write').
 */
export function ptWalk(pt: IoPgtable, iova: number, access?: 'read' | 'write'): PtWalkResult {
  return ptWalkInto(pt, iova, access, []);
}

/** `ptWalk` appending its event to `events` (which the result carries). */
export function ptWalkInto(pt: IoPgtable, iova: number, access: 'read' | 'write' | undefined, events: SimEvent[]): PtWalkResult {
  const levels: number[] = [];
  let t = pt.tables.get(pt.root) as PtTable;
  let lvl = pt.startLevel;
  let phys: number | null = null;
  let prot = 0;
  let pageSize = 0;
  let fault: PtFault = 'translation';
  // Sv39 hardware: an IOVA whose bits 63:39 do not all equal bit 38 is a page fault, so nothing above DMA_BIT_MASK(38) translates
  if (iova >= 0 && iova < 2 ** (pt.format === 'riscv' ? pt.ias - 1 : pt.ias)) {
    for (;;) {
      const idx = lvlIdx(iova, lvl, t.kind.length);
      levels.push(idx);
      const k = t.kind[idx];
      if (k === PTE_NONE) break;
      if (k === PTE_LEAF) {
        pageSize = BLOCK[lvl];
        phys = t.val[idx] + (iova % pageSize);
        prot = t.prot[idx];
        fault = access !== undefined && !ptePermits(prot, access === 'write', pt.format) ? 'permission' : null;
        break;
      }
      t = pt.tables.get(t.val[idx]) as PtTable;
      lvl++;
    }
  }
  events.push({ kind: 'pt_walk', domain: pt.name, iova, levels, phys, why: WHY_WALK });
  return { levels, level: lvl, phys, prot, pageSize, fault, events };
}

/** Every present leaf, in IOVA order, for the page-table view. */
export function ptEntries(pt: IoPgtable): PtEntryView[] {
  const out: PtEntryView[] = [];
  const path: number[] = [];
  const visit = (t: PtTable, lvl: number, base: number): void => {
    for (let i = 0; i < t.kind.length; i++) {
      const k = t.kind[i];
      if (k === PTE_NONE) continue;
      const iova = base + i * BLOCK[lvl];
      path.push(i);
      if (k === PTE_LEAF) {
        out.push({ level: lvl, path: path.slice(), iova, size: BLOCK[lvl], phys: t.val[i], prot: t.prot[i] });
      } else {
        visit(pt.tables.get(t.val[i]) as PtTable, lvl + 1, iova);
      }
      path.pop();
    }
  };
  visit(pt.tables.get(pt.root) as PtTable, pt.startLevel, 0);
  return out;
}
