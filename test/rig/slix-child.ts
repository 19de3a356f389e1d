// A slixmpp script of the test rig run as a child: it prints one JSON event a line and takes
// commands a line on stdin. The peers (slix-disco, slix-rpc, …) are thin wrappers over this.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureSlixmpp } from './slixmpp';

const PYTHON = '/usr/bin/python3';

export interface SlixEvent {
  event: string;
}

export class SlixChild<E extends SlixEvent> {
  readonly events: E[] = [];
  private stderr = '';
  private buffered = '';
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  /** Starts test/rig/<script> with args; only stdout lines that are JSON objects with an "event" count. */
  constructor(
    script: string,
    args: string[],
    private readonly what: string,
    env: Record<string, string> = {},
  ) {
    ensureSlixmpp();
    this.child = spawn(PYTHON, [join(__dirname, '..', '..', '..', 'test', 'rig', script), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, newline).trim();
        this.buffered = this.buffered.slice(newline + 1);
        // slixmpp plugins print banners of their own: only our JSON lines count.
        if (line.startsWith('{"event"')) this.events.push(JSON.parse(line) as E);
      }
      this.wake();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) =>
      this.child.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  /** Sends one command line (JSON) to the script. */
  /** Waits for the script's "ready" event (its login done); stops the script and rethrows when it does not come. */
  async ready(timeoutMs = 20_000): Promise<E> {
    try {
      return await this.waitFor((e) => e.event === 'ready', timeoutMs, 'slixmpp login');
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  command(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  /** Sends one line of text to the script. */
  line(text: string): void {
    this.child.stdin?.write(`${text}\n`);
  }

  /** The first event (already seen, from index `from` on, or coming) that matches. */
  waitFor(match: (event: E) => boolean, timeoutMs = 10_000, what = 'slixmpp event', from = 0): Promise<E> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`${this.what} exited before ${what}: ${this.stderr.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-20))}; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.end('quit\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
