// `npm run check`'s warnings about topics, read from the sources as checkSourceNames reads
// component names (literal names only): a subscription nothing in the project publishes to, and a
// publish to a topic no app subscribes to. Warnings: a publisher or subscriber may live outside.
import type { HandlerDescriptor } from "../descriptor.ts";
import { triggerKindOf } from "../kinds/triggers.ts";

/** `pubsub/topic` of every literal `publish("pubsub", "topic" | cond ? "a" : "b", …)` in `text`. */
function publishedIn(text: string): string[] {
  return [...text.matchAll(/\bpublish\(\s*["'`]([^"'`$]+)["'`]\s*,([^,]*)/g)].flatMap(([, pubsub, arg]) =>
    [...arg.matchAll(/["'`]([^"'`$]+)["'`]/g)].map(([, topic]) => `${pubsub}/${topic}`),
  );
}

/** The warnings, over every app's handlers and sources; `declared` is the text of your own .d.ts files (ExternalTopics). */
export function topicFlowWarnings(
  apps: { handlers: HandlerDescriptor[]; sources: { file: string; text: string }[] }[],
  declared: string,
): string[] {
  const subscriptions = apps.flatMap((a) =>
    a.handlers.flatMap((d) => {
      const s = triggerKindOf(d.trigger).subscription?.(d.trigger);
      return s ? [{ file: d.file, ...s }] : [];
    }),
  );
  const subscribed = new Set(subscriptions.map((s) => `${s.pubsub}/${s.topic}`));
  // daprd publishes the dead letters itself.
  const published = new Set(subscriptions.flatMap((s) => (s.deadLetterTopic ? [`${s.pubsub}/${s.deadLetterTopic}`] : [])));
  const warnings: string[] = [];
  for (const { file, text } of apps.flatMap((a) => a.sources)) {
    for (const key of publishedIn(text)) {
      published.add(key);
      const topic = key.slice(key.indexOf("/") + 1);
      if (subscribed.has(key) || declared.includes(`"${topic}"`) || declared.includes(` ${topic}:`)) continue;
      warnings.push(
        `${file} publishes to ${key}, which no app in dapr.yaml subscribes to: fix the topic, or declare it for an outside subscriber in ExternalTopics (docs/components.md, "Typed names")`,
      );
    }
  }
  for (const s of subscriptions) {
    const key = `${s.pubsub}/${s.topic}`;
    if (published.has(key)) continue;
    warnings.push(
      `${s.file} subscribes to ${key}, which no handler of the project publishes to: an outside publisher may (ignore this if so)`,
    );
  }
  return [...new Set(warnings)];
}
