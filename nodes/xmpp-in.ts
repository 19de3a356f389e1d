// xmpp-in: one msg per incoming chat, normal or headline message.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { IncomingPresence } from './core/presence-stanza';
import { presenceMsg } from './lib/presence-msg';
import { bareOf, parseJid, formatJid } from './core/jid';
import { readMessage } from './core/message-stanza';
import type { XmlElement } from './core/xmpp-lib';
import { connectionOf, joinIfRoom, leaveAndDeregister } from './lib/connection';
import { incomingMsg } from './lib/message-msg';
import { roomMsg, roomOptions, type RoomFields } from './lib/room-msg';

interface XmppInDef extends NodeDef, RoomFields {
  server: string;
  /** Only messages from this JID (bare: any of its resources); empty for anyone. */
  from: string;
  /** 'any' or one message type. */
  msgType: string;
  /** Also emit messages without a body (chat states, receipts). */
  bodiless: boolean;
  /** A second output for presence: availability changes and subscription stanzas. */
  presence: boolean;
}

const TYPES = new Set(['chat', 'normal', 'headline']);

/** A predicate for the sender filter; a filter that does not parse matches nothing. */
function senderFilter(filter: string): (from: string) => boolean {
  if (filter.trim() === '') return () => true;
  try {
    const jid = parseJid(filter);
    const wanted = formatJid(jid);
    if (jid.resource) return (from) => safeFull(from) === wanted;
    return (from) => bareOf(from) === wanted;
  } catch {
    return () => false;
  }
}

function safeFull(text: string): string {
  try {
    return formatJid(parseJid(text));
  } catch {
    return text;
  }
}

export = function register(RED: NodeAPI): void {
  function XmppIn(this: Node<{ roomPassword?: string }>, def: XmppInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.no-config') });
      node.error(RED._('xmpp-in.status.no-config'));
      return;
    }
    const fromMatches = senderFilter(def.from ?? '');
    const wantedType = TYPES.has(def.msgType) ? def.msgType : 'any';

    const withPresence = def.presence === true;
    // With a presence output, messages go to output 1 and presence to output 2.
    const toOutput = (msg: NodeMessage, output: 0 | 1): void => node.send(withPresence ? (output === 0 ? [msg, null] : [null, msg]) : msg);
    let room: ReturnType<typeof roomOptions>;
    try {
      room = roomOptions(def, node.credentials?.roomPassword, connection.jid);
    } catch (error) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.invalid-room') });
      node.error(`${RED._('xmpp-in.error.invalid-room')}: ${connection.describe(error)}`);
      return;
    }
    const subscriptions: (() => void)[] = [];
    if (!room) {
      subscriptions.push(connection.subscribe('message', (stanza: XmlElement) => {
        const message = readMessage(stanza);
        if (!TYPES.has(message.type)) return;
        if (wantedType !== 'any' && message.type !== wantedType) return;
        if (message.body === undefined && !def.bodiless) return;
        const msg = incomingMsg(message, connection.jid);
        if (!fromMatches(msg.from)) return;
        toOutput(msg, 0);
      }));
    }
    if (withPresence) {
      const emitPresence = (presence: IncomingPresence): void => {
        const msg = presenceMsg(presence, connection.jid);
        if (fromMatches(msg.from)) toOutput(msg, 1);
      };
      subscriptions.push(
        connection.onPresence((_contact, presence) => emitPresence(presence)),
        connection.onSubscription(emitPresence),
      );
    }
    connection.register(node);

    // With a room: its group-chat messages and private messages from its occupants, nothing else.
    const membership = joinIfRoom(connection, node, room);
    if (membership) {
      const joined = membership.room;
      subscriptions.push(
        joined.onRoomMessage((received) => {
          const { body, subject, type } = received.message;
          if (body === undefined && !(type === 'groupchat' && subject !== undefined) && !def.bodiless) return;
          const msg = roomMsg(received, connection.jid);
          if (fromMatches(msg.from)) toOutput(msg, 0);
        }),
        joined.onEvent((event) => {
          if (event.state === 'joined') {
            node.status({ fill: 'green', shape: 'dot', text: RED._('xmpp-in.status.joined', { room: joined.room, nick: event.nick }) });
            if (event.renamedFrom) node.warn(RED._('xmpp-in.warning.renamed', { room: joined.room, nick: event.nick, wanted: event.renamedFrom }));
          } else if (event.state === 'joining' && event.retryInMs !== undefined) {
            node.status({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-in.status.room-closed', { room: joined.room, seconds: Math.round(event.retryInMs / 1000) }) });
          } else if (event.state === 'failed') {
            node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.room-failed', { room: joined.room }) });
            node.error(RED._('xmpp-in.error.room-refused', { room: joined.room, detail: event.error?.detail ?? '' }));
          }
        }),
      );
      if (joined.state === 'joined') node.status({ fill: 'green', shape: 'dot', text: RED._('xmpp-in.status.joined', { room: joined.room, nick: joined.nick }) });
    }

    node.on('close', (removed: boolean, done: () => void) => {
      for (const unsubscribe of subscriptions) unsubscribe();
      leaveAndDeregister(connection, node, membership, removed).then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-in', XmppIn as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { roomPassword: { type: 'password' } },
  });
};
