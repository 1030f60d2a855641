/**
 * A call the kernel never returns from (run `vite build` first): on 5.15–6.10
 * iommu_map without IOMMU_READ|IOMMU_WRITE makes __iommu_map loop, so the
 * explorer stops the run there — the step and every later one say HANG, and
 * the explanation names __iommu_map with the commits that introduced and
 * fixed it. Run as 6.11 the same map fails with -EINVAL and the run goes on.
 * Screenshots at 1280×720 and 1440×900 go to $SHOTS_DIR (default
 * test-results/) as hang-*.png.
 */
import { expect, goToStep, openLibrary, test } from './fixtures.ts';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results';

for (const vp of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test.describe(`${vp.width}×${vp.height}`, () => {
    test.use({ viewport: vp });

    test('iommu_map without READ or WRITE hangs on 6.6: the run stops there; on 6.11 it is -EINVAL', async ({ page }) => {
      await openLibrary(page, 'iommu-map-no-prot-hang');
      const step = await goToStep(page, 'iommu_map(dom, 0x200000');
      const ex = page.getByTestId('explanation');
      await expect(ex).toContainText('the kernel would hang here');
      await expect(ex).toContainText('6093cd582f8e');
      const rows = page.locator('[data-testid=timeline] .tl-row');
      await expect(rows.locator(`xpath=self::*[@data-step="${step}"]`)).toContainText('HANG');
      await page.screenshot({ path: `${SHOTS}/hang-6.6-${vp.width}.png` });
      // the statement after it never runs
      await rows.locator(`xpath=self::*[@data-step="${step + 1}"]`).click();
      await expect(ex).toHaveAttribute('data-step', String(step + 1));
      await expect(ex).toContainText('not run: the kernel has been stuck in iommu_map');

      await page.getByTestId('ovr-kernel').selectOption('6.11');
      // the re-run replaces the timeline's rows: wait until it is in before picking one
      await expect(rows.locator(`xpath=self::*[@data-step="${step}"]`)).not.toContainText('HANG');
      await goToStep(page, 'iommu_map(dom, 0x200000');
      await expect(ex).toContainText('EINVAL');
      await page.screenshot({ path: `${SHOTS}/hang-6.11-${vp.width}.png` });
      await page.getByTestId('ovr-reset').click();
    });
  });
}
