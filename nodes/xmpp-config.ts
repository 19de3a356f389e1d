// xmpp-config: one pooled XMPP connection shared by every node that names this config node. It
// keeps its users (their flows' Catch and Status nodes hear it), fans out the connection's status
// and says in the log what the connection cannot say in a status; everything else is the client's.
import { homedir, type as osType, release as osRelease } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import { XmppClient } from './core/client';
import { MAX_STRANGERS, SUBSCRIPTION_POLICIES, type SubscriptionPolicy } from './core/contacts/contacts';
import { XmppError } from './core/errors';
import type { SessionStatus } from './core/session/session';
import { bareJid } from './core/jid';
import { omemoEngineFactory } from './core/omemo/crypto/engine-factory';
import { storePath } from './core/omemo/store-file';
import { loadXmpp } from './core/xmpp-lib';
import { readAnswerReceipts, readDiscoItems, readIdentity, readOmemo, readPresence, readRoomCheck, readRosterMax, readSessionOptions, type XmppConfigDef } from './lib/config-options';
import { omemoLog, serveFingerprints } from './lib/omemo-log';
import type { StatusSink, XmppConnection } from './lib/connection';
import { passwordTarget } from './lib/connection-check';
import { registerEditorApi } from './lib/editor-api';
import { describeError } from './lib/node-error';
import { logText, statusFor, type Translate } from './lib/status-text';

// The package's own name and version, for software-version answers (XEP-0092).
const PACKAGE = require('../../package.json') as { name: string; version: string };

interface Credentials {
  password?: string;
}

/** `users` is the name Node-RED looks for: a config node's status() and error() reach their flows. */
type XmppConfigNode = Node<Credentials> & XmppConnection & { users: Record<string, Node> };

export = async function register(RED: NodeAPI): Promise<void> {
  // xmpp.js is an ES module: loaded once, before the node type exists, so it is there for every use.
  await loadXmpp();
  const t: Translate = (key, substitutions) => RED._(key, substitutions);
  // The store files live with the flows, never in them (see README: back the folder up, keep it private).
  const userDir = RED.settings.userDir ?? join(homedir(), '.node-red');
  serveFingerprints(RED);

  function XmppConfig(this: XmppConfigNode, def: XmppConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    node.users = {};
    const sinks = new Map<string, StatusSink>();
    let client: XmppClient | undefined;
    let problem: XmppError | undefined;
    let status: SessionStatus;
    const omemo = readOmemo(def);
    try {
      const options = readSessionOptions(def);
      client = new XmppClient({
        session: { ...options, password: node.credentials.password ?? '' },
        presence: readPresence(def),
        contacts: { policy: (SUBSCRIPTION_POLICIES as readonly string[]).includes(def.subscriptions) ? (def.subscriptions as SubscriptionPolicy) : 'flow', maxRoster: readRosterMax(def) },
        self: {
          identity: readIdentity(def),
          items: readDiscoItems(def.discoItems),
          version: { name: PACKAGE.name, version: PACKAGE.version, os: def.revealOs ? `${osType()} ${osRelease()}` : undefined },
        },
        rooms: { selfPingMs: readRoomCheck(RED.settings) },
        messages: { carbons: def.carbons === true },
        receipts: { answer: readAnswerReceipts(def) },
        omemo: omemo.enabled
          ? { factory: omemoEngineFactory, storePath: storePath(userDir, bareJid(options.jid)), verified: omemo.verified.verified, versions: omemo.versions, label: 'Node-RED' }
          : undefined,
      });
      status = client.status;
      if (options.trust?.mode === 'any' && options.security !== 'none') node.warn(t('xmpp-config.warning.any'));
    } catch (error) {
      problem = error instanceof XmppError ? error : new XmppError('invalid-jid');
      status = { state: 'failed', jid: def.jid, error: problem };
    }
    const describe = (error: unknown): string => describeError(t, error);

    let warnedSinceOnline = false;
    function broadcast(next: SessionStatus): void {
      status = next;
      const shown: NodeStatus = statusFor(t, next);
      for (const sink of sinks.values()) sink(shown);
      if (next.state === 'online') node.log(next.resumed ? t('xmpp-config.log.resumed', { jid: next.jid }) : t('xmpp-config.log.online', { jid: next.jid, mechanism: next.mechanism ?? '?' }));
      // With a msg, Node-RED hands a config node's error to the Catch nodes of its users' flows.
      if (next.state === 'failed' && next.error) {
        node.error(logText(t, next.error), { topic: next.jid, payload: { state: next.state, code: next.error.code, detail: next.error.detail } });
      }
      // Once per outage: the first failed attempt after being online (or the very first one).
      if (next.state === 'online') warnedSinceOnline = false;
      if (next.state === 'retrying' && next.error && !warnedSinceOnline) {
        warnedSinceOnline = true;
        node.warn(logText(t, next.error));
      }
    }

    if (client) {
      client.onStatus(broadcast);
      client.onWarning((error) => node.debug(describe(error)));
      // A message of ours that came back with an error (the recipient does not exist, is offline
      // without storage, refuses it …): the xmpp-out node that sent it tells its own Catch nodes,
      // with its msg. One no node claimed (sent by other means) is at least said in the log.
      client.messages.onBounce((bounce) => {
        if (!bounce.claimed) node.warn(t('xmpp-config.error.bounced', { jid: bounce.from, condition: bounce.condition }));
      });
      if (omemo.verified.invalid.length > 0) node.warn(t('xmpp-config.omemo.invalid-verified', { lines: omemo.verified.invalid.join('; ') }));
      const omemoModule = client.omemo;
      if (omemoModule) omemoModule.onNotice((notice) => omemoLog(node, t, notice));
      client.contacts.onLimit((reached) => {
        if (reached.limit === 'strangers') node.debug(t('xmpp-config.log.strangers', { count: reached.ignored, max: MAX_STRANGERS }));
        else node.warn(t('xmpp-config.warning.roster-full', { size: reached.size, max: reached.max }));
      });
    }

    node.register = (user, sink) => {
      node.users[user.id] = user;
      const show = sink ?? ((shown: NodeStatus) => user.status(shown));
      sinks.set(user.id, show);
      client?.start();
      show(statusFor(t, status));
    };

    node.deregister = async (user, removed) => {
      delete node.users[user.id];
      sinks.delete(user.id);
      if (removed && Object.keys(node.users).length === 0) await client?.stop();
    };

    Object.defineProperty(node, 'client', { get: () => client });
    Object.defineProperty(node, 'problem', { get: () => problem });
    Object.defineProperty(node, 'jid', { get: () => client?.jid ?? def.jid });
    Object.defineProperty(node, 'passwordTarget', { value: passwordTarget(def) });
    // For the tests that check no listener outlives the node that added it.
    Object.defineProperty(node, 'subscriptions', { get: () => client?.listeners ?? 0 });

    node.on('close', (_removed: boolean, done: () => void) => {
      (client?.close() ?? Promise.resolve()).then(done, done);
    });
  }

  // The dialog's Test connection button and its JID suggestions.
  registerEditorApi(RED, t);

  RED.nodes.registerType('xmpp-config', XmppConfig as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { password: { type: 'password' } },
  });
};
