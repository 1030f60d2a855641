/**
 * The explorer's Playwright test: every test fails on any page error or
 * console error, collected while it runs and checked when it ends. Every test
 * is a returning visitor unless it asks for a first visit. A describe block
 * whose tests would each open the app can share one page (onePage). Also the helpers
 * the specs share: the step counter, opening the app or a library scenario,
 * going to a statement's step, opening a machine view.
 */
import { readFileSync } from 'node:fs';
import { expect, test as base } from '@playwright/test';
import type { BrowserContextOptions, Page } from '@playwright/test';
import { prepareScenario } from '../src/scenario/run.ts';

/** Page errors and console errors seen on `page`, as the check at the end of a test reports them. */
function watchErrors(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
}

/** The flag of a returning visitor (the bare URL opens the default scenario, not the first lesson). */
const RETURNING = () => localStorage.setItem('dma-explorer:visited', '1');

export const test = base.extend<{ consoleErrors: string[]; firstVisit: boolean }>({
  /**
   * A first visit lands in the first lesson. Tests are returning visitors
   * (the bare URL opens the default scenario) unless they `test.use({ firstVisit: true })`.
   */
  firstVisit: [false, { option: true }],
  /** Errors collected while the test runs (a test may add those of other pages it opens); none may be left at its end. */
  consoleErrors: async ({}, use) => {
    await use([]);
  },
  // The test's page (made only for tests that use it): a returning visitor
  // unless asked otherwise, failing the test on any page or console error.
  page: async ({ page, firstVisit, consoleErrors }, use) => {
    if (!firstVisit) await page.addInitScript(RETURNING);
    watchErrors(page, consoleErrors);
    await use(page);
    expect(consoleErrors, 'console errors').toEqual([]);
  },
});

/**
 * One page for the tests of a describe block, each of which brings it to the
 * state it needs (a scenario picked from the library, a step, a view), so the
 * block opens the app once instead of once a test. The block's tests run in
 * order in one worker (files are not split across workers); a failed test
 * ends that worker and the next test opens a new page. Each test still fails
 * on a page or console error seen while it ran. Returns the page's getter.
 */
export function onePage(options: BrowserContextOptions = {}): () => Page {
  let page: Page | null = null;
  const problems: string[] = [];
  test.beforeAll(async ({ browser }) => {
    const ctx = await browser.newContext(options);
    await ctx.addInitScript(RETURNING);
    page = await ctx.newPage();
    watchErrors(page, problems);
  });
  test.afterEach(() => {
    expect(problems.splice(0), 'console errors').toEqual([]);
  });
  test.afterAll(async () => {
    await page?.context().close();
    page = null;
  });
  return () => page!;
}

export { expect };

/** The "step k / N" counter. */
export const stepCount = (page: Page) => page.getByTestId('step-count');

/** N of the step counter's "step k / N". */
export async function stepTotal(page: Page): Promise<number> {
  return Number(/\/ (\d+)$/.exec((await stepCount(page).textContent()) ?? '')?.[1]);
}

/** Opens the app (at `hash`, e.g. a share link) and waits for its run; returns the number of steps. */
export async function openApp(page: Page, hash = ''): Promise<number> {
  shown.delete(page);
  await page.goto(`/${hash}`);
  await expect(page.locator('.cm-content')).toBeVisible();
  await expect(stepCount(page)).toHaveText(/^step \d+ \/ [1-9]\d*$/);
  // A long run is steppable while it loads (provisional summaries): its step count is the whole run's once the progress line is gone.
  await expect(page.locator('.timeline[data-loading]')).toHaveCount(0, { timeout: 30_000 });
  return stepTotal(page);
}

/**
 * Opens the app, picks library scenario `name` (in `theme`, else the default
 * one) and waits until its run is on screen at step 0; returns its number of steps.
 */
export async function openLibrary(page: Page, name: string, theme?: 'light' | 'dark'): Promise<number> {
  if (theme) await page.addInitScript((th) => localStorage.setItem('dma-explorer:theme', th), theme);
  await openApp(page);
  return loadLibrary(page, name);
}

/** The library scenario each page opened with loadLibrary holds (until the app is opened again). */
const shown = new WeakMap<Page, string>();

/**
 * Picks library scenario `name` in the open app and waits until its run is on
 * screen at step 0; returns its number of steps. On a page a describe block
 * shares, the app is opened first, and a scenario already shown stays as it is
 * (picking the same text again changes nothing, not even the step).
 */
export async function loadLibrary(page: Page, name: string): Promise<number> {
  if (page.url() === 'about:blank') await openApp(page);
  const p = prepareScenario(readFileSync(new URL(`../src/scenario/library/${name}.dma`, import.meta.url), 'utf8'));
  if (!p.ok) throw new Error(`${name} does not parse`);
  const n = p.body.length;
  if (shown.get(page) === name) return n;
  shown.set(page, name);
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
  const step = Number(await row.getAttribute('data-step'));
  // The timeline's rows are reused for whatever steps are in view: scroll the row in first, then click the row that
  // shows this step (a click that scrolls could land on a reused row showing another step).
  const target = page.locator(`[data-testid=timeline] .tl-row[data-step="${step}"]`);
  await target.scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  await target.click();
  await expect(stepCount(page)).toHaveText(new RegExp(`^step ${step} /`));
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', String(step));
  return step;
}

/** Opens machine view `id` (its tab, or its entry in the "More" menu when the strip is full) and waits for it. */
export async function openView(page: Page, id: string): Promise<void> {
  if ((await page.locator(`#tab-${id}`).count()) === 0) {
    await page.getByTestId('tabs-more').click();
    await page.locator(`[role=menuitem][data-tab=${id}]`).click();
  } else await page.locator(`#tab-${id}`).click({ timeout: 20_000 }).catch(async (e: Error) => {
    // A tab that keeps leaving the DOM means the strip re-renders without end: say what it did for a second.
    throw new Error(`${e.message}\nthe tab strip over one second: ${await stripChurn(page)}`);
  });
  await expect(page.locator(`[data-view=${id}]`)).toBeVisible();
  // A view's code loads when its tab first opens.
  await expect(page.locator(`[data-view=${id}] .view-loading`)).toHaveCount(0);
}

/** How often the tab strip's children changed in one second, and which tabs it showed before and after. */
async function stripChurn(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const strip = document.querySelector('[role=tablist]');
    if (!strip) return 'no tab strip';
    const tabs = () => [...strip.children].map((c) => c.id || c.className).join(' ');
    const before = tabs();
    let changes = 0;
    const mo = new MutationObserver((l) => (changes += l.length));
    mo.observe(strip, { childList: true, subtree: true, attributes: true });
    await new Promise((r) => setTimeout(r, 1000));
    mo.disconnect();
    return `${changes} mutation(s); before: ${before}; after: ${tabs()}; width ${(strip as HTMLElement).clientWidth}`;
  });
}

/**
 * Resolves once the page has drawn what it last rendered (two frames) and
 * every CSS animation then running or waiting to start — the diagram's
 * arrows drawing in, a page-table walk lighting up level by level — has
 * ended: a screenshot or a measurement sees the settled picture, without a
 * fixed sleep. (The app's animations are all finite.)
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    await frame();
    await frame();
    await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined)));
  });
}

/**
 * The boxes (x, y, width, height) of the first element matching each CSS
 * selector, read in one task, so in one layout: boxes read one protocol call
 * at a time can straddle a re-layout (text arriving, a view redrawing) and
 * differ without the page ever showing them so. JSON, for comparing layouts.
 */
export async function layoutOf(page: Page, selectors: string[]): Promise<string> {
  return page.evaluate(
    (sels) =>
      JSON.stringify(
        sels.map((s) => {
          const el = document.querySelector(s);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          return [r.x, r.y, r.width, r.height];
        }),
      ),
    selectors,
  );
}
