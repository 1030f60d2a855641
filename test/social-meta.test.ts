// The link-preview tags of the built index.html (scripts/social-meta.ts) and
// the public/ files they point at.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOCIAL, socialMetaTags } from '../scripts/social-meta.ts';

const PUBLIC = new URL('../public/', import.meta.url);

describe('link previews', () => {
  it('name the image absolutely when the build names a public address (as share links do)', () => {
    const tags = socialMetaTags('https://dma.example.org/explorer');
    expect(tags).toContain('<meta property="og:image" content="https://dma.example.org/explorer/social-preview.png" />');
    expect(tags).toContain('<meta property="og:url" content="https://dma.example.org/explorer/" />');
    expect(tags).toContain('<meta name="twitter:image" content="https://dma.example.org/explorer/social-preview.png" />');
    // a base naming the page itself: the image is beside it
    expect(socialMetaTags('https://dma.example.org/x/index.html')).toContain('content="https://dma.example.org/x/social-preview.png"');
  });

  it('name it relative to the page without one (or with an address that is not http(s))', () => {
    for (const url of [undefined, '', 'javascript:alert(1)']) {
      const tags = socialMetaTags(url);
      expect(tags).toContain('<meta property="og:image" content="./social-preview.png" />');
      expect(tags).not.toContain('og:url');
    }
  });

  it('escape attribute text', () => {
    expect(socialMetaTags(undefined)).not.toMatch(/content="[^"]*[<>][^"]*"/);
    expect(socialMetaTags('https://x.org/"><script>')).not.toContain('<script>');
  });

  it('point at files public/ holds: a 1200×630 PNG, an SVG favicon, robots.txt', () => {
    const png = readFileSync(new URL(SOCIAL.image, PUBLIC));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([SOCIAL.width, SOCIAL.height]);
    expect(readFileSync(new URL('favicon.svg', PUBLIC), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(readFileSync(new URL('robots.txt', PUBLIC), 'utf8')).toMatch(/^User-agent: \*$/m);
    const html = readFileSync(new URL('../index.html', import.meta.url), 'utf8');
    expect(html).toContain('%SOCIAL%');
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
  });
});
