// xmpp-in: one msg per incoming chat, normal or headline message, from the senders it takes and
// fresh enough for it; with downloads on, the file a message links to (XEP-0066) rides along as
// msg.file.
//
// Status: the connection's (or the room's), until the per-sender limit drops messages: then how
// many, and from whom. Messages from senders it does not take, or too old, are counted in the
// debug log, never one line each.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { IncomingPresence } from './core/presence/presence-stanza';
import { presenceMsg } from './lib/presence-msg';
import { Admission } from './lib/admission';
import { messageFilter } from './lib/message-filter';
import { XmppError } from './core/errors';
import { describeError } from './lib/node-error';
import { NodeListeners } from './lib/node-listeners';
import { connectionOf, joinIfRoom, leaveAndDeregister } from './lib/connection';
import { incomingMsg, type IncomingMsg } from './lib/message-msg';
import { fetchable, fetchAttachment } from './lib/attachment';
import { roomMsg, roomOptions, type RoomFields } from './lib/room-msg';
import { SenderRateLimit } from './core/sender-rate-limit';
import { detailText, shorten } from './lib/status-text';
import { OwnStatus } from './lib/own-status';

interface XmppInDef extends NodeDef, RoomFields {
  server: string;
  /** With senders 'list': the JIDs and *@domains it takes. In older flows (no `senders`): one JID, or empty for anyone. */
  from: string;
  /** 'anyone', 'list' or 'roster' (contacts only); absent in flows made before it existed. */
  senders?: string;
  /** Drop messages older than maxAge seconds (XEP-0203 stamp); absent in older flows: off. */
  ignoreOld?: boolean;
  maxAge?: string | number;
  /** 'any' or one message type. */
  msgType: string;
  /** Also emit messages without a body (chat states, receipts). */
  bodiless: boolean;
  /** A second output for presence: availability changes and subscription stanzas. */
  presence: boolean;
  /** Limit what one sender may send; absent in flows made before the limit existed (then off). */
  rateLimit?: boolean;
  /** Messages a second one sender may send, for good. */
  rate?: string | number;
  /** Messages one sender may send at once. */
  burst?: string | number;
  /** Fetch the files messages link to, up to this many KiB; 0 or absent: off. */
  downloadKB?: string | number;
  /** Only messages that arrived OMEMO-encrypted from a device we trust; absent in older flows: off. */
  trustedOnly?: boolean;
}

// New nodes start with these (see xmpp-in.html): far above a person typing, far below a flood.
const DEFAULT_RATE = 10;
const DEFAULT_BURST = 100;

function positive(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  return Number.isFinite(n) && n > 0 ? n : fallback;
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
    const client = connection.client;
    const filter = messageFilter(def, { ownJid: () => connection.jid, rosterItem: (jid) => (client ? client.contacts.rosterItem(jid) : null) });
    if (filter.invalid.length > 0) node.warn(RED._('xmpp-in.warning.invalid-senders', { entries: filter.invalid.join(', ') }));

    // Who is kept out, and what is too old: counted in the debug log, never passed on.
    const admission = new Admission(filter, node, (key, substitutions) => RED._(key, substitutions));

    // The per-sender limit, and the status that reports what it dropped.
    const perSecond = positive(def.rate, DEFAULT_RATE);
    const burst = Math.max(1, Math.floor(positive(def.burst, DEFAULT_BURST)));
    const limit = def.rateLimit === true ? new SenderRateLimit({ perSecond, burst }) : undefined;
    const status = new OwnStatus(node, () => {
      if (!limit || limit.dropped === 0) return undefined;
      const jid = shorten(limit.lastDropped ?? '');
      const text =
        limit.droppedSenders > 1
          ? RED._('xmpp-in.status.dropped-many', { count: limit.dropped, senders: limit.droppedSenders, jid })
          : RED._('xmpp-in.status.dropped', { count: limit.dropped, jid });
      return { fill: 'yellow', shape: 'dot', text };
    });
    /** Whether a msg from `sender` goes out; beyond the limit it is dropped, counted, and each burst said once. */
    const admit = (sender: string): boolean => {
      if (!limit) return true;
      const verdict = limit.take(sender);
      if (verdict === 'pass') return true;
      if (verdict === 'burst') node.warn(RED._('xmpp-in.warning.flood', { jid: sender, rate: perSecond, burst }));
      status.changed();
      return false;
    };

    const withPresence = def.presence === true;
    // With a presence output, messages go to output 1 and presence to output 2.
    const toOutput = (msg: NodeMessage, output: 0 | 1): void => node.send(withPresence ? (output === 0 ? [msg, null] : [null, msg]) : msg);

    // With downloads on, messages still go out in the order they came: each waits for the
    // download of any before it (downloads themselves run side by side, each bounded in time).
    const downloadBytes = Math.floor(positive(def.downloadKB, 0) * 1024);
    let inOrder: Promise<void> = Promise.resolve();
    let closed = false;
    const t = (key: string, substitutions?: Record<string, string | number>): string => RED._(key, substitutions);
    const withAttachment = async (msg: IncomingMsg, url: string): Promise<NodeMessage> => {
      if (!client) return msg;
      const { file, problem } = await fetchAttachment(url, client.files, downloadBytes);
      if (problem !== undefined) node.warn(RED._('xmpp-in.warning.download-failed', { name: file.name, from: msg.from, reason: describeError(t, problem) }));
      return { ...msg, file };
    };
    const emitMessage = (msg: IncomingMsg): void => {
      if (downloadBytes === 0) {
        toOutput(msg, 0);
        return;
      }
      const url = msg.xmpp.oob?.url;
      const ready = url !== undefined && fetchable(url) ? withAttachment(msg, url) : Promise.resolve(msg);
      inOrder = inOrder
        .then(() => ready)
        .then((out) => {
          if (!closed) toOutput(out, 0);
        });
    };
    let room: ReturnType<typeof roomOptions>;
    try {
      room = roomOptions(def, node.credentials?.roomPassword, connection.jid);
    } catch (error) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.invalid-room') });
      // With its code, as every error a Catch node gets from these nodes (invalid-jid, invalid-payload).
      const text = RED._('xmpp-in.error.invalid-room', { detail: describeError(t, error) });
      node.error(error instanceof XmppError ? Object.assign(new Error(text), { code: error.code }) : text);
      return;
    }
    const held = new NodeListeners();
    if (filter.mode === 'roster') held.add(client?.contacts.onRoster(() => admission.rosterChanged()));
    if (!room) {
      held.add(
        client?.messages.onMessage((message) => {
          if (!filter.message(message) || !admission.fresh(message) || !admission.encryptedEnough(message, def.trustedOnly === true)) return;
          const msg = incomingMsg(message, connection.jid);
          admission.fromAllowed(msg.from, () => {
            if (admit(msg.topic)) emitMessage(msg);
          });
        }),
      );
    }
    if (withPresence) {
      const emitPresence = (presence: IncomingPresence): void => {
        const msg = presenceMsg(presence, connection.jid);
        admission.fromAllowed(msg.from, () => {
          if (admit(msg.topic)) toOutput(msg, 1);
        });
      };
      held.add(
        client?.contacts.onPresence((_contact, presence) => emitPresence(presence)),
        client?.contacts.onSubscription(emitPresence),
      );
    }
    connection.register(node, status.sink);

    // With a room: its group-chat messages and private messages from its occupants, nothing else.
    const membership = joinIfRoom(connection, room);
    if (membership) {
      const joined = membership.room;
      held.add(
        joined.onRoomMessage((received) => {
          const { body, subject, type } = received.message;
          if (body === undefined && !(type === 'groupchat' && subject !== undefined) && !def.bodiless) return;
          if (!admission.fresh(received.message) || !admission.encryptedEnough(received.message, def.trustedOnly === true)) return;
          const msg = roomMsg(received, connection.jid);
          // In a room the bare JID is the room itself: each occupant is a sender of its own.
          admission.fromAllowed(msg.from, () => {
            if (admit(msg.from)) emitMessage(msg);
          });
        }),
        joined.onEvent((event) => {
          if (event.state === 'joined') {
            status.set({ fill: 'green', shape: 'dot', text: RED._('xmpp-in.status.joined', { room: joined.room, nick: event.nick }) });
            if (event.renamedFrom) node.warn(RED._('xmpp-in.warning.renamed', { room: joined.room, nick: event.nick, wanted: event.renamedFrom }));
          } else if (event.state === 'joining' && event.retryInMs !== undefined) {
            status.set({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-in.status.room-closed', { room: joined.room, seconds: Math.round(event.retryInMs / 1000) }) });
          } else if (event.state === 'joining' && event.lost) {
            status.set({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-in.status.room-lost', { room: joined.room }) });
            node.warn(RED._('xmpp-in.warning.room-lost', { room: joined.room, nick: event.nick }));
          } else if (event.state === 'failed') {
            status.set({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.room-failed', { room: joined.room }) });
            node.error(Object.assign(new Error(RED._('xmpp-in.error.room-refused', { room: joined.room, detail: event.error ? detailText(t, event.error) : '' })), { code: 'room-refused' }));
          }
        }),
      );
      if (joined.state === 'joined') status.set({ fill: 'green', shape: 'dot', text: RED._('xmpp-in.status.joined', { room: joined.room, nick: joined.nick }) });
    }

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      held.end();
      admission.close();
      status.close();
      leaveAndDeregister(connection, node, membership, removed).then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-in', XmppIn as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { roomPassword: { type: 'password' } },
  });
};
