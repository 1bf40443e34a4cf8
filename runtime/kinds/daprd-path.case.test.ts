// One suite over every effect and input kind that calls daprd (as Hono runs one suite over every
// router): each string field of the kind's `example` gets hostile values, and the call must be
// refused or keep the value inside its one path segment. A new kind needs an `example` to compile,
// and is then covered here without a line of its own.
import { describe, expect, it } from "vitest";
import { UnsafeValue } from "./daprd-path.ts";
import type { SidecarCall } from "./effect.ts";
import { effectKinds } from "./effects.ts";
import { inputKinds } from "./inputs.ts";

const hostile = ["..", ".", "a/../b", "", "\n", "%2e%2e", "../../state/statestore", "..%2F..%2Fsecrets"];

/** What a kind's call does with one field: builds the call from the example with `value` in that field. */
interface Case {
  kind: string;
  field: string;
  call: (value: unknown) => SidecarCall;
}

const sidecarEffects = Object.values(effectKinds).flatMap((k) => (k.sidecar ? [{ kind: k.kind, sidecar: k.sidecar }] : []));
const effectCases: Case[] = sidecarEffects.flatMap(({ kind, sidecar }) =>
  stringFields(sidecar.example).map((field) => ({
    kind,
    field,
    // biome-ignore lint/suspicious/noExplicitAny: each kind's own effect, with one field replaced
    call: (value) => sidecar.call(withField(sidecar.example, field, value) as any),
  })),
);
const inputCases: Case[] = Object.values(inputKinds).flatMap((k) =>
  stringFields(k.example).map((field) => ({
    kind: k.kind,
    field,
    // biome-ignore lint/suspicious/noExplicitAny: each kind's own parameters, with one field replaced
    call: (value) => k.call(withField(k.example, field, value) as any),
  })),
);

/**
 * The example with one field replaced, also in the items of its lists that shared the value (a
 * transaction's operations name its store too).
 */
function withField(example: object, field: string, value: unknown): object {
  const old = (example as Record<string, unknown>)[field];
  const items = (v: unknown) =>
    Array.isArray(v) ? v.map((item) => (item && typeof item === "object" && item[field] === old ? { ...item, [field]: value } : item)) : v;
  return Object.fromEntries(Object.entries({ ...example, [field]: value }).map(([k, v]) => [k, k === field ? v : items(v)]));
}

/** The example's string fields. */
function stringFields(example: object): string[] {
  return Object.entries(example)
    .filter(([key, v]) => key !== "kind" && typeof v === "string")
    .map(([key]) => key);
}

const base = "http://127.0.0.1:3500/v1.0";
/** The path daprd would receive, after `fetch` resolved it, without its query. */
const resolved = (call: SidecarCall) => new URL(base + call.path).pathname;
const segmentCount = (call: SidecarCall) => call.path.split("?")[0].split("/").length;

describe.each([
  ["effect", effectCases],
  ["input", inputCases],
] as const)("every %s kind's daprd call", (_family, cases) => {
  it("covers every kind that calls daprd", () => {
    const kinds = new Set(cases.map((c) => c.kind));
    const expected = _family === "effect" ? sidecarEffects.map((e) => e.kind) : Object.keys(inputKinds);
    expect([...kinds].sort()).toEqual([...expected].sort());
  });

  it.each(cases.flatMap((c) => hostile.map((value) => ({ ...c, value }))))(
    "$kind: $field = $value is refused or stays in its segment",
    ({ call, field, value }) => {
      const plain = call("x");
      let made: SidecarCall;
      try {
        made = call(value);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeValue);
        expect((error as UnsafeValue).field).toMatch(new RegExp(`^${field}`));
        return;
      }
      // Not refused: the path is exactly as built (fetch resolved no dot segment) and has as many segments as with a plain value.
      expect(resolved(made)).toBe(`/v1.0${made.path.split("?")[0]}`);
      expect(segmentCount(made)).toBe(segmentCount(plain));
    },
  );

  it.each(cases)("$kind: $field is refused when it is not a string", ({ call }) => {
    // A number is a fine id; undefined, null or an object never is (a missing field in event data).
    for (const value of [undefined, null, { a: 1 }]) {
      try {
        const made = call(value);
        // Fields outside the path (an operation, a method) may take any value; the path still holds.
        expect(made.path).not.toMatch(/undefined|null|object/);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeValue);
      }
    }
  });
});

// The kinds that only shape the answer have no call; every other kind needs its line below.
type SidecarEffectKind = Exclude<keyof typeof effectKinds, "reply" | "retry" | "drop">;
/** Each kind's call for its example: one line per kind, and the compiler asks for a line for a new kind. */
const expectedEffects: Record<SidecarEffectKind, string> = {
  saveState: "POST /state/statestore",
  deleteState: "DELETE /state/statestore/cart-1",
  publish: "POST /publish/pubsub/orders",
  invokeBinding: "POST /bindings/receipts",
  transaction: "POST /state/statestore/transaction",
  invokeApp: "POST /invoke/shipping/method/shipments/o-1",
  scheduleJob: "POST /jobs/cleanup-tmp",
  deleteJob: "DELETE /jobs/shipment-late-order-1",
  actorState: "POST /actors/InventoryActor/sku-1/state",
  invokeActor: "PUT /actors/InventoryActor/sku-1/method/release",
  setReminder: "POST /actors/InventoryActor/sku-1/reminders/restock",
  deleteReminder: "DELETE /actors/InventoryActor/sku-1/reminders/restock",
  setTimer: "POST /actors/InventoryActor/sku-1/timers/tick",
  deleteTimer: "DELETE /actors/InventoryActor/sku-1/timers/tick",
  startWorkflow: "POST /workflows/dapr/OrderWorkflow/start?instanceID=order-1",
  raiseWorkflowEvent: "POST /workflows/dapr/order-1/raiseEvent/payment-approved",
  manageWorkflow: "POST /workflows/dapr/order-1/terminate",
};
const expectedInputs: Record<keyof typeof inputKinds, string> = {
  state: "GET /state/statestore/order-1",
  states: "POST /state/statestore/bulk",
  secret: "GET /secrets/secretstore/payment-gateway-key",
  configuration: "GET /configuration/configstore?key=max-order-amount",
  actorState: "GET /actors/InventoryActor/sku-1/state/state",
  callActor: "PUT /actors/InventoryActor/sku-1/method/reserve",
  workflowStatus: "GET /workflows/dapr/order-1",
  callApp: "GET /invoke/inventory/method/stock/sku-1",
};

describe("each kind's call for its example", () => {
  it.each(sidecarEffects)("$kind", ({ kind, sidecar }) => {
    const call = sidecar.call(sidecar.example as never);
    expect(`${call.method} ${call.path}`).toBe(expectedEffects[kind as SidecarEffectKind]);
  });
  it.each(Object.values(inputKinds))("$kind", (k) => {
    const call = k.call(k.example as never);
    expect(`${call.method} ${call.path}`).toBe(expectedInputs[k.kind]);
  });
});
