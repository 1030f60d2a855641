/**
 * A DMA-capable device's engine: dev_read / dev_write at a DMA address.
 *
 * Without an IOMMU the DMA address is the physical address. A coherent device
 * snoops the CPU cache (reads see dirty lines; writes write back and
 * invalidate the lines they touch); a non-coherent one reads and writes RAM
 * only, so it can read stale RAM under a dirty line, and the CPU can later
 * read a stale clean line over what the device wrote.
 *
 * Simplified: a device cannot drive address bits above its DMA mask: such an
 * access is reported as FAULT rather than silently truncated.
 */
import type { StepOutcome } from '../outcome.ts';
import { lineState, snoopRead, snoopWrite } from './cpu-cache.ts';
import { ramRead, ramWrite } from './memory.ts';
import { dmaLimit, type Device, type Machine } from '../machine.ts';
import { findMapping } from '../dma/mapping.ts';

const WHY_FILE = 'include/linux/dma-map-ops.h';

function checkReach(m: Machine, dev: Device, addr: number, len: number, o: StepOutcome): boolean {
  if (addr < 0 || addr + len - 1 > dmaLimit(dev)) {
    o.error = 'FAULT';
    o.observations.push(`${dev.name} cannot emit DMA address 0x${addr.toString(16)}: it is above the device's ${dev.maskBits}-bit DMA mask`);
    return false;
  }
  if (addr + len > m.config.ram) {
    o.error = 'FAULT';
    o.observations.push(`DMA address 0x${addr.toString(16)} is not RAM: the bus aborts the transaction`);
    return false;
  }
  return true;
}

function ownership(m: Machine, dev: Device, addr: number, len: number, write: boolean, o: StepOutcome): void {
  const rec = findMapping(m, dev.name, addr, len);
  if (!rec) {
    o.observations.push(`${dev.name} ${write ? 'wrote' : 'read'} 0x${addr.toString(16)}+${len}, which is not inside any live mapping of ${dev.name}`);
    return;
  }
  if (rec.owner === 'cpu') {
    o.observations.push(`${dev.name} ${write ? 'wrote' : 'read'} a buffer the CPU owns (mapped at line ${rec.line}, synced for the CPU since): the driver must hand it back with dma_sync_*_for_device first`);
  }
  if (write && rec.dir === 'DMA_TO_DEVICE') {
    o.observations.push(`${dev.name} wrote into a DMA_TO_DEVICE mapping: the device must treat it as read-only`);
  }
}

/** Bytes in [phys, phys+len) where a dirty CPU line holds something other than RAM. */
function dirtyDiffers(m: Machine, phys: number, len: number, ramBytes: Uint8Array): number {
  const cached = new Uint8Array(len);
  snoopRead(m.cache, m.ram, phys, len, cached);
  let n = 0;
  for (let i = 0; i < len; i++) if (cached[i] !== ramBytes[i]) n++;
  return n;
}

export function devRead(m: Machine, dev: Device, addr: number, len: number, o: StepOutcome): Uint8Array | null {
  if (!checkReach(m, dev, addr, len, o)) return null;
  ownership(m, dev, addr, len, false, o);
  const out = new Uint8Array(len);
  let snooped = 0;
  if (dev.coherent) snooped = snoopRead(m.cache, m.ram, addr, len, out);
  else {
    ramRead(m.ram, addr, len, out);
    const stale = dirtyDiffers(m, addr, len, out);
    if (stale) o.observations.push(`stale read: ${dev.name} read ${stale} byte(s) from RAM that the CPU's dirty cache lines hold newer values for (nothing cleaned them to RAM)`);
  }
  o.events.push({
    kind: 'dev_access',
    dev: dev.name,
    op: 'read',
    addr,
    phys: addr,
    len,
    via: 'direct',
    snooped: dev.coherent,
    why: {
      fn: 'dev_is_dma_coherent',
      file: WHY_FILE,
      rule: dev.coherent ? `coherent device: the interconnect snoops the CPU cache${snooped ? ` (${snooped} dirty line(s) supplied their bytes)` : ''}` : 'non-coherent device: it reads RAM and never sees the CPU cache',
    },
  });
  o.data = out;
  return out;
}

export function devWrite(m: Machine, dev: Device, addr: number, data: Uint8Array, o: StepOutcome): void {
  if (!checkReach(m, dev, addr, data.length, o)) return;
  ownership(m, dev, addr, data.length, true, o);
  if (dev.coherent) snoopWrite(m.cache, m.ram, addr, data, o.events);
  else {
    ramWrite(m.ram, addr, data);
    let dirty = 0;
    let clean = 0;
    const line = m.cache.line;
    for (let l = addr - (addr % line); l < addr + data.length; l += line) {
      const s = lineState(m.cache, l);
      if (s === 'D') dirty++;
      else if (s === 'C') clean++;
    }
    if (dirty) o.observations.push(`${dirty} dirty CPU cache line(s) cover bytes the device just wrote: if they are written back (eviction or a clean) they overwrite the device's data`);
    if (clean) o.observations.push(`${clean} clean CPU cache line(s) still hold the old bytes: a CPU read before an invalidate returns stale data`);
  }
  o.events.push({
    kind: 'dev_access',
    dev: dev.name,
    op: 'write',
    addr,
    phys: addr,
    len: data.length,
    via: 'direct',
    snooped: dev.coherent,
    why: {
      fn: 'dev_is_dma_coherent',
      file: WHY_FILE,
      rule: dev.coherent ? 'coherent device: dirty lines are written back first, then the write lands in RAM and the CPU copies are invalidated' : 'non-coherent device: the write lands in RAM; the CPU cache is not told',
    },
  });
}
