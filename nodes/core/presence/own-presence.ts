// Our own presence: the one we announce (the configured one until a flow sets another; kept
// across reconnects and sent again after every new login), what decorates it (entity
// capabilities), and presence directed at one entity.
import type { ClientPort } from '../port';
import type { XmlElement } from '../xmpp-lib';
import { buildPresence, type OwnPresence } from './presence-stanza';

/** Our presence belongs to one connection: the next login announces it anew. */
const NOW_OR_NEVER = { queue: false } as const;

export type PresencePort = Pick<ClientPort, 'xml' | 'online' | 'send' | 'onLogin' | 'warn'>;

export class Presence {
  private announced: OwnPresence | 'unavailable';
  private readonly decorators = new Set<() => XmlElement[]>();

  constructor(
    private readonly port: PresencePort,
    initial: OwnPresence,
  ) {
    this.announced = initial;
    port.onLogin((resumed) => {
      // A resumed session kept our presence; a new one starts unavailable.
      if (!resumed && this.announced !== 'unavailable') this.broadcast(this.announced).catch((error: unknown) => port.warn(error));
    });
  }

  get current(): OwnPresence | 'unavailable' {
    return this.announced;
  }

  /** Our presence from now on: sent at once when online, and again after every new login. */
  set(presence: OwnPresence | 'unavailable'): Promise<void> {
    this.announced = presence;
    if (!this.port.online) return Promise.resolve();
    return presence === 'unavailable' ? this.port.send(this.port.xml('presence', { type: 'unavailable' }), NOW_OR_NEVER) : this.broadcast(presence);
  }

  /** Presence for one entity only (directed presence, RFC 6121 4.6). */
  sendTo(to: string, presence: OwnPresence | 'unavailable'): Promise<void> {
    return this.port.send(buildPresence(this.port.xml, presence === 'unavailable' ? { to, type: 'unavailable' } : { to, ...presence }));
  }

  /** Adds elements to every presence we broadcast; returns the remover. */
  decorate(decorator: () => XmlElement[]): () => void {
    this.decorators.add(decorator);
    return () => {
      this.decorators.delete(decorator);
    };
  }

  /** Sends our presence again (what decorates it changed). */
  refresh(): void {
    if (this.port.online && this.announced !== 'unavailable') this.broadcast(this.announced).catch((error: unknown) => this.port.warn(error));
  }

  private broadcast(presence: OwnPresence): Promise<void> {
    const stanza = buildPresence(this.port.xml, presence);
    for (const decorate of this.decorators) stanza.append(...decorate());
    return this.port.send(stanza, NOW_OR_NEVER);
  }
}
