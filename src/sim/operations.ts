/**
 * The operation table: every statement of the scenario language, each in one
 * entry with its signature, its doc lines, its section of the reference and
 * its handler. The validator (src/scenario/validate.ts), the generated
 * language reference (scripts/ops-reference.ts → docs/scenario-language.md),
 * the explorer (explanation, editor completion, hover and signature help,
 * the Reference panel: sent by the worker as OperationDocs) read it; step.ts dispatches
 * through it; budgets.ts checks the arguments it marks. Nothing else lists
 * operations (test/sim/operations.test.ts).
 *
 * How to add an operation — one entry here:
 *
 *   op('dma_foo', 'streaming', {
 *     args: [dev, arg('p', 'ptr'), arg('size', 'size', 'mappingBytes'), dir],  // name, kind (operation.ts), budget (budgets.ts)
 *     optional: [attrs],                          // optional positional, after the required ones
 *     options: { nents: { kind: 'int' } },        // key=value options (read with kwInt(m, c.kwargs, …))
 *     results: ['handle'],                        // what `h = dma_foo(…)` binds (bind it in run)
 *     yieldsInt: true,                            // `=> 0` is a valid check; readsBytes: `=> "text"`
 *     doc: 'One line for the language reference.',
 *     explain: 'The explorer's sentence: what the kernel does and why it matters.',
 *     trace: 'map',                               // the dma tracepoint the call fires (DmaTrace, operation.ts), if the kernel traces it
 *     run: (m, a, o, c) => dmaFoo(m, argDev(m, a.dev), argPtr(m, a.p), …, o),
 *   }),
 *
 * `run` receives the arguments by the names in `args`/`optional` (the type
 * checker rejects any other name), already checked by the validator against
 * this signature; the arg* readers (args.ts) turn them into devices, buffers,
 * directions… and still fail cleanly if a name is rebound at run time. The
 * work belongs in the subsystem module named after the kernel file
 * (dma/mapping.ts, iommu/iommu.ts, …), which also says which buffers and
 * mappings it touched (touchBuffer / touchMapping, outcome.ts: the ownership
 * lanes and the views' focus read them); the entry only reads, calls, binds.
 * Then `npx tsx scripts/ops-reference.ts` regenerates the reference.
 */
import { arg, op, type OpOptions, type Operation } from './operation.ts';
import { argAttrs, argBytes, argDev, argDir, argFlags, argHandle, argInt, argPtr, argSgt, kwBool, kwInt } from './args.ts';
import { ARCHES } from './config.ts';
import { catalogueEntry } from './kernel-log/catalogue.ts';
import { bindBuf, bindBufOrNull, bindCpuAndHandle, bindDma, bindNull, cpuTouch, freeRun, gfpKernel, kmallocRun, allocPagesRun, sgIndex, sgTableRun } from './core-ops.ts';
import { cacheEvictBuffer, cpuMemset, cpuRead, cpuWrite, prefetchBuffer, stackBuffer, vmalloc } from './mm/buffers.ts';
import { kasanCheck, rangeInRam } from './mm/kasan.ts';
import { setMemoryRun, vmapRun, vunmapRun } from './mm/memattr.ts';
import { DMA_MAPPING_ERROR, dmaMapPage, dmaMapSg, dmaMapSingle, dmaMappingError, dmaSetMask, dmaSync, dmaSyncSg, dmaUnmap, dmaUnmapSg, releaseDriver } from './dma/mapping.ts';
import { dmaAllocCoherent, dmaAllocNoncoherent, dmaFreeCoherent, dmaFreeNoncoherent } from './dma/mapping.ts';
import { dmaAllocAttrsRun, dmaAllocPagesRun, dmaFreeAttrsRun, dmaFreePagesRun, dmaGetSgtableRun } from './dma/alloc-attrs.ts';
import { apiAvailable, bindQueryResult, dmaAddressingLimitedRun, dmaGetRequiredMaskRun, dmaMaxMappingSizeRun, dmaNeedSyncRun, dmaOptMappingSizeRun, dmaStreamingIsCoherentRun, isSwiotlbActiveRun } from './dma/queries.ts';
import { DMA_API_GATES } from './kernel-versions.ts';
import { allocMovable, dmaAllocFromContiguous, dmaReleaseFromContiguous, freeMovable, pinPages, unpinPages } from './dma/contiguous-ops.ts';
import { devRead, devWrite } from './hw/device.ts';
import { argVm, gpuVmCreateRun, gpuVmMapRun } from './hw/gpu-ops.ts';
import { gpuRead, gpuVmUnmap, gpuWrite } from './hw/gpu-mmu.ts';
import { advanceTime, iommuAttachDevice, iommuDetachDevice, iommuFlushIotlbAll, iommuUnmap } from './iommu/iommu.ts';
import { argDomain, iommuDomainAllocRun, iommuMapRun, iommuStatus } from './iommu/ops.ts';
import { armIommuDetachDevice } from './arch/arm-dma-iommu.ts';
import { clflushRun, drmClflushSgRun, wbinvdRun } from './arch/x86-cacheflush.ts';
import { dmaBufCpuAccess, dmaBufDetach, dmaBufMove, dmaBufPin, dmaBufUnmapAttachment, dmaBufUnpin, dmaResvLock, dmaResvUnlock } from './dma-buf/dma-buf.ts';
import { argAttachment, argDmaBuf, dmaBufAttachRun, dmaBufExportRun, dmaBufMapAttachmentRun, dmaBufStatus } from './dma-buf/ops.ts';
import { hexDma } from './format.ts';
import { observe } from './observe.ts';

// Arguments many operations share.
const dev = arg('dev', 'dev');
const dir = arg('dir', 'dir');
const attrs = arg('attrs', 'attrs');
const size = arg('size', 'size');
const handle = arg('h', 'handle');
/** Per-access snooping: dev_read, dev_write, gpu_read, gpu_write. */
const NOSNOOP: OpOptions = { nosnoop: { kind: 'bool', def: "the device's" } };
/** drm_clflush_sg's complaint off x86, quoted from the catalogue (which owns the kernel's wording). */
const DRM_NO_ARCH = catalogueEntry('drm.cache-no-arch-support').wordings[0]!.template;

const TABLE: readonly Operation[] = [
  // Header
  op('machine', 'header', {
    options: {
      arch: { kind: 'enum', values: ARCHES, def: 'arm64' },
      kernel: { kind: 'version', def: '"6.18"' },
      ram: { kind: 'size', def: '8G' },
      cache: { kind: 'size', def: '32K' },
      line: { kind: 'size', def: '64' },
      ways: { kind: 'size', def: '4' },
      swiotlb: { kind: 'size0', def: '4M' },
      cma: { kind: 'size0', def: '16M' },
      imported: { kind: 'bool', def: 'false' },
      dmabuf_move_notify: { kind: 'bool', def: 'false' },
      iommu_off: { kind: 'bool', def: 'false' },
    },
    doc: 'The machine: architecture, kernel version, RAM, CPU cache geometry, swiotlb pool and CMA area sizes; imported=true when the steps replay a kernel trace; dmabuf_move_notify=true is CONFIG_DMABUF_MOVE_NOTIFY=y (default n, as in Kconfig); iommu_off=true (x86, before 5.0, with swiotlb=0) is the boot option iommu=off: no swiotlb at all, where swiotlb=0 alone is swiotlb=noforce.',
    explain: 'Describes the machine: architecture, kernel version, RAM, cache geometry, swiotlb and CMA sizes.',
  }),
  op('iommu', 'header', {
    args: [arg('name', 'newname')],
    options: {
      mode: { kind: 'enum', values: ['strict', 'lazy', 'passthrough'], def: 'strict' },
      pgsize: { kind: 'size', def: '4K' },
    },
    doc: 'A system IOMMU; devices attached with iommu=NAME get a DMA domain (strict, lazy) or an identity domain (passthrough). riscv: a RISC-V IOMMU (Sv39), from 6.13 only, whose devices get an identity domain in every mode (IOMMU_DMA is not built for RISC-V); only a driver\'s own domain translates.',
    explain: 'Declares a system IOMMU and how DMA domains use it (strict, lazy or passthrough).',
  }),
  op('device', 'header', {
    args: [arg('name', 'newname')],
    options: {
      dma_mask: { kind: 'bits', def: '64' },
      coherent: { kind: 'bool', def: 'false' },
      nosnoop: { kind: 'bool', def: 'false' },
      iommu: { kind: 'iommu' },
      mmu: { kind: 'bool', def: 'false' },
      bus: { kind: 'enum', values: ['platform', 'pci'], def: 'platform' },
      untrusted: { kind: 'bool', def: 'false' },
      swiotlb: { kind: 'enum', values: ['auto', 'force'], def: 'auto' },
      bus_limit: { kind: 'bits0', def: '0' },
      label: { kind: 'text', def: '""' },
      dma_ops: { kind: 'enum', values: ['system', 'own'], def: 'system' },
    },
    doc: "A DMA-capable device: its DMA mask (bits), bus limit, coherence, IOMMU, internal MMU, bus, swiotlb policy; nosnoop=true makes every access non-snooped (PCIe No Snoop: RAM behind the CPU cache, while the DMA API still believes the device coherent); label= the kernel's name for it, shown by the views; dma_ops=own (with mmu=true): thread 001's rejected proposal — the DMA API returns addresses in the device's own MMU.",
    explain: 'Declares a DMA-capable device: its DMA mask, whether it snoops the CPU caches, which IOMMU it sits behind.',
  }),

  // CPU memory and CPU access
  op('kmalloc', 'memory', {
    args: [size, arg('gfp', 'gfp')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'Allocate physically contiguous memory (at= places it at a physical address).',
    explain: 'Allocates physically contiguous kernel memory from the slab allocator (mm/slub.c).',
    run: (m, a, o, c) => kmallocRun(m, a.size, a.gfp, o, c),
  }),
  op('kzalloc', 'memory', {
    args: [size, arg('gfp', 'gfp')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'kmalloc, then zero the memory through the CPU cache (__GFP_ZERO).',
    run: (m, a, o, c) => kmallocRun(m, a.size, { k: 'flags', items: [a.gfp ?? gfpKernel(c), { k: 'name', name: '__GFP_ZERO', loc: c.loc }], loc: c.loc }, o, c),
  }),
  op('kfree', 'memory', {
    args: [arg('p', 'buf')],
    doc: 'Free a kmalloc buffer.',
    explain: 'Frees a kmalloc allocation.',
    run: (m, a, o) => freeRun(m, a.p, undefined, 'kmalloc', 'kfree', o),
  }),
  op('alloc_pages', 'memory', {
    args: [arg('gfp', 'gfp'), arg('order', 'int')],
    options: { at: { kind: 'int' } },
    results: ['buf'],
    doc: 'Allocate 2^order pages (at= places them at a physical address).',
    explain: 'Allocates 2^order contiguous pages from the page allocator (mm/page_alloc.c).',
    run: (m, a, o, c) => allocPagesRun(m, a.gfp, a.order, o, c),
  }),
  op('__free_pages', 'memory', {
    args: [arg('page', 'buf'), arg('order', 'int')],
    doc: 'Free pages from alloc_pages.',
    explain: 'Returns pages to the page allocator.',
    run: (m, a, o) => freeRun(m, a.page, a.order, 'pages', '__free_pages', o),
  }),
  op('vmalloc', 'memory', {
    args: [arg('size', 'size', 'vmallocBytes')],
    results: ['buf'],
    doc: 'Allocate virtually contiguous memory (pages scattered in RAM).',
    explain: 'Allocates virtually contiguous memory made of scattered pages: not usable with dma_map_single.',
    run: (m, a, o, c) => bindBufOrNull(m, c, o, vmalloc(m, c.targets[0] ?? '(unnamed)', argInt(m, a.size, 'a size'), o)),
  }),
  op('vfree', 'memory', {
    args: [arg('p', 'buf')],
    doc: 'Free a vmalloc buffer.',
    run: (m, a, o) => freeRun(m, a.p, undefined, 'vmalloc', 'vfree', o),
  }),
  op('stack_buffer', 'memory', {
    args: [size],
    results: ['buf'],
    doc: 'A buffer on the (vmapped) kernel stack.',
    explain: 'A buffer on the kernel stack (vmapped): never valid for DMA.',
    run: (m, a, o, c) => {
      const b = stackBuffer(m, c.targets[0] ?? '(unnamed)', argInt(m, a.size, 'a size'), o);
      if (b) bindBuf(m, c, b.id);
      else {
        bindNull(m, c, o);
        observe(o, 'mm/stack-overflow', 'the kernel stack is 16 KiB: an array this large would overflow it');
      }
    },
  }),
  op('cpu_write', 'memory', {
    args: [arg('p', 'ptr'), arg('bytes', 'bytes', 'accessBytes')],
    doc: 'CPU stores through the cache.',
    explain: 'The CPU stores bytes through its data cache (write-back, write-allocate).',
    cpuAccess: true,
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      if (!kasanCheck(m, buf, off, argBytes(a.bytes).length, true, 'cpu_write', o)) return;
      cpuTouch(m, buf.id, off, argBytes(a.bytes).length, true, o);
      cpuWrite(m, buf, off, argBytes(a.bytes), o);
    },
  }),
  op('cpu_read', 'memory', {
    args: [arg('p', 'ptr'), arg('len', 'size', 'accessBytes')],
    readsBytes: true,
    doc: 'CPU loads through the cache.',
    explain: 'The CPU loads bytes through its data cache: a hit returns the cached line, even if RAM changed.',
    cpuAccess: true,
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      const len = argInt(m, a.len, 'a length');
      if (!kasanCheck(m, buf, off, len, false, 'cpu_read', o)) return;
      cpuTouch(m, buf.id, off, len, false, o);
      o.data = cpuRead(m, buf, off, len, o);
    },
  }),
  op('memset', 'memory', {
    args: [arg('p', 'ptr'), arg('byte', 'byte'), arg('len', 'size', 'accessBytes')],
    doc: 'CPU fills memory with a byte.',
    explain: 'The CPU fills bytes through its data cache.',
    cpuAccess: true,
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      const len = argInt(m, a.len, 'a length');
      if (!kasanCheck(m, buf, off, len, true, 'memset', o)) return;
      cpuTouch(m, buf.id, off, len, true, o);
      cpuMemset(m, buf, off, argInt(m, a.byte, 'a byte') & 0xff, len, o);
    },
  }),
  op('cache_evict', 'memory', {
    args: [arg('p', 'ptr'), arg('len', 'size', 'accessBytes')],
    doc: 'Those cache lines leave the cache (dirty ones are written back).',
    explain: 'Those lines leave the cache; dirty ones are written back to RAM first.',
    cpuAccess: true,
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      const len = argInt(m, a.len, 'a length');
      if (rangeInRam(m, buf, off, len)) cacheEvictBuffer(m, buf, off, len, o);
      else observe(o, 'cache/outside-ram', `cache_evict: the range reaches outside RAM; nothing to evict there`);
    },
  }),
  op('cpu_prefetch', 'memory', {
    args: [arg('p', 'ptr'), arg('len', 'size', 'accessBytes')],
    doc: 'The CPU speculatively loads those lines.',
    explain: 'The CPU speculatively loads those lines from RAM into the cache.',
    cpuAccess: true,
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      const len = argInt(m, a.len, 'a length');
      if (rangeInRam(m, buf, off, len)) prefetchBuffer(m, buf, off, len, o);
      else observe(o, 'cache/outside-ram', `cpu_prefetch: the range reaches outside RAM; nothing is prefetched there`);
    },
  }),
  op('udelay', 'memory', {
    args: [arg('us', 'int')],
    doc: 'Time passes (timers such as the lazy IOMMU flush queue fire).',
    explain: 'Time passes; timers that expire fire (the lazy IOMMU flush queue, 10 ms).',
    run: (m, a, o) => advanceTime(m, argInt(m, a.us, 'microseconds'), o),
  }),

  // Streaming DMA
  op('dma_map_single', 'streaming', {
    args: [dev, arg('p', 'ptr'), arg('size', 'size', 'mappingBytes'), dir],
    optional: [attrs],
    results: ['handle'],
    yieldsInt: true,
    doc: 'Map a buffer for streaming DMA; returns its DMA address.',
    explain: 'Hands a kernel buffer to the device: returns the DMA address it must use, after any cache maintenance or bounce (kernel/dma/mapping.c).',
    trace: 'map',
    run: (m, a, o, c) => {
      const dev = argDev(m, a.dev);
      const { buf, off } = argPtr(m, a.p);
      dmaMapSingle(m, dev, buf, off, argInt(m, a.size, 'a size'), argDir(a.dir), argAttrs(a.attrs), o);
      bindDma(m, c, 0, o.result ?? DMA_MAPPING_ERROR, dev.name);
    },
  }),
  op('dma_unmap_single', 'streaming', {
    args: [dev, handle, arg('size', 'size', 'mappingBytes'), dir],
    optional: [attrs],
    doc: 'Unmap a dma_map_single mapping.',
    explain: 'Takes the buffer back from the device: cache maintenance for the CPU, copy back from a bounce slot, release the address.',
    trace: 'unmap',
    run: (m, a, o) => dmaUnmap(m, argDev(m, a.dev), argHandle(m, a.h), argInt(m, a.size, 'a size'), argDir(a.dir), argAttrs(a.attrs), 'single', o),
  }),
  op('dma_map_page', 'streaming', {
    args: [dev, arg('page', 'buf'), arg('offset', 'int'), arg('size', 'size', 'mappingBytes'), dir],
    optional: [attrs],
    results: ['handle'],
    yieldsInt: true,
    doc: 'Map part of a page for streaming DMA; returns its DMA address.',
    explain: 'As dma_map_single, for a page and an offset.',
    trace: 'map',
    run: (m, a, o, c) => {
      const dev = argDev(m, a.dev);
      const { buf, off } = argPtr(m, a.page);
      dmaMapPage(m, dev, buf, off, argInt(m, a.offset, 'an offset'), argInt(m, a.size, 'a size'), argDir(a.dir), argAttrs(a.attrs), o);
      bindDma(m, c, 0, o.result ?? DMA_MAPPING_ERROR, dev.name);
    },
  }),
  op('dma_unmap_page', 'streaming', {
    args: [dev, handle, arg('size', 'size', 'mappingBytes'), dir],
    optional: [attrs],
    doc: 'Unmap a dma_map_page mapping.',
    explain: 'As dma_unmap_single, for a mapping made with dma_map_page.',
    trace: 'unmap',
    run: (m, a, o) => dmaUnmap(m, argDev(m, a.dev), argHandle(m, a.h), argInt(m, a.size, 'a size'), argDir(a.dir), argAttrs(a.attrs), 'page', o),
  }),
  op('dma_sync_single_for_cpu', 'streaming', {
    args: [dev, handle, arg('size', 'size', 'mappingBytes'), dir],
    doc: 'Give the buffer back to the CPU.',
    explain: 'Gives a mapped buffer back to the CPU without unmapping: invalidates stale lines, copies back from a bounce slot.',
    trace: 'sync',
    run: (m, a, o) => dmaSync(m, argDev(m, a.dev), argHandle(m, a.h), argInt(m, a.size, 'a size'), argDir(a.dir), true, o),
  }),
  op('dma_sync_single_for_device', 'streaming', {
    args: [dev, handle, arg('size', 'size', 'mappingBytes'), dir],
    doc: 'Give the buffer back to the device.',
    explain: 'Gives a mapped buffer back to the device: writes the CPU’s data out (clean, or copy into the bounce slot).',
    trace: 'sync',
    run: (m, a, o) => dmaSync(m, argDev(m, a.dev), argHandle(m, a.h), argInt(m, a.size, 'a size'), argDir(a.dir), false, o),
  }),
  op('dma_mapping_error', 'streaming', {
    args: [dev, handle],
    yieldsInt: true,
    doc: 'Check a DMA address: 0, or fails with ENOMEM.',
    explain: 'Checks whether a mapping call failed (DMA_MAPPING_ERROR). dma-debug complains if a driver never checks.',
    run: (m, a, o) => dmaMappingError(m, argDev(m, a.dev), argHandle(m, a.h), o),
  }),
  op('sg_table', 'streaming', {
    repeat: [arg('p', 'ptr'), arg('len', 'size')],
    results: ['sgt'],
    doc: 'Build a scatter-gather table from (pointer, length) pairs.',
    explain: 'Builds a scatter-gather table from buffer pieces.',
    run: (m, _a, o, c) => sgTableRun(m, o, c),
  }),
  op('dma_map_sg', 'streaming', {
    args: [dev, arg('sgt', 'sgt'), dir],
    optional: [attrs],
    results: ['int'],
    yieldsInt: true,
    doc: 'Map a scatter-gather table; returns the number of DMA segments.',
    explain: 'Maps a scatter-gather table; returns how many DMA segments the device sees (entries may merge behind an IOMMU).',
    trace: 'map_sg',
    run: (m, a, o) => dmaMapSg(m, argDev(m, a.dev), argSgt(m, a.sgt), argDir(a.dir), argAttrs(a.attrs), o),
  }),
  op('dma_unmap_sg', 'streaming', {
    args: [dev, arg('sgt', 'sgt'), dir],
    optional: [attrs],
    options: { nents: { kind: 'int' } },
    doc: 'Unmap a scatter-gather table (nents= passes another entry count than the table has: the classic bug of passing the count dma_map_sg returned).',
    explain: 'Unmaps a scatter-gather table (with the original number of entries).',
    trace: 'unmap_sg',
    run: (m, a, o, c) => {
      const sgt = argSgt(m, a.sgt);
      dmaUnmapSg(m, argDev(m, a.dev), sgt, argDir(a.dir), argAttrs(a.attrs), o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
    },
  }),
  op('dma_sync_sg_for_cpu', 'streaming', {
    args: [dev, arg('sgt', 'sgt'), dir],
    options: { nents: { kind: 'int' } },
    doc: 'Give a scatter-gather table back to the CPU (nents= as for dma_unmap_sg).',
    explain: 'dma_sync_single_for_cpu for every entry of a scatter-gather table.',
    trace: 'sync_sg',
    run: (m, a, o, c) => {
      const sgt = argSgt(m, a.sgt);
      dmaSyncSg(m, argDev(m, a.dev), sgt, argDir(a.dir), true, o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
    },
  }),
  op('dma_sync_sg_for_device', 'streaming', {
    args: [dev, arg('sgt', 'sgt'), dir],
    options: { nents: { kind: 'int' } },
    doc: 'Give a scatter-gather table back to the device (nents= as for dma_unmap_sg).',
    explain: 'dma_sync_single_for_device for every entry of a scatter-gather table.',
    trace: 'sync_sg',
    run: (m, a, o, c) => {
      const sgt = argSgt(m, a.sgt);
      dmaSyncSg(m, argDev(m, a.dev), sgt, argDir(a.dir), false, o, kwInt(m, c.kwargs, 'nents') ?? sgt.entries.length);
    },
  }),
  op('sg_dma_address', 'streaming', {
    args: [arg('sgt', 'sgt'), arg('i', 'int')],
    results: ['handle'],
    yieldsInt: true,
    doc: 'The DMA address of mapped segment i.',
    explain: 'The DMA address of one mapped segment.',
    run: (m, a, o, c) => {
      const { e, i, n } = sgIndex(m, a.sgt, a.i, o);
      o.resultKind = 'addr';
      // sg_dma_address() reads the field, whatever the back end left in it past the count: dma-iommu's marker
      // (0 in 4.13–4.20, all ones otherwise: map-error.ts), a failed entry's value, or a stale address
      o.result = e ? e.dmaAddress : DMA_MAPPING_ERROR;
      if (i >= n) observe(o, 'sg/entry-past-nents', `entry ${i} is past the ${n} DMA segment(s) dma_map_sg returned: its DMA address ${e ? hexDma(e.dmaAddress) : '(no such entry)'} is not valid`);
      if (c.targets[0]) m.names[c.targets[0]] = { t: 'dma', addr: o.result, dev: '' };
    },
  }),
  op('sg_dma_len', 'streaming', {
    args: [arg('sgt', 'sgt'), arg('i', 'int')],
    results: ['int'],
    yieldsInt: true,
    doc: 'The length of mapped segment i.',
    explain: 'The length of one mapped segment.',
    run: (m, a, o, c) => {
      const { e, i, n } = sgIndex(m, a.sgt, a.i, o);
      o.resultKind = 'count';
      o.result = e && i < n ? e.dmaLength : 0;
      if (c.targets[0]) m.names[c.targets[0]] = { t: 'int', v: o.result };
    },
  }),
  op('dma_set_mask', 'streaming', {
    args: [dev, arg('bits', 'bits')],
    yieldsInt: true,
    doc: 'Set the streaming DMA mask (0, or fails with EIO).',
    explain: 'Sets the streaming DMA mask: the addresses the device can reach.',
    run: (m, a, o) => dmaSetMask(m, argDev(m, a.dev), argInt(m, a.bits, 'a bit count'), false, o),
  }),
  op('dma_set_mask_and_coherent', 'streaming', {
    args: [dev, arg('bits', 'bits')],
    yieldsInt: true,
    doc: 'Set the streaming and coherent DMA masks (0, or fails with EIO).',
    explain: 'Sets the streaming and the coherent DMA masks.',
    run: (m, a, o) => dmaSetMask(m, argDev(m, a.dev), argInt(m, a.bits, 'a bit count'), true, o),
  }),
  op('dma_set_max_seg_size', 'streaming', {
    args: [dev, size],
    yieldsInt: true,
    doc: 'Set the largest DMA segment the device handles.',
    explain: 'Sets the largest segment the device accepts in a scatter-gather list.',
    run: (m, a, o) => {
      const dev = argDev(m, a.dev);
      dev.maxSegSize = argInt(m, a.size, 'a size');
      o.result = 0;
      o.resultKind = 'status';
    },
  }),
  op('device_release_driver', 'streaming', {
    args: [dev],
    doc: 'The driver unbinds (dma-debug reports mappings still live).',
    explain: 'The driver unbinds; dma-debug reports every mapping still live.',
    run: (m, a, o) => releaseDriver(m, argDev(m, a.dev), o),
  }),

  // Coherent and non-coherent allocations
  op('dma_alloc_coherent', 'coherent', {
    args: [dev, arg('size', 'size', 'mappingBytes')],
    optional: [arg('gfp', 'gfp')],
    results: ['buf','handle'],
    yieldsInt: true,
    doc: 'Allocate coherent memory; gives the CPU pointer and the DMA address.',
    explain: 'Allocates memory both CPU and device see consistently (uncached or snooped); returns the CPU pointer and the DMA address.',
    trace: 'alloc',
    run: (m, a, o, c) => {
      const dev = argDev(m, a.dev);
      bindCpuAndHandle(m, c, o, dev.name, dmaAllocCoherent(m, dev, c.targets[0] ?? '(coherent)', argInt(m, a.size, 'a size'), o, argFlags(a.gfp ?? gfpKernel(c))));
    },
  }),
  op('dma_free_coherent', 'coherent', {
    args: [dev, arg('size', 'size', 'mappingBytes'), arg('cpu', 'buf'), handle],
    doc: 'Free coherent memory.',
    explain: 'Frees a coherent allocation.',
    trace: 'free',
    run: (m, a, o) => {
      const dev = argDev(m, a.dev);
      const cpu = argPtr(m, a.cpu).buf;
      dmaFreeCoherent(m, dev, argInt(m, a.size, 'a size'), cpu, argHandle(m, a.h), o);
    },
  }),
  op('dma_alloc_noncoherent', 'coherent', {
    args: [dev, arg('size', 'size', 'mappingBytes'), dir],
    optional: [arg('gfp', 'gfp')],
    results: ['buf','handle'],
    yieldsInt: true,
    doc: 'Allocate non-coherent DMA memory; gives the CPU pointer and the DMA address.',
    explain: 'Allocates cacheable DMA memory: the driver must sync it like a streaming mapping.',
    trace: 'alloc_pages',
    run: (m, a, o, c) => {
      if (!apiAvailable(m, 'dma_alloc_noncoherent', DMA_API_GATES.allocNoncoherent, o)) return;
      const dev = argDev(m, a.dev);
      bindCpuAndHandle(m, c, o, dev.name, dmaAllocNoncoherent(m, dev, c.targets[0] ?? '(noncoherent)', argInt(m, a.size, 'a size'), argDir(a.dir), o, argFlags(a.gfp ?? gfpKernel(c))));
    },
  }),
  op('dma_free_noncoherent', 'coherent', {
    args: [dev, arg('size', 'size', 'mappingBytes'), arg('cpu', 'buf'), handle, dir],
    doc: 'Free non-coherent DMA memory.',
    explain: 'Frees a non-coherent allocation.',
    trace: 'free_pages',
    run: (m, a, o) => {
      if (!apiAvailable(m, 'dma_free_noncoherent', DMA_API_GATES.allocNoncoherent, o)) return;
      const dev = argDev(m, a.dev);
      const cpu = argPtr(m, a.cpu).buf;
      dmaFreeNoncoherent(m, dev, argInt(m, a.size, 'a size'), cpu, argHandle(m, a.h), argDir(a.dir), o);
    },
  }),

  // Device side
  op('dev_read', 'device', {
    args: [dev, arg('addr', 'handle'), arg('len', 'size', 'accessBytes')],
    options: NOSNOOP,
    readsBytes: true,
    doc: "The device's DMA engine reads at a DMA address (nosnoop= this transaction's No Snoop attribute; default: the device's).",
    explain: 'The device’s DMA engine reads memory at a DMA address (through its IOMMU if it has one). It never sees the CPU cache unless it snoops.',
    run: (m, a, o, c) => devRead(m, argDev(m, a.dev), argHandle(m, a.addr), argInt(m, a.len, 'a length'), o, kwBool(c.kwargs, 'nosnoop')),
  }),
  op('dev_write', 'device', {
    args: [dev, arg('addr', 'handle'), arg('bytes', 'bytes', 'accessBytes')],
    options: NOSNOOP,
    doc: "The device's DMA engine writes at a DMA address (nosnoop= as for dev_read).",
    explain: 'The device’s DMA engine writes memory at a DMA address, straight to RAM unless it snoops.',
    run: (m, a, o, c) => devWrite(m, argDev(m, a.dev), argHandle(m, a.addr), argBytes(a.bytes), o, kwBool(c.kwargs, 'nosnoop')),
  }),

  // System IOMMU used directly
  op('iommu_domain_alloc', 'iommu', {
    args: [arg('iommu', 'iommu')],
    results: ['domain'],
    doc: 'Allocate an unmanaged IOMMU domain.',
    explain: 'Allocates an unmanaged IOMMU domain (as GPU drivers do).',
    run: iommuDomainAllocRun,
  }),
  op('iommu_attach_device', 'iommu', {
    args: [arg('dom', 'domain'), dev],
    yieldsInt: true,
    doc: 'Attach a device to a domain.',
    explain: 'Attaches a device to an IOMMU domain.',
    run: (m, a, o) => iommuStatus(o, iommuAttachDevice(m, argDomain(m, a.dom), argDev(m, a.dev), o)),
  }),
  op('iommu_detach_device', 'iommu', {
    args: [arg('dom', 'domain'), dev],
    doc: 'Detach a device from a domain.',
    explain: 'Detaches a device from its IOMMU domain.',
    run: (m, a, o) => iommuDetachDevice(m, argDomain(m, a.dom), argDev(m, a.dev), o),
  }),
  op('iommu_map', 'iommu', {
    args: [arg('dom', 'domain'), arg('iova', 'int'), arg('p', 'ptr'), arg('size', 'size', 'ptMapBytes'), arg('prot', 'prot')],
    yieldsInt: true,
    doc: 'Map an IOVA range to a buffer in a domain.',
    explain: 'Maps an IOVA range to physical memory in a domain’s page table.',
    run: iommuMapRun,
  }),
  op('iommu_unmap', 'iommu', {
    args: [arg('dom', 'domain'), arg('iova', 'int'), arg('size', 'size', 'ptMapBytes')],
    yieldsInt: true,
    doc: 'Unmap an IOVA range; returns the size unmapped.',
    explain: 'Unmaps an IOVA range (and invalidates the IOTLB).',
    run: (m, a, o) => {
      const dom = argDomain(m, a.dom);
      o.result = iommuUnmap(dom, argInt(m, a.iova, 'an IOVA'), argInt(m, a.size, 'a size'), o);
      o.resultKind = 'count';
    },
  }),
  op('arm_iommu_detach_device', 'iommu', {
    args: [dev],
    doc: '32-bit ARM only: take the device off the ARM_DMA_USE_IOMMU mapping arch_setup_dma_ops gave it (its DMA API becomes dma-direct) — arch internals a driver should not touch.',
    explain: 'arm32 only (<asm/dma-iommu.h>): detaches the device from the IOMMU mapping the arch code created for it, so its DMA API goes back to physical addresses (what nouveau does on Tegra).',
    run: (m, a, o) => armIommuDetachDevice(m, argDev(m, a.dev), o),
  }),
  op('iommu_flush_iotlb_all', 'iommu', {
    args: [arg('dom', 'domain')],
    doc: "Invalidate the domain's whole IOTLB (iommu_flush_iotlb_all); in the kernel this does not release a DMA_FQ flush queue's held IOVAs.",
    explain: 'Invalidates every IOTLB entry of the domain.',
    run: (m, a, o) => iommuFlushIotlbAll(argDomain(m, a.dom), o),
  }),

  // Device-internal MMU (GPU)
  op('gpu_vm_create', 'gpu', {
    args: [dev],
    results: ['vm'],
    doc: "Create a VM in the device's own MMU.",
    explain: 'Creates a GPU virtual address space (the device’s own MMU).',
    run: gpuVmCreateRun,
  }),
  op('gpu_vm_map', 'gpu', {
    args: [arg('vm', 'vm'), arg('va', 'int'), arg('dma_addr', 'handle'), arg('size', 'size', 'ptMapBytes')],
    yieldsInt: true,
    doc: 'Map GPU virtual addresses to a DMA address.',
    explain: 'Maps GPU virtual addresses to DMA addresses.',
    run: gpuVmMapRun,
  }),
  op('gpu_vm_unmap', 'gpu', {
    args: [arg('vm', 'vm'), arg('va', 'int'), arg('size', 'size', 'ptMapBytes')],
    doc: 'Unmap GPU virtual addresses.',
    explain: 'Unmaps GPU virtual addresses.',
    run: (m, a, o) => gpuVmUnmap(m, argVm(m, a.vm), argInt(m, a.va, 'a GPU VA'), argInt(m, a.size, 'a size'), o),
  }),
  op('gpu_read', 'gpu', {
    args: [arg('vm', 'vm'), arg('va', 'int'), arg('len', 'size', 'accessBytes')],
    options: NOSNOOP,
    readsBytes: true,
    doc: 'The GPU reads through its MMU (nosnoop=true: a non-snooped access, as for an uncached or write-combined GTT mapping).',
    explain: 'The GPU reads through its own MMU.',
    run: (m, a, o, c) => gpuRead(m, argVm(m, a.vm), argInt(m, a.va, 'a GPU VA'), argInt(m, a.len, 'a length'), o, kwBool(c.kwargs, 'nosnoop')),
  }),
  op('gpu_write', 'gpu', {
    args: [arg('vm', 'vm'), arg('va', 'int'), arg('bytes', 'bytes', 'accessBytes')],
    options: NOSNOOP,
    doc: 'The GPU writes through its MMU (nosnoop= as for gpu_read).',
    explain: 'The GPU writes through its own MMU.',
    run: (m, a, o, c) => gpuWrite(m, argVm(m, a.vm), argInt(m, a.va, 'a GPU VA'), argBytes(a.bytes), o, kwBool(c.kwargs, 'nosnoop')),
  }),

  // CMA
  op('dma_alloc_from_contiguous', 'cma', {
    args: [dev, arg('count', 'size', 'cmaPages'), arg('align_order', 'int')],
    results: ['buf'],
    doc: 'Allocate count pages from the CMA area (migrating movable pages out).',
    explain: 'Allocates pages from the CMA area, migrating movable pages out of the way.',
    run: (m, a, o, c) => {
      const dev = argDev(m, a.dev);
      const count = argInt(m, a.count, 'a page count');
      const align = argInt(m, a.align_order, 'an alignment order');
      bindBufOrNull(m, c, o, dmaAllocFromContiguous(m, dev, c.targets[0] ?? '(cma)', count, align, o));
    },
  }),
  op('dma_release_from_contiguous', 'cma', {
    args: [dev, arg('page', 'buf'), arg('count', 'size', 'cmaPages')],
    yieldsInt: true,
    doc: 'Release CMA pages.',
    explain: 'Returns pages to the CMA area.',
    run: (m, a, o) => {
      argDev(m, a.dev);
      const { buf } = argPtr(m, a.page);
      const ok = dmaReleaseFromContiguous(m, buf, argInt(m, a.count, 'a page count'), o);
      o.result = ok ? 1 : 0;
      o.resultKind = 'status';
    },
  }),
  op('alloc_movable', 'cma', {
    args: [arg('size', 'size', 'mappingBytes')],
    results: ['buf'],
    doc: 'Movable pages placed in the CMA area, lowest free first.',
    explain: 'Allocates movable pages in the CMA area (as the page cache borrows CMA memory).',
    run: (m, a, o, c) => bindBufOrNull(m, c, o, allocMovable(m, c.targets[0] ?? '(movable)', argInt(m, a.size, 'a size'), o)),
  }),
  op('free_movable', 'cma', {
    args: [arg('p', 'buf')],
    doc: 'Free movable pages from alloc_movable (their CMA pages return to the area).',
    explain: 'Frees movable pages: their CMA pages return to the area.',
    run: (m, a, o) => freeMovable(m, argPtr(m, a.p).buf, o),
  }),
  op('pin_pages', 'cma', {
    args: [arg('p', 'ptr'), arg('len', 'size', 'mappingBytes')],
    yieldsInt: true,
    doc: 'Pin pages (short-term): they cannot migrate.',
    explain: 'Pins pages for a short time: they cannot migrate.',
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      o.result = pinPages(m, buf, off, argInt(m, a.len, 'a length'), o);
      o.resultKind = 'count';
    },
  }),
  op('unpin_pages', 'cma', {
    args: [arg('p', 'ptr'), arg('len', 'size', 'mappingBytes')],
    doc: 'Unpin pages.',
    explain: 'Releases a pin.',
    run: (m, a, o) => {
      const { buf, off } = argPtr(m, a.p);
      unpinPages(m, buf, off, argInt(m, a.len, 'a length'), o);
    },
  }),

  // dma-buf
  op('dma_buf_export', 'dma-buf', {
    args: [arg('exporter', 'dev'), arg('p', 'ptr'), arg('size', 'size', 'mappingBytes')],
    options: {
      dynamic: { kind: 'bool', def: 'false' },
      cache_sgt: { kind: 'bool', def: 'false' },
      ops: { kind: 'enum', values: ['heap', 'gem'], def: 'heap' },
      proposal: { kind: 'enum', values: ['none', 'sync_cached'], def: 'none' },
    },
    results: ['dmabuf'],
    doc: `Export a buffer as a dma-buf. ops=gem: the GEM PRIME helpers (before 5.3 drm_prime caches each attachment's first mapping itself; from 5.3 cache_sgt_mapping). proposal="sync_cached": thread 004's never-merged proposal — cache a BIDIRECTIONAL mapping and sync it at every map and unmap.`,
    explain: 'An exporter wraps a buffer as a dma-buf.',
    run: dmaBufExportRun,
  }),
  op('dma_buf_attach', 'dma-buf', {
    args: [arg('db', 'dmabuf'), dev],
    results: ['attach'],
    doc: 'Attach an importer device.',
    explain: 'An importer device attaches to a dma-buf.',
    run: dmaBufAttachRun(false),
  }),
  op('dma_buf_dynamic_attach', 'dma-buf', {
    args: [arg('db', 'dmabuf'), dev],
    results: ['attach'],
    doc: 'Attach an importer that handles move_notify.',
    explain: 'An importer attaches with move_notify support (dynamic).',
    run: dmaBufAttachRun(true),
  }),
  op('dma_buf_detach', 'dma-buf', {
    args: [arg('db', 'dmabuf'), arg('at', 'attach')],
    doc: 'Detach an importer.',
    explain: 'An importer detaches from a dma-buf.',
    run: (m, a, o) => dmaBufDetach(m, argDmaBuf(m, a.db), argAttachment(m, a.at), o),
  }),
  op('dma_buf_map_attachment', 'dma-buf', {
    args: [arg('at', 'attach'), dir],
    results: ['sgt'],
    doc: "Map the dma-buf for the importer's device.",
    explain: 'Gets the scatter-gather table of the buffer, mapped for the importing device.',
    run: dmaBufMapAttachmentRun,
  }),
  op('dma_buf_unmap_attachment', 'dma-buf', {
    args: [arg('at', 'attach'), arg('sgt', 'sgt'), dir],
    doc: 'Unmap an attachment mapping.',
    explain: 'Releases a mapped attachment.',
    run: (m, a, o) => dmaBufUnmapAttachment(m, argAttachment(m, a.at), argSgt(m, a.sgt), argDir(a.dir), o),
  }),
  op('dma_buf_pin', 'dma-buf', {
    args: [arg('at', 'attach')],
    yieldsInt: true,
    doc: 'Pin the backing storage in place.',
    explain: 'Pins the dma-buf’s backing storage in place.',
    run: (m, a, o) => dmaBufStatus(o, dmaBufPin(m, argAttachment(m, a.at), o)),
  }),
  op('dma_buf_unpin', 'dma-buf', {
    args: [arg('at', 'attach')],
    doc: 'Unpin the backing storage.',
    explain: 'Releases the pin.',
    run: (m, a, o) => dmaBufUnpin(m, argAttachment(m, a.at), o),
  }),
  op('dma_buf_move', 'dma-buf', {
    args: [arg('db', 'dmabuf')],
    doc: 'The exporter moves the backing storage and calls move_notify.',
    explain: 'The exporter moves the backing storage and calls move_notify on dynamic importers.',
    run: (m, a, o) => {
      const r = dmaBufMove(m, argDmaBuf(m, a.db), o);
      if (r) dmaBufStatus(o, r);
    },
  }),
  op('dma_resv_lock', 'dma-buf', {
    args: [arg('db', 'dmabuf')],
    yieldsInt: true,
    doc: "Take the dma-buf's reservation lock.",
    explain: 'Takes the dma-buf’s reservation lock.',
    run: (m, a, o) => dmaBufStatus(o, dmaResvLock(m, argDmaBuf(m, a.db), o)),
  }),
  op('dma_resv_unlock', 'dma-buf', {
    args: [arg('db', 'dmabuf')],
    doc: "Drop the dma-buf's reservation lock.",
    explain: 'Releases the reservation lock.',
    run: (m, a, o) => dmaResvUnlock(m, argDmaBuf(m, a.db), o),
  }),
  op('dma_buf_begin_cpu_access', 'dma-buf', {
    args: [arg('db', 'dmabuf'), dir],
    yieldsInt: true,
    doc: 'Begin CPU access (syncs for the CPU).',
    explain: 'The CPU is about to access the dma-buf: the exporter syncs for the CPU.',
    run: (m, a, o) => dmaBufStatus(o, dmaBufCpuAccess(m, argDmaBuf(m, a.db), argDir(a.dir), true, o)),
  }),
  op('dma_buf_end_cpu_access', 'dma-buf', {
    args: [arg('db', 'dmabuf'), dir],
    yieldsInt: true,
    doc: 'End CPU access (syncs for the device).',
    explain: 'The CPU is done: the exporter syncs for the device.',
    run: (m, a, o) => dmaBufStatus(o, dmaBufCpuAccess(m, argDmaBuf(m, a.db), argDir(a.dir), false, o)),
  }),

  // Snooping and CPU memory attributes
  op('clflush', 'cache', {
    args: [arg('p', 'ptr'), arg('len', 'size')],
    doc: 'x86 clflush_cache_range: write back and invalidate every cache line of the range (what a driver does for a non-snooping device; ENOSYS elsewhere).',
    explain: 'x86 clflush_cache_range: writes back and invalidates every cache line of the range — the driver’s own flush for a device that does not snoop (the DMA API thinks it does).',
    run: clflushRun,
  }),
  op('wbinvd', 'cache', {
    doc: 'x86 wbinvd: write back and invalidate the whole CPU cache.',
    explain: 'x86 wbinvd: writes back and invalidates the whole CPU cache.',
    run: wbinvdRun,
  }),
  op('drm_clflush_sg', 'cache', {
    args: [arg('sgt', 'sgt')],
    doc: `drm_cache.c: clflush every page of an sg_table (x86); elsewhere "${DRM_NO_ARCH}" and a WARN, nothing flushed.`,
    explain: `drm_cache.c: clflush every page of an sg_table on x86; on other architectures it only complains (“${DRM_NO_ARCH}”).`,
    run: drmClflushSgRun,
  }),
  op('set_memory_wc', 'cache', {
    args: [arg('p', 'ptr'), arg('npages', 'size')],
    yieldsInt: true,
    doc: 'x86: make the linear map of npages pages write-combining (flushed first, as cpa_flush does); CPU accesses then bypass the cache (WC modelled as uncached). ENOSYS on other architectures.',
    explain: 'x86: the linear mapping of those pages becomes write-combining (flushed first); CPU accesses then bypass the cache.',
    run: setMemoryRun('wc'),
  }),
  op('set_memory_uc', 'cache', {
    args: [arg('p', 'ptr'), arg('npages', 'size')],
    yieldsInt: true,
    doc: 'x86: make the linear map of npages pages uncached (flushed first).',
    explain: 'x86: the linear mapping of those pages becomes uncached (flushed first).',
    run: setMemoryRun('uc'),
  }),
  op('set_memory_wb', 'cache', {
    args: [arg('p', 'ptr'), arg('npages', 'size')],
    yieldsInt: true,
    doc: 'x86: make those pages write-back (cached) again; no flush.',
    explain: 'x86: those pages become cached (write-back) again.',
    run: setMemoryRun('wb'),
  }),
  op('vmap', 'cache', {
    args: [arg('p', 'ptr'), arg('npages', 'size')],
    options: { prot: { kind: 'enum', values: ['cached', 'wc', 'uc'], def: 'cached' } },
    results: ['buf'],
    doc: 'mm/vmalloc.c vmap: a second mapping of the pages in vmalloc space, uncached with prot=uc|wc; no cache maintenance, and the cacheable linear alias stays (the mismatched-alias hazard).',
    explain: 'Maps the pages a second time in vmalloc space (uncached with prot=uc or wc); the cacheable linear alias stays, which is the mismatched-alias hazard.',
    run: vmapRun,
  }),
  op('vunmap', 'cache', {
    args: [arg('q', 'buf')],
    doc: 'Remove a vmap alias (the pages stay).',
    explain: 'Removes a vmap alias; the pages stay.',
    run: vunmapRun,
  }),
  // DMA allocations with attributes, pages and sg_tables
  op('dma_alloc_attrs', 'coherent', {
    args: [dev, size, arg('gfp', 'gfp'), attrs],
    results: ['buf','handle'],
    yieldsInt: true,
    doc: 'dma_alloc_coherent with attributes: DMA_ATTR_NO_KERNEL_MAPPING gives no CPU mapping (the pointer is a cookie), DMA_ATTR_WRITE_COMBINE a write-combining alias.',
    explain: 'dma_alloc_coherent with attributes: DMA_ATTR_NO_KERNEL_MAPPING returns no CPU mapping at all (a cookie).',
    trace: 'alloc',
    run: dmaAllocAttrsRun,
  }),
  op('dma_free_attrs', 'coherent', {
    args: [dev, size, arg('cpu', 'buf'), handle, attrs],
    doc: 'Free a dma_alloc_attrs allocation.',
    explain: 'Frees a dma_alloc_attrs allocation.',
    trace: 'free',
    run: dmaFreeAttrsRun,
  }),
  op('dma_alloc_pages', 'coherent', {
    args: [dev, size, dir],
    optional: [arg('gfp', 'gfp')],
    results: ['buf','handle'],
    yieldsInt: true,
    doc: 'Cacheable pages mapped for the device (5.10+): owned and synced like a streaming mapping.',
    explain: 'Cacheable pages mapped for the device; the driver syncs them like a streaming mapping.',
    trace: 'alloc_pages',
    run: dmaAllocPagesRun,
  }),
  op('dma_free_pages', 'coherent', {
    args: [dev, size, arg('page', 'buf'), handle, dir],
    doc: 'Free dma_alloc_pages memory.',
    explain: 'Frees dma_alloc_pages memory.',
    trace: 'free_pages',
    run: dmaFreePagesRun,
  }),
  op('dma_get_sgtable', 'coherent', {
    args: [dev, arg('cpu', 'buf'), handle, size],
    results: ['sgt'],
    yieldsInt: true,
    doc: 'The pages behind a coherent allocation as an sg_table ("fundamentally unsafe", says kernel/dma/mapping.c).',
    explain: 'The pages behind a coherent allocation as an sg_table (to share them, e.g. through dma-buf).',
    run: dmaGetSgtableRun,
  }),

  // The DMA API's queries, each from the version that added it
  op('dma_need_sync', 'queries', {
    args: [dev, handle],
    results: ['int'],
    yieldsInt: true,
    doc: 'Do dma_sync_* calls do anything for this mapping? 1 or 0 (5.8+).',
    explain: 'Asks whether dma_sync_* calls do anything for this mapping (1 or 0).',
    run: bindQueryResult(dmaNeedSyncRun),
  }),
  op('dma_addressing_limited', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'Can the device not reach all of memory directly (so mappings may bounce)? 1 or 0 (5.1+).',
    explain: 'Asks whether the device cannot reach all of memory directly, so mappings may bounce (1 or 0).',
    run: bindQueryResult(dmaAddressingLimitedRun),
  }),
  op('dma_max_mapping_size', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'The largest single mapping in bytes: 262144 when it may bounce through swiotlb, else SIZE_MAX (5.1+).',
    explain: 'Asks how large one mapping may be: 256 KiB when it may bounce through swiotlb.',
    run: bindQueryResult(dmaMaxMappingSizeRun),
  }),
  op('dma_opt_mapping_size', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'The largest mapping that stays fast: 131072 behind dma-iommu (the IOVA caches), else as dma_max_mapping_size (6.0+).',
    explain: 'Asks how large a mapping may be and stay fast (the IOMMU’s IOVA caches).',
    run: bindQueryResult(dmaOptMappingSizeRun),
  }),
  op('dma_get_required_mask', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'The DMA mask needed to reach all of RAM directly.',
    explain: 'Asks which DMA mask reaches all of RAM directly.',
    run: bindQueryResult(dmaGetRequiredMaskRun),
  }),
  op('is_swiotlb_active', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'Is there a swiotlb pool to bounce through? 1 or 0 (5.1+).',
    explain: 'Asks whether there is a swiotlb pool to bounce through (1 or 0).',
    run: bindQueryResult(isSwiotlbActiveRun),
  }),
  op('dma_streaming_is_coherent', 'queries', {
    args: [dev],
    results: ['int'],
    yieldsInt: true,
    doc: 'A proposal from thread 002 (January 2019), in no kernel: would streaming mappings of this device never need syncs? 1 or 0.',
    explain: 'A proposal from thread 002 that no kernel has: would streaming mappings of this device never need syncs? (1 or 0).',
    run: bindQueryResult(dmaStreamingIsCoherentRun),
  }),
];

/** Every operation, by name, in the reference's order. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(TABLE.map((o) => [o.name, o]));

/** The header statements (they build the machine; no handler). */
export const HEADER_OPS: ReadonlySet<string> = new Set(TABLE.filter((o) => o.section === 'header').map((o) => o.name));

export function lookupOp(name: string): Operation | undefined {
  return OPERATIONS.get(name);
}
