// XEP-0045 stanzas: the join presence we send, and what the room's presence and messages mean.
import { NS_DATA, NS_MUC, NS_MUC_OWNER, NS_MUC_USER, NS_PING } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { cleanXmlText } from '../xml-text';

/** Presence to room/nick asking to enter, with the password and how much history we want. */
export function buildJoin(xml: XmlFactory, occupantJid: string, password: string | undefined, history: number): XmlElement {
  return xml(
    'presence',
    { to: occupantJid },
    xml(
      'x',
      { xmlns: NS_MUC },
      xml('history', { maxstanzas: String(Math.max(0, Math.floor(history))) }),
      password ? xml('password', {}, cleanXmlText(password)) : undefined,
    ),
  );
}

/** Presence to room/nick saying we leave. */
export function buildLeave(xml: XmlFactory, occupantJid: string): XmlElement {
  return xml('presence', { to: occupantJid, type: 'unavailable' });
}

/** The owner form submitted as is: accept the default configuration of a room we just created. */
export function buildInstantRoom(xml: XmlFactory, room: string): XmlElement {
  return xml('iq', { to: room, type: 'set' }, xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: NS_DATA, type: 'submit' })));
}

/** XEP-0410: a ping to our own occupant JID asks the room whether it still has us. */
export function buildSelfPing(xml: XmlFactory, occupantJid: string): XmlElement {
  return xml('iq', { to: occupantJid, type: 'get' }, xml('ping', { xmlns: NS_PING }));
}

/** The status codes of a room presence (110 = this is us, 201 = room created, 210 = nick changed by the room). */
export function statusCodes(presence: XmlElement): Set<string> {
  const x = presence.getChild('x', NS_MUC_USER);
  const codes = new Set<string>();
  for (const status of x?.getChildren('status') ?? []) {
    const code = status.attrs.code;
    if (code) codes.add(code);
  }
  return codes;
}

/** The nick part of an occupant JID (room@service/nick); '' for the room itself. */
export function nickOf(from: string): string {
  const slash = from.indexOf('/');
  return slash === -1 ? '' : from.slice(slash + 1);
}

/** The room part of an occupant JID, lower-cased like our room JIDs. */
export function roomOf(from: string): string {
  const slash = from.indexOf('/');
  return (slash === -1 ? from : from.slice(0, slash)).toLowerCase();
}
