// Reading the answer to an IQ we sent: whether it comes from the entity asked, and what its
// error means.
import { XmppError } from '../errors';
import { bareOf, formatJid, parseJid, type Jid } from '../jid';
import type { XmlElement } from '../xmpp-lib';

/** RFC 6120 8.1.2.1: an answer from our own account may come without 'from'; a server may answer for itself with its domain. */
export function answeredBy(from: string | undefined, asked: string | undefined, own: string): boolean {
  const ownBare = bareOf(own);
  if (!asked) return from === undefined || from === ownBare || from === parseJidSafe(own)?.domain;
  if (from === undefined) return bareOf(asked) === ownBare;
  return sameJid(from, asked);
}

function parseJidSafe(text: string): Jid | undefined {
  try {
    return parseJid(text);
  } catch {
    return undefined;
  }
}

function sameJid(a: string, b: string): boolean {
  const x = parseJidSafe(a);
  const y = parseJidSafe(b);
  return x !== undefined && y !== undefined && formatJid(x) === formatJid(y);
}

/** An IQ error answer as a named error: its condition, and its text when it has one. */
export function stanzaError(answer: XmlElement): XmppError {
  const error = answer.getChild('error');
  const condition = error?.getChildElements().find((el) => el.getNS() === 'urn:ietf:params:xml:ns:xmpp-stanzas' && el.name !== 'text')?.name ?? 'undefined-condition';
  const text = error?.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas') ?? '';
  return new XmppError('stanza-error', text ? `${condition}: ${text}` : condition, condition);
}
