/**
 * Memory of the explorer's tab for the heaviest inputs: every case of the
 * hostile corpus (test/hostile/corpus) opened by link, then a 100,000-step
 * run stepped to its end (PERF_LONG=1: 1,000,000 steps). The engine runs in a
 * dedicated worker, which lives in the tab's renderer process, so the
 * renderer's peak resident set (VmHWM in /proc, Linux) bounds the worker's
 * memory together with the page's. The limit is the one the robustness work
 * promises: under 1 GiB for any input. Linux only (it reads /proc), as the
 * project's machines are. Figures go to test-results/perf-memory.json.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { chromium, expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
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

function longLoop(steps: number): string {
  const lines = ['# a long loop: map, device write, sync, read, unmap', 'machine(arch=arm64)', 'device(cam, dma_mask=64)', 'a = kmalloc(4096, GFP_KERNEL)'];
  for (let i = 0; lines.length - 3 < steps; i++) {
    lines.push(`cpu_write(a + ${(i * 16) % 256}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 512, DMA_FROM_DEVICE)', `dev_write(cam, h, "d${i % 10}")`, 'dma_sync_single_for_cpu(cam, h, 512, DMA_FROM_DEVICE)', 'dma_unmap_single(cam, h, 512, DMA_FROM_DEVICE)');
  }
  return `${lines.slice(0, steps + 3).join('\n')}\n`;
}

test('the tab stays under 1 GiB for the hostile corpus and a long run', async ({ baseURL }) => {
  const long = process.env.PERF_LONG ? 1_000_000 : 100_000;
  test.setTimeout(long > 100_000 ? 900_000 : 240_000);
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
    // The long run is too big for a link (1 MiB): it is the saved text of a fresh tab, as after typing it.
    // Too big for localStorage's quota too: the saved text is fetched (once, synchronously, as
    // localStorage answers) from a route of the test, so the harness adds one copy of the text and
    // no more to the tab (an init script carrying the text would add its source and its literal).
    // The corpus tab is closed first: the peaks read from here on are the long run's tab's alone.
    await page.close();
    const tab = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const text = longLoop(long);
    await tab.route('**/__saved-text', (r) => r.fulfill({ body: text, contentType: 'text/plain; charset=utf-8' }));
    await tab.addInitScript(() => {
      localStorage.setItem('dma-explorer:visited', '1');
      const orig = Storage.prototype.getItem;
      let saved: string | null = null;
      Storage.prototype.getItem = function (key: string) {
        if (key === 'dma-explorer:text') {
          if (saved === null) {
            const x = new XMLHttpRequest();
            x.open('GET', '/__saved-text', false);
            x.send();
            saved = x.responseText;
          }
          return saved;
        }
        if (key === 'dma-explorer:step') return '0';
        return orig.call(this, key);
      };
    });
    // While it loads: the tab's resident set and the page's own heap every second (what is left is mostly the worker's).
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
    await tab.goto(baseURL!);
    // When the page first shows the worker running steps (parse and run go together, from the first statement).
    let runningMs = -1;
    if (long > 100_000) {
      await expect(tab.getByTestId('load-progress')).toContainText('running', { timeout: 600_000 });
      runningMs = Date.now() - opened;
    }
    await expect(stepCount(tab)).toHaveText(new RegExp(`^step \\d+ / ${long}$`), { timeout: long > 100_000 ? 600_000 : 180_000 });
    // From opening the page to the run being steppable (the whole text parsed and run, in the worker).
    const steppableMs = Date.now() - opened;
    sampling = false;
    await sampler;
    await tab.locator('.explanation').click();
    await tab.keyboard.press('End');
    await expect(stepCount(tab)).toHaveText(`step ${long} / ${long}`, { timeout: 60_000 });
    expect(await stepTotal(tab)).toBe(long);
    const peak = Math.max(seenPeak, ...rendererPeaks(root));
    // The page's own JavaScript heap (the worker's is not in it): how the peak splits between page and worker.
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const figures = { when: new Date().toISOString(), longRunSteps: long, runningShownMs: runningMs, steppableMs, peakRendererMiB: Math.round(peak / 2 ** 20), pageHeapMiB: Math.round(usedSize / 2 ** 20), loadSamples: samples.filter((_x, i) => i % 5 === 0 || i === samples.length - 1), byCaseMiB: Object.fromEntries(Object.entries(byCase).map(([k, v]) => [k, Math.round(v / 2 ** 20)])) };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/perf-memory.json', JSON.stringify(figures, null, 2));
    console.log(`[perf] memory: ${JSON.stringify(figures)}`);
    expect(Math.max(...Object.values(byCase))).toBeLessThan(GiB);
    expect(peak).toBeLessThan(GiB);
  } finally {
    await browser.close();
    await server.close();
  }
});
