// An address and port where a connection attempt gets no answer at all, as behind a firewall that
// drops packets: a listener whose accept queue is full (the kernel then drops further SYNs), held
// by a child process that never accepts. Only loopback is involved.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';

// Listens with the smallest queue, says its port, then blocks its event loop for good: nothing is accepted.
const LISTENER = `
const server = require('node:net').createServer();
server.listen({ host: process.argv[1], port: Number(process.argv[2]), backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`the silent listener exited (${code})`)));
  });
}

function connected(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export class SilentPort {
  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
    private readonly fillers: Socket[],
  ) {}

  /** On `host` (e.g. "::1"), at `port` or a free one. */
  static async start(host: string, port = 0): Promise<SilentPort> {
    const child = spawn(process.execPath, ['-e', LISTENER, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const bound = Number(await firstLine(child));
    // The queue holds backlog + 1 connections the kernel completed; once they wait there, SYNs go unanswered.
    const fillers = [await connected(host, bound), await connected(host, bound)];
    return new SilentPort(child, host, bound, fillers);
  }

  async stop(): Promise<void> {
    for (const socket of this.fillers) socket.destroy();
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
