/**
 * Never lose a draft, in the browser: a link opened over typed text keeps it
 * as a draft with Undo, and the link's own text survives a reload; the Drafts
 * menu restores a draft without losing the text it replaces; two tabs editing
 * keep each other's text as drafts instead of overwriting it; a save the
 * browser refuses (storage full) is reported. Screenshots of the toast and the
 * Drafts menu at 1280×720 and 1440×900.
 */
import type { Page } from '@playwright/test';
import { encodeShareHash } from '../src/scenario/url.ts';
import { expect, openApp, stepCount, test } from './fixtures.ts';

const LINKED = `# linked scenario from a mail
machine(arch=arm64)
device(dev, coherent=false)
buf = kmalloc(64, GFP_KERNEL)
cpu_write(buf, "hello")
kfree(buf)
`;
/** The default scenario's first comment: the name its draft gets. */
const DEFAULT_NAME = 'Why dma_sync_single_for_cpu() matters';

const editor = (page: Page) => page.locator('.cm-content');
const saved = (page: Page) => page.evaluate(() => localStorage.getItem('dma-explorer:text'));
const storedDrafts = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem('dma-explorer:drafts') ?? '[]') as { text: string; reason: string }[]);

/** Types `line` on a new line after the default scenario's `kfree(buf)`. */
async function typeAfterKfree(page: Page, line: string): Promise<void> {
  await page.locator('.cm-line', { hasText: /^kfree\(buf\)$/ }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(line);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `/tmp/ux2-${name}-1280.png` });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: `/tmp/ux2-${name}-1440.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
}

test.use({ viewport: { width: 1280, height: 720 } });

test('a link keeps the typed text as a draft with Undo; the link survives reload; the Drafts menu restores', async ({ page }) => {
  const hash = await encodeShareHash(LINKED, 2);
  await openApp(page);
  await typeAfterKfree(page, '# my own notes');
  await expect.poll(() => saved(page)).toContain('# my own notes');

  // The link opened in this browser (as from a mail): the typed text becomes a draft, with Undo.
  // (A new document: the query makes it a navigation, not a hash change in the open page.)
  await page.goto(`/?from=mail#${hash}`);
  await expect(stepCount(page)).toHaveText('step 2 / 3');
  await expect(editor(page)).toContainText('# linked scenario from a mail');
  const toast = page.getByTestId('draft-toast');
  await expect(toast).toContainText(`kept as the draft “${DEFAULT_NAME}” (opening a link)`);
  await shot(page, 'draft-toast');
  await page.getByTestId('draft-undo').click();
  await expect(toast).toHaveCount(0);
  await expect(editor(page)).toContainText('# my own notes');
  // Undone: the draft is back in the editor, not also in the list.
  await expect(page.getByTestId('drafts-button')).toHaveCount(0);
  expect(await storedDrafts(page)).toEqual([]);
  await expect.poll(() => saved(page)).toContain('# my own notes');

  // The same link again, in the open page: kept again; the link's text is saved at once and the hash goes.
  await page.evaluate((h) => (location.hash = h), hash);
  await expect(editor(page)).toContainText('# linked scenario from a mail');
  await expect(toast).toBeVisible();
  await expect.poll(() => page.evaluate(() => location.hash)).toBe('');
  expect(await saved(page)).toBe(LINKED);
  await page.reload();
  await expect(stepCount(page)).toHaveText('step 2 / 3');
  await expect(editor(page)).toContainText('# linked scenario from a mail');

  // A broken link changes nothing but a message: the text stays, and typing does not save a default over it.
  await page.evaluate(() => (location.hash = '#s=1.not-a-real-payload'));
  await expect(page.locator('.notices')).toContainText('This share link could not be opened');
  await expect(page.locator('.notices')).toContainText('Your text is unchanged.');
  await expect(editor(page)).toContainText('# linked scenario from a mail');
  expect(await saved(page)).toBe(LINKED);
  await page.locator('.notices .close').first().click();

  // The Drafts menu lists the kept text; restoring it keeps the link's text in turn.
  await page.getByTestId('drafts-button').click();
  const menu = page.getByTestId('drafts-menu');
  await expect(menu.locator('li')).toHaveCount(1);
  await expect(menu).toContainText(DEFAULT_NAME);
  await expect(menu).toContainText('before opening a link');
  await shot(page, 'drafts-menu');
  await menu.getByText(DEFAULT_NAME).click();
  await expect(editor(page)).toContainText('# my own notes');
  await expect(toast).toContainText('kept as the draft “linked scenario from a mail” (restoring a draft)');
  const left = await storedDrafts(page);
  expect(left.map((d) => d.text)).toEqual([LINKED]);
});

test('two tabs editing keep each other’s text as drafts', async ({ page, context }) => {
  await openApp(page);
  const other = await context.newPage();
  const problems: string[] = [];
  other.on('pageerror', (e) => problems.push(String(e)));
  await openApp(other);

  await typeAfterKfree(page, '# tab one');
  await expect.poll(() => saved(page)).toContain('# tab one');
  // The second tab saves over the first tab's text: the first tab's text is kept as a draft first.
  await typeAfterKfree(other, '# tab two');
  await expect.poll(() => saved(other)).toContain('# tab two');
  await expect(other.getByTestId('draft-toast')).toContainText('(another tab saved its own text)');
  // The first tab sees the new draft through the storage event.
  await expect(page.getByTestId('drafts-button')).toHaveText('Drafts (1)');
  // And when the first tab saves again, the second tab's text is kept in turn: nothing typed is lost.
  await page.keyboard.type(' again');
  await expect.poll(() => saved(page)).toContain('# tab one again');
  await expect.poll(async () => (await storedDrafts(page)).map((d) => d.text.includes('# tab two'))).toEqual([true, false]);
  expect((await storedDrafts(page))[1]!.text).toContain('# tab one');
  await expect(other.getByTestId('drafts-button')).toHaveText('Drafts (2)');
  expect(problems).toEqual([]);
});

test('a save the browser refuses is reported, and so is a draft it cannot keep', async ({ page }) => {
  // Storage full for the explorer's text and drafts (the returning-visitor flag still goes in).
  await page.addInitScript(() => {
    const orig = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (key === 'dma-explorer:text' || key === 'dma-explorer:drafts') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      orig.call(this, key, value);
    };
  });
  await openApp(page);
  await typeAfterKfree(page, '# unsaved words');
  const notices = page.locator('.notices');
  await expect(notices).toContainText('Your text could not be saved in this browser (the browser storage is full)');
  // A link over it: the draft cannot be kept either, and the page says how to get the text back.
  await page.evaluate((h) => (location.hash = h), await encodeShareHash(LINKED, 0));
  await expect(editor(page)).toContainText('# linked scenario from a mail');
  await expect(notices).toContainText('Your previous text could not be kept as a draft: the browser storage is full. Ctrl+Z in the editor still brings it back.');
  await page.screenshot({ path: '/tmp/ux2-save-failed-1280.png' });
  // Ctrl+Z does bring it back.
  await editor(page).click();
  await page.keyboard.press('Control+z');
  await expect(editor(page)).toContainText('# unsaved words');
});
