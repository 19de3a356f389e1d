// A token bucket per sender: at most `perSecond` messages a second from one sender, with bursts of
// up to `burst`; beyond that the caller drops and we count. Bounded in memory however many senders.

export interface SenderRateLimitOptions {
  /** Messages a second each sender earns, for good; above 0. */
  perSecond: number;
  /** How many a sender may send at once after being quiet; at least 1. */
  burst: number;
  /** At most this many senders are remembered (the least recently seen is forgotten first). */
  maxSenders?: number;
  /** The clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * What to do with one message: 'pass'; 'drop'; or 'burst', a drop that starts a burst of drops
 * from this sender (the moment to say so once in the log, not for every message).
 */
export type Verdict = 'pass' | 'drop' | 'burst';

interface Bucket {
  tokens: number;
  at: number;
  /** Dropping since the bucket was last full: later drops belong to the same burst. */
  flooding: boolean;
}

export const DEFAULT_MAX_SENDERS = 5000;

export class SenderRateLimit {
  /** Messages dropped so far, from anyone. */
  dropped = 0;
  /** The sender of the last dropped message. */
  lastDropped: string | undefined;
  private readonly droppedFrom = new Set<string>();
  // A Map iterates in insertion order: re-inserting on each message keeps the least recently
  // seen sender first, which makes it an LRU without a list of its own.
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxSenders: number;
  private readonly now: () => number;

  constructor(options: SenderRateLimitOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) throw new RangeError('perSecond must be a number above 0');
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) throw new RangeError('burst must be a number of at least 1');
    this.perMs = options.perSecond / 1000;
    this.burst = Math.floor(options.burst);
    this.maxSenders = Math.max(1, Math.floor(options.maxSenders ?? DEFAULT_MAX_SENDERS));
    this.now = options.now ?? Date.now;
  }

  /** Counts one message from `sender` and says whether it may pass. */
  take(sender: string): Verdict {
    const now = this.now();
    this.forgetIdle(now);
    const bucket = this.buckets.get(sender) ?? { tokens: this.burst, at: now, flooding: false };
    this.buckets.delete(sender);
    this.buckets.set(sender, bucket);
    this.refill(bucket, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.evictBeyondBound();
      return 'pass';
    }
    this.dropped += 1;
    this.lastDropped = sender;
    if (this.droppedFrom.size < this.maxSenders) this.droppedFrom.add(sender);
    this.evictBeyondBound();
    if (bucket.flooding) return 'drop';
    bucket.flooding = true;
    return 'burst';
  }

  /** How many different senders had messages dropped (counted up to the sender bound). */
  get droppedSenders(): number {
    return this.droppedFrom.size;
  }

  /** Senders remembered now; never above maxSenders. */
  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    // A clock that goes backwards earns nothing rather than a negative balance.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perMs);
    bucket.at = now;
    // Back to a full allowance: the sender slowed down, so a later drop is a new burst.
    if (bucket.tokens >= this.burst) bucket.flooding = false;
  }

  /**
   * A sender whose bucket has filled up again is no different from one never seen: forgetting it
   * changes nothing. Checking the least recently seen one at each message keeps the map small.
   */
  private forgetIdle(now: number): void {
    for (const [sender, bucket] of this.buckets) {
      const full = bucket.tokens + Math.max(0, now - bucket.at) * this.perMs >= this.burst;
      if (!full) return;
      this.buckets.delete(sender);
    }
  }

  private evictBeyondBound(): void {
    for (const sender of this.buckets.keys()) {
      if (this.buckets.size <= this.maxSenders) return;
      this.buckets.delete(sender);
    }
  }
}
