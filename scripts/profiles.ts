// The servers each components/<profile>/ folder talks to, on the ports its YAML names: started by
// `npm start <profile>` (before daprd) and by `npm run servers <profile>` (alone, in the foreground).
// The same starters as the end-to-end suite (scripts/servers/), installed by `npm run setup`.
import { type Backend, startAzurite, startKafka, startMoto, startPostgres, startRabbitMQ } from "./servers/backends.ts";
import { startMosquitto, startRedis } from "./servers/packaged.ts";

/** Keeps a started server so that Ctrl-C, or a sibling's failure, stops it. */
export type Keep = <T extends Backend>(server: Promise<T> | T) => Promise<T>;

export interface ServerProfile {
  what: string;
  /** The ports its components name: all listening already means another terminal runs them. */
  ports: number[];
  start: (keep: Keep) => Promise<unknown>;
}

const adapt = (server: { port: number; stop: () => void }): Backend => ({
  ports: { port: server.port },
  stop: async () => server.stop(),
});

export const serverProfiles: Record<string, ServerProfile> = {
  "postgres-kafka": {
    what: "PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Kafka on 127.0.0.1:9092 (controller 9093)",
    ports: [5432, 9092],
    start: (keep) => Promise.all([keep(startPostgres(5432)), keep(startKafka({ broker: 9092, controller: 9093 }))]),
  },
  rabbitmq: {
    what: "RabbitMQ on 127.0.0.1:5672 (guest/guest)",
    ports: [5672],
    start: (keep) => keep(startRabbitMQ(5672)),
  },
  aws: {
    what: "moto (S3 + SQS) on http://127.0.0.1:5055: bucket daprlet-receipts notifying queue daprlet-blob-events",
    ports: [5055],
    start: async (keep) => {
      // The queue must exist before daprd starts: the SQS binding spins on a missing queue.
      const moto = await keep(startMoto(5055));
      moto.s3ToSqs("daprlet-receipts", "daprlet-blob-events");
    },
  },
  azure: {
    what: "Azurite: blob on http://127.0.0.1:10000, queue on 10001, table on 10002 (account devstoreaccount1)",
    ports: [10000, 10001, 10002],
    start: (keep) => keep(startAzurite({ blob: 10000, queue: 10001, table: 10002 })),
  },
  redis: {
    what: "redis-server on 127.0.0.1:6379",
    ports: [6379],
    start: async (keep) => keep(adapt(await startRedis(6379))),
  },
  mqtt: {
    what: "mosquitto on 127.0.0.1:1883",
    ports: [1883],
    start: async (keep) => keep(adapt(await startMosquitto(1883))),
  },
};

/** Servers started through `keep`, stopped together; `stop` during a start waits for it, then stops it too. */
export function serverSet() {
  const servers: Backend[] = [];
  const starting = new Set<Promise<unknown>>();
  const keep: Keep = async (server) => {
    const pending = Promise.resolve(server);
    starting.add(pending);
    try {
      const started = await pending;
      servers.push(started);
      return started;
    } finally {
      starting.delete(pending);
    }
  };
  const stop = async () => {
    await Promise.allSettled([...starting]);
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  };
  return { keep, stop, count: () => servers.length + starting.size };
}
