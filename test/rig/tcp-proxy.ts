// A TCP relay on 127.0.0.1 between a client and the server, for failures a real network has:
// cut every connection (an outage the server does not see as a logout), refuse or black-hole
// new ones, and inject raw bytes towards the client (a server that misbehaves).
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

interface Pair {
  client: Socket;
  server: Socket;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly sockets = new Set<Socket>();
  private mode: ProxyMode = 'pass';
  /** Connections accepted so far (refused ones included). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static start(targetPort: number): Promise<TcpProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        const proxy = new TcpProxy(server, port, targetPort);
        server.on('connection', (socket) => proxy.accept(socket));
        resolve(proxy);
      });
    });
  }

  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
  }

  /** Ends every relayed connection at once, as a broken network would (no stream close). */
  cut(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    this.pairs.clear();
  }

  /** Stops relaying in both directions without closing anything: the line goes silent. */
  freeze(): void {
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.server.pause();
      pair.client.unpipe(pair.server);
      pair.server.unpipe(pair.client);
    }
  }

  /** Writes raw bytes to every client, as if the server had sent them. */
  inject(text: string): void {
    for (const pair of this.pairs) pair.client.write(text);
  }

  stop(): Promise<void> {
    this.cut();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'blackhole') {
      client.pause(); // accepted, never answered
      return;
    }
    const server = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(server);
    server.on('close', () => this.sockets.delete(server));
    server.on('error', () => client.destroy());
    const pair = { client, server };
    this.pairs.add(pair);
    // One side closing ends the other after what is in flight (a stream error, say) got through.
    client.on('close', () => {
      this.pairs.delete(pair);
      server.end();
    });
    server.on('close', () => {
      this.pairs.delete(pair);
      client.end();
    });
    client.pipe(server);
    server.pipe(client);
  }
}
