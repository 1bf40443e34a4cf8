// The app's entry (`npm run serve`, `dapr run`, the image). Plain JavaScript on purpose: it turns on
// Node's compile cache before any TypeScript is loaded, so a restart skips type-stripping and
// compiling every runtime and handler module again (about half of start-up and 30 MB; see
// bench/RESULTS.md). The cache lives in Node's default place (the OS temp dir);
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Then the wiring (runtime/wiring.ts).
import module from "node:module";

module.enableCompileCache?.();
await import("./wiring.ts");
