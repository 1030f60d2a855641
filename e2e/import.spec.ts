/**
 * Bring your own kernel, as a driver developer would: paste the text of
 * /sys/kernel/tracing/trace into the editor, read what the explorer made of
 * it, jump to the step where dma-debug complains (it names the trace line),
 * and share the link; drop a dma-debug dump on the page and step on from the
 * state it shows.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, openApp, stepCount, test } from './fixtures.ts';
import { syntheticTrace } from '../src/cli/bench-import.ts';
import { importText } from '../src/import/index.ts';

const fixture = (path: string) => readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url), 'utf8');
const SHOTS = 'test-results';

async function paste(page: Page, text: string): Promise<void> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');
}

async function drop(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'text/plain' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [name, text] as const,
  );
}

test('paste a trace, land on the step dma-debug complains about, share it', async ({ page, browser }) => {
  for (const size of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
    await page.setViewportSize(size);
    await openApp(page);
    await paste(page, fixture('trace/6.13-nvme-eth.trace'));

    // The explorer says what it did, and the editor holds the scenario the trace became.
    const report = page.getByTestId('import-report');
    await expect(report).toContainText('Imported a kernel trace: 16 dma events read from 34 lines, 2 devices (0000:01:00.0, fe300000.ethernet).');
    await expect(page.getByTestId('import-complaints')).toHaveText(
      "⚠ The kernel would have complained 3 times: trace line 29 (dma_sync_single_for_device), the end of the trace (2 devices' mappings still live)",
    );
    await report.getByRole('button', { name: 'more' }).click();
    await expect(report).toContainText('Read 16 dma events from 34 lines');
    await expect(report).toContainText('skipped 6 other events');
    await expect(report).toContainText('0000:01:00.0 (dma-direct), fe300000.ethernet (dma-direct)');
    await report.getByRole('button', { name: 'less' }).click();
    await expect(page.locator('.cm-content')).toContainText('imported=true');

    // It lands on the first complaint: the sync after unmap, on trace line 29.
    await expect(stepCount(page)).toHaveText('step 18 / 24');
    const explanation = page.getByTestId('explanation');
    await expect(page.getByTestId('trace-origin')).toHaveText('trace line 29 · 402.301022 <idle>-0');
    await expect(page.getByTestId('kernel-log')).toContainText('device driver tries to sync DMA memory it has not allocated [device address=0x000000008b20a040]');
    await expect(explanation).toContainText('dma_sync_single_for_device(fe300000_ethernet, h24, 1536, DMA_FROM_DEVICE)');
    await page.screenshot({ path: `${SHOTS}/import-trace-${size.width}.png` });
  }
  const step = /step (\d+) \//.exec((await stepCount(page).textContent()) ?? '')![1];

  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(new RegExp(`#s=1\\.[A-Za-z0-9_-]+&step=${step}$`));
  await page.keyboard.press('Escape');

  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await other.goto(url);
  await expect(stepCount(other)).toHaveText(`step ${step} / 24`, { timeout: 30_000 });
  await expect(other.getByTestId('trace-origin')).toHaveText('trace line 29 · 402.301022 <idle>-0');
  await expect(other.getByTestId('kernel-log')).toContainText('tries to sync DMA memory it has not allocated');
  await ctx.close();
});

test('a trace with problems: the report lists them by line; a check the model fails reads as the kernel against the model', async ({ page }) => {
  await openApp(page);
  await paste(page, fixture('trace/bad-input.trace'));
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('4 dma events read from 22 lines');
  await report.getByRole('button', { name: /show 7 problems/ }).click();
  const problems = page.getByTestId('import-problems');
  await expect(problems).toContainText("line 15: dma_map_page: garbled dma_addr '8c1z5000'");
  await expect(problems).toContainText('line 16: the kernel lost 1,310 events here');
  await expect(problems).toContainText('line 17: 0000:09:00.0 first appears with dma_unmap_page');
  await page.screenshot({ path: `${SHOTS}/import-problems.png` });
  const download = page.waitForEvent('download');
  await report.getByRole('button', { name: 'download the original' }).click();
  expect((await download).suggestedFilename()).toBe('pasted.trace');

  // The editor holds an imported scenario: change the kernel's answer and the step says who said what.
  await paste(page, (await page.locator('.cm-content').innerText()).replace('=> 0x8c1a4000', '=> 0x8c1a5000'));
  await expect(page.locator('.cm-content')).toContainText('=> 0x8c1a5000');
  await page.locator('[data-testid=timeline] .tl-row', { hasText: 'h13 = dma_map_page' }).first().click();
  await expect(page.getByTestId('kernel-vs-model')).toHaveText('kernel returned 0x8c1a5000, the model 0x8c1a4000');
});

test('drop a dma-debug dump: the live mappings exist and stepping on works', async ({ page }) => {
  await openApp(page);
  await drop(page, 'dma-api-dump.txt', fixture('dump/6.18-dmesg.dump'));
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Imported a kernel dma-debug dump (dma-api-dump.txt)');
  await expect(report).toContainText('7 dma-debug entries read from 7 lines, 2 devices');
  await expect(page.locator('.cm-content')).toContainText('The dump ends here');

  // At the end of the dump's steps the mappings are live: the memory map shows the traced memory.
  await page.locator('.explanation').click();
  await page.keyboard.press('End');
  await page.locator('#tab-memmap').click();
  await expect(page.locator('[data-view=memmap]')).toContainText('mem_8c1a6000');
  await page.screenshot({ path: `${SHOTS}/import-dump.png` });

  // Step on: unmap the entry the dump says the driver never checked.
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\ndma_unmap_page(pci_0000_01_00_0, h4, 4096, DMA_FROM_DEVICE)');
  await expect(stepCount(page)).toHaveText(/\/ 18$/);
  await page.locator('.explanation').click();
  await page.keyboard.press('End');
  await expect(page.getByTestId('kernel-log')).toContainText('device driver failed to check map error[device address=0x000000008c1a6000]');
});

test('a long trace: the timeline reads each step from the scenario the page holds (the worker leaves the sources out)', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  // 10,000 lines import as ~1.3 MB (the page shows it whole), 20,000 as ~2.6 MB (kept as bytes: a window of lines).
  for (const lines of [10_000, 20_000]) {
    const trace = syntheticTrace(lines);
    const scenario = importText(trace).scenario.split('\n');
    await page.evaluate((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], 'long.trace', { type: 'text/plain' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, trace);
    await expect(page.getByTestId('import-report')).toContainText(`from ${lines.toLocaleString('en-US')} lines`, { timeout: 60_000 });
    await expect(page.getByTestId('load-progress')).toHaveCount(0, { timeout: 60_000 });
    await page.locator('.explanation').click();
    await page.keyboard.press('End');
    const rows = page.locator('[data-testid=timeline] .tl-row');
    await expect(rows.filter({ has: page.locator('.tl-src', { hasText: /^(h\d+ = )?dma_(map|unmap|sync)_/ }) }).first()).toBeVisible({ timeout: 30_000 });
    // Each row shows its step's statement: its line in the scenario, without the comment.
    const shown = await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('title') ?? '', e.querySelector('.tl-src')?.textContent ?? '']));
    let checked = 0;
    for (const [title, src] of shown) {
      const m = /^step \d+, line (\d+): /.exec(title);
      if (!m) continue;
      expect(src).not.toBe('');
      expect(scenario[Number(m[1]) - 1]!.startsWith(src)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  }
  // Neither scenario is kept in the browser: one notice says so, about the one on screen.
  await expect(page.getByText(/is too big to keep in this browser/)).toHaveCount(1);
  await expect(page.getByText(/This scenario \(2\.\d MB\) is too big to keep/)).toBeVisible();
  await page.screenshot({ path: 'test-results/import-long-timeline.png' });
});

test('a long paste is opened as a dropped file would be: a trace imported from its bytes, the text before it kept as a draft', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\n# my own line');
  const before = await page.locator('.cm-content').textContent();
  // ~4 MB: past BIG_PASTE_CHARS (2,000,000 characters).
  const trace = syntheticTrace(30_000);
  expect(trace.length).toBeGreaterThan(2_000_000);
  await paste(page, trace);
  await expect(page.getByTestId('import-short')).toContainText('Imported a kernel trace (pasted text):', { timeout: 60_000 });
  await expect(page.getByTestId('import-short')).toContainText('from 30,000 lines');
  // The scenario it became is kept as bytes (a window of its lines), not the trace put in the editor.
  await expect(page.getByTestId('big-text-bar')).toContainText('Long scenario');
  await expect(page.locator('.cm-content')).not.toContainText('dma_map_page: ');
  await expect(page.getByTestId('load-progress')).toHaveCount(0, { timeout: 60_000 });
  // What the editor held (the default scenario with a line typed at its end) is a draft.
  expect(before).toContain('my own line');
  await page.getByTestId('drafts-button').click();
  await expect(page.getByTestId('drafts-menu')).toContainText('before importing a trace');
  await expect(page.getByTestId('drafts-menu')).toContainText('Why dma_sync_single_for_cpu() matters');
});
