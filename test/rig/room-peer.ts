// A plain client's side of a group-chat room: entering it, and configuring it when it entered first.
import { strict as assert } from 'node:assert';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { waitFor, type Peer } from './peer';

const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';

let iqCount = 0;

/** Whether a room presence carries this status code (110: it is about you; 201: the room is new). */
export function hasStatus(presence: XmlElement, code: string): boolean {
  return (presence.getChild('x', NS_MUC_USER)?.getChildren('status') ?? []).some((s) => s.attrs.code === code);
}

/** Submits the room's owner form with these fields (none: accept the defaults). */
export async function configureRoom(peer: Peer, room: string, fields: Record<string, string> = {}): Promise<void> {
  const id = `cfg-${++iqCount}`;
  const x = peer.xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, peer.xml('field', { var: 'FORM_TYPE', type: 'hidden' }, peer.xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')));
  for (const [name, value] of Object.entries(fields)) x.append(peer.xml('field', { var: name }, peer.xml('value', {}, value)));
  const answer = waitFor(peer, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 5000, 'the owner form answer');
  await peer.sendRaw(peer.xml('iq', { to: room, type: 'set', id }, peer.xml('query', { xmlns: NS_MUC_OWNER }, x)));
  assert.equal((await answer).attrs.type, 'result', 'the room took its configuration');
}

/** The peer enters the room (creating it when it is the first, with these settings). */
export async function enterRoom(peer: Peer, room: string, nick: string, fields: Record<string, string> = {}): Promise<void> {
  const self = peer.nextPresence((p) => p.attrs.from === `${room}/${nick}` && hasStatus(p, '110'));
  await peer.sendRaw(peer.xml('presence', { to: `${room}/${nick}` }, peer.xml('x', { xmlns: NS_MUC }, peer.xml('history', { maxstanzas: '0' }))));
  const presence = await self;
  if (hasStatus(presence, '201')) await configureRoom(peer, room, fields);
}
