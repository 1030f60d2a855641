/**
 * The explorer's security headers: one definition for `npm start`'s server
 * (vite preview), the `<meta>` policy written into the built index.html (for
 * hosts that serve files without headers), and README's table for anyone
 * hosting the built files.
 *
 * The page loads only its own scripts, styles (React sets inline style
 * attributes), its engine worker (a file of its own, so no `blob:`) and data:
 * images; it fetches only its own files (the lesson index, scenarios). A link
 * carries its scenario in the fragment, which is never sent anywhere.
 *
 * FRAME_ANCESTORS says which pages may show the explorer in a frame (the
 * embed mode, `#…&embed=1`, is meant for documentation pages): `'self'` by
 * default; e.g. FRAME_ANCESTORS="'self' https://docs.example.org" at build
 * and serve time. A `<meta>` policy cannot carry frame-ancestors: only the
 * header protects against clickjacking.
 */

const POLICY: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['worker-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'self'"],
  ['form-action', "'none'"],
];

/** The frame-ancestors sources: FRAME_ANCESTORS, or 'self'. Anything but sources and keywords is refused. */
export function frameAncestors(env: Record<string, string | undefined> = process.env): string {
  const v = (env.FRAME_ANCESTORS ?? "'self'").trim();
  if (!/^[A-Za-z0-9 '*:/._-]+$/.test(v)) throw new Error(`FRAME_ANCESTORS must be CSP sources such as "'self' https://docs.example.org", got ${JSON.stringify(v)}`);
  return v;
}

/** The policy as a `<meta http-equiv>` may carry it (no frame-ancestors). */
export function metaPolicy(): string {
  return POLICY.map(([k, v]) => `${k} ${v}`).join('; ');
}

/** The headers `npm start` sends with every response. */
export function securityHeaders(env: Record<string, string | undefined> = process.env): Record<string, string> {
  return {
    'Content-Security-Policy': `${metaPolicy()}; frame-ancestors ${frameAncestors(env)}`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
