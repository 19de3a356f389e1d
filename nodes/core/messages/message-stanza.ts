// <message/> stanzas ↔ plain objects. Reading is tolerant (peers send anything); building is strict.
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { NS_DELAY } from '../namespaces';
import { readReceipt, receiptRequest, type ReceiptInfo } from '../receipts/receipts-stanza';
import { conditionOf } from '../stanza-error';
import { cleanXmlText, xmlText } from '../xml-text';
import { buildOob, readOob, type Oob } from '../files/oob-stanza';
import type { CarbonKind } from './carbons';
import { readDelay, type Delay } from './delay';
import type { MessageExtension } from './message-extension';
import { originIdElement, readStableIds, type StanzaId } from './stable-ids';

export const MESSAGE_TYPES = ['chat', 'normal', 'headline', 'groupchat'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** How a message that arrived encrypted was read (OMEMO, XEP-0384). */
export interface MessageEncryption {
  protocol: '0.3' | '2';
  /** The sender's device id. */
  device: number;
  /** Whether we trust that device (blind trust before verification; then only verified devices). */
  trusted: boolean;
  /** The fingerprint of the device's identity key, as its owner's client shows it. */
  fingerprint: string;
}

export interface IncomingMessage {
  /** Sender's full JID as the server gave it; empty when absent (then it came from our own server/account). */
  from: string;
  to: string;
  /** 'normal' when the stanza has no type (RFC 6121 5.2.2); 'error' for bounced messages. */
  type: MessageType | 'error';
  id: string;
  body: string | undefined;
  subject: string | undefined;
  thread: string | undefined;
  lang: string | undefined;
  /** Carries a <delay/> (XEP-0203): sent earlier (offline storage, room history). */
  delayed: boolean;
  /** When it was first sent, by whom it was held and why (XEP-0203), when it says. */
  delay: Delay | undefined;
  /** The sender's own stable id (XEP-0359). */
  originId: string | undefined;
  /** Ids stamped on the way (XEP-0359): trust only one `by` our own account or the room. */
  stanzaIds: StanzaId[];
  /** Whether it asks for a delivery receipt, or is one (XEP-0184). */
  receipt: ReceiptInfo;
  /** A copy of a message one of the account's other clients received (XEP-0280), unwrapped; undefined for a message to us. */
  carbon: CarbonKind | undefined;
  /** For type 'error': the condition the other side answered. */
  condition: string | undefined;
  /** The stanza as XML text. */
  stanza: string;
  /** A link to a file (XEP-0066 out-of-band data), when it carries one. */
  oob?: Oob | undefined;
  /** Only on a message that arrived encrypted and was decrypted: `body` is then the plaintext. */
  encryption?: MessageEncryption | undefined;
}

export interface OutgoingMessage {
  to: string;
  type: MessageType;
  body: string;
  subject?: string | undefined;
  thread?: string | undefined;
  id?: string | undefined;
  /** A link to a file (XEP-0066), sent beside the body. */
  oob?: Oob | undefined;
  /** Ask the recipient for a delivery receipt (XEP-0184; the message then needs an id). */
  requestReceipt?: boolean | undefined;
  /** Elements a core module prepared (OMEMO's <encrypted>); the body is then the fallback text. */
  extension?: MessageExtension | undefined;
}

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

function childText(el: XmlElement, name: string): string | undefined {
  const child = el.getChild(name);
  return child ? child.getText() : undefined;
}

export function readMessage(el: XmlElement, carbon?: CarbonKind): IncomingMessage {
  const rawType = el.attrs.type;
  const type = rawType === 'error' ? 'error' : isMessageType(rawType) ? rawType : 'normal';
  const delay = readDelay(el);
  const { originId, stanzaIds } = readStableIds(el);
  return {
    from: el.attrs.from ?? '',
    to: el.attrs.to ?? '',
    type,
    id: el.attrs.id ?? '',
    body: childText(el, 'body'),
    subject: childText(el, 'subject'),
    thread: childText(el, 'thread'),
    lang: el.attrs['xml:lang'],
    delayed: el.getChild('delay', NS_DELAY) !== undefined,
    delay,
    originId,
    stanzaIds,
    receipt: readReceipt(el),
    carbon,
    condition: type === 'error' ? conditionOf(el) : undefined,
    stanza: xmlText(el),
    oob: readOob(el),
  };
}

/** The message stanza; with an id, it is its origin-id too (XEP-0359), and a receipt may be asked for. */
export function buildMessage(xml: XmlFactory, message: OutgoingMessage, id = message.id): XmlElement {
  const clean = (text: string | undefined): string | undefined => (text === undefined ? undefined : cleanXmlText(text));
  const subject = clean(message.subject);
  const thread = clean(message.thread);
  return xml(
    'message',
    { to: message.to, type: message.type, id },
    subject ? xml('subject', {}, subject) : undefined,
    xml('body', {}, clean(message.body) ?? ''),
    thread ? xml('thread', {}, thread) : undefined,
    message.oob ? buildOob(xml, message.oob) : undefined,
    id && message.requestReceipt ? receiptRequest(xml) : undefined,
    id ? originIdElement(xml, id) : undefined,
    ...(message.extension?.elements ?? []),
  );
}
