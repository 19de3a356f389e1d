// OMEMO 2's plaintext: a Stanza Content Encryption envelope (XEP-0420) holding the body, random
// padding (so the length leaks less), the sender's bare JID (checked on receipt, so a message
// cannot be replayed under another sender's name) and the time.
import { randomBytes, randomInt } from 'node:crypto';
import { bareOf } from '../jid';
import { NS_SCE } from '../namespaces';
import { cleanXmlText } from '../xml-text';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

const NS_CLIENT = 'jabber:client';
/** Padding up to this many characters, of a random length each time. */
const MAX_RPAD = 200;
/** An envelope larger than this is refused before parsing (a body of 256 KiB stanzas fits). */
export const MAX_ENVELOPE_BYTES = 512 * 1024;

export function buildEnvelope(xml: XmlFactory, body: string, fromBareJid: string, now = new Date()): XmlElement {
  const rpad = randomBytes(MAX_RPAD).toString('base64').slice(0, randomInt(MAX_RPAD + 1));
  return xml(
    'envelope',
    { xmlns: NS_SCE },
    xml('content', {}, xml('body', { xmlns: NS_CLIENT }, cleanXmlText(body))),
    xml('rpad', {}, rpad),
    xml('time', { stamp: now.toISOString() }),
    xml('from', { jid: fromBareJid }),
  );
}

export type EnvelopeProblem = 'not-an-envelope' | 'wrong-sender';

/**
 * The body of an envelope that came from `sender`; a problem when it is no envelope or names
 * another sender (XEP-0420 9: the affix elements are what the encryption vouches for).
 */
export function readEnvelope(parse: (text: string) => XmlElement | null, bytes: Uint8Array, sender: string): { body: string } | { problem: EnvelopeProblem } {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) return { problem: 'not-an-envelope' };
  let envelope: XmlElement | null;
  try {
    envelope = parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { problem: 'not-an-envelope' };
  }
  if (!envelope || !envelope.is('envelope', NS_SCE)) return { problem: 'not-an-envelope' };
  const from = envelope.getChild('from', NS_SCE)?.attrs.jid;
  if (!from || bareOf(from) !== bareOf(sender)) return { problem: 'wrong-sender' };
  const body = envelope.getChild('content', NS_SCE)?.getChild('body', NS_CLIENT)?.getText() ?? '';
  return { body };
}
