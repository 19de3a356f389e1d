// XEP-0184 delivery receipts ↔ plain values: the request a content message carries, and the ack
// message that answers it.
import { NS_RECEIPTS } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export interface ReceiptInfo {
  /** The message asks for a receipt. */
  requested: boolean;
  /** An ack message: the id of the message it acknowledges. */
  received: string | undefined;
}

export function readReceipt(stanza: XmlElement): ReceiptInfo {
  const received = stanza.getChild('received', NS_RECEIPTS);
  return {
    requested: stanza.getChild('request', NS_RECEIPTS) !== undefined,
    // An ack without an id (XEP-0184 before 1.1) acknowledges nothing we could name.
    received: received ? received.attrs.id || undefined : undefined,
  };
}

/** The request a content message carries (it must have an id). */
export function receiptRequest(xml: XmlFactory): XmlElement {
  return xml('request', { xmlns: NS_RECEIPTS });
}

/** The ack message for message `id` from `to`: only the <received/> child, of the same type, and an id of its own. */
export function buildReceipt(xml: XmlFactory, to: string, id: string, type: string, ownId: string): XmlElement {
  return xml('message', { to, type, id: ownId }, xml('received', { xmlns: NS_RECEIPTS, id }));
}
