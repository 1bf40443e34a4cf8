import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { overriddenComponentFiles } from "./components.ts";

const component = (name: string, type: string) =>
  `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n`;

function project(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "daprlet-components-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

describe("overriddenComponentFiles", () => {
  const root = project({
    "components/common/receipts.yaml": component("receipts", "bindings.localstorage"),
    "components/common/cron.yaml": component("cron", "bindings.cron"),
    "components/embedded/pubsub.yaml": component("pubsub", "pubsub.in-memory"),
    "components/embedded/statestore.yaml": component("statestore", "state.in-memory"),
    "components/aws/receipts.yaml": component("receipts", "bindings.aws.s3"),
    "components/rabbitmq/pubsub.yaml": component("pubsub", "pubsub.rabbitmq"),
  });

  it("leaves out what a later folder defines again, keeping the last definition", () => {
    expect(overriddenComponentFiles(root, ["components/common", "components/embedded", "components/aws", "components/rabbitmq"])).toEqual([
      "components/common/receipts.yaml",
      "components/embedded/pubsub.yaml",
    ]);
  });

  it("leaves out nothing when every name is defined once, or a folder is missing", () => {
    expect(overriddenComponentFiles(root, ["components/common", "components/embedded", "subscriptions"])).toEqual([]);
  });
});
