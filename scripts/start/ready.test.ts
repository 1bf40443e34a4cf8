import { describe, expect, it } from "vitest";
import { crashReport, exitOf } from "./ready.ts";

describe("exitOf", () => {
  it("reads the CLI's words for an exit with an error code", () => {
    expect(exitOf("❌  The App process exited with error code: exit status 1", "App")).toBe("exit status 1");
    expect(exitOf("The daprd process exited with error code: signal: killed", "daprd")).toBe("signal: killed");
  });

  it("reads a clean exit as exit status 0, each process by its own words", () => {
    expect(exitOf("✅  Exited App successfully", "App")).toBe("exit status 0");
    expect(exitOf("✅  Exited Dapr successfully", "daprd")).toBe("exit status 0");
    expect(exitOf("✅  Exited Dapr successfully", "App")).toBeUndefined();
  });

  it("ignores other lines and the other process's exit", () => {
    expect(exitOf("== APP - orders == listening on 3000", "App")).toBeUndefined();
    expect(exitOf("The App process exited with error code: exit status 1", "daprd")).toBeUndefined();
  });
});

describe("crashReport", () => {
  it("names the app, when and how it exited, and its last output", () => {
    const watch = { healthySince: 0, appExit: "exit status 1", appLines: ["boom", "at main.ts:3"] };
    expect(crashReport({ appID: "orders" }, watch, "during start-up")).toBe(
      "the app orders exited during start-up (exit status 1). Its last output:\n  boom\n  at main.ts:3",
    );
  });

  it("says so when the app printed nothing", () => {
    expect(crashReport({ appID: "orders" }, { healthySince: 0, appExit: "exit status 0", appLines: [] }, "while running")).toBe(
      "the app orders exited while running (exit status 0). Its last output:\n  (no output)",
    );
  });
});
