/**
 * The front door's dma-debug hooks (kernel/dma/debug.h): each API call hands
 * dma-debug its own arguments, attrs included. debug_dma_alloc_coherent(dev,
 * size, dma_addr, virt, attrs) passes the allocation's attrs on to
 * add_dma_entry(), whose EEXIST report ("cacheline tracking EEXIST,
 * overlapping mappings aren't supported") DMA_ATTR_SKIP_CPU_SYNC silences
 * (c2bbf9d1e9ac, 5.15; kernel/dma/debug.c). Before 5.14 EEXIST is not
 * reported at all; 5.14 prints it as a plain pr_err (2b4bbc6231d7).
 *
 * debug_dma_map_page() runs after the back end mapped: it returns at once
 * when dma_mapping_error(dev, dma_addr), and otherwise check_for_stack()
 * runs before add_dma_entry() (kernel/dma/debug.c).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';

/** A buffer freed while still mapped for the device, whose page the next coherent allocation gets. */
function reuse(kernel: string, alloc: string): string[] {
  const r = runScenario(`machine(arch=arm64, kernel="${kernel}")
device(nic)
cpu, h = dma_alloc_coherent(nic, 4096)
p = kmalloc(4096, GFP_KERNEL)
h2 = dma_map_single(nic, p, 4096, DMA_FROM_DEVICE)
kfree(p)
${alloc}
`);
  expect(r.errors).toEqual([]);
  const map = r.steps[2]!;
  const last = r.steps[4]!;
  expect(last.result, 'the allocation got the page still mapped at line 5').toBe(map.result);
  return last.events.flatMap((e) => (e.kind === 'finding' ? [`${e.rule}: ${e.message}`] : []));
}

describe('dma-debug hooks at the front door', () => {
  it('report EEXIST when a coherent allocation lands on a cacheline a live mapping tracks (5.15+, no DMA_ATTR_SKIP_CPU_SYNC)', () => {
    expect(reuse('6.12', 'cpu2, h3 = dma_alloc_coherent(nic, 4096)')).toEqual(["map/cacheline-overlap: DMA-API: nic nic: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
  });

  it('pass dma_alloc_attrs() attrs on: DMA_ATTR_SKIP_CPU_SYNC silences the EEXIST', () => {
    expect(reuse('6.12', 'cpu2, h3 = dma_alloc_attrs(nic, 4096, GFP_KERNEL, DMA_ATTR_SKIP_CPU_SYNC)')).toEqual([]);
  });

  it('follow the version boundary: nothing before 5.14, a device-less pr_err in 5.14, err_printk from 5.15', () => {
    expect(reuse('5.13', 'cpu2, h3 = dma_alloc_coherent(nic, 4096)')).toEqual([]);
    expect(reuse('5.14', 'cpu2, h3 = dma_alloc_coherent(nic, 4096)')).toEqual(["map/cacheline-overlap: DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
    expect(reuse('5.15', 'cpu2, h3 = dma_alloc_coherent(nic, 4096)')).toHaveLength(1);
  });

  it('check the stack only after the back end mapped, and not at all when the map failed (debug_dma_map_page)', () => {
    const text = (swiotlb: string) => `machine(arch=arm64, ram=8G, swiotlb=${swiotlb})
device(nic, dma_mask=32)
s = stack_buffer(64)
h = dma_map_page(nic, s, 0, 64, DMA_TO_DEVICE)
`;
    const failed = runScenario(text('0')).steps[1]!;
    expect(failed.error).toBe('DMA_MAPPING_ERROR');
    expect(failed.events.filter((e) => e.kind === 'finding')).toEqual([]);
    const mapped = runScenario(text('4M')).steps[1]!;
    expect(mapped.error).toBeNull();
    const kinds = mapped.events.map((e) => (e.kind === 'finding' ? e.rule : e.kind));
    expect(kinds).toContain('map/stack');
    expect(kinds.indexOf('bounce'), 'swiotlb bounced first').toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('bounce')).toBeLessThan(kinds.indexOf('map/stack'));
    expect(kinds.indexOf('map/stack')).toBeLessThan(kinds.indexOf('dma_map'));
  });
});
