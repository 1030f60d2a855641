/**
 * The IOMMU, GPU VM, CMA and dma-buf views against library scenarios (run
 * `vite build` first): the stale IOTLB entry of a lazy unmap and its flush,
 * IOVAs just below 4 GiB, a CMA migration, the stage a GPU access faulted
 * in, a cached dma-buf mapping and its direction, and selection linking to
 * the other views. Screenshots at 1280×800, light and dark, go to
 * $SHOTS_DIR (default test-results/) as engine-views-*.png.
 */
import { readFileSync } from 'node:fs';
import { expect, openLibrary, openView, settled, stepCount, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

test.use({ viewport: { width: 1280, height: 800 } });

const SHOTS = process.env.SHOTS_DIR ?? 'test-results';

/** Statements of a library scenario after its header, as the explorer numbers steps (1-based). */
function statements(name: string): string[] {
  const text = readFileSync(new URL(`../src/scenario/library/${name}.dma`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^(machine|iommu|device)\s*\(/.test(l));
}

class Scenario {
  readonly lines: string[];
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    this.lines = statements(name);
  }

  async open(theme: 'light' | 'dark' = 'light'): Promise<void> {
    const n = await openLibrary(this.page, this.name, theme);
    expect(n, 'statements, as the explorer numbers them').toBe(this.lines.length);
  }

  /** The step of the `nth` statement (0-based) that contains `text`. */
  stepOf(text: string, nth = 0): number {
    let seen = 0;
    for (let i = 0; i < this.lines.length; i++) {
      if (this.lines[i]!.includes(text) && seen++ === nth) return i + 1;
    }
    throw new Error(`${this.name}: no statement #${nth} containing ${text}`);
  }

  /** Goes to that step with the scrubber and waits for its frame. */
  async go(text: string, nth = 0): Promise<number> {
    const step = this.stepOf(text, nth);
    await this.page.getByRole('slider', { name: 'Step' }).fill(String(step));
    await expect(stepCount(this.page)).toHaveText(new RegExp(`^step ${step} / `));
    await expect(this.page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
    await expect(this.page.getByTestId('explanation')).toContainText(text);
    return step;
  }

  /** Goes to step `step` with the scrubber. */
  async goStep(step: number): Promise<void> {
    await this.page.getByRole('slider', { name: 'Step' }).fill(String(step));
    await expect(this.page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
  }

  async view(id: string, testId: string, step?: number): Promise<void> {
    await openView(this.page, id);
    if (step !== undefined) await expect(this.page.getByTestId(testId)).toHaveAttribute('data-step', String(step));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  // the walk's level-by-level highlight has finished
  await settled(page);
  await page.screenshot({ path: `${SHOTS}/engine-views-${name}.png` });
}

for (const theme of ['light', 'dark'] as const) {
  test(`IOMMU (${theme}): a lazy unmap leaves a stale IOTLB entry until the flush-queue timer fires`, async ({ page }) => {
    const s = new Scenario(page, 'iommu-lazy-stale-iotlb');
    await s.open(theme);
    const read = await s.go('dev_read(nic, h, 8)');
    await s.view('iommu', 'iommu-view', read);
    const view = page.getByTestId('iommu-view');
    await expect(page.getByTestId('iommu-domain')).toHaveAttribute('data-type', 'DMA_FQ');
    // The miss walked the table: the path is lit down to the leaf.
    await expect(page.getByTestId('iommu-walk')).toContainText('L0[0]');
    await expect(page.getByTestId('iommu-walk')).toContainText('L3[511]');
    await expect(page.locator('[data-testid=iommu-pt] .ev-pt-row.walked')).toHaveCount(4);
    await expect(page.getByTestId('iotlb-entry')).toHaveAttribute('data-stale', 'false');

    const unmap = await s.go('dma_unmap_single(nic, h,');
    await expect(view).toHaveAttribute('data-step', String(unmap));
    await expect(page.getByTestId('iotlb-entry')).toHaveAttribute('data-stale', 'true');
    await expect(page.getByTestId('iotlb-entry')).toContainText('stale: the PTE is gone but the IOTLB still translates');
    await expect(page.getByTestId('fq-pending')).toHaveText('1');
    await expect(page.getByTestId('iommu-fq')).toContainText('timer fires at 10 ms');
    await expect(page.locator('[data-testid=iommu-pte][data-iova="0xffff_f000"]')).toHaveCount(0);

    // The device reads the freed page through the stale entry.
    const stale = await s.go('dev_read(nic, h, 8)', 1);
    await expect(view).toHaveAttribute('data-step', String(stale));
    await expect(page.getByTestId('iommu-stale-hit')).toContainText('Stale IOTLB hit at IOVA 0xffff_f000');
    await expect(page.getByTestId('iotlb-entry')).toContainText('stale hit');
    await shot(page, `iommu-stale-${theme}`);

    // A miss in the window faults: prominently, with its stage and the SMMU's line.
    await s.go('dev_read(nic, h2, 8)');
    await expect(page.getByTestId('iommu-fault')).toContainText('translation fault');
    await expect(page.getByTestId('iommu-fault')).toContainText('Unhandled context fault');
    await expect(page.getByTestId('iommu-pt-empty')).toContainText('L3');

    await s.go('udelay(9999)');
    await expect(page.getByTestId('iommu-fq')).toContainText('1 µs left');
    await expect(page.getByTestId('iotlb-entry')).toHaveAttribute('data-stale', 'true');

    // udelay(1): fq_flush_timeout flushed the IOTLB; the stale entry is gone.
    const flush = await s.go('udelay(1)');
    await expect(view).toHaveAttribute('data-step', String(flush));
    await expect(page.getByTestId('iotlb-entry')).toHaveCount(0);
    await expect(page.getByTestId('iommu-iotlb-empty')).toContainText('flushed this step');
    await expect(page.getByTestId('fq-pending')).toHaveText('0');
    await expect(page.locator('[data-testid=iova-row]')).toHaveCount(2);
    await expect(page.locator('[data-testid=iova-row]').first()).toContainText('rcache');
    if (theme === 'light') await shot(page, 'iommu-flushed-light');

    await s.go('dev_read(nic, h, 8)', 3);
    await expect(page.getByTestId('iommu-fault')).toContainText('0xffff_f000');
  });
}

test('IOMMU: IOVAs are handed out top-down just below 4 GiB; a 3-page mapping takes 4 pages', async ({ page }) => {
  const s = new Scenario(page, 'iommu-iova-topdown');
  await s.open();
  const hb = await s.go('hb = dma_map_single');
  await s.view('iommu', 'iommu-view', hb);
  await expect(page.getByTestId('iommu-iova')).toContainText('0 – 0x1_0000_0000');
  const rows = page.locator('[data-testid=iova-row]');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-lo', '0xffff_8000');
  await expect(rows.nth(0)).toContainText('16 KiB allocated · 12 KiB mapped');
  await expect(rows.nth(0)).toContainText('allocated this step');
  await expect(rows.nth(1)).toHaveAttribute('data-lo', '0xffff_f000');
  // the overview marks 4 GiB; the zoom shows the ranges
  await expect(page.locator('[data-testid=iommu-iova] svg')).toContainText('0x1_0000_0000');
  await expect(page.locator('[data-testid=iova-range]')).toHaveCount(2);

  const hc = await s.go('hc = dma_map_single');
  await expect(page.getByTestId('iommu-view')).toHaveAttribute('data-step', String(hc));
  const los = await page.locator('[data-testid=iova-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-lo') ?? ''));
  expect(los).toEqual(['0xffff_7000', '0xffff_8000', '0xffff_f000']);
  for (const lo of los) {
    const n = Number(lo.replace(/_/g, ''));
    expect(n).toBeGreaterThanOrEqual(0xfff00000);
    expect(n).toBeLessThan(2 ** 32);
  }
  await shot(page, 'iommu-iova-light');

  // Clicking a range selects its physical address: the leaf behind it lights up here…
  await page.locator('[data-testid=iova-range][data-lo="0xffff_7000"]').click();
  await expect(page.locator('[data-testid=iommu-pte][data-iova="0xffff_7000"]')).toHaveClass(/\bsel\b/);
  // …and the other views follow (the bytes view shows the buffer behind it).
  await s.view('bytes', 'bytes-view');
  await expect(page.getByTestId('bytes-view')).toHaveAttribute('data-buffer', 'c');

  // The second device has its own domain: a tab each, and an empty one places 3 pages at 0xffffc000.
  const he = await s.go('he = dma_map_single');
  await s.view('iommu', 'iommu-view', he);
  await expect(page.getByTestId('iommu-domain')).toHaveAttribute('data-domain', 'smmu/dev2');
  await expect(page.locator('[data-testid=iova-row]').first()).toHaveAttribute('data-lo', '0xffff_c000');
  await page.getByRole('tab', { name: /smmu\/dev DMA/ }).click();
  await expect(page.getByTestId('iommu-domain')).toHaveAttribute('data-domain', 'smmu/dev');
});

for (const theme of ['light', 'dark'] as const) {
  test(`CMA (${theme}): movable pages migrate out of the range an allocation needs`, async ({ page }) => {
    const s = new Scenario(page, 'cma-migrate-movable');
    await s.open(theme);
    const lend = await s.go('cpu_write(pc + 12288');
    await s.view('cma', 'cma-view', lend);
    await expect(page.getByTestId('cma-borrowed')).toHaveText('4');
    await expect(page.getByTestId('cma-allocated')).toHaveText('0');
    await expect(page.getByTestId('cma-canvas')).toBeVisible();

    const alloc = await s.go('c = dma_alloc_from_contiguous');
    await expect(page.getByTestId('cma-view')).toHaveAttribute('data-step', String(alloc));
    // The four pages moved: no longer lent, now CMA's; each drawn as an arrow and listed.
    await expect(page.getByTestId('cma-borrowed')).toHaveText('0');
    await expect(page.getByTestId('cma-allocated')).toHaveText('4');
    const moves = page.getByTestId('cma-migration');
    await expect(moves).toHaveCount(4);
    await expect(moves.first()).toContainText('"pc" page 0xff00_0000 → 0x1_ffff_f000');
    await expect(page.getByTestId('cma-step')).toContainText('4 page(s) migrated out');
    await expect(page.getByTestId('cma-canvas')).toHaveAttribute('aria-label', /4 migrated this step/);
    await shot(page, `cma-migrate-${theme}`);

    // Following a migrated page selects the buffer at its new home.
    await moves.first().getByRole('button').click();
    await s.view('bytes', 'bytes-view');
    await expect(page.getByTestId('bytes-view')).toHaveAttribute('data-buffer', 'pc');
  });
}

test('CMA: a pinned page makes the candidate busy; when none is left the allocation fails', async ({ page }) => {
  const s = new Scenario(page, 'cma-pinned-busy-retry');
  await s.open();
  await s.go('a = dma_alloc_from_contiguous');
  await s.view('cma', 'cma-view');
  await expect(page.getByTestId('cma-step')).toContainText('busy');
  const fail = await s.go('b = dma_alloc_from_contiguous');
  await expect(page.getByTestId('cma-view')).toHaveAttribute('data-step', String(fail));
  await expect(page.getByTestId('cma-fail')).toContainText('cma_alloc failed: 256 pages');
  await expect(page.getByTestId('cma-fail')).toContainText('alloc failed, req-size: 256 pages, ret: -16');
  await shot(page, 'cma-fail-light');
});

for (const theme of ['light', 'dark'] as const) {
  test(`GPU VM (${theme}): the stage that faulted`, async ({ page }) => {
    const s = new Scenario(page, 'gpu-two-stage-fault');
    await s.open(theme);
    const ok = await s.go('gpu_read(vm, 0x2000000, 6)');
    await s.view('gpuvm', 'gpu-view', ok);
    await expect(page.getByTestId('gpu-walk')).toHaveAttribute('data-faulted-stage', 'none');
    await expect(page.getByTestId('gpu-stage2')).toContainText('IOTLB miss');
    await expect(page.getByTestId('gpu-chain').first()).toContainText('0xffff_ffff_f000');

    // No GPU PTE: stage 1 (the GPU's own MMU) faults; stage 2 is never reached.
    await s.go('gpu_read(vm, 0x2001000, 4)');
    await expect(page.getByTestId('gpu-walk')).toHaveAttribute('data-faulted-stage', 'gpu-mmu');
    await expect(page.getByTestId('gpu-stage1')).toHaveAttribute('data-fault', 'true');
    await expect(page.getByTestId('gpu-stage2')).toContainText('not reached');
    await expect(page.getByTestId('gpu-fault')).toContainText('Unhandled Page fault in AS0');
    if (theme === 'light') await shot(page, 'gpu-stage1-light');

    // The IOVA was unmapped, the GPU PTE was not: stage 2 (the SMMU) faults.
    await s.go('gpu_read(vm, 0x2000000, 6)', 1);
    await expect(page.getByTestId('gpu-walk')).toHaveAttribute('data-faulted-stage', 'iommu');
    await expect(page.getByTestId('gpu-stage1')).toHaveAttribute('data-fault', 'false');
    await expect(page.getByTestId('gpu-stage2')).toHaveAttribute('data-fault', 'true');
    await expect(page.getByTestId('gpu-fault')).toContainText('Unhandled context fault');
    await expect(page.getByTestId('gpu-chain-broken')).toBeVisible();
    await shot(page, `gpu-stage2-${theme}`);
    // The IOMMU view tells the same story from the SMMU's side.
    await s.view('iommu', 'iommu-view');
    await expect(page.getByTestId('iommu-fault')).toContainText('translation fault');

    // Without an IOMMU nothing catches the stale GPU PTE.
    await s.go('gpu_read(vm2, 0x2000000, 6)');
    await s.view('gpuvm', 'gpu-view');
    await expect(page.getByTestId('gpu-walk')).toHaveAttribute('data-faulted-stage', 'none');
    await expect(page.getByTestId('gpu-stage2')).toContainText('no system IOMMU');
  });
}

for (const theme of ['light', 'dark'] as const) {
  test(`dma-buf (${theme}): the cached mapping, its direction, and -EBUSY for another direction (5.10)`, async ({ page }) => {
    const s = new Scenario(page, 'dmabuf-busy-direction-5.10');
    await s.open(theme);
    const tx = await s.go('tx = dma_buf_map_attachment');
    await s.view('dmabuf', 'dmabuf-view', tx);
    await expect(page.getByTestId('dmabuf-era')).toContainText('5.10');
    const m = page.getByTestId('dmabuf-mapping');
    await expect(m).toHaveAttribute('data-cached', 'true');
    await expect(m).toHaveAttribute('data-dir', 'DMA_TO_DEVICE');
    await expect(page.getByTestId('dmabuf-cached-why')).toContainText('cache_sgt_mapping');

    await s.go('tx2 = dma_buf_map_attachment');
    await expect(page.getByTestId('dmabuf-cached-return')).toBeVisible();

    const rx = await s.go('rx = dma_buf_map_attachment');
    await expect(page.getByTestId('dmabuf-view')).toHaveAttribute('data-step', String(rx));
    await expect(page.getByTestId('dmabuf-refused')).toContainText('DMA_FROM_DEVICE');
    await expect(page.getByTestId('dmabuf-refused')).toContainText('-EBUSY');
    await expect(page.getByTestId('dmabuf-ebusy')).toBeVisible();
    await expect(page.getByTestId('dmabuf-mapping')).toHaveAttribute('data-dir', 'DMA_TO_DEVICE');
    await expect(page.getByTestId('dmabuf-lock')).toContainText('held by the task');
    await shot(page, `dmabuf-ebusy-${theme}`);
  });
}

test('dma-buf: the BIDIRECTIONAL mapping cached at attach is handed back with no cache maintenance', async ({ page }) => {
  const s = new Scenario(page, 'dmabuf-cached-bidir-no-sync');
  await s.open();
  await s.go('at = dma_buf_attach(db, isp)');
  await s.view('dmabuf', 'dmabuf-view');
  await expect(page.getByTestId('dmabuf-mapping')).toHaveAttribute('data-dir', 'DMA_BIDIRECTIONAL');
  await expect(page.getByTestId('dmabuf-cached-why')).toContainText('at attach');
  const map = await s.go('s = dma_buf_map_attachment(at, DMA_TO_DEVICE)');
  await expect(page.getByTestId('dmabuf-view')).toHaveAttribute('data-step', String(map));
  await expect(page.getByTestId('dmabuf-cached-return')).toContainText('no cache maintenance');
  await expect(page.getByTestId('dmabuf-mapping')).toHaveAttribute('data-cached', 'true');
  await expect(page.getByTestId('dmabuf-mapping')).toHaveAttribute('data-dir', 'DMA_BIDIRECTIONAL');
  await shot(page, 'dmabuf-cached-light');
});

test('dma-buf: a mapped dynamic exporter is pinned (MOVE_NOTIFY=n); once unmapped it moves and move_notify reaches the importer', async ({ page }) => {
  const s = new Scenario(page, 'dmabuf-move-notify');
  await s.open();
  await s.go('dma_buf_move(db)');
  await s.view('dmabuf', 'dmabuf-view');
  await expect(page.getByTestId('dmabuf-move-notify')).toHaveCount(0);
  await expect(page.getByTestId('dmabuf-mapping')).toHaveCount(1);
  await s.go('dma_buf_move(db)', 1);
  await expect(page.getByTestId('dmabuf-move-notify')).toBeVisible();
  await expect(page.getByTestId('dmabuf-mapping')).toHaveCount(0);
});

test('tabs of parts a scenario does not use are hidden; the others stay', async ({ page }) => {
  const s = new Scenario(page, 'swiotlb-force');
  await s.open();
  await s.goStep(1);
  for (const id of ['iommu', 'gpuvm', 'dmabuf', 'cma']) await expect(page.locator(`#tab-${id}`)).toHaveCount(0);
  for (const id of ['bytes', 'cache', 'memmap', 'swiotlb']) await expect(page.locator(`#tab-${id}`)).toHaveCount(1);
  const other = new Scenario(page, 'gpu-two-stage-fault');
  await other.open();
  for (const id of ['iommu', 'gpuvm']) await expect(page.locator(`#tab-${id}`)).toHaveCount(1);
});
