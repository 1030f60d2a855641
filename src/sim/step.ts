/**
 * The one dispatch: step(machine, command) → outcome. Each operation of the
 * scenario language maps to the kernel function of the same name; this file
 * only reads arguments, calls the subsystem module, and binds results to the
 * scenario's names.
 */
import type { Command, Expr } from './command.ts';
import { BUDGETS, commandOverBudget } from './budgets.ts';
import { HANG, emptyOutcome, type StepOutcome } from './outcome.ts';
import { SimError, argAttrs, argBytes, argDev, argDir, argFlags, argHandle, argInt, argPtr, argSgt, kwBool, kwInt } from './args.ts';
import type { Buffer, Machine, SgEntry } from './machine.ts';
import type { Handler, OpTable } from './handler.ts';
import { IOMMU_OPS } from './iommu/ops.ts';
import { GPU_OPS } from './hw/gpu-ops.ts';
import { CMA_OPS } from './dma/contiguous-ops.ts';
import { DMABUF_OPS } from './dma-buf/ops.ts';
import { ARM_IOMMU_OPS } from './arch/arm-dma-iommu.ts';
import { X86_CACHEFLUSH_OPS } from './arch/x86-cacheflush.ts';
import { MEMATTR_OPS } from './mm/memattr.ts';
import { DMA_QUERY_OPS } from './dma/queries.ts';
import { DMA_ALLOC_ATTRS_OPS } from './dma/alloc-attrs.ts';
import { allocPages, cacheEvictBuffer, cpuMemset, cpuRead, cpuWrite, freeBuffer, kmalloc, physOf, prefetchBuffer, stackBuffer, vmalloc } from './mm/buffers.ts';
import { DMA_MAPPING_ERROR, dmaMapPage, dmaMapSg, dmaMapSingle, dmaMappingError, dmaSetMask, dmaSync, dmaSyncSg, dmaUnmap, dmaUnmapSg, releaseDriver } from './dma/mapping.ts';
import { dmaAllocCoherent, dmaAllocNoncoherent, dmaFreeCoherent, dmaFreeNoncoherent } from './dma/mapping.ts';
import { devRead, devWrite } from './hw/device.ts';
import { advanceTime } from './iommu/iommu.ts';
import { mappingsOfBuffer } from './dma/tracking.ts';
import { kasanCheck, rangeInRam } from './mm/kasan.ts';


function bindBuf(m: Machine, c: Command, id: number): void {
  const t = c.targets[0];
  if (t) m.names[t] = { t: 'buf', id };
}

function bindNull(m: Machine, c: Command, o: StepOutcome): void {
  const t = c.targets[0];
  if (t) m.names[t] = { t: 'buf', id: -1 };
  o.error = 'NULL';
}

function bindDma(m: Machine, c: Command, index: number, addr: number, dev: string): void {
  const t = c.targets[index];
  if (t) m.names[t] = { t: 'dma', addr, dev };
}

/** `cpu, h = dma_alloc_*(…)`: the CPU pointer and the DMA handle (NULL and 0 on failure). */
function bindCpuAndHandle(m: Machine, c: Command, o: StepOutcome, dev: string, b: Buffer | null): void {
  if (b) {
    bindBuf(m, c, b.id);
    bindDma(m, c, 1, b.dmaAddr!, dev);
  } else {
    bindNull(m, c, o);
    bindDma(m, c, 1, 0, dev);
  }
}

/** The optional gfp argument at `index`, GFP_KERNEL when omitted. */
function gfpOrKernel(c: Command, index: number): string[] {
  return argFlags(c.args[index] ?? { k: 'name', name: 'GFP_KERNEL', loc: c.loc });
}

const kmallocOp: Handler = (m, c, o) => {
  const b = kmalloc(m, c.targets[0] ?? '(unnamed)', argInt(m, c.args[0], 'a size'), argFlags(c.args[1]), kwInt(m, c.kwargs, 'at'), o);
  if (b) bindBuf(m, c, b.id);
  else bindNull(m, c, o);
};

const allocPagesOp: Handler = (m, c, o) => {
  const b = allocPages(m, c.targets[0] ?? '(unnamed)', argFlags(c.args[0]), argInt(m, c.args[1], 'an order'), kwInt(m, c.kwargs, 'at'), o);
  if (b) bindBuf(m, c, b.id);
  else bindNull(m, c, o);
};

function freeOp(kind: 'kmalloc' | 'pages' | 'vmalloc', fn: string): Handler {
  return (m, c, o) => {
    const { buf } = argPtr(m, c.args[0]);
    if (!buf.live) {
      o.observations.push(`double free: '${buf.name}' was already freed; with KASAN or SLUB debugging the kernel would report it here`);
      return;
    }
    if (buf.kind !== kind) o.observations.push(`'${buf.name}' came from ${buf.kind}, not from the allocator ${fn} frees to`);
    if (kind === 'pages' && c.args[1] && argInt(m, c.args[1]) !== buf.order) {
      o.observations.push(`__free_pages with order ${argInt(m, c.args[1])} but '${buf.name}' was allocated with order ${buf.order}`);
    }
    const live = mappingsOfBuffer(m, buf.id);
    for (const r of live) o.observations.push(`'${buf.name}' is freed while still mapped for ${r.dev} (mapped at line ${r.line}): the device can still reach memory the allocator will hand out again`);
    freeBuffer(m, buf, fn, fn, o);
  };
}

const sgTableOp: Handler = (m, c, o) => {
  const entries: SgEntry[] = [];
  for (let i = 0; i + 1 < c.args.length; i += 2) {
    const { buf, off } = argPtr(m, c.args[i]);
    const length = argInt(m, c.args[i + 1], 'a length');
    entries.push({ bufId: buf.id, offset: off, length, phys: physOf(m, buf, off), dmaAddress: 0, dmaLength: 0 });
  }
  const id = m.sgts.length;
  m.sgts.push({ id, name: c.targets[0] ?? '(sgt)', entries, nents: 0, mappedFor: null, dir: null });
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'sgt', id };
  o.result = entries.length;
  o.resultKind = 'count';
  o.events.push({ kind: 'note', text: `sg_table of ${entries.length} entries`, why: { fn: 'sg_alloc_table', file: 'lib/scatterlist.c', rule: 'each entry is a page, an offset and a length; they need not be contiguous' } });
};

function sgIndex(m: Machine, c: Command): { e: SgEntry | undefined; i: number; n: number } {
  const sgt = argSgt(m, c.args[0]);
  const i = argInt(m, c.args[1], 'an index');
  return { e: sgt.entries[i], i, n: sgt.nents };
}

function notSupportedYet(m: Machine, c: Command, o: StepOutcome): void {
  void m;
  o.error = 'ENOSYS';
  o.observations.push(`${c.op} is not supported by this version of the explorer yet`);
}

const CORE_OPS: OpTable = {
  kmalloc: kmallocOp,
  kzalloc: (m, c, o) => kmallocOp(m, { ...c, args: [c.args[0]!, { k: 'flags', items: [c.args[1] ?? { k: 'name', name: 'GFP_KERNEL', loc: c.loc }, { k: 'name', name: '__GFP_ZERO', loc: c.loc }], loc: c.loc }] }, o),
  kfree: freeOp('kmalloc', 'kfree'),
  alloc_pages: allocPagesOp,
  __free_pages: freeOp('pages', '__free_pages'),
  vmalloc: (m, c, o) => {
    const b = vmalloc(m, c.targets[0] ?? '(unnamed)', argInt(m, c.args[0], 'a size'), o);
    if (b) bindBuf(m, c, b.id);
    else bindNull(m, c, o);
  },
  vfree: freeOp('vmalloc', 'vfree'),
  stack_buffer: (m, c, o) => {
    const b = stackBuffer(m, c.targets[0] ?? '(unnamed)', argInt(m, c.args[0], 'a size'), o);
    if (b) bindBuf(m, c, b.id);
    else {
      bindNull(m, c, o);
      o.observations.push('the kernel stack is 16 KiB: an array this large would overflow it');
    }
  },
  cpu_write: (m, c, o) => {
    const { buf, off } = argPtr(m, c.args[0]);
    if (!kasanCheck(m, buf, off, argBytes(c.args[1]).length, true, 'cpu_write', o)) return;
    cpuTouch(m, buf.id, off, argBytes(c.args[1]).length, true, o);
    cpuWrite(m, buf, off, argBytes(c.args[1]), o);
  },
  cpu_read: (m, c, o) => {
    const { buf, off } = argPtr(m, c.args[0]);
    const len = argInt(m, c.args[1], 'a length');
    if (!kasanCheck(m, buf, off, len, false, 'cpu_read', o)) return;
    cpuTouch(m, buf.id, off, len, false, o);
    o.data = cpuRead(m, buf, off, len, o);
  },
  memset: (m, c, o) => {
    const { buf, off } = argPtr(m, c.args[0]);
    const len = argInt(m, c.args[2], 'a length');
    if (!kasanCheck(m, buf, off, len, true, 'memset', o)) return;
    cpuTouch(m, buf.id, off, len, true, o);
    cpuMemset(m, buf, off, argInt(m, c.args[1], 'a byte') & 0xff, len, o);
  },
  cache_evict: (m, c, o) => {
    const { buf, off } = argPtr(m, c.args[0]);
    const len = argInt(m, c.args[1], 'a length');
    if (rangeInRam(m, buf, off, len)) cacheEvictBuffer(m, buf, off, len, o);
    else o.observations.push(`cache_evict: the range reaches outside RAM; nothing to evict there`);
  },
  cpu_prefetch: (m, c, o) => {
    const { buf, off } = argPtr(m, c.args[0]);
    const len = argInt(m, c.args[1], 'a length');
    if (rangeInRam(m, buf, off, len)) prefetchBuffer(m, buf, off, len, o);
    else o.observations.push(`cpu_prefetch: the range reaches outside RAM; nothing is prefetched there`);
  },
  udelay: (m, c, o) => advanceTime(m, argInt(m, c.args[0], 'microseconds'), o),
  dma_map_single: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    const { buf, off } = argPtr(m, c.args[1]);
    dmaMapSingle(m, dev, buf, off, argInt(m, c.args[2], 'a size'), argDir(c.args[3]), argAttrs(c.args[4]), o);
    bindDma(m, c, 0, o.result ?? DMA_MAPPING_ERROR, dev.name);
  },
  dma_map_page: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    const { buf, off } = argPtr(m, c.args[1]);
    dmaMapPage(m, dev, buf, off, argInt(m, c.args[2], 'an offset'), argInt(m, c.args[3], 'a size'), argDir(c.args[4]), argAttrs(c.args[5]), o);
    bindDma(m, c, 0, o.result ?? DMA_MAPPING_ERROR, dev.name);
  },
  dma_unmap_single: (m, c, o) => dmaUnmap(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argInt(m, c.args[2], 'a size'), argDir(c.args[3]), argAttrs(c.args[4]), 'single', o),
  dma_unmap_page: (m, c, o) => dmaUnmap(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argInt(m, c.args[2], 'a size'), argDir(c.args[3]), argAttrs(c.args[4]), 'page', o),
  dma_sync_single_for_cpu: (m, c, o) => dmaSync(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argInt(m, c.args[2], 'a size'), argDir(c.args[3]), true, o),
  dma_sync_single_for_device: (m, c, o) => dmaSync(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argInt(m, c.args[2], 'a size'), argDir(c.args[3]), false, o),
  dma_mapping_error: (m, c, o) => dmaMappingError(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), o),
  sg_table: sgTableOp,
  dma_map_sg: (m, c, o) => dmaMapSg(m, argDev(m, c.args[0]), argSgt(m, c.args[1]), argDir(c.args[2]), argAttrs(c.args[3]), o),
  dma_unmap_sg: (m, c, o) => {
    const sgt = argSgt(m, c.args[1]);
    dmaUnmapSg(m, argDev(m, c.args[0]), sgt, argDir(c.args[2]), argAttrs(c.args[3]), o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
  },
  dma_sync_sg_for_cpu: (m, c, o) => {
    const sgt = argSgt(m, c.args[1]);
    dmaSyncSg(m, argDev(m, c.args[0]), sgt, argDir(c.args[2]), true, o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
  },
  dma_sync_sg_for_device: (m, c, o) => {
    const sgt = argSgt(m, c.args[1]);
    dmaSyncSg(m, argDev(m, c.args[0]), sgt, argDir(c.args[2]), false, o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
  },
  sg_dma_address: (m, c, o) => {
    const { e, i, n } = sgIndex(m, c);
    o.resultKind = 'addr';
    o.result = e && i < n ? e.dmaAddress : DMA_MAPPING_ERROR;
    if (i >= n) o.observations.push(`entry ${i} is past the ${n} DMA segment(s) dma_map_sg returned: its DMA address is not valid`);
    if (c.targets[0]) m.names[c.targets[0]] = { t: 'dma', addr: o.result, dev: '' };
  },
  sg_dma_len: (m, c, o) => {
    const { e, i, n } = sgIndex(m, c);
    o.resultKind = 'count';
    o.result = e && i < n ? e.dmaLength : 0;
    if (c.targets[0]) m.names[c.targets[0]] = { t: 'int', v: o.result };
  },
  dma_set_mask: (m, c, o) => dmaSetMask(m, argDev(m, c.args[0]), argInt(m, c.args[1], 'a bit count'), false, o),
  dma_set_mask_and_coherent: (m, c, o) => dmaSetMask(m, argDev(m, c.args[0]), argInt(m, c.args[1], 'a bit count'), true, o),
  dma_set_max_seg_size: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    dev.maxSegSize = argInt(m, c.args[1], 'a size');
    o.result = 0;
    o.resultKind = 'status';
  },
  device_release_driver: (m, c, o) => releaseDriver(m, argDev(m, c.args[0]), o),
  dma_alloc_coherent: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    bindCpuAndHandle(m, c, o, dev.name, dmaAllocCoherent(m, dev, c.targets[0] ?? '(coherent)', argInt(m, c.args[1], 'a size'), o, gfpOrKernel(c, 2)));
  },
  dma_free_coherent: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    const cpu = argPtr(m, c.args[2]).buf;
    dmaFreeCoherent(m, dev, argInt(m, c.args[1], 'a size'), cpu, argHandle(m, c.args[3]), o);
  },
  dma_alloc_noncoherent: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    bindCpuAndHandle(m, c, o, dev.name, dmaAllocNoncoherent(m, dev, c.targets[0] ?? '(noncoherent)', argInt(m, c.args[1], 'a size'), argDir(c.args[2]), o, gfpOrKernel(c, 3)));
  },
  dma_free_noncoherent: (m, c, o) => {
    const dev = argDev(m, c.args[0]);
    const cpu = argPtr(m, c.args[2]).buf;
    dmaFreeNoncoherent(m, dev, argInt(m, c.args[1], 'a size'), cpu, argHandle(m, c.args[3]), argDir(c.args[4]), o);
  },
  // nosnoop=: this one transaction's No Snoop attribute (default: the device's)
  dev_read: (m, c, o) => {
    devRead(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argInt(m, c.args[2], 'a length'), o, kwBool(c.kwargs, 'nosnoop'));
  },
  dev_write: (m, c, o) => devWrite(m, argDev(m, c.args[0]), argHandle(m, c.args[1]), argBytes(c.args[2]), o, kwBool(c.kwargs, 'nosnoop')),
};

/** The explorer's ownership check for CPU loads and stores (not a kernel log). */
function cpuTouch(m: Machine, bufId: number, off: number, len: number, write: boolean, o: StepOutcome): void {
  for (const r of mappingsOfBuffer(m, bufId)) {
    if (r.owner !== 'device' || r.api === 'coherent') continue;
    const b = m.buffers[bufId]!;
    const start = r.phys - (b.phys >= 0 ? b.phys : r.phys);
    if (b.phys >= 0 && (off + len <= start || off >= start + r.size)) continue;
    o.observations.push(
      `the CPU ${write ? 'wrote to' : 'read'} '${b.name}' while ${r.dev} owns it (${r.dir}, mapped at line ${r.line}${r.api === 'noncoherent' ? '' : ', not synced for the CPU'}): the DMA API forbids CPU access until dma_sync_*_for_cpu or unmap`,
    );
  }
}

const OPS: OpTable = { ...CORE_OPS, ...IOMMU_OPS, ...GPU_OPS, ...CMA_OPS, ...DMABUF_OPS, ...X86_CACHEFLUSH_OPS, ...MEMATTR_OPS, ...DMA_QUERY_OPS, ...DMA_ALLOC_ATTRS_OPS, ...ARM_IOMMU_OPS };

export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS);

export function step(m: Machine, cmd: Command): StepOutcome {
  const o = emptyOutcome();
  m.step++;
  m.line = cmd.loc.line;
  if (m.hung) return stillHung(m, o);
  const h = OPS[cmd.op];
  try {
    refuseOverBudget(m, cmd);
    if (h) h(m, cmd, o);
    else notSupportedYet(m, cmd, o);
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    o.error = 'EINVAL';
    o.observations.push(err.message);
  }
  if (o.error === HANG) m.hung = { line: cmd.loc.line, fn: cmd.op };
  capEvents(o);
  return o;
}

/** A statement after the kernel hung: it never runs. */
function stillHung(m: Machine, o: StepOutcome): StepOutcome {
  o.error = HANG;
  o.observations.push(`not run: the kernel has been stuck in ${m.hung!.fn} since line ${m.hung!.line}`);
  return o;
}

/** A value over the explorer's budget fails the call before the handler does any work. */
function refuseOverBudget(m: Machine, c: Command): void {
  const over = commandOverBudget(c, (e) => (e.k === 'int' || e.k === 'name' ? readInt(m, e) : null));
  if (over) throw new SimError(`line ${over.at.loc.line}:${over.at.loc.col}: ${over.message}`, over.at.loc);
  if (CPU_ACCESS_OPS.has(c.op)) return;
  for (const e of c.args) if (e.k === 'offset') refuseOutsideRam(m, e);
}

/** CPU accesses are checked (and reported as KASAN would) by their handlers. */
const CPU_ACCESS_OPS = new Set(['cpu_write', 'cpu_read', 'memset', 'cache_evict', 'cpu_prefetch']);

/** `p ± offset` handed to the kernel must still point into RAM: no negative or out-of-RAM address reaches the machine. */
function refuseOutsideRam(m: Machine, e: Extract<Expr, { k: 'offset' }>): void {
  const v = m.names[e.name];
  if (v?.t !== 'buf') return;
  const buf = m.buffers[v.id];
  if (!buf || rangeInRam(m, buf, e.offset, 1)) return;
  throw new SimError(`line ${e.loc.line}:${e.loc.col}: '${e.name} ${e.offset < 0 ? '-' : '+'} ${e.raw}' is not an address in RAM (${buf.phys >= 0 ? `phys ${buf.phys + e.offset < 0 ? '-' : ''}0x${Math.abs(buf.phys + e.offset).toString(16)}` : 'outside the vmalloc area'}): the explorer does not pass it on`, e.loc);
}

function readInt(m: Machine, e: Expr): number | null {
  try {
    return argInt(m, e);
  } catch {
    return null;
  }
}

/** Keep a step's events within the budget: the rest are counted, not kept (same for every run). */
function capEvents(o: StepOutcome): void {
  const max = BUDGETS.eventsPerStep;
  if (o.events.length <= max) return;
  const dropped = o.events.length - (max - 1);
  o.events.length = max - 1;
  o.events.push({ kind: 'note', text: `${dropped} more events not recorded`, why: { fn: 'step', file: '(the explorer)', rule: `the explorer records at most ${max} events per step` } });
}
