// The production-like servers behind the backend profiles: the same starters as `npm start <profile>` (scripts/servers/).
export * from "../scripts/servers/backends.ts";
