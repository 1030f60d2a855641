/**
 * A long run can be stopped: the Cancel button and Esc end it at the worker's
 * next safe point, the last complete run stays on screen (its steps, the step
 * the user was on), and the text that was being run stays in the editor.
 * Screenshots of the progress and Cancel at 1280×720 and 1440×900.
 */
import type { Page } from '@playwright/test';
import { expect, goToStep, openApp, stepCount, test } from './fixtures.ts';

/** About a tenth of a second of worker time per statement (a 256 KiB read through the modelled cache, 4,096 lines): long enough to cancel, short enough that a cancel lands soon. */
const slow = (reads: number) => `# slow on purpose: ${reads} reads of 256 KiB
machine(arch=arm64)
device(dev, coherent=false)
p = vmalloc(1M)
${'cpu_read(p, 256K)\n'.repeat(reads)}`;

/** Replaces the editor's text as one edit (a paste), so the debounced run starts once. */
async function replaceText(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}

const savedText = (page: Page) => page.evaluate(() => localStorage.getItem('dma-explorer:text'));

test.use({ viewport: { width: 1280, height: 720 } });

test('Cancel and Esc stop a long run; the last complete run and the text stay', async ({ page }) => {
  await openApp(page);
  const step = await goToStep(page, 'dev_write(dev, h');
  const cancel = page.getByTestId('cancel-run');
  const notices = page.locator('.notices');

  await replaceText(page, slow(600));
  await expect(cancel).toBeVisible();
  // The total is estimated while the parse runs alongside the steps (from the share of the text read so far), and says so.
  await expect(page.getByTestId('load-progress')).toHaveText(/^running [\d,]+ \/ about (5\d\d|6\d\d) steps$/);
  await page.screenshot({ path: '/tmp/ux2-cancel-progress-1280.png' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: '/tmp/ux2-cancel-progress-1440.png' });
  await page.setViewportSize({ width: 1280, height: 720 });
  await cancel.click();
  await expect(cancel).toHaveCount(0);
  await expect(notices).toContainText('Run cancelled. The last complete run stays on screen. Edit the scenario to run it again.');
  // The default scenario's run, at the step the user was on.
  await expect(stepCount(page)).toHaveText(`step ${step} / 10`);
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
  await expect(page.locator('[data-testid=timeline] .tl-row[data-step="5"]')).toContainText('dev_write(dev, h');
  // (The editor draws only the lines in view: the whole text is read from where it is saved.)
  await expect.poll(() => savedText(page)).toContain('# slow on purpose: 600 reads');
  await page.screenshot({ path: '/tmp/ux2-cancel-done-1280.png' });

  // An edit runs it again; Esc (focus still in the editor) stops it the same way.
  await page.locator('.notices .close').first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('cpu_read(p, 64)\n');
  await expect(cancel).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(cancel).toHaveCount(0);
  await expect(notices).toContainText('Run cancelled. The last complete run stays on screen.');
  await expect(stepCount(page)).toHaveText(`step ${step} / 10`);
  await expect.poll(() => savedText(page)).toMatch(/^# slow on purpose: 600 reads of 256 KiB\n[^]*\ncpu_read\(p, 64\)\n?$/);
});
