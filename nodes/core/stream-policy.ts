// What we accept from the server's stream features, decided per connection before xmpp.js
// acts on them: no STARTTLS when the user chose no encryption; no login in plaintext when
// the user asked for STARTTLS and the server does not offer it.
import { XmppError } from './errors';
import type { Security } from './server-address';
import type { Client, XmlElement } from './xmpp-lib';

const NS_STREAM = 'http://etherx.jabber.org/streams';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

export function applyStreamPolicy(client: Client, security: Security, fail: (error: XmppError) => void): void {
  // Prepended so that it runs before xmpp.js's own stream-feature middleware.
  client.prependListener('element', (element: XmlElement) => {
    if (!element.is('features', NS_STREAM)) return;
    const offersTls = element.getChild('starttls', NS_TLS) !== undefined;
    if (security === 'none') {
      if (offersTls) element.children = element.children.filter((child) => typeof child === 'string' || !child.is('starttls', NS_TLS));
      return;
    }
    if (security === 'starttls' && !client.isSecure() && !offersTls) {
      element.children = [];
      fail(new XmppError('tls-unavailable'));
    }
  });
}
