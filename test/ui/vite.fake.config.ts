/**
 * Builds the app with test/ui/fake-run.ts in place of src/scenario/run.ts, for
 * working on the UI while the engine does not build:
 *   ./node_modules/.bin/vite build -c test/ui/vite.fake.config.ts
 * Never used for the shipped build.
 */
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import type { Plugin } from 'vite';
import base from '../../vite.config.ts';

const fake = fileURLToPath(new URL('./fake-run.ts', import.meta.url));

function fakeRunner(): Plugin {
  return {
    name: 'fake-runner',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source.endsWith('/scenario/run.ts') && importer?.includes('/src/worker/')) return fake;
      return null;
    },
  };
}

export default mergeConfig(base, {
  root: fileURLToPath(new URL('../..', import.meta.url)),
  plugins: [fakeRunner()],
  worker: { plugins: () => [fakeRunner()] },
});
