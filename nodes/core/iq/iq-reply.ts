// Answers to IQs others send us: error elements, and whether an answer fits the server's stanza
// size limit as xmpp.js will write it (it wraps our child in <iq type=result to= id=>).
import { XmppError } from '../errors';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** An <error/> for an IQ answer (RFC 6120 8.3): type cancel, auth, wait, modify. */
export function errorReply(xml: XmlFactory, type: 'cancel' | 'auth' | 'wait' | 'modify', condition: string): XmlElement {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
}

/** XmppError('too-large') when `child`, answered to `request`, would exceed `limit` bytes; else undefined. */
export function replyTooLarge(xml: XmlFactory, request: XmlElement, child: XmlElement, limit: number): XmppError | undefined {
  const wrapper = xml('iq', { to: request.attrs.from, from: request.attrs.to, id: request.attrs.id, type: 'result' }).toString();
  // `<iq …/>` becomes `<iq …>child</iq>`: the wrapper's bytes plus the closing tag's.
  const bytes = Buffer.byteLength(wrapper, 'utf8') + Buffer.byteLength(child.toString(), 'utf8') + '</iq>'.length;
  if (bytes <= limit) return undefined;
  return new XmppError('too-large', `${Math.ceil(bytes / 1024)} KiB, limit ${Math.floor(limit / 1024)} KiB`);
}
