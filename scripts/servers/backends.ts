// Longer than most (≈330 lines): one starter per backend server (PostgreSQL, Kafka, RabbitMQ, moto, Azurite), each ~40 lines over one shared `run`.
// The production-like servers behind the backend profiles (components/postgres-kafka, rabbitmq, aws,
// azure), each started as its own throwaway instance: on free ports for a test, or on the components'
// default ports for a local run (scripts/servers.ts). Installed by scripts/setup-servers.sh: Debian's
// PostgreSQL and RabbitMQ, and pinned Kafka jars, moto and Azurite in .tools/.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, globSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkoutRoot, freePort, listening, waitFor } from "./wait.ts";

export const toolsDir = process.env.DAPRLET_TOOLS ?? join(checkoutRoot, ".tools");
export const versions = { kafka: "4.3.1", moto: "5.2.5", azurite: "3.35.0" } as const;
const setupHint = "run `npm run setup` (scripts/setup-servers.sh installs it)";

export interface Backend {
  /** What a component needs to reach it: host:port pairs, URLs. */
  ports: Record<string, number>;
  /** Stops every process it started and removes its data. */
  stop: () => Promise<void>;
}

/** A server in its own process group (its children stop with it), with its output kept for errors. */
function run(name: string, command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async (graceMs = 3000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
    await exited;
  };
  return {
    child,
    output: () => output,
    /** Fails at once, with its last words, if the server exits before it is ready; a server not ready in time is stopped and its data removed. */
    ready: <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number) =>
      Promise.race([
        waitFor(what, check, timeoutMs),
        exited.then(() => {
          throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${what}`);
        }),
      ]).catch(async (error: Error) => {
        await stop(0);
        rmSync(options.cwd, { recursive: true, force: true });
        throw new Error(`${error.message}\n--- ${name} output ---\n${output.slice(-3000)}`);
      }),
    stop,
  };
}

const isRoot = process.getuid?.() === 0;
const port = (fixed: number | undefined) => (fixed ? Promise.resolve(fixed) : freePort());
const scratch = (name: string) => mkdtempSync(join(tmpdir(), `daprlet-${name}-`));

// ---------------------------------------------------------------------------------------------
// PostgreSQL 15 from Debian. It refuses to run as root: as root, initdb and postgres run as the
// `postgres` user (setpriv execs, so the pid we hold is the postmaster's). Once it is up it gets
// the configuration store's table and trigger (postgres-configuration.sql), so that daprd's
// configuration.postgresql, which refuses to start without its table, finds them.

/** The SQL behind components/postgres-kafka/configstore.yaml, also for a database of your own (`psql -f`). */
export const postgresConfigurationSql = join(import.meta.dirname, "postgres-configuration.sql");

export interface Postgres extends Backend {
  connectionString: string;
  /** Runs SQL with psql and returns its rows unaligned (`a|b`, one a line). */
  sql: (statement: string) => string;
}

export async function startPostgres(fixed?: number): Promise<Postgres> {
  const bin = globSync("/usr/lib/postgresql/*/bin").sort().pop();
  if (!bin) throw new Error(`PostgreSQL not found (/usr/lib/postgresql/*/bin): ${setupHint}`);
  const pgPort = await port(fixed);
  const dir = scratch("postgres");
  const asPostgres = (command: string, args: string[]) =>
    isRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args]] : [command, args];
  if (isRoot)
    chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const [initCmd, initArgs] = asPostgres(join(bin, "initdb"), [
    "-D",
    join(dir, "data"),
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  execFileSync(initCmd as string, initArgs as string[], { cwd: dir, stdio: "pipe" });
  const settings = [
    `listen_addresses=127.0.0.1`,
    `port=${pgPort}`,
    `unix_socket_directories=${dir}`,
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
  ];
  const [cmd, args] = asPostgres(join(bin, "postgres"), ["-D", join(dir, "data"), ...settings.flatMap((s) => ["-c", s])]);
  const server = run("postgres", cmd as string, args as string[], { cwd: dir });
  await server.ready(`postgres to accept connections on ${pgPort}`, () => server.output().includes("ready to accept connections"), 30_000);
  const connectionString = `host=127.0.0.1 port=${pgPort} user=postgres dbname=postgres sslmode=disable`;
  // Over TCP as the postgres user (trust), so no setpriv; -X: no ~/.psqlrc.
  const psql = (args: string[]) =>
    execFileSync(join(bin, "psql"), ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", connectionString, ...args], {
      encoding: "utf8",
      stdio: "pipe",
    });
  try {
    psql(["-f", postgresConfigurationSql]);
  } catch (error) {
    await server.stop(0);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postgres-configuration.sql failed on ${pgPort}: ${(error as { stderr?: string }).stderr ?? error}`);
  }
  return {
    ports: { postgres: pgPort },
    connectionString,
    sql: (statement) => psql(["-c", statement]),
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Kafka in KRaft mode (one broker + controller), from the Maven Central jars in .tools/.

export async function startKafka(fixed?: { broker: number; controller: number }): Promise<Backend & { brokers: string }> {
  const libs = join(toolsDir, `kafka-${versions.kafka}`, "libs");
  if (!existsSync(libs)) throw new Error(`Kafka ${versions.kafka} not found in ${libs}: ${setupHint}`);
  const java = findJava();
  const [broker, controller] = fixed ? [fixed.broker, fixed.controller] : [await freePort(), await freePort()];
  const dir = scratch("kafka");
  const props = join(dir, "server.properties");
  writeFileSync(
    props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${broker},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${broker}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      `log.dirs=${join(dir, "data")}`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=1",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "",
    ].join("\n"),
  );
  const classpath = `${libs}/*`;
  // A cluster id is 16 random bytes in URL-safe base64 (what `kafka-storage random-uuid` prints). Like
  // Kafka's own Uuid.randomUuid, never one that starts with "-": the tool's parser reads it as an option
  // (1 run in 64 failed CI that way). It is passed as `--cluster-id=` too, so no value can be mistaken.
  let clusterId = randomBytes(16).toString("base64url");
  while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
  const jvm = ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"];
  execFileSync(java, [...jvm, "-cp", classpath, "kafka.tools.StorageTool", "format", `--cluster-id=${clusterId}`, "-c", props], {
    cwd: dir,
    stdio: "pipe",
  });
  const server = run("kafka", java, [...jvm, "-Dorg.apache.logging.log4j.level=INFO", "-cp", classpath, "kafka.Kafka", props], {
    cwd: dir,
  });
  await server.ready(
    `Kafka to start on ${broker}`,
    async () => server.output().includes("Kafka Server started") && (await listening(broker)),
    90_000,
  );
  return {
    ports: { broker, controller },
    brokers: `127.0.0.1:${broker}`,
    stop: async () => {
      // A combined node's SIGTERM can take 30 s: it is a throwaway, so it gets little grace.
      await server.stop(2000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findJava(): string {
  try {
    return execFileSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`java not found: ${setupHint} (it installs openjdk-17-jre-headless)`);
  }
}

// ---------------------------------------------------------------------------------------------
// RabbitMQ from Debian, as one node with its own epmd port, node name, data and cookie, so it
// neither meets a system RabbitMQ nor a concurrent test's.

export async function startRabbitMQ(fixed?: number): Promise<Backend & { url: string }> {
  const script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
  if (!existsSync(script)) throw new Error(`RabbitMQ not found (${script}): ${setupHint}`);
  const [amqp, dist, epmdPort] = [await port(fixed), await freePort(), await freePort()];
  const dir = scratch("rabbitmq");
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  writeFileSync(join(dir, "rabbitmq.conf"), `listeners.tcp.1 = 127.0.0.1:${amqp}\nloopback_users = none\n`);
  const env = {
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_NODENAME: `rabbit${amqp}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(amqp),
    RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_LOGS: "-",
    RABBITMQ_PID_FILE: join(dir, "rabbit.pid"),
    // The distribution port on loopback only (it binds 0.0.0.0 otherwise).
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel inet_dist_use_interface {127,0,0,1}`,
  };
  // epmd first, in the foreground and ours: under load the node's own epmd start can come too late.
  const epmd = run("epmd", "epmd", ["-address", "127.0.0.1", "-port", String(epmdPort)], { cwd: dir });
  await epmd.ready(`epmd on ${epmdPort}`, () => listening(epmdPort), 10_000);
  const server = run("rabbitmq", script, [], { cwd: dir, env });
  await server
    .ready(`RabbitMQ to listen on ${amqp}`, () => listening(amqp), 90_000)
    .catch(async (error) => {
      await epmd.stop(0);
      throw error;
    });
  return {
    ports: { amqp },
    url: `amqp://guest:guest@127.0.0.1:${amqp}`,
    stop: async () => {
      await server.stop(5000);
      await epmd.stop(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// moto (S3 + SQS) from PyPI, in .tools/moto-<version>/ (a venv). `s3ToSqs` creates a queue, a
// bucket, and the bucket's ObjectCreated notification to the queue, as S3 is configured in
// production (with boto3, which moto depends on).

export async function startMoto(fixed?: number): Promise<Backend & { endpoint: string; s3ToSqs: (bucket: string, queue: string) => void }> {
  const venv = join(toolsDir, `moto-${versions.moto}`);
  if (!existsSync(join(venv, "bin", "moto_server"))) throw new Error(`moto ${versions.moto} not found in ${venv}: ${setupHint}`);
  const motoPort = await port(fixed);
  const dir = scratch("moto");
  const server = run("moto", join(venv, "bin", "moto_server"), ["-H", "127.0.0.1", "-p", String(motoPort)], { cwd: dir });
  const endpoint = `http://127.0.0.1:${motoPort}`;
  await server.ready(`moto on ${motoPort}`, async () => (await fetch(`${endpoint}/moto-api/`).catch(() => undefined))?.ok, 30_000);
  return {
    ports: { moto: motoPort },
    endpoint,
    s3ToSqs: (bucket, queue) =>
      execFileSync(join(venv, "bin", "python"), ["-c", S3_TO_SQS, endpoint, bucket, queue], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" },
        stdio: "pipe",
      }),
    stop: async () => {
      await server.stop(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const S3_TO_SQS = `
import sys, boto3
endpoint, bucket, queue = sys.argv[1:4]
sqs = boto3.client("sqs", endpoint_url=endpoint)
arn = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName=queue)["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3 = boto3.client("s3", endpoint_url=endpoint)
s3.create_bucket(Bucket=bucket)
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
`;

// ---------------------------------------------------------------------------------------------
// Azurite (blob, queue, table) from npm, in .tools/azurite-<version>/, in memory. Never without
// --disableTelemetry: from 3.33 it sends Application Insights telemetry.

export async function startAzurite(fixed?: { blob: number; queue: number; table: number }): Promise<Backend> {
  const main = join(toolsDir, `azurite-${versions.azurite}`, "node_modules", "azurite", "dist", "src", "azurite.js");
  if (!existsSync(main)) throw new Error(`Azurite ${versions.azurite} not found in ${main}: ${setupHint}`);
  const [blob, queue, table] = fixed ? [fixed.blob, fixed.queue, fixed.table] : [await freePort(), await freePort(), await freePort()];
  const dir = scratch("azurite");
  const args = [
    main,
    "--silent",
    "--disableTelemetry",
    "--inMemoryPersistence",
    "--skipApiVersionCheck",
    "--loose",
    ...["--blobHost", "127.0.0.1", "--blobPort", String(blob)],
    ...["--queueHost", "127.0.0.1", "--queuePort", String(queue)],
    ...["--tableHost", "127.0.0.1", "--tablePort", String(table)],
  ];
  const server = run("azurite", process.execPath, args, { cwd: dir });
  await server.ready(`Azurite on ${blob} and ${queue}`, async () => (await listening(blob)) && (await listening(queue)), 30_000);
  return {
    ports: { blob, queue, table },
    stop: async () => {
      await server.stop(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
