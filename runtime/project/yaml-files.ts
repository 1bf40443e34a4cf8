import { readdirSync } from "node:fs";

/** The YAML files directly in `dir`, sorted; none when it does not exist. */
export function yamlFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return [];
  }
}
