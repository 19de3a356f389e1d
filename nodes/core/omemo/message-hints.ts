// What travels in clear beside <encrypted>: a body for clients without OMEMO (sent to peers, so
// one English text here rather than the locales: the recipient's language is unknown to us), the
// XEP-0380 hint naming the encryption, and XEP-0334's store hint (a message without a body would
// otherwise be left out of the archive and of offline storage by some servers).
import { NS_EME, NS_HINTS } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import type { OmemoVersion } from './engine';
import { OMEMO_VERSIONS } from './omemo-versions';

export const FALLBACK_BODY = 'This message is end-to-end encrypted with OMEMO, and your client could not decrypt it. Please use a client that supports OMEMO.';

export function encryptionHint(xml: XmlFactory, version: OmemoVersion): XmlElement {
  return xml('encryption', { xmlns: NS_EME, namespace: OMEMO_VERSIONS[version].ns, name: version === '2' ? 'OMEMO 2' : 'OMEMO' });
}

export function storeHint(xml: XmlFactory): XmlElement {
  return xml('store', { xmlns: NS_HINTS });
}
