// The lesson catalogue's "parts" badge (src/scenario/lessons/catalog.ts) is
// read from the run's events: dma-debug is a part when dma-debug
// (kernel/dma/debug.c, lib/dma-debug.c before 4.19) reported something,
// whatever the kernel's words. err_printk() starts its line with "DMA-API:"
// only from 5.0 (pr_fmt, dma-mapping-4.21 pull); before, the driver and
// device names come first.
import { describe, expect, it } from 'vitest';
import { partsOf } from '../../src/scenario/lessons/catalog.ts';
import { runScenario } from '../../src/scenario/run.ts';

const doubleUnmap = (kernel: string) => `machine(arch=arm64, kernel="${kernel}")
device(nic)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
`;

describe('the parts a lesson touches', () => {
  it.each([
    ['6.18', 'DMA-API: nic nic: device driver tries to free DMA memory it has not allocated'],
    ['4.14', 'nic nic: DMA-API: device driver tries to free DMA memory it has not allocated'],
  ])('a double unmap on %s: dma-debug reports it ("%s …"), so dma-debug is a part', (kernel, line) => {
    const run = runScenario(doubleUnmap(kernel));
    expect(run.steps.flatMap((s) => s.warnings).map((w) => w.slice(0, line.length))).toEqual([line]);
    expect(partsOf([run])).toContain('dma-debug');
  });

  it('a clean map and unmap: no dma-debug part', () => {
    const text = doubleUnmap('6.18').split('\n').slice(0, -2).join('\n');
    expect(partsOf([runScenario(text)])).not.toContain('dma-debug');
  });
});
