import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["runtime/**/*.test.ts", "handlers/**/*.test.ts", "scripts/**/*.test.ts", "deploy/**/*.test.ts"] } },
      // Starts real daprd processes: one file at a time, generous timeouts.
      { test: { name: "e2e", include: ["e2e/**/*.test.ts"], fileParallelism: false, testTimeout: 120_000, hookTimeout: 180_000 } },
    ],
  },
});
