/**
 * Long inputs for the performance specs: a scenario of as many steps as
 * asked, and a file the preview server serves dropped on the page as a user
 * would drop it (a 150 MB evaluate() argument or routed body takes the page
 * down; a fetched Blob does not).
 */
import type { Page } from '@playwright/test';

/** A scenario of `steps` steps: map, device write, sync, read, unmap over and over (about 45 bytes a line). */
export function longLoop(steps: number): string {
  const lines = ['# a long loop: map, device write, sync, read, unmap', 'machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
  for (let i = 0; lines.length - 3 < steps; i++) {
    lines.push(`cpu_write(a + ${(i * 16) % 256}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 512, DMA_FROM_DEVICE)', `dev_write(cam, h, "d${i % 10}")`, 'dma_sync_single_for_cpu(cam, h, 512, DMA_FROM_DEVICE)', 'dma_unmap_single(cam, h, 512, DMA_FROM_DEVICE)');
  }
  return `${lines.slice(0, steps + 3).join('\n')}\n`;
}

type W = Window & { __file?: File };

/** Fetches `path` from the preview server as a File and drops it on the page. Returns the page's clock at the drop. */
export async function dropServed(page: Page, path: string, name: string): Promise<number> {
  await page.evaluate(
    async ([p, n]) => {
      const blob = await (await fetch(p)).blob();
      (window as W).__file = new File([blob], n, { type: 'text/plain' });
    },
    [path, name] as const,
  );
  return page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add((window as W).__file!);
    delete (window as W).__file;
    const t = performance.now();
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return t;
  });
}
