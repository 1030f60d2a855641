/**
 * Memory of the explorer's tab for the heaviest inputs: every case of the
 * hostile corpus (test/hostile/corpus) opened by link, then a 100,000-step
 * scenario file and a 100,000-line kernel trace dropped on the page, each run
 * stepped to its end (PERF_LONG=1: 1,000,000). The engine runs in a
 * dedicated worker, which lives in the tab's renderer process, so the
 * renderer's peak resident set (VmHWM in /proc, Linux) bounds the worker's
 * memory together with the page's. The limit is the one the robustness work
 * promises: under 1 GiB for any input. Linux only (it reads /proc), as the
 * project's machines are. Figures go to test-results/perf-memory.json.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { chromium, expect, test } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { syntheticTrace } from '../src/cli/bench-import.ts';
import { dropServed, longLoop } from './long-inputs.ts';
import { encodeShareHash } from '../src/scenario/url.ts';
import { stepCount, stepTotal } from './fixtures.ts';

const GiB = 1024 ** 3;
const CORPUS = new URL('../test/hostile/corpus/', import.meta.url);

/** pid → parent pid, for every process we may read. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      if (m) out.set(Number(d), Number(m[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Peak resident set of each renderer process under the browser `root`. */
function rendererPeaks(root: number): number[] {
  return rendererStatus(root, 'VmHWM');
}

/** Current resident set of each renderer process under the browser `root`. */
function rendererRss(root: number): number[] {
  return rendererStatus(root, 'VmRSS');
}

/** A `/proc/PID/status` figure (kB) of each renderer process under the browser `root`, in bytes. */
function rendererStatus(root: number, field: 'VmHWM' | 'VmRSS'): number[] {
  const pp = parents();
  const under = (pid: number): boolean => {
    for (let p = pid, n = 0; p > 1 && n < 16; p = pp.get(p) ?? 0, n++) if (p === root) return true;
    return false;
  };
  const peaks: number[] = [];
  for (const pid of pp.keys()) {
    if (!under(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peaks.push(Number(m[1]) * 1024);
    } catch {
      // gone meanwhile
    }
  }
  return peaks;
}

async function openText(page: Page, text: string): Promise<void> {
  const hash = await encodeShareHash(text, 0);
  await page.evaluate((h) => (location.hash = h), hash);
  await expect(page.locator('.cm-content')).toContainText(text.split('\n')[0]!.slice(0, 40));
}

/**
 * A long input dropped on a fresh tab as a file: while it loads, the tab's resident set and the page's own heap
 * every second (what is left is mostly the worker's); the time from the drop until the load's progress first says
 * `progress`, until the run is steppable (`steps` of them, or any number once the import report is there), the
 * renderers' peak, and the page's heap after a collection.
 */
async function longDrop(browser: Browser, root: number, baseURL: string, file: string, text: string, steps: number | null, progress: string) {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await tab.addInitScript(() => localStorage.setItem('dma-explorer:visited', '1'));
  await tab.goto(baseURL);
  await expect(stepCount(tab)).toHaveText(/^step \d+ \/ [1-9]\d*$/, { timeout: 30_000 });
  writeFileSync(`dist/${file}`, text);
  const cdp = await tab.context().newCDPSession(tab);
  const samples: Array<{ s: number; rssMiB: number; pageHeapMiB: number }> = [];
  const opened = Date.now();
  let sampling = true;
  let seenPeak = 0;
  const sampler = (async () => {
    while (sampling) {
      const heap = await cdp.send('Runtime.getHeapUsage').catch(() => null);
      // Peaks read while it runs too: a renderer that is gone by the end keeps its peak here.
      seenPeak = Math.max(seenPeak, ...rendererPeaks(root));
      samples.push({ s: Math.round((Date.now() - opened) / 1000), rssMiB: Math.round(Math.max(0, ...rendererRss(root)) / 2 ** 20), pageHeapMiB: heap ? Math.round((heap as { usedSize: number }).usedSize / 2 ** 20) : -1 });
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    await dropServed(tab, `/${file}`, file);
    const big = text.length > 1_000_000;
    let progressMs = -1;
    if (big) {
      await expect(tab.getByTestId('load-progress')).toContainText(progress, { timeout: 600_000 });
      progressMs = Date.now() - opened;
    }
    const total = steps === null ? '[1-9][\\d,]*' : String(steps);
    if (steps === null) await expect(tab.getByTestId('import-report')).toBeVisible({ timeout: 900_000 });
    await expect(stepCount(tab)).toHaveText(new RegExp(`^step \\d+ / ${total}$`), { timeout: 900_000 });
    // From the drop to the run being steppable (a long one from its first steps, while the rest loads).
    const steppableMs = Date.now() - opened;
    // The whole run loaded: the progress line gone (imported, parsed and run, in the worker).
    await expect(tab.getByTestId('load-progress')).toHaveCount(0, { timeout: 900_000 });
    const loadedMs = Date.now() - opened;
    sampling = false;
    await sampler;
    await tab.locator('.explanation').click();
    await tab.keyboard.press('End');
    const n = await stepTotal(tab);
    await expect(stepCount(tab)).toHaveText(`step ${n} / ${n}`, { timeout: 60_000 });
    const peak = Math.max(seenPeak, ...rendererPeaks(root));
    // The page's own JavaScript heap (the worker's is not in it): how the peak splits between page and worker.
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return { bytes: text.length, steps: n, progressShownMs: progressMs, steppableMs, loadedMs, peakRendererMiB: Math.round(peak / 2 ** 20), pageHeapMiB: Math.round(usedSize / 2 ** 20), loadSamples: samples.filter((_x, i) => i % 5 === 0 || i === samples.length - 1) };
  } finally {
    sampling = false;
    await sampler;
    rmSync(`dist/${file}`, { force: true });
    await tab.close();
  }
}

test('the tab stays under 1 GiB for the hostile corpus, a long scenario file and a long kernel trace', async ({ baseURL }) => {
  const long = process.env.PERF_LONG ? 1_000_000 : 100_000;
  test.setTimeout(long > 100_000 ? 1_800_000 : 360_000);
  // A browser of our own, so its process tree (and only its) is measured.
  const server = await chromium.launchServer({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const root = server.process().pid!;
  const browser = await chromium.connect(server.wsEndpoint());
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => localStorage.setItem('dma-explorer:visited', '1'));
    await page.goto(baseURL!);
    await expect(stepCount(page)).toHaveText(/^step \d+ \/ \d+$/, { timeout: 30_000 });
    const byCase: Record<string, number> = {};
    for (const f of readdirSync(CORPUS).filter((n) => n.endsWith('.dma')).sort()) {
      await openText(page, readFileSync(new URL(f, CORPUS), 'utf8'));
      // Refused at parse time, or run to its end (no run in progress): either way the page answers.
      await page.waitForTimeout(300);
      await expect(page.getByTestId('cancel-run')).toHaveCount(0, { timeout: 60_000 });
      await expect(stepCount(page)).toBeVisible();
      byCase[f] = Math.max(...rendererPeaks(root));
    }
    // The long inputs are dropped on the page as files, as a user would (too big for a link, and never saved in the
    // browser). The corpus tab is closed first: the peaks read from here on are the long inputs' tabs' alone.
    await page.close();
    const scenario = await longDrop(browser, root, baseURL!, 'perf-memory-long.dma', longLoop(long), long, 'running');
    const trace = await longDrop(browser, root, baseURL!, 'perf-memory-long.trace', syntheticTrace(long), null, 'importing');
    const figures = {
      when: new Date().toISOString(),
      longRunSteps: long,
      scenarioFile: scenario,
      traceFile: trace,
      byCaseMiB: Object.fromEntries(Object.entries(byCase).map(([k, v]) => [k, Math.round(v / 2 ** 20)])),
    };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/perf-memory.json', JSON.stringify(figures, null, 2));
    console.log(`[perf] memory: ${JSON.stringify(figures)}`);
    expect(Math.max(...Object.values(byCase))).toBeLessThan(GiB);
    expect(scenario.peakRendererMiB).toBeLessThan(GiB / 2 ** 20);
    expect(trace.peakRendererMiB).toBeLessThan(GiB / 2 ** 20);
  } finally {
    await browser.close();
    await server.close();
  }
});
