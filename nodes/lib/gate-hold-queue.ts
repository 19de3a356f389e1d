// The presence gate's held messages: one queue per recipient (bare JID), bounded by count and
// age, in arrival order. No Node-RED here: the node persists snapshot() and loads restore().

/** What is kept of a held message: a JSON copy, when it arrived, and its done (gone after a restart). */
export interface HeldEntry<M> {
  msg: M;
  /** Epoch milliseconds of arrival. */
  at: number;
  done?: (err?: Error) => void;
}

/** The persisted form: JSON only, no done functions. */
export type HeldSnapshot<M> = Record<string, Array<{ msg: M; at: number }>>;

export interface HoldLimits {
  /** At most this many messages per recipient. */
  maxCount: number;
  /** A message older than this many milliseconds expires. */
  maxAgeMs: number;
}

export class HoldQueue<M> {
  private readonly queues = new Map<string, Array<HeldEntry<M>>>();

  constructor(private readonly limits: HoldLimits) {}

  /** Adds at the end of the recipient's queue; false (nothing added) when that queue is full. */
  add(recipient: string, entry: HeldEntry<M>): boolean {
    const queue = this.queues.get(recipient) ?? [];
    if (queue.length >= this.limits.maxCount) return false;
    queue.push(entry);
    this.queues.set(recipient, queue);
    return true;
  }

  /** Removes and returns the recipient's messages, oldest first. */
  take(recipient: string): Array<HeldEntry<M>> {
    const queue = this.queues.get(recipient) ?? [];
    this.queues.delete(recipient);
    return queue;
  }

  /** Removes and returns every message older than the age limit at `now`. */
  expire(now: number): Array<{ recipient: string; entry: HeldEntry<M> }> {
    const expired: Array<{ recipient: string; entry: HeldEntry<M> }> = [];
    for (const [recipient, queue] of this.queues) {
      const keep = queue.filter((entry) => {
        if (now - entry.at < this.limits.maxAgeMs) return true;
        expired.push({ recipient, entry });
        return false;
      });
      if (keep.length === 0) this.queues.delete(recipient);
      else this.queues.set(recipient, keep);
    }
    return expired;
  }

  /** When the oldest message expires (epoch ms), or undefined when nothing is held. */
  nextExpiry(): number | undefined {
    let first: number | undefined;
    for (const queue of this.queues.values()) {
      for (const entry of queue) if (first === undefined || entry.at < first) first = entry.at;
    }
    return first === undefined ? undefined : first + this.limits.maxAgeMs;
  }

  count(recipient?: string): number {
    if (recipient !== undefined) return this.queues.get(recipient)?.length ?? 0;
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  recipients(): string[] {
    return [...this.queues.keys()];
  }

  snapshot(): HeldSnapshot<M> {
    const out: HeldSnapshot<M> = {};
    for (const [recipient, queue] of this.queues) out[recipient] = queue.map(({ msg, at }) => ({ msg, at }));
    return out;
  }

  /** Puts persisted messages back in front of anything held since (they are older); ignores malformed data. */
  restore(snapshot: unknown): void {
    if (typeof snapshot !== 'object' || snapshot === null) return;
    for (const [recipient, list] of Object.entries(snapshot as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const restored: Array<HeldEntry<M>> = [];
      for (const item of list as unknown[]) {
        if (typeof item !== 'object' || item === null) continue;
        const { msg, at } = item as { msg?: unknown; at?: unknown };
        if (typeof at !== 'number' || typeof msg !== 'object' || msg === null) continue;
        restored.push({ msg: msg as M, at });
      }
      if (restored.length === 0) continue;
      this.queues.set(recipient, [...restored, ...(this.queues.get(recipient) ?? [])]);
    }
  }
}
