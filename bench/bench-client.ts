// A plain @xmpp/client session for the bench: TCP_NODELAY on every socket it opens (or every
// sequential round trip waits ~40 ms for Nagle against delayed ACKs), presence after each login
// once stream management is settled, and optionally SASL PLAIN so that a peer made during a
// measure logs in in milliseconds instead of xmpp.js's ~0.9 s SCRAM.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { loadXmpp, type Client, type XmlElement, type XmlFactory } from '../nodes/core/xmpp-lib';

export interface BenchClientOptions {
  port: number;
  /** user@localhost */
  jid: string;
  password: string;
  resource: string;
  /** Log in with PLAIN (allowed by the rig's Prosody on loopback) instead of SCRAM-SHA-1. */
  plain?: boolean;
  /** Keep xmpp.js's own reconnect (a fixed 1 s retry); off by default. */
  reconnect?: boolean;
}

type Authenticate = (credentials: { username: string; password: string }, mechanism: string) => Promise<void>;

export class BenchClient extends EventEmitter {
  /** Settles each time a login is complete (stream management settled, presence sent). */
  private readyOnce: Promise<void>;
  private markReady: () => void = () => undefined;

  private constructor(
    readonly client: Client,
    readonly xml: XmlFactory,
    readonly jid: string,
  ) {
    super();
    this.readyOnce = new Promise((resolve) => (this.markReady = resolve));
  }

  static async connect(options: BenchClientOptions): Promise<BenchClient> {
    const lib = await loadXmpp();
    const [username, domain] = options.jid.split('@') as [string, string];
    const credentials = async (authenticate: Authenticate): Promise<void> => authenticate({ username, password: options.password }, 'PLAIN');
    const client = lib.client({
      service: `xmpp://127.0.0.1:${options.port}`,
      domain,
      username,
      resource: options.resource,
      ...(options.plain ? { credentials: credentials as (...args: never[]) => Promise<void> } : { password: options.password }),
    });
    if (!options.reconnect) client.reconnect.stop();
    const bench = new BenchClient(client, lib.xml, `${options.jid}/${options.resource}`);
    client.on('connect', () => (client.socket as unknown as Socket | null)?.setNoDelay(true));
    client.on('error', (error: unknown) => bench.emit('client-error', error));
    client.on('stanza', (stanza: XmlElement) => {
      if (stanza.is('message')) bench.emit('message', stanza);
    });
    client.on('online', () => {
      void bench.afterLogin();
    });
    await client.start();
    await bench.readyOnce;
    return bench;
  }

  // xmpp.js says 'online' before <enabled/> is handled; a stanza sent meanwhile upsets Prosody's
  // stream management counters. So: wait for it, then announce presence.
  private async afterLogin(): Promise<void> {
    const sm = this.client.streamManagement;
    if (!sm.enabled) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, 3000);
        const onNonza = (element: XmlElement): void => {
          if (element.is('enabled', 'urn:xmpp:sm:3') || element.is('failed', 'urn:xmpp:sm:3')) finish();
        };
        function finish(): void {
          clearTimeout(timer);
          client.off('nonza', onNonza);
          resolve();
        }
        const client = this.client;
        client.on('nonza', onNonza);
      });
    }
    try {
      await this.client.send(this.xml('presence', {}));
    } catch {
      // the line went away again; the next login announces it
    }
    this.markReady();
    this.emit('ready');
  }

  send(to: string, body: string): Promise<void> {
    return this.client.send(this.xml('message', { to, type: 'chat' }, this.xml('body', {}, body)));
  }

  async stop(): Promise<void> {
    this.client.reconnect.stop();
    try {
      await Promise.race([this.client.stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    } catch {
      // already gone
    }
    this.client.socket?.destroy?.();
    this.removeAllListeners();
  }
}
