// Fills Node's compile cache for this project, then exits: the image runs it once at build time
// (deploy/Dockerfile), so a new container reads compiled code instead of compiling every module of
// the runtime, its packages and the handlers (bench/RESULTS.md, "Fresh install, first start").
// It boots the app as main.js does, on a free port with the log off, flushes the cache and stops.
// Run it with the node flags of the command that will read the cache: V8 rejects code cached under
// other flags. NODE_COMPILE_CACHE names the folder (else Node's default, in the OS temp dir).
import module from "node:module";

process.env.APP_PORT = "0";
process.env.APP_CHANNEL_ADDRESS = "127.0.0.1";
process.env.DAPRLET_LOG = "off";
await import("./main.js");
const directory = module.getCompileCacheDir?.();
module.flushCompileCache?.();
console.log(`[daprlet] compile cache filled${directory ? ` in ${directory}` : ""}`);
process.kill(process.pid, "SIGTERM");
