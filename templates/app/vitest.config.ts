import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file gets its own database; a fresh app takes a moment to build.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
