// A real Node-RED (the devDependency, 4.1) as a child process, with this package packed by
// `npm pack` and installed from the tarball into its userDir, as a user would install it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort } from './prosody';

const run = promisify(execFile);

/** The repository root (this file runs as dist/test/rig/node-red-process.js). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** One node of a flow as the admin API takes and gives it. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  credentials?: Record<string, string>;
  [key: string]: unknown;
}

export type DeploymentType = 'full' | 'nodes' | 'flows' | 'reload';

export interface NodeRedOptions {
  /** HTTP port of the editor and admin API; a free one when not given. */
  port?: number;
  /** The userDir; a fresh temporary folder (removed by stop()) when not given. */
  userDir?: string;
  /** Console log level (default 'info'). */
  logLevel?: LogLevel;
  /** Secret for flows_cred.json; a random one when not given. */
  credentialSecret?: string;
  /** The package tarball to install; packOnce() when not given. */
  tarball?: string;
  /** How long to wait for "Started flows" (default 30 s). */
  readyTimeoutMs?: number;
  /** The node binary to run Node-RED with (default: the one running this code). */
  nodeBinary?: string;
  /** A Node-RED to install into the userDir and run, e.g. 'node-red@5' (default: the repo's own devDependency). */
  nodeRed?: string;
  /** Called with each chunk Node-RED writes to stdout or stderr. */
  onOutput?: (text: string) => void;
  /** Node-RED's contextStorage setting, e.g. { default: { module: 'localfilesystem' } }; none (memory only) when not given. */
  contextStorage?: Record<string, unknown>;
  /** Extra environment variables for the Node-RED process (added to this process's own). */
  env?: Record<string, string>;
  /**
   * Node-RED's functionGlobalContext: names for `global.get()` in function nodes, each the
   * built-in module it requires, e.g. { perf_hooks: 'perf_hooks' }. None when not given.
   */
  functionGlobalContext?: Record<string, string>;
  /** Node-RED's adminAuth setting (users with bcrypt hashes and permissions); none (an open editor) when not given. */
  adminAuth?: Record<string, unknown>;
}

let packed: Promise<string> | undefined;

// Every Node-RED this process started; none outlives it, whatever happens to the tests.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Packs the package once per process (the build has already run, so npm's `prepare` is not
 * run again) and returns the tarball's path. The tarball's folder goes away when the process exits.
 */
export function packOnce(): Promise<string> {
  packed ??= (async () => {
    const destination = mkdtempSync(join(tmpdir(), 'xmpp-flows-pack-'));
    process.once('exit', () => rmSync(destination, { recursive: true, force: true }));
    // The npm that came with this Node: under `npm test` the first npm on the PATH is Node-RED's
    // own (10.9), whose pack runs `prepare` (a whole build) despite --ignore-scripts.
    const npm = join(dirname(process.execPath), 'npm');
    const { stdout } = await run(existsSync(npm) ? npm : 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as Array<{ filename: string }>;
    const filename = report[0]?.filename;
    if (!filename) throw new Error(`npm pack printed no file name: ${stdout}`);
    const tarball = join(destination, filename);
    if (!existsSync(tarball)) throw new Error(`npm pack did not write ${tarball}`);
    return tarball;
  })();
  return packed;
}

/**
 * A Node.js binary from the npm registry's `node` package, `version` being what npm takes after
 * `node@` ('22' for the newest 22.x, '22.9.0' for exactly that one). Kept in .rig/node<version>
 * (.rig is ignored by git; '22' gives .rig/node22 as before) so that later runs reuse it.
 * Node-RED 5 needs Node 22.9 or later.
 */
export async function nodeFromNpm(version = '22'): Promise<string> {
  const dir = join(REPO_ROOT, '.rig', `node${version}`);
  const binary = join(dir, 'node_modules', '.bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `node${version}`, private: true }) + '\n');
    await run('npm', ['install', `node@${version}`, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  }
  return binary;
}

/** Installs a tarball into a Node-RED userDir the way `npm install` in ~/.node-red would. */
export async function installPackage(userDir: string, tarball: string): Promise<void> {
  mkdirSync(userDir, { recursive: true });
  const manifest = join(userDir, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'node-red-project', private: true }, null, 2) + '\n');
  await run('npm', ['install', tarball, '--prefix', userDir, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: userDir,
    maxBuffer: 16 * 1024 * 1024,
  });
}

function settingsFile(options: {
  port: number;
  userDir: string;
  logLevel: LogLevel;
  credentialSecret: string;
  contextStorage?: Record<string, unknown>;
  functionGlobalContext?: Record<string, string>;
  adminAuth?: Record<string, unknown>;
}): string {
  const settings = {
    ...(options.contextStorage ? { contextStorage: options.contextStorage } : {}),
    ...(options.adminAuth ? { adminAuth: options.adminAuth } : {}),
    uiHost: '127.0.0.1',
    uiPort: options.port,
    userDir: options.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: options.credentialSecret,
    // Nothing leaves the machine: no telemetry or update check, no palette catalogue, no installs.
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { palette: { catalogues: [] }, tours: false, projects: { enabled: false } },
    logging: { console: { level: options.logLevel, metrics: false, audit: false } },
  };
  // Modules can only be required in the settings file itself, so these go in as code.
  const globals = Object.entries(options.functionGlobalContext ?? {}).map(([name, module]) => `${JSON.stringify(name)}: require(${JSON.stringify(module)})`);
  const context = globals.length > 0 ? `module.exports.functionGlobalContext = { ${globals.join(', ')} };\n` : '';
  return `// Written by test/rig/node-red-process.ts\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n${context}`;
}

export class NodeRedProcess {
  readonly port: number;
  readonly userDir: string;
  readonly url: string;
  private output = '';
  /** With adminAuth: the access token every request of fetch() carries (see login()). */
  token: string | undefined;
  private readonly listeners = new Set<() => void>();
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    port: number,
    userDir: string,
    private readonly ownsUserDir: boolean,
    onOutput: ((text: string) => void) | undefined,
  ) {
    this.port = port;
    this.userDir = userDir;
    this.url = `http://127.0.0.1:${port}`;
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.output += text;
      onOutput?.(text);
      for (const listener of [...this.listeners]) listener();
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolveExit) => {
      child.once('close', () => {
        for (const listener of [...this.listeners]) listener();
        resolveExit();
      });
    });
  }

  /** Packs (once) and installs the package into the userDir, then starts Node-RED and waits for its flows. */
  static async start(options: NodeRedOptions = {}): Promise<NodeRedProcess> {
    const port = options.port ?? (await freePort());
    const ownsUserDir = options.userDir === undefined;
    const userDir = options.userDir ?? mkdtempSync(join(tmpdir(), 'xmpp-flows-node-red-'));
    mkdirSync(userDir, { recursive: true });
    await installPackage(userDir, options.tarball ?? (await packOnce()));
    if (options.nodeRed) await installPackage(userDir, options.nodeRed);

    const settings = join(userDir, 'settings.js');
    writeFileSync(
      settings,
      settingsFile({
        port,
        userDir,
        logLevel: options.logLevel ?? 'info',
        credentialSecret: options.credentialSecret ?? randomBytes(24).toString('hex'),
        contextStorage: options.contextStorage,
        functionGlobalContext: options.functionGlobalContext,
        adminAuth: options.adminAuth,
      }),
    );
    const redJs = options.nodeRed ? join(userDir, 'node_modules', 'node-red', 'red.js') : join(REPO_ROOT, 'node_modules', 'node-red', 'red.js');
    const child = spawn(options.nodeBinary ?? process.execPath, [redJs, '--settings', settings, '--userDir', userDir], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const red = new NodeRedProcess(child, port, userDir, ownsUserDir, options.onOutput);
    try {
      await red.waitForLog(/Started flows/, options.readyTimeoutMs ?? 30_000);
      await red.waitForApi(5_000);
    } catch (error) {
      await red.stop();
      throw error;
    }
    return red;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything Node-RED wrote to stdout and stderr so far. */
  log(): string {
    return this.output;
  }

  /**
   * Resolves once the output (from character `from` on) matches; rejects when the process
   * exits first or after timeoutMs, quoting the end of the log.
   */
  waitForLog(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolveMatch, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(this.output.slice(from));
        if (match) {
          finish();
          resolveMatch(match);
          return true;
        }
        if (!this.running) {
          finish();
          reject(new Error(`Node-RED exited (${this.child.exitCode ?? this.child.signalCode}) before ${pattern}; log:\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in Node-RED's log:\n${this.tail()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      check();
    });
  }

  /** Polls GET /settings until the admin API answers. */
  private async waitForApi(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const response = await this.fetch('/settings');
        // With adminAuth it answers 401 to a request without a token: answering all the same.
        if (response.ok || response.status === 401) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Node-RED's admin API did not answer on ${this.url}`);
      await new Promise((next) => setTimeout(next, 50));
    }
  }

  private tail(): string {
    return this.output.split('\n').slice(-40).join('\n');
  }

  /** A raw request to the admin API; `path` starts with '/'. Carries the token, when there is one and the request names none. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${this.token}`);
    return fetch(`${this.url}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
  }

  /** With adminAuth: logs in as the editor does (POST /auth/token) and returns the access token; `scope` at most the user's permissions. */
  async login(username: string, password: string, scope = '*'): Promise<string> {
    const response = await fetch(`${this.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST /auth/token as ${username}: ${response.status} ${text}`);
    return (JSON.parse(text) as { access_token: string }).access_token;
  }

  /** GET, failing on a status other than 2xx. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await this.fetch(path, { headers });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  /** POST /flows (API v2); credentials go inline as `credentials` on the nodes that have them. */
  async deploy(flows: FlowNode[], type: DeploymentType = 'full'): Promise<{ rev: string }> {
    const response = await this.fetch('/flows', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Node-RED-API-Version': 'v2',
        'Node-RED-Deployment-Type': type,
      },
      body: JSON.stringify({ flows }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST /flows (${type}): ${response.status} ${text}`);
    return JSON.parse(text) as { rev: string };
  }

  /** GET /flows (API v2). */
  async getFlows(): Promise<{ rev: string; flows: FlowNode[] }> {
    const response = await this.get('/flows', { 'Node-RED-API-Version': 'v2' });
    return (await response.json()) as { rev: string; flows: FlowNode[] };
  }

  /** SIGTERM, then SIGKILL if it is still running after 10 s; removes a temporary userDir. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.running) this.child.kill('SIGKILL');
      }, 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.ownsUserDir) rmSync(this.userDir, { recursive: true, force: true });
  }
}

export interface EchoBotAccount {
  jid: string;
  password: string;
  host: string;
  port: number;
  security?: 'starttls' | 'tls' | 'none';
}

/** A flow with its xmpp-config node pointed at an account (the password inline, as the editor sends it on deploy). */
export function pointAt(flow: FlowNode[], account: EchoBotAccount): FlowNode[] {
  return flow.map((node) =>
    node.type === 'xmpp-config'
      ? { ...node, jid: account.jid, host: account.host, port: String(account.port), security: account.security ?? 'none', credentials: { password: account.password } }
      : { ...node },
  );
}

/** The echo bot example (the demo's flow); unnumbered, it has an account node of its own. */
export const ECHO_BOT_FILE = 'Echo bot.json';

/**
 * The flow of examples/Echo bot.json pointed at an account. `name` renames the xmpp-in node,
 * which makes a deploy that really changes something.
 */
export function echoBotFlow(account: EchoBotAccount, name?: string): FlowNode[] {
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', ECHO_BOT_FILE), 'utf8')) as FlowNode[];
  return pointAt(example, account).map((node) => (node.type === 'xmpp-in' && name !== undefined ? { ...node, name } : node));
}

/** The node types the package declares (package.json "node-red"."nodes"), sorted. */
export function declaredNodeTypes(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.keys(manifest['node-red'].nodes).sort();
}

/** For afterEach: after a failed test, the end of Node-RED's and the server's logs (either may not exist yet). */
export function printLogsIfFailed(test: Mocha.Test | undefined, red: { log(): string } | undefined, server: { log(): string } | undefined): void {
  if (test?.state !== 'failed') return;
  const tail = (text: string): string => text.split('\n').slice(-30).join('\n');
  console.log(`--- Node-RED log (end) ---\n${tail(red?.log() ?? '')}\n--- server log (end) ---\n${tail(server?.log() ?? '')}`);
}
