// Contacts of one session: the roster, who of them is online, and what to do with subscription
// requests. Attaches to a Session through its public API only.
import { EventEmitter } from 'node:events';
import { bareOf } from './jid';
import { readPresence, buildPresenceStanza, type IncomingPresence } from './presence-stanza';
import { PresenceTracker, type ContactPresence } from './presence-tracker';
import { NS_ROSTER, Roster, rosterGet, rosterSet, type RosterItem } from './roster';
import type { Session } from './session';

/**
 * What happens to a subscription request: 'flow' passes every request on; 'roster' approves
 * contacts already in the roster and passes the others on; 'everyone' approves all and asks
 * back (a balanced subscription); 'deny' refuses all.
 */
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

export type SubscriptionPolicy = 'flow' | 'roster' | 'everyone' | 'deny';
export const SUBSCRIPTION_POLICIES: readonly SubscriptionPolicy[] = ['flow', 'roster', 'everyone', 'deny'];

export interface ContactsEvents {
  /** A contact's availability changed (the presence that changed it). */
  presence: [contact: ContactPresence, presence: IncomingPresence];
  /** A subscription stanza for the flow: subscribe (not decided by the policy), subscribed, unsubscribe, unsubscribed. */
  subscription: [presence: IncomingPresence];
  roster: [items: RosterItem[]];
}

export class Contacts extends EventEmitter<ContactsEvents> {
  readonly roster = new Roster();
  private readonly tracker = new PresenceTracker();
  private readonly detach: Array<() => void> = [];
  private ownBare: string;

  constructor(
    private readonly session: Session,
    private readonly policy: SubscriptionPolicy = 'flow',
  ) {
    super();
    this.ownBare = bareOf(session.jid);
    this.detach.push(
      session.dispatcher.subscribe('presence', (stanza) => this.onPresence(readPresence(stanza))),
      session.handleIq('set', NS_ROSTER, 'query', (stanza, child) => {
        // Roster pushes come from our own account only (RFC 6121 2.1.6).
        const from = stanza.attrs.from;
        if (from && bareOf(from) !== this.ownBare) return undefined;
        this.roster.push(child);
        this.emit('roster', this.roster.all());
        return true;
      }),
      session.onLogin((resumed) => {
        if (resumed) return;
        this.ownBare = bareOf(session.jid);
        this.tracker.reset(); // the server sends every contact's presence again
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

  private onPresence(presence: IncomingPresence): void {
    // Room occupants are not contacts: their presence belongs to the room (muc.ts).
    if (presence.stanza.getChild('x', NS_MUC_USER)) return;
    if (presence.type === 'available' || presence.type === 'unavailable') {
      const contact = this.tracker.update(presence);
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
