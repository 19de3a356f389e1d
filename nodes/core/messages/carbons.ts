// XEP-0280 message carbons: copies of what the account's other clients send and receive, each
// wrapped (XEP-0297) in a message from our own bare JID. Only our server may send those.
import { NS_CARBONS, NS_FORWARD } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export type CarbonKind = 'received' | 'sent';

export interface Carbon {
  kind: CarbonKind;
  /** The message as the other client got (or sent) it; undefined when the wrapper holds none. */
  inner: XmlElement | undefined;
}

/** The carbon a message wraps, or undefined when it is no carbon. */
export function readCarbon(stanza: XmlElement): Carbon | undefined {
  for (const kind of ['received', 'sent'] as const) {
    const wrapper = stanza.getChild(kind, NS_CARBONS);
    if (wrapper) return { kind, inner: wrapper.getChild('forwarded', NS_FORWARD)?.getChild('message') };
  }
  return undefined;
}

/** The request that turns carbons on for this session. */
export function enableCarbons(xml: XmlFactory): XmlElement {
  return xml('iq', { type: 'set' }, xml('enable', { xmlns: NS_CARBONS }));
}
