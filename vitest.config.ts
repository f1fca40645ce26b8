import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the tests run the built dist/ and build/*.wasm: rebuild first what is older than its sources
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    // the CLI tests spawn the built `yuma`; workers stay few on the 2-core CI machine
    maxWorkers: 2,
  },
});
