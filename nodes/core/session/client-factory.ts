// An xmpp.js client as a session needs it: our parser and data-path guard, our outgoing gate,
// this connection's TLS trust, our SCRAM, our stream policy, and no reconnect of its own.
import type { LookupFunction } from 'node:net';
import type { XmppError } from '../errors';
import type { IqResponder } from '../iq/iq-responder';
import type { Jid } from '../jid';
import { acknowledgePromptly, acknowledgeTickets } from './ack-nudge';
import { tlsSocketOf } from './channel-binding';
import { followRedirectsOurselves, noDelay, useTrustForDirectTls } from './client-adjustments';
import { guardDataPath } from './data-path-guard';
import { bypassIncomingMiddleware } from './sm-fast-path';
import { LoginState, installScram, loginFunction } from './login';
import type { SaltedPasswordCache } from './scram';
import { serviceUri, type Security, type ServerAddress } from './server-address';
import { connectAcrossAddresses } from './server-reach';
import { frameWrites, gateLibrarySends } from './stanza-gate';
import { webSocketClass } from './websocket-socket';
import type { InboundLimits, StreamViolation } from './stream-parser';
import { applyStreamPolicy } from './stream-policy';
import type { TlsTrust } from './tls-trust';
import type { Client, XmppLib } from '../xmpp-lib';

export interface ClientSettings {
  jid: Jid;
  password: string;
  security: Security;
  trust: TlsTrust;
  /** The first server to try (the session tries the others itself). */
  address: ServerAddress;
  /** Host names to addresses; undefined: the system's. */
  lookup: LookupFunction | undefined;
  inbound: InboundLimits;
  /** Largest stanza we write (read at each write: it may change). */
  maxStanzaBytes(): number;
  saltedPasswords: SaltedPasswordCache;
  /** Who answers the queries others send us. */
  responder: IqResponder;
  /** XMPP over WebSocket (RFC 7395) to this ws:// or wss:// URL instead of TCP to `address`. */
  websocketUrl?: string | undefined;
}

/** What the client tells the session that owns it. */
export interface ClientHooks {
  /** The attempt or connection cannot go on (bad certificate, no STARTTLS, a failed SCRAM check). */
  fail(error: XmppError): void;
  /** The server redirected us: the next attempt goes there (the cause of this disconnect). */
  redirected(error: XmppError): void;
  /** The server sent what we do not accept. */
  violation(violation: StreamViolation): void;
  /** A stanza the library wanted to write did not pass the gate. */
  refused(error: XmppError): void;
  /** The SASL mechanism this login uses. */
  chose(mechanism: string): void;
}

export function createClient(lib: XmppLib, settings: ClientSettings, hooks: ClientHooks): Client {
  const { jid, password, security, trust } = settings;
  const login = new LoginState();
  const framed = settings.websocketUrl !== undefined;
  const client = lib.client({
    service: settings.websocketUrl ?? serviceUri(settings.address),
    domain: jid.domain,
    username: jid.local,
    credentials: loginFunction(jid.local, password, security, login, hooks.chose),
    resource: jid.resource,
  });
  client.reconnect.stop(); // the session reconnects, with backoff and a stop on bad credentials
  bypassIncomingMiddleware(client);
  if (framed) {
    // xmpp.js sets its transport's socket class at every connect: ours (with this connection's trust) stays.
    const Socket = webSocketClass(trust);
    Object.defineProperty(client, 'Socket', { get: () => Socket, set: () => undefined, configurable: true });
    frameWrites(client);
  }
  guardDataPath(client, lib, settings.inbound, hooks.violation, framed);
  gateLibrarySends(client, lib.xml, settings.maxStanzaBytes, hooks.refused);
  if (!framed) {
    connectAcrossAddresses(client, settings.lookup);
    // Direct TLS may come from an SRV record whatever Security says (XEP-0368): trusted the same way.
    useTrustForDirectTls(client, trust, jid.domain, hooks.fail);
  }
  followRedirectsOurselves(client, security, hooks.redirected);
  applyStreamPolicy(client, { security, trust, domain: jid.domain, xml: lib.xml }, hooks.fail);
  installScram(client, settings.saltedPasswords, login, hooks.fail);
  // One route for every query others send (xmpp.js cannot unregister handlers): the responder decides.
  client.middleware.use((ctx, next) => {
    const { stanza, element } = ctx;
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || !element || (type !== 'get' && type !== 'set')) return next();
    return settings.responder.answer({ from: stanza.attrs.from ?? '', id: stanza.attrs.id ?? '', type, child: element }).then((answer) => (answer === true ? {} : answer));
  });
  // Small stanzas, answered at once: without this, Nagle's algorithm and delayed ACKs add ~40 ms to every round trip.
  client.on('connect', () => noDelay(client));
  // A lone space is a keepalive on TCP; a WebSocket frame must hold one whole element.
  if (!framed) {
    acknowledgePromptly(client);
    client.on('connect', () => {
      const direct = tlsSocketOf(client.socket);
      if (direct) acknowledgeTickets(client, direct);
    });
  }
  return client;
}
