/**
 * Sharing made for mailing lists and docs: a link that reopens the step, the
 * open view and the selection; "Copy as text" giving exactly the CLI's
 * `run FILE --text-until N` (the golden file) plus the link; a view exported
 * as an SVG that parses and a PNG; the embedded player inside an iframe.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, goToStep, loadLibrary, onePage, openLibrary, openView, stepCount, test } from './fixtures.ts';
import { embedUrl } from '../src/ui/embed/embed-link.ts';

const LAZY = 'iommu-lazy-stale-iotlb';

async function shareLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toContain('#s=1.');
  return url;
}

test('share round trip: the link reopens the step, the view and the selection', async ({ page, browser }) => {
  const n = await openLibrary(page, LAZY);
  const step = await goToStep(page, 'dma_mapping_error(nic, h2)');
  await openView(page, 'iommu');
  // Pick the page-table leaf of the second mapping (h2 = 0xffffe000).
  const pte = page.locator('[data-testid=iommu-pte][data-iova="0xffff_e000"]');
  await pte.click();
  await expect(pte).toHaveClass(/\bsel\b/);
  await expect(page.locator('[data-testid=iommu-pte][data-iova="0xffff_f000"]')).not.toHaveClass(/\bsel\b/);
  const url = await shareLink(page);
  expect(url).toMatch(/&view=iommu(&|$)/);
  expect(url).toMatch(/&sel\.buf=other(&|$)/);
  expect(url).toMatch(/&sel\.iova=0xffffe000(&|$)/);
  expect(url).toMatch(/&sel\.addr=0x[0-9a-f]+(&|$)/);

  // A fresh browser context: nothing saved, only the link.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const other = await ctx.newPage();
  const problems: string[] = [];
  other.on('pageerror', (e) => problems.push(String(e)));
  await other.goto(url);
  await expect(stepCount(other)).toHaveText(`step ${step} / ${n}`);
  await expect(other.locator('#tab-iommu')).toHaveAttribute('aria-selected', 'true');
  await expect(other.locator('[data-testid=iommu-pte][data-iova="0xffff_e000"]')).toHaveClass(/\bsel\b/);
  await expect(other.locator('[data-testid=iommu-pte][data-iova="0xffff_f000"]')).not.toHaveClass(/\bsel\b/);
  // The same selection reaches the other views: the bytes view shows the selected buffer.
  const buf = /sel\.buf=(\w+)/.exec(url)![1]!;
  await openView(other, 'bytes');
  await expect(other.locator('[data-view=bytes] select').first()).toHaveValue(buf);
  await other.screenshot({ path: '/tmp/uxb-share-roundtrip-1280.png' });
  // Sharing again from the opened page gives the same link.
  await openView(other, 'iommu');
  expect(await shareLink(other)).toBe(url);
  expect(problems).toEqual([]);
  await ctx.close();
});

test('a link with a bad selection opens anyway and says what it ignored', async ({ page }) => {
  await openLibrary(page, LAZY);
  const url = await shareLink(page);
  await page.goto(`${url}&sel.buf=%3Cscript%3E&sel.iova=12`);
  await expect(stepCount(page)).toHaveText(/^step 0 \//);
  await expect(page.locator('.notices')).toContainText("selected buffer '<script>' ignored");
  await expect(page.locator('.notices')).toContainText("sel.iova '12' ignored");
});

test('Copy as text gives the CLI text of the steps so far, and the link', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLibrary(page, LAZY);
  const step = await goToStep(page, 'dev_read(nic, h2, 8)');
  expect(step).toBe(15);
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByTestId('copy-text').click();
  const box = page.getByTestId('share-text');
  await expect(box).toBeVisible();
  const text = await box.inputValue();
  const golden = readFileSync(new URL('../test/fixtures/text/iommu-lazy-stale-iotlb.until-15.txt', import.meta.url), 'utf8');
  const link = await page.getByTestId('share-url').inputValue();
  expect(text).toBe(`${golden}\nOpen this step in DMA Explorer:\n${link}\n`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
  await page.screenshot({ path: '/tmp/uxb-copy-text-1280.png' });
});

test.describe('exports', () => {
  // One page for the six exports: each shows its scenario (picked from the library unless shown), its step and its view.
  const shared = onePage();
  for (const view of ['diagram', 'iommu', 'bytes', 'swiotlb', 'cache', 'compare']) {
    test(`the ${view} view exports as an SVG that parses, and as a PNG`, async () => {
      const page = shared();
      await loadLibrary(page, view === 'swiotlb' ? 'swiotlb-32bit-device' : LAZY);
      await goToStep(page, view === 'swiotlb' ? 'dev_read(nic, h, 5)' : 'dma_mapping_error(nic, h2)');
      if (view === 'compare') {
        await page.getByTestId('compare-toggle').click();
        await expect(page.getByTestId('compare-count')).toContainText('differ in outcome');
      } else await openView(page, view);
      await page.getByRole('button', { name: 'Share' }).click();
      const [svgDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
      expect(svgDl.suggestedFilename()).toMatch(new RegExp(`^dma-explorer-${view}-step\\d+\\.svg$`));
      const svg = readFileSync((await svgDl.path())!, 'utf8');
      const parsed = await page.evaluate((s) => {
        const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
        return {
          error: doc.getElementsByTagName('parsererror').length > 0,
          root: doc.documentElement.localName,
          width: Number(doc.documentElement.getAttribute('width')),
          text: doc.documentElement.textContent ?? '',
        };
      }, svg);
      expect(parsed.error).toBe(false);
      expect(parsed.root).toBe('svg');
      expect(parsed.text).not.toContain('Loading view');
      expect(parsed.width).toBeGreaterThan(200);
      const shown = view === 'compare' ? page.getByTestId('compare') : page.locator(`[data-view=${view}]`);
      const onScreen = (await shown.innerText()).split('\n').find((l) => l.trim().length > 8)!;
      expect(parsed.text.replace(/\s+/g, ' ')).toContain(onScreen.trim().replace(/\s+/g, ' ').slice(0, 20));
      const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
      const png = readFileSync((await pngDl.path())!);
      await pngDl.saveAs(`/tmp/uxb-export-${view}.png`);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // PNG width (IHDR) is twice the SVG's.
      expect(png.readUInt32BE(16)).toBe(Math.round(parsed.width * 2));
      // Leave the page as a fresh one would be: the share popover closed, compare mode off.
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('share-url')).toHaveCount(0);
      if (view === 'compare') {
        await page.getByTestId('exit-compare').click();
        await expect(page.getByTestId('compare')).toHaveCount(0);
      }
    });
  }
});

test('embed mode works inside an iframe: one view, step controls, explanation, a way out', async ({ page, baseURL }) => {
  await openLibrary(page, LAZY);
  await goToStep(page, 'dev_read(nic, h, 8)');
  await openView(page, 'iommu');
  const url = await shareLink(page);
  const src = embedUrl(url);
  expect(src).toMatch(/&embed=1$/);
  // The visitor's own scenario in this browser must survive the player.
  const saved = await page.evaluate(() => localStorage.getItem('dma-explorer:text'));

  // A documentation page on the same site (so its storage is the visitor's) that embeds the player.
  const host = `<!doctype html><title>doc</title><h1>A blog post</h1><iframe id="p" src="${src.replace(/&/g, '&amp;')}" width="960" height="600"></iframe>`;
  await page.route('**/blog-post.html', (r) => r.fulfill({ contentType: 'text/html', body: host }));
  await page.goto(`${baseURL}/blog-post.html`);
  const frame = page.frameLocator('#p');
  await expect(frame.getByTestId('embed')).toBeVisible();
  await expect(frame.getByTestId('step-count')).toHaveText(/^step 8 \/ 19$/);
  await expect(frame.getByTestId('explanation')).toHaveAttribute('data-step', '8');
  await expect(frame.locator('[data-view=iommu]')).toBeVisible();
  // No editor, no tabs, no header of the full explorer.
  await expect(frame.locator('.cm-content')).toHaveCount(0);
  await expect(frame.locator('[role=tab]')).toHaveCount(0);
  await frame.getByRole('button', { name: 'Step forward' }).click();
  await expect(frame.getByTestId('explanation')).toHaveAttribute('data-step', '9');
  const open = frame.getByTestId('embed-open');
  await expect(open).toHaveAttribute('target', '_blank');
  const href = (await open.getAttribute('href'))!;
  expect(href).not.toContain('embed=1');
  expect(href).toMatch(/&step=9(&|$)/);
  expect(href).toContain('view=iommu');
  await page.screenshot({ path: '/tmp/uxb-embed-iframe.png' });
  expect(await page.evaluate(() => localStorage.getItem('dma-explorer:text'))).toBe(saved);
});

test('print: the scenario, the explanation and the open view, without the app chrome', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openLibrary(page, LAZY);
  await goToStep(page, 'dev_read(nic, h2, 8)');
  await openView(page, 'iommu');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.locator('[role=toolbar][aria-label="Step controls"]')).toBeHidden();
  await expect(page.getByTestId('timeline')).toBeHidden();
  await expect(page.locator('.tabs[role=tablist]')).toBeHidden();
  const printed = page.locator('.print-scenario');
  await expect(printed).toBeVisible();
  // The whole text, not just the lines the editor has drawn.
  await expect(printed).toContainText('udelay(1)');
  await expect(page.getByTestId('explanation')).toBeVisible();
  await expect(page.locator('[data-view=iommu]')).toBeVisible();
  await page.screenshot({ path: '/tmp/uxb-print.png', fullPage: true });
});

test('the player in a narrow iframe stacks the explanation over the view', async ({ page, baseURL }) => {
  await openLibrary(page, 'swiotlb-32bit-device');
  await goToStep(page, 'dev_read(nic, h, 5)');
  await openView(page, 'diagram');
  const src = embedUrl(await shareLink(page));
  const host = `<!doctype html><title>doc</title><p>Narrow column:</p><iframe id="p" src="${src.replace(/&/g, '&amp;')}" width="560" height="640"></iframe>`;
  await page.route('**/narrow-post.html', (r) => r.fulfill({ contentType: 'text/html', body: host }));
  await page.goto(`${baseURL}/narrow-post.html`);
  const frame = page.frameLocator('#p');
  await expect(frame.getByTestId('embed')).toBeVisible();
  await expect(frame.locator('[data-view=diagram]')).toBeVisible();
  await expect(frame.getByTestId('explanation')).toHaveAttribute('data-step', '5');
  // Both boxes read in one task: the explanation can still grow as its
  // text arrives, so two separate reads could straddle a re-layout.
  await expect
    .poll(() =>
      frame.locator('.embed-body').evaluate((body) => {
        const ex = body.querySelector('[data-testid=explanation]')!.getBoundingClientRect();
        const view = body.querySelector('.embed-view')!.getBoundingClientRect();
        return view.top - ex.bottom;
      }),
    )
    .toBeGreaterThanOrEqual(-1);
  await frame.getByRole('button', { name: 'Step back' }).click();
  await expect(frame.getByTestId('explanation')).toHaveAttribute('data-step', '4');
  await page.screenshot({ path: '/tmp/uxb-embed-narrow.png' });
});
