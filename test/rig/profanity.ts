// Debian's profanity (OMEMO 0.3 through libsignal-protocol-c), a client we did not write, driven
// headless under a tmux server of its own: commands are typed into it, what it received is read
// from its own chat log database. Installed with apt-get when missing (as root).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './peer';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const RIG = join(__dirname, '..', '..', '..', 'test', 'rig');

export function ensureProfanity(): void {
  if (existsSync('/usr/bin/profanity') && existsSync('/usr/bin/tmux')) return;
  if (process.getuid?.() !== 0) throw new Error('profanity is missing. Run as root: apt-get install -y --no-install-recommends profanity tmux');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'profanity', 'tmux'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export interface ProfanityMessage {
  from: string;
  body: string;
  /** profanity's own record of how it came: 'omemo' when it decrypted it, 'none' for clear text. */
  encryption: string;
}

export class Profanity {
  /** Our device id, as profanity announced it after generating its keys. */
  deviceId = 0;
  private readonly dir: string;
  private readonly server: string;

  private constructor(
    readonly jid: string,
    private readonly password: string,
    private readonly port: number,
    private readonly tls: 'trust' | 'disable',
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-profanity-'));
    this.server = `xmpp-flows-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /**
   * Logs in (over STARTTLS trusting the test server's certificate, or without TLS), generates OMEMO keys, trusts
   * new devices blindly and publishes its device list. profanity 0.13 publishes its device only
   * when it reads its own list: on a new account the node does not exist yet and the fetch fails
   * (it never publishes), so the rig first publishes an empty list as that account.
   */
  static async start(jid: string, password: string, port: number, tls: 'trust' | 'disable' = 'trust'): Promise<Profanity> {
    ensureProfanity();
    const client = new Profanity(jid, password, port, tls);
    await client.open();
    return client;
  }

  private async open(): Promise<void> {
    const home = join(this.dir, 'home');
    mkdirSync(home, { recursive: true });
    // The environment goes on the command: a tmux server keeps the one it started with.
    const env = `HOME=${home} XDG_CONFIG_HOME=${join(home, '.config')} XDG_DATA_HOME=${join(home, '.local', 'share')} TERM=xterm`;
    await this.tmux('new-session', '-d', '-s', 'p', '-x', '220', '-y', '50', `env ${env} profanity`);
    await this.waitForScreen(/profanity|\[\d\d:\d\d\]/, 'profanity started');
    for (const command of [
      `/account add ${this.jid}`,
      `/account set ${this.jid} server 127.0.0.1`,
      `/account set ${this.jid} port ${this.port}`,
      `/account set ${this.jid} tls ${this.tls}`,
      `/account set ${this.jid} password ${this.password}`,
      `/connect ${this.jid}`,
    ]) {
      await this.type(command);
    }
    await this.waitForScreen(/logged in successfully/, `${this.jid} logged in`);
    await this.type('/omemo trustmode blind');
    await this.type('/omemo gen');
    const screen = await this.waitForScreen(/Your Device ID is (\d+)/, 'OMEMO keys generated');
    this.deviceId = Number(/Your Device ID is (\d+)/.exec(screen)?.[1]);
    await run(PYTHON, [join(RIG, 'slix-empty-devicelist.py'), this.jid, this.password, String(this.port)], { timeout: 20_000 });
    await this.waitForScreen(/Going to publish own device ID/, 'its device published');
  }

  /** Asks jid for a presence subscription (PEP notifications and presence-only nodes need one). */
  async requestSubscription(jid: string): Promise<void> {
    await this.type(`/sub request ${jid}`);
  }

  /** Accepts jid's presence subscription request. */
  async allowSubscription(jid: string): Promise<void> {
    await this.type(`/sub allow ${jid}`);
  }

  /** Opens a chat with jid, starts OMEMO in it (fetching the device list and bundles anew) and sends body. */
  async sendEncrypted(to: string, body: string): Promise<void> {
    await this.type(`/msg ${to}`);
    await this.type('/omemo end');
    await this.type('/omemo start');
    await this.waitForScreen(/\[OMEMO\]/, 'OMEMO on in the chat window');
    await this.type(body);
  }

  /** What profanity received from `from`, read from its chat log database. */
  async received(from: string): Promise<ProfanityMessage[]> {
    const [local, domain] = this.jid.split('/')[0].split('@');
    const db = join(this.dir, 'home', '.local', 'share', 'profanity', 'database', `${local}_at_${domain}`, 'chatlog.db');
    if (!existsSync(db)) return [];
    const script = 'import json,sqlite3,sys\nc=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True)\nprint(json.dumps([[f,m,e] for f,m,e in c.execute("select from_jid,message,encryption from ChatLogs where from_jid=?",(sys.argv[2],))]))';
    const { stdout } = await run(PYTHON, ['-c', script, db, from.split('/')[0]]);
    return (JSON.parse(stdout) as [string, string, string][]).map(([f, body, encryption]) => ({ from: f, body, encryption }));
  }

  /** Waits until a message with this body arrived from `from`. */
  async waitForMessage(from: string, body: string, timeoutMs = 20_000): Promise<ProfanityMessage> {
    const list = await eventually(() => this.received(from), (messages) => messages.some((m) => m.body === body), timeoutMs, `profanity receiving "${body}"`);
    return list.find((m) => m.body === body) as ProfanityMessage;
  }

  /** The visible screen, for a failing test's message. */
  async screen(): Promise<string> {
    const { stdout } = await this.tmux('capture-pane', '-p', '-t', 'p');
    return stdout;
  }

  async stop(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async type(line: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'p', '-l', line);
    await this.tmux('send-keys', '-t', 'p', 'Enter');
  }

  private async waitForScreen(pattern: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
    return eventually(() => this.screen(), (text) => pattern.test(text), timeoutMs, what);
  }

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run('tmux', ['-L', this.server, ...args]);
  }
}
