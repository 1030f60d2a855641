/**
 * Links into and out of the embedded player: the iframe snippet for a share
 * link (`…#s=…&embed=1`), whether this page is the player, and the link back
 * to the full explorer (the same fragment without `embed=1`).
 */

/** The fragment turned into the player's (embed=1 added once). */
export function embedUrl(shareUrl: string): string {
  const i = shareUrl.indexOf('#');
  if (i < 0) return shareUrl;
  const fields = shareUrl.slice(i + 1).split('&').filter((f) => f !== '' && !/^embed=/.test(f));
  return `${shareUrl.slice(0, i)}#${[...fields, 'embed=1'].join('&')}`;
}

/** The fragment of the full explorer for the player's fragment (embed=1 dropped). */
export function fullUrl(embedded: string): string {
  const i = embedded.indexOf('#');
  if (i < 0) return embedded;
  const fields = embedded.slice(i + 1).split('&').filter((f) => f !== '' && !/^embed=/.test(f));
  return `${embedded.slice(0, i)}#${fields.join('&')}`;
}

/** An <iframe> for a share link, with the attribute values escaped. */
export function embedSnippet(shareUrl: string): string {
  const src = embedUrl(shareUrl).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<iframe src="${src}" width="720" height="520" style="border:1px solid #ccc;border-radius:6px" title="DMA Explorer" loading="lazy"></iframe>`;
}

/** True when the page was opened as the embedded player (`embed=1` in the fragment). */
export function isEmbedHash(hash: string): boolean {
  return /(^#?|&)embed=1(&|$)/.test(hash);
}
