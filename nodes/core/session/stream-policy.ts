// What we do with the server's stream features, decided per connection before xmpp.js acts on
// them: no STARTTLS when the user chose no encryption; our own STARTTLS (with the connection's
// trust settings) when they asked for it; no login at all when the server does not offer it.
import { XmppError, classifyConnectionError } from '../errors';
import type { Security } from './server-address';
import { NS_STREAM, NS_TLS } from '../namespaces';
import { startTls } from './starttls';
import type { TlsTrust } from './tls-trust';
import type { Client, XmlElement, XmlFactory } from '../xmpp-lib';


export interface StreamPolicy {
  security: Security;
  trust: TlsTrust;
  domain: string;
  xml: XmlFactory;
}

export function applyStreamPolicy(client: Client, policy: StreamPolicy, fail: (error: XmppError) => void): void {
  // Prepended so that it runs before xmpp.js's own stream-feature middleware.
  client.prependListener('element', (element: XmlElement) => {
    if (!element.is('features', NS_STREAM)) return;
    const offersTls = element.getChild('starttls', NS_TLS) !== undefined;
    if (policy.security === 'none') {
      if (offersTls) element.children = element.children.filter((child) => typeof child === 'string' || !child.is('starttls', NS_TLS));
      return;
    }
    if (policy.security !== 'starttls' || client.isSecure()) return;
    // Hide every feature from xmpp.js: nothing may happen on this stream but our STARTTLS.
    element.children = [];
    if (!offersTls) {
      fail(new XmppError('tls-unavailable'));
      return;
    }
    startTls(client, policy.xml, policy.trust, policy.domain).catch((error: unknown) => fail(classifyConnectionError(error)));
  });
}
