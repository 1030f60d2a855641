/**
 * Layout for the CMA view: the area's pages as a grid (allocated by CMA,
 * free, lent to movable allocations, pinned), and this step's CMA events as
 * marks on it: migrations (from → to), busy candidate ranges, the range an
 * allocation took or released, the failure. Pure functions over the
 * snapshot's CmaView and the step's events (types only).
 */
import type { CmaView } from '../../sim/dma/contiguous-ops.ts';
import type { SimEvent } from '../../sim/events.ts';

export const PAGE = 4096;

/** Page states, in drawing priority (a cell of several pages shows the highest). */
export const FREE = 0;
export const BORROWED = 1;
export const ALLOCATED = 2;

export interface CmaPages {
  base: number;
  pages: number;
  /** Per page: FREE, BORROWED (a movable page lives there) or ALLOCATED (bitmap bit set). */
  state: Uint8Array;
  /** Per page: short-term pin count. */
  pins: Uint16Array;
  /** Per page: the movable buffer that borrows it. */
  owner: Array<string | null>;
}

export function cmaPages(cma: CmaView): CmaPages {
  const n = cma.pages;
  const state = new Uint8Array(n);
  const pins = new Uint16Array(n);
  const owner: Array<string | null> = new Array(n).fill(null);
  const idx = (phys: number) => Math.floor((phys - cma.base) / PAGE);
  for (const b of cma.borrowed) {
    const i = idx(b.phys);
    if (i >= 0 && i < n) {
      state[i] = BORROWED;
      owner[i] = b.owner;
    }
  }
  for (const a of cma.allocated) {
    const i0 = idx(a.phys);
    for (let i = Math.max(0, i0); i < Math.min(n, i0 + a.pages); i++) state[i] = ALLOCATED;
  }
  for (const p of cma.pinned) {
    if (!p.inCma) continue;
    const i = idx(p.phys);
    if (i >= 0 && i < n) pins[i] = p.count;
  }
  return { base: cma.base, pages: n, state, pins, owner };
}

export interface CmaGrid {
  /** Pages per cell (1 unless the area is huge). */
  perCell: number;
  cols: number;
  rows: number;
  cells: number;
  /** Per cell: highest page state in it. */
  state: Uint8Array;
  /** Per cell: some page in it is pinned. */
  pinned: Uint8Array;
}

/** The pages in cells of `perCell` pages, in rows of `cols` cells. */
export function cmaGrid(p: CmaPages, cols: number, perCell: number): CmaGrid {
  const cells = Math.ceil(p.pages / perCell);
  const state = new Uint8Array(cells);
  const pinned = new Uint8Array(cells);
  for (let i = 0; i < p.pages; i++) {
    const c = Math.floor(i / perCell);
    if (p.state[i]! > state[c]!) state[c] = p.state[i]!;
    if (p.pins[i]! > 0) pinned[c] = 1;
  }
  return { perCell, cols, rows: Math.ceil(cells / cols), cells, state, pinned };
}

export interface GridLayout {
  cols: number;
  perCell: number;
  /** Cell size in CSS pixels (the width may be fractional: cells fill the width). */
  cellW: number;
  cellH: number;
}

/**
 * Rows of a power-of-two number of columns (so rows start on aligned page
 * numbers): the biggest cells whose grid fits `maxH`, one page per cell
 * unless the area is too big for cells of at least 3 px.
 */
export function gridLayout(pages: number, width: number, maxH: number): GridLayout {
  let best: GridLayout | null = null;
  for (const cols of [128, 64, 32, 16]) {
    const cellW = width / cols;
    if (cellW < 3) continue;
    const cellH = Math.max(4, Math.min(14, Math.round(cellW * 1.4)));
    const rows = Math.ceil(pages / cols);
    if (rows * cellH > maxH) continue;
    if (!best || cellW > best.cellW) best = { cols, perCell: 1, cellW, cellH };
  }
  if (best) return best;
  const cols = width / 128 >= 3 ? 128 : Math.max(16, 2 ** Math.floor(Math.log2(width / 3)));
  const cellW = width / cols;
  const cellH = Math.max(4, Math.min(14, Math.round(cellW * 1.4)));
  let perCell = 1;
  while (Math.ceil(pages / perCell / cols) * cellH > maxH) perCell *= 2;
  return { cols, perCell, cellW, cellH };
}

/** The cells c0..c1 (inclusive) of a grid as one outline: a rectangle, or the 8-point "text selection" shape. */
export function rangeOutline(c0: number, c1: number, cols: number): Array<[number, number]> {
  const r0 = Math.floor(c0 / cols);
  const r1 = Math.floor(c1 / cols);
  const a = c0 % cols;
  const b = (c1 % cols) + 1;
  if (r0 === r1) return [[a, r0], [b, r0], [b, r0 + 1], [a, r0 + 1]];
  if (a === 0 && b === cols) return [[0, r0], [cols, r0], [cols, r1 + 1], [0, r1 + 1]];
  return [[a, r0], [cols, r0], [cols, r1], [b, r1], [b, r1 + 1], [0, r1 + 1], [0, r0 + 1], [a, r0 + 1]];
}

export interface CmaStep {
  migrations: Array<{ from: number; to: number; count: number; owner: string | null }>;
  busy: Array<{ pfn: number; count: number }>;
  alloc: Array<{ pfn: number; count: number }>;
  release: Array<{ pfn: number; count: number }>;
  fail: Array<{ pfn: number; count: number; rule: string }>;
  borrow: Array<{ pfn: number; count: number }>;
  pin: Array<{ pfn: number; count: number; op: 'pin' | 'unpin' }>;
}

/** This step's CMA events; `ownerAt` names the buffer now at a physical address (where a page moved to). */
export function cmaStep(events: readonly SimEvent[] | undefined, ownerAt?: (phys: number) => string | null): CmaStep {
  const s: CmaStep = { migrations: [], busy: [], alloc: [], release: [], fail: [], borrow: [], pin: [] };
  for (const e of events ?? []) {
    if (e.kind !== 'cma') continue;
    const r = { pfn: e.pfn, count: e.count };
    switch (e.op) {
      case 'migrate': {
        const to = e.to ?? -1;
        s.migrations.push({ from: e.pfn, to, count: e.count, owner: to >= 0 && ownerAt ? ownerAt(to * PAGE) : null });
        break;
      }
      case 'busy_retry':
        s.busy.push(r);
        break;
      case 'alloc':
        s.alloc.push(r);
        break;
      case 'release':
        s.release.push(r);
        break;
      case 'fail':
        s.fail.push({ ...r, rule: e.why.rule });
        break;
      case 'borrow':
        s.borrow.push(r);
        break;
      case 'pin':
      case 'unpin':
        s.pin.push({ ...r, op: e.op });
        break;
    }
  }
  return s;
}

/** Is this pfn inside the area? */
export function inArea(p: Pick<CmaPages, 'base' | 'pages'>, pfn: number): boolean {
  const i = pfn - p.base / PAGE;
  return i >= 0 && i < p.pages;
}

/** Cell index of a pfn in the grid (null outside the area). */
export function cellOf(p: Pick<CmaPages, 'base' | 'pages'>, g: Pick<CmaGrid, 'perCell'>, pfn: number): number | null {
  const i = pfn - p.base / PAGE;
  if (i < 0 || i >= p.pages) return null;
  return Math.floor(i / g.perCell);
}

/** Counts for the header. */
export function cmaCounts(p: CmaPages): { free: number; allocated: number; borrowed: number; pinned: number } {
  let allocated = 0;
  let borrowed = 0;
  let pinned = 0;
  for (let i = 0; i < p.pages; i++) {
    if (p.state[i] === ALLOCATED) allocated++;
    else if (p.state[i] === BORROWED) borrowed++;
    if (p.pins[i]! > 0) pinned++;
  }
  return { free: p.pages - allocated - borrowed, allocated, borrowed, pinned };
}
