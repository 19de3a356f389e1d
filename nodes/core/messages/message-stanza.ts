// <message/> stanzas ↔ plain objects. Reading is tolerant (peers send anything); building is strict.
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { NS_DELAY } from '../namespaces';
import { conditionOf } from '../stanza-error';
import { cleanXmlText, xmlText } from '../xml-text';
import { buildOob, readOob, type Oob } from '../files/oob-stanza';

export const MESSAGE_TYPES = ['chat', 'normal', 'headline', 'groupchat'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

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
  /** For type 'error': the condition the other side answered. */
  condition: string | undefined;
  /** The stanza as XML text. */
  stanza: string;
  /** A link to a file (XEP-0066 out-of-band data), when it carries one. */
  oob?: Oob | undefined;
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
}

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

function childText(el: XmlElement, name: string): string | undefined {
  const child = el.getChild(name);
  return child ? child.getText() : undefined;
}

export function readMessage(el: XmlElement): IncomingMessage {
  const rawType = el.attrs.type;
  const type = rawType === 'error' ? 'error' : isMessageType(rawType) ? rawType : 'normal';
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
    condition: type === 'error' ? conditionOf(el) : undefined,
    stanza: xmlText(el),
    oob: readOob(el),
  };
}

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
  );
}
