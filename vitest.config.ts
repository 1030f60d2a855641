import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['test/**/*.test.{ts,tsx}'],
      environment: 'node',
      restoreMocks: true,
      testTimeout: 60_000,
      // Vitest's default is one worker fewer than the cores: on the
      // two-core machines that is one file at a time, with the other core
      // idle but for the reporter. Two workers use both (E2E-free phase of
      // npm test: nothing else runs beside them).
      maxWorkers: Number(process.env.VITEST_WORKERS ?? 2),
    },
  }),
);
