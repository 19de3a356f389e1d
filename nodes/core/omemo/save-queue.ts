// Writes of the store, one at a time and coalesced: whoever asks waits for a write that began
// after it asked (so it covers the state it changed), and a burst of changes costs one or two writes.
export class SaveQueue {
  private writing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly write: () => Promise<void>) {}

  /** Resolves once a write that started after this call is on disk; rejects if that write failed. */
  save(): Promise<void> {
    if (!this.writing) {
      this.writing = this.run();
      return this.writing;
    }
    // One write is under way with older state: one more follows it, shared by everyone asking meanwhile.
    this.next ??= this.writing.then(
      () => this.afterCurrent(),
      () => this.afterCurrent(),
    );
    return this.next;
  }

  /** The last write asked for (nothing when none is pending). */
  idle(): Promise<void> {
    return (this.next ?? this.writing ?? Promise.resolve()).catch(() => undefined);
  }

  private afterCurrent(): Promise<void> {
    this.next = undefined;
    this.writing = this.run();
    return this.writing;
  }

  private run(): Promise<void> {
    const running = this.write();
    const done = (): void => {
      if (this.writing === running) this.writing = undefined;
    };
    running.then(done, done);
    return running;
  }
}
