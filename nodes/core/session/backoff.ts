// Delays between reconnect attempts: exponential, capped, with full jitter so that many
// clients restarted together do not all come back in the same instant.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A connection that stayed up this long resets the delay to initialMs. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 60_000, stableMs: 30_000 };

export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.failures;
  }

  /** The delay before the next attempt; each call counts one failure. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.failures);
    this.failures += 1;
    // Half fixed, half random: never zero, never above the ceiling.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.failures = 0;
  }

  get stableMs(): number {
    return this.options.stableMs;
  }
}
