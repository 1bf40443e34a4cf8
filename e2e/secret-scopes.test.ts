// The Configuration `npm run generate` writes for Kubernetes (deploy/kubernetes/generated/), on a
// real daprd 1.18.2: daprd loads its access control and secret scopes, a handler still reads the
// secret its inputs declare, and every other secret is refused. (Access control itself needs the
// sidecars' mTLS identities, which only a cluster has; runtime/project/acl.test.ts pins its matching.)
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { projectRoot, type Stack, startStack } from "./harness.ts";

const readKey = `import * as v from "valibot";
import { defineHandler, invoke, reply, secret } from "daprlet";

export const readKey = defineHandler({
  trigger: invoke("GET", "/key"),
  schema: v.unknown(),
  inputs: () => ({ key: secret("secretstore", "payment-gateway-key", { key: "payment-gateway-key" }) }),
  handle: (_event, { key }) => reply(200, { key }),
});
`;

let stack: Stack;
let generated: { spec: Record<string, unknown> };
beforeAll(async () => {
  stack = await startStack({
    handlers: { readKey },
    prepare: (dir) => {
      mkdirSync(join(dir, "deploy"), { recursive: true });
      writeFileSync(join(dir, "deploy/cluster.yaml"), "namespace: shop\ntrustDomain: public\n");
      const run = spawnSync(join(projectRoot, "node_modules/.bin/node"), [join(projectRoot, "scripts/generate.ts")], {
        env: { ...process.env, DAPRLET_ROOT: dir, APP_ID: "" },
        encoding: "utf8",
      });
      if (run.status !== 0) throw new Error(run.stderr);
      generated = parse(readFileSync(join(dir, "deploy/kubernetes/generated/order-service.yaml"), "utf8"));
      // daprd's local Configuration, with the generated access control and secret scopes in it.
      const config = parse(readFileSync(join(dir, "config/dapr-config.yaml"), "utf8"));
      Object.assign(config.spec, { accessControl: generated.spec.accessControl, secrets: generated.spec.secrets });
      writeFileSync(join(dir, "config/dapr-config.yaml"), stringify(config));
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe("the generated Configuration on daprd", () => {
  it("scopes secretstore to what the handlers read, and the built-in kubernetes store shut", () => {
    expect(generated.spec.secrets).toEqual({
      scopes: [
        { storeName: "kubernetes", defaultAccess: "deny" },
        { storeName: "secretstore", defaultAccess: "deny", allowedSecrets: ["payment-gateway-key"] },
      ],
    });
  });

  it("lets the handler read the secret its inputs declare", async () => {
    const res = await stack.dapr("/v1.0/invoke/order-service/method/key");
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { key: "test-gateway-key" } });
  });

  it("refuses any other secret of the store, and leaves nothing in a bulk read but the allowed one", async () => {
    const denied = await stack.dapr("/v1.0/secrets/secretstore/db-credentials");
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ errorCode: "ERR_PERMISSION_DENIED" });
    const bulk = await stack.dapr("/v1.0/secrets/secretstore/bulk");
    expect(bulk.status).toBe(200);
    expect(Object.keys((await bulk.json()) as object)).toEqual(["payment-gateway-key"]);
  });
});
