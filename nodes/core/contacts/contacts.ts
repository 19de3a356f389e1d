// Contacts: the roster (fetched at every login, kept current by the server's pushes), who of them
// is online, and what to do with subscription requests.
import { bareOf } from '../jid';
import { Listeners } from '../listeners';
import { NS_ROSTER } from '../namespaces';
import type { ClientPort } from '../port';
import { buildPresence, readPresence, type IncomingPresence } from '../presence/presence-stanza';
import { PresenceScope, MAX_STRANGERS } from './presence-scope';
import { PresenceTracker, type Availability, type ContactPresence } from './presence-tracker';
import { Roster, rosterGet, rosterSet, type RosterItem, type Subscription } from './roster';

export { MAX_STRANGERS };

/**
 * What happens to a subscription request: 'flow' passes every request on; 'roster' approves
 * contacts already in the roster and passes the others on; 'everyone' approves all and asks
 * back (a balanced subscription), up to the roster limit; 'deny' refuses all.
 */
export type SubscriptionPolicy = 'flow' | 'roster' | 'everyone' | 'deny';
export const SUBSCRIPTION_POLICIES: readonly SubscriptionPolicy[] = ['flow', 'roster', 'everyone', 'deny'];
export const DEFAULT_MAX_ROSTER = 1000;

export interface ContactsOptions {
  policy?: SubscriptionPolicy | undefined;
  /** With policy 'everyone': no more approvals once the roster has this many entries. */
  maxRoster?: number | undefined;
}

/** A limit that was reached: presence of strangers ignored, or subscription requests left unanswered. */
export interface ContactSummary {
  jid: string;
  name: string | undefined;
  subscription: Subscription;
  presence: Availability | 'offline';
}

export type ContactsLimit = { limit: 'strangers'; ignored: number } | { limit: 'roster'; size: number; max: number };

export type ContactsPort = Pick<ClientPort, 'xml' | 'jid' | 'send' | 'request' | 'on' | 'handleIq' | 'onLogin' | 'onSend' | 'warn'>;

export class Contacts {
  private readonly roster = new Roster();
  /** False until the first roster fetch of a session is answered: nobody can tell a contact from a stranger before. */
  private rosterKnown = false;
  private readonly tracker = new PresenceTracker();
  private readonly scope: PresenceScope;
  private readonly policy: SubscriptionPolicy;
  private readonly maxRoster: number;
  private rosterFullReported = false;
  /** Approved by us, not yet in the roster (its push is on its way): they count towards the limit. */
  private readonly approving = new Set<string>();
  private readonly presences: Listeners<[ContactPresence, IncomingPresence]>;
  private readonly subscriptions: Listeners<[IncomingPresence]>;
  private readonly rosterChanges: Listeners<[]>;
  private readonly limits: Listeners<[ContactsLimit]>;

  constructor(
    private readonly port: ContactsPort,
    options: ContactsOptions = {},
  ) {
    const warn = (error: unknown): void => port.warn(error);
    this.presences = new Listeners(warn);
    this.subscriptions = new Listeners(warn);
    this.rosterChanges = new Listeners(warn);
    this.limits = new Listeners(warn);
    this.policy = options.policy ?? 'flow';
    this.maxRoster = options.maxRoster ?? DEFAULT_MAX_ROSTER;
    this.scope = new PresenceScope(
      (bare) => bare === bareOf(port.jid) || this.roster.get(bare) !== undefined,
      (ignored) => this.limits.emit({ limit: 'strangers', ignored }),
    );
    port.on('presence', (stanza) => this.arrived(readPresence(stanza)));
    port.onSend((to) => this.scope.wroteTo(to));
    port.handleIq('set', NS_ROSTER, 'query', (iq) => {
      // Roster pushes come from our own account only (RFC 6121 2.1.6).
      if (iq.from && bareOf(iq.from) !== bareOf(port.jid)) return undefined;
      const changed = this.roster.push(iq.child);
      if (changed) this.approving.delete(changed.jid);
      this.rosterChanges.emit();
      return true;
    });
    port.onLogin((resumed) => {
      if (resumed) return;
      this.tracker.reset(); // the server sends every contact's presence again
      this.scope.reset();
      this.approving.clear();
      this.rosterFullReported = false;
      void this.fetchRoster();
    });
  }

  presenceOf(jid: string): ContactPresence {
    return this.tracker.get(jid);
  }

  /** True when we receive the contact's presence (subscription 'to' or 'both'). */
  seesPresenceOf(jid: string): boolean {
    const item = this.roster.get(jid);
    return item?.subscription === 'to' || item?.subscription === 'both';
  }

  /** A copy of the contact's roster entry; undefined when not in the roster; null while the roster is not known yet. */
  rosterItem(jid: string): RosterItem | undefined | null {
    if (!this.rosterKnown) return null;
    const item = this.roster.get(jid);
    return item ? { ...item, groups: [...item.groups] } : undefined;
  }

  /**
   * Every roster entry with how it is now ('offline' when no resource is available); empty while
   * the roster is not known. For people choosing a JID, not for deciding anything.
   */
  list(): ContactSummary[] {
    if (!this.rosterKnown) return [];
    return this.roster.all().map((item) => {
      const presence = this.tracker.get(item.jid);
      return { jid: item.jid, name: item.name, subscription: item.subscription, presence: presence.available && presence.best ? presence.best.show : 'offline' };
    });
  }

  get rosterSize(): number {
    return this.roster.size;
  }

  /** A contact's availability changed (with the presence that changed it). */
  onPresence(listener: (contact: ContactPresence, presence: IncomingPresence) => void): () => void {
    return this.presences.add(listener);
  }

  /** Subscription stanzas for the flow: subscribe (not decided by the policy), subscribed, unsubscribe, unsubscribed. */
  onSubscription(listener: (presence: IncomingPresence) => void): () => void {
    return this.subscriptions.add(listener);
  }

  /** The roster was fetched (after each login) or changed by the server. */
  onRoster(listener: () => void): () => void {
    return this.rosterChanges.add(listener);
  }

  onLimit(listener: (limit: ContactsLimit) => void): () => void {
    return this.limits.add(listener);
  }

  get listeners(): number {
    return this.presences.size + this.subscriptions.size + this.rosterChanges.size + this.limits.size;
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
    await this.port.request(rosterSet(this.port.xml, bareOf(jid), { name, groups }));
  }

  async removeFromRoster(jid: string): Promise<void> {
    await this.port.request(rosterSet(this.port.xml, bareOf(jid), { remove: true }));
  }

  private sendPresence(jid: string, type: 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed'): Promise<void> {
    return this.port.send(buildPresence(this.port.xml, { to: bareOf(jid), type }));
  }

  private async fetchRoster(): Promise<void> {
    this.rosterKnown = false;
    try {
      const result = await this.port.request(rosterGet(this.port.xml));
      this.roster.load(result.getChild('query', NS_ROSTER));
    } catch {
      // No roster (a server without one, or the connection went): presence still arrives.
      return;
    }
    this.rosterKnown = true;
    this.rosterChanges.emit();
  }

  private arrived(presence: IncomingPresence): void {
    if (presence.type === 'available' || presence.type === 'unavailable') {
      const bare = bareOf(presence.from);
      if (!this.scope.follows(bare, presence.type)) return;
      const contact = this.tracker.update(presence);
      if (contact && !contact.available) this.scope.gone(bare);
      if (contact) this.presences.emit(contact, presence);
      return;
    }
    if (presence.type === 'subscribe') this.decide(presence);
    else if (presence.type === 'subscribed' || presence.type === 'unsubscribe' || presence.type === 'unsubscribed') this.subscriptions.emit(presence);
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
          if (!this.rosterFullReported) this.limits.emit({ limit: 'roster', size: this.roster.size + this.approving.size, max: this.maxRoster });
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
        this.subscriptions.emit(request);
        return;
      case 'flow':
        this.subscriptions.emit(request);
    }
  }
}
