/**
 * The explorer's Playwright test: every test fails on any page error or
 * console error, collected while it runs and checked when it ends. Every test
 * is a returning visitor unless it asks for a first visit. Also the helpers
 * the specs share: the step counter, opening the app or a library scenario,
 * going to a statement's step, opening a machine view.
 */
import { readFileSync } from 'node:fs';
import { expect, test as base } from '@playwright/test';
import type { Page } from '@playwright/test';
import { prepareScenario } from '../src/scenario/run.ts';

export const test = base.extend<{ consoleErrors: string[]; firstVisit: boolean; returning: void }>({
  /**
   * A first visit lands in the first lesson. Tests are returning visitors
   * (the bare URL opens the default scenario) unless they `test.use({ firstVisit: true })`.
   */
  firstVisit: [false, { option: true }],
  returning: [
    async ({ page, firstVisit }, use) => {
      if (!firstVisit) await page.addInitScript(() => localStorage.setItem('dma-explorer:visited', '1'));
      await use();
    },
    { auto: true },
  ],
  consoleErrors: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      await use(problems);
      expect(problems, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The "step k / N" counter. */
export const stepCount = (page: Page) => page.getByTestId('step-count');

/** N of the step counter's "step k / N". */
export async function stepTotal(page: Page): Promise<number> {
  return Number(/\/ (\d+)$/.exec((await stepCount(page).textContent()) ?? '')?.[1]);
}

/** Opens the app (at `hash`, e.g. a share link) and waits for its run; returns the number of steps. */
export async function openApp(page: Page, hash = ''): Promise<number> {
  await page.goto(`/${hash}`);
  await expect(page.locator('.cm-content')).toBeVisible();
  await expect(stepCount(page)).toHaveText(/^step \d+ \/ [1-9]\d*$/);
  return stepTotal(page);
}

/**
 * Opens the app, picks library scenario `name` (in `theme`, else the default
 * one) and waits until its run is on screen at step 0; returns its number of steps.
 */
export async function openLibrary(page: Page, name: string, theme?: 'light' | 'dark'): Promise<number> {
  if (theme) await page.addInitScript((th) => localStorage.setItem('dma-explorer:theme', th), theme);
  await openApp(page);
  const p = prepareScenario(readFileSync(new URL(`../src/scenario/library/${name}.dma`, import.meta.url), 'utf8'));
  if (!p.ok) throw new Error(`${name} does not parse`);
  const n = p.body.length;
  await pickFromLibrary(page, `reference/${name}`);
  await expect(page.locator('.cm-content')).toContainText('machine(');
  // The new run is in once the counter and the timeline show its statements.
  await expect(stepCount(page)).toHaveText(`step 0 / ${n}`);
  await expect(page.locator(`[data-testid=timeline] .tl-row[data-step="1"]`)).toContainText(p.body[0]!.source.slice(0, 20));
  return n;
}

/** Opens the library browser and the catalogue entry `id` (`reference/name` or `track/NN-name`). */
export async function pickFromLibrary(page: Page, id: string): Promise<void> {
  await page.getByTestId('library-btn').click();
  const lib = page.getByTestId('library');
  await expect(lib).toBeVisible();
  await lib.locator(`[data-id="${id}"]`).click();
  await expect(lib).toHaveCount(0);
}

/** Goes to the step of the first statement whose source contains `text` (a click on its timeline row); returns that step. */
export async function goToStep(page: Page, text: string): Promise<number> {
  const row = page.locator('[data-testid=timeline] .tl-row', { hasText: text }).first();
  await row.click();
  const step = Number(await row.getAttribute('data-step'));
  await expect(stepCount(page)).toHaveText(new RegExp(`^step ${step} /`));
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
  return step;
}

/** Opens machine view `id` (its tab, or its entry in the "More" menu when the strip is full) and waits for it. */
export async function openView(page: Page, id: string): Promise<void> {
  if ((await page.locator(`#tab-${id}`).count()) === 0) {
    await page.getByTestId('tabs-more').click();
    await page.locator(`[role=menuitem][data-tab=${id}]`).click();
  } else await page.locator(`#tab-${id}`).click();
  await expect(page.locator(`[data-view=${id}]`)).toBeVisible();
}
