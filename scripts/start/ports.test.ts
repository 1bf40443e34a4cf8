import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../servers/wait.ts";
import { busyPort, checkPorts, connectionOn, holderOf, isBusy } from "./ports.ts";

const listen = (port: number, host: string) =>
  new Promise<ReturnType<typeof createServer>>((done) => {
    const server = createServer();
    server.listen(port, host, () => done(server));
  });

describe("port checks", () => {
  it("finds a port held on 127.0.0.1 busy, and free once it is released", async () => {
    const port = await freePort();
    expect(await isBusy(port)).toBe(false);
    const server = await listen(port, "127.0.0.1");
    try {
      expect(await isBusy(port)).toBe(true);
      await expect(checkPorts([{ port, what: "appPort of orders" }])).rejects.toThrow(`port ${port} (appPort of orders) is already in use`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await isBusy(port)).toBe(false);
    await expect(checkPorts([{ port, what: "appPort of orders" }])).resolves.toBeUndefined();
  });

  it("names the holder and the fix", () => {
    expect(busyPort(3500, "daprHTTPPort of orders", { pid: 42, command: "daprd --app-id orders" })).toBe(
      "port 3500 (daprHTTPPort of orders) is already in use by pid 42: daprd --app-id orders.\n" +
        "  Fix: stop it (kill 42), or change the port in the template. " +
        "See who holds it: ss -ltnp 'sport = :3500'  (or: lsof -nP -iTCP:3500 -sTCP:LISTEN)",
    );
    expect(busyPort(3500, "x")).toBe(
      "port 3500 (x) is already in use.\n  Fix: stop it, or change the port in the template. " +
        "See who holds it: ss -ltnp 'sport = :3500'  (or: lsof -nP -iTCP:3500 -sTCP:LISTEN)",
    );
  });

  it("finds no holder for a port nobody holds", async () => {
    const port = await freePort();
    expect(holderOf(port)).toBeUndefined();
    expect(connectionOn(port)).toBeUndefined();
  });

  // What failed CI (stop 22): a long-lived connection of another test's server had been handed 50006 as
  // its local port. Nothing listens on it, yet the scheduler cannot bind it.
  it("tells a port held by an outgoing connection from a listener, with the fix", async () => {
    const server = await listen(0, "127.0.0.1");
    const target = (server.address() as { port: number }).port;
    const client = connect(target, "127.0.0.1");
    try {
      await new Promise((r) => client.once("connect", r));
      const port = client.localPort!;
      expect(await isBusy(port)).toBe(true);
      expect(holderOf(port)).toBeUndefined();
      expect(connectionOn(port)).toBe(`127.0.0.1:${port} → 127.0.0.1:${target}`);
      const failure = checkPorts([{ port, what: "the scheduler" }]);
      await expect(failure).rejects.toThrow(
        `port ${port} (the scheduler) is the local end of a connection (127.0.0.1:${port} → 127.0.0.1:${target})`,
      );
      await expect(failure).rejects.toThrow(`sudo sysctl -w net.ipv4.ip_local_reserved_ports=${port}`);
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
