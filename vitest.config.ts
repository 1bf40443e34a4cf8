import { configDefaults, defineConfig } from "vitest/config";

// Start a kube-apiserver + etcd, or install the app from the lock: slower than unit tests.
const deployTests = ["deploy/kubernetes.test.ts", "deploy/image.test.ts", "deploy/prometheus.test.ts"];

export default defineConfig({
  test: {
    // Keeps the template's fixed ports out of the kernel's ephemeral choices while the suite runs (root only).
    globalSetup: ["e2e/reserve-ports.ts"],
    projects: [
      {
        test: {
          name: "unit",
          // Some unit tests copy a project and run the checks several times: seconds on a loaded 2-core machine.
          testTimeout: 20_000,
          include: [
            "runtime/**/*.test.ts",
            "handlers/**/*.test.ts",
            "examples/**/*.test.ts",
            "scripts/**/*.test.ts",
            "deploy/**/*.test.ts",
            "docs/**/*.test.ts",
          ],
          exclude: [...configDefaults.exclude, ...deployTests, "**/*.e2e.test.ts"],
        },
      },
      { test: { name: "deploy", include: deployTests, testTimeout: 180_000, hookTimeout: 120_000 } },
      // Starts real daprd processes: one file at a time, generous timeouts. Your handlers' own
      // end-to-end tests sit beside them as *.e2e.test.ts.
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts", "handlers/**/*.e2e.test.ts", "examples/**/*.e2e.test.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
