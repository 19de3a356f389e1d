// Which messages and presences an xmpp-in node passes on: the sender filter (a bare JID: any of
// its resources; a full JID: that one), the message type, and messages without a body.
import { bareOf, formatJid, parseJid } from '../core/jid';
import type { IncomingMessage } from '../core/messages/message-stanza';

/** The types an xmpp-in node without a room hears (groupchat belongs to rooms). */
const TYPES = new Set(['chat', 'normal', 'headline']);

export interface FilterFields {
  /** Only from this JID; empty for anyone. */
  from?: string | undefined;
  /** 'any' or one of chat, normal, headline. */
  msgType?: string | undefined;
  /** Also messages without a body (chat states, receipts). */
  bodiless?: boolean | undefined;
}

export interface MessageFilter {
  /** Whether a message (not from a room) is of a type and kind that goes out (the sender is checked on the msg). */
  message(message: IncomingMessage): boolean;
  /** Whether anything from this JID (a msg's `from`) goes out. */
  sender(from: string): boolean;
}

export function messageFilter(fields: FilterFields): MessageFilter {
  const sender = senderFilter(fields.from ?? '');
  const wanted = fields.msgType && TYPES.has(fields.msgType) ? fields.msgType : 'any';
  const bodiless = fields.bodiless === true;
  return {
    sender,
    message: (message) => TYPES.has(message.type) && (wanted === 'any' || message.type === wanted) && (message.body !== undefined || bodiless),
  };
}

/** A predicate for the sender filter; a filter that does not parse matches nothing. */
function senderFilter(filter: string): (from: string) => boolean {
  if (filter.trim() === '') return () => true;
  try {
    const jid = parseJid(filter);
    const wanted = formatJid(jid);
    if (jid.resource) return (from) => fullOf(from) === wanted;
    return (from) => bareOf(from) === wanted;
  } catch {
    return () => false;
  }
}

function fullOf(text: string): string {
  try {
    return formatJid(parseJid(text));
  } catch {
    return text;
  }
}
