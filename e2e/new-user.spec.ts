/**
 * A driver developer's first visit, the whole way: they recorded
 * `echo 1 > /sys/kernel/tracing/events/dma/enable`, ran the workload, and
 * paste /sys/kernel/tracing/trace into the editor. The explorer says what it
 * read and lands on the step where dma-debug would have complained (a sync
 * after unmap), naming the trace line; the link of that step opens the same
 * step elsewhere; the splat pasted into "Explain" names the kernel function
 * and file that print it, and one click opens a lesson at the step that
 * prints the same message. A trace_pipe of a 6.18 kernel (dma_map_phys)
 * dropped as a file lands on its wrong-direction unmap.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, stepCount, test } from './fixtures.ts';

const fixture = (path: string) => readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url), 'utf8');
const SHOTS = 'test-results';

async function clipboard(page: Page, text: string): Promise<void> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
}

test.use({ firstVisit: true });

test('paste a trace, land on the complaint, share it, explain the splat, open the lesson that reproduces it', async ({ page, browser }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await expect(stepCount(page)).toHaveText(/^step 0 \/ [1-9]\d*$/);

  // Paste the trace over whatever the editor holds.
  await clipboard(page, fixture('trace/6.15-stmmac-sync-after-unmap.trace'));
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');

  // What it did, in a few words, and where the kernel would have complained.
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Imported a kernel trace: 9 dma events read from 23 lines, 1 device (fe1b0000.ethernet).');
  await expect(page.getByTestId('import-complaints')).toHaveText(
    "⚠ The kernel would have complained 2 times: trace line 21 (dma_sync_single_for_device), the end of the trace (a device's mappings still live)",
  );
  await report.getByRole('button', { name: 'more' }).click();
  await expect(page.getByTestId('import-summary')).toContainText('Read 9 dma events from 23 lines (/sys/kernel/tracing/trace, the format of Linux 6.13 to 6.17 (and 6.12.48 on)); skipped 2 other events');
  await report.getByRole('button', { name: 'less' }).click();

  // It lands on the sync after unmap: the step, its trace line, the kernel's complaint, the mapping it names.
  await expect(stepCount(page)).toHaveText('step 11 / 13');
  await expect(page.getByTestId('trace-origin')).toHaveText('trace line 21 · 121.880802 <idle>-0');
  const explanation = page.getByTestId('explanation');
  await expect(explanation.locator('pre.source')).toHaveText('dma_sync_single_for_device(fe1b0000_ethernet, h14, 2048, DMA_FROM_DEVICE)');
  const log = page.getByTestId('kernel-log');
  const splat = 'DMA-API: fe1b0000_ethernet fe1b0000.ethernet: device driver tries to sync DMA memory it has not allocated [device address=0x00000000c3110000] [size=2048 bytes]';
  await expect(log).toHaveText(splat);
  // the timeline shows the unmap two steps before (trace line 20), with DMA_ATTR_SKIP_CPU_SYNC
  await expect(page.locator('[data-testid=timeline] .tl-row[data-step="10"]')).toContainText('dma_unmap_page(fe1b0000_ethernet, h14');
  await page.screenshot({ path: `${SHOTS}/new-user-landed-1280.png` });
  // the other complaint is one click away, and back
  await page.getByTestId('import-complaint').nth(1).click();
  await expect(stepCount(page)).toHaveText('step 13 / 13');
  await expect(log).toContainText('device driver has pending DMA allocations while released from device [count=3]');
  await page.getByTestId('import-complaint').first().click();
  await expect(stepCount(page)).toHaveText('step 11 / 13');
  // the step count moves first; the step's frame (and its log) follows from the worker
  await expect(log).toHaveText(splat);

  // Share the landed step; a fresh page opens the same step with the same views.
  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#s=1\.[A-Za-z0-9_-]+&step=11(&view=diagram)?$/);
  await page.keyboard.press('Escape');
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const other = await ctx.newPage();
  await other.goto(url);
  // a cold page: the worker starts and runs the scenario (slow on a loaded machine)
  await expect(stepCount(other)).toHaveText('step 11 / 13', { timeout: 30_000 });
  await expect(other.getByTestId('trace-origin')).toHaveText('trace line 21 · 121.880802 <idle>-0');
  await expect(other.getByTestId('kernel-log')).toHaveText(splat);
  await other.screenshot({ path: `${SHOTS}/new-user-shared-1440.png` });
  await ctx.close();

  // The splat, as the engine printed it, into "Explain": the function and file that print it, and why.
  await page.getByTestId('explain-btn').click();
  await clipboard(page, splat);
  await page.getByTestId('xp-input').click();
  await page.keyboard.press('ControlOrMeta+v');
  await page.getByTestId('xp-go').click();
  await expect(page.getByTestId('xp-summary')).toContainText('1 line read: 1 kernel message explained, 0 not recognised');
  let card = page.getByTestId('xp-finding');
  await expect(card).toHaveAttribute('data-id', 'dma-debug.sync-not-allocated');
  await expect(card).toContainText('Printed by check_sync() in kernel/dma/debug.c, worded like this in 5.0 and later.');
  await expect(card).toContainText('What the driver probably did: No live mapping of this device contains the synced range: a sync after unmap');

  // The same complaint as a real kernel logs it, WARN block and all, at 1440x900.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('xp-input').fill(fixture('dmesg/stmmac-sync-after-unmap.6.15.log'));
  await page.getByTestId('xp-go').click();
  await expect(page.getByTestId('xp-summary')).toContainText('23 lines read: 1 kernel message explained, 1 not recognised · the log names kernel 6.15 (line 6).');
  card = page.getByTestId('xp-finding');
  await expect(card).toContainText('Printed by check_sync() in kernel/dma/debug.c');
  await expect(card).toContainText('fired at kernel/dma/debug.c:1073 in check_sync()');
  await expect(card).toContainText('called from stmmac_rx() [stmmac]');
  await page.screenshot({ path: `${SHOTS}/new-user-explain-1440.png` });

  // One click: the lesson opens at the step that prints the same message, and runs it.
  const open = card.getByTestId('xp-open').first();
  await expect(open).toHaveAttribute('data-id', 'debug/04-not-allocated');
  await open.click();
  await expect(page.getByTestId('explain')).toHaveCount(0);
  await expect(page.locator('.cm-content')).toContainText('lesson(');
  await expect(stepCount(page)).toHaveText('step 4 / 7');
  await expect(page.getByTestId('kernel-log')).toContainText('device driver tries to sync DMA memory it has not allocated');
  // the import's report is not about the lesson
  await expect(report).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/new-user-lesson-1440.png` });
});

test('a 6.18 trace_pipe (dma_map_phys) dropped as a file lands on its wrong-direction unmap', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await expect(stepCount(page)).toHaveText(/^step 0 \/ [1-9]\d*$/);
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'trace_pipe.txt', { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, fixture('trace/6.18-mt7921-wrong-dir.trace_pipe'));
  await expect(page.getByTestId('import-report')).toContainText('Imported a kernel trace (trace_pipe.txt): 5 dma events read from 7 lines, 1 device (0000:04:00.0).');
  await expect(page.getByTestId('import-complaints')).toHaveText('⚠ The kernel would have complained once: trace line 4 (dma_unmap_page)');
  await expect(stepCount(page)).toHaveText('step 5 / 7');
  await expect(page.getByTestId('trace-origin')).toHaveText('trace line 4 · 5512.002914 <idle>-0');
  await expect(page.getByTestId('kernel-log')).toHaveText(
    'DMA-API: pci_0000_04_00_0 0000:04:00.0: device driver frees DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]',
  );
  // the IOMMU the addresses showed is in the views
  await expect(page.locator('#tab-iommu')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/new-user-drop-1280.png` });
});

test('hostile pastes: a trace without dma events says why; bidi and control characters are named at their line; the typed text is kept', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await expect(stepCount(page)).toHaveText(/^step 0 \/ [1-9]\d*$/);
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\n# my own notes\n');
  await expect(stepCount(page)).toHaveText(/^step 0 \/ [1-9]\d*$/);

  await clipboard(page, fixture('trace/6.6-no-dma-events.trace'));
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');
  await expect(page.getByTestId('import-nothing')).toHaveText('Nothing to replay: no dma:* events among the 4 events of this trace: they exist from Linux 6.12 (echo 1 > /sys/kernel/tracing/events/dma/enable).');
  // what was typed before the paste is a draft, one Undo away
  await expect(page.getByTestId('draft-toast')).toContainText('kept as the draft');
  expect(await page.evaluate(() => localStorage.getItem('dma-explorer:drafts') ?? '')).toContain('# my own notes');

  const bidi = fixture('trace/6.15-stmmac-sync-after-unmap.trace').split('\n');
  bidi[14] = bidi[14]!.replace('fe1b0000.ethernet', 'fe1b0000.eth\u202eernet');
  await clipboard(page, bidi.join('\n'));
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('2 devices (fe1b0000.ethernet, fe1b0000.eth\uFFFDernet)');
  await report.getByRole('button', { name: /show \d+ problem/ }).click();
  await expect(page.getByTestId('import-problems')).toContainText('line 15: control character U+202E (RIGHT-TO-LEFT OVERRIDE) replaced by \uFFFD');
  // the scenario it became runs: it lands on the sync after unmap
  await expect(page.getByTestId('kernel-log')).toContainText('tries to sync DMA memory it has not allocated');
});
