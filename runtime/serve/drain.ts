// Graceful drain: on SIGTERM the app stops taking new requests, lets the ones in flight finish
// (their effects included: an answer is only made after the effects ran), then closes.

/** A request handler as `serve()` takes it. */
type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export interface Drain {
  /** Wraps the app's fetch: counts requests in flight, and answers 503 to new ones once draining. */
  wrap<F extends Fetch>(fetch: F): F;
  /** Stops taking requests; resolves with how many were still in flight after `timeoutMs` (0: all finished). */
  start(timeoutMs: number): Promise<number>;
  readonly draining: boolean;
  readonly inFlight: number;
}

/**
 * What daprd does with the 503 a new request gets while the app drains: a pub/sub delivery is a
 * retriable error, retried by the inbound policy (and held once daprd sees the app unhealthy:
 * the health probe gets 503 too); an input binding event is an error the binding's policy or
 * component retries; a service invocation returns the 503 (with Retry-After) to its caller.
 * `Connection: close` makes daprd open a new connection for its retry instead of reusing this one.
 */
export function createDrain(): Drain {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const refuse = () =>
    new Response(JSON.stringify({ error: "shutting down: retry" }), {
      status: 503,
      headers: { "content-type": "application/json", connection: "close", "retry-after": "1" },
    });
  return {
    wrap<F extends Fetch>(fetch: F): F {
      const done = () => {
        inFlight--;
        if (inFlight === 0) idle?.();
      };
      // Not an async function: the common answer (a promise) gets one callback, not another layer of awaits.
      return ((request: Request, ...rest: never[]) => {
        if (draining) return refuse();
        inFlight++;
        let answer: Response | Promise<Response>;
        try {
          answer = fetch(request, ...rest);
        } catch (error) {
          done();
          throw error;
        }
        if (!(answer instanceof Promise)) {
          done();
          return answer;
        }
        return answer.then(
          (response: Response) => {
            done();
            return response;
          },
          (error: unknown) => {
            done();
            throw error;
          },
        );
      }) as F;
    },
    async start(timeoutMs) {
      draining = true;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((done) => {
            idle = done;
          }),
          new Promise<void>((done) => {
            timer = setTimeout(done, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
      return inFlight;
    },
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
