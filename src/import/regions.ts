/**
 * The physical memory a trace touches, as blocks the scenario can allocate at
 * their traced addresses: `alloc_pages(GFP_KERNEL, order, at=BASE)`.
 *
 * Every traced range is widened to whole pages; overlapping or touching ranges
 * become one run; a run becomes an order-n block from its first page (the page
 * allocator hands out 2^order pages), and a block that would reach into the
 * next run swallows it. So every mapping of the trace lies inside exactly one
 * block, and blocks never overlap.
 */
import { PAGE_SIZE } from '../sim/hw/memory.ts';

export interface Block {
  base: number;
  order: number;
  /** Bytes (PAGE_SIZE << order). */
  size: number;
  /** The trace line that first touched it. */
  firstLine: number;
  /** Placed at `base` (false: the model's kernel image, pool or CMA area is there, or it lies beyond RAM). */
  placed: boolean;
  /** The scenario name of the buffer. */
  name: string;
}

export class RegionCollector {
  /** Page-aligned start → [page-aligned end, first line]. */
  private readonly ranges = new Map<number, [number, number]>();

  add(phys: number, size: number, line: number): void {
    if (phys < 0 || size <= 0) return;
    const start = Math.floor(phys / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((phys + size) / PAGE_SIZE) * PAGE_SIZE;
    const r = this.ranges.get(start);
    if (!r) this.ranges.set(start, [end, line]);
    else {
      if (end > r[0]) r[0] = end;
      if (line < r[1]) r[1] = line;
    }
  }

  /** The blocks, ascending by address. */
  blocks(): Block[] {
    const out: Block[] = [];
    for (const s of [...this.ranges.keys()].sort((a, b) => a - b)) {
      const [e, line] = this.ranges.get(s)!;
      const last = out.at(-1);
      if (last && s < last.base + last.size) {
        // inside the last block (rounded up to a power of two): it grows to cover this range too
        const order = orderFor(Math.max(last.base + last.size, e) - last.base);
        last.order = order;
        last.size = PAGE_SIZE * 2 ** order;
        last.firstLine = Math.min(last.firstLine, line);
      } else {
        const order = orderFor(e - s);
        out.push({ base: s, order, size: PAGE_SIZE * 2 ** order, firstLine: line, placed: true, name: `mem_${s.toString(16)}` });
      }
    }
    return out;
  }
}

function orderFor(bytes: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < bytes) order++;
  return order;
}

/** Finds the block holding a physical address (binary search over ascending blocks). */
export function blockOf(blocks: readonly Block[], phys: number): Block | null {
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = blocks[mid]!;
    if (phys < b.base) hi = mid - 1;
    else if (phys >= b.base + b.size) lo = mid + 1;
    else return b;
  }
  return null;
}
