// XEP-0359 unique and stable stanza ids: the origin-id a sender puts on its message, and the
// stanza-id an archiving server or a room stamps on what it passes on.
import { NS_SID } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export interface StanzaId {
  id: string;
  /** Who assigned it (a server for its user's archive, a room). */
  by: string;
}

export interface StableIds {
  /** The id the sender gave, when it gave one. */
  originId: string | undefined;
  stanzaIds: StanzaId[];
}

export function readStableIds(stanza: XmlElement): StableIds {
  const origin = stanza.getChild('origin-id', NS_SID)?.attrs.id;
  const stanzaIds: StanzaId[] = [];
  for (const el of stanza.getChildren('stanza-id', NS_SID)) {
    const { id, by } = el.attrs;
    if (id && by) stanzaIds.push({ id, by });
  }
  return { originId: origin || undefined, stanzaIds };
}

export function originIdElement(xml: XmlFactory, id: string): XmlElement {
  return xml('origin-id', { xmlns: NS_SID, id });
}
