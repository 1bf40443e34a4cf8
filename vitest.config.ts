import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["runtime/**/*.test.ts", "handlers/**/*.test.ts", "scripts/**/*.test.ts", "deploy/**/*.test.ts"],
          exclude: ["**/*.e2e.test.ts", "**/node_modules/**"],
        },
      },
      // Starts real daprd processes: one file at a time, generous timeouts. Your handlers' own
      // end-to-end tests sit beside them as *.e2e.test.ts.
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts", "handlers/**/*.e2e.test.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
