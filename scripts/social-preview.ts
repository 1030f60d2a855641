/**
 * Draws the social-preview image (public/social-preview.png, 1200×630: what
 * a chat client or a mailing-list archive shows for a shared link) as SVG and
 * rasterises it with Playwright's Chromium (Debian's, as the e2e tests use:
 * CHROMIUM_PATH to override). Run `npx tsx scripts/social-preview.ts` after
 * changing the drawing and commit the PNG; index.html's Open Graph and
 * Twitter tags point at it (scripts/social-meta.ts).
 *
 * The picture is the explorer's own subject: the CPU with a dirty cache line,
 * RAM, a swiotlb bounce slot and a device, with the map → device write →
 * sync_for_cpu round trip as arrows.
 */
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { SOCIAL } from './social-meta.ts';

const W = 1200;
const H = 630;
const ACCENT = '#1f55c4';
const INK = '#1b2130';
const MUTED = '#5b6475';
const DIRTY = '#f0a32a';
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
const MONO = "'DejaVu Sans Mono', 'Liberation Mono', monospace";

/** A labelled box of the machine diagram. */
function box(x: number, y: number, w: number, h: number, title: string, sub: string): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="14" fill="#ffffff" stroke="#b9c0cc" stroke-width="2"/>
  <text x="${x + 20}" y="${y + 38}" font-family="${FONT}" font-size="26" font-weight="700" fill="${INK}">${title}</text>
  <text x="${x + 20}" y="${y + 68}" font-family="${MONO}" font-size="18" fill="${MUTED}">${sub}</text>`;
}

/** Cache lines as a row of cells; `dirty` marks the index drawn as written and not yet written back. */
function lines(x: number, y: number, n: number, dirty: number): string {
  return Array.from({ length: n }, (_, i) => `<rect x="${x + i * 34}" y="${y}" width="28" height="20" rx="3" fill="${i === dirty ? DIRTY : '#d7e2f7'}"/>`).join('');
}

function arrow(x1: number, y1: number, x2: number, y2: number, label: string, color = ACCENT): string {
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="5" marker-end="url(#head)"/>
  <text x="${mx}" y="${my - 12}" text-anchor="middle" font-family="${MONO}" font-size="19" fill="${color}">${label}</text>`;
}

export function previewSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
  <defs>
    <marker id="head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="4" markerHeight="4" orient="auto-start-reverse">
      <path d="M0 0 10 5 0 10z" fill="${ACCENT}"/>
    </marker>
  </defs>
  <rect width="${W}" height="${H}" fill="#f3f4f7"/>
  <rect width="${W}" height="14" fill="${ACCENT}"/>
  <g transform="translate(64 70) scale(1.6)">
    <rect width="64" height="64" rx="12" fill="${ACCENT}"/>
    <rect x="9" y="12" width="20" height="40" rx="3" fill="#ffffff"/>
    <rect x="12" y="16" width="14" height="6" rx="1" fill="${ACCENT}"/>
    <rect x="12" y="25" width="14" height="6" rx="1" fill="${DIRTY}"/>
    <rect x="12" y="34" width="14" height="6" rx="1" fill="${ACCENT}"/>
    <rect x="12" y="43" width="14" height="5" rx="1" fill="${ACCENT}"/>
    <path d="M34 23h16m-5-5 5 5-5 5" fill="none" stroke="#ffffff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>
    <path d="M54 41H38m5-5-5 5 5 5" fill="none" stroke="#ffffff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>
  </g>
  <text x="194" y="128" font-family="${FONT}" font-size="64" font-weight="700" fill="${INK}">${SOCIAL.title}</text>
  <text x="194" y="172" font-family="${FONT}" font-size="27" fill="${MUTED}">How Linux DMA mapping really behaves, step by step, in the browser</text>

  ${box(64, 250, 300, 190, 'CPU + cache', 'dirty line: not in RAM')}
  ${lines(84, 350, 7, 2)}
  <text x="84" y="410" font-family="${MONO}" font-size="18" fill="${MUTED}">sync_for_cpu: invalidate</text>
  ${box(450, 250, 300, 190, 'RAM + swiotlb', 'bounce slot, 2 KiB')}
  <rect x="470" y="350" width="120" height="20" rx="3" fill="#d7e2f7"/>
  <rect x="600" y="350" width="130" height="20" rx="3" fill="#c7e6c9"/>
  <text x="470" y="410" font-family="${MONO}" font-size="18" fill="${MUTED}">copy: buffer ⇄ slot</text>
  ${box(836, 250, 300, 190, 'Device', 'behind an IOMMU')}
  <text x="856" y="370" font-family="${MONO}" font-size="18" fill="${MUTED}">IOVA → phys</text>
  <text x="856" y="410" font-family="${MONO}" font-size="18" fill="${MUTED}">no snoop: RAM only</text>
  ${arrow(372, 300, 440, 300, 'map')}
  ${arrow(828, 300, 760, 300, 'write')}
  ${arrow(440, 395, 372, 395, 'sync')}

  <text x="64" y="530" font-family="${FONT}" font-size="28" fill="${INK}">Cache lines · swiotlb bounce buffers · IOMMU and IOTLB · dma-buf · CMA</text>
  <text x="64" y="578" font-family="${FONT}" font-size="24" fill="${MUTED}">arm64, ARMv7, x86, RISC-V · kernels 4.4 to 6.18 · dma-debug in the kernel's words</text>
</svg>`;
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${previewSvg()}</body></html>`);
    const png = await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: W, height: H } });
    writeFileSync(new URL('../public/social-preview.png', import.meta.url), png);
  } finally {
    await browser.close();
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) await main();
