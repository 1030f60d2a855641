/**
 * The machine views against known library scenarios (run `vite build` first):
 * bytes three ways, cache, memory map, swiotlb, the timeline's ownership
 * lanes, and the selection linking them. Screenshots at 1280×800, light and
 * dark, go to test-results/views-*.png.
 */
import { expect, goToStep, layoutOf, openApp, openLibrary, openView, stepTotal, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

test.use({ viewport: { width: 1280, height: 800 } });

/** Where screenshots go (SHOTS_DIR to keep them out of a shared test-results/). */
const SHOTS = process.env.SHOTS_DIR ?? 'test-results';

async function asciiOf(page: Page, row: 'cpu' | 'ram' | 'dev'): Promise<string> {
  return (await page.locator(`[data-testid=hex] [data-ascii=${row}]`).first().textContent()) ?? '';
}

test('bytes three ways: RAM has the device data while the CPU still sees its old line; sync_for_cpu makes them agree', async ({ page }) => {
  await openLibrary(page, 'arm64-from-device-needs-sync');
  await openView(page, 'bytes');
  const view = page.getByTestId('bytes-view');

  const write = await goToStep(page, 'cpu_write(buf, "old data")');
  await expect(view).toHaveAttribute('data-step', String(write));
  await expect(view).toHaveAttribute('data-buffer', 'buf');
  // The CPU wrote into its cache: RAM is behind (dirty).
  expect(await asciiOf(page, 'cpu')).toContain('old data');
  await expect(page.getByTestId('bytes-summary')).toContainText('dirty');
  await expect(page.locator('[data-testid=hex] .seg.D').first()).toBeVisible();

  const dev = await goToStep(page, 'dev_write(cam, h, "new data")');
  await expect(view).toHaveAttribute('data-step', String(dev));
  expect(await asciiOf(page, 'cpu')).toContain('old data');
  expect(await asciiOf(page, 'ram')).toContain('new data');
  expect(await asciiOf(page, 'dev')).toContain('new data');
  await expect(page.getByTestId('bytes-summary')).toContainText('stale in the CPU cache');
  await expect(page.locator('[data-testid=hex] .verdict.bad').first()).toContainText('stale');
  await expect(page.locator('[data-testid=hex] [data-ascii=ram] .d').first()).toBeVisible();
  await expect(page.getByTestId('bytes-facts')).toContainText('device owns it');
  await page.screenshot({ path: `${SHOTS}/views-bytes-light.png` });

  const sync = await goToStep(page, 'dma_sync_single_for_cpu');
  await expect(view).toHaveAttribute('data-step', String(sync));
  expect(await asciiOf(page, 'cpu')).toContain('new data');
  expect(await asciiOf(page, 'ram')).toContain('new data');
  await expect(page.getByTestId('bytes-summary')).toContainText('agree');
  await expect(page.getByTestId('bytes-facts')).toContainText('given back to the CPU');
});

test('cache: the line is dirty after cpu_write and clean after dma_map_single (arm64 cleans it)', async ({ page }) => {
  await openLibrary(page, 'arm64-from-device-needs-sync');
  await openView(page, 'cache');
  const view = page.getByTestId('cache-view');

  const write = await goToStep(page, 'cpu_write(buf, "old data")');
  await expect(view).toHaveAttribute('data-step', String(write));
  await expect(page.getByTestId('cache-dirty')).toHaveText('1');
  await expect(page.locator('[data-testid=cache-lines] li[data-state=D]')).toHaveCount(1);
  await expect(page.getByTestId('cache-touched')).toContainText('filled from RAM');
  await expect(page.getByTestId('cache-canvas')).toBeVisible();

  const map = await goToStep(page, 'dma_map_single');
  await expect(view).toHaveAttribute('data-step', String(map));
  await expect(page.getByTestId('cache-dirty')).toHaveText('0');
  await expect(page.locator('[data-testid=cache-lines] li[data-state=C]')).toHaveCount(1);
  await expect(page.getByTestId('cache-touched')).toContainText('cleaned');
  await expect(page.getByTestId('cache-touched')).toContainText('dirty bytes written back');

  // Hover a cell: the tooltip names the line, its state and the buffer.
  const line = (await page.locator('[data-testid=cache-lines] li').first().getAttribute('data-line')) ?? '';
  await page.getByTestId('cache-present').getByRole('button').first().click();
  await expect(page.getByTestId('cache-present').getByRole('button').first()).toHaveClass(/on/);
  expect(line).toMatch(/^0x/);
  await page.screenshot({ path: `${SHOTS}/views-cache-light.png` });
});

test('cache: an invalidate that discards dirty data is called out with its bytes', async ({ page }) => {
  await openLibrary(page, 'arm-v7-from-device-discards');
  await openView(page, 'cache');
  // Step until a discard shows (the scenario is about exactly that).
  const n = await stepTotal(page);
  await page.locator('.explanation').click();
  let found = false;
  for (let i = 0; i < n && !found; i++) {
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('cache-view')).toHaveAttribute('data-step', String(i + 1));
    found = (await page.getByTestId('cache-discard').count()) > 0;
  }
  expect(found).toBe(true);
  await expect(page.getByTestId('cache-discard').first()).toContainText('Dirty data discarded');
  await expect(page.getByTestId('cache-touched')).toContainText('DIRTY DATA DISCARDED');
});

test('swiotlb: the slot is taken at the map, the bounce shows in the plot; memory map finds the buffer above 4 GiB', async ({ page }) => {
  await openLibrary(page, 'swiotlb-32bit-device');
  await openView(page, 'swiotlb');
  await expect(page.getByTestId('swiotlb-used')).toHaveText('0');
  const map = await goToStep(page, 'dma_map_single');
  await expect(page.getByTestId('swiotlb-view')).toHaveAttribute('data-step', String(map));
  await expect(page.getByTestId('swiotlb-used')).not.toHaveText('0');
  await expect(page.getByTestId('bounce-facts')).toContainText('4 KiB into the slot');
  const bar = page.locator(`[data-testid=bounce-plot] g[data-from="${map}"]`);
  await expect(bar).toHaveAttribute('data-bytes', '4096');
  await expect(bar.locator('rect.to-dev')).toHaveCount(1);
  await expect(page.getByTestId('swiotlb-canvas')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/views-swiotlb-light.png` });

  await openView(page, 'memmap');
  await expect(page.getByTestId('memmap-range')).toContainText('8 GiB of 8 GiB');
  await page.getByTestId('memmap-buffers').getByRole('button', { name: /buf/ }).click();
  // Zoomed from 8 GiB to a few KiB around the buffer.
  await expect(page.getByTestId('memmap-range')).toContainText(/\d+(\.\d+)? KiB of 8 GiB/);
  await page.screenshot({ path: `${SHOTS}/views-memmap-light.png` });
  await page.getByRole('button', { name: 'All RAM' }).click();
  await expect(page.getByTestId('memmap-range')).toContainText('8 GiB of 8 GiB');
  await page.getByTestId('zoom-selection').click();
  await expect(page.getByTestId('memmap-range')).toContainText(/KiB of 8 GiB/);
});

test('selection links the views and the timeline lanes; ownership lanes follow map, sync and unmap', async ({ page }) => {
  await openLibrary(page, 'arm64-from-device-needs-sync');
  // Lanes: one for "buf"; device-owned from the map until sync_for_cpu.
  await expect(page.getByTestId('lane-head')).toContainText('buf');
  const map = await goToStep(page, 'dma_map_single');
  const row = (k: number) => page.locator(`[data-testid=timeline] .tl-row[data-step="${k}"] .tl-lane`).first();
  await expect(row(map)).toHaveClass(/s3/);
  await expect(row(map - 1)).toHaveClass(/s1/);
  const sync = await goToStep(page, 'dma_sync_single_for_cpu');
  await expect(row(sync)).toHaveClass(/s2/);
  await expect(page.getByTestId('finding-strip')).toBeVisible();

  // Select a cache line in the bytes view…
  await goToStep(page, 'cpu_write(buf, "old data")');
  await openView(page, 'bytes');
  await page.locator('[data-testid=hex] .seg').first().click();
  await expect(page.locator('[data-testid=hex] .seg.selseg').first()).toBeVisible();
  // …the cache view marks it, the memory map lists the buffer as selected, the lane is highlighted.
  await openView(page, 'cache');
  await expect(page.getByTestId('cache-present').locator('.line-chip.on')).toHaveCount(1);
  await openView(page, 'memmap');
  await expect(page.getByTestId('memmap-buffers').locator('button.on')).toHaveText(/buf/);
  await expect(page.getByTestId('lane-head').locator('button.sel')).toHaveCount(1);
  await expect(page.getByTestId('zoom-selection')).toHaveText('Zoom to selection');
  // Clicking the lane head again clears the selection everywhere.
  await page.getByTestId('lane-head').locator('button.sel').click();
  await expect(page.getByTestId('memmap-buffers').locator('button.on')).toHaveCount(0);
});

test('stepping with a view open does not move the layout', async ({ page }) => {
  const n = await openLibrary(page, 'arm64-from-device-needs-sync');
  for (const id of ['bytes', 'cache', 'memmap', 'swiotlb']) {
    await openView(page, id);
    await page.locator('.explanation').click();
    await page.keyboard.press('Home');
    const box = () => layoutOf(page, ['.views', '.timeline', '.explanation', '.controls', '.tabs']);
    const first = await box();
    for (let k = 1; k <= n; k++) {
      await page.keyboard.press('ArrowRight');
      await expect(page.locator(`[data-view=${id}] [data-step="${k}"]`).first()).toBeVisible();
      expect(await box(), `${id} at step ${k}`).toBe(first);
    }
  }
});

for (const theme of ['light', 'dark'] as const) {
  test(`screenshots of every view at 1280×800 (${theme})`, async ({ page }) => {
    await openLibrary(page, 'swiotlb-32bit-device', theme);
    await goToStep(page, 'dev_read');
    for (const id of ['bytes', 'cache', 'memmap', 'swiotlb']) {
      await openView(page, id);
      await expect(page.locator(`[data-view=${id}] [data-step]`).first()).toBeVisible();
      await page.screenshot({ path: `${SHOTS}/views-${id}-${theme}-swiotlb.png` });
    }
    await openLibrary(page, 'arm64-from-device-needs-sync', theme);
    await goToStep(page, 'dev_write');
    for (const id of ['bytes', 'cache']) {
      await openView(page, id);
      await expect(page.locator(`[data-view=${id}] [data-step]`).first()).toBeVisible();
      await page.screenshot({ path: `${SHOTS}/views-${id}-${theme}-arm64.png` });
    }
  });
}

test('bytes three ways: each device row is labelled with its own mapping when devices mapped in another order', async ({ page }) => {
  // b maps x before a exists in the mapping index, then a and b both map z:
  // the devices' own order (b, a) differs from the order z was mapped in (a, b).
  const text = [
    'machine(arch=x86)',
    'device(a, dma_mask=64)',
    'device(b, dma_mask=64)',
    'x = kmalloc(64, GFP_KERNEL)',
    'z = kmalloc(64, GFP_KERNEL)',
    'cpu_write(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")',
    'hx = dma_map_single(b, x, 64, DMA_TO_DEVICE)',
    'hz = dma_map_single(a, z, 16, DMA_TO_DEVICE)',
    'hz2 = dma_map_single(b, z, 64, DMA_BIDIRECTIONAL)',
  ].join('\n');
  const { encodeShareHash } = await import('../src/scenario/url.ts');
  const n = await openApp(page, `#${await encodeShareHash(text, 0)}`);
  await openView(page, 'bytes');
  await goToStep(page, 'hz2 = dma_map_single');
  expect(n).toBe(6);
  const view = page.getByTestId('bytes-view');
  await expect(view).toHaveAttribute('data-buffer', 'z');

  // The facts: a mapped 16 bytes for the device to read, b the whole buffer both ways.
  await expect(page.locator('[data-testid=bytes-mapping][data-dev=a]')).toContainText('single DMA_TO_DEVICE');
  await expect(page.locator('[data-testid=bytes-mapping][data-dev=b]')).toContainText('single DMA_BIDIRECTIONAL');
  await expect(page.locator('[data-testid=bytes-mapping]')).toHaveCount(2);

  // The rows: a's mapping covers the first 16 bytes only, b's all 64.
  const hex = page.getByTestId('hex');
  const rowA = hex.locator('.bytes[data-row=dev][data-who=a]');
  const rowB = hex.locator('.bytes[data-row=dev][data-who=b]');
  await expect(rowA).toHaveCount(4);
  await expect(rowA.nth(0).locator('.absent')).toHaveCount(0);
  await expect(rowA.nth(1).locator('.absent')).toHaveCount(16);
  for (let g = 0; g < 4; g++) await expect(rowB.nth(g).locator('.absent')).toHaveCount(0);
});
