// The other side of a conversation: a plain @xmpp/client session, as another user would have.
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { loadXmpp, type Client, type XmlElement, type XmlFactory } from '../../nodes/core/xmpp-lib';

export interface PeerOptions {
  port: number;
  jid: string;
  password: string;
  resource?: string;
  /** Send initial presence once online (default true). */
  presence?: boolean;
  /**
   * Read bytes as stock xmpp.js 0.14 does, each TCP chunk decoded alone (a character cut between
   * two chunks becomes U+FFFD). Off by default: the other party of a test must not garble what
   * it receives, or a test would blame the bot for the peer's reading.
   */
  stockDecoding?: boolean;
  /** Ignore the server's STARTTLS offer (a rig server with a self-signed certificate stock xmpp.js would refuse). */
  ignoreStarttls?: boolean;
}

/** Resolves with the first value `take` returns for an event, or rejects after timeoutMs. */
export function waitFor<T, A>(emitter: EventEmitter, event: string, take: (arg: A) => T | undefined, timeoutMs = 10_000, what = event): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = (arg: A): void => {
      const value = take(arg);
      if (value === undefined) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

/** Polls a condition (for state only a server can tell, such as its session list). */
export async function eventually<T>(check: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await check();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await check();
  }
  return last;
}

function waitForStreamManagement(client: Client, timeoutMs = 3000): Promise<void> {
  if (client.streamManagement.enabled) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function onNonza(element: XmlElement): void {
      if (element.is('enabled', 'urn:xmpp:sm:3') || element.is('failed', 'urn:xmpp:sm:3')) done();
    }
    function done(): void {
      clearTimeout(timer);
      client.off('nonza', onNonza);
      resolve();
    }
    client.on('nonza', onNonza);
  });
}

/** One UTF-8 decoder per connection, so that a character cut between two chunks stays whole. */
function decodeAcrossChunks(client: Client): void {
  let decoder = new StringDecoder('utf8');
  client.on('connect', () => (decoder = new StringDecoder('utf8')));
  client._onData = function onData(this: Client, data: Buffer): void {
    this.parser?.write(decoder.write(data));
  };
}

export class Peer extends EventEmitter {
  readonly received: XmlElement[] = [];
  private constructor(
    readonly client: Client,
    readonly xml: XmlFactory,
    readonly jid: string,
  ) {
    super();
  }

  static async connect(options: PeerOptions): Promise<Peer> {
    const lib = await loadXmpp();
    const [local, domain] = options.jid.split('@') as [string, string];
    const client = lib.client({
      service: `xmpp://127.0.0.1:${options.port}`,
      domain,
      username: local,
      password: options.password,
      resource: options.resource ?? 'peer',
    });
    client.reconnect.stop();
    if (!options.stockDecoding) decodeAcrossChunks(client);
    if (options.ignoreStarttls) {
      client.prependListener('element', (element: XmlElement) => {
        if (!element.is('features', 'http://etherx.jabber.org/streams')) return;
        element.children = element.children.filter((child) => typeof child === 'string' || !child.is('starttls', 'urn:ietf:params:xml:ns:xmpp-tls'));
      });
    }
    const peer = new Peer(client, lib.xml, `${options.jid}/${options.resource ?? 'peer'}`);
    client.on('error', (error: unknown) => peer.emit('client-error', error));
    client.on('stanza', (stanza: XmlElement) => {
      peer.received.push(stanza);
      peer.emit('stanza', stanza);
      peer.emit(stanza.name, stanza);
    });
    await client.start();
    // xmpp.js announces 'online' before stream management is enabled; a presence sent then is
    // counted differently by Prosody, which ends the stream a few stanzas later. Wait for it.
    await waitForStreamManagement(client);
    if (options.presence !== false) await client.send(lib.xml('presence', {}));
    return peer;
  }

  send(to: string, body: string, attrs: Record<string, string> = {}, ...extra: XmlElement[]): Promise<void> {
    return this.client.send(this.xml('message', { to, type: 'chat', ...attrs }, this.xml('body', {}, body), ...extra));
  }

  sendRaw(element: XmlElement): Promise<void> {
    return this.client.send(element);
  }

  /** The next message (with a body, unless told otherwise) that matches. */
  nextMessage(match: (m: XmlElement) => boolean = () => true, timeoutMs = 10_000): Promise<XmlElement> {
    return waitFor(this, 'message', (m: XmlElement) => (match(m) ? m : undefined), timeoutMs, 'a message');
  }

  nextPresence(match: (p: XmlElement) => boolean, timeoutMs = 10_000): Promise<XmlElement> {
    return waitFor(this, 'presence', (p: XmlElement) => (match(p) ? p : undefined), timeoutMs, 'a presence');
  }

  /** Mutual presence subscription with another account, answered by that account's own session. */
  async befriend(other: Peer): Promise<void> {
    const otherBare = other.jid.split('/')[0] as string;
    const myBare = this.jid.split('/')[0] as string;
    const answer = (who: Peer, from: string): void => {
      who.on('presence', (p: XmlElement) => {
        if (p.attrs.type === 'subscribe' && p.attrs.from?.split('/')[0] === from) {
          void who.sendRaw(who.xml('presence', { to: from, type: 'subscribed' }));
        }
      });
    };
    answer(other, myBare);
    answer(this, otherBare);
    // Once approved, the server delivers the other side's current presence (Prosody sends no <subscribed/> stanza).
    const subscribedByOther = this.nextPresence((p) => p.attrs.type === undefined && p.attrs.from === other.jid);
    const subscribedByMe = other.nextPresence((p) => p.attrs.type === undefined && p.attrs.from === this.jid);
    await this.sendRaw(this.xml('presence', { to: otherBare, type: 'subscribe' }));
    await other.sendRaw(other.xml('presence', { to: myBare, type: 'subscribe' }));
    await Promise.all([subscribedByOther, subscribedByMe]);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.client.stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    } catch {
      // already gone
    }
    this.client.socket?.destroy?.();
    this.removeAllListeners();
  }
}
