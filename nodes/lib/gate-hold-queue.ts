// The presence gate's held messages: one queue per recipient (bare JID), bounded by count and
// age per recipient and by messages and recipients in all, in arrival order. No Node-RED here:
// the node persists entriesOf(recipient) per recipient and loads them back with restore().

/** What is kept of a held message: the kept copy, when it arrived, and its done (gone after a restart). */
export interface HeldEntry<M> {
  msg: M;
  /** Epoch milliseconds of arrival. */
  at: number;
  done?: (err?: Error) => void;
}

/** The persisted form of one held message: JSON only, no done function. */
export interface PersistedHeld<M> {
  msg: M;
  at: number;
}

/** The persisted form of everything held (one key per recipient now; the single key of earlier versions). */
export type HeldSnapshot<M> = Record<string, Array<PersistedHeld<M>>>;

/** Why a message cannot be held, which is also its error code. */
export type HoldRefusal = 'hold-full' | 'hold-total-full' | 'hold-recipients-full';

export interface HoldLimits {
  /** At most this many messages per recipient. */
  maxCount: number;
  /** A message older than this many milliseconds expires. */
  maxAgeMs: number;
  /** At most this many messages in all (default: no limit). */
  maxTotal?: number;
  /** At most this many recipients with held messages (default: no limit). */
  maxRecipients?: number;
}

export class HoldQueue<M> {
  private readonly queues = new Map<string, Array<HeldEntry<M>>>();
  // Kept as a number: count() over thousands of recipients for every add would make an add O(all).
  private total = 0;

  constructor(private readonly limits: HoldLimits) {}

  /** Why a message for this recipient would be refused now, or undefined when it would be held. */
  refusal(recipient: string): HoldRefusal | undefined {
    const queue = this.queues.get(recipient);
    if ((queue?.length ?? 0) >= this.limits.maxCount) return 'hold-full';
    if (!queue && this.queues.size >= (this.limits.maxRecipients ?? Infinity)) return 'hold-recipients-full';
    if (this.total >= (this.limits.maxTotal ?? Infinity)) return 'hold-total-full';
    return undefined;
  }

  /** Adds at the end of the recipient's queue; false (nothing added) when refusal() names a limit. */
  add(recipient: string, entry: HeldEntry<M>): boolean {
    if (this.refusal(recipient) !== undefined) return false;
    const queue = this.queues.get(recipient) ?? [];
    queue.push(entry);
    this.queues.set(recipient, queue);
    this.total += 1;
    return true;
  }

  /** Removes and returns the recipient's messages, oldest first. */
  take(recipient: string): Array<HeldEntry<M>> {
    const queue = this.queues.get(recipient) ?? [];
    this.queues.delete(recipient);
    this.total -= queue.length;
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
    this.total -= expired.length;
    return expired;
  }

  /** When the oldest message expires (epoch ms), or undefined when nothing is held. */
  nextExpiry(): number | undefined {
    let first: number | undefined;
    for (const queue of this.queues.values()) {
      // Each queue is in arrival order: its first entry is its oldest.
      const oldest = queue[0];
      if (oldest && (first === undefined || oldest.at < first)) first = oldest.at;
    }
    return first === undefined ? undefined : first + this.limits.maxAgeMs;
  }

  count(recipient?: string): number {
    if (recipient !== undefined) return this.queues.get(recipient)?.length ?? 0;
    return this.total;
  }

  recipients(): string[] {
    return [...this.queues.keys()];
  }

  /** One recipient's messages in their persisted form (empty when nothing is held for it). */
  entriesOf(recipient: string): Array<PersistedHeld<M>> {
    return (this.queues.get(recipient) ?? []).map(({ msg, at }) => ({ msg, at }));
  }

  snapshot(): HeldSnapshot<M> {
    const out: HeldSnapshot<M> = {};
    for (const recipient of this.queues.keys()) out[recipient] = this.entriesOf(recipient);
    return out;
  }

  /**
   * Puts persisted messages back in front of anything held since (they are older); ignores
   * malformed data. Restored messages are kept whatever the limits: they were accepted once.
   * `reduce` turns each persisted msg into what is kept of it (and may refuse one with undefined).
   * Returns the recipients it restored messages for.
   */
  restore(snapshot: unknown, reduce: (msg: object) => M | undefined = (msg) => msg as M): string[] {
    if (typeof snapshot !== 'object' || snapshot === null) return [];
    const restoredFor: string[] = [];
    for (const [recipient, list] of Object.entries(snapshot as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const restored: Array<HeldEntry<M>> = [];
      for (const item of list as unknown[]) {
        if (typeof item !== 'object' || item === null) continue;
        const { msg, at } = item as { msg?: unknown; at?: unknown };
        if (typeof at !== 'number' || typeof msg !== 'object' || msg === null) continue;
        const kept = reduce(msg);
        if (kept !== undefined) restored.push({ msg: kept, at });
      }
      if (restored.length === 0) continue;
      this.queues.set(recipient, [...restored, ...(this.queues.get(recipient) ?? [])]);
      this.total += restored.length;
      restoredFor.push(recipient);
    }
    return restoredFor;
  }
}
