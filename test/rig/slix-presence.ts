// Drives test/rig/slix-presence.py: a slixmpp client whose presence a test sets step by step.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureSlixmpp } from './slixmpp';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'rig', 'slix-presence.py');

export type SlixEvent =
  | { event: 'ready' }
  | { event: 'ack'; command: string }
  | { event: 'message'; from: string; body: string }
  | { event: 'subscribe'; from: string };

export type SlixCommand = 'available' | 'chat' | 'away' | 'xa' | 'dnd' | 'unavailable' | `status ${string}` | `subscribe ${string}`;

export class SlixPresence {
  /** Every event so far, in order. */
  readonly events: SlixEvent[] = [];
  private stderr = '';
  private buffered = '';
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, newline).trim();
        this.buffered = this.buffered.slice(newline + 1);
        if (line) this.events.push(JSON.parse(line) as SlixEvent);
      }
      this.wake();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) =>
      child.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  /** Logs in (plain TCP to 127.0.0.1:port) and resolves once it is available. */
  static async start(jid: string, password: string, port: number): Promise<SlixPresence> {
    ensureSlixmpp();
    const child = spawn(PYTHON, [SCRIPT, jid, password, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new SlixPresence(child);
    try {
      await peer.waitFor((e) => e.event === 'ready', 15_000, 'slixmpp login');
    } catch (error) {
      await peer.stop();
      throw error;
    }
    return peer;
  }

  /** The bodies of the messages received so far. */
  get bodies(): string[] {
    return this.events.flatMap((e) => (e.event === 'message' ? [e.body] : []));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first event (already seen or coming) that matches. */
  waitFor(match: (event: SlixEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event', from = 0): Promise<SlixEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`slixmpp peer exited before ${what}: ${this.stderr.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Carries out one command and resolves once the peer has sent the presence. */
  async command(command: SlixCommand): Promise<void> {
    const from = this.events.length;
    this.child.stdin?.write(`${command}\n`);
    await this.waitFor((e) => e.event === 'ack' && e.command === command, 10_000, `ack of ${command}`, from);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.end('quit\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
