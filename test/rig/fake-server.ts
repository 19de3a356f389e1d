// A hostile XMPP server on 127.0.0.1, for what a real server never does: it logs any client in
// (PLAIN, or a SCRAM challenge of its choosing), binds the resource it is asked for, answers
// every IQ with an empty result, and then lets a test write whatever it likes to the stream.
import { createServer, type Server, type Socket } from 'node:net';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

export interface FakeServerOptions {
  /** What the server offers and does at login: PLAIN (accepts anything) or SCRAM-SHA-1 with this iteration count (never completes). */
  login?: { mechanism: 'PLAIN' } | { mechanism: 'SCRAM-SHA-1'; iterations: number; /** XEP-0474: the h= attribute of its challenge. */ downgradeHash?: string };
  /** The mechanisms to announce instead (as a server that stores only SCRAM-SHA-256 would). */
  offer?: string[];
}

/** One client connection, as the server sees it. */
export class FakeConnection {
  /** Everything the client wrote, as text. */
  received = '';
  online = false;
  /** Bytes written to the client by attack(). */
  attackBytes = 0;
  private streams = 0;

  constructor(
    readonly socket: Socket,
    private readonly options: FakeServerOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => this.onData(data.toString('utf8')));
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /**
   * Writes `chunk` again and again while the client keeps reading, up to `maxBytes`; resolves
   * with the bytes written when the client closes the connection or the maximum is reached.
   */
  async flood(head: string, chunk: string, maxBytes: number): Promise<number> {
    this.write(head);
    const bytes = Buffer.byteLength(chunk);
    while (!this.socket.destroyed && this.attackBytes < maxBytes) {
      const more = this.socket.write(chunk);
      this.attackBytes += bytes;
      if (!more) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.once('drain', done);
          this.socket.once('close', done);
        });
      }
    }
    return this.attackBytes;
  }

  private header(): string {
    this.streams += 1;
    return `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='fake-${this.streams}' version='1.0'>`;
  }

  private onData(text: string): void {
    this.received += text;
    for (let headers = (text.match(/<stream:stream\b/g) ?? []).length; headers > 0; headers -= 1) {
      this.write(this.header());
      if (this.streams === 1) {
        const offered = this.options.offer ?? [this.options.login?.mechanism ?? 'PLAIN'];
        this.write(`<stream:features><mechanisms xmlns='${NS_SASL}'>${offered.map((m) => `<mechanism>${m}</mechanism>`).join('')}</mechanisms></stream:features>`);
      } else {
        this.write(`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`);
      }
    }
    const auth = /<auth [^>]*>([^<]*)<\/auth>/.exec(text);
    if (auth) {
      const login = this.options.login;
      if (login?.mechanism === 'SCRAM-SHA-1') {
        const first = Buffer.from(auth[1] ?? '', 'base64').toString('utf8');
        const nonce = /r=([^,]+)/.exec(first)?.[1] ?? '';
        const h = login.downgradeHash ? `,h=${login.downgradeHash}` : '';
        const challenge = `r=${nonce}fake,s=${Buffer.from('salt-of-the-fake').toString('base64')},i=${login.iterations}${h}`;
        this.write(`<challenge xmlns='${NS_SASL}'>${Buffer.from(challenge).toString('base64')}</challenge>`);
      } else {
        this.write(`<success xmlns='${NS_SASL}'/>`);
      }
    }
    for (const iq of text.matchAll(/<iq [^>]*?(?:type=["'](get|set)["'][^>]*?id=["']([^"']+)["']|id=["']([^"']+)["'][^>]*?type=["'](get|set)["'])[^>]*>/g)) {
      const id = iq[2] ?? iq[3] ?? '';
      const whole = text.slice(iq.index ?? 0);
      if (/^<iq [^>]*>\s*<bind /.test(whole)) {
        const resource = /<resource>([^<]*)<\/resource>/.exec(whole)?.[1] ?? 'fake';
        this.write(`<iq type='result' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>bot@localhost/${resource}</jid></bind></iq>`);
        this.online = true;
      } else {
        this.write(`<iq type='result' id='${id}'/>`);
      }
    }
  }
}

export class FakeServer {
  readonly connections: FakeConnection[] = [];
  private readonly waiters: Array<(connection: FakeConnection) => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(options: FakeServerOptions = {}): Promise<FakeServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const fake = new FakeServer(server, typeof address === 'object' && address ? address.port : 0);
        server.on('connection', (socket) => {
          const connection = new FakeConnection(socket, options);
          fake.connections.push(connection);
          for (const waiter of fake.waiters.splice(0)) waiter(connection);
        });
        resolve(fake);
      });
    });
  }

  /** The connection with this index (0: the first one), once a client has opened it. */
  connection(index: number): Promise<FakeConnection> {
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.connections[index];
        if (found) resolve(found);
        else this.waiters.push(check);
      };
      check();
    });
  }

  stop(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
