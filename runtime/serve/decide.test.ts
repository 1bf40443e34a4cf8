// decide() over the combinations of facts a message can end with: the first fact that holds wins.
import { describe, expect, it } from "vitest";
import { drop, publish, retry } from "../index.ts";
import { decide, type Facts } from "./decide.ts";
import { SidecarError } from "./sidecar.ts";

const issue = { message: "Invalid type", path: [{ key: "amount" }] } as unknown as NonNullable<Facts["issues"]>[number];
const failed: Facts["failed"] = {
  effect: publish("pubsub", "orders", {}),
  index: 1,
  of: 2,
  error: new SidecarError(500, "ERR_PUBSUB_PUBLISH_MESSAGE", "sidecar answered 500"),
};

describe("decide", () => {
  it.each<[string, Facts, ReturnType<typeof decide>]>([
    ["nothing went wrong", { effects: [] }, { status: "SUCCESS" }],
    ["no stage ran at all", {}, { status: "SUCCESS" }],
    [
      "a refused message",
      { refused: { reason: "malformed JSON", status: 400 } },
      { status: "DROP", reason: "malformed JSON", cause: "parse", httpStatus: 400 },
    ],
    ["schema issues", { issues: [issue] }, { status: "DROP", reason: "schema validation failed: amount: Invalid type", cause: "schema" }],
    [
      "a value that would steer daprd's path",
      { unsafe: { reason: 'publish pubsub/..: topic ".." is a dot segment' } },
      { status: "DROP", reason: 'unsafe value: publish pubsub/..: topic ".." is a dot segment', cause: "unsafe" },
    ],
    [
      "an unsafe value beats effects that look successful",
      { unsafe: { reason: "x" }, effects: [publish("pubsub", "orders", {})] },
      { status: "DROP", reason: "unsafe value: x", cause: "unsafe" },
    ],
    [
      "an input that is unavailable",
      { input: { fault: "unavailable", reason: "a: down" } },
      { status: "RETRY", reason: "input a: down", cause: "input" },
    ],
    [
      "an input that is invalid",
      { input: { fault: "invalid", reason: "a: bad" } },
      { status: "DROP", reason: "input a: bad", cause: "input" },
    ],
    [
      "handle threw an Error",
      { threw: { thrown: new Error("boom"), where: "handle" } },
      { status: "RETRY", reason: "handler threw: Error: boom", cause: "throw" },
    ],
    [
      "handle threw undefined",
      { threw: { thrown: undefined, where: "handle" } },
      { status: "RETRY", reason: "handler threw: undefined", cause: "throw" },
    ],
    ["handle threw null", { threw: { thrown: null, where: "handle" } }, { status: "RETRY", reason: "handler threw: null", cause: "throw" }],
    [
      "inputs(event) threw, even though handle's effects are SUCCESS-looking",
      { threw: { thrown: "nope", where: "inputs(event)" }, effects: [] },
      { status: "RETRY", reason: "handler threw in inputs(event): nope", cause: "throw" },
    ],
    [
      "a throw beats a retry the handler asked for",
      { threw: { thrown: 0, where: "reply" }, effects: [retry("later")] },
      { status: "RETRY", reason: "handler threw in reply: 0", cause: "throw" },
    ],
    [
      "the deadline passed",
      { deadline: { ms: 25_000, stage: "handle" } },
      { status: "RETRY", reason: "deadline of 25000 ms passed in handle", cause: "deadline" },
    ],
    [
      "the deadline passed after effects were returned",
      { deadline: { ms: 50, stage: "effects" }, effects: [publish("pubsub", "x", 1)] },
      { status: "RETRY", reason: "deadline of 50 ms passed in effects", cause: "deadline" },
    ],
    [
      "another delivery holds the message",
      { busy: { reason: "another delivery" } },
      { status: "RETRY", reason: "another delivery", cause: "busy" },
    ],
    [
      "every attempt met a conflict",
      { conflict: { attempts: 10, reason: "etag mismatch" }, effects: [] },
      { status: "RETRY", reason: "conflict: 10 attempts met a concurrent write (etag mismatch)", cause: "conflict" },
    ],
    [
      "an effect failed",
      { failed, effects: [] },
      { status: "RETRY", reason: "effect 2 of 2 (publish pubsub/orders) failed: SidecarError: sidecar answered 500", cause: "effect" },
    ],
    [
      "an effect failed while the handler asked to drop",
      { failed, effects: [drop("bad")] },
      { status: "RETRY", reason: expect.stringMatching(/^effect 2 of 2/), cause: "effect" },
    ],
    ["the handler asked to retry", { effects: [retry("not yet")] }, { status: "RETRY", reason: "not yet", cause: "handler" }],
    ["the handler asked to drop", { effects: [drop("spam")] }, { status: "DROP", reason: "spam", cause: "handler" }],
    [
      "schema issues come before a throw",
      { issues: [issue], threw: { thrown: new Error("x"), where: "handle" } },
      { status: "DROP", reason: expect.stringMatching(/^schema validation failed/), cause: "schema" },
    ],
  ])("%s", (_, facts, verdict) => {
    expect(decide(facts)).toEqual(verdict);
  });
});
