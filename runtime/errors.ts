/** The runtime's own errors (bad handler files, bad YAML), kept apart from errors thrown by handlers. */
export class DaprletError extends Error {
  override name = "DaprletError";
  constructor(message: string, options?: ErrorOptions) {
    super(`[daprlet] ${message}`, options);
  }
}

/** Several problems found at once, so a user fixes them in one go rather than one per restart. */
export function failWith(problems: string[], headline: string): void {
  if (problems.length === 0) return;
  throw new DaprletError(`${headline}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}
