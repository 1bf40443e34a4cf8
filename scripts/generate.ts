// `npm run generate` writes subscriptions/ from handlers/; `npm run check` (and a test) fails when
// the committed files disagree, and reports what daprd would get wrong with the YAML as it is.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkProject } from "./check.ts";

const root = process.env.DAPRLET_ROOT ?? process.cwd();
const checking = process.argv.includes("--check");
const { expected, drift, problems, warnings } = await checkProject(root);

// Warnings never fail the check: something to know (a cron binding on several replicas), not a mistake.
for (const line of warnings) console.warn(`! ${line}`);
if (checking) {
  for (const line of [...drift, ...problems]) console.error(`✗ ${line}`);
  if (drift.length || problems.length) {
    console.error(drift.length ? "\nRun `npm run generate` to bring subscriptions/ in line with handlers/." : "");
    process.exit(1);
  }
  console.log(`✓ ${expected.length} subscription files match handlers/; components and resiliency check out`);
} else {
  const dir = join(root, "subscriptions");
  mkdirSync(dir, { recursive: true });
  const keep = new Set(expected.map((f) => f.path));
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (!keep.has(`subscriptions/${name}`) && /\.ya?ml$/.test(name)) rmSync(join(dir, name));
  }
  for (const file of expected) {
    const path = join(root, file.path);
    if (!existsSync(path) || readFileSync(path, "utf8") !== file.contents) writeFileSync(path, file.contents);
  }
  console.log(`wrote ${expected.length} subscription files to subscriptions/`);
  for (const line of problems) console.warn(`! ${line}`);
}
