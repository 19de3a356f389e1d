// With "contacts in the roster only", what arrives before the roster is known (the messages the
// server kept for us come right after login, possibly before the roster's answer) waits here, in
// order, and is decided once the roster is known. Bounded: past the limit the oldest is dropped.

/** Decides one arrival: 'unknown' while the roster cannot tell yet. */
export type Decision = () => 'decided' | 'unknown';

export const DEFAULT_ROSTER_WAIT = 1000;

export class RosterWait {
  private readonly waiting: Decision[] = [];

  constructor(
    private readonly onDropped: () => void,
    private readonly max = DEFAULT_ROSTER_WAIT,
  ) {}

  /** Decides now, or later and in order when the roster is not known or others already wait. */
  offer(decide: Decision): void {
    if (this.waiting.length === 0 && decide() === 'decided') return;
    if (this.waiting.length >= this.max) {
      this.waiting.shift();
      this.onDropped();
    }
    this.waiting.push(decide);
  }

  /** The roster may be known now: decides what waits, in order, up to the first it still cannot. */
  release(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as Decision;
      if (next() === 'unknown') return;
      this.waiting.shift();
    }
  }

  get size(): number {
    return this.waiting.length;
  }

  clear(): void {
    this.waiting.length = 0;
  }
}
