// One XMPP client session: connects, reconnects with backoff, announces presence, hands each
// incoming stanza to the dispatcher, and closes cleanly. Knows nothing of Node-RED.
import { EventEmitter } from 'node:events';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { Dispatcher } from './dispatcher';
import { XmppError, classifyConnectionError, isFatal } from './errors';
import { formatJid, type Jid } from './jid';
import { buildMessage, type OutgoingMessage } from './message-stanza';
import { buildPresence, buildUnavailable, type OwnPresence } from './own-presence';
import { installScram, loginFunction } from './login';
import type { SaltedPasswordCache } from './scram';
import { applyStreamPolicy } from './stream-policy';
import { resolveServer, serviceUri, type Security } from './server-address';
import { loadXmpp, type Client, type JidObject, type XmlElement, type XmppLib } from './xmpp-lib';

export interface SessionOptions {
  /** Our JID, with the resource to bind. */
  jid: Jid;
  password: string;
  /** Empty: the domain's SRV record, else the domain. */
  host?: string | undefined;
  port?: number | undefined;
  security: Security;
  presence: OwnPresence;
  backoff?: BackoffOptions;
  /** Shared with whoever outlives this session (a config node keeps one across reconnects). */
  dispatcher?: Dispatcher;
  /** Longest wait for a login to complete before the attempt counts as failed. */
  connectTimeoutMs?: number;
}

export type SessionState = 'idle' | 'connecting' | 'online' | 'retrying' | 'failed' | 'stopped';

export interface SessionStatus {
  state: SessionState;
  /** Our full JID: the bound one when online, else the configured one. */
  jid: string;
  error?: XmppError | undefined;
  retryInMs?: number | undefined;
  attempt?: number | undefined;
}

type StatusListener = (status: SessionStatus) => void;
type WarningListener = (error: unknown) => void;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class Session {
  readonly dispatcher: Dispatcher;
  private readonly events = new EventEmitter();
  private readonly backoff: Backoff;
  private lib: XmppLib | undefined;
  private client: Client | undefined;
  private current: SessionStatus;
  private started = false;
  private stopping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  private lastError: XmppError | undefined;
  private readonly saltedPasswords: SaltedPasswordCache = new Map();

  constructor(private readonly options: SessionOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.dispatcher = options.dispatcher ?? new Dispatcher((error) => this.warn(error));
    this.current = { state: 'idle', jid: formatJid(options.jid) };
  }

  get status(): SessionStatus {
    return this.current;
  }

  get online(): boolean {
    return this.current.state === 'online';
  }

  /** Our full JID: the one the server bound when online, else the configured one. */
  get jid(): string {
    return this.current.jid;
  }

  onStatus(listener: StatusListener): () => void {
    this.events.on('status', listener);
    return () => this.events.off('status', listener);
  }

  /** Problems that do not end the session (a throwing subscriber, a stray library error). */
  onWarning(listener: WarningListener): () => void {
    this.events.on('warning', listener);
    return () => this.events.off('warning', listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /**
   * Sends unavailable presence and closes the stream. Always resolves, within timeoutMs even
   * when the server does not answer.
   */
  stop(timeoutMs = 2000): Promise<void> {
    this.stopping ??= this.close(timeoutMs);
    return this.stopping;
  }

  async send(stanza: XmlElement): Promise<void> {
    const client = this.client;
    if (!client || !this.online) throw new XmppError('not-connected');
    await client.send(stanza);
  }

  sendMessage(message: OutgoingMessage): Promise<void> {
    if (!this.lib) return Promise.reject(new XmppError('not-connected'));
    return this.send(buildMessage(this.lib.xml, message));
  }

  private get stopped(): boolean {
    return this.stopping !== undefined;
  }

  private setStatus(status: Omit<SessionStatus, 'jid'> & { jid?: string }): void {
    this.current = { jid: this.current.jid, ...status };
    this.events.emit('status', this.current);
  }

  private warn(error: unknown): void {
    if (this.events.listenerCount('warning') > 0) this.events.emit('warning', error);
  }

  private connect(): void {
    this.lastError = undefined;
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempt + 1 });
    this.attempt().catch((error: unknown) => this.attemptFailed(undefined, error));
  }

  private async attempt(): Promise<void> {
    this.lib ??= await loadXmpp();
    const { jid, security, host, port, password } = this.options;
    const address = await resolveServer(jid.domain, security, host, port);
    if (this.stopped) return;
    const client = this.lib.client({
      service: serviceUri(security, address),
      domain: jid.domain,
      username: jid.local,
      credentials: loginFunction(jid.local, password, security),
      resource: jid.resource,
    });
    client.reconnect.stop(); // we reconnect ourselves, with backoff and a stop on bad credentials
    guardDataPath(client);
    installScram(client, this.saltedPasswords, (error) => this.attemptFailed(client, error));
    applyStreamPolicy(client, security, (error) => this.attemptFailed(client, error));
    this.client = client;
    client.on('error', (error: unknown) => this.onClientError(client, error));
    client.on('stanza', (stanza: XmlElement) => {
      if (this.client === client) this.dispatcher.dispatch(stanza);
    });
    client.on('online', (bound: JidObject) => this.onOnline(client, bound));
    client.on('disconnect', () => this.onDisconnect(client));
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    this.attemptTimer = setTimeout(() => this.attemptFailed(client, new XmppError('connection-timeout')), timeoutMs);
    try {
      await client.start();
    } catch (error) {
      this.attemptFailed(client, error);
    }
  }

  private onClientError(client: Client, error: unknown): void {
    if (this.client !== client) return;
    if (this.online) {
      // The stream ending is reported by 'disconnect'; keep the cause for the status.
      this.lastError = classifyConnectionError(error);
      this.warn(error);
      return;
    }
    this.attemptFailed(client, error);
  }

  private onOnline(client: Client, bound: JidObject): void {
    if (this.client !== client || this.stopped) return;
    clearTimeout(this.attemptTimer);
    this.setStatus({ state: 'online', jid: bound.toString() });
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.backoff.stableMs);
    this.stableTimer.unref();
    const presence = buildPresence(this.lib!.xml, this.options.presence);
    client.send(presence).catch((error: unknown) => this.warn(error));
  }

  private onDisconnect(client: Client): void {
    if (this.client !== client || this.stopped) return;
    this.attemptFailed(client, this.lastError ?? new XmppError('connection-lost'));
  }

  /** Ends the attempt or session of this client (once) and decides what comes next. */
  private attemptFailed(client: Client | undefined, cause: unknown): void {
    if (client && this.client !== client) return;
    if (this.stopped) return;
    this.client = undefined;
    clearTimeout(this.attemptTimer);
    clearTimeout(this.stableTimer);
    if (client) discard(client);
    const error = classifyConnectionError(cause);
    if (isFatal(error)) {
      this.setStatus({ state: 'failed', error });
      return;
    }
    const retryInMs = this.backoff.next();
    this.setStatus({ state: 'retrying', error, retryInMs, attempt: this.backoff.attempt });
    this.retryTimer = setTimeout(() => this.connect(), retryInMs);
  }

  private async close(timeoutMs: number): Promise<void> {
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.attemptTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      const wasOnline = this.online;
      const lib = this.lib;
      const goodbye = (async () => {
        if (wasOnline && lib) await client.send(buildUnavailable(lib.xml)).catch(() => undefined);
        await client.stop().catch(() => undefined);
      })();
      await Promise.race([goodbye, delay(timeoutMs)]);
      discard(client);
    }
    this.setStatus({ state: 'stopped' });
    this.events.removeAllListeners();
  }
}

/**
 * xmpp.js 0.14.0 runs the parser, and every 'element'/'stanza' listener, inside the socket's
 * data handler; it also crashes there when data arrives after the parser is gone (xmpp.js
 * issues #860, #1058). Whatever throws there becomes an 'error' event, never an uncaught
 * exception. Must run before the first connect, which binds _onData.
 */
function guardDataPath(client: Client): void {
  const original = client._onData;
  client._onData = function guardedOnData(this: Client, data: Buffer): void {
    if (!this.parser) return;
    try {
      original.call(this, data);
    } catch (error) {
      this.emit('error', error);
    }
  };
}

/** Drops a client for good: no listeners of ours, no socket, and a late error cannot crash. */
function discard(client: Client): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  try {
    client.socket?.destroy?.();
  } catch {
    // already gone
  }
}
