/**
 * The DMA API's queries (`kernel/dma/mapping.c`, `kernel/dma/direct.c`,
 * `kernel/dma/swiotlb.c`): what a driver can ask before it maps, each from
 * the release that added it (DMA_API_GATES; on an older kernel the call is an
 * error naming the version and commit). Results are integers: 1 / 0 for the
 * booleans, bytes for the sizes, the mask for dma_get_required_mask.
 *
 * - dma_get_required_mask: dma-direct answers the smallest all-ones mask
 *   covering the last page of RAM (dma_direct_get_required_mask:
 *   `(1ULL << (fls64(max_dma) - 1)) * 2 - 1`); behind dma-iommu
 *   DMA_BIT_MASK(32) (IOVAs can be placed anywhere).
 * - dma_addressing_limited: `min_not_zero(dma_get_mask(dev),
 *   dev->bus_dma_limit) < dma_get_required_mask(dev)`.
 * - is_swiotlb_active: the swiotlb pool exists (`mem && mem->nslabs`).
 * - dma_max_mapping_size: dma-direct: swiotlb_max_mapping_size() (IO_TLB_SIZE
 *   × IO_TLB_SEGSIZE = 256 KiB) when swiotlb is active and the device is
 *   addressing-limited or forced to bounce, else SIZE_MAX (5.1–5.2: whenever
 *   swiotlb is active, DMA_API_GATES.maxMappingSizeLimited); dma-iommu:
 *   swiotlb_max_mapping_size() for an untrusted device from 6.9
 *   (DMA_IOMMU_GATES.untrustedMaxMapping), SIZE_MAX before and otherwise.
 * - dma_opt_mapping_size: behind dma-iommu iova_rcache_range() (PAGE_SIZE <<
 *   (IOVA_RANGE_CACHE_MAX_SIZE - 1) = 128 KiB), else SIZE_MAX; never more
 *   than dma_max_mapping_size.
 * - dma_need_sync: dma-direct: `!dev_is_dma_coherent(dev) ||
 *   is_swiotlb_buffer(dev, dma_to_phys(dev, dma_addr))`; behind dma-iommu
 *   true (its ops have sync callbacks; from 6.11 __dma_need_sync answers true
 *   for it). From 6.11 (f406c8e4b770) dma_dev_need_sync() first checks
 *   dev->dma_skip_sync, which would make a coherent device behind dma-iommu
 *   answer false — but with CONFIG_DMA_API_DEBUG, which the explorer always
 *   has, dma_dev_need_sync() is always true, so the answer does not change.
 * - A device whose DMA API is a `struct dma_map_ops` (arm32's
 *   ARM_DMA_USE_IOMMU ops, a device's own ops) gets what mapping.c answers
 *   for ops that have no get_required_mask / max_mapping_size /
 *   opt_mapping_size: DMA_BIT_MASK(32), SIZE_MAX, SIZE_MAX; not addressing
 *   limited unless its mask is below 32 bits (`unlikely(ops)` in
 *   __dma_addressing_limited); dma_need_sync true (__dma_need_sync answers
 *   true for anything not dma-direct). Simplified: before 6.0 arm32 gave a
 *   coherent device iommu_coherent_ops with no sync callbacks, for which
 *   dma_need_sync was false.
 * - dma_streaming_is_coherent: a proposal from thread 002 (Thomas
 *   Hellström, January 2019) that was never merged; answered as it would
 *   have answered, with an event saying so.
 *
 * Simplified: SIZE_MAX is returned as 2^64 − 1 rounded to a double
 * (a check cannot spell it; the event says "SIZE_MAX"); no min_align_mask,
 * so swiotlb_max_mapping_size is a full 256 KiB; no dma_direct_all_ram_mapped()
 * (no DMA range holes).
 */
import type { Why } from '../events.ts';
import type { OpRun } from '../operation.ts';
import type { StepOutcome } from '../outcome.ts';
import { touchMappingAt } from './tracking.ts';
import { argDev, argHandle } from '../args.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { dmaBitMask, dmaLimit, type Device, type Machine } from '../machine.ts';
import { DMA_API_GATES, DMA_IOMMU_GATES, type Gate } from '../kernel-versions.ts';
import { devIsUntrusted } from '../iommu/iommu.ts';
import { bouncesUntrusted } from '../iommu/dma-iommu.ts';
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, isSwiotlbBuffer } from './swiotlb.ts';
import { dmaBackEnd } from './mapping.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'kernel/dma/mapping.c';
/** SIZE_MAX (2^64 − 1) as the nearest double: "no limit". */
export const SIZE_MAX = 2 ** 64 - 1;
const SWIOTLB_MAX_MAPPING = IO_TLB_SIZE * IO_TLB_SEGSIZE;
/** iova_rcache_range(): PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1). */
const IOVA_RCACHE_RANGE = PAGE_SIZE << 5;

/** The call exists on this kernel; otherwise the step fails naming the version and commit. */
export function apiAvailable(m: Machine, fn: string, g: Gate, o: StepOutcome): boolean {
  if (m.kernel >= g.code) return true;
  o.error = 'ENOSYS';
  observe(o, 'api/not-in-this-kernel', `${fn}() does not exist in ${m.config.kernel}: it was added in ${g.from} by ${g.commit ?? 'a commit'} ("${g.subject}"); a driver calling it would not build on this kernel`);
  return false;
}

function answer(o: StepOutcome, value: number, kind: 'count' | 'addr', text: string, why: Why): void {
  o.result = value;
  o.resultKind = kind;
  o.events.push({ kind: 'note', text, why });
}

function sizeText(n: number): string {
  return n === SIZE_MAX ? 'SIZE_MAX (no limit)' : `${n} bytes`;
}

/** Which back end answers: dma-direct, dma-iommu, or the device's dma_map_ops. */
function backEnd(m: Machine, dev: Device): 'direct' | 'iommu' | 'ops' {
  const be = dmaBackEnd(m, dev);
  return be === 'direct' || be === 'iommu' ? be : 'ops';
}

/** dma_get_required_mask(dev). */
export function requiredMask(m: Machine, dev: Device): number {
  if (backEnd(m, dev) !== 'direct') return dmaBitMask(32);
  const maxDma = m.config.ram - PAGE_SIZE;
  const fls = Math.floor(Math.log2(maxDma)) + 1;
  return 2 ** (fls - 1) * 2 - 1;
}

/** dma_addressing_limited(dev). */
export function addressingLimited(m: Machine, dev: Device): boolean {
  return dmaLimit(dev) < requiredMask(m, dev);
}

/** Every streaming mapping of the device bounces: forced on dma-direct, an untrusted device behind dma-iommu; never through dma_map_ops. */
function forcedBounce(m: Machine, dev: Device): boolean {
  const be = backEnd(m, dev);
  if (be === 'iommu') return bouncesUntrusted(m, dev) && m.swiotlb !== null;
  return be === 'direct' && dev.cfg.swiotlb === 'force';
}

/**
 * dma_max_mapping_size(dev): dma-direct's answer (dma_direct_max_mapping_size)
 * or the IOMMU ops' max_mapping_size, SIZE_MAX when they have none.
 */
export function maxMappingSize(m: Machine, dev: Device): number {
  const be = backEnd(m, dev);
  // dma_map_ops back ends (arm32's IOMMU glue, a device's own ops) have no max_mapping_size
  if (be === 'ops') return SIZE_MAX;
  if (be === 'iommu') {
    // iommu_dma_max_mapping_size() exists from 6.9 and checks only dev_is_untrusted() ("Drop redundant
    // is_swiotlb_active(dev) check"); before, iommu_dma_ops had no max_mapping_size at all
    if (m.kernel < DMA_IOMMU_GATES.untrustedMaxMapping.code) return SIZE_MAX;
    return devIsUntrusted(dev) ? SWIOTLB_MAX_MAPPING : SIZE_MAX;
  }
  if (!m.swiotlb) return SIZE_MAX;
  // 5.1–5.2: "If SWIOTLB is active, use its maximum mapping size", for every device
  if (m.kernel < DMA_API_GATES.maxMappingSizeLimited.code) return SWIOTLB_MAX_MAPPING;
  return addressingLimited(m, dev) || forcedBounce(m, dev) ? SWIOTLB_MAX_MAPPING : SIZE_MAX;
}

/** Why dma_max_mapping_size answered `n` for this device on this kernel. */
function maxMappingRule(m: Machine, dev: Device, n: number): string {
  const limit = `so one mapping is at most swiotlb_max_mapping_size(): ${IO_TLB_SEGSIZE} slots of ${IO_TLB_SIZE} bytes = ${SWIOTLB_MAX_MAPPING} bytes`;
  if (backEnd(m, dev) === 'iommu') {
    const g = DMA_IOMMU_GATES.untrustedMaxMapping;
    if (m.kernel < g.code) {
      return `iommu_dma_ops has no max_mapping_size before ${g.from} (${g.commit}), so the answer is SIZE_MAX${devIsUntrusted(dev) && forcedBounce(m, dev) ? ` — although this untrusted device's mappings bounce through swiotlb and fail above ${SWIOTLB_MAX_MAPPING} bytes` : ''}`;
    }
    return n === SIZE_MAX ? 'iommu_dma_max_mapping_size: a trusted device never bounces, so nothing limits its size: SIZE_MAX' : `iommu_dma_max_mapping_size: the device is untrusted and its mappings may bounce, ${limit}`;
  }
  if (n === SIZE_MAX) return 'no mapping of this device can bounce, so nothing limits its size: SIZE_MAX';
  const g = DMA_API_GATES.maxMappingSizeLimited;
  if (m.kernel < g.code) return `before ${g.from} ("${g.subject}") swiotlb being active limits every device, ${limit}`;
  return `this device's mappings may bounce through swiotlb, ${limit}`;
}

/**
 * What thread 002's proposed dma_streaming_is_coherent(dev) would answer:
 * streaming mappings of this device never need a sync — the device is
 * coherent and no mapping can bounce through swiotlb.
 */
export function streamingIsCoherent(m: Machine, dev: Device): boolean {
  if (!dev.coherent || forcedBounce(m, dev)) return false;
  return backEnd(m, dev) !== 'direct' || !m.swiotlb || !addressingLimited(m, dev);
}

const why = (fn: string, rule: string, file = FILE): Why => ({ fn, file, rule });

/** The dma_map_ops the answer came from, in words. */
const OPS_WORDS = "the device's dma_map_ops (not dma-direct, not dma-iommu)";

export const dmaGetRequiredMaskRun: OpRun<'dev'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  const mask = requiredMask(m, dev);
  const be = backEnd(m, dev);
  answer(o, mask, 'addr', `required mask ${hex(mask)}`, why('dma_get_required_mask', be === 'iommu' ? 'behind dma-iommu the answer is DMA_BIT_MASK(32): the IOMMU can place IOVAs below 4 GiB, whatever the RAM' : be === 'ops' ? `${OPS_WORDS} have no get_required_mask: DMA_BIT_MASK(32), the mask every ops implementation must support` : `dma_direct_get_required_mask: the smallest all-ones mask that reaches the last page of RAM (${hex(m.config.ram - PAGE_SIZE)})`));
};

export const dmaAddressingLimitedRun: OpRun<'dev'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  if (!apiAvailable(m, 'dma_addressing_limited', DMA_API_GATES.addressingLimited, o)) return;
  const lim = addressingLimited(m, dev);
  answer(o, lim ? 1 : 0, 'count', lim ? 'addressing limited' : 'not addressing limited', why('dma_addressing_limited', `min_not_zero(dma mask, bus_dma_limit) = 0x${dmaLimit(dev).toString(16)} ${lim ? '<' : '≥'} dma_get_required_mask() = 0x${requiredMask(m, dev).toString(16)}: ${lim ? 'some memory is out of direct reach, so streaming mappings of it bounce through swiotlb (or fail without it)' : 'the device reaches every page it may be given'}`, 'include/linux/dma-mapping.h'));
};

export const isSwiotlbActiveRun: OpRun<'dev'> = (m, a, o) => {
  argDev(m, a.dev);
  if (!apiAvailable(m, 'is_swiotlb_active', DMA_API_GATES.swiotlbActive, o)) return;
  const on = m.swiotlb !== null;
  answer(o, on ? 1 : 0, 'count', on ? 'swiotlb active' : 'no swiotlb', why('is_swiotlb_active', on ? `the swiotlb pool exists (${m.swiotlb!.nslabs} slots of ${IO_TLB_SIZE} bytes): a mapping the device cannot reach can bounce` : 'there is no swiotlb pool (swiotlb=0): a mapping the device cannot reach fails instead of bouncing', 'kernel/dma/swiotlb.c'));
};

export const dmaMaxMappingSizeRun: OpRun<'dev'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  if (!apiAvailable(m, 'dma_max_mapping_size', DMA_API_GATES.maxMappingSize, o)) return;
  const n = maxMappingSize(m, dev);
  const be = backEnd(m, dev);
  const rule = maxMappingRule(m, dev, n);
  answer(o, n, 'count', sizeText(n), be === 'iommu' ? why('iommu_dma_max_mapping_size', rule, 'drivers/iommu/dma-iommu.c') : be === 'ops' ? why('dma_max_mapping_size', `${OPS_WORDS} have no max_mapping_size: SIZE_MAX`) : why('dma_direct_max_mapping_size', rule, 'kernel/dma/direct.c'));
};

export const dmaOptMappingSizeRun: OpRun<'dev'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  if (!apiAvailable(m, 'dma_opt_mapping_size', DMA_API_GATES.optMappingSize, o)) return;
  const be = backEnd(m, dev);
  const n = Math.min(be === 'iommu' ? IOVA_RCACHE_RANGE : SIZE_MAX, maxMappingSize(m, dev));
  answer(o, n, 'count', sizeText(n), why('dma_opt_mapping_size', be === 'iommu' ? `behind dma-iommu: iova_rcache_range() = ${IOVA_RCACHE_RANGE} bytes, the largest IOVA the per-CPU caches recycle; larger mappings search the IOVA tree every time` : be === 'ops' ? `${OPS_WORDS} have no opt_mapping_size: the answer is dma_max_mapping_size()` : 'no IOMMU: nothing makes smaller mappings faster, so the answer is dma_max_mapping_size()'));
};

export const dmaNeedSyncRun: OpRun<'dev' | 'h'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  const addr = argHandle(m, a.h);
  touchMappingAt(m, dev.name, addr, o);
  if (!apiAvailable(m, 'dma_need_sync', DMA_API_GATES.needSync, o)) return;
  let need: boolean;
  let rule: string;
  const be = backEnd(m, dev);
  if (be === 'iommu') {
    need = true;
    rule = 'behind dma-iommu __dma_need_sync answers true: its sync callbacks do cache maintenance for a non-coherent device and bounce copies for an untrusted one (with CONFIG_DMA_API_DEBUG, as here, dma_dev_need_sync never skips the question)';
  } else if (be === 'ops') {
    need = true;
    rule = `through ${OPS_WORDS} __dma_need_sync answers true: only dma-direct is asked about the address`;
  } else if (!dev.coherent) {
    need = true;
    rule = 'dma_direct_need_sync: the device is not coherent, so every sync does cache maintenance';
  } else {
    need = isSwiotlbBuffer(m, addr);
    rule = need ? 'dma_direct_need_sync: the device is coherent, but this address is a swiotlb slot: the syncs copy between slot and buffer' : `dma_direct_need_sync: the device is coherent and the address is not a swiotlb slot, so the syncs do nothing${dev.cfg.nosnoop ? ' (the DMA API does not know this device issues non-snooped accesses: the driver must flush itself)' : ''}`;
  }
  answer(o, need ? 1 : 0, 'count', need ? 'sync needed' : 'no sync needed', why('dma_need_sync', rule));
};

export const dmaStreamingIsCoherentRun: OpRun<'dev'> = (m, a, o) => {
  const dev = argDev(m, a.dev);
  const yes = streamingIsCoherent(m, dev);
  const reason = !dev.coherent ? 'the device is not coherent: every streaming mapping needs syncs (cache maintenance)' : forcedBounce(m, dev) ? 'the device bounces every streaming mapping through swiotlb: the syncs copy' : !yes ? 'the device cannot reach all of memory and swiotlb is active: mappings may bounce, and then the syncs copy' : `the device is coherent and no mapping bounces: streaming mappings need no syncs${dev.cfg.nosnoop ? ' (as far as the DMA API knows: this device issues non-snooped accesses)' : ''}`;
  answer(o, yes ? 1 : 0, 'count', 'a proposal, in no kernel', {
    fn: 'dma_streaming_is_coherent (proposed, never merged)',
    file: 'thread 002: "[PATCH] lib/scatterlist: Provide a DMA page iterator", dri-devel, January 2019',
    rule: `Not a kernel function: Thomas Hellström proposed bool dma_streaming_is_coherent(const struct device *) in that thread so TTM could refuse to load where its map-once-never-sync use breaks; it was never merged and exists in no kernel. It would have answered ${yes ? 'true' : 'false'} here: ${reason}.`,
  });
};

/** Each query binds its integer result to the name it is assigned to (`n = dma_need_sync(…)`). */
export function bindQueryResult<N extends string>(run: OpRun<N>): OpRun<N> {
  return (m, a, o, c) => {
    run(m, a, o, c);
    const t = c.targets[0];
    if (t) m.names[t] = { t: 'int', v: o.result ?? 0 };
  };
}
