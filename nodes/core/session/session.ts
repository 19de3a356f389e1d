// One XMPP session: connects, reconnects with backoff (resuming with XEP-0198 stream management
// where the server allows), notices a dead line, sends in order through one outbox, hands each
// incoming stanza to the dispatcher and each query to the responder, and closes cleanly.
import { XmppError, classifyConnectionError, isFatal } from '../errors';
import { IqCaller } from '../iq/iq-caller';
import { formatJid } from '../jid';
import { Listeners } from '../listeners';
import { xmppLib, type Client, type JidObject, type XmlElement, type XmppLib } from '../xmpp-lib';
import { Backoff, DEFAULT_BACKOFF } from './backoff';
import { closeClient, destroySocket, discard } from './client-adjustments';
import { createClient } from './client-factory';
import { dnsAccess, type DnsAccess } from './dns-lookup';
import { DEFAULT_KEEPALIVE, Keepalive, pingServer } from './keepalive';
import { DEFAULT_OUTBOX, Outbox, type OutboxEntry } from './outbox';
import { OutboxWriter } from './outbox-writer';
import { PoisonGuard } from './poison-guard';
import type { SaltedPasswordCache } from './scram';
import { resolveWebSocket } from './websocket-address';
import { addressOf, findServer, type ServerAddress } from './server-address';
import { ServerReach } from './server-reach';
import { StreamManagementGate } from './sm-gate';
import { pass } from './stanza-gate';
import { DEFAULT_INBOUND } from './stream-parser';
import { SYSTEM_TRUST } from './tls-trust';
import { tlsVersionOf } from './tls-version';
import { DEFAULT_MAX_STANZA_BYTES, type SendOptions, type SessionOptions, type SessionStatus } from './session-options';
import { words } from '../words';

export type { SendOptions, SessionOptions, SessionState, SessionStatus } from './session-options';
export { DEFAULT_MAX_STANZA_BYTES } from './session-options';

export class Session {
  private readonly statuses = new Listeners<[SessionStatus]>();
  private readonly logins = new Listeners<[boolean]>();
  private readonly warnings = new Listeners<[unknown]>();
  private readonly lib: XmppLib = xmppLib();
  private readonly backoff: Backoff;
  private readonly outbox: Outbox;
  private readonly keepalive: Keepalive;
  private readonly iq: IqCaller;
  private readonly saltedPasswords: SaltedPasswordCache = new Map();
  private readonly poison = new PoisonGuard((error) => this.warn(error));
  private client: Client | undefined;
  private sm: StreamManagementGate | undefined;
  private current: SessionStatus;
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly timers: { retry?: NodeJS.Timeout; stable?: NodeJS.Timeout; attempt?: NodeJS.Timeout } = {};
  private lastError: XmppError | undefined;
  private readonly writer: OutboxWriter;
  /** The server ended the stream with an error: write nothing more until the next connection. */
  private streamEnding = false;
  /** Stanzas the server never acknowledged before a session it could not resume. */
  private unacked: OutboxEntry[] = [];
  /** The SASL mechanism of the last login. */
  private mechanism: string | undefined;
  private readonly dns: DnsAccess;
  /** The attempt's way to the server, while it looks for one that answers. */
  private reach: ServerReach | undefined;
  /** Where the server sent us (<see-other-host/>): tried first in the next attempt. */
  private redirect: string | undefined;
  /** Over WebSocket: the URL of this session (no candidates, no SRV). */
  private websocketUrl: string | undefined;

  constructor(private readonly options: SessionOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.outbox = new Outbox(options.outbox ?? DEFAULT_OUTBOX);
    this.writer = new OutboxWriter(
      this.outbox,
      this.poison,
      () => (this.online && !this.streamEnding ? this.client : undefined),
      (stanza) => this.sm?.acknowledged(stanza),
      () => this.client?.streamManagement.outbound_q.length ?? 0,
    );
    this.iq = new IqCaller({ write: (iq) => this.send(iq, { queue: false }), ownJid: () => this.jid });
    this.keepalive = new Keepalive(
      options.keepalive ?? DEFAULT_KEEPALIVE,
      (timeoutMs) => pingServer((iq) => this.iq.request(iq, timeoutMs), this.lib.xml, options.jid.domain),
      () => this.connectionFailed(new XmppError('connection-timeout', words('no-ping-answer'))),
    );
    this.current = { state: 'idle', jid: formatJid(options.jid) };
    this.dns = dnsAccess(options.dnsServers);
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

  get maxStanzaBytes(): number {
    return this.options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
  }

  /** Stanzas waiting to be sent. */
  get queued(): number {
    return this.outbox.size;
  }

  onStatus(listener: (status: SessionStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  /** Called after every login: `resumed` when the server resumed the previous session. */
  onLogin(listener: (resumed: boolean) => void): () => void {
    return this.logins.add(listener);
  }

  /** Problems that do not end the session (a throwing subscriber, a stray library error). */
  onWarning(listener: (error: unknown) => void): () => void {
    return this.warnings.add(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.retry();
  }

  /** Sends unavailable presence and closes the stream; resolves within timeoutMs even when the server does not answer. */
  stop(timeoutMs = 1500): Promise<void> {
    this.stopping ??= this.close(timeoutMs);
    return this.stopping;
  }

  /**
   * Sends in order through one queue, after the gate: written at once while online (resolving
   * when written), otherwise waiting in the outbox within its limits, unless told not to wait.
   */
  send(stanza: XmlElement, options: SendOptions = {}): Promise<void> {
    const state = this.current.state;
    if (state === 'failed' || state === 'stopped' || state === 'idle' || this.stopping) {
      return Promise.reject(this.current.error ?? new XmppError('not-connected'));
    }
    if (options.queue === false && !this.online) return Promise.reject(new XmppError('not-connected'));
    let passed;
    try {
      passed = pass(stanza, this.maxStanzaBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      // Limits are for waiting while offline; online, the queue only keeps writes in order.
      this.outbox.push(stanza, { resolve, reject }, !this.online, { passed, report: options.onDropped, volatile: options.queue === false });
      if (this.online) this.writer.soon();
      else this.outbox.expireWhileWaiting();
    });
  }

  /** Sends an IQ get/set and waits for the answer of the entity asked (see iq-caller.ts). */
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement> {
    if (!this.online) return Promise.reject(new XmppError('not-connected'));
    return this.iq.request(iq, timeoutMs);
  }

  private setStatus(status: Omit<SessionStatus, 'jid'> & { jid?: string }): void {
    this.current = { jid: this.current.jid, ...status };
    this.statuses.emit(this.current);
  }

  private warn(error: unknown): void {
    this.warnings.emit(error);
  }

  private async firstConnect(): Promise<void> {
    const { jid, security, password, websocket } = this.options;
    const trust = this.options.trust ?? SYSTEM_TRUST;
    // Over WebSocket the URL is found once per start (given, or from host-meta); over TCP the
    // candidates are found anew for every attempt.
    const websocketUrl = websocket ? await resolveWebSocket(jid.domain, security, trust, websocket) : undefined;
    const candidates = websocketUrl ? [] : await this.findServer();
    const address = websocketUrl ? { host: '', port: 0, directTls: false } : candidates[0];
    if (this.stopping || !address) return;
    this.websocketUrl = websocketUrl;
    const client = createClient(
      this.lib,
      { jid, password, security, address, websocketUrl, lookup: this.dns.lookup, trust, inbound: this.options.inbound ?? DEFAULT_INBOUND, maxStanzaBytes: () => this.maxStanzaBytes, saltedPasswords: this.saltedPasswords, responder: this.options.responder },
      {
        fail: (error) => this.connectionFailed(error),
        redirected: (error) => {
          this.lastError ??= error;
          this.redirect = client.options.service;
        },
        // The server sent what we do not accept: say why, end the connection, try again after the backoff's delay.
        violation: (violation) => {
          client.write(violation.streamError()).catch(() => undefined);
          this.connectionFailed(violation);
        },
        refused: (error) => this.warn(error),
        chose: (mechanism) => (this.mechanism = mechanism),
      },
    );
    this.client = client;
    this.sm = new StreamManagementGate(client, this.lib.xml);
    this.listenTo(client);
    // Not client.start(): it waits for 'online' with a promise that, when the socket fails at the
    // wrong moment, rejects with nobody listening. Our own listeners see every outcome.
    await this.reopen(client, candidates);
  }

  /** Where to connect, in order; found anew for every attempt (the records may have changed, and their weights spread the load). */
  private findServer(): Promise<ServerAddress[]> {
    const { jid, security, host, port } = this.options;
    return findServer(jid.domain, security, { host, port, srv: this.dns.srv });
  }

  private listenTo(client: Client): void {
    client.on('error', (error: unknown) => this.onClientError(error));
    client.on('element', () => this.keepalive.touch());
    client.on('stanza', (stanza: XmlElement) => {
      if (stanza.name === 'iq' && this.iq.answer(stanza)) return;
      this.options.dispatcher.dispatch(stanza);
    });
    client.on('online', (bound: JidObject) => this.onOnline(bound, false));
    // While candidates are being tried, a socket's failure is the reach's to handle.
    client.on('disconnect', () => {
      if (!this.reach?.active) this.connectionFailed(this.lastError ?? new XmppError('connection-lost'));
    });
    client.streamManagement.on('resumed', () => this.onOnline(client.jid, true));
    this.poison.watch(client.streamManagement, (stanza) => this.unacked.push(this.outbox.resendEntry(stanza)));
    client.streamManagement.on('ack', () => this.writer.onAcknowledged());
  }

  /** The next attempt: the same client again (so the server can resume the session, XEP-0198), or all anew when there is none yet. */
  private retry(): void {
    const client = this.client;
    if (this.stopping) return;
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempt + 1 });
    const attempt = client ? this.reopen(client) : this.firstConnect();
    attempt.catch((error: unknown) => this.connectionFailed(error));
  }

  private async reopen(client: Client, found?: ServerAddress[]): Promise<void> {
    this.lastError = undefined;
    this.armAttemptTimer();
    if (this.websocketUrl) {
      await client.connect(this.websocketUrl);
      await client.open({ domain: client.options.domain, lang: 'en' });
      return;
    }
    const reach = new ServerReach(client, client.options.domain);
    this.reach = reach;
    try {
      const redirect = this.redirect === undefined ? undefined : addressOf(this.redirect);
      this.redirect = undefined;
      const candidates = found ?? (await this.findServer());
      await reach.connect(redirect ? [redirect, ...candidates] : candidates);
    } finally {
      if (this.reach === reach) this.reach = undefined;
    }
  }

  private armAttemptTimer(): void {
    clearTimeout(this.timers.attempt);
    // Given up while still looking for a server: the error names the addresses tried so far.
    this.timers.attempt = setTimeout(() => this.connectionFailed(this.reach?.stop() ?? new XmppError('connection-timeout')), this.options.connectTimeoutMs ?? 30_000);
  }

  private onClientError(error: unknown): void {
    if (this.reach?.active) return;
    const { name, condition } = error as { name?: unknown; condition?: unknown };
    if (name === 'StreamError' && typeof condition === 'string' && this.client && (this.online || this.current.state === 'connecting')) {
      for (const stanza of this.poison.streamError(condition, this.client.streamManagement)) this.unacked.push(this.outbox.resendEntry(stanza));
      // Nothing more is written to a stream the server has ended (what is not written waits for
      // the next); xmpp.js closes it properly, so the server does not keep it to be resumed.
      this.streamEnding = true;
    }
    if (!this.online) {
      this.connectionFailed(error);
      return;
    }
    // A broken stream is reported by 'disconnect'; keep the cause for the status. The first
    // cause counts: later write errors on the dying socket would hide it.
    this.lastError ??= classifyConnectionError(error);
    this.warn(error);
  }

  private onOnline(bound: JidObject | null, resumed: boolean): void {
    if (this.current.state !== 'connecting' || this.stopping) return;
    clearTimeout(this.timers.attempt);
    const jid = bound ? bound.toString() : this.current.jid;
    this.sm?.whenSettled(resumed, () => this.goOnline(jid, resumed));
  }

  private goOnline(jid: string, resumed: boolean): void {
    if (this.current.state !== 'connecting' || this.stopping) return;
    this.streamEnding = false;
    this.setStatus({ state: 'online', jid, resumed, mechanism: this.mechanism, tls: tlsVersionOf(this.client?.socket) });
    this.backoff.connected();
    this.timers.stable = setTimeout(() => this.backoff.reset(), this.backoff.stableMs);
    this.timers.stable.unref();
    this.keepalive.start();
    // Written before the loss but never acknowledged: sent again, ahead of what waited and of
    // what the login brings (our presence, room joins).
    this.outbox.requeue(this.unacked);
    this.unacked = [];
    this.logins.emit(resumed);
    this.writer.now();
  }

  /** Ends the current attempt or connection (once) and decides what comes next. */
  private connectionFailed(cause: unknown): void {
    const state = this.current.state;
    if (this.stopping || (state !== 'connecting' && state !== 'online')) return;
    this.reach?.stop();
    clearTimeout(this.timers.attempt);
    clearTimeout(this.timers.stable);
    this.sm?.cancel();
    this.keepalive.stop();
    this.outbox.rejectVolatile(new XmppError('not-connected'));
    const error = classifyConnectionError(cause);
    const client = this.client;
    if (isFatal(error)) {
      this.client = undefined;
      if (client) discard(client);
      this.setStatus({ state: 'failed', error });
      this.dropEverything(error);
      return;
    }
    if (client) destroySocket(client);
    const retryInMs = this.backoff.next(error.code === 'connection-refused');
    this.setStatus({ state: 'retrying', error, retryInMs, attempt: this.backoff.attempt });
    this.timers.retry = setTimeout(() => this.retry(), retryInMs);
  }

  private dropEverything(error: XmppError): void {
    const orphans = this.outbox.rejectAll(error) + this.unacked.length;
    this.unacked = [];
    if (orphans > 0) this.warn(new XmppError('not-connected', words('unacknowledged', { count: orphans })));
  }

  private async close(timeoutMs: number): Promise<void> {
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    this.reach?.stop();
    this.outbox.stopExpiring();
    this.sm?.cancel();
    this.keepalive.stop();
    const client = this.client;
    this.client = undefined;
    if (client) await closeClient(client, this.online ? this.lib.xml('presence', { type: 'unavailable' }) : undefined, timeoutMs);
    this.dropEverything(new XmppError('not-connected', words('closed')));
    this.setStatus({ state: 'stopped' });
  }
}
