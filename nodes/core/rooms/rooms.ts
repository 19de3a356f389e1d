// The rooms of one connection: each joined once however many nodes use it, and the room
// presence and messages handed to the room they come from.
import type { IncomingMessage } from '../messages/message-stanza';
import { NS_MUC_USER } from '../namespaces';
import { Listeners } from '../listeners';
import type { ClientPort } from '../port';
import type { XmlElement } from '../xmpp-lib';
import { roomOf } from './muc-stanza';
import { Room, type RoomHost, type RoomOptions } from './room';

/** A node's use of a room; release() when done (the last release leaves the room). */
export interface RoomMembership {
  readonly room: Room;
  release(): Promise<void>;
}

/** What applies to every room of the connection unless a join says otherwise. */
export type RoomDefaults = Pick<RoomOptions, 'selfPingMs' | 'clock'>;

/** The rooms of one connection, each joined once however many nodes use it. */
export type RoomsPort = Pick<ClientPort, 'xml' | 'online' | 'send' | 'request' | 'on' | 'claim' | 'onLogin' | 'onStatus' | 'warn'>;

export class Rooms {
  private readonly rooms = new Map<string, { room: Room; users: number; presence: Listeners<[XmlElement]>; messages: Listeners<[IncomingMessage]> }>();

  constructor(
    private readonly port: RoomsPort,
    messages: { onMessage(listener: (message: IncomingMessage) => void): () => void },
    private readonly defaults: RoomDefaults = {},
  ) {
    // Occupant presence carries muc#user and is the rooms' alone; a refused join may not carry it.
    port.claim('presence', NS_MUC_USER, (stanza) => this.route(stanza));
    port.on('presence', (stanza) => this.route(stanza));
    messages.onMessage((message) => this.rooms.get(roomOf(message.from))?.messages.emit(message));
  }

  /** Joins the room, or shares the join already made (its nick, password and history apply). */
  join(options: RoomOptions): RoomMembership {
    const key = options.room.toLowerCase();
    let entry = this.rooms.get(key);
    if (!entry || entry.room.state === 'left') {
      const warn = (error: unknown): void => this.port.warn(error);
      const presence = new Listeners<[XmlElement]>(warn);
      const messages = new Listeners<[IncomingMessage]>(warn);
      const host: RoomHost = Object.assign(Object.create(this.port) as RoomsPort, {
        onPresence: (handler: (stanza: XmlElement) => void) => presence.add(handler),
        onMessage: (handler: (message: IncomingMessage) => void) => messages.add(handler),
      });
      const room = new Room(host, { ...options, room: key, selfPingMs: options.selfPingMs ?? this.defaults.selfPingMs, clock: options.clock ?? this.defaults.clock });
      entry = { room, users: 0, presence, messages };
      this.rooms.set(key, entry);
      room.start();
    }
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      room: held.room,
      release: async () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users > 0) return;
        if (this.rooms.get(key) === held) this.rooms.delete(key);
        await held.room.leave();
      },
    };
  }

  /** The room joined under this JID, if any node uses it. */
  get(room: string): Room | undefined {
    return this.rooms.get(room.toLowerCase())?.room;
  }

  get size(): number {
    return this.rooms.size;
  }

  private route(stanza: XmlElement): void {
    this.rooms.get(roomOf(stanza.attrs.from ?? ''))?.presence.emit(stanza);
  }
}
