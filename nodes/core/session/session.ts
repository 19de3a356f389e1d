// One XMPP client session: connects, reconnects with backoff (resuming with XEP-0198 stream
// management where the server allows), notices a dead line, queues what cannot be sent yet,
// announces presence, hands each incoming stanza to the dispatcher, and closes cleanly.
// Knows nothing of Node-RED.
import { EventEmitter } from 'node:events';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { Dispatcher } from './dispatcher';
import { XmppError, classifyConnectionError, isFatal } from '../errors';
import { destroySocket, discard, followRedirectsOurselves, noDelay, useTrustForDirectTls } from './client-adjustments';
import { guardDataPath } from './data-path-guard';
import { PoisonGuard, type DropReport } from './poison-guard';
import { gateLibrarySends, pass, writePassed } from './stanza-gate';
import { DEFAULT_INBOUND, type InboundLimits, type StreamViolation } from './stream-parser';
import { answeredBy, stanzaError } from '../iq/iq-answer';
import { formatJid, type Jid } from '../jid';
import { DEFAULT_KEEPALIVE, Keepalive, type KeepaliveOptions } from './keepalive';
import { installScram, loginFunction } from './login';
import { buildMessage, type OutgoingMessage } from '../messages/message-stanza';
import { DEFAULT_OUTBOX, Outbox, type OutboxEntry, type OutboxLimits } from './outbox';
import { buildPresence, buildUnavailable, type OwnPresence } from '../presence/own-presence';
import type { SaltedPasswordCache } from './scram';
import { resolveServer, serviceUri, type Security } from './server-address';
import { applyStreamPolicy } from './stream-policy';
import { SYSTEM_TRUST, type TlsTrust } from './tls-trust';
import { loadXmpp, type Client, type JidObject, type XmlElement, type XmppLib } from '../xmpp-lib';

export interface SessionOptions {
  /** Our JID, with the resource to bind. */
  jid: Jid;
  password: string;
  /** Empty: the domain's SRV record, else the domain. */
  host?: string | undefined;
  port?: number | undefined;
  security: Security;
  trust?: TlsTrust;
  presence: OwnPresence;
  /** Shared with whoever outlives this session (a config node keeps one across reconnects). */
  dispatcher?: Dispatcher;
  backoff?: BackoffOptions;
  keepalive?: KeepaliveOptions;
  outbox?: OutboxLimits;
  /** Largest stanza we send (Prosody refuses more than 256 KiB by default and drops the stream). */
  maxStanzaBytes?: number;
  /** What we accept from the server: larger or deeper stanzas end the stream (policy-violation). */
  inbound?: InboundLimits;
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
  /** True when the last connect resumed the previous session (XEP-0198). */
  resumed?: boolean | undefined;
}

export interface SendOptions {
  /** Wait in the outbox while offline (default); false refuses at once with 'not-connected'. */
  queue?: boolean;
  /** Told if the stanza is dropped after it was written ('poison': the server kept refusing it). */
  onDropped?: DropReport;
}

type StatusListener = (status: SessionStatus) => void;

/** What an IQ handler returns: a child for the result, true for an empty result, an <error/>, or undefined for service-unavailable. */
export type IqAnswer = XmlElement | true | undefined;
export type IqHandler = (stanza: XmlElement, child: XmlElement) => IqAnswer | Promise<IqAnswer>;
type WarningListener = (error: unknown) => void;

const NS_PING = 'urn:xmpp:ping';
const NS_SM = 'urn:xmpp:sm:3';
const NS_STREAM = 'http://etherx.jabber.org/streams';
export const DEFAULT_MAX_STANZA_BYTES = 256 * 1024;
/** Stanzas sent between two requests for an acknowledgement (XEP-0198 <r/>). */
const ACK_EVERY = 20;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class Session {
  readonly dispatcher: Dispatcher;
  private readonly events = new EventEmitter();
  private readonly backoff: Backoff;
  private readonly outbox: Outbox;
  private readonly keepalive: Keepalive;
  private readonly saltedPasswords: SaltedPasswordCache = new Map();
  private readonly poison = new PoisonGuard((error) => this.warn(error));
  private lib: XmppLib | undefined;
  private client: Client | undefined;
  private current: SessionStatus;
  private started = false;
  private stopping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private lastError: XmppError | undefined;
  private flushing = false;
  /** Stanzas the server never acknowledged before a session it could not resume. */
  private unacked: OutboxEntry[] = [];
  /** Whether the server offered stream management with its last features. */
  private smOffered = false;
  /** Set between 'online' and the server's answer to <enable/>: nothing of ours is sent before. */
  private smPending: (() => void) | undefined;
  private smTimer: NodeJS.Timeout | undefined;
  private sentSinceAckRequest = 0;
  /** The server ended the stream with an error: write nothing more until the next connection. */
  private streamEnding = false;
  private readonly iqHandlers = new Map<string, IqHandler>();
  private readonly iqRegistered = new Set<string>();
  private readonly presenceDecorators = new Set<() => XmlElement[]>();
  private nextIqId = 0;
  /** The presence we announce: the configured one until a flow sets another; 'unavailable' sends none. */
  private ownPresence: OwnPresence | 'unavailable';

  constructor(private readonly options: SessionOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.outbox = new Outbox(options.outbox ?? DEFAULT_OUTBOX);
    this.dispatcher = options.dispatcher ?? new Dispatcher((error) => this.warn(error));
    this.keepalive = new Keepalive(
      options.keepalive ?? DEFAULT_KEEPALIVE,
      (timeoutMs) => this.ping(timeoutMs),
      () => this.connectionFailed(new XmppError('connection-timeout', 'no answer to a ping')),
    );
    this.current = { state: 'idle', jid: formatJid(options.jid) };
    this.ownPresence = options.presence;
  }

  /** Called after every login: `resumed` when the server resumed the previous session. */
  onLogin(listener: (resumed: boolean) => void): () => void {
    this.events.on('login', listener);
    return () => this.events.off('login', listener);
  }

  /**
   * Answers incoming IQ get/set stanzas whose child is `name` in `ns`. One handler per kind;
   * the returned function removes it (the query is then answered service-unavailable).
   */
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): () => void {
    const key = `${type} ${ns} ${name}`;
    this.iqHandlers.set(key, handler);
    if (this.client) this.registerIq(this.client, type, ns, name);
    return () => {
      if (this.iqHandlers.get(key) === handler) this.iqHandlers.delete(key);
    };
  }

  /**
   * Sends an IQ and waits for its answer. Only an answer from the entity asked counts (xmpp.js
   * matches answers by id alone); rejects with XmppError 'stanza-error' (its condition in
   * `condition`) or 'timeout'.
   */
  request(iq: XmlElement, timeoutMs = 15_000): Promise<XmlElement> {
    const client = this.client;
    if (!client || !this.online) return Promise.reject(new XmppError('not-connected'));
    this.events.emit('send', iq.attrs.to);
    const id = iq.attrs.id ?? `q${(this.nextIqId += 1).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    iq.attrs.id = id;
    const asked = iq.attrs.to;
    const own = this.current.jid;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new XmppError('timeout', `no answer from ${asked ?? 'the server'} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const unsubscribe = this.dispatcher.subscribe('iq', (answer) => {
        const type = answer.attrs.type;
        if (answer.attrs.id !== id || (type !== 'result' && type !== 'error')) return;
        if (!answeredBy(answer.attrs.from, asked, own)) return; // someone else using our id: ignored
        if (type === 'result') finish(undefined, answer);
        else finish(stanzaError(answer));
      });
      const finish = (error?: XmppError, answer?: XmlElement): void => {
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else if (answer) resolve(answer);
      };
      client.send(iq).catch((error: unknown) => finish(classifyConnectionError(error)));
    });
  }

  /** Called with the recipient of every stanza we send with send() or request() (undefined: our server). */
  onSend(listener: (to: string | undefined) => void): () => void {
    this.events.on('send', listener);
    return () => this.events.off('send', listener);
  }

  /** Adds elements to every presence we broadcast (entity capabilities, say); returns the remover. */
  decoratePresence(decorate: () => XmlElement[]): () => void {
    this.presenceDecorators.add(decorate);
    return () => {
      this.presenceDecorators.delete(decorate);
    };
  }

  /** Sends our current presence again (when what decorates it changed). */
  refreshPresence(): void {
    if (this.online && this.ownPresence !== 'unavailable') void this.setPresence(this.ownPresence).catch((error: unknown) => this.warn(error));
  }

  private broadcastPresence(xml: XmppLib['xml'], presence: OwnPresence): XmlElement {
    const stanza = buildPresence(xml, presence);
    for (const decorate of this.presenceDecorators) stanza.append(...decorate());
    return stanza;
  }

  /** Our presence from now on, sent at once when online and again after every new login. */
  setPresence(presence: OwnPresence | 'unavailable'): Promise<void> {
    this.ownPresence = presence;
    if (!this.online || !this.lib) return Promise.resolve();
    return this.send(presence === 'unavailable' ? buildUnavailable(this.lib.xml) : this.broadcastPresence(this.lib.xml, presence));
  }

  get presence(): OwnPresence | 'unavailable' {
    return this.ownPresence;
  }

  /** The xml() factory, once xmpp.js is loaded (always by the time the session is online). */
  get xml(): XmppLib['xml'] | undefined {
    return this.lib?.xml;
  }

  private registerIq(client: Client, type: 'get' | 'set', ns: string, name: string): void {
    const key = `${type} ${ns} ${name}`;
    if (this.iqRegistered.has(key)) return;
    this.iqRegistered.add(key);
    // xmpp.js cannot unregister a handler: this one looks ours up on every call.
    const route = async (ctx: { stanza: XmlElement; element: XmlElement }): Promise<XmlElement | object | undefined> => {
      const handler = this.iqHandlers.get(key);
      if (!handler) return undefined;
      try {
        const answer = await handler(ctx.stanza, ctx.element);
        // Answers go out through xmpp.js, not flush(): counted too, or under a steady stream of
        // calls nothing is acknowledged and every answer stays in stream management's queue.
        this.askForAckEvery(ACK_EVERY);
        return answer === true ? {} : answer;
      } catch (error) {
        this.warn(error);
        return this.lib?.xml('error', { type: 'cancel' }, this.lib.xml('internal-server-error', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
      }
    };
    if (type === 'get') client.iqCallee.get(ns, name, route as never);
    else client.iqCallee.set(ns, name, route as never);
  }

  get status(): SessionStatus {
    return this.current;
  }

  /** The largest stanza we may send, in bytes (answers to others' IQs are checked against it too). */
  get maxStanzaBytes(): number {
    return this.options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
  }

  get online(): boolean {
    return this.current.state === 'online';
  }

  /** Our full JID: the one the server bound when online, else the configured one. */
  get jid(): string {
    return this.current.jid;
  }

  /** Stanzas waiting to be sent. */
  get queued(): number {
    return this.outbox.size;
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
    this.setStatus({ state: 'connecting', attempt: 1 });
    this.firstConnect().catch((error: unknown) => this.connectionFailed(error));
  }

  /**
   * Sends unavailable presence and closes the stream. Always resolves, within timeoutMs even
   * when the server does not answer.
   */
  stop(timeoutMs = 1500): Promise<void> {
    this.stopping ??= this.close(timeoutMs);
    return this.stopping;
  }

  /**
   * Sends in order through one queue: written at once while online (resolving when written),
   * otherwise waiting in the outbox within its limits, unless told not to wait.
   */
  send(stanza: XmlElement, options: SendOptions = {}): Promise<void> {
    const state = this.current.state;
    if (state === 'failed' || state === 'stopped' || state === 'idle' || this.stopped) {
      return Promise.reject(this.current.error ?? new XmppError('not-connected'));
    }
    if (options.queue === false && !this.online) return Promise.reject(new XmppError('not-connected'));
    let passed;
    try {
      // Sent anyway, the server would end the stream, and stream management would send it again.
      passed = pass(stanza, this.maxStanzaBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    this.events.emit('send', stanza.attrs.to);
    return new Promise((resolve, reject) => {
      // Limits are for waiting while offline; online, the queue only keeps writes in order.
      this.outbox.push(stanza, { resolve, reject }, !this.online, { passed, report: options.onDropped });
      if (this.online) void this.flush();
      else this.scheduleExpiry();
    });
  }

  sendMessage(message: OutgoingMessage, options: SendOptions = {}): Promise<void> {
    // Synchronous once xmpp.js is loaded, so that a message is queued in the order it was given.
    if (this.lib) return this.send(buildMessage(this.lib.xml, message), options);
    return this.loaded().then((lib) => this.send(buildMessage(lib.xml, message), options));
  }

  private async loaded(): Promise<XmppLib> {
    this.lib ??= await loadXmpp();
    return this.lib;
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

  private async firstConnect(): Promise<void> {
    const lib = await this.loaded();
    const { jid, security, host, port, password } = this.options;
    const trust = this.options.trust ?? SYSTEM_TRUST;
    const address = await resolveServer(jid.domain, security, host, port);
    if (this.stopped) return;
    const client = lib.client({
      service: serviceUri(security, address),
      domain: jid.domain,
      username: jid.local,
      credentials: loginFunction(jid.local, password, security),
      resource: jid.resource,
    });
    client.reconnect.stop(); // we reconnect ourselves, with backoff and a stop on bad credentials
    guardDataPath(client, lib, this.options.inbound ?? DEFAULT_INBOUND, (violation) => this.onViolation(client, violation));
    gateLibrarySends(client, lib.xml, () => this.maxStanzaBytes, (error) => this.warn(error));
    if (security === 'tls') useTrustForDirectTls(client, trust, jid.domain, (error) => this.connectionFailed(error));
    followRedirectsOurselves(client, security, (error) => {
      this.lastError ??= error;
    });
    applyStreamPolicy(client, { security, trust, domain: jid.domain, xml: lib.xml }, (error) => this.connectionFailed(error));
    installScram(client, this.saltedPasswords, (error) => this.connectionFailed(error));
    this.client = client;
    for (const key of this.iqHandlers.keys()) {
      const [type, ns, name] = key.split(' ') as ['get' | 'set', string, string];
      this.registerIq(client, type, ns, name);
    }
    client.on('error', (error: unknown) => this.onClientError(error));
    // Small stanzas, answered at once: without this, Nagle's algorithm and delayed ACKs add ~40 ms to every round trip.
    client.on('connect', () => noDelay(client));
    client.on('element', (element: XmlElement) => {
      this.keepalive.touch();
      if (element.is('features', NS_STREAM) && element.getChild('bind')) this.smOffered = element.getChild('sm', NS_SM) !== undefined;
      if (this.smPending && (element.is('enabled', NS_SM) || element.is('failed', NS_SM))) this.smSettled();
    });
    client.on('stanza', (stanza: XmlElement) => this.dispatcher.dispatch(stanza));
    client.on('online', (bound: JidObject) => this.onOnline(bound, false));
    client.on('disconnect', () => this.connectionFailed(this.lastError ?? new XmppError('connection-lost')));
    client.streamManagement.on('resumed', () => this.onOnline(client.jid, true));
    client.streamManagement.on('fail', (stanza: XmlElement) => {
      if (!this.poison.isDropped(stanza)) this.unacked.push(this.outbox.resendEntry(stanza));
    });
    client.streamManagement.on('ack', (stanza: XmlElement) => this.poison.acknowledged(stanza));
    this.armAttemptTimer();
    // Not client.start(): it waits for 'online' with a promise that, when the socket fails at the
    // wrong moment, rejects with nobody listening. Our own listeners see every outcome.
    await client.connect(client.options.service);
    await client.open({ domain: jid.domain, lang: 'en' });
  }

  /** Connects the same client again, so the server can resume the session (XEP-0198). */
  private reconnect(): void {
    const client = this.client;
    if (!client || this.stopped) return;
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempt + 1 });
    this.lastError = undefined;
    this.armAttemptTimer();
    const { service, domain } = client.options;
    (async () => {
      await client.connect(service);
      await client.open({ domain, lang: 'en' });
    })().catch((error: unknown) => this.connectionFailed(error));
  }

  private armAttemptTimer(): void {
    clearTimeout(this.attemptTimer);
    this.attemptTimer = setTimeout(() => this.connectionFailed(new XmppError('connection-timeout')), this.options.connectTimeoutMs ?? 30_000);
  }

  private onClientError(error: unknown): void {
    const { name, condition } = error as { name?: unknown; condition?: unknown };
    if (name === 'StreamError' && typeof condition === 'string' && this.client && (this.online || this.current.state === 'connecting')) {
      const verdict = this.poison.streamError(condition, this.client.streamManagement);
      if (verdict.freshLogin) this.unacked.push(...verdict.resend.map((stanza) => this.outbox.resendEntry(stanza)));
      // Nothing more is written to a stream the server has ended (what is not written waits for
      // the next); xmpp.js closes it properly, so the server does not keep it to be resumed.
      this.streamEnding = true;
    }
    if (this.online) {
      // A broken stream is reported by 'disconnect'; keep the cause for the status.
      // The first cause counts: later write errors on the dying socket would hide it.
      this.lastError ??= classifyConnectionError(error);
      this.warn(error);
      return;
    }
    this.connectionFailed(error);
  }

  private onOnline(bound: JidObject | null, resumed: boolean): void {
    if (this.current.state !== 'connecting' || this.stopped) return;
    clearTimeout(this.attemptTimer);
    const jid = bound ? bound.toString() : this.current.jid;
    if (resumed || !this.smOffered) {
      this.goOnline(jid, resumed);
      return;
    }
    // xmpp.js announces 'online' right after binding, before it enables stream management.
    // Whatever we send before <enabled/> would be outside the server's count: wait for it.
    this.smPending = () => this.goOnline(jid, false);
    this.smTimer = setTimeout(() => this.smSettled(), 5000);
  }

  private smSettled(): void {
    const pending = this.smPending;
    this.smPending = undefined;
    clearTimeout(this.smTimer);
    pending?.();
  }

  private goOnline(jid: string, resumed: boolean): void {
    if (this.current.state !== 'connecting' || this.stopped) return;
    this.streamEnding = false;
    this.setStatus({ state: 'online', jid, resumed });
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.backoff.stableMs);
    this.stableTimer.unref();
    this.keepalive.start();
    const client = this.client;
    if (!resumed && client && this.lib && this.ownPresence !== 'unavailable') {
      client.send(this.broadcastPresence(this.lib.xml, this.ownPresence)).catch((error: unknown) => this.warn(error));
    }
    this.events.emit('login', resumed);
    // Written before the loss but never acknowledged: send again, ahead of what waited.
    this.outbox.requeue(this.unacked);
    this.unacked = [];
    void this.flush();
  }

  /**
   * The server sent what we do not accept (too large, too deep, not XML): say why in a stream
   * error, end the connection, and try again after the backoff's delay.
   */
  private onViolation(client: Client, violation: StreamViolation): void {
    if (client !== this.client) return;
    client.write(`<stream:error><${violation.streamCondition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`).catch(() => undefined);
    this.connectionFailed(violation);
  }

  /** Ends the current attempt or connection (once) and decides what comes next. */
  private connectionFailed(cause: unknown): void {
    const state = this.current.state;
    if (this.stopped || (state !== 'connecting' && state !== 'online')) return;
    clearTimeout(this.attemptTimer);
    clearTimeout(this.smTimer);
    this.smPending = undefined;
    clearTimeout(this.stableTimer);
    this.keepalive.stop();
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
    const retryInMs = this.backoff.next();
    this.setStatus({ state: 'retrying', error, retryInMs, attempt: this.backoff.attempt });
    this.retryTimer = setTimeout(() => (this.client ? this.reconnect() : this.restartFromScratch()), retryInMs);
  }

  /** The first connect failed before a client existed (resolving the server, say): try it all again. */
  private restartFromScratch(): void {
    if (this.stopped) return;
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempt + 1 });
    this.firstConnect().catch((error: unknown) => this.connectionFailed(error));
  }

  private async write(entry: OutboxEntry): Promise<void> {
    const client = this.client;
    if (!client) throw new XmppError('not-connected');
    // A resend is serialized again (stream management may have added a delay stamp).
    await writePassed(client, entry.stanza, entry.passed ?? pass(entry.stanza, Number.MAX_SAFE_INTEGER));
    this.poison.owns(entry.stanza, entry.report);
  }

  /**
   * A suspect (unacknowledged when the server last ended the stream with an error) goes alone:
   * nothing more is written until the server acknowledged it, so that if the server ends the
   * stream again, this stanza is the one it refused.
   */
  private async sendAlone(stanza: XmlElement): Promise<void> {
    const client = this.client;
    const lib = this.lib;
    if (!client || !lib || !client.streamManagement.enabled) return;
    this.poison.sendingAlone(stanza);
    const acknowledged = new Promise<void>((resolve) => {
      const done = (): void => {
        client.streamManagement.off('ack', onAck);
        stopWatching();
        resolve();
      };
      const onAck = (acked: XmlElement): void => {
        if (acked === stanza) done();
      };
      const stopWatching = this.onStatus((status) => {
        if (status.state !== 'online') done();
      });
      client.streamManagement.on('ack', onAck);
    });
    await client.send(lib.xml('r', { xmlns: NS_SM })).catch(() => undefined);
    this.sentSinceAckRequest = 0;
    await acknowledged;
  }

  /** Sends what waited, in order, while the connection stays up. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      this.outbox.expire();
      while (this.online && !this.streamEnding && this.outbox.size > 0) {
        const entry = this.outbox.peek();
        if (!entry) break;
        try {
          await this.write(entry);
        } catch {
          break; // the connection broke: the entry stays first in line for the next one
        }
        this.outbox.shift();
        entry.settle?.resolve();
        if (this.poison.isSuspect(entry.stanza)) await this.sendAlone(entry.stanza);
        else this.askForAckEvery(ACK_EVERY);
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * xmpp.js asks the server for an acknowledgement only once sending pauses, so during a long
   * burst nothing is confirmed, and after a server crash the whole burst would be sent again.
   * Asking every few stanzas keeps what may be sent twice small.
   */
  private askForAckEvery(count: number): void {
    this.sentSinceAckRequest += 1;
    const client = this.client;
    if (this.sentSinceAckRequest < count || !client?.streamManagement.enabled || !this.lib) return;
    this.sentSinceAckRequest = 0;
    client.send(this.lib.xml('r', { xmlns: NS_SM })).catch(() => undefined);
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) return;
    this.expiryTimer = setInterval(() => {
      this.outbox.expire();
      if (this.outbox.size === 0) {
        clearInterval(this.expiryTimer);
        this.expiryTimer = undefined;
      }
    }, 1000);
    this.expiryTimer.unref();
  }

  private dropEverything(error: XmppError): void {
    const orphans = this.outbox.rejectAll(error) + this.unacked.length;
    this.unacked = [];
    if (orphans > 0) this.warn(new XmppError('not-connected', `${orphans} sent messages were never acknowledged by the server`));
  }

  private ping(timeoutMs: number): Promise<unknown> {
    const client = this.client;
    const lib = this.lib;
    if (!client || !lib) return Promise.reject(new XmppError('not-connected'));
    const iq = lib.xml('iq', { type: 'get', to: this.options.jid.domain }, lib.xml('ping', { xmlns: NS_PING }));
    return client.iqCaller.request(iq, timeoutMs).catch((error: unknown) => {
      // An error reply is still a reply: the server is there.
      if (error instanceof Error && error.name === 'StanzaError') return undefined;
      throw error;
    });
  }

  private async close(timeoutMs: number): Promise<void> {
    clearTimeout(this.smTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.attemptTimer);
    clearInterval(this.expiryTimer);
    this.keepalive.stop();
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
    this.dropEverything(new XmppError('not-connected', 'the connection was closed'));
    this.setStatus({ state: 'stopped' });
    this.events.removeAllListeners();
  }
}
