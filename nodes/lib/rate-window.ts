// At most `limit` uses per sliding window for each key (here: each editor user trying logins), so
// the admin endpoint cannot be turned into a password-guessing or port-scanning tool.

export class RateWindow {
  private readonly uses = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one use; false (and not counted) when the key has used up the window. Also gives the wait until the next free slot. */
  take(key: string): { allowed: boolean; retryAfterMs: number } {
    const now = this.now();
    // Forget the keys whose uses have all expired, so the map stays as small as the recent users.
    for (const [other, times] of this.uses) if (times.every((at) => now - at >= this.windowMs)) this.uses.delete(other);
    const recent = (this.uses.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.uses.set(key, recent);
      return { allowed: false, retryAfterMs: this.windowMs - (now - (recent[0] ?? now)) };
    }
    recent.push(now);
    this.uses.set(key, recent);
    return { allowed: true, retryAfterMs: 0 };
  }
}
