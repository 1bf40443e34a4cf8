import type { FailureRecord } from "../kinds/topic.ts";

/**
 * Remembers, per message, the last RETRY/DROP reason and how many attempts failed, so a retried
 * delivery can log its attempt number and a dead-letter handler can say *why* a message died:
 * daprd republishes the original bytes (same `id`) to the dead-letter topic without a reason.
 * Per process and bounded: with several replicas the dead-letter delivery may land elsewhere,
 * and then `failure` is simply absent.
 */
export class FailureLog {
  readonly #entries = new Map<string, FailureRecord>();
  readonly limit: number;
  constructor(limit = 10_000) {
    this.limit = limit;
  }

  get(key: string | undefined): FailureRecord | undefined {
    return key ? this.#entries.get(key) : undefined;
  }

  fail(key: string | undefined, reason: string): FailureRecord | undefined {
    if (!key) return undefined;
    const record = { reason, attempts: (this.#entries.get(key)?.attempts ?? 0) + 1 };
    this.#entries.delete(key); // re-insert so the oldest entry is first to go
    this.#entries.set(key, record);
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value as string);
    return record;
  }

  forget(key: string | undefined): void {
    if (key) this.#entries.delete(key);
  }
}
