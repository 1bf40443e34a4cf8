// `npm run generate` writes subscriptions/ from handlers/, and (with deploy/cluster.yaml) each app's
// Configuration to deploy/kubernetes/generated/; `npm run check` (and a test) fails when the
// committed files disagree, and reports what daprd would get wrong with the YAML as it is.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkProject } from "./check.ts";

const root = process.env.DAPRLET_ROOT ?? process.cwd();
const checking = process.argv.includes("--check");
const { expected, stale, drift, problems, warnings, flow } = await checkProject(root);

// Warnings never fail the check: something to know (a cron binding on several replicas), not a mistake.
for (const line of [...warnings, ...flow]) console.warn(`! ${line}`);
if (checking) {
  for (const line of [...drift, ...problems]) console.error(`✗ ${line}`);
  if (drift.length || problems.length) {
    console.error(drift.length ? "\nRun `npm run generate` to bring the generated files in line with the handlers." : "");
    process.exit(1);
  }
  console.log(`✓ ${expected.length} generated files match the handlers; components, resiliency and access control check out`);
} else {
  for (const path of stale) rmSync(join(root, path));
  for (const file of expected) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path) || readFileSync(path, "utf8") !== file.contents) writeFileSync(path, file.contents);
  }
  console.log(`wrote ${expected.length} generated files (subscriptions/, handlers/daprlet.d.ts, deploy/kubernetes/generated/)`);
  for (const line of problems) console.warn(`! ${line}`);
}
