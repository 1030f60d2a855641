/**
 * What KASAN (mm/kasan/report.c) would say about a CPU access the scenario
 * makes: past the end (or before the start) of its buffer, or to a buffer
 * already freed. The explorer reports it as an observation — KASAN is a
 * debug option, so the kernel the scenario models need not print it — and
 * never lets an address outside RAM reach the machine's state: such an
 * access is not performed, as the kernel would oops on it ("Unable to handle
 * kernel paging request").
 *
 * Simplified:
 * - KASAN's bug type follows the shadow byte it hits (get_shadow_bug_type());
 *   here it follows the buffer: kmalloc memory is "slab-…", vmalloc memory
 *   "vmalloc-…", a stack array "stack-…", pages "…" alone; a freed kmalloc
 *   object is "slab-use-after-free" (report_generic.c; plain
 *   "use-after-free" for freed pages and in kernels before the slab- prefix).
 * - The report's "in FUNC+0x…/0x…" names the driver's function; the explorer
 *   names the scenario operation.
 */
import type { Buffer, Machine } from '../machine.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { physOf } from './buffers.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';


function bugPrefix(b: Buffer): string {
  if (b.kind === 'kmalloc') return 'slab-';
  if (b.kind === 'vmalloc') return 'vmalloc-';
  if (b.kind === 'stack') return 'stack-';
  return '';
}

/** Every physical byte of [off, off+len) of the buffer is in RAM (vmalloc: every page mapped). */
export function rangeInRam(m: Machine, b: Buffer, off: number, len: number): boolean {
  if (len <= 0) return physInRam(m, physOf(m, b, off));
  if (b.phys >= 0) return b.phys + off >= 0 && b.phys + off + len <= m.config.ram;
  const first = Math.floor((b.va + off) / PAGE_SIZE);
  const last = Math.floor((b.va + off + len - 1) / PAGE_SIZE);
  if (last - first > 1 << 20) return false;
  for (let vpn = first; vpn <= last; vpn++) if (!m.vmap.has(vpn)) return false;
  return true;
}

export function physInRam(m: Machine, phys: number): boolean {
  return Number.isFinite(phys) && phys >= 0 && phys < m.config.ram;
}

/**
 * Check a CPU access of `len` bytes at byte `off` of `b` by `op`; report what
 * KASAN would. Returns false when the access must not be performed (it
 * reaches outside RAM or an unmapped vmalloc page).
 */
export function kasanCheck(m: Machine, b: Buffer, off: number, len: number, write: boolean, op: string, o: StepOutcome): boolean {
  touchBuffer(o, b.id);
  const va = b.va + off;
  const what = `${write ? 'Write' : 'Read'} of size ${len} at addr ${hex(va)}`;
  if (!rangeInRam(m, b, off, len)) {
    o.error = 'FAULT';
    observe(o, 'mm/not-ram',
      `${op} at ${hex(va)} ('${b.name}'${off >= 0 ? ' + ' : ' - '}${Math.abs(off)}) reaches memory that is not RAM: the kernel would oops ("Unable to handle kernel paging request at virtual address ${hex(va)}"); the explorer did not perform the access`,
    );
    return false;
  }
  if (!b.live) {
    observe(o, 'mm/use-after-free', `'${b.name}' was freed: KASAN would report "BUG: KASAN: ${b.kind === 'kmalloc' ? 'slab-' : ''}use-after-free in ${op}" / "${what}"; the ${write ? 'store' : 'load'} reaches memory the allocator may already have handed out again`);
  } else if (off < 0 || off + len > b.size) {
    observe(o, 'mm/out-of-bounds',
      `${op} touches bytes ${off}..${off + len - 1} of '${b.name}', a ${b.size}-byte buffer: KASAN would report "BUG: KASAN: ${bugPrefix(b)}out-of-bounds in ${op}" / "${what}"`,
    );
  }
  return true;
}
