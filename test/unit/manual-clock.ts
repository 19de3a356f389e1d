// A clock that moves only when a test says so, for timers that must fire (or not) at exact moments.
import type { Clock } from '../../nodes/core/rooms/self-ping';

export class ManualClock implements Clock {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  now(): number {
    return this.time;
  }

  after(ms: number, fire: () => void): () => void {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.time + ms, fire });
    return () => this.timers.delete(id);
  }

  /** Timers set and neither fired nor cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fire();
    }
    this.time = end;
  }
}
