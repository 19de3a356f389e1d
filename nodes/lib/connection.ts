// What a using node sees of its xmpp-config node: the pooled connection, never the library.
import type { Node } from 'node-red';
import type { StanzaHandler, StanzaKind } from '../core/session/dispatcher';
import type { OutgoingMessage } from '../core/messages/message-stanza';
import type { SendOptions } from '../core/session/session';
import type { ContactPresence } from '../core/contacts/presence-tracker';
import type { RosterItem } from '../core/contacts/roster';
import type { IncomingPresence, OutgoingPresence } from '../core/presence/presence-stanza';
import type { OwnPresence } from '../core/presence/own-presence';
import type { DiscoInfo, DiscoItem } from '../core/disco/disco-stanza';
import type { WalkedItem } from '../core/disco/disco-client';
import type { NodeAnswerer, NodeAnswering, SoftwareVersion } from '../core/disco/self-description';
import type { MethodHandler, ServeOptions } from '../core/rpc/jabber-rpc';
import type { CallerAccess } from '../core/caller-access';
import type { CodecOptions, RpcValue } from '../core/rpc/xmlrpc';
import type { ElementSpec, RawAnswer } from '../core/iq/raw-iq';
import type { Room, RoomMembership, RoomOptions } from '../core/rooms/muc';

export interface XmppConnection {
  /** Adds a using node: it gets the connection's status from now on; the first one opens the connection. */
  register(user: Node): void;
  /** Removes a using node; when it was removed (not just restarted) and was the last one, the connection closes. */
  deregister(user: Node, removed: boolean): Promise<void>;
  /** Subscribes to incoming stanzas of one kind; returns the function that ends the subscription. */
  subscribe(kind: StanzaKind, handler: StanzaHandler): () => void;
  /** Resolves once written; waits in the outbox while offline unless `queue` is false. */
  sendMessage(message: OutgoingMessage, options?: SendOptions): Promise<void>;
  /** How many stanza and presence subscriptions are open: none may outlive the node that made it. */
  readonly subscriptions: number;
  /** Our presence for everyone subscribed to it; kept and sent again after every new login. */
  setPresence(presence: OwnPresence | 'unavailable'): Promise<void>;
  /** A presence stanza of our own: directed presence, or a subscription answer. */
  sendPresence(presence: OutgoingPresence): Promise<void>;
  /** A contact's availability as last reported (nobody online when unknown). */
  presenceOf(jid: string): ContactPresence;
  /** Whether we receive this contact's presence (our subscription to it is approved). */
  seesPresenceOf(jid: string): boolean;
  /**
   * A copy of the contact's roster entry as last fetched or pushed; undefined when it is not in
   * the roster; null while the roster is not known (no session yet, or its first fetch not answered).
   */
  rosterItem(jid: string): Readonly<RosterItem> | undefined | null;
  /** Listens to the roster being fetched (after each login) or changed by the server; returns the function that stops it. */
  onRoster(listener: () => void): () => void;
  /** Listens to contacts' availability changes; returns the function that stops it. */
  onPresence(listener: (contact: ContactPresence, presence: IncomingPresence) => void): () => void;
  /** Listens to subscription stanzas left to the flow by the subscription policy. */
  onSubscription(listener: (presence: IncomingPresence) => void): () => void;
  /** Asks for the contact's presence (presence type subscribe). */
  askSubscription(jid: string): Promise<void>;
  /** Stops receiving the contact's presence (unsubscribe). */
  cancelSubscription(jid: string): Promise<void>;
  /** Lets the contact see our presence (subscribed). */
  approveSubscription(jid: string): Promise<void>;
  /** Refuses or revokes the contact's view of our presence (unsubscribed). */
  denySubscription(jid: string): Promise<void>;
  addToRoster(jid: string, name?: string): Promise<void>;
  removeFromRoster(jid: string): Promise<void>;
  /** Enters a group-chat room, or shares the join another node made; throws when there is no session. */
  joinRoom(options: RoomOptions): RoomMembership;
  /** The room some node of this connection has joined (or is joining), if any. */
  roomNamed(jid: string): Room | undefined;
  /** disco#info of jid (and node); only an answer from jid counts. Rejects with the condition. */
  discoInfo(jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoInfo>;
  discoItems(jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoItem[]>;
  /** The items of jid/node with their info, `depth` levels down. */
  discoWalk(jid: string, node: string | undefined, depth: number, timeoutMs: number): Promise<WalkedItem[]>;
  softwareVersion(jid: string, timeoutMs: number): Promise<SoftwareVersion>;
  /** Announces a feature in our disco#info and capabilities while the returned function is not called. */
  addFeature(feature: string): () => void;
  /** Lets a flow answer disco queries for one node name, to those `options.access` lets in; returns the remover. */
  answerDiscoNode(node: string, answerer: NodeAnswerer, options: NodeAnswering): () => void;
  /** Calls a method on a full JID (XEP-0009); a fault rejects with RpcFaultError (.fault). */
  rpcCall(jid: string, method: string, params: unknown[], timeoutMs: number, codec?: CodecOptions): Promise<RpcValue>;
  /**
   * Serves methods (an allowlist) to the callers `access` lets in (listed bare JIDs or domains, or
   * anyone), with at most `options.limits` calls waiting at once. While any are served, disco
   * announces jabber:iq:rpc and the identity automation/rpc. Returns the remover.
   */
  rpcServe(methods: readonly string[], access: CallerAccess, handler: MethodHandler, options?: ServeOptions): () => void;
  /** An IQ get or set with the given child to `to` (undefined: our server). */
  rawIq(to: string | undefined, type: 'get' | 'set', child: string | ElementSpec, timeoutMs: number): Promise<RawAnswer>;
  /** Our full JID (the bound one when connected). */
  readonly jid: string;
  /** A localized, secret-free text for an error, for the log. */
  describe(error: unknown): string;
  /** The Error for done(err): that text, and the error's name in `code` for flows to branch on. */
  fail(error: unknown): Error;
}

/** The config node a using node points at; undefined when missing or of another type. */
export function connectionOf(getNode: (id: string) => Node | null, configId: unknown): XmppConnection | undefined {
  if (typeof configId !== 'string' || configId === '') return undefined;
  const config = getNode(configId) as (Node & Partial<XmppConnection>) | null;
  if (!config || config.type !== 'xmpp-config' || typeof config.register !== 'function') return undefined;
  return config as unknown as XmppConnection;
}

/** A using node's close: leave its room (if any), then deregister from the connection; never throws. */
export function leaveAndDeregister(connection: XmppConnection, node: Node, membership: RoomMembership | undefined, removed: boolean): Promise<void> {
  const leaving = membership ? membership.release() : Promise.resolve();
  return leaving.then(
    () => connection.deregister(node, removed),
    () => connection.deregister(node, removed),
  );
}

/** Enters the node's room, if it names one; a room that cannot be named is logged on the node. */
export function joinIfRoom(connection: XmppConnection, node: Node, room: RoomOptions | undefined): RoomMembership | undefined {
  if (!room) return undefined;
  try {
    return connection.joinRoom(room);
  } catch (error) {
    node.error(connection.describe(error));
    return undefined;
  }
}
