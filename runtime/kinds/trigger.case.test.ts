// One suite over every trigger kind in the table (as Hono runs one suite over every router): a new
// kind gets these protocol cases without writing them, and must add a sample below to compile.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { activity } from "./activity.ts";
import { binding } from "./binding.ts";
import { configurationChanged } from "./configuration-changed.ts";
import { invoke } from "./invoke.ts";
import { job } from "./job.ts";
import { jobFamily } from "./job-family.ts";
import type { Outcome } from "./outcome.ts";
import { topic } from "./topic.ts";
import type { Message } from "./trigger.ts";
import { type Trigger, triggerKindOf, type triggerKinds } from "./triggers.ts";
import type { DaprStatus, Verdict } from "./verdict.ts";

/** One trigger of each kind: the compiler asks for a sample when a kind joins the table. */
const samples: { [K in keyof typeof triggerKinds]: Extract<Trigger, { kind: K }> } = {
  topic: topic("pubsub", "orders", { deadLetterTopic: "orders-dead" }),
  binding: binding("cron"),
  invoke: invoke("POST", "/orders/:id"),
  job: job("nightly", { schedule: "@every 1m" }),
  jobFamily: jobFamily("shipment-late"),
  configurationChanged: configurationChanged("configstore", ["express-shipping"]),
  actor: { kind: "actor", type: "InventoryActor", method: "reserve" },
  activity: activity("reserveInventory"),
};

const bodies: Record<string, Uint8Array> = {
  "an empty body": new Uint8Array(),
  "garbage bytes": new Uint8Array([0xff, 0xfe, 0x00, 0x7b]),
  "JSON null": new TextEncoder().encode("null"),
  "a JSON array": new TextEncoder().encode("[1,2,3]"),
  "a JSON string": new TextEncoder().encode('"x"'),
  "an object missing everything": new TextEncoder().encode("{}"),
  "truncated JSON": new TextEncoder().encode('{"data":'),
};
const types = ["application/json", "application/cloudevents+json", "application/cloudevents-batch+json", "text/plain", ""];

const outcomeOf = (status: DaprStatus, cause?: Verdict["cause"]): Outcome => ({
  verdict: { status, ...(status === "SUCCESS" ? {} : { reason: "why", cause }) },
  effects: [],
});
const verdicts: [DaprStatus, Verdict["cause"]][] = [
  ["SUCCESS", undefined],
  ["RETRY", "throw"],
  ["RETRY", "effect"],
  ["RETRY", "input"],
  ["RETRY", "conflict"],
  ["RETRY", "handler"],
  ["DROP", "schema"],
  ["DROP", "parse"],
  ["DROP", "handler"],
];

describe.each(Object.entries(samples) as [string, Trigger][])("trigger kind %s", (_, trigger) => {
  const kind = triggerKindOf(trigger);
  const route = kind.route(trigger, "aHandler");

  it.each(Object.entries(bodies))("parses %s under every content type without throwing, into at least one message", (_, body) => {
    for (const type of types) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const req = { method: "POST", path: route, headers, body };
      const parsed = kind.parse(trigger, req, { id: "1" });
      expect(parsed.messages.length).toBeGreaterThan(0);
      for (const m of parsed.messages) if (!m.ok) expect(m.reason).toMatch(/\S/);
    }
  });

  it("answers every verdict, and never answers a RETRY as it answers SUCCESS", () => {
    const message: Message = { ok: true, event: { data: {} } };
    const answerOf = (status: DaprStatus, cause?: Verdict["cause"]) =>
      kind.answer(trigger, { bulk: false, results: [{ message, outcome: outcomeOf(status, cause) }] });
    const success = answerOf("SUCCESS");
    for (const [status, cause] of verdicts) {
      const answer = answerOf(status, cause);
      expect(answer.status, `${status}/${cause}`).toBeGreaterThanOrEqual(200);
      expect(answer.status, `${status}/${cause}`).toBeLessThan(600);
      if (status === "RETRY") expect(answer, `${status}/${cause}`).not.toEqual(success);
    }
  });

  it("mounts each route it serves so that a request to it reaches the handler", async () => {
    // A kind reached without HTTP (a workflow activity) serves nothing and mounts nothing.
    if (kind.serves(trigger, route).length === 0) return;
    const app = new Hono();
    let served = 0;
    kind.mount(app, route, trigger, async (c) => {
      served++;
      return c.body(null, 200);
    });
    const concrete = route.replace(/:\w+/g, "x");
    for (const method of ["GET", "POST", "PUT", "DELETE"]) await app.request(concrete, { method });
    expect(served).toBeGreaterThan(0);
  });

  it("describes itself, claims what no other handler may share, and names its components", () => {
    expect(kind.describe(trigger)).toMatch(/\S/);
    if (kind.serves(trigger, route).length > 0) expect(route).toMatch(/^\//);
    expect(kind.claims(trigger, route).length).toBeGreaterThan(0);
    for (const need of kind.needs(trigger)) expect(need.name).toMatch(/\S/);
  });

  it("shapes its span and the attributes of its answer", () => {
    const span = kind.span(trigger, route, { method: "POST", path: route });
    expect(span.name).toMatch(/\S/);
    expect(typeof kind.answered(trigger, { status: 200 })).toBe("object");
  });
});
