import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { layerComponents, writeRunTemplate } from "./run-template.ts";

const component = (name: string, type: string) =>
  `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n`;

let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

function project(files: Record<string, string>) {
  root = mkdtempSync(join(tmpdir(), "daprlet-run-template-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const template = `version: 1
common:
  resourcesPaths: [./components/common, ./components/embedded, ./subscriptions]
  configFilePath: ./config/dapr-config.yaml
apps:
  - appID: order-service
    appDirPath: .
    command: ["node_modules/.bin/node", "runtime/main.js"]
  - appID: gateway
    appDirPath: ./gateway
    resourcesPaths: [./components]
    command: ["../node_modules/.bin/node", "../runtime/main.js"]
`;

const files = {
  "dapr.yaml": template,
  "components/common/receipts.yaml": component("receipts", "bindings.localstorage"),
  "components/common/cron.yaml": component("cron", "bindings.cron"),
  "components/embedded/pubsub.yaml": component("pubsub", "pubsub.in-memory"),
  "components/embedded/statestore.yaml": component("statestore", "state.in-memory"),
  "components/aws/receipts.yaml": component("receipts", "bindings.aws.s3"),
  "components/aws/blob-events.yaml": component("blob-events", "bindings.aws.sqs"),
  "components/postgres-kafka/pubsub.yaml": component("pubsub", "pubsub.kafka"),
  "components/postgres-kafka/statestore.yaml": component("statestore", "state.postgresql"),
};

const appsOf = (file: string) => (parse(readFileSync(file, "utf8")) as { apps: Record<string, unknown>[] }).apps;

describe("writeRunTemplate", () => {
  it("leaves dapr.yaml as it is for a plain start", () => {
    const dir = project(files);
    expect(writeRunTemplate({ root: dir, file: join(dir, "dapr.yaml"), dev: false, profiles: [] })).toEqual({
      file: join(dir, "dapr.yaml"),
      layers: [],
      warnings: [],
    });
  });

  it("layers a profile over the app's component folders, a component it names again replacing theirs", () => {
    const dir = project(files);
    const run = writeRunTemplate({ root: dir, file: join(dir, "dapr.yaml"), dev: false, profiles: ["aws"] });
    expect(run.file).toBe(join(dir, ".dapr/run.yaml"));
    const [order, gateway] = appsOf(run.file);
    expect(order.resourcesPaths).toEqual([join(dir, ".dapr/layered/order-service"), join(dir, "subscriptions")]);
    expect(order.appDirPath).toBe(dir);
    // An app that loads its own folder (another project) is only made absolute.
    expect(gateway.resourcesPaths).toEqual([join(dir, "gateway/components")]);
    expect(readdirSync(join(dir, ".dapr/layered/order-service")).sort()).toEqual([
      "aws--blob-events.yaml",
      "aws--receipts.yaml",
      "common--cron.yaml",
      "embedded--pubsub.yaml",
      "embedded--statestore.yaml",
    ]);
    expect(readFileSync(join(dir, ".dapr/layered/order-service/aws--receipts.yaml"), "utf8")).toContain("bindings.aws.s3");
  });

  it("replaces both embedded components with postgres-kafka's", () => {
    const dir = project(files);
    writeRunTemplate({ root: dir, file: join(dir, "dapr.yaml"), dev: false, profiles: ["postgres-kafka"] });
    expect(readdirSync(join(dir, ".dapr/layered/order-service")).sort()).toEqual([
      "common--cron.yaml",
      "common--receipts.yaml",
      "postgres-kafka--pubsub.yaml",
      "postgres-kafka--statestore.yaml",
    ]);
  });

  it("runs node apps under --watch in dev mode, and says which it cannot watch", () => {
    const dir = project({
      ...files,
      "dapr.yaml": template.replace(`["../node_modules/.bin/node", "../runtime/main.js"]`, `["python3", "app.py"]`),
    });
    const run = writeRunTemplate({ root: dir, file: join(dir, "dapr.yaml"), dev: true, profiles: [] });
    expect(appsOf(run.file)[0].command).toEqual([
      "node_modules/.bin/node",
      "--watch-path=handlers",
      "--watch-path=runtime",
      "--watch-preserve-output",
      "runtime/main.js",
    ]);
    expect(run.warnings).toEqual(["dev: gateway's command does not start with node, so it is not restarted on change"]);
  });

  it("refuses a profile when no app loads components/", () => {
    const dir = project({ ...files, "dapr.yaml": "version: 1\napps:\n  - appID: a\n    resourcesPaths: [./elsewhere]\n" });
    expect(() => writeRunTemplate({ root: dir, file: join(dir, "dapr.yaml"), dev: false, profiles: ["aws"] })).toThrow(
      /no app in .* loads folders under components\/, so there is nothing to layer aws over/,
    );
  });
});

describe("layerComponents", () => {
  it("brings the merged folder up to date: a removed file goes, a changed one is rewritten", () => {
    const dir = project(files);
    const folders = ["common", "embedded", "aws"].map((f) => join(dir, "components", f));
    const out = join(dir, ".dapr/layered/app");
    layerComponents(dir, folders, out);
    rmSync(join(dir, "components/aws/blob-events.yaml"));
    writeFileSync(join(dir, "components/aws/receipts.yaml"), component("receipts", "bindings.azure.blobstorage"));
    layerComponents(dir, folders, out);
    expect(readdirSync(out).sort()).toEqual([
      "aws--receipts.yaml",
      "common--cron.yaml",
      "embedded--pubsub.yaml",
      "embedded--statestore.yaml",
    ]);
    expect(readFileSync(join(out, "aws--receipts.yaml"), "utf8")).toContain("bindings.azure.blobstorage");
  });
});
