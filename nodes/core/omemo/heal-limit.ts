// How often we answer a broken session with a new key exchange: once per device in a while, so a
// peer (or someone sending in its name) cannot make us publish, fetch and send in a loop.
export class HealLimit {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 1000,
  ) {}

  /** Whether this device may be healed now (and, if so, counts it). */
  take(jid: string, device: number): boolean {
    const key = `${jid} ${device}`;
    const at = this.now();
    const before = this.last.get(key);
    if (before !== undefined && at - before < this.intervalMs) return false;
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    this.last.delete(key);
    this.last.set(key, at);
    if (this.last.size > this.max) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return true;
  }
}
