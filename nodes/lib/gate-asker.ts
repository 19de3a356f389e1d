// The presence requests of one presence gate: at most so many unanswered at a time, withdrawn
// when unanswered for too long, held back while the roster is not known. It reaches the
// connection through a narrow port and the node through hooks, so a fake can drive it in tests.
import { XmppError } from '../core/errors';
import { AskBook, withdrawalOf, type AskRecord, type PersistedAsks } from './gate-asks';
import type { Contacts } from '../core/contacts/contacts';
import type { RosterItem } from '../core/contacts/roster';
import { timerDelay } from './timer-delay';

/** What the asker needs of the connection's contacts. */
export interface AskPort {
  /** A copy of the roster entry; undefined when not in the roster; null while the roster is not known. */
  rosterItem(jid: string): Readonly<RosterItem> | undefined | null;
  seesPresenceOf(jid: string): boolean;
  askSubscription(jid: string): Promise<void>;
  cancelSubscription(jid: string): Promise<void>;
  removeFromRoster(jid: string): Promise<void>;
}

/** The asker's port on a connection's contacts. */
export function askPortOf(contacts: Contacts): AskPort {
  return {
    rosterItem: (jid) => contacts.rosterItem(jid),
    seesPresenceOf: (jid) => contacts.seesPresenceOf(jid),
    askSubscription: (jid) => contacts.subscribe(jid),
    cancelSubscription: (jid) => contacts.unsubscribe(jid),
    removeFromRoster: (jid) => contacts.removeFromRoster(jid),
  };
}

export interface AskerHooks {
  /** Whether a request for this recipient is still wanted (held back until the roster came). */
  wanted(recipient: string): boolean;
  /** Requests were withdrawn: there is room for new ones (held messages may wait for one). */
  room(): void;
  /** The requests to keep in the context (empty: remove the key). */
  persist(asks: PersistedAsks): void;
  /** maxAsks requests wait for an answer: this one was not sent. Once per burst. */
  full(): void;
  withdrawn(recipient: string): void;
  /** Sending or withdrawing failed (for the debug log). */
  failed(error: unknown): void;
}

export class GateAsker {
  private readonly book: AskBook;
  // Withdrawals under way still count: their roster entries are not gone yet.
  private withdrawing = 0;
  private warned = false;
  // Until the roster is known nobody can tell whether a request would create the entry: such
  // requests (within the bound) and a sweep wait for the roster.
  private readonly deferred = new Set<string>();
  private sweepDeferred = false;
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private online = false;
  private closed = false;

  constructor(
    private readonly port: AskPort,
    private readonly maxAsks: number,
    timeoutMs: number,
    private readonly hooks: AskerHooks,
  ) {
    this.book = new AskBook(timeoutMs);
  }

  /** Starts with the requests a predecessor made (from the context or a redeploy). */
  resume(persisted: unknown): void {
    this.book.restore(persisted);
    this.ready = true;
    this.schedule();
    this.sweep();
  }

  /** The connection's state as the node sees it; coming online withdraws what fell due meanwhile. */
  setOnline(online: boolean): void {
    const cameOnline = online && !this.online;
    this.online = online;
    if (cameOnline) this.sweep();
  }

  /** Asks for the recipient's presence unless a request waits already or maxAsks do. */
  ask(recipient: string): void {
    if (this.maxAsks === 0 || this.closed || this.book.has(recipient) || this.deferred.has(recipient)) return;
    const item = this.port.rosterItem(recipient);
    if (item?.pending) return; // a request waits for an answer already (ours from before, or the user's)
    if (this.outstanding() + this.deferred.size >= this.maxAsks) {
      if (!this.warned) this.hooks.full();
      this.warned = true; // again only after a request could be sent since
      return;
    }
    this.warned = false;
    if (item === null) {
      this.deferred.add(recipient);
      return;
    }
    this.book.record(recipient, { at: Date.now(), created: item === undefined });
    this.persist();
    if (!this.timer) this.schedule(); // a new request falls due after every earlier one
    this.port.askSubscription(recipient).catch((error: unknown) => {
      this.book.forget(recipient); // not connected: ask again with the next msg
      this.persist();
      this.hooks.failed(error);
    });
  }

  /** The roster arrived or changed: what waited for it goes on. */
  rosterChanged(): void {
    if (!this.ready || this.closed || (this.deferred.size === 0 && !this.sweepDeferred)) return;
    const waited = [...this.deferred];
    this.deferred.clear();
    if (this.sweepDeferred) {
      this.sweepDeferred = false;
      this.sweep();
    }
    for (const recipient of waited) if (this.hooks.wanted(recipient)) this.ask(recipient);
  }

  /** The requests to hand to a successor. */
  snapshot(): PersistedAsks {
    return this.book.toJSON();
  }

  /** The node is removed (its context goes with it): withdraws every request now, within `limitMs`. */
  async withdrawAll(limitMs: number): Promise<void> {
    this.close();
    if (!this.online) return;
    const all = this.book.entries().map(([recipient, record]) => {
      const item = this.port.rosterItem(recipient);
      const action = item === null ? 'forget' : withdrawalOf(record, item);
      return action === 'forget' ? Promise.resolve() : this.withdraw(recipient, record, action);
    });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
    });
    await Promise.race([Promise.all(all), limit]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Requests waiting for an answer; approved ones are forgotten first (the contact is ours now). */
  private outstanding(): number {
    if (this.online && this.book.forgetApproved((recipient) => this.port.seesPresenceOf(recipient))) this.persist();
    return this.book.size + this.withdrawing;
  }

  /** Withdraws every request unanswered for the timeout (online only: the roster must be current). */
  private sweep(): void {
    if (!this.ready || this.closed || !this.online) return;
    const due = this.book.due(Date.now());
    const first = due[0];
    if (!first) return;
    if (this.port.rosterItem(first[0]) === null) {
      this.sweepDeferred = true;
      return;
    }
    for (const [recipient, record] of due) {
      this.book.forget(recipient);
      const action = withdrawalOf(record, this.port.rosterItem(recipient) ?? undefined);
      if (action !== 'forget') void this.withdraw(recipient, record, action);
    }
    this.persist();
    this.hooks.room();
  }

  /** Cancels the request (and removes the entry it created); on a lost connection, keeps it to withdraw when online again. */
  private withdraw(recipient: string, record: AskRecord, action: 'cancel' | 'remove'): Promise<void> {
    this.withdrawing += 1;
    const cancelled = this.port.cancelSubscription(recipient);
    const finished = action === 'remove' ? cancelled.then(() => this.port.removeFromRoster(recipient)) : cancelled;
    return finished
      .then(
        () => this.hooks.withdrawn(recipient),
        (error: unknown) => {
          this.hooks.failed(error);
          // The server answered (item-not-found, say): nothing is left to withdraw.
          const answered = error instanceof XmppError && error.code === 'stanza-error';
          if (!answered && !this.closed && !this.book.has(recipient)) {
            this.book.record(recipient, record);
            this.persist();
          }
        },
      )
      .finally(() => {
        this.withdrawing -= 1;
      });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const next = this.book.nextDueAfter(now);
    if (next === undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep();
      this.schedule();
    }, timerDelay(next - now));
  }

  private persist(): void {
    this.hooks.persist(this.book.toJSON());
  }
}
