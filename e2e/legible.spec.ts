/**
 * Clear at a glance, at 1280×720 and 1440×900: no rendered text under 11 px
 * (HTML and the diagram's SVG, measured at its scale), number badges that do
 * not overlap, the current timeline row in view; tabs badge what the step
 * changed, "follow" opens that view; the machine table is a header popover;
 * glossary hover cards; a check on the bug step reads "bug reproduced as expected".
 */
import { expect, goToStep, openApp, openLibrary, settled, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

/** Every visible text node's rendered font size in px (SVG text scaled by its screen CTM, canvas text as its canvas reports it), smallest first. */
async function smallTexts(page: Page): Promise<Array<{ px: number; text: string }>> {
  return page.evaluate(() => {
    const out: Array<{ px: number; text: string }> = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const t = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!t || !el || el.closest('[aria-hidden=true], .sr-only, .tabs-measure, title, option, script, style')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
      let px = parseFloat(getComputedStyle(el).fontSize);
      if (el instanceof SVGElement) {
        const m = (el as unknown as SVGGraphicsElement).getScreenCTM?.();
        if (m) px *= Math.hypot(m.a, m.b);
      }
      out.push({ px: Math.round(px * 100) / 100, text: t.slice(0, 40) });
    }
    // Canvas views write no DOM text: each canvas says the smallest font it drew text at (data-text-px, CSS px).
    for (const c of document.querySelectorAll<HTMLCanvasElement>('canvas[data-text-px]')) {
      const r = c.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) continue;
      const scale = c.width > 0 ? r.width / (c.width / devicePixelRatio) : 1;
      const px = Number(c.dataset.textPx) * scale;
      if (c.dataset.textPx) out.push({ px: Math.round(px * 100) / 100, text: `canvas: ${c.getAttribute('aria-label') ?? ''}`.slice(0, 40) });
    }
    return out.filter((x) => x.px < 11).sort((a, b) => a.px - b.px);
  });
}

async function badgeOverlaps(page: Page): Promise<number> {
  const boxes = await page.locator('[data-testid=machine-diagram] .dg-badge circle, [data-testid=machine-diagram] .dg-mark circle').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height] as const;
    }),
  );
  let n = 0;
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [ax, ay, aw, ah] = boxes[i]!;
      const [bx, by, bw, bh] = boxes[j]!;
      if (ax < bx + bw - 0.5 && bx < ax + aw - 0.5 && ay < by + bh - 0.5 && by < ay + ah - 0.5) n++;
    }
  return n;
}

for (const size of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test(`no text under 11 px, no overlapping badges, the current row in view (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    await openLibrary(page, 'iommu-strict-unmap-fault');
    await expect(page.locator('[role=tab][aria-selected=true]')).toHaveAttribute('id', 'tab-diagram');
    for (const src of ['h = dma_map_single', 'dev_write(nic, h', 'h2 = dma_map_single']) {
      const k = await goToStep(page, src);
      await expect(page.getByTestId('machine-diagram')).toHaveAttribute('data-step', String(k));
      await settled(page);
      expect(await smallTexts(page), `text under 11 px at step ${k}`).toEqual([]);
      expect(await badgeOverlaps(page), `overlapping badges at step ${k}`).toBe(0);
      // The row and the list read in one task (the timeline re-renders its rows as it scrolls).
      const inView = await page.evaluate(() => {
        const row = document.querySelector('.tl-row.current')?.getBoundingClientRect();
        const list = document.querySelector('[data-testid=timeline] .tl-list, [data-testid=timeline]')?.getBoundingClientRect();
        return !!row && !!list && row.y >= list.y && row.y + row.height <= list.y + list.height + 1;
      });
      expect(inView, `the current row in view at step ${k}`).toBeTruthy();
    }
    await page.screenshot({ path: `test-results/legible-fault-${size.width}.png` });
    // The header fits: an IOMMU scenario's three pickers, overridden (with the reset chip), push nothing off screen.
    await page.getByTestId('ovr-arch').selectOption('x86');
    await page.getByTestId('ovr-iommu').selectOption({ index: 1 });
    await expect(page.getByTestId('ovr-reset')).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    const help = await page.locator('.topbar > :last-child').boundingBox();
    expect(help!.x + help!.width).toBeLessThanOrEqual(size.width);
    await page.getByTestId('ovr-reset').click();
    for (const id of ['bytes', 'cache', 'memmap', 'swiotlb', 'iommu']) {
      const tab = page.locator(`#tab-${id}`);
      if ((await tab.count()) === 0) {
        await page.getByTestId('tabs-more').click();
        await page.locator(`[role=menuitem][data-tab=${id}]`).click();
      } else await tab.click();
      await expect(page.locator(`[data-view=${id}]`)).toBeVisible();
      await settled(page);
      expect(await smallTexts(page), `text under 11 px in ${id}`).toEqual([]);
    }
  });
}

test('tabs badge the change, follow opens it, the diagram can fill the window', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openLibrary(page, 'swiotlb-32bit-device');
  await goToStep(page, 'h = dma_map_single');
  await expect(page.getByTestId('tab-badge-swiotlb')).toHaveText('bounced');
  await expect(page.locator('#tab-diagram')).toHaveAttribute('aria-selected', 'true');
  // The diagram fits the view's height: its three captions are on screen without scrolling, the drawing above them.
  await expect(page.locator('[data-testid=diagram-captions] li')).toHaveCount(3);
  const fit = await page.evaluate(() => {
    const body = document.querySelector('.view-body[data-view=diagram]')!;
    const caps = document.querySelector('[data-testid=diagram-captions]')!.getBoundingClientRect();
    const svg = document.querySelector('.dg-svg')!.getBoundingClientRect();
    return { scrolls: body.scrollHeight > body.clientHeight + 1, capsBottom: caps.bottom, bodyBottom: body.getBoundingClientRect().bottom, svgBottom: svg.bottom, capsTop: caps.top };
  });
  expect(fit.scrolls, 'the diagram view scrolls').toBe(false);
  expect(fit.capsBottom).toBeLessThanOrEqual(fit.bodyBottom);
  expect(fit.svgBottom).toBeLessThanOrEqual(fit.capsTop + 1);
  await page.getByTestId('follow-toggle').check();
  await goToStep(page, 'buf = kmalloc');
  await expect(page.locator('#tab-diagram')).toHaveAttribute('aria-selected', 'true');
  await goToStep(page, 'h = dma_map_single');
  await expect(page.locator('#tab-swiotlb')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('view-caption')).toContainText('copied into a bounce slot');
  await page.getByTestId('follow-toggle').uncheck();
  await page.locator('#tab-diagram').click();
  await page.getByTestId('views-fullscreen').click();
  const box = await page.getByTestId('views').boundingBox();
  expect(box?.width).toBe(1280);
  expect(Number(await page.locator('.dg-svg').getAttribute('data-scale'))).toBeGreaterThan(1.2);
  await page.keyboard.press('Escape');
  expect((await page.getByTestId('views').boundingBox())!.width).toBeLessThan(1000);
});

test('follow opens the cache view for a clean and the IOMMU view for the IOTLB and each fault', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openLibrary(page, 'iommu-strict-unmap-fault');
  await page.getByTestId('follow-toggle').check();
  const selected = page.locator('[role=tab][aria-selected=true]');
  const caption = page.getByTestId('view-caption');
  // Mapping for the device on a non-coherent arm64 SoC cleans the dirty line: the cache view.
  await goToStep(page, 'h = dma_map_single');
  await expect(selected).toHaveAttribute('id', 'tab-cache');
  await expect(page.locator('[data-view=cache]')).toBeVisible();
  await expect(caption).toHaveText('1 dirty line written back to RAM (dcache_clean_poc).');
  // A step that changes nothing a view shows: back to the diagram.
  await goToStep(page, 'dma_mapping_error(nic, h)');
  await expect(selected).toHaveAttribute('id', 'tab-diagram');
  // The first device access walks the page table: the IOMMU view, saying so.
  await goToStep(page, 'dev_read(nic, h, 6)');
  await expect(selected).toHaveAttribute('id', 'tab-iommu');
  await expect(page.locator('[data-view=iommu]')).toBeVisible();
  await expect(caption).toContainText('IOTLB miss, fill: the IOMMU walks the page table');
  // Each fault kind, in the IOMMU view, in the explanation's words.
  await goToStep(page, 'dev_write(nic, h, "x")');
  await expect(selected).toHaveAttribute('id', 'tab-iommu');
  await expect(caption).toContainText('IOMMU permission fault');
  await expect(caption).toContainText('mapped read-only');
  await page.screenshot({ path: '/tmp/ux2-follow-iommu-1280.png' });
  await page.locator('[data-testid=timeline] .tl-row[data-step="9"]').click();
  await expect(caption).toContainText('IOMMU translation fault');
  await expect(selected).toHaveAttribute('id', 'tab-iommu');
});

test('the machine table is a header popover; glossary cards; the bug step reads "bug reproduced as expected"', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  await expect(page.locator('#tab-machine')).toHaveCount(0);
  await page.getByTestId('machine-btn').click();
  await expect(page.getByTestId('machine-pop')).toContainText('DMA mask');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('machine-pop')).toHaveCount(0);
  await goToStep(page, 'cpu_read(buf, 16)');
  const check = page.getByTestId('check').first();
  await expect(check).toContainText('bug reproduced as expected');
  await expect(check).toHaveClass(/repro/);
  await page.locator('.tl-row.current .badge.repro').waitFor();
  const term = page.getByTestId('explanation').locator('.gl-term[data-term=observation]').first();
  await term.hover();
  await expect(page.getByTestId('gloss-card')).toContainText('the kernel did not report');
  // Every card says where in the kernel: here, the rules the kernel does not check.
  await expect(page.getByTestId('gloss-source')).toHaveText('Documentation/core-api/dma-api-howto.rst');
});
