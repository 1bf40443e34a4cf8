// Actors through the real pipeline and the fake sidecar, as daprd calls them: a method call
// answers 200 with the reply, the state is read and written as one key, errors travel in daprd's
// actor-error header, reminders deliver to the method they name, and calls to other actors carry
// the turn's reentrancy id.
import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeHandler } from "./descriptor.ts";
import { callActor, defineActor, defineHandler, invoke, invokeActor, publish, reply, setReminder, setTimer, state } from "./index.ts";
import { invokeActorKind } from "./kinds/actor-call.ts";
import { setReminderKind } from "./kinds/actor-reminder.ts";
import { actorState, actorStateInputKind } from "./kinds/actor-state.ts";
import { appConfig } from "./serve/app.ts";
import { actorCall, actorContext, actorReminder, invokeRequest } from "./testing/builders.ts";
import { createFakeSidecar } from "./testing/fake-sidecar.ts";
import { runHandler, testApp } from "./testing/run.ts";

const sidecar = createFakeSidecar();
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const Counter = defineActor({
  state: v.object({ n: v.number() }),
  initial: () => ({ n: 0 }),
  settings: { idleTimeout: "5m", reentrancy: { enabled: true } },
  methods: (method) => ({
    add: method(v.object({ by: v.pipe(v.number(), v.integer()) }), (s, { by }, { id }) =>
      s.n + by < 0
        ? { error: { code: "negative", n: s.n } }
        : { state: { n: s.n + by }, reply: { n: s.n + by }, effects: [publish("pubsub", "counted", { id, n: s.n + by })] },
    ),
    get: method((s) => ({ reply: s })),
    later: method(v.object({ by: v.number() }), (_s, { by }) => ({
      reply: "set",
      effects: [setReminder("bump", { method: "add", input: { by }, dueTime: "1s" }), setTimer("tick", { method: "get", dueTime: "1s" })],
    })),
    forward: method((s, _i, { id }) => ({ reply: s, effects: [invokeActor("Other", id, "ping")] })),
    ask: method(v.any(), { inputs: ({ id }) => ({ other: callActor("Other", id, "ping") }) }, (_s, _i, _c, { other }) => ({
      reply: other,
    })),
    scale: method(
      v.object({}),
      { inputs: () => ({ factor: state("statestore", "factor", { schema: v.number() }) }) },
      (s, _input, _ctx, { factor }) => ({ state: { n: s.n * (factor.value ?? 1) }, reply: { n: s.n * (factor.value ?? 1) } }),
    ),
    boom: method(() => {
      throw new Error("boom");
    }),
  }),
});

const app = () => testApp({ Counter }, { client: sidecar.client });
const call = async (method: string, body?: unknown, id = "c-1", o: { reentrancyId?: string } = {}) => {
  const res = await app().send(`Counter.${method}`, actorCall("Counter", id, method, body, o));
  return {
    status: res.status,
    error: res.headers.get("x-daprerrorresponseheader"),
    body: await res.text().then((t) => (t ? JSON.parse(t) : undefined)),
  };
};

describe("defineActor", () => {
  it("a method is a plain function of (state, input, context)", () => {
    expect(Counter.methods.add({ n: 1 }, { by: 2 }, actorContext("c-1"))).toEqual({
      state: { n: 3 },
      reply: { n: 3 },
      effects: [publish("pubsub", "counted", { id: "c-1", n: 3 })],
    });
  });

  it("yields one route per method and the reminder and timer callbacks, all PUT /actors/<type>/:id/…", () => {
    const routes = Counter.handlers("Counter").map((h) => describeHandler(h.name, h.handler).route);
    expect(routes).toEqual([
      "/actors/Counter/:id/method/add",
      "/actors/Counter/:id/method/get",
      "/actors/Counter/:id/method/later",
      "/actors/Counter/:id/method/forward",
      "/actors/Counter/:id/method/ask",
      "/actors/Counter/:id/method/scale",
      "/actors/Counter/:id/method/boom",
      "/actors/Counter/:id/method/remind/:name",
      "/actors/Counter/:id/method/timer/:name",
    ]);
  });

  it("encodes the actor id and names as one path segment each in every actor API call", () => {
    expect(actorStateInputKind.call({ type: "T", id: "a/b?c", key: "k/1" }).path).toBe("/actors/T/a%2Fb%3Fc/state/k%2F1");
    expect(invokeActorKind.sidecar?.call(invokeActor("T", "a/b", "m/x")).path).toBe("/actors/T/a%2Fb/method/m%2Fx");
    expect(setReminderKind.sidecar?.call(setReminder("r/1", { method: "m" }, { type: "T", id: "a b" })).path).toBe(
      "/actors/T/a%20b/reminders/r%2F1",
    );
    expect(() => setReminderKind.sidecar?.call(setReminder("r", { method: "m" }))).toThrow(/needs its actor/);
  });

  it("refuses a method named after a callback route", () => {
    expect(() => defineActor({ state: v.object({}), initial: () => ({}), methods: (m) => ({ remind: m(() => ({})) }) })).toThrow(/remind/);
  });

  it("GET /dapr/config lists the hosted types with their settings", async () => {
    expect(await (await app().request("/dapr/config")).json()).toEqual({
      entities: ["Counter"],
      entitiesConfig: [{ entities: ["Counter"], actorIdleTimeout: "5m", reentrancy: { enabled: true } }],
    });
    const handlers = [describeHandler("h", defineHandler({ trigger: invoke("GET", "/x"), schema: v.any(), handle: () => [] }))];
    expect(appConfig(handlers)).toEqual({});
  });
});

describe("an actor call, as daprd sends it", () => {
  it("starts from the initial state, writes the new state as one key and answers 200 with the reply", async () => {
    expect(await call("add", { by: 2 })).toEqual({ status: 200, error: null, body: { n: 2 } });
    expect(await call("add", { by: 3 })).toEqual({ status: 200, error: null, body: { n: 5 } });
    expect(sidecar.actorState("Counter", "c-1")).toEqual({ n: 5 });
    expect(sidecar.actorState("Counter", "c-2")).toBeUndefined();
    expect(sidecar.published.map((p) => p.data)).toEqual([
      { id: "c-1", n: 2 },
      { id: "c-1", n: 5 },
    ]);
  });

  it("a method's own inputs are read with its state and passed to it", async () => {
    sidecar.seedActor("Counter", "c-1", { n: 2 });
    sidecar.seed("statestore", "factor", 5);
    expect(await call("scale", {})).toEqual({ status: 200, error: null, body: { n: 10 } });
  });

  it("a method that returns no state writes nothing; one without a reply answers 200 with no body", async () => {
    sidecar.seedActor("Counter", "c-1", { n: 7 });
    expect(await call("get")).toEqual({ status: 200, error: null, body: { n: 7 } });
  });

  it("bad input, a refusal and a throw are 200 with the actor-error header, and change nothing", async () => {
    sidecar.seedActor("Counter", "c-1", { n: 1 });
    const bad = await call("add", { by: "x" });
    expect(bad).toMatchObject({ status: 200, error: "true", body: { error: "invalid input" } });
    expect(await call("add", { by: -5 })).toEqual({ status: 200, error: "true", body: { code: "negative", n: 1 } });
    expect(await call("boom")).toMatchObject({ status: 200, error: "true", body: { error: "handler threw: Error: boom" } });
    expect(sidecar.actorState("Counter", "c-1")).toEqual({ n: 1 });
    expect(sidecar.published).toEqual([]);
  });

  it("stored state that fails the schema is an actor error, not a reset to the initial state", async () => {
    sidecar.seedActor("Counter", "c-1", { n: "seven" });
    expect(await call("add", { by: 1 })).toMatchObject({ status: 200, error: "true" });
    expect(sidecar.actorState("Counter", "c-1")).toEqual({ n: "seven" });
  });

  it("a failed state write is 500 (daprd passes it on as ERR_ACTOR_INVOKE_METHOD; a resiliency policy may retry)", async () => {
    sidecar.fail({ operation: "actorState", status: 500 });
    expect((await call("add", { by: 1 })).status).toBe(500);
    expect(sidecar.published).toEqual([]);
  });

  it("sets reminders and timers on its own actor, carrying the method and input they deliver to", async () => {
    expect((await call("later", { by: 4 })).status).toBe(200);
    expect(sidecar.reminders.get("Counter||c-1||bump")).toEqual({
      type: "Counter",
      id: "c-1",
      name: "bump",
      dueTime: "1s",
      data: { method: "add", input: { by: 4 } },
    });
    expect(sidecar.timers.get("Counter||c-1||tick")).toMatchObject({ data: { method: "get" } });
  });

  it("a reminder firing runs the method it names with its input", async () => {
    const res = await app().send("Counter.remind", actorReminder("Counter", "c-1", "bump", { method: "add", input: { by: 4 } }));
    expect(res.status).toBe(200);
    expect(sidecar.actorState("Counter", "c-1")).toEqual({ n: 4 });
    const timer = await app().send(
      "Counter.timer",
      actorReminder("Counter", "c-1", "tick", { method: "add", input: { by: 1 } }, { timer: true }),
    );
    expect(timer.status).toBe(200);
    expect(sidecar.actorState("Counter", "c-1")).toEqual({ n: 5 });
  });

  it("a reminder naming no method is answered 200 (not retried forever) and changes nothing", async () => {
    const res = await app().send("Counter.remind", actorReminder("Counter", "c-1", "x", { method: "nope" }));
    expect(res.status).toBe(200);
    expect(res.headers.has("x-daprerrorresponseheader")).toBe(false); // daprd would count that as a failure and retry
    expect(sidecar.actorState("Counter", "c-1")).toBeUndefined();
  });

  it("calls to other actors carry the turn's Dapr-Reentrancy-Id", async () => {
    sidecar.actor("Other").on("ping", { body: "pong" });
    expect((await call("forward", undefined, "c-1", { reentrancyId: "r-1" })).status).toBe(200);
    expect(sidecar.actorCalls).toMatchObject([{ type: "Other", id: "c-1", method: "ping", headers: { "dapr-reentrancy-id": "r-1" } }]);
  });

  it("a method's callActor inputs carry the turn's Dapr-Reentrancy-Id too", async () => {
    sidecar.actor("Other").on("ping", { body: "pong" });
    expect(await call("ask", undefined, "c-1", { reentrancyId: "r-2" })).toMatchObject({ status: 200, body: { ok: true, reply: "pong" } });
    expect(sidecar.actorCalls).toMatchObject([{ type: "Other", method: "ping", headers: { "dapr-reentrancy-id": "r-2" } }]);
  });

  it("DELETE /actors/<type>/<id> (deactivation) answers 200", async () => {
    expect((await app().request("/actors/Counter/c-1", { method: "DELETE" })).status).toBe(200);
  });

  it("runHandler drives an actor call from its path", async () => {
    const result = await runHandler(Counter, actorCall("Counter", "c-9", "add", { by: 1 }), { client: sidecar.client });
    expect(result.answer).toEqual({ status: 200, body: { n: 1 } });
    expect(result.effects.slice(0, 2)).toEqual([
      actorState([{ operation: "upsert", request: { key: "state", value: { n: 1 } } }], { type: "Counter", id: "c-9" }),
      reply(200, { n: 1 }),
    ]);
  });
});

describe("callActor: an input that calls an actor and hands its typed reply to handle", () => {
  const readCounter = defineHandler({
    trigger: invoke("GET", "/counters/:id"),
    schema: v.any(),
    inputs: ({ params }) => ({ counter: callActor<typeof Counter, "get">("Counter", params.id, "get") }),
    handle: (_e, { counter }) => (counter.ok ? reply(200, { n: counter.reply.n }) : reply(422, { error: counter.error })),
  });

  it("passes the reply, or the actor's error, to handle", async () => {
    sidecar.actor("Counter").on("get", { body: { n: 3 } });
    const ok = await runHandler(readCounter, invokeRequest(readCounter, { params: { id: "c-1" } }), { client: sidecar.client });
    expect(ok.answer).toEqual({ status: 200, body: { n: 3 } });
    sidecar.actor("Counter").on("get", { body: { error: "no" }, headers: { "X-Daprerrorresponseheader": "true" } });
    const refused = await runHandler(readCounter, invokeRequest(readCounter, { params: { id: "c-1" } }), { client: sidecar.client });
    expect(refused.answer).toEqual({ status: 422, body: { error: { error: "no" } } });
    expect(sidecar.actorCalls.map((c) => `${c.type}/${c.id}.${c.method}`)).toEqual(["Counter/c-1.get", "Counter/c-1.get"]);
  });

  it("a failed call never reaches handle: the caller gets 502", async () => {
    const failed = await runHandler(readCounter, invokeRequest(readCounter, { params: { id: "c-1" } }), { client: sidecar.client });
    expect(failed.answer.status).toBe(502);
  });
});
