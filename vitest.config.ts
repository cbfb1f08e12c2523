import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native code can take a worker down with it; forks isolate that (vitest's advice).
    pool: 'forks',
    testTimeout: 120_000,
  },
});
