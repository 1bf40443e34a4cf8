// What the app reads of a request body: at most the limit (counted while it arrives, chunked or
// not), JSON no deeper than the depth limit, text that is valid UTF-8.
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import * as v from "valibot";
import { afterAll, describe, expect, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { binding, defineHandler, invoke, reply, topic } from "../index.ts";
import { cloudEvent, invokeRequest } from "../testing/builders.ts";
import { testApp } from "../testing/run.ts";
import { createApp } from "./app.ts";

const handled: unknown[] = [];
const echo = defineHandler({
  trigger: invoke("POST", "/echo"),
  schema: v.unknown(),
  handle: ({ data }) => {
    handled.push(data);
    return [reply(200, { ok: true })];
  },
});
const onNote = defineHandler({
  trigger: topic("pubsub", "notes"),
  schema: v.unknown(),
  handle: ({ data }) => void handled.push(data),
});
const onQueue = defineHandler({ trigger: binding("queue"), schema: v.unknown(), handle: ({ data }) => void handled.push(data) });
const app = testApp({ echo, onNote, onQueue });
const bytes = (s: string) => new TextEncoder().encode(s);
const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"<ff fe>"}

describe("JSON depth", () => {
  it("answers 400 to JSON nested deeper than the limit, before parsing it, and takes the limit itself", async () => {
    handled.length = 0;
    const tooDeep = await app.send("echo", invokeRequest(echo, { body: deep(65) }));
    expect(tooDeep.status).toBe(400);
    expect(await tooDeep.json()).toEqual({ error: "JSON nested deeper than 64 levels (DAPRLET_MAX_JSON_DEPTH)" });
    expect((await app.send("echo", invokeRequest(echo, { body: deep(64) }))).status).toBe(200);
    // Brackets inside strings do not count.
    expect((await app.send("echo", invokeRequest(echo, { body: JSON.stringify({ s: "[".repeat(200) }) }))).status).toBe(200);
    expect(handled).toHaveLength(2);
  });

  it("DROPs a topic event whose data is a million levels deep (no retry storm)", async () => {
    const body = `{"specversion":"1.0","id":"e-deep","source":"s","type":"t","data":${deep(1_000_000)}}`;
    const res = await app.send("onNote", cloudEvent(onNote, null, { body }));
    expect(await res.json()).toEqual({ status: "DROP", reason: "JSON nested deeper than 64 levels (DAPRLET_MAX_JSON_DEPTH)" });
  });
});

describe("strict UTF-8", () => {
  it("refuses invalid UTF-8 rather than storing U+FFFD: 400 on an invoked route, DROP for a topic or a binding", async () => {
    handled.length = 0;
    const invoked = await app.send("echo", { ...invokeRequest(echo, { body: "{}" }), body: invalidUtf8 });
    expect([invoked.status, await invoked.json()]).toEqual([400, { error: "body is not valid UTF-8" }]);
    const event = await app.send("onNote", cloudEvent(onNote, null, { body: invalidUtf8 }));
    expect(await event.json()).toEqual({ status: "DROP", reason: "body is not valid UTF-8" });
    const queued = await app.request("/queue", { method: "POST", headers: { "content-type": "application/json" }, body: invalidUtf8 });
    expect(await queued.json()).toEqual({ status: "DROP", reason: "body is not valid UTF-8" });
    expect(handled).toEqual([]);
  });

  it("still hands a binding's valid non-JSON text over as text", async () => {
    handled.length = 0;
    await app.request("/queue", { method: "POST", headers: { "content-type": "application/json" }, body: bytes("héllo") });
    expect(handled).toEqual(["héllo"]);
  });
});

describe("the body limit on a real server", () => {
  const limit = 1024 * 1024;
  const server = serve({
    fetch: createApp({ handlers: [describeHandler("echo", echo)], execute: async () => {}, maxBodyBytes: limit }).fetch,
    port: 0,
    hostname: "127.0.0.1",
  });
  afterAll(() => void server.close());

  it("answers 413 to a chunked body once it passes the limit, without waiting for (or reading) the rest", async () => {
    const { port } = server.address() as AddressInfo;
    let sent = 0;
    const answer = await new Promise<{ status?: number; connection?: string; body: string }>((resolve, reject) => {
      const req = request({ port, host: "127.0.0.1", method: "POST", path: "/echo", headers: { "content-type": "application/json" } });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection, body }));
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, "a");
      // Twice the limit, and never `end()`: a server that read the whole body first would never answer.
      const write = () => {
        while (sent < 2 * limit) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
      };
      write();
    });
    expect(answer).toEqual({
      status: 413,
      connection: "close",
      body: JSON.stringify({ error: `body of ${limit}+ bytes exceeds the ${limit}-byte limit` }),
    });
  });
});
