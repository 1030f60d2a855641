import { defineConfig } from '@playwright/test';

// Debian's chromium (apt-get install chromium): Playwright's own browser download is not used.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// E2E_PORT lets two checkouts run their browser tests side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Three workers for the functional specs on the 2-core machines: a test
  // spends most of its time waiting (on the worker's run, on polling
  // between checks), using ~2 s of CPU in ~7 s, so two workers left the
  // cores mostly idle. The performance specs are a project of their own
  // with one worker, which npm test runs after the others, so their
  // figures are not shared with another browser. E2E_WORKERS=1 runs
  // everything one at a time.
  workers: Number(process.env.E2E_WORKERS ?? 3),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    headless: true,
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'app', testIgnore: /perf(-[a-z]+)?\.spec\.ts$/ },
    { name: 'perf', testMatch: /perf(-[a-z]+)?\.spec\.ts$/, workers: 1 },
  ],
  webServer: {
    command: `./node_modules/.bin/vite preview --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
