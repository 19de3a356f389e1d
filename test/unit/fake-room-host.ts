// A fake connection as one room sees it (the room's own presence and messages, as Rooms routes
// them), with the room's usual answers: let us in, refuse us.
import { Listeners } from '../../nodes/core/listeners';
import { readMessage, type IncomingMessage } from '../../nodes/core/messages/message-stanza';
import type { RoomHost } from '../../nodes/core/rooms/room';
import { xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

export const ROOM = 'team@conference.example.org';
export const MUC_USER = 'http://jabber.org/protocol/muc#user';

export class FakeHost extends FakePort implements RoomHost {
  private readonly roomPresence = new Listeners<[XmlElement]>();
  private readonly roomMessages = new Listeners<[IncomingMessage]>();

  /** Presence and messages as a room hears them (Rooms routes the port's own to the rooms it made). */
  onPresence(handler: (stanza: XmlElement) => void): () => void {
    return this.roomPresence.add(handler);
  }
  onMessage(handler: (message: IncomingMessage) => void): () => void {
    return this.roomMessages.add(handler);
  }
  override deliver(text: string): void {
    const stanza = xmppLib().parse(text);
    if (stanza.name === 'presence') this.roomPresence.emit(stanza);
    if (stanza.name === 'message') this.roomMessages.emit(readMessage(stanza));
    super.deliver(text);
  }
  /** The room's answer to a join: our own presence (110), plus more status codes. */
  admit(nick: string, ...codes: string[]): void {
    const statuses = ['110', ...codes].map((c) => `<status code="${c}"/>`).join('');
    this.deliver(`<presence from="${ROOM}/${nick}" to="bot@example.org/nr"><x xmlns="${MUC_USER}"><item role="participant" affiliation="none"/>${statuses}</x></presence>`);
  }
  refuse(nick: string, condition: string): void {
    this.deliver(`<presence from="${ROOM}/${nick}" type="error"><error type="cancel"><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>`);
  }
  presences(): XmlElement[] {
    return this.sent.filter((s) => s.name === 'presence');
  }
}
