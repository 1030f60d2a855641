/**
 * The words of a dma_sync event say whether a live mapping held the range.
 * The kernel syncs whatever address it is given (dma_direct_sync_single_for_*
 * has no record of mappings; only dma-debug looks them up), so a sync after
 * unmap still does its cache maintenance, but no mapping changes hands: the
 * explorer must not say "ownership goes to the device" then.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { describeEvent } from '../../src/scenario/event-words.ts';

const TEXT = `machine(arch=arm64)
device(nic)
buf = kmalloc(2048, GFP_KERNEL)
h = dma_map_single(nic, buf, 2048, DMA_FROM_DEVICE)
dma_sync_single_for_cpu(nic, h, 2048, DMA_FROM_DEVICE)
dma_unmap_single(nic, h, 2048, DMA_FROM_DEVICE)
dma_sync_single_for_device(nic, h, 2048, DMA_FROM_DEVICE)
`;

describe('dma_sync in words', () => {
  const r = runScenario(TEXT);
  const syncOf = (step: number) => r.steps[step - 1]!.events.find((e) => e.kind === 'dma_sync')!;

  it('a sync of a live mapping hands it over', () => {
    const e = syncOf(3);
    expect(e).not.toHaveProperty('untracked');
    expect(describeEvent(e)).toMatch(/ownership goes to the CPU\.$/);
  });

  it('a sync after unmap still maintains the cache, and says no mapping changes hands', () => {
    const step = r.steps[4]!;
    const e = syncOf(5);
    expect(e).toMatchObject({ untracked: true });
    expect(describeEvent(e)).toMatch(/no live mapping holds it, so nothing changes hands/);
    expect(step.events.some((x) => x.kind === 'cache_maint')).toBe(true);
    expect(step.events.some((x) => x.kind === 'finding' && x.message.includes('has not allocated'))).toBe(true);
  });
});
