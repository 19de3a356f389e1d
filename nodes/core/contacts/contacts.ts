// Contacts of one session: the roster, who of them is online, and what to do with subscription
// requests. Attaches to a Session through its public API only. Presence is tracked for the
// roster, our own account and whoever we wrote to; of everyone else only a few are tracked, so
// that presence from a crowd of strangers cannot fill memory or the flows.
import { EventEmitter } from 'node:events';
import { bareOf } from '../jid';
import { readPresence, buildPresenceStanza, type IncomingPresence } from '../presence/presence-stanza';
import { PresenceTracker, type ContactPresence } from './presence-tracker';
import { NS_ROSTER, Roster, rosterGet, rosterSet, type RosterItem } from './roster';
import type { Session } from '../session/session';

/**
 * What happens to a subscription request: 'flow' passes every request on; 'roster' approves
 * contacts already in the roster and passes the others on; 'everyone' approves all and asks
 * back (a balanced subscription); 'deny' refuses all.
 */
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

export type SubscriptionPolicy = 'flow' | 'roster' | 'everyone' | 'deny';
export const SUBSCRIPTION_POLICIES: readonly SubscriptionPolicy[] = ['flow', 'roster', 'everyone', 'deny'];

/** Strangers (not in the roster, never written to) whose presence is tracked at once. */
export const MAX_STRANGERS = 100;
/** JIDs we wrote to that count as known (the most recent ones). */
const MAX_ADDRESSED = 1000;
/** How often, at most, the ignored strangers are reported. */
const REPORT_EVERY_MS = 60_000;

export interface ContactsOptions {
  policy?: SubscriptionPolicy;
  /** With policy 'everyone': no more approvals once the roster has this many entries. */
  maxRoster?: number;
}

export const DEFAULT_MAX_ROSTER = 1000;

/** A limit that was reached: presence of strangers ignored, or subscription requests left unanswered. */
export type ContactsLimit = { limit: 'strangers'; ignored: number } | { limit: 'roster'; size: number; max: number };

export interface ContactsEvents {
  /** A contact's availability changed (the presence that changed it). */
  presence: [contact: ContactPresence, presence: IncomingPresence];
  /** A subscription stanza for the flow: subscribe (not decided by the policy), subscribed, unsubscribe, unsubscribed. */
  subscription: [presence: IncomingPresence];
  roster: [items: RosterItem[]];
  limit: [limit: ContactsLimit];
}

export class Contacts extends EventEmitter<ContactsEvents> {
  readonly roster = new Roster();
  private readonly tracker = new PresenceTracker();
  private readonly detach: Array<() => void> = [];
  private ownBare: string;
  private readonly policy: SubscriptionPolicy;
  private readonly maxRoster: number;
  /** Bare JIDs we wrote to, oldest first. */
  private readonly addressed = new Set<string>();
  /** Strangers whose presence is tracked, oldest first. */
  private readonly strangers = new Set<string>();
  private ignored = 0;
  private lastReport = 0;
  private rosterFullReported = false;
  /** Approved by us, not yet in the roster (its push is on its way): they count towards the limit. */
  private readonly approving = new Set<string>();

  constructor(
    private readonly session: Session,
    options: ContactsOptions = {},
  ) {
    super();
    this.policy = options.policy ?? 'flow';
    this.maxRoster = options.maxRoster ?? DEFAULT_MAX_ROSTER;
    this.ownBare = bareOf(session.jid);
    this.detach.push(
      session.dispatcher.subscribe('presence', (stanza) => this.onPresence(readPresence(stanza))),
      session.onSend((to) => this.wroteTo(to)),
      session.handleIq('set', NS_ROSTER, 'query', (stanza, child) => {
        // Roster pushes come from our own account only (RFC 6121 2.1.6).
        const from = stanza.attrs.from;
        if (from && bareOf(from) !== this.ownBare) return undefined;
        const changed = this.roster.push(child);
        if (changed) this.approving.delete(changed.jid);
        this.emit('roster', this.roster.all());
        return true;
      }),
      session.onLogin((resumed) => {
        if (resumed) return;
        this.ownBare = bareOf(session.jid);
        this.tracker.reset(); // the server sends every contact's presence again
        this.strangers.clear();
        this.approving.clear();
        this.rosterFullReported = false;
        void this.fetchRoster();
      }),
    );
  }

  presenceOf(jid: string): ContactPresence {
    return this.tracker.get(jid);
  }

  /** True when we receive the contact's presence (subscription 'to' or 'both'). */
  seesPresenceOf(jid: string): boolean {
    const item = this.roster.get(jid);
    return item?.subscription === 'to' || item?.subscription === 'both';
  }

  subscribe(jid: string): Promise<void> {
    return this.sendPresence(jid, 'subscribe');
  }

  unsubscribe(jid: string): Promise<void> {
    return this.sendPresence(jid, 'unsubscribe');
  }

  approve(jid: string): Promise<void> {
    return this.sendPresence(jid, 'subscribed');
  }

  deny(jid: string): Promise<void> {
    return this.sendPresence(jid, 'unsubscribed');
  }

  async addToRoster(jid: string, name?: string, groups?: string[]): Promise<void> {
    const xml = this.session.xml;
    if (!xml) throw new Error('not loaded');
    await this.session.request(rosterSet(xml, bareOf(jid), { name, groups }));
  }

  async removeFromRoster(jid: string): Promise<void> {
    const xml = this.session.xml;
    if (!xml) throw new Error('not loaded');
    await this.session.request(rosterSet(xml, bareOf(jid), { remove: true }));
  }

  close(): void {
    for (const undo of this.detach.splice(0)) undo();
    this.removeAllListeners();
  }

  private sendPresence(jid: string, type: 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed'): Promise<void> {
    const xml = this.session.xml;
    if (!xml) return Promise.reject(new Error('not loaded'));
    return this.session.send(buildPresenceStanza(xml, { to: bareOf(jid), type }));
  }

  private async fetchRoster(): Promise<void> {
    const xml = this.session.xml;
    if (!xml) return;
    try {
      const result = await this.session.request(rosterGet(xml));
      this.roster.load(result.getChild('query', NS_ROSTER));
      this.emit('roster', this.roster.all());
    } catch {
      // No roster (a server without one, or the connection went): presence still arrives.
    }
  }

  private wroteTo(to: string | undefined): void {
    if (!to) return;
    const bare = bareOf(to);
    this.addressed.delete(bare);
    this.addressed.add(bare);
    if (this.addressed.size > MAX_ADDRESSED) this.addressed.delete(this.addressed.values().next().value as string);
  }

  private known(bare: string): boolean {
    return bare === this.ownBare || this.roster.get(bare) !== undefined || this.addressed.has(bare);
  }

  /** Whether a stranger's availability is tracked (and, when it is new, whether there is room). */
  private admitStranger(bare: string, type: 'available' | 'unavailable'): boolean {
    if (this.strangers.has(bare)) return true;
    if (type === 'unavailable') return false; // nothing tracked, nothing to forget
    if (this.strangers.size < MAX_STRANGERS) {
      this.strangers.add(bare);
      return true;
    }
    this.ignored += 1;
    const now = Date.now();
    if (this.lastReport === 0 || now - this.lastReport >= REPORT_EVERY_MS) {
      this.emit('limit', { limit: 'strangers', ignored: this.ignored });
      this.ignored = 0;
      this.lastReport = now;
    }
    return false;
  }

  private onPresence(presence: IncomingPresence): void {
    // Room occupants are not contacts: their presence belongs to the room (muc.ts).
    if (presence.stanza.getChild('x', NS_MUC_USER)) return;
    if (presence.type === 'available' || presence.type === 'unavailable') {
      const bare = bareOf(presence.from);
      if (!this.known(bare) && !this.admitStranger(bare, presence.type)) return;
      const contact = this.tracker.update(presence);
      if (contact && !contact.available) this.strangers.delete(bare);
      if (contact) this.emit('presence', contact, presence);
      return;
    }
    if (presence.type === 'subscribe') {
      this.decide(presence);
      return;
    }
    if (presence.type === 'subscribed' || presence.type === 'unsubscribe' || presence.type === 'unsubscribed') {
      this.emit('subscription', presence);
    }
  }

  private decide(request: IncomingPresence): void {
    const jid = bareOf(request.from);
    const fail = (): void => undefined; // a lost connection: the server asks again at next login
    switch (this.policy) {
      case 'deny':
        this.deny(jid).catch(fail);
        return;
      case 'everyone':
        if (!this.roster.get(jid) && !this.approving.has(jid) && this.roster.size + this.approving.size >= this.maxRoster) {
          // Left unanswered: the server keeps the request and offers it again at the next login.
          if (!this.rosterFullReported) this.emit('limit', { limit: 'roster', size: this.roster.size + this.approving.size, max: this.maxRoster });
          this.rosterFullReported = true;
          return;
        }
        if (!this.roster.get(jid)) this.approving.add(jid);
        this.approve(jid).catch(fail);
        if (!this.seesPresenceOf(jid) && !this.roster.get(jid)?.pending) this.subscribe(jid).catch(fail);
        return;
      case 'roster':
        if (this.roster.get(jid)) {
          this.approve(jid).catch(fail);
          return;
        }
        this.emit('subscription', request);
        return;
      case 'flow':
        this.emit('subscription', request);
    }
  }
}
