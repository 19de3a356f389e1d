// The book of presence requests a gate made (when, and whether its request created the roster
// entry), kept so a redeploy or restart can still withdraw them, and what withdrawing one does
// to the roster. No Node-RED here; lib/gate-asker.ts sends and withdraws.
import type { RosterItem } from '../core/contacts/roster';

export interface AskRecord {
  /** Epoch milliseconds of the request. */
  at: number;
  /** True when the contact was not in the roster before: the request created its entry. */
  created: boolean;
}

/** The persisted form: JSON, keyed by bare JID. */
export type PersistedAsks = Record<string, AskRecord>;

/**
 * What withdrawing an unanswered request does: 'remove' cancels it and removes the roster entry,
 * 'cancel' only cancels it (the entry stays as it was before the request), 'forget' does nothing.
 */
export type Withdrawal = 'forget' | 'cancel' | 'remove';

/**
 * Removes only an entry the gate's request created and that still looks like it: no
 * subscription either way, no name, no group (someone who named or grouped it since made it
 * theirs, and a contact who subscribed to us since is one). Any other entry keeps its place and
 * only loses the request, if it still waits. An approved request (we see the contact's presence)
 * is left alone. An entry the gate created that is not in our copy of the roster is removed all
 * the same: the server's roster push may not have reached us yet, and removing what is gone
 * changes nothing.
 */
export function withdrawalOf(record: AskRecord, item: Readonly<RosterItem> | undefined): Withdrawal {
  if (!item) return record.created ? 'remove' : 'forget';
  if (item.subscription === 'to' || item.subscription === 'both') return 'forget';
  const ours = record.created && item.subscription === 'none' && !item.name && item.groups.length === 0;
  if (ours) return 'remove';
  return item.pending ? 'cancel' : 'forget';
}

export class AskBook {
  private readonly asks = new Map<string, AskRecord>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.asks.size;
  }

  has(recipient: string): boolean {
    return this.asks.has(recipient);
  }

  record(recipient: string, record: AskRecord): void {
    this.asks.set(recipient, record);
  }

  forget(recipient: string): boolean {
    return this.asks.delete(recipient);
  }

  /** Forgets every request `approved` says was answered with yes; true when any went. */
  forgetApproved(approved: (recipient: string) => boolean): boolean {
    let any = false;
    for (const recipient of this.asks.keys()) {
      if (approved(recipient)) any = this.asks.delete(recipient) || any;
    }
    return any;
  }

  /** Requests unanswered for the timeout at `now`, oldest first. */
  due(now: number): Array<[string, AskRecord]> {
    return [...this.asks].filter(([, record]) => now - record.at >= this.timeoutMs).sort((a, b) => a[1].at - b[1].at);
  }

  /** When the next request falls due after `now` (epoch ms); undefined when none will. */
  nextDueAfter(now: number): number | undefined {
    let next: number | undefined;
    for (const { at } of this.asks.values()) {
      const due = at + this.timeoutMs;
      if (due > now && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  entries(): Array<[string, AskRecord]> {
    return [...this.asks];
  }

  toJSON(): PersistedAsks {
    return Object.fromEntries(this.asks);
  }

  /** Adds persisted requests (keeping any made since); ignores malformed data. */
  restore(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    for (const [recipient, record] of Object.entries(value as Record<string, unknown>)) {
      if (typeof record !== 'object' || record === null || this.asks.has(recipient)) continue;
      const { at, created } = record as { at?: unknown; created?: unknown };
      if (typeof at !== 'number' || !Number.isFinite(at)) continue;
      this.asks.set(recipient, { at, created: created === true });
    }
  }
}
