import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native code can take a worker down with it; forks isolate that (vitest's advice).
    pool: 'forks',
    // One file at a time: native training uses every core, and the event-loop test measures
    // timer lag, which other files training in parallel would distort.
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
