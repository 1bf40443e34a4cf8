// Pulls the TypeScript examples out of the README and the guides, so the suite can type-check and
// lint them (docs/examples.test.ts): an example that stops compiling fails `npm test`, not a reader.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One fenced ```ts block: where it is, and whether it says it is a fragment (not checked). */
export interface Example {
  /** The markdown file, relative to the project. */
  file: string;
  /** 1-based line of the first line of code (the line after the fence). */
  line: number;
  code: string;
  /** ` ```ts fragment ` blocks are pieces of a larger file: shown, never compiled. */
  fragment: boolean;
  /**
   * The file the block says it is, from a first line such as `// handlers/onPaymentReceived.ts: …`;
   * blocks of one page are written side by side under these paths, so a test block can import its handler.
   */
  path?: string;
}

/** The markdown files whose examples are checked: README.md and every page under docs/. */
export function docFiles(root: string): string[] {
  const pages = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(root, "docs", f));
  return [join(root, "README.md"), ...pages.sort()];
}

/** Every ```ts / ```typescript block of a markdown text. The info string's second word `fragment` marks a fragment. */
export function extractExamples(markdown: string, file: string): Example[] {
  const examples: Example[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, , rest] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    const code = lines
      .slice(start, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join("\n");
    const named = /^\/\/ ([\w./-]+\.ts)\b/.exec(code);
    const example: Example = { file, line: start + 1, code: `${code}\n`, fragment: /\bfragment\b/.test(rest) };
    if (named) example.path = named[1];
    examples.push(example);
    i = end;
  }
  return examples;
}

/** All the examples of a project's docs, with file paths relative to `root`. */
export function projectExamples(root: string): Example[] {
  return docFiles(root).flatMap((path) => extractExamples(readFileSync(path, "utf8"), relative(root, path)));
}

/** Where an example is written: under a folder per page, at the path it names, else a name traceable to its line. */
export const exampleFileName = (e: Example) => `${e.file.replace(/[^\w]+/g, "_")}/${e.path ?? `L${e.line}.ts`}`;
