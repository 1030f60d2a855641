/**
 * Completion while typing (@codemirror/autocomplete fed by completions.ts):
 * an operation prefix offers operations; inside a call the argument's kind
 * decides — declared devices and buffers, direction constants; in a header,
 * its option keys (arch=, dma_mask=); Enter and Tab accept, Ctrl+Space opens
 * the list on an empty word. One page load; screenshots at both sizes.
 */
import type { Page } from '@playwright/test';
import { expect, openApp, test } from './fixtures.ts';

const list = (page: Page) => page.locator('.cm-tooltip-autocomplete');
/** The labels offered, in order. */
const offered = (page: Page) => list(page).locator('.cm-completionLabel').allTextContents();
/** The text of the editor line holding the cursor. */
const cursorLine = (page: Page) => page.locator('.cm-activeLine');
/**
 * Accept the selected option with `key`. @codemirror/autocomplete ignores an
 * accept key within `interactionDelay` (75 ms) of the list opening, so a key
 * typed just as the list appears is not taken as a choice: a person reads
 * first, and so does the test.
 */
async function accept(page: Page, key: 'Enter' | 'Tab'): Promise<void> {
  await expect(list(page)).toBeVisible();
  await page.waitForTimeout(120);
  await page.keyboard.press(key);
  await expect(list(page)).toHaveCount(0);
}

/**
 * Waits until the run of the line as typed has answered (its parse error, at
 * column `col`, is shown). Every edit starts a run, and Esc while a run is in
 * flight stops the run (the app's key) instead of closing the list: on a
 * slow machine an Esc pressed right after typing could land in that run.
 */
async function ranAsTyped(page: Page, col: number): Promise<void> {
  await expect(page.getByTestId('parse-error').locator('.mono')).toHaveText(new RegExp(`^\\d+:${col}: expected an argument`));
}

test.use({ viewport: { width: 1280, height: 720 } });

test('completion offers operations, declared names, constants and header keys; Enter, Tab and Ctrl+Space', async ({ page }) => {
  await openApp(page);
  await page.locator('.cm-line', { hasText: 'kfree(buf)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');

  // An operation prefix offers the operations that start with it.
  await page.keyboard.type('dma_sync_si');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(expect.arrayContaining(['dma_sync_single_for_cpu', 'dma_sync_single_for_device']));
  // Prefix matches first (CodeMirror's fuzzy matches, like dma_sync_sg_…, follow them).
  expect((await offered(page)).slice(0, 2).every((l) => l.startsWith('dma_sync_si'))).toBe(true);
  await page.screenshot({ path: '/tmp/ux2-complete-op-1280.png' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: '/tmp/ux2-complete-op-1440.png' });
  await page.setViewportSize({ width: 1280, height: 720 });
  // Enter accepts the selected one (the first).
  await accept(page, 'Enter');
  await expect(cursorLine(page)).toHaveText(/^dma_sync_single_for_cpu$/);

  // Inside the call, the device argument offers the declared device (on an empty word, once asked with Ctrl+Space).
  await page.keyboard.type('(');
  await page.keyboard.press('Control+Space');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(['dev']);
  await accept(page, 'Tab');
  await expect(cursorLine(page)).toHaveText('dma_sync_single_for_cpu(dev');
  // The handle argument offers the declared handle, not the buffer.
  await page.keyboard.type(', ');
  await page.keyboard.press('Control+Space');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(['h']);
  await ranAsTyped(page, 'dma_sync_single_for_cpu(dev, '.length + 1);
  await page.keyboard.press('Escape');
  await expect(list(page)).toHaveCount(0);
  // The direction argument offers the direction constants while typing; Tab accepts.
  await page.keyboard.type('h, 256, DMA_F');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(['DMA_FROM_DEVICE']);
  await page.screenshot({ path: '/tmp/ux2-complete-dir-1280.png' });
  await accept(page, 'Tab');
  await expect(cursorLine(page)).toHaveText('dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE');
  await page.keyboard.type(')');

  // A pointer argument offers declared buffers.
  await page.keyboard.press('Enter');
  await page.keyboard.type('cpu_read(b');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(['buf']);
  await accept(page, 'Enter');
  await expect(cursorLine(page)).toHaveText('cpu_read(buf');
  await page.keyboard.type(', 16)');

  // Header statements: their option keys, inserted with the "=".
  await page.keyboard.press('Enter');
  await page.keyboard.type('device(dev2, dma');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toContain('dma_mask=');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+a');
  await page.keyboard.type('machine(ar');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toContain('arch=');
  await page.screenshot({ path: '/tmp/ux2-complete-key-1280.png' });
  await accept(page, 'Enter');
  await expect(cursorLine(page)).toHaveText('machine(arch=');
  // And the value an option takes.
  await page.keyboard.press('Control+Space');
  await expect(list(page)).toBeVisible();
  await expect.poll(() => offered(page)).toEqual(['arm', 'arm64', 'riscv', 'x86']);
});
