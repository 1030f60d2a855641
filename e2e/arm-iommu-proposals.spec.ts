/**
 * Thread 000's arm32 IOMMU glue and the two runnable proposals of threads 001
 * and 004, in the built app (run `vite build` first): the IOMMU view shows the
 * ARM_DMA_USE_IOMMU mapping's bitmap as its IOVA space and the fault once
 * nouveau's domain replaces it; the GPU view shows the camera's internal
 * address space (dma_ops=own); the explanation labels proposals. Screenshots
 * at 1280×720 and 1440×900 go to $SHOTS_DIR (default test-results/).
 */
import { readFileSync } from 'node:fs';
import { expect, openLibrary, openView, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results';

function stepOf(name: string, text: string): number {
  const lines = readFileSync(new URL(`../src/scenario/library/${name}.dma`, import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^(machine|iommu|device)\s*\(/.test(l));
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no statement ${text}`);
  return i + 1;
}

async function go(page: Page, step: number): Promise<void> {
  await page.getByRole('slider', { name: 'Step' }).fill(String(step));
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
}

for (const size of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size });

    test('arm32: the arch mapping\'s bitmap in the IOMMU view, then the fault after nouveau attaches its own domain', async ({ page }) => {
      const name = 'arm-dma-use-iommu-tegra';
      await openLibrary(page, name);
      const h = stepOf(name, 'h = dma_map_single');
      await go(page, h);
      await openView(page, 'iommu');
      await expect(page.getByTestId('iommu-view')).toHaveAttribute('data-step', String(h));
      await expect(page.getByTestId('iommu-iova')).toContainText('arm32 ARM_DMA_USE_IOMMU mapping');
      // the bitmap knows used pages, not allocations: IOVA 0 and 0x1000 are one run of two pages
      await expect(page.locator('[data-testid=iova-row]')).toHaveCount(1);
      await expect(page.locator('[data-testid=iova-row]').first()).toHaveAttribute('data-lo', '0x0');
      await expect(page.locator('[data-testid=iova-row]').first()).toContainText('8 KiB');
      await expect(page.getByTestId('iommu-domain')).toContainText('ARM_DMA_USE_IOMMU');
      await page.screenshot({ path: `${SHOTS}/arm-iommu-bitmap-${size.width}.png` });

      const fault = stepOf(name, 'dev_read(gpu, h, 7)                      => FAULT');
      await go(page, fault);
      await expect(page.getByTestId('explanation')).toContainText('Unhandled context fault');
      await page.screenshot({ path: `${SHOTS}/arm-iommu-fault-${size.width}.png` });

      const detach = stepOf(name, 'arm_iommu_detach_device');
      await go(page, detach);
      await expect(page.getByTestId('explanation')).toContainText('arch internals');
    });

    test('dma_ops=own: the camera\'s internal address space in the GPU view, and the proposal label', async ({ page }) => {
      const name = 'device-own-dma-ops-camera';
      await openLibrary(page, name);
      const h = stepOf(name, 'h = dma_map_single(cam');
      await go(page, h);
      await expect(page.getByTestId('explanation')).toContainText('PROPOSAL');
      await openView(page, 'gpuvm');
      await expect(page.locator('[data-testid=gpu-vm][data-vm=dma_ops]')).toBeVisible();
      await page.screenshot({ path: `${SHOTS}/own-dma-ops-${size.width}.png` });
      const disp = stepOf(name, 'dev_read(disp, h, 5)');
      await go(page, disp);
      await expect(page.getByTestId('explanation')).toContainText("the DMA API shouldn't give you the device internal address");
      await page.screenshot({ path: `${SHOTS}/own-dma-ops-disp-${size.width}.png` });
    });
  });
}
