// An account's roster as Prosody keeps it, watched from another resource of the same account:
// it fetches the roster once (which makes Prosody send it every roster push from then on) and
// applies each push, so a test can wait for an entry to appear or go, and see the largest count.
import { EventEmitter } from 'node:events';
import { Peer, waitFor } from './peer';
import type { XmlElement } from '../../nodes/core/xmpp-lib';

const NS_ROSTER = 'jabber:iq:roster';

export interface WatchedItem {
  jid: string;
  subscription: string;
  /** Our subscription request waits for an answer (ask="subscribe"). */
  pending: boolean;
  name: string | undefined;
}

export class RosterWatch extends EventEmitter {
  readonly items = new Map<string, WatchedItem>();
  /** The most entries a `counted` filter matched at any moment since watching began. */
  private highest = 0;

  private constructor(
    readonly peer: Peer,
    private readonly counted: (item: WatchedItem) => boolean,
  ) {
    super();
  }

  /** Logs in as `jid` with its own resource and no presence, and fetches the roster. */
  static async start(port: number, jid: string, password: string, counted: (item: WatchedItem) => boolean = () => true): Promise<RosterWatch> {
    const peer = await Peer.connect({ port, jid, password, resource: 'roster-watch', presence: false });
    const watch = new RosterWatch(peer, counted);
    peer.on('iq', (iq: XmlElement) => {
      const query = iq.getChild('query', NS_ROSTER);
      if (iq.attrs.type !== 'set' || !query) return;
      for (const item of query.getChildren('item')) watch.apply(item);
      void peer.sendRaw(peer.xml('iq', { type: 'result', id: iq.attrs.id ?? '', to: iq.attrs.from ?? '' }));
    });
    for (const item of await watch.fetch()) watch.apply(item);
    return watch;
  }

  /** The roster as the server has it now (a fresh roster get; does not change the watched items). */
  async fetch(): Promise<XmlElement[]> {
    const result = await this.peer.client.iqCaller.request(this.peer.xml('iq', { type: 'get' }, this.peer.xml('query', { xmlns: NS_ROSTER })));
    return result.getChild('query', NS_ROSTER)?.getChildren('item') ?? [];
  }

  /** Adds an entry (subscription none) the way a user's client would. */
  async add(jid: string, name?: string): Promise<void> {
    const attrs: Record<string, string> = { jid };
    if (name) attrs.name = name;
    await this.peer.client.iqCaller.request(this.peer.xml('iq', { type: 'set' }, this.peer.xml('query', { xmlns: NS_ROSTER }, this.peer.xml('item', attrs))));
  }

  /** How many entries match the filter now. */
  count(): number {
    return [...this.items.values()].filter(this.counted).length;
  }

  /** The largest count() seen after any push. */
  get max(): number {
    return this.highest;
  }

  /** Resolves once the watched roster satisfies `ok` (checked now and after every push). */
  until(ok: (watch: RosterWatch) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ok(this)) return Promise.resolve();
    return waitFor(this, 'change', () => (ok(this) ? true : undefined), timeoutMs, what).then(() => undefined);
  }

  stop(): Promise<void> {
    return this.peer.stop();
  }

  private apply(el: XmlElement): void {
    const jid = el.attrs.jid;
    if (!jid) return;
    if (el.attrs.subscription === 'remove') this.items.delete(jid);
    else this.items.set(jid, { jid, subscription: el.attrs.subscription ?? 'none', pending: el.attrs.ask === 'subscribe', name: el.attrs.name });
    this.highest = Math.max(this.highest, this.count());
    this.emit('change', jid);
  }
}
