// Renders the engine's log lines as a kernel log would show them: a dmesg
// timestamp on every record, err_printk and WARN_ONCE messages inside their
// WARN block (cut here, the WARNING line naming the file and function,
// registers, a call trace, end trace), the continuation lines of a
// multi-line record without a timestamp, and unrelated lines between them.
import type { CatalogueEntry } from '../../src/sim/kernel-log/catalogue.ts';

export interface Logged {
  text: string;
  entry: CatalogueEntry;
}

const NOISE = ['usb 1-1: new high-speed USB device number 2 using xhci_hcd', 'EXT4-fs (vda1): re-mounted. Quota mode: none.', 'random: crng init done'];

/** Whether the kernel prints this message through WARN() (err_printk, WARN_ONCE). */
function warns(e: CatalogueEntry, text: string): boolean {
  if (e.source !== 'dma-debug') return false;
  // the 5.14 pr_err form has no device and no WARN
  return !(e.id === 'dma-debug.cacheline-overlap' && text.startsWith('DMA-API: cacheline'));
}

export function toDmesg(lines: readonly Logged[], kernel: string): string {
  const out: string[] = [];
  let t = 12.0;
  const stamp = () => {
    t += 0.000131;
    return `[${t.toFixed(6).padStart(12)}] `;
  };
  lines.forEach((l, i) => {
    out.push(stamp() + NOISE[i % NOISE.length]);
    const [first, ...rest] = l.text.split('\n');
    const block = warns(l.entry, l.text);
    if (block) out.push(`${stamp()}------------[ cut here ]------------`);
    out.push(stamp() + first);
    for (const r of rest) out.push(r);
    if (block) {
      out.push(`${stamp()}WARNING: CPU: 1 PID: 311 at ${l.entry.file}:${400 + i} ${l.entry.fn}+0x1c4/0x3a0`);
      out.push(`${stamp()}Modules linked in: mydrv`);
      out.push(`${stamp()}CPU: 1 PID: 311 Comm: kworker/1:2 Not tainted ${kernel}.0 #1`);
      out.push(`${stamp()}pc : ${l.entry.fn}+0x1c4/0x3a0`);
      out.push(`${stamp()}Call trace:`);
      out.push(`${stamp()} ${l.entry.fn}+0x1c4/0x3a0`);
      out.push(`${stamp()} mydrv_rx+0x88/0x120 [mydrv]`);
      out.push(`${stamp()}---[ end trace 0000000000000000 ]---`);
    }
  });
  return `${out.join('\n')}\n`;
}
