import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StartError } from "./supervisor.ts";
import { readArguments, readTemplate } from "./template.ts";

const template = (yaml: string) => {
  const dir = mkdtempSync(join(tmpdir(), "daprlet-template-"));
  writeFileSync(join(dir, "dapr.yaml"), yaml);
  return dir;
};

describe("readTemplate", () => {
  it("reads a folder's dapr.yaml, apps inheriting what they leave unset from common", () => {
    const dir = template(
      "version: 1\ncommon:\n  daprHTTPPort: 3500\n  daprdLogDestination: console\napps:\n  - appID: orders\n    appPort: 3000\n    appDirPath: ./app\n",
    );
    const { file, apps } = readTemplate(dir);
    expect(file).toBe(join(dir, "dapr.yaml"));
    expect(apps).toEqual([
      {
        appID: "orders",
        appDir: join(dir, "app"),
        ports: [
          { port: 3000, what: `appPort of orders in ${file}` },
          { port: 3500, what: `daprHTTPPort of orders in ${file}` },
        ],
        daprHTTPPort: 3500,
        appPort: 3000,
        schedulerHostAddress: "localhost:50006",
        placementHostAddress: "",
        daprdLogOnConsole: true,
      },
    ]);
  });

  it("gives a scheduler host without a port the CLI's default port, and checks the profile port only when profiling", () => {
    const dir = template(
      "apps:\n  - appID: a\n    schedulerHostAddress: 127.0.0.1\n    placementHostAddress: ' localhost:50005 '\n    profilePort: 7777\n",
    );
    const [app] = readTemplate(join(dir, "dapr.yaml")).apps;
    expect(app).toMatchObject({ schedulerHostAddress: "127.0.0.1:50006", placementHostAddress: "localhost:50005", ports: [] });
    const profiled = template("apps:\n  - appID: a\n    enableProfiling: true\n    profilePort: 7777\n");
    expect(readTemplate(profiled).apps[0].ports.map((p) => p.port)).toEqual([7777]);
  });

  it("refuses a missing template and one without apps, saying what to pass", () => {
    expect(() => readTemplate("/nonexistent/dapr.yaml")).toThrow(
      new StartError("no run template at /nonexistent/dapr.yaml: pass a dapr.yaml (npm start [template])"),
    );
    const empty = template("version: 1\n");
    expect(() => readTemplate(empty)).toThrow(`${join(empty, "dapr.yaml")} lists no apps`);
  });
});

describe("readArguments", () => {
  const root = mkdtempSync(join(tmpdir(), "daprlet-args-"));
  mkdirSync(join(root, "components", "redis"), { recursive: true });
  writeFileSync(join(root, "other.yaml"), "apps: []\n");

  it("tells profiles from a template, defaulting to the root's dapr.yaml", () => {
    expect(readArguments(root, ["--dev", "redis"])).toEqual({ profiles: ["redis"], template: join(root, "dapr.yaml") });
    expect(readArguments(root, ["other.yaml"])).toEqual({ profiles: [], template: join(root, "other.yaml") });
  });

  it("names the known profiles when an argument is neither", () => {
    expect(() => readArguments(root, ["kafka"])).toThrow(
      "kafka is neither a profile (a folder under components/: redis) nor a run template.",
    );
  });

  it("takes one template at a time", () => {
    expect(() => readArguments(root, ["other.yaml", "./other.yaml"])).toThrow("one run template at a time");
  });
});
