import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../servers/wait.ts";
import { busyPort, checkPorts, holderOf, isBusy } from "./ports.ts";

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
    expect(holderOf(await freePort())).toBeUndefined();
  });
});
