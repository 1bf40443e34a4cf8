// A delivery's deadline: inputs, `handle` and effects must be done within it, shorter than
// daprd's inbound timeout (30 s by default, or resiliency's), so that the runtime answers RETRY
// itself instead of daprd giving up on a request that goes on applying effects while the retry
// runs beside it.

/** DAPRLET_DEADLINE_MS, default 25 s: below daprd's 30 s default inbound timeout. */
export const defaultDeadlineMs = () => Number(process.env.DAPRLET_DEADLINE_MS ?? 25_000);

/** Thrown (rejected) once the deadline has passed; the pipeline turns it into the `deadline` fact. */
export class DeadlinePassed extends Error {
  override name = "DeadlinePassed";
  readonly stage: string;
  constructor(ms: number, stage: string) {
    super(`deadline of ${ms} ms passed in ${stage}`);
    this.stage = stage;
  }
}

export interface Deadline {
  readonly ms: number;
  /** When it passes (`Date.now()` time): sidecar calls are given no longer than this (`CallContext.deadlineAt`). */
  readonly at: number;
  /** Throws DeadlinePassed when the deadline has passed: no stage, no effect starts after it. */
  check(stage: string): void;
  /** The value, or DeadlinePassed if the deadline comes first (a promise that never settles included). */
  race<T>(value: T | PromiseLike<T>, stage: string): Promise<T>;
}

/**
 * Starts a deadline of `ms` from now. Only `race` (the handler's own asynchronous code) needs a
 * timer; sidecar calls carry the deadline in their own timeout, so the common delivery costs none.
 */
export function startDeadline(ms: number): Deadline {
  const at = Date.now() + ms;
  return {
    ms,
    at,
    check(stage) {
      if (Date.now() >= at) throw new DeadlinePassed(ms, stage);
    },
    async race(value, stage) {
      if (Date.now() >= at) throw new DeadlinePassed(ms, stage);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new DeadlinePassed(ms, stage)), at - Date.now());
      });
      try {
        return await Promise.race([value, expired]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
