/**
 * The explorer in Chromium, against the built app (run `vite build` first).
 * Every test fails on a console error or an uncaught page error.
 */
import { expect, layoutOf, openApp, loadLibrary, stepCount, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const DEFAULT_TITLE = 'Why dma_sync_single_for_cpu() matters';

const explanation = (page: Page) => page.getByTestId('explanation');
const timelineRows = (page: Page) => page.locator('[data-testid=timeline] .tl-row');

async function editorText(page: Page): Promise<string> {
  return page.locator('.cm-content').evaluate((el) =>
    [...el.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n'),
  );
}

test('loads the default scenario with its steps, no console errors', async ({ page }) => {
  const n = await openApp(page);
  expect(n).toBeGreaterThanOrEqual(5);
  await expect(page.getByRole('heading', { name: /DMA Explorer/ })).toBeVisible();
  await expect(page.locator('.cm-content')).toContainText(DEFAULT_TITLE);
  await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);
  await expect(explanation(page)).toContainText('the machine is built');
  await expect(explanation(page)).toContainText('arm64');
  // The timeline lists step 0 plus every statement.
  await expect(timelineRows(page).first()).toContainText('machine built');
  expect(await timelineRows(page).count()).toBe(n + 1);
  await expect(timelineRows(page).nth(1)).toContainText('kmalloc');
  // The engine ran in a module worker, not on the main thread.
  const workerLoaded = await page.evaluate(() =>
    performance.getEntriesByType('resource').some((e) => /engine\.worker-.*\.js$/.test(e.name)),
  );
  expect(workerLoaded).toBe(true);
  await page.screenshot({ path: 'test-results/01-loaded.png' });
});

test('steps with buttons and keys; explanation follows; layout does not jump', async ({ page }) => {
  const n = await openApp(page);
  const box = () => layoutOf(page, ['[data-testid=explanation]', '.timeline', '.controls']);
  const layout0 = await box();

  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(stepCount(page)).toHaveText(`step 1 / ${n}`);
  await expect(explanation(page)).toHaveAttribute('data-step', '1');
  await expect(explanation(page).locator('.source')).toContainText('kmalloc');
  await expect(page.locator('.tl-row.current')).toHaveAttribute('data-step', '1');
  await expect(page.locator('.cm-stepLine')).toContainText('kmalloc');

  // Keyboard (focus is on the page, not the editor).
  await page.locator('.explanation').click();
  await page.keyboard.press('ArrowRight');
  await expect(stepCount(page)).toHaveText(`step 2 / ${n}`);
  await expect(explanation(page).locator('.source')).toContainText('cpu_write');
  await page.keyboard.press('ArrowRight');
  await expect(explanation(page).locator('.source')).toContainText('dma_map_single');
  await expect(explanation(page)).toContainText('What happened');
  await page.keyboard.press('ArrowLeft');
  await expect(stepCount(page)).toHaveText(`step 2 / ${n}`);
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(stepCount(page)).toHaveText(`step 1 / ${n}`);
  await page.keyboard.press('End');
  await expect(stepCount(page)).toHaveText(`step ${n} / ${n}`);
  await expect(explanation(page)).toHaveAttribute('data-step', String(n));
  await page.keyboard.press('Home');
  await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);
  await expect(explanation(page)).toContainText('the machine is built');

  // Clicking a timeline row jumps there.
  await timelineRows(page).nth(6).click();
  await expect(stepCount(page)).toHaveText(`step 6 / ${n}`);
  await expect(explanation(page)).toHaveAttribute('data-step', '6');
  await page.screenshot({ path: 'test-results/02-step6.png' });
  expect(await box()).toBe(layout0);

  // Next finding (n) goes forward to a step flagged in the timeline, or says there is none.
  await page.keyboard.press('Home');
  await page.keyboard.press('n');
  const s = (await stepCount(page).textContent()) ?? '';
  if (s !== `step 0 / ${n}`) await expect(page.locator('.tl-row.current')).toHaveClass(/finding/);
  else await expect(page.getByRole('status')).toContainText('no findings');
  await page.screenshot({ path: 'test-results/03-finding.png' });
  expect(await box()).toBe(layout0);
});

test('typing in the editor never steps; Alt+arrow does; run to cursor line', async ({ page }) => {
  const n = await openApp(page);
  // Put the cursor at the end of the dma_map_single line.
  await page.locator('.cm-line', { hasText: 'h = dma_map_single' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type('  # n g ?');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Home');
  await page.keyboard.press('End');
  await expect(page.locator('.cm-content')).toContainText('# n g ?');
  await expect(page.getByTestId('help')).toHaveCount(0);
  await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);

  await page.keyboard.press('Alt+ArrowRight');
  await expect(stepCount(page)).toHaveText(`step 1 / ${n}`);
  await page.keyboard.press('Alt+g');
  await expect(stepCount(page)).toHaveText(`step 3 / ${n}`);
  await expect(explanation(page).locator('.source')).toContainText('dma_map_single');
  await page.getByRole('button', { name: /^Run to line/ }).click();
  await expect(stepCount(page)).toHaveText(`step 3 / ${n}`);
});

test('a parse error is underlined with its message; the last good trace stays', async ({ page }) => {
  const n = await openApp(page);
  await page.keyboard.press('End');
  await expect(stepCount(page)).toHaveText(`step ${n} / ${n}`);

  await page.locator('.cm-line', { hasText: 'kfree(buf)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  const typed = 'h2 = dma_map_single(dev, buf, 256';
  await page.keyboard.type(typed);
  const status = page.getByTestId('parse-error');
  await expect(status).toBeVisible();
  // the parse follows typing after a pause: an error of a text typed halfway ("expected '(' after 'dma_map_sin'",
  // or "expected ')'" at an earlier column) can show first, so wait for the error at the end of the whole text
  await expect(status.locator('.mono')).toContainText(`:${typed.length + 1}: expected ')'`);
  const message = (await status.locator('.mono').textContent()) ?? '';
  await expect(status).toContainText('last good run shown');
  expect(message).toMatch(/^\d+:\d+: \S/);

  const mark = page.locator('.cm-lintRange-error').first();
  await expect(mark).toBeVisible();
  await mark.hover();
  await expect(page.locator('.cm-tooltip-lint')).toContainText(message);

  // The last good run is still there.
  expect(await timelineRows(page).count()).toBe(n + 1);
  await expect(stepCount(page)).toHaveText(`step ${n} / ${n}`);
  await page.screenshot({ path: 'test-results/04-parse-error.png' });

  // Fixing it runs again.
  await page.keyboard.type(', DMA_TO_DEVICE)');
  await expect(status).toHaveCount(0);
  await expect(page.locator('.cm-lintRange-error')).toHaveCount(0);
  await expect(stepCount(page)).toHaveText(`step ${n} / ${n + 1}`);
});

test('share link round trip: same text and step in a new page', async ({ page, browser }) => {
  const n = await openApp(page);
  await page.locator('.cm-line', { hasText: 'kfree(buf)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type('   # shared from the e2e test: ünïcödé');
  await expect(page.locator('.cm-content')).toContainText('ünïcödé');
  await page.locator('.explanation').click();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(stepCount(page)).toHaveText(`step 4 / ${n}`);
  const text = await editorText(page);

  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#s=1\.[A-Za-z0-9_-]+&step=4$/);
  await page.screenshot({ path: 'test-results/05-share.png' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('share-url')).toHaveCount(0);

  // A fresh context: no saved text, so only the link can supply it.
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  const otherProblems: string[] = [];
  other.on('pageerror', (e) => otherProblems.push(String(e)));
  other.on('console', (m) => m.type() === 'error' && otherProblems.push(m.text()));
  await other.goto(url);
  await expect(stepCount(other)).toHaveText(`step 4 / ${n}`);
  expect(await editorText(other)).toBe(text);
  await expect(explanation(other)).toHaveAttribute('data-step', '4');
  await ctx.close();
  expect(otherProblems).toEqual([]);

  // The link overrides what this browser saved: open it where other text is stored.
  await page.goto('/');
  await expect(page.locator('.cm-content')).toContainText('ünïcödé');
  await page.evaluate(() => localStorage.setItem('dma-explorer:text', '# something else\nmachine(arch=x86)\n'));
  await page.goto(url);
  await expect(stepCount(page)).toHaveText(`step 4 / ${n}`);
  expect(await editorText(page)).toBe(text);
});

for (const [what, hash] of [
  ['corrupt payload', '#s=1.@@not-base64@@&step=2'],
  ['unknown version', '#s=9.AAAA&step=1'],
  ['truncated deflate', '#s=1.q0&step=1'],
] as const) {
  test(`a broken link (${what}) shows a message and the default scenario`, async ({ page }) => {
    const n = await openApp(page, hash);
    const notice = page.getByTestId('notice');
    await expect(notice).toContainText('could not be opened');
    await expect(page.locator('.cm-content')).toContainText(DEFAULT_TITLE);
    await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);
    if (what === 'corrupt payload') await page.screenshot({ path: 'test-results/06-broken-link.png' });
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect(notice).toHaveCount(0);
  });
}

test('help overlay opens with ? and closes with Esc', async ({ page }) => {
  await openApp(page);
  await page.locator('.explanation').click();
  await page.keyboard.press('?');
  const help = page.getByTestId('help');
  await expect(help).toBeVisible();
  for (const label of ['Step back', 'Step forward', 'Play / pause', 'Next finding', 'Run to the cursor line']) {
    await expect(help).toContainText(label);
  }
  await expect(help).toContainText('Alt+→');
  // how to bring a trace, a dump or a splat: the commands as the kernel names its files
  await expect(help).toContainText('echo 1 > /sys/kernel/tracing/events/dma/enable');
  await expect(help).toContainText('/sys/kernel/debug/dma-api/dump');
  await page.screenshot({ path: 'test-results/07-help.png' });
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
  await page.getByRole('button', { name: 'Help and keyboard shortcuts' }).click();
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
});

test('play runs to a finding or the end; theme toggles; the text survives a reload', async ({ page }) => {
  const n = await openApp(page);
  // Space on a focused button plays instead of pressing the button again.
  await page.getByRole('button', { name: 'Step forward' }).click();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await page.keyboard.press('Home');
  await page.getByRole('combobox', { name: 'Playback speed' }).selectOption('30');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible({ timeout: 5000 });
  const s = Number(/step (\d+)/.exec((await stepCount(page).textContent()) ?? '')?.[1]);
  expect(s).toBeGreaterThan(0);
  if (s < n) await expect(page.locator('.tl-row.current')).toHaveClass(/finding/);

  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.locator('.explanation').click();
  await page.keyboard.press('End');
  await page.screenshot({ path: 'test-results/08-dark.png' });

  await page.locator('.cm-line', { hasText: 'kfree(buf)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type(' # kept across reloads');
  // The text is saved (debounced) before the reload.
  await expect.poll(() => page.evaluate(() => localStorage.getItem('dma-explorer:text'))).toContain('# kept across reloads');
  await page.reload();
  await expect(page.locator('.cm-content')).toContainText('# kept across reloads');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('phone: read-only and usable', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true });
  const page = await ctx.newPage();
  const errs: string[] = [];
  page.on('pageerror', (e) => errs.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errs.push(m.text()));
  const n = await openApp(page);
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'false');
  // One tap at a time, each seen on screen: three taps in one task could land while the first frame is still on its way.
  for (const k of [1, 2, 3]) {
    await page.getByRole('button', { name: 'Step forward' }).tap();
    await expect(stepCount(page)).toHaveText(`step ${k} / ${n}`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: 'test-results/09-phone.png' });
  await ctx.close();
  expect(errs).toEqual([]);
});

test('library: a reference scenario loads; its kernel log shows at the finding', async ({ page }) => {
  await openApp(page);
  // loadLibrary waits for the new run itself (the default scenario is at step 0 too)
  await loadLibrary(page, 'debug-map-error-not-checked');
  await expect(page.locator('.cm-content')).toContainText('dma-debug remembers');
  await page.locator('.explanation').click();
  await page.keyboard.press('n');
  await expect(page.getByTestId('kernel-log')).toContainText('failed to check map error');
  await expect(page.locator('.tl-row.current .badge.warn')).toBeVisible();
  await page.screenshot({ path: 'test-results/10-kernel-log.png' });

  await loadLibrary(page, 'swiotlb-32bit-device');
  await page.locator('.cm-line', { hasText: 'dma_map_single' }).first().click();
  await page.keyboard.press('Alt+g');
  await expect(explanation(page).locator('.source')).toContainText('dma_map_single');
  await page.screenshot({ path: 'test-results/11-bounce.png' });
});

test('a long scenario: the timeline stays windowed and End seeks to the last step', async ({ page }) => {
  const body = Array.from({ length: 3000 }, (_, i) => `cpu_write(buf + ${(i % 64) * 64}, "x${i % 10}")`).join('\n');
  const text = `machine(arch=arm64)\nbuf = kmalloc(4096, GFP_KERNEL)\n${body}\n`;
  await page.addInitScript((t) => {
    if (!sessionStorage.getItem('seeded')) {
      localStorage.setItem('dma-explorer:text', t);
      localStorage.setItem('dma-explorer:step', '0');
      sessionStorage.setItem('seeded', '1');
    }
  }, text);
  const n = await openApp(page);
  expect(n).toBe(3001);
  expect(await timelineRows(page).count()).toBeLessThan(80);
  await page.locator('.explanation').click();
  await page.keyboard.press('End');
  await expect(stepCount(page)).toHaveText('step 3001 / 3001');
  await expect(page.locator('.tl-row.current')).toHaveAttribute('data-step', '3001');
  await expect(explanation(page)).toHaveAttribute('data-step', '3001');
  await expect(page.locator('.cm-stepLine')).toContainText('cpu_write(buf + 3520, "x9")');
  await page.screenshot({ path: 'test-results/12-long.png' });
});
