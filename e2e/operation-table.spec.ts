/**
 * The page reads the operation table the worker sends (src/sim/operations.ts
 * through EngineApi.operations()): the explanation's one line about the
 * step's operation, and the Reference panel's sections, come from it.
 */
import { expect, goToStep, openApp, test } from './fixtures.ts';

test("the explanation and the Reference panel read the engine's operation table", async ({ page }) => {
  await openApp(page);
  await goToStep(page, 'dma_map_single(');
  await expect(page.getByTestId('explanation').locator('.opdoc')).toContainText('Hands a kernel buffer to the device');

  await page.getByTestId('reference-btn').click();
  const ref = page.getByTestId('reference');
  await expect(ref.locator('h3')).toContainText(['Header: the machine', 'Streaming DMA', "The DMA API's queries", 'Constants']);
  await expect(ref).toContainText('n = dma_need_sync(dev, h)');
  await expect(ref).toContainText('cpu, h = dma_alloc_attrs(dev, size, gfp, attrs)');
});
