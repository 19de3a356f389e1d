// A real Prosody (Debian's package) on 127.0.0.1 with its own config, data, users and port,
// started as a child process and stopped by PID.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TcpProxy } from './tcp-proxy';

const run = promisify(execFile);

export interface ProsodyOptions {
  /** PBKDF2 rounds for new users; Prosody's default (10,000) unless a test wants quick logins. */
  iterations?: number;
  /** Enable the MUC component at conference.localhost. */
  muc?: boolean;
  /** Keep messages for offline users (mod_offline). Off unless asked for. */
  offline?: boolean;
  /** A self-signed certificate for "localhost": STARTTLS on the c2s port and direct TLS on another. */
  tls?: boolean;
  /** With tls: refuse to go on without encryption (default false). */
  requireEncryption?: boolean;
  /** With tls: TLS 1.2 only (Prosody then offers SCRAM-SHA-1-PLUS with tls-unique). */
  tls12?: boolean;
  /** XMPP over WebSocket (mod_websocket): ws:// on `httpPort`, and with tls wss:// on `httpsPort`, path /xmpp-websocket. */
  websocket?: boolean;
  /** A fixed c2s port (default: a free one). */
  port?: number;
  /** With tls: a fixed direct-TLS port (default: a free one). */
  tlsPort?: number;
  /** More virtual hosts besides localhost (e.g. a domain the test DNS server knows). */
  hosts?: string[];
  /** With tls: the names the certificate is for (default: localhost and every one of `hosts`). */
  certNames?: string[];
  /** More c2s ports on 127.0.0.1 besides `port` (e.g. to tell two clients' connection attempts apart). */
  extraPorts?: number[];
  /** The largest stanza a client may send, in bytes (default 2 MiB; Prosody's own default is 256 KiB). */
  stanzaLimit?: number;
  /** An external component (XEP-0114) at strangers.localhost, to send stanzas from any JID of that domain. */
  component?: boolean;
  /**
   * HTTP file upload (XEP-0363, mod_http_file_share) at upload.localhost, on the HTTP server
   * (https with tls, else http). Its slot URLs point at `uploadRelay`, a TCP relay to that port,
   * so a test can count the HTTP connections made.
   */
  fileShare?: FileShareOptions;
  /** Message carbons (XEP-0280, mod_carbons) for clients that ask. */
  carbons?: boolean;
  /** Ad-hoc commands (XEP-0050: mod_adhoc, mod_admin_adhoc), with admin@localhost as the admin. */
  adhoc?: boolean;
  /**
   * Personal eventing (XEP-0163, mod_pep) as OMEMO needs it: publish-options with
   * access_model=open create the nodes, +notify in caps or an explicit subscription brings
   * notifications, and a node may keep `pepMaxItems` items ("max" in publish-options means that
   * many; OMEMO 2 keeps every device's bundle as one item of urn:xmpp:omemo:2:bundles).
   */
  pep?: boolean;
  /** With pep: the most items one node may keep (Prosody's own default is 256). */
  pepMaxItems?: number;
}

export interface FileShareOptions {
  /** The largest file it takes, in bytes (announced as max-file-size; Prosody's default is 10 MB). */
  sizeLimit?: number;
}

export const DOMAIN = 'localhost';

// Every server this process started; whatever happens to the tests, none outlives the process.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Installs Prosody with apt-get when missing and we are root; otherwise says what to install. */
export function ensureProsody(): void {
  if (existsSync('/usr/bin/prosody') && existsSync('/usr/bin/prosodyctl')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('Prosody is not installed. Run as root: apt-get update && apt-get install -y --no-install-recommends prosody lua-unbound');
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prosody', 'lua-unbound'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:port; rejects after timeoutMs, or as soon as `gaveUp()` says the server is gone. */
export function waitForPort(port: number, timeoutMs: number, server = 'the server', gaveUp: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tryOnce = (): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (gaveUp()) reject(new Error(`${server} exited before opening port ${port}`));
        else if (Date.now() > deadline) reject(new Error(`${server} did not open port ${port}`));
        else setTimeout(tryOnce, 20);
      });
    };
    tryOnce();
  });
}

export class Prosody {
  readonly dir: string;
  readonly port: number;
  readonly config: string;
  /** With tls: the direct-TLS port, the certificate's PEM file and its SHA-256 fingerprint. */
  readonly tlsPort: number;
  readonly certFile: string;
  readonly fingerprint256: string;
  /** With component: its port and secret. */
  readonly componentPort: number;
  readonly componentSecret = 'component-secret-of-the-rig';
  /** With websocket or fileShare: the HTTP and HTTPS ports (0 when not open). */
  httpPort = 0;
  httpsPort = 0;
  /** With fileShare: the relay the slot URLs point at (https://localhost:PORT/file_share/… with tls). */
  uploadRelay: TcpProxy | undefined;
  private child: ChildProcess | undefined;

  private constructor(dir: string, port: number, tlsPort: number, componentPort: number, options: ProsodyOptions, httpPorts: [number, number] = [0, 0], uploadRelay?: TcpProxy) {
    this.dir = dir;
    [this.httpPort, this.httpsPort] = httpPorts;
    this.uploadRelay = uploadRelay;
    const http = options.websocket === true || options.fileShare !== undefined;
    this.port = port;
    this.tlsPort = tlsPort;
    this.componentPort = componentPort;
    this.config = join(dir, 'prosody.cfg.lua');
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'certs'), { recursive: true });
    this.certFile = join(dir, 'certs', 'localhost.crt');
    const keyFile = join(dir, 'certs', 'localhost.key');
    this.fingerprint256 = '';
    if (options.tls) {
      const names = (options.certNames ?? [DOMAIN, ...(options.hosts ?? [])]).map((name) => `DNS:${name}`).join(',');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=localhost', '-addext', `subjectAltName=${names}`, '-keyout', keyFile, '-out', this.certFile], { stdio: 'ignore' });
      this.fingerprint256 = new X509Certificate(readFileSync(this.certFile)).fingerprint256;
    }
    const modules = ['roster', 'saslauth', 'disco', 'ping', 'smacks', 'admin_shell', 'posix', 'version', ...(options.offline ? ['offline'] : []), ...(options.carbons ? ['carbons'] : []), ...(options.pep ? ['pep'] : []), ...(options.adhoc ? ['adhoc', 'admin_adhoc'] : []), ...(options.tls ? ['tls'] : []), ...(options.websocket ? ['websocket'] : [])];
    const disabled = ['s2s', ...(options.offline ? [] : ['offline']), ...(options.tls ? [] : ['tls'])];
    const lines = [
      'run_as_root = true',
      `pidfile = "${join(dir, 'prosody.pid')}"`,
      `data_path = "${join(dir, 'data')}"`,
      `log = { info = "${join(dir, 'prosody.log')}"; error = "${join(dir, 'error.log')}" }`,
      'interfaces = { "127.0.0.1" }',
      `c2s_ports = { ${[port, ...(options.extraPorts ?? [])].join('; ')} }`,
      's2s_ports = { }',
      http ? `http_ports = { ${this.httpPort} }` : 'http_ports = { }',
      http && options.tls ? `https_ports = { ${this.httpsPort} }` : 'https_ports = { }',
      http ? 'http_interfaces = { "127.0.0.1" }\nhttps_interfaces = { "127.0.0.1" }' : '',
      http && options.tls ? `https_ssl = { certificate = "${this.certFile}"; key = "${keyFile}" }` : '',
      options.tls ? `c2s_direct_tls_ports = { ${tlsPort} }` : 'c2s_direct_tls_ports = { }',
      'legacy_ssl_ports = { }',
      `certificates = "${join(dir, 'certs')}"`,
      `modules_enabled = { ${modules.map((m) => `"${m}"`).join('; ')} }`,
      `modules_disabled = { ${disabled.map((m) => `"${m}"`).join('; ')} }`,
      options.tls ? `ssl = { certificate = "${this.certFile}"; key = "${keyFile}"${options.tls12 ? '; protocol = "tlsv1_2"' : ''} }` : '',
      `c2s_require_encryption = ${options.requireEncryption ? 'true' : 'false'}`,
      'allow_unencrypted_plain_auth = true',
      'authentication = "internal_hashed"',
      `c2s_stanza_size_limit = ${options.stanzaLimit ?? 2 * 1024 * 1024}`,
      options.iterations ? `default_iteration_count = ${options.iterations}` : '',
      // Offline storage holds 10,000 messages per user by default; delivery tests store more.
      options.offline ? 'storage_archive_item_limit = 100000' : '',
      options.component ? `component_ports = { ${componentPort} }` : 'component_ports = { }',
      options.component ? 'component_interfaces = { "127.0.0.1" }' : '',
      options.adhoc ? `admins = { "admin@${DOMAIN}" }` : '',
      options.pep && options.pepMaxItems !== undefined ? `pep_max_items = ${options.pepMaxItems}` : '',
      `VirtualHost "${DOMAIN}"`,
      options.muc ? `Component "conference.${DOMAIN}" "muc"` : '',
      options.component ? `Component "strangers.${DOMAIN}"\n  component_secret = "${this.componentSecret}"` : '',
      // The upload service's HTTP paths live on the "localhost" HTTP host; its URLs name the relay.
      uploadRelay
        ? [
            `Component "upload.${DOMAIN}" "http_file_share"`,
            `  http_host = "${DOMAIN}"`,
            `  http_external_url = "${options.tls ? 'https' : 'http'}://${DOMAIN}:${uploadRelay.port}/"`,
            `  http_file_share_size_limit = ${options.fileShare?.sizeLimit ?? 10 * 1024 * 1024}`,
            `  http_file_share_daily_quota = ${1024 * 1024 * 1024}`,
          ].join('\n')
        : '',
      ...(options.hosts ?? []).map((host) => `VirtualHost "${host}"`),
      '',
    ];
    writeFileSync(this.config, lines.join('\n'));
  }

  static async start(options: ProsodyOptions = {}): Promise<Prosody> {
    ensureProsody();
    const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-prosody-'));
    const http = options.websocket === true || options.fileShare !== undefined;
    const httpPorts: [number, number] = http ? [await freePort(), options.tls ? await freePort() : 0] : [0, 0];
    const uploadRelay = options.fileShare ? await TcpProxy.start(options.tls ? httpPorts[1] : httpPorts[0]) : undefined;
    const server = new Prosody(dir, options.port ?? (await freePort()), options.tls ? (options.tlsPort ?? (await freePort())) : 0, options.component ? await freePort() : 0, options, httpPorts, uploadRelay);
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (or restarts) the server process on the same port and data. */
  async launch(): Promise<void> {
    const child = spawn('prosody', ['--config', this.config, '-F'], { stdio: 'ignore' });
    this.child = child;
    running.add(child);
    child.on('exit', () => {
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });
    await waitForPort(this.port, 10_000, 'Prosody');
  }

  /** Stops the process with a signal and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Freezes the process (SIGSTOP): sockets stay open, nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused process go on (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill('SIGTERM');
    await this.uploadRelay?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async register(user: string, password: string, host = DOMAIN): Promise<string> {
    await run('prosodyctl', ['--config', this.config, 'register', user, host, password]);
    return `${user}@${host}`;
  }

  /** Runs a command in Prosody's admin shell and returns what it printed. */
  async shell(command: string): Promise<string> {
    const { stdout } = await run('prosodyctl', ['--config', this.config, 'shell', command]);
    return stdout;
  }

  /** Full JIDs of the account's sessions, as Prosody itself lists them. */
  async sessionJids(bareJid: string): Promise<string[]> {
    // c2s:show(jid) in 0.12 matches full JIDs only, so list all and filter here.
    const out = await this.shell('c2s:show()');
    if (!/OK: \d+ c2s sessions? shown/.test(out)) throw new Error(`unexpected admin shell output: ${out}`);
    return out
      .split('\n')
      .map((line) => line.split('|')[1]?.trim() ?? '')
      .filter((jid) => jid.startsWith(`${bareJid}/`));
  }

  /** Authenticated client sessions of one account. */
  async sessionCount(bareJid: string): Promise<number> {
    return (await this.sessionJids(bareJid)).length;
  }

  log(): string {
    const file = join(this.dir, 'prosody.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }
}
