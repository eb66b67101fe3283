import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets and spawn real servers; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on sockets and child processes, not the CPU: three at a time on two cores halves
    // the suite's wall time (530 s -> 270 s here). vitest's default (cores - 1) ran one file at a time.
    maxWorkers: 3
  }
})
