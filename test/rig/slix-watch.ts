// A slixmpp contact watching the bot's presence (test/rig/slix-watch.py), as a long-running child.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ensureSlixmpp } from './slixmpp';
import { waitFor } from './peer';

export interface SeenPresence {
  from?: string;
  type: string;
  show?: string;
  status?: string;
}

export class SlixWatcher extends EventEmitter {
  readonly seen: SeenPresence[] = [];
  private constructor(private readonly child: ChildProcess) {
    super();
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim().startsWith('{')) {
          const presence = JSON.parse(line) as SeenPresence;
          this.seen.push(presence);
          this.emit('presence', presence);
        }
        newline = buffer.indexOf('\n');
      }
    });
  }

  /** Logs in as jid; with `ask`, asks `bot` for its presence. Resolves once the session started. */
  static async start(jid: string, password: string, port: number, bot: string, ask: boolean): Promise<SlixWatcher> {
    ensureSlixmpp();
    const script = join(__dirname, '..', '..', '..', 'test', 'rig', 'slix-watch.py');
    const child = spawn('/usr/bin/python3', [script, jid, password, String(port), bot, ask ? 'subscribe' : ''], { stdio: ['pipe', 'pipe', 'ignore'] });
    const watcher = new SlixWatcher(child);
    await watcher.next((p) => p.type === 'session_start', 15_000);
    return watcher;
  }

  next(match: (presence: SeenPresence) => boolean, timeoutMs = 10_000): Promise<SeenPresence> {
    const already = this.seen.find(match);
    if (already) return Promise.resolve(already);
    return waitFor(this, 'presence', (p: SeenPresence) => (match(p) ? p : undefined), timeoutMs, 'a presence at the slixmpp peer').catch((error: unknown) => {
      throw new Error(`${String(error)}; it saw ${JSON.stringify(this.seen)}`);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.stdin?.end();
    });
  }
}
