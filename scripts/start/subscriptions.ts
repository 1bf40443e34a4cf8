// subscriptions/ is generated from handlers/: bring it in line instead of losing events silently.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { root, StartError, say } from "./supervisor.ts";

/** Regenerates subscriptions/ when `npm run generate --check` finds it stale, saying what differed. */
export function syncSubscriptions() {
  const node = process.execPath;
  const env = { ...process.env, DAPRLET_ROOT: root };
  const check = spawnSync(node, ["scripts/generate.ts", "--check"], { cwd: root, env, encoding: "utf8" });
  if (check.status === 0) return;
  const generate = spawnSync(node, ["scripts/generate.ts"], { cwd: root, env, encoding: "utf8" });
  if (generate.status !== 0) {
    throw new StartError(`handlers/ do not load, so subscriptions/ cannot be generated:\n${generate.stderr || generate.stdout}`);
  }
  const drift = (check.stderr ?? "").split("\n").filter((l) => l.startsWith("✗"));
  say(`subscriptions/ disagreed with handlers/; regenerated it (npm run generate):\n  ${drift.join("\n  ")}`);
  for (const line of (generate.stderr ?? "").split("\n").filter(Boolean)) say(line);
}

/** The `pubsub/topic` pairs subscriptions/ declares, sorted: what daprd must list before we say ready. */
export function expectedSubscriptions(appDir: string) {
  const dir = join(appDir, "subscriptions");
  const topics: string[] = [];
  for (const name of existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : []) {
    const doc = parse(readFileSync(join(dir, name), "utf8")) as { spec?: { pubsubname?: string; topic?: string } };
    if (doc?.spec?.pubsubname && doc.spec.topic) topics.push(`${doc.spec.pubsubname}/${doc.spec.topic}`);
  }
  return topics.sort();
}
