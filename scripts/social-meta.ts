/**
 * What a shared link to the explorer looks like when pasted into a chat or a
 * mailing-list archive: the Open Graph and Twitter card tags written into the
 * built index.html (vite.config.ts), pointing at public/social-preview.png
 * (drawn by scripts/social-preview.ts). Crawlers want absolute URLs: with a
 * public address (`VITE_PUBLIC_URL`, the one share links use) the image and
 * the page are absolute; without one the image is relative to the page,
 * which most link previewers resolve and some do not.
 */
import { configuredBase } from '../src/ui/share-base.ts';

export const SOCIAL = {
  title: 'DMA Explorer',
  description: 'Step through Linux DMA mapping in the browser: CPU caches, swiotlb bounce buffers, IOMMUs, dma-buf, CMA and dma-debug, on arm64, ARMv7, x86 and RISC-V, each step naming the kernel function that did it.',
  image: 'social-preview.png',
  imageAlt: 'DMA Explorer: a CPU with a dirty cache line, RAM with a swiotlb bounce slot and a device behind an IOMMU, joined by map, write and sync arrows.',
  width: 1200,
  height: 630,
} as const;

/** HTML-escaped attribute text. */
function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The `<meta>` tags for link previews, one per line, for a build with (or without) a public address. */
export function socialMetaTags(publicUrl: string | undefined): string {
  const base = configuredBase(publicUrl);
  const image = base ? new URL(SOCIAL.image, base).href : `./${SOCIAL.image}`;
  const tags: Array<[string, string, string]> = [
    ['property', 'og:type', 'website'],
    ['property', 'og:site_name', SOCIAL.title],
    ['property', 'og:title', SOCIAL.title],
    ['property', 'og:description', SOCIAL.description],
    ...(base ? [['property', 'og:url', base] as [string, string, string]] : []),
    ['property', 'og:image', image],
    ['property', 'og:image:type', 'image/png'],
    ['property', 'og:image:width', String(SOCIAL.width)],
    ['property', 'og:image:height', String(SOCIAL.height)],
    ['property', 'og:image:alt', SOCIAL.imageAlt],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', SOCIAL.title],
    ['name', 'twitter:description', SOCIAL.description],
    ['name', 'twitter:image', image],
    ['name', 'twitter:image:alt', SOCIAL.imageAlt],
  ];
  return tags.map(([k, name, content]) => `<meta ${k}="${name}" content="${attr(content)}" />`).join('\n    ');
}
