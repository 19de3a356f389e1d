// Runs test/rig/slix-peer.py with Debian's python3 and slixmpp (installed when missing and root).
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const RIG = join(__dirname, '..', '..', '..', 'test', 'rig');
const SCRIPT = join(RIG, 'slix-peer.py');

let slixmppChecked = false;

export function ensureSlixmpp(): void {
  // Each check starts a Python that imports slixmpp (~0.5 s): once a process is enough.
  if (slixmppChecked) return;
  try {
    // aiohttp: slixmpp's XEP-0363 plugin uploads with it.
    execFileSync(PYTHON, ['-c', 'import slixmpp, aiohttp'], { stdio: 'ignore' });
    slixmppChecked = true;
    return;
  } catch {
    if (process.getuid?.() !== 0) {
      throw new Error('slixmpp is missing. Run as root: apt-get install -y --no-install-recommends python3-slixmpp python3-aiohttp');
    }
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'python3-slixmpp', 'python3-aiohttp'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  slixmppChecked = true;
}

export interface SlixMessage {
  from: string;
  type: string;
  body: string;
  thread: string;
}

/** Logs in as jid, sends body to `to`, and collects `count` messages (or what came before the timeout). */
export function slixExchange(jid: string, password: string, port: number, to: string, body: string, count = 1, timeoutS = 10): Promise<{ code: number; messages: SlixMessage[] }> {
  ensureSlixmpp();
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, jid, password, String(port), to, body, String(count), String(timeoutS)], { timeout: (timeoutS + 10) * 1000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code !== 0 && code !== 3) {
        reject(new Error(`slixmpp peer failed (${code}): ${stderr}`));
        return;
      }
      const messages = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as SlixMessage);
      resolve({ code, messages });
    });
  });
}

/** Logs in as jid and returns the bodies of all messages received until `marker` (inclusive). */
export function slixCollect(jid: string, password: string, port: number, marker: string, timeoutS = 60): Promise<{ code: number; bodies: string[] }> {
  ensureSlixmpp();
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(RIG, 'slix-collect.py'), jid, password, String(port), marker, String(timeoutS)], { timeout: (timeoutS + 10) * 1000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code !== 0 && code !== 3) {
        reject(new Error(`slixmpp collector failed (${code}): ${stderr}`));
        return;
      }
      resolve({ code, bodies: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as string) });
    });
  });
}
