/**
 * Where share links point. A build can name the public address the explorer
 * is served from (`VITE_PUBLIC_URL=https://dma.example.org/ npx vite build`,
 * README "Hosting it"), so links copied from a local or preview copy open the
 * team's hosted one; without it links point at the page they were made on.
 */
export function publicBase(configured: string | undefined = import.meta.env.VITE_PUBLIC_URL as string | undefined): string {
  return configuredBase(configured) ?? `${location.origin}${location.pathname}`;
}

/** The public address a build names, as a base for links (a directory, or the page itself); null when it names none usable. */
export function configuredBase(configured: string | undefined): string | null {
  const c = configured?.trim();
  if (c && /^https?:\/\/[^\s#?]+$/i.test(c)) return c.endsWith('/') || /\.html?$/i.test(c) ? c : `${c}/`;
  return null;
}
