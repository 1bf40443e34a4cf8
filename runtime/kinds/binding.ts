import type { ComponentName } from "./names.ts";
import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";
import { metadataOf, readJsonOrText } from "./wire.ts";

export interface BindingTrigger<N extends string = string> {
  kind: "binding";
  name: N;
}

/** An input binding (cron, MQTT, queues): daprd POSTs to `/<name>`. @example binding("cron") */
export function binding<const N extends ComponentName<"bindings">>(name: N): BindingTrigger<N> {
  return { kind: "binding", name };
}

export interface BindingEvent<D> {
  data: D;
  binding: string;
  /** The component's metadata, sent by daprd as headers (lower-case keys), e.g. cron's `readtimeutc`. */
  metadata: Record<string, string>;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    binding: BindingEvent<D>;
  }
}

export const bindingKind: TriggerKind<BindingTrigger> = {
  kind: "binding",
  // daprd posts to `/<component name>` (or the component's `route` metadata, which we do not use).
  route: (t) => `/${t.name}`,
  serves: (_t, route) => [
    { method: "OPTIONS", path: route },
    { method: "POST", path: route },
  ],
  describe: (t) => `binding ${t.name}`,
  mount(app, route, _t, serve) {
    app.post(route, serve);
    // daprd probes each input binding with OPTIONS /<name>; only a 2xx or 405 makes it read the binding.
    app.options(route, (c) => c.body(null, 200));
  },
  parse(t, req) {
    const metadata = metadataOf(req.headers);
    // cron sends an empty body; queue bindings send whatever the producer wrote, always labelled
    // application/json: JSON when it parses, else text.
    if (req.body.length === 0) return { bulk: false, messages: [{ ok: true, event: { data: undefined, binding: t.name, metadata } }] };
    const data = readJsonOrText(req.body);
    if (!data.ok) return { bulk: false, messages: [{ ok: false, reason: data.reason, status: 400 }] };
    return { bulk: false, messages: [{ ok: true, event: { data: data.value, binding: t.name, metadata } }] };
  },
  /**
   * Exactly 200 for success: with an inbound retry policy daprd retries even a 204. Bindings have
   * no dead letter, so DROP is acknowledged (and logged) rather than retried forever; RETRY is a
   * 500, which daprd's resiliency and the component then retry.
   */
  answer(_t, { results }) {
    const { verdict } = results[0].outcome;
    const body = { status: verdict.status, ...(verdict.reason ? { reason: verdict.reason } : {}) };
    return { status: verdict.status === "RETRY" ? 500 : 200, body };
  },
  span: (t, route, req) => ({
    name: `${req.method} ${route}`,
    kind: "server",
    attributes: {
      ...httpSpanAttributes(route, req),
      "messaging.system": "dapr",
      "messaging.destination.name": t.name,
      "dapr.binding.name": t.name,
    },
  }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  claims: (t, route) => [{ key: `route POST ${route}`, what: bindingKind.describe(t) }],
  needs: (t) => [{ block: "bindings", name: t.name }],
  track: () => undefined,
  guarded: false,
};
