// Placement and the scheduler for `npm start`: on the ports the template names, when they are local.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type ControlPlane,
  placementArgs,
  placementPorts,
  type Started,
  schedulerArgs,
  schedulerPorts,
  startControlPlane,
} from "../servers/control-plane.ts";
import { root, StartError, type Supervisor } from "./supervisor.ts";
import type { App } from "./template.ts";

const isLocal = (address: string) => ["localhost", "127.0.0.1", "[::1]"].includes(address.split(":")[0]);

/** Which control-plane binaries this script runs for the app, and the ports each will take. */
export function controlPlaneOf(app: App) {
  const scheduler = isLocal(app.schedulerHostAddress);
  const placement = app.placementHostAddress !== "" && isLocal(app.placementHostAddress);
  const sched = schedulerPorts(app.schedulerHostAddress);
  const place = placementPorts(app.placementHostAddress);
  const ports = [
    ...(scheduler
      ? [
          { port: sched.port, what: `the scheduler (schedulerHostAddress ${app.schedulerHostAddress})` },
          { port: sched.healthz, what: "the scheduler's healthz" },
          { port: sched.etcdClient, what: "the scheduler's etcd client port" },
          { port: sched.etcdPeer, what: "the scheduler's etcd peer port" },
        ]
      : []),
    ...(placement
      ? [
          { port: place.port, what: `placement (placementHostAddress ${app.placementHostAddress})` },
          { port: place.healthz, what: "placement's healthz" },
          { port: place.raft, what: "placement's raft port" },
        ]
      : []),
  ];
  return { scheduler, placement, ports };
}

async function start(sup: Supervisor, name: ControlPlane, args: string[], healthz: number, hint?: string): Promise<Started> {
  try {
    // Its own process group: the terminal's Ctrl-C must not stop it before daprd has let go of it.
    const started = await startControlPlane(name, args, {
      healthz,
      logFile: join(root, ".dapr", "logs", `${name}.log`),
      cwd: root,
      detached: true,
      hint,
    });
    sup.children.push({ name, proc: started.proc });
    return started;
  } catch (error) {
    throw new StartError((error as Error).message);
  }
}

/** The scheduler, its data in .data/scheduler (jobs survive a restart). */
export function startScheduler(sup: Supervisor, address: string) {
  const ports = schedulerPorts(address);
  const dataDir = join(root, ".data", "scheduler");
  mkdirSync(dataDir, { recursive: true });
  return start(sup, "scheduler", schedulerArgs(ports, dataDir), ports.healthz, `If its data is damaged, remove it: rm -rf ${dataDir}`);
}

/** Placement, its tables in memory. */
export function startPlacement(sup: Supervisor, address: string) {
  const ports = placementPorts(address);
  return start(sup, "placement", placementArgs(ports), ports.healthz);
}
