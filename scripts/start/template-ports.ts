// Every port `npm start` takes for a run template: the apps' own and the local control plane's.
import { controlPlaneOf } from "./control-plane.ts";
import type { App } from "./template.ts";

export function templatePorts(template: { apps: App[] }) {
  return [...template.apps.flatMap((a) => a.ports), ...controlPlaneOf(template.apps[0]).ports];
}
