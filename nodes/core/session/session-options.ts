// What a session is given, what it reports, and how a stanza is sent.
import type { XmppError } from '../errors';
import type { IqResponder } from '../iq/iq-responder';
import type { Jid } from '../jid';
import type { BackoffOptions } from './backoff';
import type { Dispatcher } from './dispatcher';
import type { KeepaliveOptions } from './keepalive';
import type { OutboxLimits } from './outbox';
import type { DropReport } from './poison-guard';
import type { Security } from './server-address';
import type { InboundLimits } from './stream-parser';
import type { TlsTrust } from './tls-trust';
import type { WebSocketOptions } from './websocket-address';

export interface SessionOptions {
  /** Our JID, with the resource to bind. */
  jid: Jid;
  password: string;
  /** Empty: the domain's SRV record, else the domain. */
  host?: string | undefined;
  port?: number | undefined;
  security: Security;
  trust?: TlsTrust | undefined;
  /** XMPP over WebSocket (RFC 7395) instead of TCP: host and port are then not used. */
  websocket?: WebSocketOptions | undefined;
  /** Where incoming stanzas go; outlives sessions. */
  dispatcher: Dispatcher;
  /** Who answers the queries others send us; outlives sessions. */
  responder: IqResponder;
  backoff?: BackoffOptions | undefined;
  keepalive?: KeepaliveOptions | undefined;
  outbox?: OutboxLimits | undefined;
  /** Largest stanza we send (Prosody refuses more than 256 KiB by default and drops the stream). */
  maxStanzaBytes?: number | undefined;
  /** What we accept from the server: larger or deeper stanzas end the stream (policy-violation). */
  inbound?: InboundLimits | undefined;
  /** Longest wait for a login to complete before the attempt counts as failed. */
  connectTimeoutMs?: number | undefined;
  /** DNS servers ("127.0.0.1:5300") for SRV and address records instead of the system's: tests bring their own. */
  dnsServers?: readonly string[] | undefined;
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
  /** When online: the SASL mechanism of the login (a resumed session keeps its login's). */
  mechanism?: string | undefined;
  /** When online: the TLS version of the connection ("TLSv1.3"); undefined when it is not encrypted. */
  tls?: string | undefined;
}

export interface SendOptions {
  /**
   * Wait in the outbox while offline (default). False: now or never, refused at once with
   * 'not-connected' while offline, and refused if the connection ends before it was written
   * (for what belongs to one connection: our presence, a room join, a request).
   */
  queue?: boolean;
  /** Told if the stanza is dropped after it was written ('poison': the server kept refusing it). */
  onDropped?: DropReport | undefined;
}

export const DEFAULT_MAX_STANZA_BYTES = 256 * 1024;
