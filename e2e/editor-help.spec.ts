/**
 * Help while typing: hover docs on an operation, signature help that follows
 * the argument under the cursor, the New scenario template, and the language
 * reference inside the explorer; at 1280×720 and 1440×900, with screenshots.
 */
import { expect, openApp, stepCount, test } from './fixtures.ts';

for (const [w, h] of [
  [1280, 720],
  [1440, 900],
] as const) {
  test.describe(`${w}x${h}`, () => {
    test.use({ viewport: { width: w, height: h } });

    test('hover docs and signature help for an operation', async ({ page }) => {
      await openApp(page);
      // Hover docs: the signature, what it does, its parameters.
      await page.locator('.cm-line', { hasText: 'h = dma_map_single(' }).getByText('dma_map_single').hover();
      const tip = page.locator('.cm-tooltip-hover .cm-help');
      await expect(tip).toBeVisible();
      await expect(tip).toContainText('h = dma_map_single(dev, p, size, dir[, attrs])');
      await expect(tip).toContainText('a DMA direction');
      await page.screenshot({ path: `/tmp/uxb-hover-${w}.png` });
      await page.mouse.move(5, h - 5);

      // Signature help: typing a call shows the signature with the current argument.
      await page.locator('.cm-line', { hasText: 'kfree(buf)' }).click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('dma_sync_single_for_cpu(dev, h, ');
      const sig = page.locator('[data-testid=signature-help]');
      await expect(sig).toBeVisible();
      await expect(sig.locator('.cm-help-active')).toHaveText('size');
      await expect(sig).toContainText('size: a positive size');
      await page.keyboard.type('256, ');
      await expect(sig.locator('.cm-help-active')).toHaveText('dir');
      // Where a direction is expected, completion offers the directions beside the signature.
      const completion = page.locator('.cm-tooltip-autocomplete');
      await expect(completion).toContainText('DMA_FROM_DEVICE');
      await page.screenshot({ path: `/tmp/uxb-sighelp-${w}.png` });
      // Every edit starts a run, and Esc while a run is in flight stops the run instead:
      // wait for the run of the line as typed (its parse error at the line's end).
      await expect(page.getByTestId('parse-error').locator('.mono')).toHaveText(
        new RegExp(`^\\d+:${'dma_sync_single_for_cpu(dev, h, 256, '.length + 1}: expected an argument`),
      );
      // One Esc closes both the completion list and the signature.
      await page.keyboard.press('Escape');
      await expect(completion).toHaveCount(0);
      await expect(sig).toHaveCount(0);
      await page.keyboard.type('DMA_');
      await expect(sig.locator('.cm-help-active')).toHaveText('dir');
      await page.keyboard.type('FROM_DEVICE)');
      await expect(sig).toHaveCount(0);
      // Clicking into a call to read it does not pop the signature over the text.
      await page.locator('.cm-line', { hasText: 'h = dma_map_single(' }).getByText('DMA_FROM_DEVICE').click();
      await expect(sig).toHaveCount(0);
    });

    test('New scenario and the language reference', async ({ page }) => {
      await openApp(page);
      await page.getByTestId('new-scenario').click();
      await expect(page.locator('.cm-content')).toContainText('# New scenario');
      await expect(stepCount(page)).toHaveText(/^step \d+ \/ 7$/);
      await page.getByTestId('reference-btn').click();
      const ref = page.getByTestId('reference');
      await expect(ref).toBeVisible();
      expect(await ref.locator('.ref-op').count()).toBeGreaterThan(60);
      await page.getByTestId('reference-filter').fill('sync_single');
      // The two single syncs, and the sg syncs whose description names them.
      await expect(ref.locator('.ref-op')).toHaveCount(4);
      await expect(ref.locator('[data-op=dma_sync_single_for_device]')).toBeVisible();
      await expect(ref.locator('[data-op=dma_map_single]')).toHaveCount(0);
      await expect(ref.locator('[data-op=dma_sync_single_for_cpu]')).toContainText('Give the buffer back to the CPU');
      await page.getByTestId('reference-filter').fill('');
      await page.screenshot({ path: `/tmp/uxb-reference-${w}.png` });
      await page.keyboard.press('Escape');
      await expect(ref).toHaveCount(0);
    });
  });
}
