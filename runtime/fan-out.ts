// Several handlers of one delivery (three handlers of `shipment-created`: a receipt, a reminder and
// analytics) are served from one route: the first one's in name order, so the generated
// Subscription names one path and daprd delivers each message once, to all of them. Used at boot
// (discovery, so the YAML and the banner see the shared route) and by createApp (handlers given
// straight to it, as tests do); grouping an already grouped list changes nothing.
import type { HandlerDescriptor } from "./descriptor.ts";
import { triggerKindOf } from "./kinds/triggers.ts";

/** The handlers with each group's shared route and member names set; a handler alone is left as it is. */
export function fanOut(handlers: readonly HandlerDescriptor[]): HandlerDescriptor[] {
  const keyOf = (d: HandlerDescriptor) => triggerKindOf(d.trigger).shares?.(d.trigger);
  const groups = Map.groupBy(
    handlers.filter((d) => keyOf(d) !== undefined),
    (d) => keyOf(d) as string,
  );
  const shared = new Map<HandlerDescriptor, { route: string; names: string[] }>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const members = group.toSorted((a, b) => a.name.localeCompare(b.name));
    const names = members.map((d) => d.name);
    // The first member's own route (before any grouping), so it does not move when the list is grouped again.
    const route = triggerKindOf(members[0].trigger).route(members[0].trigger, members[0].name);
    for (const d of members) shared.set(d, { route, names });
  }
  return handlers.map((d) => {
    const group = shared.get(d);
    return group ? { ...d, route: group.route, fanOut: group.names } : d;
  });
}

/**
 * The handlers grouped by delivery, in first-seen order: one entry per handler, or per fan-out
 * group (one route to mount). Not by route alone: invoked handlers share paths under different methods.
 */
export const byDelivery = (handlers: readonly HandlerDescriptor[]) => [
  ...Map.groupBy(handlers, (d): unknown => (d.fanOut ? `fan-out ${d.route}` : d)).values(),
];
