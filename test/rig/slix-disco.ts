// Drives test/rig/slix-disco.py: a slixmpp client (two resources) that describes itself over
// service discovery, asks others, and misbehaves on the disco nodes "silent" and "forged".
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureSlixmpp } from './slixmpp';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'rig', 'slix-disco.py');

export type SlixDiscoEvent =
  | { event: 'ready'; jid: string; twin: string }
  | { event: 'swallowed' | 'forged'; node: string; id: string; from: string }
  | { event: 'answer'; tag: string; identities: string[][]; features: string[]; items: string[][] }
  | { event: 'error'; tag: string; condition: string; text: string };

export type SlixDiscoAnswer = Extract<SlixDiscoEvent, { event: 'answer' | 'error' }>;

export class SlixDisco {
  readonly events: SlixDiscoEvent[] = [];
  /** The full JID that answers (…/disco) and its twin (…/twin). */
  jid = '';
  twin = '';
  private stderr = '';
  private buffered = '';
  private tags = 0;
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, newline).trim();
        this.buffered = this.buffered.slice(newline + 1);
        if (line) this.events.push(JSON.parse(line) as SlixDiscoEvent);
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

  /** Logs in as jid/disco and jid/twin and resolves once both are available. */
  static async start(jid: string, password: string, port: number): Promise<SlixDisco> {
    ensureSlixmpp();
    const child = spawn(PYTHON, [SCRIPT, jid, password, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new SlixDisco(child);
    try {
      const ready = await peer.waitFor((e) => e.event === 'ready', 20_000, 'slixmpp login');
      if (ready.event === 'ready') {
        peer.jid = ready.jid;
        peer.twin = ready.twin;
      }
    } catch (error) {
      await peer.stop();
      throw error;
    }
    return peer;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  waitFor(match: (event: SlixDiscoEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event'): Promise<SlixDiscoEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`slixmpp disco peer exited before ${what}: ${this.stderr.slice(-2000)}`));
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

  /** Asks jid (and node) for disco#info or disco#items; resolves with the answer or the error's condition. */
  async ask(kind: 'info' | 'items', jid: string, node?: string): Promise<SlixDiscoAnswer> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.stdin?.write(`${JSON.stringify({ tag, kind, jid, node })}\n`);
    const answer = await this.waitFor((e) => (e.event === 'answer' || e.event === 'error') && e.tag === tag, 15_000, `answer to ${kind} ${jid} ${node ?? ''}`);
    return answer as SlixDiscoAnswer;
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
