// The xmpp-config node's fields, read once into the session's options.
import type { NodeDef } from 'node-red';
import { XmppError } from '../core/errors';
import { defaultResource, formatJid, parseJid, type Jid } from '../core/jid';
import { DEFAULT_MAX_ROSTER } from '../core/contacts/contacts';
import type { DiscoItem, Identity } from '../core/disco/disco-stanza';
import type { KeepaliveOptions } from '../core/session/keepalive';
import type { OutboxLimits } from '../core/session/outbox';
import { isShow, type OwnPresence } from '../core/presence/presence-stanza';
import type { Security } from '../core/session/server-address';
import type { SessionOptions } from '../core/session/session';
import { DEFAULT_INBOUND } from '../core/session/stream-parser';
import { readCa, normalizePin, type TlsTrust, type TrustMode } from '../core/session/tls-trust';
import { checkWebSocketUrl } from '../core/session/websocket-address';
import { words } from '../core/words';
import { parseVerified, type VerifiedList } from '../core/omemo/trust';
import type { OmemoVersion } from '../core/omemo/engine';

export interface XmppConfigDef extends NodeDef {
  jid: string;
  host: string;
  port: string;
  security: string;
  /** 'tcp' (default) or 'websocket'. */
  transport?: string;
  /** With websocket: ws:// or wss:// URL; empty: discovered (XEP-0156). */
  wsUrl?: string;
  trust: string;
  ca: string;
  pin: string;
  show: string;
  status: string;
  priority: string;
  queueCount: string;
  queueKB: string;
  queueAge: string;
  pingInterval: string;
  pingTimeout: string;
  maxStanzaKB: string;
  subscriptions: string;
  /** With subscriptions 'everyone': approve no more once the roster has this many entries. */
  rosterMax: string;
  identityCategory: string;
  identityType: string;
  identityName: string;
  /** One item a line: jid, then optionally | name | node. */
  discoItems: string;
  /** Tell the operating system in software-version answers. */
  revealOs: boolean;
  /** Answer the delivery-receipt requests of messages we receive (XEP-0184); absent in older flows: on. */
  answerReceipts?: boolean;
  /** Ask the server for copies of the messages the account's other clients receive (XEP-0280); absent: off. */
  carbons?: boolean;
  /** OMEMO end-to-end encryption (XEP-0384); absent in older flows: off. */
  omemo?: boolean;
  /** Verified OMEMO fingerprints, one `jid fingerprint` a line. */
  omemoVerified?: string;
  /** The OMEMO versions we write in: 'both' (default: the newest each device publishes), '2' or '0.3'. */
  omemoVersions?: string;
}

const SECURITY: readonly string[] = ['starttls', 'tls', 'none'];
const TRUST: readonly string[] = ['system', 'ca', 'pin', 'any'];

/** A whole number from a text field within [min, max]; the fallback when empty or out of range. */
function whole(text: string | undefined, fallback: number, min: number, max: number): number {
  const value = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

export function readJid(text: string): Jid {
  const parsed = parseJid(text);
  if (!parsed.local) throw new XmppError('invalid-jid', words('jid', { jid: text, why: words('account-jid') }));
  return { ...parsed, resource: parsed.resource || defaultResource() };
}

export function readPresence(def: Pick<XmppConfigDef, 'show' | 'status' | 'priority'>): OwnPresence {
  const priority = Number(def.priority);
  return {
    show: isShow(def.show) ? def.show : undefined,
    status: def.status || undefined,
    priority: def.priority !== '' && Number.isFinite(priority) ? priority : undefined,
  };
}

export function readTrust(def: Pick<XmppConfigDef, 'trust' | 'ca' | 'pin'>): TlsTrust {
  const mode = (TRUST.includes(def.trust) ? def.trust : 'system') as TrustMode;
  if (mode === 'ca') {
    if (!def.ca?.trim()) throw new XmppError('tls-untrusted', words('no-ca'));
    return { mode, ca: readCa(def.ca) };
  }
  if (mode === 'pin') {
    if (normalizePin(def.pin ?? '').length !== 64) throw new XmppError('tls-untrusted', words('bad-pin'));
    return { mode, pin: def.pin };
  }
  return { mode };
}

export function readOutbox(def: Partial<XmppConfigDef>): OutboxLimits {
  return {
    maxCount: whole(def.queueCount, 1000, 0, 1_000_000),
    maxBytes: whole(def.queueKB, 10 * 1024, 0, 1024 * 1024) * 1024,
    maxAgeMs: whole(def.queueAge, 600, 1, 7 * 24 * 3600) * 1000,
  };
}

export function readKeepalive(def: Partial<XmppConfigDef>): KeepaliveOptions {
  return {
    intervalMs: whole(def.pingInterval, 60, 1, 3600) * 1000,
    timeoutMs: whole(def.pingTimeout, 20, 1, 600) * 1000,
  };
}

/** Everything but the password; throws XmppError for a field that cannot work. */
export function readSessionOptions(def: XmppConfigDef): Omit<SessionOptions, 'password' | 'dispatcher' | 'responder'> {
  const outbound = whole(def.maxStanzaKB, 256, 1, 64 * 1024) * 1024;
  const security = (SECURITY.includes(def.security) ? def.security : 'starttls') as Security;
  return {
    jid: readJid(def.jid),
    host: def.host?.trim() || undefined,
    port: def.port?.trim() ? whole(def.port, 0, 1, 65535) || undefined : undefined,
    security,
    websocket: def.transport === 'websocket' ? { url: def.wsUrl?.trim() ? checkWebSocketUrl(def.wsUrl.trim(), security) : undefined } : undefined,
    trust: readTrust(def),
    outbox: readOutbox(def),
    keepalive: readKeepalive(def),
    maxStanzaBytes: outbound,
    // What a server sends is bounded too: generously, since its own limit is not known here.
    inbound: { maxStanzaBytes: Math.max(DEFAULT_INBOUND.maxStanzaBytes, 4 * outbound), maxDepth: DEFAULT_INBOUND.maxDepth },
  };
}

/** Whether we answer receipt requests: on unless the node says no (older nodes have no such field). */
export function readAnswerReceipts(def: Partial<XmppConfigDef>): boolean {
  return def.answerReceipts !== false;
}

/** The roster size past which policy 'everyone' approves no more requests. */
export function readRosterMax(def: Partial<XmppConfigDef>): number {
  return whole(def.rosterMax, DEFAULT_MAX_ROSTER, 0, 1_000_000);
}

/** Our disco identity (default client/bot). */
export function readIdentity(def: Partial<XmppConfigDef>): Identity {
  return {
    category: def.identityCategory?.trim() || 'client',
    type: def.identityType?.trim() || 'bot',
    name: def.identityName?.trim() || undefined,
  };
}

/** The disco#items we answer with: "jid | name | node" lines; lines without a valid JID are skipped. */
export function readDiscoItems(text: string | undefined): DiscoItem[] {
  const items: DiscoItem[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [jid, name, node] = line.split('|').map((part) => part.trim());
    if (!jid) continue;
    try {
      items.push({ jid: formatJid(parseJid(jid)), name: name || undefined, node: node || undefined });
    } catch {
      // not a JID: skipped, as the editor warns
    }
  }
  return items;
}

/**
 * The rooms' self-ping interval from Node-RED's settings.js (`xmppRoomCheckTime`, milliseconds,
 * as `mqttReconnectTime` is for MQTT): a number of 0 or more; anything else leaves the default.
 */
export function readRoomCheck(settings: unknown): number | undefined {
  const value = settings && typeof settings === 'object' ? (settings as Record<string, unknown>).xmppRoomCheckTime : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The connection's OMEMO settings: on or off, and the verified fingerprints (with the lines that are not). */
export function readOmemo(def: XmppConfigDef): { enabled: boolean; verified: VerifiedList; versions: OmemoVersion[] } {
  const versions: OmemoVersion[] = def.omemoVersions === '2' ? ['2'] : def.omemoVersions === '0.3' ? ['0.3'] : ['2', '0.3'];
  return { enabled: def.omemo === true, verified: parseVerified(def.omemoVerified ?? ''), versions };
}
