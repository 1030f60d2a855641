/**
 * The gfp flags the scenario language writes, as numbers and as %pGg prints
 * them: what the slab allocator's "Unexpected gfp: %#x (%pGg). Fixing up to
 * gfp: %#x (%pGg)" line shows (kmallocGfpCheck in buffers.ts).
 *
 * The bit values moved over the versions modelled (MM_GATES.gfpNoOtherNode,
 * gfpFillGaps, gfpShuffle, gfpNoAtomicBit); GFP_DMA (0x1) and GFP_DMA32 (0x4)
 * never moved.
 *
 * Simplified (not modelled):
 * - GFP_NOWAIT became __GFP_KSWAPD_RECLAIM | __GFP_NOWARN in a recent release
 *   that was not pinned; here it is __GFP_KSWAPD_RECLAIM alone.
 * - The %pGg table's single bits follow the old order (__GFP_NOWARN before
 *   __GFP_ZERO); a 2025 clean-up of include/trace/events/mmflags.h lists them
 *   in bit order (__GFP_ZERO first), in a release that was not pinned.
 */
import { MM_GATES } from '../kernel-versions.ts';

type Bit = 'HIGH' | 'ATOMIC' | 'IO' | 'FS' | 'NOWARN' | 'ZERO' | 'DIRECT_RECLAIM' | 'KSWAPD_RECLAIM';
type Layout = Readonly<Record<Bit, number>>;

/** 4.4 (d0164adc89f6) to 4.9. */
const LAYOUT_4_4: Layout = { HIGH: 0x20, IO: 0x40, FS: 0x80, NOWARN: 0x200, ZERO: 0x8000, ATOMIC: 0x80000, DIRECT_RECLAIM: 0x400000, KSWAPD_RECLAIM: 0x2000000 };

/** The bit values of kernel `code`, oldest layout first. */
function layout(code: number): Layout {
  if (code >= MM_GATES.gfpShuffle.code) {
    return { HIGH: 0x20, IO: 0x40, FS: 0x80, ZERO: 0x100, ATOMIC: code >= MM_GATES.gfpNoAtomicBit.code ? 0 : 0x200, DIRECT_RECLAIM: 0x400, KSWAPD_RECLAIM: 0x800, NOWARN: 0x2000 };
  }
  if (code >= MM_GATES.gfpFillGaps.code) return { ...LAYOUT_4_4, DIRECT_RECLAIM: 0x200000, KSWAPD_RECLAIM: 0x400000 };
  if (code >= MM_GATES.gfpNoOtherNode.code) return { ...LAYOUT_4_4, KSWAPD_RECLAIM: 0x1000000 };
  return LAYOUT_4_4;
}

/** Each name the scenario may write, as its bits in kernel `code` (include/linux/gfp.h's definitions). */
function nameValues(code: number): Array<[string, number]> {
  const b = layout(code);
  const reclaim = b.DIRECT_RECLAIM | b.KSWAPD_RECLAIM;
  return [
    ['GFP_KERNEL', reclaim | b.IO | b.FS],
    ['GFP_ATOMIC', b.HIGH | b.ATOMIC | b.KSWAPD_RECLAIM],
    ['GFP_NOWAIT', b.KSWAPD_RECLAIM],
    ['GFP_DMA', 0x1],
    ['GFP_DMA32', 0x4],
    ['__GFP_NOWARN', b.NOWARN],
    ['__GFP_ZERO', b.ZERO],
  ];
}

/** The gfp_t a list of flag names makes in kernel `code`. */
export function gfpValue(code: number, names: readonly string[]): number {
  const values = new Map(nameValues(code));
  return names.reduce((v, n) => v | (values.get(n) ?? 0), 0);
}

/**
 * %pGg: format_flags() over __def_gfpflag_names, the composite names first,
 * each name taken when all its bits are still set and its bits then cleared;
 * bits no name covers print in hex; nothing at all for 0.
 */
export function gfpNames(code: number, value: number): string {
  const b = layout(code);
  const table: Array<[string, number]> = [
    ...nameValues(code).slice(0, 5),
    ['__GFP_HIGH', b.HIGH],
    ['__GFP_ATOMIC', b.ATOMIC],
    ['__GFP_IO', b.IO],
    ['__GFP_FS', b.FS],
    ['__GFP_NOWARN', b.NOWARN],
    ['__GFP_ZERO', b.ZERO],
    ['__GFP_RECLAIM', b.DIRECT_RECLAIM | b.KSWAPD_RECLAIM],
    ['__GFP_DIRECT_RECLAIM', b.DIRECT_RECLAIM],
    ['__GFP_KSWAPD_RECLAIM', b.KSWAPD_RECLAIM],
  ];
  const out: string[] = [];
  let left = value;
  for (const [name, mask] of table) {
    if (!left) break;
    if (mask === 0 || (left & mask) !== mask) continue;
    out.push(name);
    left &= ~mask;
  }
  if (left) out.push(`0x${left.toString(16)}`);
  return out.join('|');
}
