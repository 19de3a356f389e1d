// What a using node sees of its xmpp-config node: the account's client, grouped by concern
// (messages, presence, contacts, rooms, disco, rpc, iq), and its place among the users.
import type { Node, NodeStatus } from 'node-red';
import type { XmppClient } from '../core/client';
import { XmppError } from '../core/errors';
import type { RoomOptions } from '../core/rooms/room';
import type { RoomMembership } from '../core/rooms/rooms';
import type { PasswordTarget } from './connection-check';

/** Where the connection's status goes for one node (its own status, or a layer over it). */
export type StatusSink = (status: NodeStatus) => void;

export interface XmppConnection {
  /**
   * Adds a using node: its status sink gets the connection's status from now on (default: the
   * node's status), and its flows' Catch and Status nodes hear the connection; the first one opens it.
   */
  register(user: Node, sink?: StatusSink): void;
  /** Removes a using node; when it was removed (not just restarted) and was the last one, the connection closes. */
  deregister(user: Node, removed: boolean): Promise<void>;
  /** The client; undefined when the configuration cannot work (see `problem`). */
  readonly client: XmppClient | undefined;
  /** Why there is no client (an invalid JID, an unreadable CA file …). */
  readonly problem: XmppError | undefined;
  /** Our full JID (the bound one when connected). */
  readonly jid: string;
  /** Where this connection sends its password (see connection-check.ts): a trial login may use the stored one only there. */
  readonly passwordTarget: PasswordTarget;
}

/** The config node a using node points at; undefined when missing or of another type. */
export function connectionOf(getNode: (id: string) => Node | null, configId: unknown): XmppConnection | undefined {
  if (typeof configId !== 'string' || configId === '') return undefined;
  const config = getNode(configId) as (Node & Partial<XmppConnection>) | null;
  if (!config || config.type !== 'xmpp-config' || typeof config.register !== 'function') return undefined;
  return config as unknown as XmppConnection;
}

/** The client, or the error that says why there is none (for done(err)). */
export function clientOf(connection: XmppConnection): XmppClient {
  if (!connection.client) throw connection.problem ?? new XmppError('not-connected');
  return connection.client;
}

/** A using node's close: leave its room (if any), then deregister from the connection; never throws. */
export function leaveAndDeregister(connection: XmppConnection, node: Node, membership: RoomMembership | undefined, removed: boolean): Promise<void> {
  const leaving = membership ? membership.release() : Promise.resolve();
  return leaving.then(
    () => connection.deregister(node, removed),
    () => connection.deregister(node, removed),
  );
}

/** Enters the node's room, if it names one and the connection can work. */
export function joinIfRoom(connection: XmppConnection, room: RoomOptions | undefined): RoomMembership | undefined {
  return room ? connection.client?.rooms.join(room) : undefined;
}
