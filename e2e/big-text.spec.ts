/**
 * A scenario too long for the editor to hold whole (over 2,000,000
 * characters), dropped on the page as a file: the editor shows a read-only
 * window of its lines with the whole text's line numbers, the window follows
 * the step, the bar says what is shown and that the text is not kept in the
 * browser (nothing tries to save it there), and "edit whole" loads all of
 * it, editable.
 */
import { expect, openApp, stepCount, test } from './fixtures.ts';

/** About 2.4 MB: map, device write, sync, read, unmap over and over. */
function longLoop(steps: number): string {
  const lines = ['machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
  for (let i = 0; lines.length - 2 < steps; i++) {
    lines.push(`cpu_write(a + ${(i * 16) % 256}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 512, DMA_FROM_DEVICE)', `dev_write(cam, h, "d${i % 10}")`, 'dma_sync_single_for_cpu(cam, h, 512, DMA_FROM_DEVICE)', 'dma_unmap_single(cam, h, 512, DMA_FROM_DEVICE)');
  }
  return `${lines.slice(0, steps + 2).join('\n')}\n`;
}

const STEPS = 60_000;

test('a long scenario file is shown as a window that follows the step; "edit whole" loads it all', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  const text = longLoop(STEPS);
  expect(text.length).toBeGreaterThan(2_000_000);
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'long.dma', { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await expect(stepCount(page)).toHaveText(`step 0 / ${STEPS}`, { timeout: 60_000 });
  const bar = page.getByTestId('big-text-bar');
  await expect(bar).toContainText(`Long scenario (${(STEPS + 3).toLocaleString('en-US')} lines, ${(text.length / 1e6).toFixed(1)} MB): lines 1–2,000, read-only`);
  // Never tried in the browser's storage (it would be full): said in plain words, once, and the text saved before stays.
  await expect(bar).toContainText('not kept in this browser: download it to keep it');
  await expect(page.getByText(/This scenario \(2\.\d MB\) is too big to keep in this browser: it is not saved, nor kept as a draft/)).toBeVisible();
  await expect(page.getByText(/storage is full/)).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('dma-explorer:text')?.length ?? 0)).toBeLessThan(1_000_000);
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'false');
  // Far into the run: the window moves there, numbered as the whole text, the step's line marked.
  const k = 45_000;
  await page.evaluate((v) => {
    const el = document.querySelector('input.scrubber') as HTMLInputElement;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, k);
  await expect(stepCount(page)).toHaveText(`step ${k} / ${STEPS}`);
  const line = k + 2;
  await expect(bar).toContainText(`lines ${(line - 1000).toLocaleString('en-US')}–${(line + 999).toLocaleString('en-US')}`);
  const marked = page.locator('.cm-line[data-step-line]');
  await expect(marked).toHaveText(text.split('\n')[line - 1]!);
  await expect(page.locator('.cm-gutterElement', { hasText: new RegExp(`^${line}$`) })).toBeVisible();
  await page.screenshot({ path: 'test-results/big-text-window.png' });
  // The whole text, editable: the bar goes, the editor holds every line.
  await page.getByTestId('big-text-edit').click();
  await expect(bar).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'true');
  // Still at the step's line, now in the whole text; its end is the end of the text (in the window it was the window's last line).
  await expect(marked).toHaveText(text.split('\n')[line - 1]!);
  await expect(page.locator('.cm-gutterElement', { hasText: new RegExp(`^${line}$`) })).toBeVisible();
  await marked.click();
  await page.keyboard.press('ControlOrMeta+End');
  await expect(page.locator('.cm-lineNumbers .cm-activeLineGutter')).toHaveText(String(STEPS + 3));
});
