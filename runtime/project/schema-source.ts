// Where a handler's schema value comes from, read from its source: the generated topic payloads
// (handlers/daprlet.d.ts) name the schema itself, `typeof import("./lib/order.ts")["Order"]`.
// Naming the handler instead (`typeof import("./onOrderCreated.ts")["onOrderCreated"]["schema"]`)
// makes TypeScript infer the handler's type from its own `handle`, which publishes to a topic
// typed by it: a handler publishing to its own topic (or two handlers publishing to each other's)
// then reports TS7022 "implicitly has type 'any'… referenced directly or indirectly in its own
// initializer". A schema written inline, or computed, is not found: its topic's payload is `unknown`.

/** The module and export a schema value can be imported from. */
export interface SchemaSource {
  /** As written in the handler (`./lib/order.ts`, a package), or undefined for the handler's own file. */
  from?: string;
  name: string;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** The index just past the string, template or comment starting at `i`, or `i` when none starts there. */
function skipLiteral(source: string, i: number): number {
  const c = source[i];
  if (c === "/" && source[i + 1] === "/") return (source.indexOf("\n", i) + 1 || source.length) - 1;
  if (c === "/" && source[i + 1] === "*") return (source.indexOf("*/", i + 2) + 2 || source.length) - 1;
  if (c !== '"' && c !== "'" && c !== "`") return i;
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === "\\") j++;
    else if (source[j] === c) return j;
  }
  return source.length;
}

/** The expression of the `schema` property of the object passed to `defineHandler(…)`, when it is a name (`Order`). */
export function handlerSchemaName(source: string): string | undefined {
  const call = source.indexOf("defineHandler(");
  if (call < 0) return undefined;
  let depth = 0;
  for (let i = source.indexOf("{", call); i >= 0 && i < source.length; i++) {
    const skipped = skipLiteral(source, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = source[i];
    if ("({[".includes(c)) depth++;
    else if (")}]".includes(c) && --depth === 0) return undefined;
    else if (depth === 1 && /[\s,{]/.test(source[i - 1]) && source.startsWith("schema", i)) {
      const m = /^schema\s*(?::\s*([A-Za-z_$][\w$]*)\s*)?[,}\n]/.exec(source.slice(i, i + 200));
      if (m) return m[1] ?? "schema"; // `schema,`: shorthand for a variable named schema
    }
  }
  return undefined;
}

/** Where `name` (a value in the handler's file) is importable from: an import of it, or the file's own export. */
export function schemaSource(source: string): SchemaSource | undefined {
  const local = handlerSchemaName(source);
  if (!local || !identifier.test(local)) return undefined;
  for (const [, names, from] of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    for (const spec of names.split(",").map((s) => s.trim())) {
      if (spec.startsWith("type ")) continue;
      const [imported, as = imported] = spec.split(/\s+as\s+/);
      if (as === local) return { from, name: imported };
    }
  }
  const exported =
    new RegExp(`export\\s+const\\s+${local.replace("$", "\\$")}\\b`).test(source) ||
    [...source.matchAll(/export\s*\{([^}]*)\}(?!\s*from)/g)].some(([, names]) => names.split(",").some((n) => n.trim() === local));
  return exported ? { name: local } : undefined;
}
