// Logging for what can happen thousands of times a second under a flood (calls refused, calls
// the flow never answered): the first one at once, then at most one line per period with the
// count, never one line per event.

export type BurstLine<T> = { kind: 'first'; detail: T } | { kind: 'more'; count: number; sinceMs: number };

export const DEFAULT_BURST_PERIOD_MS = 60_000;

export class BurstLog<T> {
  private count = 0;
  private since = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: BurstLine<T>) => void,
    private readonly periodMs = DEFAULT_BURST_PERIOD_MS,
  ) {}

  /** Whether a burst is open: the next event will be counted rather than written. */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /** One more event: logged when it opens a burst, else counted for the next summary. */
  note(detail: T): void {
    if (this.timer) {
      this.count += 1;
      return;
    }
    this.since = Date.now();
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
    this.emit({ kind: 'first', detail });
  }

  /** Writes what is still counted (the node stops, say) and ends the burst. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.summarise();
  }

  private tick(): void {
    // A whole period without events ends the burst: the next event is news again.
    if (this.count === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.summarise();
  }

  private summarise(): void {
    if (this.count === 0) return;
    const line: BurstLine<T> = { kind: 'more', count: this.count, sinceMs: Date.now() - this.since };
    this.count = 0;
    this.since = Date.now();
    this.emit(line);
  }

  private emit(line: BurstLine<T>): void {
    try {
      this.write(line);
    } catch {
      // A failing logger must not fail the call being counted.
    }
  }
}
