import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // the CLI tests spawn the built `yuma`; workers stay few on the 2-core CI machine
    maxWorkers: 2,
  },
});
