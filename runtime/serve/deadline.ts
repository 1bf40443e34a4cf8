// A delivery's deadline: inputs, `handle` and effects must be done within it, shorter than
// daprd's inbound timeout (30 s by default, or resiliency's), so that the runtime answers RETRY
// itself instead of daprd giving up on a request that goes on applying effects while the retry
// runs beside it.

/** DAPRLET_DEADLINE_MS, default 25 s: below daprd's 30 s default inbound timeout. */
export const defaultDeadlineMs = () => Number(process.env.DAPRLET_DEADLINE_MS ?? 25_000);

/** Thrown (rejected) by `race` once the deadline has passed; the pipeline turns it into the `deadline` fact. */
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
  /** Aborts the sidecar calls in flight when the deadline passes (made on first use). */
  signal(): AbortSignal;
  /** Throws DeadlinePassed when the deadline has passed: no stage, no effect starts after it. */
  check(stage: string): void;
  /** The value, or DeadlinePassed if the deadline comes first (a promise that never settles included). */
  race<T>(value: T | PromiseLike<T>, stage: string): Promise<T>;
  /** Stops the timer. */
  end(): void;
}

/** Starts a deadline of `ms` from now. The timer and the signal exist only once something waits. */
export function startDeadline(ms: number): Deadline {
  const at = performance.now() + ms;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (!controller) {
      const c = new AbortController();
      controller = c;
      const left = Math.max(0, at - performance.now());
      timer = setTimeout(() => c.abort(), left);
      timer.unref?.();
    }
    return controller.signal;
  };
  const passed = () => controller?.signal.aborted || performance.now() >= at;
  return {
    ms,
    signal: arm,
    check(stage) {
      if (passed()) throw new DeadlinePassed(ms, stage);
    },
    async race(value, stage) {
      if (passed()) throw new DeadlinePassed(ms, stage);
      const signal = arm();
      let stop = () => {};
      const expired = new Promise<never>((_, fail) => {
        const onAbort = () => fail(new DeadlinePassed(ms, stage));
        signal.addEventListener("abort", onAbort, { once: true });
        stop = () => signal.removeEventListener("abort", onAbort);
      });
      try {
        return await Promise.race([value, expired]);
      } finally {
        stop();
      }
    },
    end() {
      if (timer) clearTimeout(timer);
    },
  };
}
