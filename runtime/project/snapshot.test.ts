import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyProject, fixtureRoot } from "../testing/project-copy.ts";
import { loadComponents } from "./components.ts";
import { loadProject } from "./project.ts";
import { readSnapshot, snapshotFile, snapshotProject } from "./snapshot.ts";

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** The fixture with a snapshot written as scripts/build.ts writes it, its app id replaced to tell the two apart. */
function snapshotted(): string {
  const root = copyProject(fixtureRoot, { prefix: "daprlet-snapshot-" });
  copies.push(root);
  const snapshot = { ...snapshotProject(root, "from-snapshot") };
  mkdirSync(dirname(join(root, snapshotFile)), { recursive: true });
  writeFileSync(join(root, snapshotFile), JSON.stringify(snapshot));
  return root;
}

describe("project snapshot", () => {
  it("is used while dapr.yaml and components/ are the files it was made from", async () => {
    const root = snapshotted();
    expect(readSnapshot(root)?.components).toEqual(loadComponents(join(root, "components")));
    expect((await loadProject(root)).appId).toBe(process.env.APP_ID || "from-snapshot");
  });

  it("is ignored once a component changes, or one is added, and the YAML is read again", async () => {
    const changed = snapshotted();
    writeFileSync(join(changed, "components/embedded/statestore.yaml"), "# emptied\n");
    expect(readSnapshot(changed)).toBeUndefined();
    expect((await loadProject(changed)).appId).not.toBe("from-snapshot");

    const added = snapshotted();
    writeFileSync(
      join(added, "components/extra.yaml"),
      "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: extra }\nspec: { type: state.in-memory, version: v1 }\n",
    );
    expect(readSnapshot(added)).toBeUndefined();
    expect((await loadProject(added)).components.map((c) => c.name)).toContain("extra");
  });

  it("is absent from a project that was not built", () => {
    expect(readSnapshot(fixtureRoot)).toBeUndefined();
  });
});
