import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { metaPolicy, securityHeaders } from './scripts/security-headers.ts';
import { socialMetaTags } from './scripts/social-meta.ts';

/**
 * The built page carries the same policy as a <meta> tag, for hosts that send no headers, and the link-preview
 * tags (Open Graph, Twitter) for the public address share links use (VITE_PUBLIC_URL).
 */
const pageMeta = (): Plugin => {
  let publicUrl: string | undefined;
  return {
    name: 'dma-explorer-page-meta',
    // the same VITE_PUBLIC_URL the app's share links read (environment or .env files of the build's mode)
    configResolved: (config) => {
      publicUrl = config.env.VITE_PUBLIC_URL as string | undefined;
    },
    transformIndexHtml: (html) => html.replace('%CSP%', metaPolicy()).replace('%SOCIAL%', socialMetaTags(publicUrl)),
  };
};

// public/ (favicon, social-preview.png, robots.txt) is copied to dist/ as is.
export default defineConfig({
  plugins: [react(), pageMeta()],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 900 },
  // npm start serves the built files with the security headers (README, "Hosting").
  preview: { port: 4173, strictPort: true, host: '127.0.0.1', headers: securityHeaders() },
  server: { host: '127.0.0.1' },
});
