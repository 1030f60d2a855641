/**
 * Explain a splat, as a driver developer would: paste a dmesg WARN into
 * "Explain a log", read which kernel function printed it and why, what the
 * driver probably did, the fields and the driver's frame, then open the
 * lesson that reproduces it in one click. A kernel log pasted into the
 * editor or dropped on the page goes to the same dialog.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, openApp, stepCount, test } from './fixtures.ts';

const fixture = (path: string) => readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url), 'utf8');
const SHOTS = 'test-results';
const SPLAT = 'dmesg/dma-debug/unmap-size.6.1.log';

async function clipboard(page: Page, text: string): Promise<void> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
}

test('paste a splat, see the explanation, open the lesson that reproduces it', async ({ page }) => {
  for (const size of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
    await page.setViewportSize(size);
    await openApp(page);
    await page.getByTestId('explain-btn').click();
    const dlg = page.getByTestId('explain');
    await expect(dlg).toBeVisible();
    await clipboard(page, fixture(SPLAT));
    await page.getByTestId('xp-input').click();
    await page.keyboard.press('ControlOrMeta+v');
    await page.getByTestId('xp-go').click();

    await expect(page.getByTestId('xp-summary')).toContainText('1 kernel message explained, 2 not recognised');
    await expect(page.getByTestId('xp-summary')).toContainText('the log names kernel 6.1');
    const card = page.getByTestId('xp-finding');
    await expect(card).toHaveCount(1);
    await expect(card).toHaveAttribute('data-id', 'dma-debug.unmap-size');
    await expect(card).toContainText('Printed by check_unmap() in kernel/dma/debug.c, worded like this in 5.0 and later.');
    await expect(card).toContainText('What the driver probably did: The unmap (or free) was given a different size');
    await expect(card.getByTestId('xp-fields')).toContainText('map size2048');
    await expect(card.getByTestId('xp-fields')).toContainText('unmap size64');
    await expect(card).toContainText('called from e1000_clean_rx_irq() [e1000e]');
    await expect(card).toContainText('mapped at e1000_alloc_rx_buffers() [e1000e]');
    await page.getByTestId('xp-unknown-toggle').click();
    // the unrelated line before the splat, as printed (its timestamp aside)
    await expect(page.getByTestId('xp-unknown')).toContainText(fixture(SPLAT).split('\n')[0]!.replace(/^\[[^\]]*\] /, ''));
    await page.screenshot({ path: `${SHOTS}/explain-${size.width}.png` });
    await page.keyboard.press('Escape');
    await expect(dlg).toHaveCount(0);
  }

  // One click opens the lesson: the editor holds it and its run logs the same message.
  await page.keyboard.press('x');
  await page.getByTestId('xp-go').click();
  const open = page.getByTestId('xp-open').first();
  await expect(open).toHaveAttribute('data-id', 'debug/02-unmap-what-you-mapped');
  await open.click();
  await expect(page.getByTestId('explain')).toHaveCount(0);
  await expect(page.locator('.cm-content')).toContainText('lesson(');
  // it opens at its step that unmaps half the size: the one that logs the message the splat showed
  await expect(page.getByTestId('explanation').locator('pre.source')).toHaveText('dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)');
  await expect(stepCount(page)).not.toHaveText(/^step 0 /);
  await expect(page.getByTestId('kernel-log')).toContainText('device driver frees DMA memory with different size');
  await page.screenshot({ path: `${SHOTS}/explain-opened-lesson.png` });
});

test('a kernel log pasted into the editor or dropped on the page is explained, and the editor keeps its scenario', async ({ page }) => {
  await openApp(page);
  const before = await page.locator('.cm-content').textContent();
  await clipboard(page, fixture('dmesg/arm-smmu-fault.6.12.log'));
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');
  await expect(page.getByTestId('explain')).toBeVisible();
  await expect(page.getByTestId('xp-summary')).toContainText('3 kernel messages explained');
  await expect(page.getByTestId('xp-finding').first()).toHaveAttribute('data-id', 'arm-smmu.context-fault');
  await page.keyboard.press('Escape');
  await expect(page.locator('.cm-content')).toHaveText(before ?? '');

  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'cma.log', { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, fixture('dmesg/cma-alloc-failed.6.6.log'));
  await expect(page.getByTestId('xp-summary')).toContainText('2 kernel messages explained');
  await expect(page.getByTestId('xp-finding').first()).toContainText('cma.alloc-failed');
  await expect(page.locator('.cm-content')).toHaveText(before ?? '');
});

test('bad input: control characters, a truncated line, nothing but noise', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('x');
  await page.getByTestId('xp-input').fill('[ 1.0] nvme 0000:01:00.0: swiotlb buffer is full (sz: 40\u000096 bytes)\n[ 2.0] DMA-API: e1000e 0000:00:19.0: device driver frees DMA memory with different size [device addr\n[ 3.0] random: crng init done\n');
  await page.getByTestId('xp-go').click();
  await expect(page.getByTestId('xp-summary')).toContainText('0 kernel messages explained, 3 not recognised');
  await expect(page.getByTestId('xp-problems')).toContainText('1 control character(s)');
  await expect(page.getByTestId('xp-unknown')).toContainText('contains the words of dma-debug.unmap-size but not its wording: cut short or garbled?');
  await expect(page.getByTestId('xp-unknown')).toContainText('contains the words of swiotlb.full');
});

test('a first-time user tries the example log; the example never replaces what they pasted', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  await page.getByTestId('explain-btn').click();
  const example = page.getByTestId('xp-example');
  await example.click();
  await expect(page.getByTestId('xp-summary')).toContainText('1 kernel message explained, 1 not recognised');
  const card = page.getByTestId('xp-finding');
  await expect(card).toHaveAttribute('data-id', 'dma-debug.sync-not-allocated');
  await expect(card).toContainText('check_sync()');
  await expect(card).toContainText('called from stmmac_rx() [stmmac]');
  await expect(page.getByTestId('xp-input')).toHaveValue(/device driver tries to sync DMA memory it has not allocated/);
  await page.screenshot({ path: `${SHOTS}/explain-example-1280.png` });
  // with text in the box, there is no example to overwrite it
  await expect(example).toHaveCount(0);
  await page.getByTestId('xp-input').fill('');
  await expect(example).toBeVisible();
  await page.getByTestId('xp-input').fill('my own line');
  await expect(example).toHaveCount(0);
});

test('a log flooded with one message: the first 100 are cards, the rest counted by message', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  await page.getByTestId('explain-btn').click();
  const line = fixture('dmesg/arm-smmu-fault.4.19.log').trim().split('\n')[0]!;
  await clipboard(page, `${Array.from({ length: 2000 }, () => line).join('\n')}\n`);
  await page.getByTestId('xp-input').click();
  await page.keyboard.press('ControlOrMeta+v');
  // The paste landed before Explain is pressed.
  await expect(page.getByTestId('xp-input')).toHaveValue(/Unhandled context fault[^]*Unhandled context fault/);
  await page.getByTestId('xp-go').click();
  // 100 cards, each with its fields and lessons: seconds on a machine busy with the other specs.
  await expect(page.getByTestId('xp-summary')).toContainText('2,000 lines read: 2,000 kernel messages explained, 0 not recognised', { timeout: 45_000 });
  await expect(page.getByTestId('xp-finding')).toHaveCount(100);
  await expect(page.getByTestId('xp-more')).toContainText('…and 1,900 more, not listed');
  await expect(page.getByTestId('xp-more')).toContainText('arm-smmu.context-fault ×1,900 (the first at line 101)');
});
