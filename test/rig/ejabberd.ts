// A real ejabberd (Debian's package) on 127.0.0.1 with its own config, spool, users and ports.
// Debian's control script runs the server as the `ejabberd` user; we point it at our own files
// (config, ctl config with its own node name and distribution port, so no epmd), start it in
// the foreground as a child in its own process group, and stop it with the same script.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMAIN, freePort, waitForPort } from './prosody';

const run = promisify(execFile);
const CTL = '/usr/sbin/ejabberdctl';

export interface EjabberdOptions {
  /** How passwords are stored (`auth_scram_hash`): SCRAM-SHA-1 (ejabberd's default), -256 or -512. */
  scramHash?: 'sha' | 'sha256' | 'sha512';
  /** Offer PLAIN too (default true); false puts it in `disable_sasl_mechanisms`. */
  plain?: boolean;
  /** Refuse to go on without STARTTLS, as Debian's stock listener does (default false). */
  starttlsRequired?: boolean;
  /** Also a direct-TLS (XEP-0368) listener; its port is `tlsPort`. */
  directTls?: boolean;
  /** An HTTPS listener with WebSocket (RFC 7395) at /ws; its port is `httpPort` (wss://localhost:httpPort/ws). */
  websocket?: boolean;
  /** TLS 1.2 at most (as older installations): ejabberd then binds logins to the connection with tls-unique. */
  tls12?: boolean;
}

// The Erlang VM of every server this process started (Debian's script runs it under `su`, in a
// session of its own): whatever happens to the tests, none outlives the process.
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

let instances = 0;

/** Installs ejabberd with apt-get when missing and we are root; otherwise says what to install. */
export function ensureEjabberd(): void {
  if (existsSync(CTL)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('ejabberd is not installed. Run as root: apt-get update && apt-get install -y --no-install-recommends ejabberd');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'ejabberd'], { stdio: 'ignore', env });
}


export class Ejabberd {
  readonly dir: string;
  /** The STARTTLS c2s port (plain TCP first). */
  readonly port: number;
  /** A c2s port that offers no STARTTLS, for the other parties of tests (stock xmpp.js would try STARTTLS and refuse our self-signed certificate). */
  readonly peerPort: number;
  /** Direct TLS, with `directTls`. */
  readonly tlsPort: number;
  /** HTTPS with WebSocket at /ws, with `websocket`. */
  readonly httpPort: number;
  readonly certFile: string;
  readonly fingerprint256: string;
  private readonly config: string;
  private readonly ctlConfig: string;
  private readonly pidFile: string;
  private child: ChildProcess | undefined;
  /** The Erlang VM's process id (ejabberd writes it to pidFile once started). */
  private vm: number | undefined;

  private constructor(dir: string, ports: { c2s: number; peer: number; tls: number; http: number; dist: number }, options: EjabberdOptions) {
    this.dir = dir;
    this.port = ports.c2s;
    this.peerPort = ports.peer;
    this.tlsPort = ports.tls;
    this.httpPort = ports.http;
    this.config = join(dir, 'ejabberd.yml');
    this.ctlConfig = join(dir, 'ejabberdctl.cfg');
    this.pidFile = join(dir, 'ejabberd.pid');
    mkdirSync(join(dir, 'spool'));
    mkdirSync(join(dir, 'logs'));
    this.certFile = join(dir, 'localhost.crt');
    const keyFile = join(dir, 'localhost.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=localhost', '-addext', `subjectAltName=DNS:${DOMAIN},DNS:conference.${DOMAIN}`, '-keyout', keyFile, '-out', this.certFile], { stdio: 'ignore' });
    this.fingerprint256 = new X509Certificate(readFileSync(this.certFile)).fingerprint256;
    const pem = join(dir, 'server.pem');
    writeFileSync(pem, readFileSync(this.certFile, 'utf8') + readFileSync(keyFile, 'utf8'));

    const c2s = (port: number, extra: string[]): string[] => [
      `  - port: ${port}`,
      '    ip: "127.0.0.1"',
      '    module: ejabberd_c2s',
      '    max_stanza_size: 2097152',
      ...extra.map((line) => `    ${line}`),
      ...(options.tls12 ? ['    protocol_options: ["no_sslv3", "no_tlsv1", "no_tlsv1_1", "no_tlsv1_3"]'] : []),
    ];
    const disabled = ['X-OAUTH2', 'DIGEST-MD5', ...(options.plain === false ? ['PLAIN'] : [])];
    const lines = [
      `hosts: ["${DOMAIN}"]`,
      'loglevel: info',
      `certfiles: ["${pem}"]`,
      'auth_method: internal',
      'auth_password_format: scram',
      `auth_scram_hash: ${options.scramHash ?? 'sha'}`,
      `disable_sasl_mechanisms: [${disabled.map((m) => `"${m}"`).join(', ')}]`,
      'listen:',
      ...c2s(ports.c2s, options.starttlsRequired ? ['starttls_required: true'] : ['starttls: true']),
      ...c2s(ports.peer, []),
      ...(options.directTls ? c2s(ports.tls, ['tls: true']) : []),
      ...(options.websocket ? [`  - port: ${ports.http}`, '    ip: "127.0.0.1"', '    module: ejabberd_http', '    tls: true', '    request_handlers:', '      /ws: ejabberd_http_ws'] : []),
      'acl:',
      '  local:',
      '    user_regexp: ""',
      'access_rules:',
      '  local:',
      '    allow: local',
      '  c2s:',
      '    allow: all',
      '  muc_create:',
      '    allow: local',
      'shaper_rules:',
      '  max_user_offline_messages: 100000',
      'modules:',
      '  mod_caps: {}',
      '  mod_disco: {}',
      '  mod_ping: {}',
      '  mod_roster: {}',
      '  mod_version: {}',
      '  mod_offline: {access_max_user_messages: max_user_offline_messages}',
      '  mod_stream_mgmt: {resend_on_timeout: if_offline}',
      `  mod_muc: {access_create: muc_create, hosts: ["conference.${DOMAIN}"]}`,
      '',
    ];
    writeFileSync(this.config, lines.join('\n'));
    instances += 1;
    writeFileSync(this.ctlConfig, [`ERLANG_NODE=xf${process.pid}n${instances}@localhost`, `ERL_DIST_PORT=${ports.dist}`, 'INET_DIST_INTERFACE=127.0.0.1', `EJABBERD_PID_PATH=${this.pidFile}`, ''].join('\n'));
    // Debian's ejabberdctl runs the server as the ejabberd user: it must own what it writes.
    execFileSync('chown', ['-R', 'ejabberd:ejabberd', dir]);
    chmodSync(dir, 0o750);
    execFileSync('chgrp', ['ejabberd', dir]);
  }

  static async start(options: EjabberdOptions = {}): Promise<Ejabberd> {
    ensureEjabberd();
    if (process.getuid?.() !== 0) throw new Error('the ejabberd rig runs Debian\'s ejabberdctl, which needs root (it drops to the ejabberd user)');
    const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-ejabberd-'));
    const ports = { c2s: await freePort(), peer: await freePort(), tls: options.directTls ? await freePort() : 0, http: options.websocket ? await freePort() : 0, dist: await freePort() };
    const server = new Ejabberd(dir, ports, options);
    await server.launch();
    return server;
  }

  private ctlArgs(...command: string[]): string[] {
    return ['-f', this.config, '-c', this.ctlConfig, '-s', join(this.dir, 'spool'), '-l', join(this.dir, 'logs'), ...command];
  }

  /** The server's own process (the Erlang VM), while it runs. */
  get pid(): number | undefined {
    return this.vm;
  }

  /** Starts (or restarts) the server in the foreground on the same ports and spool. */
  async launch(): Promise<void> {
    rmSync(this.pidFile, { force: true });
    const child = spawn(CTL, this.ctlArgs('foreground'), { stdio: 'ignore', cwd: this.dir });
    this.child = child;
    let exited = false;
    child.on('exit', () => {
      exited = true;
      if (this.child === child) this.child = undefined;
    });
    await waitForPort(this.port, 30_000, 'ejabberd', () => exited);
    // The port opens before every module is up; the control script answers once it is started.
    await run(CTL, this.ctlArgs('started'));
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`ejabberd wrote no process id to ${this.pidFile}`);
    this.vm = pid;
    running.add(pid);
  }

  /** Stops the server: with its control script (SIGTERM), or by killing its VM (SIGKILL, a crash). */
  async kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const pid = this.vm;
    if (pid === undefined) return;
    if (signal === 'SIGKILL') process.kill(pid, 'SIGKILL');
    else await run(CTL, this.ctlArgs('stop')).catch(() => process.kill(pid, 'SIGKILL'));
    if (!(await gone(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await gone(pid, 5000);
    }
    running.delete(pid);
    this.vm = undefined;
    const child = this.child;
    if (child && child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  async register(user: string, password: string): Promise<string> {
    await run(CTL, this.ctlArgs('register', user, DOMAIN, password));
    return `${user}@${DOMAIN}`;
  }

  /** Full JIDs of the account's sessions, as ejabberd lists them. */
  async sessionJids(bareJid: string): Promise<string[]> {
    const [user, host] = bareJid.split('@') as [string, string];
    const { stdout } = await run(CTL, this.ctlArgs('user_resources', user, host));
    return stdout.split('\n').filter(Boolean).map((resource) => `${bareJid}/${resource}`);
  }

  log(): string {
    const file = join(this.dir, 'logs', 'ejabberd.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }
}
