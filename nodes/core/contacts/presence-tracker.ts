// Who is online: for every contact, the set of its available resources with show, status text
// and priority, as presence stanzas report them.
import { bareOf } from '../jid';
import type { IncomingPresence } from '../presence/presence-stanza';
import type { Show } from '../presence/presence-stanza';

export type Availability = Show | 'available';

export interface ResourcePresence {
  /** The full JID. */
  jid: string;
  show: Availability;
  status: string | undefined;
  priority: number;
}

export interface ContactPresence {
  jid: string;
  available: boolean;
  /** The resource that counts: highest priority, then most available. */
  best: ResourcePresence | undefined;
  resources: ResourcePresence[];
}

// Most available first (RFC 6121 4.7.2.1 lists the values; this order is the usual reading).
const RANK: Record<Availability, number> = { chat: 0, available: 1, away: 2, xa: 3, dnd: 4 };

export function bestResource(resources: ResourcePresence[]): ResourcePresence | undefined {
  return [...resources].sort((a, b) => b.priority - a.priority || RANK[a.show] - RANK[b.show])[0];
}

export class PresenceTracker {
  private readonly contacts = new Map<string, Map<string, ResourcePresence>>();

  /** Applies an available or unavailable presence; returns the contact's presence after it, or undefined for other types. */
  update(presence: IncomingPresence): ContactPresence | undefined {
    if (presence.type !== 'available' && presence.type !== 'unavailable') return undefined;
    const bare = bareOf(presence.from);
    let resources = this.contacts.get(bare);
    if (presence.type === 'unavailable') {
      // Unavailable from the bare JID means all of its resources (RFC 6121 4.5.3).
      if (presence.from === bare) resources?.clear();
      else resources?.delete(presence.from);
    } else {
      if (!resources) {
        resources = new Map();
        this.contacts.set(bare, resources);
      }
      resources.set(presence.from, { jid: presence.from, show: presence.show ?? 'available', status: presence.status, priority: presence.priority });
    }
    return this.get(bare);
  }

  get(jid: string): ContactPresence {
    const bare = bareOf(jid);
    const resources = [...(this.contacts.get(bare)?.values() ?? [])];
    return { jid: bare, available: resources.length > 0, best: bestResource(resources), resources };
  }

  /** Forgets everything: after a new login the server sends every contact's presence again. */
  reset(): void {
    this.contacts.clear();
  }
}
