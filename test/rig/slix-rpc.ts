// Drives test/rig/slix-rpc.py: a slixmpp client with its XEP-0009 plugin that serves a few
// methods (echo, ping, fail, silent, forged) and calls others on command.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureSlixmpp } from './slixmpp';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'rig', 'slix-rpc.py');

/** A value as the script writes and reads it: JSON, with dateTime and base64 tagged. */
export type SlixValue = string | number | boolean | null | { $date: string } | { $b64: string } | SlixValue[] | { [name: string]: SlixValue };

export type SlixRpcEvent =
  | { event: 'ready'; jid: string; twin: string }
  | { event: 'swallowed' | 'forged'; id: string; from: string }
  | { event: 'result'; tag: string; value: SlixValue }
  | { event: 'fault'; tag: string; code: number; string: string }
  | { event: 'error'; tag: string; condition: string };

export type SlixRpcOutcome = Extract<SlixRpcEvent, { event: 'result' | 'fault' | 'error' }>;

export class SlixRpc {
  readonly events: SlixRpcEvent[] = [];
  /** The full JID that serves and calls (…/rpc) and its twin (…/twin). */
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
        // The plugin prints banners of its own on IQ errors: only our JSON lines count.
        if (line.startsWith('{"event"')) this.events.push(JSON.parse(line) as SlixRpcEvent);
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

  /** Logs in as jid/rpc and jid/twin and resolves once both are available. */
  static async start(jid: string, password: string, port: number): Promise<SlixRpc> {
    ensureSlixmpp();
    const child = spawn(PYTHON, [SCRIPT, jid, password, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new SlixRpc(child);
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

  waitFor(match: (event: SlixRpcEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event'): Promise<SlixRpcEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`slixmpp rpc peer exited before ${what}: ${this.stderr.slice(-2000)}`));
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

  /** Calls method on jid with params; resolves with the result, the fault or the error's condition. */
  async call(jid: string, method: string, params: SlixValue[], timeoutS = 10): Promise<SlixRpcOutcome> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.stdin?.write(`${JSON.stringify({ tag, jid, method, params, timeout: timeoutS })}\n`);
    const outcome = await this.waitFor((e) => (e.event === 'result' || e.event === 'fault' || e.event === 'error') && e.tag === tag, (timeoutS + 5) * 1000, `the answer to ${method} on ${jid}`);
    return outcome as SlixRpcOutcome;
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
