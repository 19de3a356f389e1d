// Bounds what waits for a flow's answer (served RPC calls, disco queries for a flow's node): per
// asker (bare JID) and in total. Beyond a bound the asker is refused at once, so a flood from
// anyone costs a bounded number of msgs, timers and bytes; refusals are logged once per burst.
import { bareKey } from './caller-access';
import { BurstLog, type BurstLine } from './burst-log';

export interface PendingLimits {
  /** Waiting at once from one bare JID. */
  perCaller: number;
  /** Waiting at once from everyone together. */
  total: number;
}

export const DEFAULT_PENDING_LIMITS: PendingLimits = { perCaller: 10, total: 100 };

/** Which bound refused the first call of a burst. */
export interface Refusal {
  bound: 'caller' | 'total';
  limit: number;
  /** The refused asker's bare JID. */
  caller: string;
}

export type RefusalReport = (line: BurstLine<Refusal>) => void;

export class PendingLimit {
  private readonly byCaller = new Map<string, number>();
  private count = 0;
  private readonly refusals: BurstLog<Refusal>;

  constructor(
    readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS,
    report: RefusalReport = () => undefined,
    periodMs?: number,
  ) {
    this.refusals = new BurstLog(report, periodMs);
  }

  /** Waiting now, in total or from one asker. */
  pending(from?: string): number {
    return from === undefined ? this.count : (this.byCaller.get(bareKey(from)) ?? 0);
  }

  /**
   * Counts one more waiting answer from `from` and returns the function that ends it (call it
   * once the answer is sent; more calls do nothing); undefined when a bound refuses it.
   */
  enter(from: string): (() => void) | undefined {
    const caller = bareKey(from);
    const mine = this.byCaller.get(caller) ?? 0;
    if (this.count >= this.limits.total) {
      this.refusals.note({ bound: 'total', limit: this.limits.total, caller });
      return undefined;
    }
    if (mine >= this.limits.perCaller) {
      this.refusals.note({ bound: 'caller', limit: this.limits.perCaller, caller });
      return undefined;
    }
    this.byCaller.set(caller, mine + 1);
    this.count += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count -= 1;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left <= 0) this.byCaller.delete(caller);
      else this.byCaller.set(caller, left);
    };
  }

  /** Logs what is still counted; the limit is not used any more. */
  close(): void {
    this.refusals.close();
  }
}
