/**
 * Compare mode, machine-setting overrides and Export JSON, in Chromium against
 * the built app: x86 vs arm64 on x86-always-coherent.dma, where only the
 * device read differs ("late write" on x86, stale bytes on arm64); overrides
 * and compare state round-trip through a share link; a bad value in a link is
 * ignored with a message; the exported JSON is the runner's.
 */
import { readFileSync } from 'node:fs';
import { runScenario } from '../src/scenario/run.ts';
import { expect, openLibrary, pickFromLibrary, settled, stepCount, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
});

const compare = (page: Page) => page.getByTestId('compare');
const row = (page: Page, k: number) => page.locator(`[data-testid=compare-timeline] .cmp-row[data-step="${k}"]`);
const openX86 = (page: Page) => openLibrary(page, 'x86-always-coherent');

test('x86 vs arm64: the device read is marked as differing; step both together', async ({ page }) => {
  const n = await openX86(page);
  await page.getByTestId('compare-toggle').click();
  await expect(compare(page)).toBeVisible();
  // Side B contrasts the scenario's x86 with arm64.
  await expect(page.getByTestId('cmp-b-arch')).toHaveValue('arm64');
  await expect(page.getByTestId('compare-count')).toContainText(`1 of ${n} steps differ`);
  await expect(page.getByTestId('compare-count')).not.toContainText('comparing');
  const readRow = page.locator('[data-testid=compare-timeline] .cmp-row', { hasText: 'dev_read(nic, h, 10)' });
  const k = Number(await readRow.getAttribute('data-step'));
  await expect(readRow).toHaveAttribute('data-differs', 'true');
  await expect(readRow.getByTestId('differs-badge')).toBeVisible();
  await expect(page.locator('[data-testid=compare-timeline] .cmp-row[data-differs]')).toHaveCount(1);
  // The map step did different work (a cache clean on arm64) but has the same outcome.
  await expect(page.locator('[data-testid=compare-timeline] .cmp-row', { hasText: 'dma_map_single' }).locator('.cmp-work')).toBeVisible();

  // Next difference (button), then keyboard: Home, d.
  await page.getByTestId('next-diff').click();
  await expect(stepCount(page)).toHaveText(`step ${k} / ${n}`);
  await expect(row(page, k)).toHaveClass(/current/);
  await expect(page.getByTestId('compare-strip')).toContainText('≠ differs');
  await expect(page.getByTestId('compare-side-a')).toHaveAttribute('data-step', String(k));
  await expect(page.getByTestId('compare-side-b')).toHaveAttribute('data-step', String(k));
  await expect(page.getByTestId('compare-side-a')).toContainText('"late write"');
  await expect(page.getByTestId('compare-side-b')).not.toContainText('read "late write"');
  await expect(page.getByTestId('compare-side-b')).toContainText('stale read');
  await expect(page.getByTestId('compare-side-b').locator('.cmp-diff').first()).toBeVisible();
  await settled(page);
  await page.screenshot({ path: 'test-results/compare-light.png' });

  await page.locator('.cmp-strip').click();
  await page.keyboard.press('Home');
  await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);
  await expect(page.getByTestId('compare-side-b')).toContainText('arm64');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('compare-side-a')).toHaveAttribute('data-step', '1');
  await expect(page.getByTestId('compare-side-b')).toHaveAttribute('data-step', '1');
  await page.keyboard.press('d');
  await expect(stepCount(page)).toHaveText(`step ${k} / ${n}`);
  await page.keyboard.press('Shift+D');
  await expect(page.locator('.controls .status')).toContainText(`no difference before step ${k}`);
  await expect(stepCount(page)).toHaveText(`step ${k} / ${n}`);
  // A row click steps both sides.
  await row(page, 2).click();
  await expect(page.getByTestId('compare-side-b')).toHaveAttribute('data-step', '2');

  // Both sides as diagrams, dark theme.
  await page.getByRole('radio', { name: 'Diagram' }).check();
  await row(page, k).click();
  await expect(page.getByTestId('compare-side-b').locator('[data-arrow=dma-read][data-stale=true]')).toHaveCount(1);
  await expect(page.getByTestId('compare-side-a').locator('[data-arrow=snoop]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await settled(page);
  await page.screenshot({ path: 'test-results/compare-diagram-dark.png' });
  await page.getByRole('radio', { name: 'Explanation' }).check();
  await page.screenshot({ path: 'test-results/compare-dark.png' });

  // Esc leaves compare mode; the single view is back at the same step.
  await page.locator('.cmp-strip').click();
  await page.keyboard.press('Escape');
  await expect(compare(page)).toHaveCount(0);
  await expect(page.getByTestId('timeline')).toBeVisible();
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', String(k));
});

test('overrides and compare settings round-trip through a share link; bad values are ignored', async ({ page, context, consoleErrors }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const n = await openX86(page);
  await page.getByTestId('ovr-arch').selectOption('arm64');
  await page.getByTestId('ovr-kernel').selectOption('5.5');
  await expect(page.getByTestId('ovr')).toHaveClass(/differs/);
  await expect(page.getByTestId('ovr-reset')).toBeVisible();
  await expect(page.getByTestId('explanation')).toContainText('arm64');
  await page.getByTestId('compare-toggle').click();
  await page.getByTestId('cmp-b-arch').selectOption('riscv');
  await expect(page.getByTestId('compare-side-b')).toContainText('riscv');
  await page.locator('[data-testid=compare-timeline] .cmp-row[data-step="3"]').click();
  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toContain('&arch=arm64');
  expect(url).toContain('&kernel=5.5');
  expect(url).toContain('&cmp=1');
  expect(url).toContain('&b.arch=riscv');
  expect(url).toContain('&step=3');

  // A fresh page opens the same state.
  const p2 = await context.newPage();
  await p2.setViewportSize({ width: 1280, height: 800 });
  p2.on('pageerror', (e) => consoleErrors.push(`pageerror: ${String(e)}`));
  await p2.goto(url);
  await expect(p2.getByTestId('compare')).toBeVisible();
  await expect(p2.getByTestId('ovr-arch')).toHaveValue('arm64');
  await expect(p2.getByTestId('ovr-kernel')).toHaveValue('5.5');
  await expect(p2.getByTestId('cmp-b-arch')).toHaveValue('riscv');
  await expect(p2.getByTestId('step-count')).toHaveText(`step 3 / ${n}`);
  await expect(p2.getByTestId('compare-side-a')).toContainText('arm64 · 5.5');
  await expect(p2.getByTestId('compare-side-b')).toContainText('riscv · 6.18');
  await p2.close();

  // An unknown arch in a link is ignored with a message; the rest of the link works.
  const bad = url.replace('arch=arm64', 'arch=sparc64').replace('b.arch=riscv', 'b.arch=%3Cb%3Ex');
  const p3 = await context.newPage();
  await p3.setViewportSize({ width: 1280, height: 800 });
  await p3.goto(bad);
  await expect(p3.getByTestId('notice')).toContainText("unknown arch 'sparc64' ignored");
  await expect(p3.getByTestId('notice')).toContainText("compare side B: unknown arch '<b>x' ignored");
  await expect(p3.getByTestId('ovr-arch')).toHaveValue('');
  await expect(p3.getByTestId('ovr-kernel')).toHaveValue('5.5');
  await expect(p3.getByTestId('step-count')).toHaveText(`step 3 / ${n}`);
  await expect(p3.getByTestId('compare-side-a')).toContainText('x86 · 5.5');
  // rendered as text, never as markup
  expect(await p3.getByTestId('notice').first().innerHTML()).toContain('&lt;b&gt;x');
  await p3.screenshot({ path: 'test-results/compare-bad-link.png' });
  await p3.close();

  // Reset returns to the header's settings.
  await page.keyboard.press('Escape');
  await page.getByTestId('exit-compare').click();
  await page.getByTestId('ovr-reset').click();
  await expect(page.getByTestId('ovr-arch')).toHaveValue('');
  await expect(page.getByTestId('ovr')).not.toHaveClass(/differs/);
});

test('Export JSON downloads the run as the CLI prints it', async ({ page }) => {
  const n = await openX86(page);
  await page.getByTestId('ovr-arch').selectOption('arm64');
  await expect(page.getByTestId('explanation')).toContainText('arm64');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  expect(download.suggestedFilename()).toBe('dma-run-arm64-6.18.json');
  const text = readFileSync((await download.path())!, 'utf8');
  const run = JSON.parse(text) as { ok: boolean; config: { arch: string }; steps: Array<{ op: string; data: { text: string | null } | null }>; checks: { failed: number }; errors: unknown[] };
  expect(Object.keys(run)).toEqual(['ok', 'config', 'steps', 'checks', 'errors']);
  expect(run.config.arch).toBe('arm64');
  expect(run.steps).toHaveLength(n);
  expect(run.ok).toBe(false);
  expect(run.checks.failed).toBe(1);
  expect(run.steps.find((s) => s.op === 'dev_read')!.data!.text).not.toBe('late write');
  // The engine is deterministic across environments: the run the browser's
  // worker exported is byte for byte the one the Node runner prints.
  const source = readFileSync(new URL('../src/scenario/library/x86-always-coherent.dma', import.meta.url), 'utf8');
  expect(text).toBe(`${JSON.stringify(runScenario(source, { arch: 'arm64' }), null, 2)}\n`);
});

test('strict vs lazy IOMMU (a header rewrite): the stale IOTLB hit differs', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('.cm-content')).toBeVisible();
  await pickFromLibrary(page, 'reference/iommu-lazy-stale-iotlb');
  await expect(page.locator('[data-testid=timeline] .tl-row', { hasText: 'passwd = kmalloc' })).toHaveCount(1);
  // The header declares an IOMMU: its mode can be overridden.
  await expect(page.getByTestId('ovr-iommu')).toHaveValue('');
  await page.getByTestId('compare-toggle').click();
  await page.getByTestId('cmp-b-arch').selectOption('');
  await page.getByTestId('cmp-b-iommu').selectOption('strict');
  await expect(page.getByTestId('compare-side-b')).toContainText('arm64 · 6.18 · strict');
  await expect(page.getByTestId('compare-count')).toContainText(/[1-9]\d* of \d+ steps differ/);
  await expect(page.getByTestId('compare-count')).not.toContainText('comparing');
  // The first difference: the device read after the unmap hits the stale IOTLB entry only in lazy mode.
  await page.getByTestId('next-diff').click();
  await expect(page.getByTestId('compare-strip')).toContainText('dev_read(nic, h, 8)');
  await expect(page.locator('.cmp-row.current')).toHaveAttribute('data-differs', 'true');
  await expect(page.getByTestId('compare-side-a')).toContainText('"hunter2!"');
  await expect(page.getByTestId('compare-side-b')).toContainText('FAULT');
  await page.getByRole('radio', { name: 'Diagram' }).check();
  await expect(page.getByTestId('compare-side-a').locator('[data-box=iommu-smmu]')).toBeVisible();
  await settled(page);
  await page.screenshot({ path: 'test-results/compare-iommu-light.png' });
});

test('Run as offers the kernel versions the engine distinguishes and says what changes at the chosen one', async ({ page }) => {
  for (const size of [
    { width: 1280, height: 720 },
    { width: 1440, height: 900 },
  ]) {
    await page.setViewportSize(size);
    await openLibrary(page, 'arm64-from-device-needs-sync');
    const kernel = page.getByTestId('ovr-kernel');
    const options = await kernel.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ''));
    // the arm64 eras of kernel-versions.ts (the scenario's 6.18 is the "(scenario)" entry)
    expect(options).toContain('5.19');
    expect(options).toContain('6.5');
    expect(options).not.toContain('5.16'); // no gate changes arm64 behaviour at 5.16: it runs as 5.15
    await kernel.selectOption('5.19');
    const era = page.getByTestId('ovr-era');
    await expect(era).toContainText('5.19');
    await era.click();
    const pop = page.getByTestId('ovr-era-pop');
    await expect(pop).toBeVisible();
    await expect(pop).toContainText('c50f11c6196f');
    await expect(pop).toContainText('cleans for every direction');
    await page.screenshot({ path: `test-results/run-as-era-${size.width}x${size.height}.png` });
    await era.click();
    await expect(pop).toHaveCount(0);
    await page.getByTestId('ovr-reset').click();
  }
});
