// The stable ids (XEP-0359) of the messages that arrived lately, so that a message the server
// delivers twice (a resend after a lost acknowledgement, a room's history after a rejoin) is
// passed on once. Bounded by count and by age: an old id is forgotten, never kept for good.

export interface SeenWindow {
  /** How many ids are remembered (the oldest are forgotten first). */
  maxCount?: number | undefined;
  /** How long an id is remembered, in ms. */
  maxAgeMs?: number | undefined;
  now?: (() => number) | undefined;
}

export const DEFAULT_SEEN_COUNT = 5000;
export const DEFAULT_SEEN_AGE_MS = 24 * 60 * 60 * 1000;

export class SeenMessages {
  private readonly known = new Set<string>();
  /** The remembered keys and when each was seen, oldest first, as a ring (Map iteration from the oldest entry is slow after many deletions). */
  private readonly keys: string[] = [];
  private readonly times: number[] = [];
  private head = 0;
  private count = 0;
  private readonly maxCount: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(window: SeenWindow = {}) {
    this.maxCount = Math.max(1, Math.floor(window.maxCount ?? DEFAULT_SEEN_COUNT));
    this.maxAgeMs = window.maxAgeMs ?? DEFAULT_SEEN_AGE_MS;
    this.now = window.now ?? Date.now;
  }

  /**
   * True when none of the keys was seen within the window (the message is new), and remembers
   * them; false for a message seen before. No keys: nothing to tell by, so it is new.
   */
  firstTime(keys: readonly string[]): boolean {
    if (keys.length === 0) return true;
    const now = this.now();
    while (this.count > 0 && (this.times[this.head] ?? 0) < now - this.maxAgeMs) this.forgetOldest();
    const again = keys.some((key) => this.known.has(key));
    for (const key of keys) {
      if (this.known.has(key)) continue;
      if (this.count === this.maxCount) this.forgetOldest();
      const slot = (this.head + this.count) % this.maxCount;
      this.keys[slot] = key;
      this.times[slot] = now;
      this.count += 1;
      this.known.add(key);
    }
    return !again;
  }

  get size(): number {
    return this.count;
  }

  private forgetOldest(): void {
    const key = this.keys[this.head];
    if (key !== undefined) this.known.delete(key);
    this.head = (this.head + 1) % this.maxCount;
    this.count -= 1;
  }
}
