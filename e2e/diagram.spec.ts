/**
 * The machine diagram view, in Chromium against the built app: the bounce
 * arrow on swiotlb-32bit-device.dma's map step, stale DMA on arm64, a layout
 * that does not jump while stepping, reduced motion, light and dark themes.
 */
import { expect, goToStep, layoutOf, openLibrary, settled, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
});

const diagram = (page: Page) => page.getByTestId('machine-diagram');

async function openDiagram(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Diagram' }).click();
  await expect(diagram(page)).toBeVisible();
}

test('swiotlb-32bit-device: the map step shows the bounce copy into a swiotlb slot', async ({ page }) => {
  await openLibrary(page, 'swiotlb-32bit-device');
  await openDiagram(page);
  // Step 0: boxes, no arrows.
  await expect(diagram(page).locator('[data-box=cpu]')).toBeVisible();
  await expect(diagram(page).locator('[data-box=pool]')).toBeVisible();
  await expect(diagram(page).locator('[data-box=dev-nic]')).toContainText('nic');
  await expect(diagram(page).locator('[data-arrow]')).toHaveCount(0);
  await expect(page.getByTestId('diagram-captions')).toContainText('Step 0');

  const k = await goToStep(page, 'h = dma_map_single');
  await expect(diagram(page)).toHaveAttribute('data-step', String(k));
  await expect(diagram(page).locator('[data-arrow=bounce]')).toHaveCount(1);
  await expect(page.getByTestId('diagram-captions')).toContainText('CPU copies 4 KiB of buf into swiotlb slot');
  await expect(diagram(page).locator('[data-box^=slot-]')).toContainText('copy of buf');
  await expect(diagram(page).locator('.dg-tick.strong')).toContainText("nic's 32-bit limit");
  await settled(page); // the arrows have finished drawing in
  await page.screenshot({ path: 'test-results/diagram-bounce-light.png' });

  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await settled(page);
  await page.screenshot({ path: 'test-results/diagram-bounce-dark.png' });

  // The device then reads the slot.
  await goToStep(page, 'dev_read');
  await expect(diagram(page).locator('[data-arrow=dma-read]')).toHaveCount(1);
  await expect(page.getByTestId('diagram-captions')).toContainText('nic reads 5 B from swiotlb slot');
});

test('arm64: the non-coherent device reads stale RAM; x86 snoops', async ({ page }) => {
  await openLibrary(page, 'x86-always-coherent');
  await openDiagram(page);
  await goToStep(page, 'dev_read');
  await expect(diagram(page).locator('[data-arrow=snoop]')).toHaveCount(1);
  await expect(diagram(page).locator('[data-arrow=dma-read]')).not.toHaveAttribute('data-stale', 'true');

  await page.getByTestId('ovr-arch').selectOption('arm64');
  await expect(diagram(page).locator('[data-arrow=dma-read][data-stale=true]')).toHaveCount(1);
  await expect(diagram(page).locator('[data-arrow=snoop]')).toHaveCount(0);
  await expect(page.getByTestId('diagram-captions')).toContainText('STALE');
  await expect(diagram(page).locator('[data-box=buf-buf].dg-tone-stale')).toHaveCount(1);
  await settled(page);
  await page.screenshot({ path: 'test-results/diagram-stale-light.png' });
});

test('the diagram does not jump while stepping, and honours reduced motion', async ({ page }) => {
  const n = await openLibrary(page, 'swiotlb-32bit-device');
  await openDiagram(page);
  const boxes = () => layoutOf(page, ['.view-body', '.dg-svg', '[data-testid=diagram-captions]', '.explanation', '.timeline']);
  const first = await boxes();
  for (let k = 1; k <= n; k++) {
    await page.getByRole('button', { name: 'Step forward' }).click();
    await expect(diagram(page)).toHaveAttribute('data-step', String(k));
    expect(await boxes(), `layout at step ${k}`).toBe(first);
  }
  const animated = await page.locator('.dg-arrow-line, .dg-mark').first().evaluate((el) => getComputedStyle(el).animationName);
  expect(animated).not.toBe('none');

  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.getByRole('button', { name: 'First step' }).click();
  await goToStep(page, 'h = dma_map_single');
  const names = await diagram(page).locator('.dg-arrow-line').evaluateAll((els) => els.map((el) => getComputedStyle(el).animationName));
  expect(names.length).toBeGreaterThan(0);
  expect(new Set(names)).toEqual(new Set(['none']));
});
