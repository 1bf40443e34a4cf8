// The end-to-end suite's servers: the same starters as `npm start` and `npm run servers` (scripts/servers/).
export { startTestPlacement as startPlacement, startTestScheduler as startScheduler } from "../scripts/servers/control-plane.ts";
export { type Server, startMosquitto, startRedis } from "../scripts/servers/packaged.ts";
export { listening } from "../scripts/servers/wait.ts";
