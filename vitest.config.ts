import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['basalt-source'] },
  ssr: { resolve: { conditions: ['basalt-source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text', 'html'],
    },
  },
});
