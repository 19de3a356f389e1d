// Node-RED msg ↔ message stanza objects: the msg shapes of xmpp-in and xmpp-out, written once.
import type { NodeMessage } from 'node-red';
import { XmppError } from '../core/errors';
import { bareOf, formatJid, parseJid } from '../core/jid';
import type { Delay } from '../core/messages/delay';
import { isMessageType, type IncomingMessage, type MessageEncryption, type MessageType, type OutgoingMessage } from '../core/messages/message-stanza';
import type { Oob } from '../core/files/oob-stanza';
import { words } from '../core/words';

/** What xmpp-in puts in msg.xmpp. */
export interface MessageMeta {
  type: IncomingMessage['type'];
  id: string;
  thread: string | undefined;
  subject: string | undefined;
  lang: string | undefined;
  stanza: string;
  /** A link to a file (XEP-0066) with its description; only on messages that carry one. */
  oob?: Oob;
  /** Only on a message that arrived late (offline storage, a room's history): when it was sent, who held it, why (XEP-0203). */
  delay?: Delay;
  /** Only on a copy of a message one of the account's other clients received (XEP-0280). */
  carbon?: 'received';
  /** Only on a message that arrived OMEMO-encrypted: msg.payload is its plaintext. */
  encryption?: MessageEncryption;
}

export interface IncomingMsg extends NodeMessage {
  payload: string;
  topic: string;
  from: string;
  to: string;
  xmpp: MessageMeta;
}

/** The msg xmpp-in sends for a message stanza. `ownJid` stands in for a missing from/to. */
export function incomingMsg(message: IncomingMessage, ownJid: string): IncomingMsg {
  // RFC 6120 8.1.2.1: a stanza without 'from' comes from our own account.
  const from = message.from || bareOf(ownJid);
  return {
    payload: message.body ?? '',
    topic: bareOf(from),
    from,
    to: message.to || ownJid,
    xmpp: {
      type: message.type,
      id: message.id,
      thread: message.thread,
      subject: message.subject,
      lang: message.lang,
      stanza: message.stanza,
      ...(message.oob ? { oob: { url: message.oob.url, desc: message.oob.desc } } : {}),
      ...(message.delay ? { delay: { ...message.delay } } : {}),
      ...(message.carbon === 'received' ? { carbon: 'received' as const } : {}),
      ...(message.encryption ? { encryption: { ...message.encryption } } : {}),
    },
  };
}

export interface OutDefaults {
  /** The node's To field; empty for none. */
  to: string;
  type: MessageType;
  subject: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Text for the body: 0 and false are sent, objects as JSON, Buffers as UTF-8. */
export function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (payload === undefined || payload === null) throw new XmppError('invalid-payload', String(payload));
  if (typeof payload === 'number' || typeof payload === 'boolean' || typeof payload === 'bigint') return String(payload);
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  if (payload instanceof Date) return Number.isNaN(payload.getTime()) ? String(payload) : payload.toISOString();
  if (typeof payload === 'object') {
    try {
      return JSON.stringify(payload);
    } catch (error) {
      throw new XmppError('invalid-payload', words('not-json', { reason: error instanceof Error ? error.message : '' }));
    }
  }
  throw new XmppError('invalid-payload', typeof payload);
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new XmppError('invalid-payload', words('must-be-text', { field: `msg.${name}` }));
}

/**
 * A msg that came from xmpp-in still carries msg.to = our own JID and msg.from = the sender:
 * sending it means answering the sender, on the same thread and with the same type.
 */
function isReply(msg: NodeMessage, ownJid: string): boolean {
  if (!isRecord(msg.xmpp) || typeof msg.from !== 'string' || msg.from === '') return false;
  return msg.to === undefined || (typeof msg.to === 'string' && msg.to !== '' && bareOf(msg.to) === bareOf(ownJid));
}

/** Validates a msg once, at the edge, and turns it into a message to send. */
export function outgoingMessage(msg: NodeMessage, defaults: OutDefaults, ownJid: string): OutgoingMessage {
  const reply = isReply(msg, ownJid);
  const meta = reply && isRecord(msg.xmpp) ? msg.xmpp : undefined;
  let recipient: unknown;
  if (reply && defaults.to === '') recipient = msg.from;
  else if (msg.to !== undefined && msg.to !== null && msg.to !== '' && !reply) recipient = msg.to;
  else if (defaults.to !== '') recipient = defaults.to;
  else recipient = msg.topic;
  if (recipient === undefined || recipient === null || recipient === '') throw new XmppError('no-recipient');
  const jid = parseJid(recipient);
  if (!jid.local && !jid.domain.includes('.') && !jid.domain.includes(':')) {
    // A bare word is almost always a forgotten "@domain", not a server's address.
    throw new XmppError('invalid-jid', words('jid', { jid: jid.domain, why: words('topic-no-domain') }));
  }

  const requestedType = msg.type ?? (meta && isMessageType(meta.type) ? meta.type : undefined) ?? defaults.type;
  if (!isMessageType(requestedType)) throw new XmppError('invalid-type', String(requestedType));
  const thread = optionalText(msg.thread, 'thread') ?? (meta ? optionalText(meta.thread, 'thread') : undefined);
  const subject = optionalText(msg.subject, 'subject') ?? (defaults.subject || undefined);
  return { to: formatJid(jid), type: requestedType, body: payloadText(msg.payload), subject, thread };
}

/**
 * Whether xmpp-out asks for a delivery receipt: msg.receipt (true or false) over the node's
 * setting. Anything else in msg.receipt is refused, so a typo does not silently skip the wait.
 */
export function receiptWanted(msg: NodeMessage, nodeSetting: boolean): boolean {
  const given = (msg as NodeMessage & { receipt?: unknown }).receipt;
  if (given === undefined || given === null) return nodeSetting;
  if (typeof given === 'boolean') return given;
  throw new XmppError('invalid-payload', words('receipt-boolean'));
}

/** The msg with msg.xmpp.id set to the id of the message sent for it (msg.xmpp kept otherwise). */
export function withMessageId<M extends NodeMessage>(msg: M, id: string): M & { xmpp: Record<string, unknown> } {
  const meta = isRecord(msg.xmpp) ? msg.xmpp : {};
  return Object.assign(msg, { xmpp: { ...meta, id } });
}

/** The msg of a message that came back, as a Catch node gets it: the condition in msg.xmpp.condition. */
export function withCondition<M extends NodeMessage>(msg: M, condition: string): M & { xmpp: Record<string, unknown> } {
  const meta = isRecord(msg.xmpp) ? msg.xmpp : {};
  return Object.assign(msg, { xmpp: { ...meta, condition } });
}
