/**
 * A learner's way through the lessons, in Chromium against the built app:
 * a cold start lands in the first lesson; a wrong prediction and its reveal;
 * a narration focus opening the bytes view; a bug hunt solved by editing
 * (locked lines stay locked); a lesson found by pasting a kernel warning into
 * the library's search; progress kept across a reload (and corrupt progress
 * ignored). Screenshots at 1280×720 and 1440×900.
 */
import type { Page } from '@playwright/test';
import { expect, pickFromLibrary, stepCount, test } from './fixtures.ts';

const FIRST_LESSON = 'Why dma_sync_single_for_cpu() matters';
const explanation = (page: Page) => page.getByTestId('explanation');

async function editorText(page: Page): Promise<string> {
  return page.locator('.cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n'));
}

/** Steps forward with the keyboard until the explanation shows step k. */
async function stepTo(page: Page, k: number): Promise<void> {
  await page.locator('.explanation').click({ position: { x: 5, y: 5 } });
  const now = Number(/^step (\d+)/.exec((await stepCount(page).textContent()) ?? '')?.[1]);
  for (let i = now; i < k; i++) await page.keyboard.press('ArrowRight');
  await expect(stepCount(page)).toHaveText(new RegExp(`^step ${k} /`));
  await expect(explanation(page)).toHaveAttribute('data-step', String(k));
}

test.describe('a first visit', () => {
  test.use({ firstVisit: true });

  for (const size of [
    { width: 1280, height: 720 },
    { width: 1440, height: 900 },
  ]) {
    test(`lands in the first lesson; predict, reveal, focus (${size.width}×${size.height})`, async ({ page }) => {
      await page.setViewportSize(size);
      await page.goto('/');
      // The first lesson, not the settings table: its title, a one-line hint of the keys, the diagram.
      await expect(page.getByTestId('lesson-title')).toHaveText(FIRST_LESSON);
      await expect(page.getByTestId('notice')).toContainText('→');
      await expect(stepCount(page)).toHaveText(/^step 0 \/ \d+$/);
      await expect(page.getByTestId('narration')).toContainText('non-coherent');
      await expect(page.locator('#tab-diagram')).toHaveAttribute('aria-selected', 'true');
      await page.screenshot({ path: `test-results/lesson-first-visit-${size.width}.png` });

      // Step 1's narration focuses the bytes view on `buf`.
      await stepTo(page, 1);
      await expect(page.locator('#tab-bytes')).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator('[data-view=bytes] select').first()).toHaveValue('buf');
      // Picking another view by hand, then following the focus link again.
      await page.locator('#tab-diagram').click();
      await expect(page.locator('#tab-diagram')).toHaveAttribute('aria-selected', 'true');
      await page.getByTestId('focus-link').click();
      await expect(page.locator('#tab-bytes')).toHaveAttribute('aria-selected', 'true');

      // The prediction: the result, the views and the editor's answer stay hidden until the learner picks.
      await stepTo(page, 6);
      const predict = page.getByTestId('predict');
      await expect(predict).toBeVisible();
      await expect(page.getByTestId('result-hidden')).toBeVisible();
      await expect(page.getByTestId('predict-gate')).toBeVisible();
      await expect(explanation(page)).not.toContainText('The old frame.');
      expect(await editorText(page)).not.toContain('=>? "old frame"');
      await page.screenshot({ path: `test-results/lesson-predict-${size.width}.png` });
      // A wrong pick: the verdict says so, and why.
      await predict.getByRole('button', { name: '"new frame"' }).click();
      const verdict = page.getByTestId('predict-verdict');
      await expect(verdict).toContainText('Not quite');
      await expect(verdict).toContainText('"old frame"');
      await expect(verdict).toContainText('The map left clean copies');
      await expect(page.getByTestId('result-hidden')).toHaveCount(0);
      await expect(explanation(page).locator('.result')).toContainText('old frame');
      await expect(page.getByTestId('predict-gate')).toHaveCount(0);
      expect(await editorText(page)).toContain('=>? "old frame" | "new frame"');
      await page.screenshot({ path: `test-results/lesson-reveal-${size.width}.png` });

      // A compare preset: one click runs the lesson on x86 beside it.
      await page.getByTestId('compare-preset').first().click();
      await expect(page.getByTestId('compare-side-b')).toContainText('x86');
      await expect(page.getByTestId('compare-count')).toContainText(/[1-9]\d* of \d+ steps differ/);
      // The step's narration and the learner's verdict stay in view while comparing.
      const cmpNarration = page.getByTestId('compare').getByTestId('narration');
      await expect(cmpNarration).toBeVisible();
      await expect(cmpNarration.getByTestId('predict-verdict')).toContainText('Not quite');
      await page.screenshot({ path: `test-results/lesson-compare-${size.width}.png` });
    });
  }
});

test('a bug hunt: locked lines stay locked, an edit solves it, hints and progress', async ({ page }) => {
  await page.goto('/');
  await pickFromLibrary(page, 'ownership/05-hunt-missing-sync');
  await expect(page.getByTestId('lesson-title')).toHaveText('Bug hunt: the stale packet');
  const status = page.getByTestId('hunt-status');
  await expect(status).toHaveText('1 check failing');
  const before = await editorText(page);

  // A locked line refuses the edit, and says why.
  await page.locator('.cm-line', { hasText: 'cpu_read(buf, 12)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type(' x');
  expect(await editorText(page)).toBe(before);
  await expect(page.locator('.controls .status')).toContainText('Locked');

  // Hints, one at a time (the editor keeps them folded too).
  expect(await editorText(page)).not.toContain('Who owns the buffer');
  await page.getByTestId('hint-btn').click();
  await expect(page.getByTestId('hints').locator('li')).toHaveCount(1);
  await page.getByTestId('hint-btn').click();
  await expect(page.getByTestId('hints').locator('li')).toHaveCount(2);
  await page.screenshot({ path: 'test-results/lesson-hunt-open.png' });

  // The fix, typed between the markers.
  await page.locator('.cm-line', { hasText: '# fix: begin' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('dma_sync_single_for_cpu(nic, h, 2048, DMA_FROM_DEVICE)');
  await expect(status).toHaveText('✓ Solved: every check passes');
  await page.screenshot({ path: 'test-results/lesson-hunt-solved.png' });

  // Progress: the hunt is ticked in the library, and stays ticked after a reload.
  await page.getByTestId('library-btn').click();
  await expect(page.locator('[data-id="ownership/05-hunt-missing-sync"] .lib-tick')).toHaveClass(/done/);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('library')).toHaveCount(0);
  await page.reload();
  // The lesson title carries its tick now.
  await expect(page.getByTestId('lesson-title')).toHaveText('✓ Bug hunt: the stale packet');
  await expect(status).toHaveText('✓ Solved: every check passes');
  await page.getByTestId('library-btn').click();
  await expect(page.locator('[data-id="ownership/05-hunt-missing-sync"] .lib-tick')).toHaveClass(/done/);
  await expect(page.locator('[data-id="ownership/01-why-sync-for-cpu"] .lib-tick')).not.toHaveClass(/done/);
});

test('show the solution of a hunt; reset brings the bug back', async ({ page }) => {
  await page.goto('/');
  await pickFromLibrary(page, 'ownership/06-hunt-wrong-direction');
  await expect(page.getByTestId('hunt-status')).toHaveText('1 check failing');
  // The reference solution is folded away in the editor until asked for.
  expect(await editorText(page)).not.toContain('# solution:');
  await page.getByTestId('solution-btn').click();
  await expect(page.getByTestId('hunt-status')).toHaveText('✓ Solved: every check passes');
  await expect(page.locator('.cm-content')).toContainText('dma_sync_single_for_cpu(cam, h, 4096, DMA_FROM_DEVICE)');
  await page.getByTestId('hunt-reset').click();
  await expect(page.getByTestId('hunt-status')).toHaveText('1 check failing');
  // An attempt typed in the editable lines is not lost by a reset: it is kept as a draft, with Undo.
  await page.locator('.cm-line', { hasText: 'dma_sync_single_for_cpu(cam, h, 4096, DMA_TO_DEVICE)' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type('  # my attempt');
  await page.getByTestId('hunt-reset').click();
  await expect(page.locator('.cm-content')).not.toContainText('# my attempt');
  await expect(page.getByTestId('draft-toast')).toContainText('(resetting the bug hunt)');
  await page.getByTestId('draft-undo').click();
  await expect(page.locator('.cm-content')).toContainText('# my attempt');
});

test('the library: tracks in order, a pasted kernel warning finds its lesson, keyboard only', async ({ page }) => {
  await page.goto('/');
  await page.locator('.explanation').click();
  await page.keyboard.press('l');
  const lib = page.getByTestId('library');
  await expect(lib).toBeVisible();
  await expect(page.getByTestId('lib-search')).toBeFocused();
  // Tab stays inside the dialog.
  await page.keyboard.press('Shift+Tab');
  await expect(lib.locator(':focus')).toHaveCount(1);
  await page.getByTestId('lib-search').focus();
  const tracks = await lib.locator('.lib-track h3').allTextContents();
  expect(tracks[0]).toContain('Ownership and syncs');
  expect(tracks.some((t) => t.includes('noveau vs arm dma ops'))).toBe(true);
  expect(tracks[tracks.length - 1]).toContain('Reference');
  await page.screenshot({ path: 'test-results/lesson-library.png' });

  // Paste a line from dmesg: other numbers, another device name.
  await page.getByTestId('lib-search').fill('[  812.331904] e1000e 0000:00:19.0: swiotlb buffer is full (sz: 65536 bytes), total 32768 (slots), used 32761 (slots)');
  const results = page.getByTestId('lib-results');
  await expect(results.locator('[data-id="bounce/02-the-pool-is-finite"]')).toContainText('logs “');
  await page.screenshot({ path: 'test-results/lesson-library-search.png' });
  // ↓ to the first result, Enter opens it.
  await page.keyboard.press('ArrowDown');
  await expect(results.locator('.lib-row').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(lib).toHaveCount(0);
  await expect(page.getByTestId('lesson-title')).toHaveText('The bounce pool is finite');
  // Reaching its last step finishes a lesson.
  await page.locator('.explanation').click();
  await page.keyboard.press('End');
  await expect(page.getByTestId('lesson-title')).toHaveText('✓ The bounce pool is finite');
  await page.keyboard.press('l');
  await expect(lib.locator('[data-id="bounce/02-the-pool-is-finite"] .lib-tick')).toHaveClass(/done/);
});

test('corrupt progress in localStorage is ignored, never fatal', async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem('dma-explorer:progress', '{"v":1,"done":'));
  await page.goto('/');
  await page.getByTestId('library-btn').click();
  await expect(page.locator('[data-id="ownership/01-why-sync-for-cpu"] .lib-tick')).not.toHaveClass(/done/);
  await expect(page.getByTestId('library').locator('.lib-count').first()).toContainText('0/');
});
