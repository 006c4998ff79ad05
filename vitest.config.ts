import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Sized for small CI runners (2 cores): interop tests spawn `openssl s_server`
// children and do real crypto, so more workers than cores only adds contention.
const workers = Math.max(1, Math.min(availableParallelism(), 4));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    slowTestThreshold: 2_000,
  },
});
