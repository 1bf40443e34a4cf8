// @dapr/dapr's DaprServer over HTTP with one pub/sub subscription: what the official SDK gives.
// Its start() waits until the sidecar answers GET /v1.0/metadata, so the bench runs a stand-in
// sidecar (sidecar-stub.ts) at DAPR_HTTP_PORT. Its route is `/<pubsub>--<topic>--default`.
import { CommunicationProtocolEnum, DaprPubSubStatusEnum, DaprServer } from "@dapr/dapr";
import * as v from "valibot";
import { Order, serverEnv, stateItem } from "./order.ts";

const server = new DaprServer({
  serverHost: "127.0.0.1",
  serverPort: String(serverEnv.port),
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: { daprHost: "127.0.0.1", daprPort: serverEnv.daprPort },
});
await server.pubsub.subscribe("pubsub", "orders", async (data: unknown) => {
  const result = v.safeParse(Order, data);
  if (!result.success) return DaprPubSubStatusEnum.DROP;
  if (serverEnv.saveState) await server.client.state.save("statestore", stateItem(result.output));
  return DaprPubSubStatusEnum.SUCCESS;
});
await server.start();
