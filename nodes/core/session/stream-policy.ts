// What we do with the server's stream features, decided per connection before xmpp.js acts on
// them: no STARTTLS when the user chose no encryption (and a named failure, not a login that
// waits forever, when the server requires it); our own STARTTLS (with the connection's trust
// settings) when they asked for it; no login at all when the server does not offer it, or
// offers no login mechanism we would use here (named, with what it offered).
import { XmppError, classifyConnectionError } from '../errors';
import type { Security } from './server-address';
import { NS_SASL, NS_STREAM, NS_TLS } from '../namespaces';
import { chooseMechanism } from './login';
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
    const starttls = element.getChild('starttls', NS_TLS);
    const offersTls = starttls !== undefined;
    if (policy.security === 'none') {
      if (starttls?.getChild('required')) {
        element.children = [];
        fail(new XmppError('tls-required'));
        return;
      }
      if (offersTls) element.children = element.children.filter((child) => typeof child === 'string' || !child.is('starttls', NS_TLS));
      refuseWithoutMechanism(element, client.isSecure(), policy, fail);
      return;
    }
    if (client.isSecure()) refuseWithoutMechanism(element, true, policy, fail);
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

/** Features that offer login, but no mechanism we would use here: a named failure listing them (xmpp.js would say "not authorized"). */
function refuseWithoutMechanism(features: XmlElement, secure: boolean, policy: StreamPolicy, fail: (error: XmppError) => void): void {
  const mechanisms = features.getChild('mechanisms', NS_SASL);
  if (!mechanisms) return;
  const offered = mechanisms.getChildren('mechanism').map((m) => m.getText().trim());
  try {
    chooseMechanism(offered, secure, policy.security, secure);
  } catch (error) {
    features.children = [];
    fail(error instanceof XmppError ? error : new XmppError('no-mechanism', offered.join(', ')));
  }
}
