/**
 * Snooping per access and CPU memory attributes in the views (run `vite
 * build` first): the IOMMU page table shows each leaf's memory attribute
 * (NC without IOMMU_CACHE, WB with it); the diagram and the explanation name
 * a non-snooped access of a GPU the DMA API believes coherent; the memory map
 * says which CPU mappings are write-combining. Screenshots at 1280×720 and
 * 1440×900 go to $SHOTS_DIR (default test-results/) as snoop-*.png.
 */
import { expect, goToStep, loadLibrary, onePage, openView, test } from './fixtures.ts';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results';

for (const vp of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test.describe(`${vp.width}×${vp.height}`, () => {
    // One page for the block: each test picks its own scenario, step and view.
    const shared = onePage({ viewport: vp });

    test('IOMMU view: a leaf without IOMMU_CACHE is Non-cacheable, and the coherent GPU reads RAM through it', async () => {
      const page = shared();
      await loadLibrary(page, 'iommu-prot-cache');
      await goToStep(page, 'iommu_map(dom, 0x200000');
      await openView(page, 'iommu');
      const attrs = page.locator('[data-view=iommu] [data-testid=iommu-attr]');
      await expect(attrs).toHaveText(['NC', 'WB']);
      await expect(attrs.first()).toHaveAttribute('title', /do not snoop/);
      await page.screenshot({ path: `${SHOTS}/snoop-iommu-${vp.width}.png` });
      await goToStep(page, 'dev_read(gpu, 0x100000');
      await expect(page.getByTestId('explanation')).toContainText('Non-cacheable');
    });

    test('diagram: a non-snooped GPU read on x86 is labelled No Snoop and stale; drm_clflush_sg fixes it', async () => {
      const page = shared();
      await loadLibrary(page, 'x86-gpu-nosnoop-clflush');
      await goToStep(page, 'dev_read(gpu, a, 8)  ');
      await openView(page, 'diagram');
      await expect(page.locator('[data-view=diagram]')).toContainText('No Snoop');
      await expect(page.locator('[data-view=diagram]')).toContainText('No Snoop: RAM only');
      await expect(page.getByTestId('explanation')).toContainText('believes the device coherent');
      await page.screenshot({ path: `${SHOTS}/snoop-diagram-${vp.width}.png` });
    });

    test('memory map: set_memory_wc leaves the buffer write-combining in the linear map', async () => {
      const page = shared();
      await loadLibrary(page, 'x86-set-memory-wc');
      await goToStep(page, 'set_memory_wc');
      await openView(page, 'memmap');
      await expect(page.getByTestId('explanation')).toContainText('cpa_flush');
      await expect(page.locator('[data-view=memmap] [data-testid=memmap-attr]')).toHaveText('WC');
      await page.screenshot({ path: `${SHOTS}/snoop-memmap-${vp.width}.png` });
    });
  });
}
