// How much does daprlet's runtime cost per delivery, against a peer measured in the same run?
// The peer is the hand-written Hono route a user would otherwise write: parse the CloudEvent,
// validate `data` with the same valibot schema, answer {"status":"SUCCESS"}. Both run in-process
// through app.request(), so the ratio is runtime overhead, not network.
// Run: npm run bench   (prints ops/s for each and the ratio daprlet/peer)
import { Hono } from "hono";
import * as v from "valibot";
import { cloudEvent } from "../runtime/testing/builders.ts";
import { Order } from "../runtime/testing/fixture/handlers/lib/order.ts";
import { onOrderCreated } from "../runtime/testing/fixture/handlers/onOrderCreated.ts";
import { testApp } from "../runtime/testing/run.ts";

const delivery = cloudEvent(onOrderCreated, { orderId: "order-123", amount: 100 });
const init = { method: "POST", headers: delivery.headers, body: delivery.body } as const;

const daprlet = testApp({ onOrderCreated }); // effects collected, not sent: the same for the peer
const peer = new Hono().post("/events/onOrderCreated", async (c) => {
  const event = (await c.req.json()) as { data: unknown };
  const result = v.safeParse(Order, event.data);
  if (!result.success) return c.json({ status: "DROP" });
  return c.json({ status: "SUCCESS" });
});

async function opsPerSecond(send: () => Promise<Response>, seconds = Number(process.env.BENCH_SECONDS ?? 2)): Promise<number> {
  for (let i = 0; i < 2_000; i++) await (await send()).arrayBuffer(); // warm up the JIT
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) await (await send()).arrayBuffer();
    n += 200;
  }
  return n / seconds;
}

const sendDaprlet = () => Promise.resolve(daprlet.request("/events/onOrderCreated", init));
const sendPeer = () => Promise.resolve(peer.request("/events/onOrderCreated", init));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  // Alternate who goes first so neither side always runs on a warmer machine.
  const first = round % 2 ? sendDaprlet : sendPeer;
  const second = first === sendDaprlet ? sendPeer : sendDaprlet;
  const a = await opsPerSecond(first);
  const b = await opsPerSecond(second);
  const [ours, theirs] = first === sendDaprlet ? [a, b] : [b, a];
  ratios.push(ours / theirs);
  console.log(
    `round ${round}: daprlet ${ours.toFixed(0)} deliveries/s, hand-written Hono ${theirs.toFixed(0)}/s, ratio ${(ours / theirs).toFixed(2)}`,
  );
}
const median = ratios.sort((x, y) => x - y)[Math.floor(ratios.length / 2)];
console.log(`median ratio daprlet / hand-written Hono: ${median.toFixed(2)} (1.00 = no overhead)`);
