// @dapr/dapr's actor server over HTTP: an AbstractActor whose `add` reads its state, adds, saves and
// replies, as the daprlet actor in bench/fixture/actor does. The SDK saves state after the method.
import { AbstractActor, CommunicationProtocolEnum, DaprServer } from "@dapr/dapr";

class BenchCounter extends AbstractActor {
  async add(body: { by: number }) {
    const state = (await this.getStateManager<{ n: number }>().tryGetState("state"))[1] ?? { n: 0 };
    const next = { n: state.n + body.by };
    await this.getStateManager().setState("state", next);
    return next;
  }
}

const server = new DaprServer({
  serverHost: "127.0.0.1",
  serverPort: process.env.APP_PORT ?? "3000",
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: { daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT ?? "3500" },
});
await server.actor.init();
server.actor.registerActor(BenchCounter);
await server.start();
