import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests compile TypeScript programs; on a shared, loaded machine a
    // compile can take far longer than vitest's 5 s default. The limits
    // only catch hangs: no test asserts on time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
