import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { metaPolicy, securityHeaders } from './scripts/security-headers.ts';

/** The built page carries the same policy as a <meta> tag, for hosts that send no headers. */
const cspMeta = (): Plugin => ({
  name: 'dma-explorer-csp-meta',
  transformIndexHtml: (html) => html.replace('%CSP%', metaPolicy()),
});

export default defineConfig({
  plugins: [react(), cspMeta()],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 900 },
  // npm start serves the built files with the security headers (README, "Hosting").
  preview: { port: 4173, strictPort: true, host: '127.0.0.1', headers: securityHeaders() },
  server: { host: '127.0.0.1' },
});
