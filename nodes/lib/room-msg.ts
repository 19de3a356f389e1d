// Node-RED msg ↔ group-chat rooms: the room fields of xmpp-in and xmpp-out, and the msg shapes.
import type { NodeMessage } from 'node-red';
import { XmppError } from '../core/errors';
import { bareOf, formatJid, parseJid } from '../core/jid';
import type { OutgoingMessage } from '../core/messages/message-stanza';
import type { RoomMessage, RoomOptions } from '../core/rooms/room';
import { incomingMsg, payloadText, type IncomingMsg, type MessageMeta } from './message-msg';
import { words } from '../core/words';

/** How long a message to a room waits for the join before done(err). */
export const ROOM_JOIN_WAIT_MS = 20_000;

export interface RoomFields {
  room?: string;
  nick?: string;
  /** How many old messages the room replays when we enter (text or number in the flow file). */
  history?: string | number;
}

export interface RoomMeta extends MessageMeta {
  room: string;
  nick: string;
  private: boolean;
  delayed: boolean;
}

export interface RoomMsg extends IncomingMsg {
  xmpp: RoomMeta;
}

/** The room a node names, as join options; undefined when it names none. Throws XmppError('invalid-jid'). */
export function roomOptions(fields: RoomFields, password: string | undefined, ownJid: string): RoomOptions | undefined {
  const text = (fields.room ?? '').trim();
  if (text === '') return undefined;
  const jid = parseJid(text);
  if (!jid.local || jid.resource) throw new XmppError('invalid-jid', words('jid', { jid: text, why: words('room-jid') }));
  // Without a nick we enter under our account's name.
  const nick = (fields.nick ?? '').trim() || parseJid(ownJid).local || 'node-red';
  const history = Number(fields.history ?? 0);
  return {
    room: formatJid(jid),
    nick,
    password: password || undefined,
    history: Number.isFinite(history) && history > 0 ? Math.floor(history) : 0,
  };
}

/** The msg xmpp-in sends for a room message. */
export function roomMsg(received: RoomMessage, ownJid: string): RoomMsg {
  const { message } = received;
  const base = incomingMsg(message, ownJid);
  return {
    ...base,
    // A subject change has no body: its payload is the new subject.
    payload: message.body ?? (received.private ? '' : (message.subject ?? '')),
    topic: received.room,
    from: message.from,
    xmpp: {
      ...base.xmpp,
      room: received.room,
      nick: received.nick,
      private: received.private,
      delayed: received.delayed,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * The room a msg goes to as a group-chat message, or undefined when it is an ordinary message
 * (private replies to an occupant included). A msg from xmpp-in still has msg.to = our JID.
 */
export function roomTarget(msg: NodeMessage, nodeRoom: string | undefined, ownJid: string): string | undefined {
  const meta = isRecord(msg.xmpp) ? msg.xmpp : undefined;
  const fromRoom = meta && typeof meta.room === 'string' && meta.room !== '' ? meta.room : undefined;
  const reply = typeof msg.from === 'string' && msg.from !== '' && (absent(msg.to) || (typeof msg.to === 'string' && bareOf(msg.to) === bareOf(ownJid)));
  if (fromRoom && reply && meta?.private === true) return undefined;
  if (nodeRoom && (absent(msg.to) || reply)) return nodeRoom;
  if (fromRoom && reply) return fromRoom;
  return undefined;
}

/** A group-chat message to the room: msg.payload, and msg.subject / msg.thread when given. */
export function roomMessage(msg: NodeMessage, room: string): OutgoingMessage {
  const text = (value: unknown, name: string): string | undefined => {
    if (absent(value)) return undefined;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new XmppError('invalid-payload', words('must-be-text', { field: `msg.${name}` }));
  };
  const record = msg as NodeMessage & { subject?: unknown; thread?: unknown };
  return { to: room, type: 'groupchat', body: payloadText(msg.payload), subject: text(record.subject, 'subject'), thread: text(record.thread, 'thread') };
}
