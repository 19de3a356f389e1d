// xmpp-config: one pooled XMPP connection shared by every node that names this config node.
import type { Node, NodeAPI } from 'node-red';
import { Dispatcher, type StanzaHandler, type StanzaKind } from './core/session/dispatcher';
import { XmppError } from './core/errors';
import { formatJid } from './core/jid';
import type { OutgoingMessage } from './core/messages/message-stanza';
import { EventEmitter } from 'node:events';
import { Rooms } from './core/rooms/muc';
import { Contacts, MAX_STRANGERS, SUBSCRIPTION_POLICIES, type SubscriptionPolicy } from './core/contacts/contacts';
import { buildPresenceStanza } from './core/presence/presence-stanza';
import { Session, type SendOptions, type SessionStatus } from './core/session/session';
import { readDiscoItems, readIdentity, readRosterMax, readSessionOptions, type XmppConfigDef } from './lib/config-options';
import { SelfDescription } from './core/disco/self-description';
import { SentMessages } from './core/messages/sent-messages';
import { NS_RPC, RpcFaultError, RpcServer, callRemote } from './core/rpc/jabber-rpc';
import { childElement, rawIq } from './core/iq/raw-iq';
import { queryInfo, queryItems, queryVersion, walkItems } from './core/disco/disco-client';
import { type as osType, release as osRelease } from 'node:os';

// The package's own name and version, for software-version answers (XEP-0092).
const PACKAGE = require('../../package.json') as { name: string; version: string };
import type { XmppConnection } from './lib/connection';
import { reasonText, statusFor, type Translate } from './lib/status-text';

interface Credentials {
  password?: string;
}

type XmppConfigNode = Node<Credentials> & XmppConnection & { users: Record<string, Node> };

export = function register(RED: NodeAPI): void {
  const t: Translate = (key, substitutions) => RED._(key, substitutions);

  function XmppConfig(this: XmppConfigNode, def: XmppConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    node.users = {};
    const policy: SubscriptionPolicy = (SUBSCRIPTION_POLICIES as readonly string[]).includes(def.subscriptions) ? (def.subscriptions as SubscriptionPolicy) : 'flow';
    const dispatcher = new Dispatcher((error) => node.warn(node.describe(error)));
    let session: Session | undefined;
    let contacts: Contacts | undefined;
    // Until the first roster fetch of a session answers, nobody can tell a contact from a stranger.
    let rosterKnown = false;
    let detachDescription: (() => void) | undefined;
    let detachRpc: (() => void) | undefined;
    const rpc = new RpcServer();
    const description = new SelfDescription(readIdentity(def), readDiscoItems(def.discoItems), {
      name: PACKAGE.name,
      version: PACKAGE.version,
      os: def.revealOs ? `${osType()} ${osRelease()}` : undefined,
    });
    let rooms: Rooms | undefined;
    // Outlives sessions: users listen here, each session's contacts feed it.
    const hub = new EventEmitter();
    hub.setMaxListeners(0);
    let options: ReturnType<typeof readSessionOptions> | undefined;
    let setupError: XmppError | undefined;
    let status: SessionStatus;

    try {
      options = readSessionOptions(def);
      status = { state: 'idle', jid: formatJid(options.jid) };
      if (options.trust?.mode === 'any' && options.security !== 'none') node.warn(t('xmpp-config.warning.any'));
    } catch (error) {
      setupError = error instanceof XmppError ? error : new XmppError('invalid-jid');
      status = { state: 'failed', jid: def.jid, error: setupError };
    }

    let warnedSinceOnline = false;
    function broadcast(next: SessionStatus): void {
      status = next;
      const shown = statusFor(t, next);
      for (const user of Object.values(node.users)) user.status(shown);
      if (next.state === 'online') node.log(t('xmpp-config.log.online', { jid: next.jid }));
      // With a msg, Node-RED hands a config node's error to the Catch nodes of its users' flows.
      if (next.state === 'failed' && next.error) {
        node.error(reasonText(t, next.error), { topic: next.jid, payload: { state: next.state, code: next.error.code, detail: next.error.detail } });
      }
      // Once per outage: the first failed attempt after being online (or the very first one).
      if (next.state === 'online') warnedSinceOnline = false;
      if (next.state === 'retrying' && next.error && !warnedSinceOnline) {
        warnedSinceOnline = true;
        node.warn(reasonText(t, next.error));
      }
    }

    // A message the server or the recipient's server sent back with an error (the recipient does
    // not exist, is offline without storage, refuses it …): the flows using this connection hear
    // of it through their Catch nodes, never silence. RFC 6120 8.3: such a bounce is type error.
    const sent = new SentMessages();
    dispatcher.subscribe('message', (stanza) => {
      if (stanza.attrs.type !== 'error') return;
      // Only an answer to a message of ours: anyone could send an error with text of their choosing.
      if (!sent.bounceOf(stanza.attrs.id, stanza.attrs.from)) return;
      const condition = stanza.getChild('error')?.getChildElements().find((el) => el.getNS() === 'urn:ietf:params:xml:ns:xmpp-stanzas' && el.name !== 'text')?.name ?? 'undefined-condition';
      const from = stanza.attrs.from ?? '';
      const failure = Object.assign(new Error(t('xmpp-config.error.bounced', { jid: from, condition })), { code: 'bounced' });
      node.error(failure, { topic: from, payload: stanza.getChildText('body') ?? '', xmpp: { type: 'error', condition, stanza: stanza.toString() } });
    });

    function open(): void {
      if (session || !options) return;
      session = new Session({ ...options, password: node.credentials.password ?? '', dispatcher });
      contacts = new Contacts(session, { policy, maxRoster: readRosterMax(def) });
      detachDescription = description.attach(session);
      detachRpc = rpc.attach(session);
      rooms = new Rooms(session, (error) => node.debug(node.describe(error)));
      contacts.on('presence', (contact, presence) => hub.emit('presence', contact, presence));
      contacts.on('subscription', (presence) => hub.emit('subscription', presence));
      contacts.on('limit', (reached) => {
        if (reached.limit === 'strangers') node.debug(t('xmpp-config.log.strangers', { count: reached.ignored, max: MAX_STRANGERS }));
        else node.warn(t('xmpp-config.warning.roster-full', { size: reached.size, max: reached.max }));
      });
      contacts.on('roster', () => {
        rosterKnown = true;
        hub.emit('roster');
      });
      session.onStatus(broadcast);
      session.onWarning((error) => node.debug(node.describe(error)));
      session.start();
    }

    async function close(): Promise<void> {
      const closing = session;
      session = undefined;
      contacts?.close();
      contacts = undefined;
      rosterKnown = false;
      detachDescription?.();
      detachDescription = undefined;
      detachRpc?.();
      detachRpc = undefined;
      rooms = undefined;
      if (closing) await closing.stop();
    }

    node.register = (user) => {
      node.users[user.id] = user;
      if (setupError) {
        user.status(statusFor(t, status));
        return;
      }
      open();
      user.status(statusFor(t, session ? session.status : status));
    };

    node.deregister = async (user, removed) => {
      delete node.users[user.id];
      if (removed && Object.keys(node.users).length === 0) await close();
    };

    node.subscribe = (kind: StanzaKind, handler: StanzaHandler) => dispatcher.subscribe(kind, handler);

    node.sendMessage = (message: OutgoingMessage, sendOptions?: SendOptions) =>
      session ? session.sendMessage({ ...message, id: message.id ?? sent.idFor(message.to) }, sendOptions) : Promise.reject(setupError ?? new XmppError('not-connected'));

    const live = (): { session: Session; contacts: Contacts } => {
      if (!session || !contacts) throw setupError ?? new XmppError('not-connected');
      return { session, contacts };
    };
    const attempt = <T>(action: () => Promise<T>): Promise<T> => {
      try {
        return action();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    node.setPresence = (presence) => attempt(() => live().session.setPresence(presence));
    node.sendPresence = (presence) =>
      attempt(() => {
        const { session: current } = live();
        if (!current.xml) throw new XmppError('not-connected');
        return current.send(buildPresenceStanza(current.xml, presence));
      });
    node.joinRoom = (roomOptions) => {
      if (!rooms) throw setupError ?? new XmppError('not-connected');
      return rooms.join(roomOptions);
    };
    node.roomNamed = (jid) => rooms?.get(jid);
    node.discoInfo = (jid, discoNode, timeoutMs) => attempt(() => queryInfo(live().session, jid, discoNode, timeoutMs));
    node.discoItems = (jid, discoNode, timeoutMs) => attempt(() => queryItems(live().session, jid, discoNode, timeoutMs));
    node.discoWalk = (jid, discoNode, depth, timeoutMs) => attempt(() => walkItems(live().session, jid, discoNode, depth, timeoutMs));
    node.softwareVersion = (jid, timeoutMs) => attempt(() => queryVersion(live().session, jid, timeoutMs));
    node.addFeature = (feature) => description.addFeature(feature);
    node.answerDiscoNode = (discoNode, answerer, answering) => description.answerNode(discoNode, answerer, answering);
    node.rpcCall = (jid, method, params, timeoutMs, codec) => attempt(() => callRemote(live().session, jid, { method, params }, timeoutMs, codec));
    node.rpcServe = (methods, access, handler, serveOptions) => {
      const removers = [rpc.serve(methods, access, handler, serveOptions), description.addFeature(NS_RPC), description.addIdentity({ category: 'automation', type: 'rpc' })];
      return () => {
        for (const remove of removers) remove();
      };
    };
    node.rawIq = (to, type, child, timeoutMs) => attempt(async () => rawIq(live().session, to, type, await childElement(child), timeoutMs));
    node.presenceOf = (jid) => (contacts ? contacts.presenceOf(jid) : { jid, available: false, best: undefined, resources: [] });
    node.seesPresenceOf = (jid) => contacts?.seesPresenceOf(jid) ?? false;
    node.rosterItem = (jid) => {
      if (!contacts || !rosterKnown) return null;
      const item = contacts.roster.get(jid);
      return item ? { ...item, groups: [...item.groups] } : undefined;
    };
    node.onRoster = (listener) => {
      hub.on('roster', listener);
      return () => hub.off('roster', listener);
    };
    node.onPresence = (listener) => {
      hub.on('presence', listener);
      return () => hub.off('presence', listener);
    };
    node.onSubscription = (listener) => {
      hub.on('subscription', listener);
      return () => hub.off('subscription', listener);
    };
    node.askSubscription = (jid) => attempt(() => live().contacts.subscribe(jid));
    node.cancelSubscription = (jid) => attempt(() => live().contacts.unsubscribe(jid));
    node.approveSubscription = (jid) => attempt(() => live().contacts.approve(jid));
    node.denySubscription = (jid) => attempt(() => live().contacts.deny(jid));
    node.addToRoster = (jid, name) => attempt(() => live().contacts.addToRoster(jid, name));
    node.removeFromRoster = (jid) => attempt(() => live().contacts.removeFromRoster(jid));

    Object.defineProperty(node, 'jid', { get: () => (session ? session.jid : status.jid) });
    Object.defineProperty(node, 'subscriptions', { get: () => dispatcher.count() + hub.listenerCount('presence') + hub.listenerCount('subscription') + hub.listenerCount('roster') });

    node.fail = (error: unknown) => {
      const failure = new Error(node.describe(error));
      // A refusal from the other side is named by its condition (item-not-found, …).
      if (error instanceof XmppError) Object.assign(failure, { code: error.condition ?? error.code });
      if (error instanceof RpcFaultError) Object.assign(failure, { faultCode: error.fault.faultCode, faultString: error.fault.faultString });
      return failure;
    };

    node.describe = (error: unknown) => {
      // Texts put the detail in brackets; without one, the brackets go too.
      if (error instanceof XmppError) return t(`xmpp-config.error.${error.code}`, { detail: error.detail }).replace(/ \(\)$/, '');
      return error instanceof Error ? error.message : String(error);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      close().then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-config', XmppConfig as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { password: { type: 'password' } },
  });
};
