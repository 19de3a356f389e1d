// xmpp-out: sends msg.payload as a message, a file (uploaded, then sent as a link), or our
// presence, a subscription answer or a roster change; done() once written (or, when a receipt is
// asked for, once the recipient's receipt is back), done(err) when it cannot be. A message that
// comes back reaches this node's Catch nodes.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { DeliveryError } from './core/messages/delivery-error';
import { isMessageType, type MessageType, type OutgoingMessage } from './core/messages/message-stanza';
import type { Bounce } from './core/messages/messages';
import { DEFAULT_RECEIPT_TIMEOUT_MS } from './core/receipts/receipts';
import { clientOf, connectionOf, joinIfRoom, leaveAndDeregister } from './lib/connection';
import { positiveNumber } from './lib/msg-fields';
import { describeError, nodeError } from './lib/node-error';
import { detailText, type Translate } from './lib/status-text';
import { outgoingMessage, receiptWanted, withCondition, withMessageId } from './lib/message-msg';
import { presenceAction, runPresenceAction } from './lib/presence-msg';
import { RoomError, type Room } from './core/rooms/room';
import type { SendOptions } from './core/session/session';
import { ROOM_JOIN_WAIT_MS, roomMessage, roomOptions, roomTarget, type RoomFields } from './lib/room-msg';
import type { FileMessage } from './core/files/files';
import { fileAddress, fileRequest, loadFile, type FileRequest } from './lib/file-msg';
import { OwnStatus } from './lib/own-status';
import { encryptionWanted, readEncryption, type Encryption } from './lib/encryption-msg';
import { EncryptionError } from './core/omemo/encryption-error';
import { UploadProgress } from './lib/upload-progress';

interface XmppOutDef extends NodeDef, RoomFields {
  server: string;
  to: string;
  msgType: string;
  subject: string;
  /** Refuse at once while offline instead of waiting in the connection's outbox. */
  failFast: boolean;
  /** Ask for a delivery receipt and finish the msg when it is back (absent in older flows: off). */
  receipt?: boolean;
  /** Seconds to wait for the receipt once the message is written. */
  receiptTimeout?: string | number;
  /** OMEMO: 'off', 'possible' or 'required'; absent in older flows: off. */
  encryption?: string;
}

export = function register(RED: NodeAPI): void {
  function XmppOut(this: Node<{ roomPassword?: string }>, def: XmppOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-out.status.no-config') });
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        done(new Error(RED._('xmpp-out.status.no-config')));
      });
      return;
    }
    const t: Translate = (key, substitutions) => RED._(key, substitutions);
    const defaults = {
      to: (def.to ?? '').trim(),
      type: (isMessageType(def.msgType) ? def.msgType : 'chat') as MessageType,
      subject: def.subject ?? '',
    };

    let room: ReturnType<typeof roomOptions>;
    let roomProblem: Error | undefined;
    try {
      room = roomOptions(def, node.credentials?.roomPassword, connection.jid);
    } catch (error) {
      roomProblem = new Error(RED._('xmpp-out.error.invalid-room', { detail: describeError(t, error) }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-out.status.invalid-room') });
    }

    /** The Error for done(err), with its code for flows to branch on (a room's failure in this node's words). */
    const fail = (error: unknown): Error => nodeError(t, error, 'xmpp-out');
    const receiptTimeoutMs = Math.round((positiveNumber(def.receiptTimeout) ?? DEFAULT_RECEIPT_TIMEOUT_MS / 1000) * 1000);

    /** Waits until we are in the room (when some node of this connection joins it). */
    const inRoom = async (to: string): Promise<void> => {
      const joined: Room | undefined = membership?.room.room === to ? membership.room : clientOf(connection).rooms.get(to);
      if (joined && joined.state !== 'joined') {
        if (def.failFast) throw new RoomError('room-timeout', to);
        await joined.whenJoined(ROOM_JOIN_WAIT_MS);
      }
    };

    /** Waits until we are in the room, then sends. */
    const sendToRoom = async (message: OutgoingMessage, msg: NodeMessageInFlow): Promise<void> => {
      await inRoom(message.to);
      await clientOf(connection).messages.send(message, { ...sendOptions(msg), onBounce: bounced(message.to, msg) });
    };

    // Uploads under way, shown in the status while the connection is green.
    const uploads = new UploadProgress();
    const status = new OwnStatus(node, () => {
      if (uploads.active === 0) return undefined;
      const text = uploads.active > 1 ? RED._('xmpp-out.status.uploading-many', { count: uploads.active, percent: uploads.percent }) : RED._('xmpp-out.status.uploading', { percent: uploads.percent });
      return { fill: 'blue', shape: 'dot', text };
    });

    /** Reads the file (within the upload service's limit), uploads it and sends its link; msg.xmpp.url is the link. */
    const sendFile = async (request: FileRequest, address: Omit<FileMessage, 'caption'>, msg: NodeMessageInFlow): Promise<void> => {
      const client = clientOf(connection);
      if (address.type === 'groupchat') await inRoom(address.to);
      const file = await loadFile(request, client.files);
      const progress = uploads.start();
      try {
        const onProgress = (sent: number, total: number): void => {
          progress.report(sent, total);
          status.changed();
        };
        const url = await client.files.upload(file, onProgress);
        // Before done(): a Complete node sees where the file is.
        const meta: unknown = msg.xmpp;
        msg.xmpp = { ...(typeof meta === 'object' && meta !== null ? meta : {}), url };
        // The link is the message (with a receipt when asked for, its bounce on this node's Catch);
        // a caption rides in its out-of-band data and, for clients that show only that, after it.
        const caption = request.caption?.trim() ? request.caption : undefined;
        // The file itself is not encrypted (XEP-0454 is not implemented): its link goes in clear too.
        const link = sendMessage({ to: address.to, type: address.type, body: url, subject: address.subject, thread: address.thread, oob: { url, desc: caption } }, msg, 'off');
        const captioned = caption ? client.messages.send({ to: address.to, type: address.type, body: caption, thread: address.thread }, sendOptions(msg)) : undefined;
        await Promise.all([link, captioned]);
      } finally {
        progress.end();
        status.changed();
      }
    };

    /** Waiting while offline (unless fail fast), and where to report the message if the server later makes us drop it. */
    const sendOptions = (msg: NodeMessageInFlow): SendOptions => ({
      queue: !def.failFast,
      onDropped: (error) => node.error(fail(error), msg),
    });

    /** A message that comes back after done(): this node's Catch nodes get its msg, with the condition. */
    const bounced =
      (to: string, msg: NodeMessageInFlow) =>
      (bounce: Bounce): void =>
        node.error(fail(new DeliveryError('bounced', to, { condition: bounce.condition, from: bounce.from })), withCondition({ ...msg }, bounce.condition));

    const encryptionSetting = readEncryption(def.encryption);

    /** The message as it goes: encrypted (OMEMO) when asked and possible; refused when required and impossible. */
    const sealed = async (message: OutgoingMessage, encryption: Encryption, msg: NodeMessageInFlow): Promise<OutgoingMessage> => {
      if (encryption === 'off') return message;
      const omemo = clientOf(connection).omemo;
      if (!omemo) {
        if (encryption === 'required') throw new EncryptionError('omemo-disabled');
        return message;
      }
      const encrypted = await omemo.seal(message, encryption);
      const meta: unknown = msg.xmpp;
      msg.xmpp = { ...(typeof meta === 'object' && meta !== null ? meta : {}), encrypted: encrypted !== undefined };
      return encrypted ?? message;
    };

    /** Sends a message with an id of its own (in msg.xmpp.id), encrypted as asked; with a receipt asked for, resolves when it is back. */
    const sendMessage = (plain: OutgoingMessage, msg: NodeMessageInFlow, encryption: Encryption = encryptionWanted(msg, encryptionSetting)): Promise<void> => {
      const client = clientOf(connection);
      const wantReceipt = receiptWanted(msg, def.receipt === true);
      const id = client.messages.newId();
      withMessageId(msg, id);
      const deliver = (message: OutgoingMessage): Promise<void> => {
        // No receipts in rooms (XEP-0184 5.3): every occupant would answer.
        if (message.type === 'groupchat') return sendToRoom({ ...message, id }, msg);
        if (!wantReceipt) return client.messages.send({ ...message, id }, { ...sendOptions(msg), onBounce: bounced(message.to, msg) });
        return client.receipts.send({ ...message, id }, { ...sendOptions(msg), timeoutMs: receiptTimeoutMs }).catch((error: unknown) => {
          if (error instanceof DeliveryError && error.code === 'bounced') withCondition(msg, error.condition ?? '');
          throw error;
        });
      };
      // In clear it is handed to the connection at once, in order with what this turn sends after it.
      if (encryption === 'off') return deliver({ ...plain, id });
      return sealed({ ...plain, id }, encryption, msg).then(deliver);
    };

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
      let sent: Promise<void>;
      let target: string | undefined;
      try {
        if (roomProblem) throw roomProblem;
        // msg.presence, msg.subscription or msg.roster make it a presence action, else a message.
        const action = presenceAction(msg, defaults.to);
        // A Buffer payload with msg.filename, or msg.file, makes it a file.
        const file = action ? undefined : fileRequest(msg);
        target = action ? undefined : roomTarget(msg, room?.room, connection.jid);
        if (action) sent = runPresenceAction(clientOf(connection), action);
        else if (file && encryptionWanted(msg, encryptionSetting) === 'required') throw new EncryptionError('encrypted-files-unsupported');
        else if (file) sent = sendFile(file, target ? { to: target, type: 'groupchat' } : fileAddress(msg, defaults, connection.jid), msg);
        else sent = sendMessage(target ? roomMessage(msg, target) : outgoingMessage(msg, defaults, connection.jid), msg);
      } catch (error) {
        done(fail(error));
        return;
      }
      sent.then(
        () => done(),
        (error: unknown) => done(fail(error)),
      );
    });
    connection.register(node, status.sink);

    const membership = joinIfRoom(connection, room);
    const stopWatching = membership?.room.onEvent((event) => {
      if (event.state === 'joined') {
        status.set({ fill: 'green', shape: 'dot', text: RED._('xmpp-out.status.joined', { room: room?.room ?? '', nick: event.nick }) });
        if (event.renamedFrom) node.warn(RED._('xmpp-out.warning.renamed', { room: room?.room ?? '', nick: event.nick, wanted: event.renamedFrom }));
      } else if (event.state === 'joining' && event.retryInMs !== undefined) {
        status.set({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-out.status.room-closed', { room: room?.room ?? '', seconds: Math.round(event.retryInMs / 1000) }) });
      } else if (event.state === 'joining' && event.lost) {
        status.set({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-out.status.room-lost', { room: room?.room ?? '' }) });
        node.warn(RED._('xmpp-out.warning.room-lost', { room: room?.room ?? '', nick: event.nick }));
      } else if (event.state === 'failed') {
        status.set({ fill: 'red', shape: 'ring', text: RED._('xmpp-out.status.room-failed', { room: room?.room ?? '' }) });
        node.error(RED._('xmpp-out.error.room-refused', { room: room?.room ?? '', detail: event.error ? detailText(t, event.error) : '' }));
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      stopWatching?.();
      status.close();
      leaveAndDeregister(connection, node, membership, removed).then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-out', XmppOut as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { roomPassword: { type: 'password' } },
  });
};
