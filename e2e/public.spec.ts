/**
 * The top level a shared link relies on (public/, copied into dist/ by the
 * build): the favicon, the social-preview image the Open Graph and Twitter
 * tags name, robots.txt — all served, and all allowed by the page's own
 * Content-Security-Policy (loaded from inside the page, so a policy that
 * forbade them would fail here).
 */
import { expect, test } from './fixtures.ts';

test('favicon, social preview and robots.txt are served and allowed by the CSP', async ({ page, request }) => {
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto('/');
  expect(res?.headers()['content-security-policy']).toContain("img-src 'self'");

  const icon = await page.locator('link[rel=icon]').getAttribute('href');
  expect(icon).toBe('./favicon.svg');
  const ogImage = await page.locator('meta[property="og:image"]').getAttribute('content');
  expect(ogImage).toMatch(/social-preview\.png$/);
  expect(await page.locator('meta[name="twitter:card"]').getAttribute('content')).toBe('summary_large_image');

  // Both images load inside the page, under its policy, at their real sizes.
  const sizes = await page.evaluate(
    async (urls) =>
      Promise.all(
        urls.map(
          (u) =>
            new Promise<string>((resolve) => {
              const img = new Image();
              img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
              img.onerror = () => resolve('failed');
              img.src = new URL(u, location.href).href;
            }),
        ),
      ),
    [icon!, ogImage!],
  );
  expect(sizes[0]).not.toBe('failed');
  expect(sizes[1]).toBe('1200x630');

  const robots = await request.get('/robots.txt');
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toContain('User-agent: *');
  const svg = await request.get('/favicon.svg');
  expect(svg.headers()['content-type']).toContain('image/svg+xml');

  await expect(page.getByTestId('explanation')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([]);
  expect(violations).toEqual([]);
});
