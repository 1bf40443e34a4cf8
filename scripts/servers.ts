// `npm run servers <profile>`: the servers a components/<profile>/ folder talks to, on the ports its
// YAML names, in the foreground until Ctrl-C (which stops them and removes their data). The same
// starters as the end-to-end suite (e2e/backends.ts), installed by `npm run setup`. Then run the app
// on that profile in another terminal (dapr.yaml's resourcesPaths: see README, "Profiles").
import { type Backend, startAzurite, startKafka, startMoto, startPostgres, startRabbitMQ } from "../e2e/backends.ts";
import { startMosquitto, startRedis } from "../e2e/servers.ts";

const say = (line: string) => process.stdout.write(`[servers] ${line}\n`);
// Every server that started, so Ctrl-C or a sibling's failure stops it.
const servers: Backend[] = [];
const keep = async <T extends Backend>(server: Promise<T> | T): Promise<T> => {
  const started = await server;
  servers.push(started);
  return started;
};

// Ports as components/<profile>/*.yaml name them.
const profiles: Record<string, { what: string; start: () => Promise<unknown> }> = {
  "postgres-kafka": {
    what: "PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Kafka on 127.0.0.1:9092 (controller 9093)",
    start: () => Promise.all([keep(startPostgres(5432)), keep(startKafka({ broker: 9092, controller: 9093 }))]),
  },
  rabbitmq: {
    what: "RabbitMQ on 127.0.0.1:5672 (guest/guest)",
    start: () => keep(startRabbitMQ(5672)),
  },
  aws: {
    what: "moto (S3 + SQS) on http://127.0.0.1:5055: bucket daprlet-receipts notifying queue daprlet-blob-events",
    start: async () => {
      const moto = await keep(startMoto(5055));
      moto.s3ToSqs("daprlet-receipts", "daprlet-blob-events");
    },
  },
  azure: {
    what: "Azurite: blob on http://127.0.0.1:10000, queue on 10001, table on 10002 (account devstoreaccount1)",
    start: () => keep(startAzurite({ blob: 10000, queue: 10001, table: 10002 })),
  },
  redis: {
    what: "redis-server on 127.0.0.1:6379",
    start: async () => keep(adapt(await startRedis(6379))),
  },
  mqtt: {
    what: "mosquitto on 127.0.0.1:1883",
    start: async () => keep(adapt(await startMosquitto(1883))),
  },
};

function adapt(server: { port: number; stop: () => void }): Backend {
  return { ports: { port: server.port }, stop: async () => server.stop() };
}

const [name] = process.argv.slice(2).filter((a) => a !== "start");
const profile = name ? profiles[name] : undefined;
if (!profile) {
  process.stderr.write(
    `usage: npm run servers <profile>\n${Object.entries(profiles)
      .map(([p, { what }]) => `  ${p.padEnd(15)} ${what}`)
      .join("\n")}\n`,
  );
  process.exit(name ? 1 : 0);
}

const startedAt = Date.now();
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
try {
  await profile.start();
} catch (error) {
  process.stderr.write(`[servers] ${(error as Error).message}\n`);
  process.stderr.write("[servers] a port in use? Another copy of this profile, or a system service (`ss -ltnp`)\n");
  await stop(1);
}
say(`${name}: ${profile.what}`);
say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; Ctrl-C stops them and removes their data`);
