import { beforeEach, describe, expect, it } from "vitest";
import { deleteReminder, deleteTimer, invokeActor, setReminder, setTimer } from "../../index.ts";
import { callActorInputKind } from "../../kinds/actor-call.ts";
import { actorState, actorStateInputKind } from "../../kinds/actor-state.ts";
import { type ContractOptions, type ContractTarget, connect, unique } from "./connect.ts";

/**
 * The actor APIs the runtime uses, as daprd answers them for the fixture app's `Counter` actor
 * (a real daprd needs placement, and a scheduler for reminders; a fake is primed with Counter's answers).
 */
export function describeActorContract(name: string, target: () => ContractTarget, options: ContractOptions = {}) {
  const { client, run, json } = connect(target);
  const stateOf = async (id: string) =>
    actorStateInputKind.read(
      { type: "Counter", id, key: "state" },
      await client(actorStateInputKind.call({ type: "Counter", id, key: "state" })),
      undefined,
    );
  const callCounter = (id: string, method: string, body?: unknown) =>
    client(callActorInputKind.call({ type: "Counter", id, method, body }));

  describe(`actor contract: ${name}`, () => {
    if (options.prime) beforeEach(options.prime);

    it("calls a method through daprd: the app's 200 and reply pass through; its state is then readable", async () => {
      const id = unique();
      const res = await callCounter(id, "add", { by: 2 });
      expect({ status: res.status, body: json(res), error: res.headers.get("x-daprerrorresponseheader") }).toEqual({
        status: 200,
        body: { n: 2 },
        error: null,
      });
      expect(callActorInputKind.read({ type: "Counter", id, method: "add" }, res, undefined)).toEqual({
        ok: true,
        value: { ok: true, reply: { n: 2 } },
      });
      expect(await stateOf(id)).toEqual({ ok: true, value: { n: 2 } });
    });

    it("passes an actor error through as 200 with X-Daprerrorresponseheader, which the call input reads as not ok", async () => {
      const res = await callCounter(unique(), "add", { by: "x" });
      expect(res.status).toBe(200);
      expect(res.headers.has("x-daprerrorresponseheader")).toBe(true);
      expect(callActorInputKind.read({ type: "Counter", id: "x", method: "add" }, res, undefined)).toMatchObject({
        ok: true,
        value: { ok: false },
      });
    });

    it("answers 204 for a state key an actor never wrote (the input reads undefined)", async () => {
      const id = unique();
      await callCounter(id, "get");
      expect(await stateOf(id)).toEqual({ ok: true, value: undefined });
    });

    it("writes an active actor's state in one transaction (204), deletes included", async () => {
      const id = unique();
      await callCounter(id, "get"); // activates it on this host
      await run(
        actorState(
          [
            { operation: "upsert", request: { key: "state", value: { n: 9 } } },
            { operation: "upsert", request: { key: "extra", value: 1 } },
          ],
          { type: "Counter", id },
        ),
      );
      expect(await stateOf(id)).toEqual({ ok: true, value: { n: 9 } });
      await run(actorState([{ operation: "delete", request: { key: "state" } }], { type: "Counter", id }));
      expect(await stateOf(id)).toEqual({ ok: true, value: undefined });
    });

    it("sets and deletes a reminder and a timer of a hosted type (204 each)", async () => {
      const id = unique();
      await callCounter(id, "get");
      const actor = { type: "Counter", id };
      await run(setReminder("r", { method: "add", input: { by: 1 }, dueTime: "1h" }, actor));
      await run(deleteReminder("r", actor));
      await run(setTimer("t", { method: "get", dueTime: "1h" }, actor));
      await run(deleteTimer("t", actor));
    });

    it("carries out an actor call whose reply nobody waits on", async () => {
      await run(invokeActor("Counter", unique(), "add", { by: 1 }));
    });
  });
}
