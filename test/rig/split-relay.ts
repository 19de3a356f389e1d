// A TCP relay on 127.0.0.1 that cuts the byte stream inside every multi-byte UTF-8 character,
// in both directions: each piece is written on its own, with a turn of the event loop between
// pieces, so that the two halves of a character reach the other side in different reads.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Offsets at which to cut `data`: one byte into each multi-byte character. */
export function cutsInsideCharacters(data: Buffer): number[] {
  const cuts: number[] = [];
  for (let i = 0; i < data.length; i += 1) {
    const byte = data[i] as number;
    if (byte >= 0xc0 && i + 1 < data.length) cuts.push(i + 1);
  }
  return cuts;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Forwards from → to, cutting as above; pauses `from` while a chunk is being written. */
function forward(from: Socket, to: Socket, counter: { pieces: number; cuts: number }): void {
  let chain = Promise.resolve();
  // What is still being written goes out before the end is passed on.
  from.on('end', () => {
    chain = chain.then(() => {
      to.end();
    });
  });
  from.on('data', (data: Buffer) => {
    from.pause();
    chain = chain.then(async () => {
      let start = 0;
      for (const cut of cutsInsideCharacters(data)) {
        if (to.destroyed) return;
        to.write(data.subarray(start, cut));
        counter.pieces += 1;
        counter.cuts += 1;
        start = cut;
        await nextTurn();
      }
      if (!to.destroyed) to.write(data.subarray(start));
      counter.pieces += 1;
      from.resume();
    });
  });
}

export class SplitRelay {
  private readonly sockets = new Set<Socket>();
  /** Pieces written and cuts made inside characters, over both directions. */
  readonly counter = { pieces: 0, cuts: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(targetPort: number): Promise<SplitRelay> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const relay = new SplitRelay(server, typeof address === 'object' && address ? address.port : 0);
        server.on('connection', (client) => relay.accept(client, targetPort));
        resolve(relay);
      });
    });
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    const server = connect(targetPort, '127.0.0.1');
    for (const socket of [client, server]) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', (hadError) => {
        this.sockets.delete(socket);
        if (hadError) {
          client.destroy();
          server.destroy();
        }
      });
    }
    forward(client, server, this.counter);
    forward(server, client, this.counter);
  }
}
