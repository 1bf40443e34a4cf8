// `npm run servers <profile>`: a profile's servers alone (scripts/profiles.ts), in the foreground
// until Ctrl-C, which stops them and removes their data. `npm start <profile>` starts them itself;
// with these already listening (another terminal), it uses them instead.
import { serverProfiles, serverSet } from "./profiles.ts";

const say = (line: string) => process.stdout.write(`[servers] ${line}\n`);

const [name] = process.argv.slice(2).filter((a) => a !== "start");
const profile = name ? serverProfiles[name] : undefined;
if (!profile) {
  process.stderr.write(
    `usage: npm run servers <profile>\n${Object.entries(serverProfiles)
      .map(([p, { what }]) => `  ${p.padEnd(15)} ${what}`)
      .join("\n")}\n`,
  );
  process.exit(name ? 1 : 0);
}

const startedAt = Date.now();
const servers = serverSet();
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await servers.stop();
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
try {
  await profile.start(servers.keep);
} catch (error) {
  process.stderr.write(`[servers] ${(error as Error).message}\n`);
  process.stderr.write("[servers] a port in use? Another copy of this profile, or a system service (`ss -ltnp`)\n");
  await stop(1);
}
say(`${name}: ${profile.what}`);
say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; Ctrl-C stops them and removes their data`);
