// The `yaml` package, loaded on first use rather than imported: a built app reads its project from
// the snapshot scripts/build.ts writes (snapshot.ts) and then never loads it, which saves about
// 12 MB of RSS and a quarter of start-up CPU (bench/RESULTS.md, "Fresh install, first start").
import { createRequire } from "node:module";

type Yaml = typeof import("yaml");
const require = createRequire(import.meta.url);
let loaded: Yaml | undefined;

/** `yaml`, required on the first call. */
export const yaml = (): Yaml => {
  loaded ??= require("yaml") as Yaml;
  return loaded;
};
