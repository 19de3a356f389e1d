// An external component (XEP-0114) on the rig's Prosody: it may send stanzas from any JID of
// its domain, which makes it a crowd of strangers for one test (thousands of "users" without
// registering thousands of accounts).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export class Component {
  /** Everything Prosody sent to the component, as text. */
  received = '';

  private constructor(
    private readonly socket: Socket,
    readonly domain: string,
  ) {}

  static async connect(port: number, domain: string, secret: string): Promise<Component> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const component = new Component(socket, domain);
    socket.on('data', (data: Buffer) => {
      component.received += data.toString('utf8');
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
    const id = await component.waitFor(/<stream:stream[^>]* id=['"]([^'"]+)['"]/);
    socket.write(`<handshake>${createHash('sha1').update(id + secret).digest('hex')}</handshake>`);
    await component.waitFor(/<handshake\s*\/>|<handshake><\/handshake>/);
    return component;
  }

  /** Resolves with the first group of the pattern once what Prosody sent matches it. */
  waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        const match = pattern.exec(this.received);
        if (match) resolve(match[1] ?? match[0]);
        else if (Date.now() > deadline) reject(new Error(`the component did not get ${pattern} within ${timeoutMs} ms`));
        else setTimeout(check, 10);
      };
      check();
    });
  }

  /** Writes raw stanzas; resolves once the socket took them (waits when its buffer is full). */
  async send(text: string): Promise<void> {
    if (!this.socket.write(text)) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
  }

  private pings = 0;

  /** Resolves once Prosody has routed everything the component sent so far (it answers a ping after them). */
  async flushed(): Promise<void> {
    const id = `flush-${++this.pings}`;
    await this.send(`<iq type='get' id='${id}' from='${this.domain}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await this.waitFor(new RegExp(`<iq [^>]*id=['"]${id}['"]`), 30_000);
  }

  stop(): void {
    this.socket.end('</stream:stream>');
    this.socket.destroy();
  }
}
