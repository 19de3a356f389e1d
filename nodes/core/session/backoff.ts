// Delays between reconnect attempts: exponential, capped, with full jitter so that many
// clients restarted together do not all come back in the same instant. While the server's
// address refuses connections (nothing listens: a restart, a short outage) the first 30 s are
// tried every 250–500 ms: a refused TCP connection costs the server nothing, and the session
// is back within half a second of the server. Anything else (a server that accepts and then
// fails, a timeout) backs off exponentially, and so does a refusal that lasts.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A connection that stayed up this long resets the delay to initialMs. */
  stableMs: number;
  /** The delay (up to twice it) between attempts while connections are refused, in the first quickWindowMs. */
  quickMs?: number;
  quickWindowMs?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 60_000, stableMs: 30_000, quickMs: 250, quickWindowMs: 30_000 };

export class Backoff {
  private attempts = 0;
  /** Failures that raise the exponential delay (quick retries do not). */
  private failures = 0;
  private outageSince: number | undefined;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; each call counts one failed attempt (`refused`: nobody listened). */
  next(refused = false): number {
    this.attempts += 1;
    const now = this.now();
    this.outageSince ??= now;
    const { quickMs, quickWindowMs } = this.options;
    if (refused && quickMs !== undefined && quickWindowMs !== undefined && now - this.outageSince < quickWindowMs) {
      return Math.round(quickMs + this.random() * quickMs);
    }
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.failures);
    this.failures += 1;
    // Half fixed, half random: never zero, never above the ceiling.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Connected again: a refusal from now on starts a new outage (the exponential delays still wait for a stable connection to reset). */
  connected(): void {
    this.outageSince = undefined;
  }

  reset(): void {
    this.attempts = 0;
    this.failures = 0;
    this.outageSince = undefined;
  }

  get stableMs(): number {
    return this.options.stableMs;
  }
}
