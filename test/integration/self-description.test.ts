// The bot describes itself correctly: disco#info and #items, entity capabilities that a client we
// did not write can verify, software version, and exactly one answer to every IQ.
import { clientOf, type XmppConnection } from '../../nodes/lib/connection';
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Peer, eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer } from '../rig/red';
import { ensureSlixmpp } from '../rig/slixmpp';

const PACKAGE = require('../../../package.json') as { name: string; version: string };
const BOT = 'bot@localhost/describe';
const NS = {
  info: 'http://jabber.org/protocol/disco#info',
  items: 'http://jabber.org/protocol/disco#items',
  ping: 'urn:xmpp:ping',
  version: 'jabber:iq:version',
  caps: 'http://jabber.org/protocol/caps',
};

interface AskResult {
  caps: { node: string; ver: string; hash: string };
  computed_ver: string;
  info: { identities: Array<Array<string | null>>; features: string[] };
  caps_info: { identities: Array<Array<string | null>>; features: string[] };
  items: { items: Array<Array<string | null>> };
  node_info: { error?: string };
  unknown_node: { error?: string };
  version: { name: string; version: string; os: string | null };
  unknown_iq: string;
}

function ask(jid: string, password: string, port: number): Promise<AskResult> {
  ensureSlixmpp();
  const script = join(__dirname, '..', '..', '..', 'test', 'rig', 'slix-ask.py');
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, jid, password, String(port), BOT, 'no-answer-here'], { timeout: 70_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`slixmpp asker failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as AskResult);
    });
  });
}

describe('the bot describes itself', function () {
  this.timeout(60_000);
  let prosody: Prosody;

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('asker', 'asker-pw');
    await prosody.register('watcher', 'watcher-pw');
    await helper.load(
      nodes,
      [
        { id: 'f1', type: 'tab', label: 'disco' },
        configNode('cfg', BOT, prosody.port, {
          subscriptions: 'everyone',
          identityCategory: 'client',
          identityType: 'bot',
          identityName: 'Test Bot',
          discoItems: 'pubsub.localhost | Feeds\nbot@localhost | Notes | notes\nnot a jid | skipped',
        }),
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [[]] },
      ],
      { cfg: { password: 'bot-pw' } },
    );
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'connected');
  });

  after(async () => {
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  it('a slixmpp client gets our info, items and version, and verifies the capabilities hash itself', async () => {
    const result = await ask('asker@localhost/slix', 'asker-pw', prosody.port);
    assert.equal(result.caps.hash, 'sha-1');
    assert.equal(result.caps.ver, result.computed_ver, 'slixmpp computes the same ver from our disco#info');
    assert.deepEqual(result.info.identities, [['client', 'bot', null, 'Test Bot']]);
    for (const feature of [NS.info, NS.items, NS.ping, NS.version, NS.caps]) assert.ok(result.info.features.includes(feature), feature);
    assert.deepEqual(result.caps_info, result.info, 'node#ver answers the same');
    // slixmpp keeps items as a set: compare them sorted.
    assert.deepEqual([...result.items.items].sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
      ['bot@localhost', 'notes', 'Notes'],
      ['pubsub.localhost', null, 'Feeds'],
    ]);
    assert.equal(result.node_info.error, 'item-not-found');
    assert.equal(result.unknown_node.error, 'item-not-found');
    assert.deepEqual(result.version, { name: PACKAGE.name, version: PACKAGE.version, os: '' }, 'no operating system unless opted in');
    assert.equal(result.unknown_iq, 'service-unavailable');
  });

  it('a feature added by a node changes the hash, and contacts see the new one in our presence', async () => {
    const watcher = await Peer.connect({ port: prosody.port, jid: 'watcher@localhost', password: 'watcher-pw' });
    try {
      const capsOf = (p: { getChild(name: string, ns?: string): { attrs: Record<string, string | undefined> } | undefined }): string | undefined => p.getChild('c', NS.caps)?.attrs.ver;
      const first = await (async () => {
        const seen = watcher.nextPresence((p) => p.attrs.from === BOT && capsOf(p) !== undefined);
        await watcher.sendRaw(watcher.xml('presence', { to: 'bot@localhost', type: 'subscribe' }));
        return capsOf(await seen);
      })();
      const config = clientOf(getNode('cfg') as unknown as XmppConnection).disco;
      const changed = watcher.nextPresence((p) => p.attrs.from === BOT && capsOf(p) !== undefined && capsOf(p) !== first);
      const remove = config.addFeature('urn:example:feature');
      const second = capsOf(await changed);
      const info = await watcher.client.iqCaller.request(watcher.xml('iq', { type: 'get', to: BOT }, watcher.xml('query', { xmlns: NS.info })));
      assert.ok(info.getChild('query')?.getChildren('feature').some((f) => f.attrs.var === 'urn:example:feature'));
      const back = watcher.nextPresence((p) => p.attrs.from === BOT && capsOf(p) === first);
      remove();
      await back;
      assert.notEqual(second, first);
    } finally {
      await watcher.stop();
    }
  });

  it('answers every IQ get and set exactly once, unknown ones with service-unavailable', async () => {
    const peer = await Peer.connect({ port: prosody.port, jid: 'watcher@localhost', password: 'watcher-pw', resource: 'iq' });
    try {
      const queries = [
        peer.xml('iq', { type: 'get', to: BOT, id: 'g1' }, peer.xml('query', { xmlns: 'urn:example:unknown' })),
        peer.xml('iq', { type: 'set', to: BOT, id: 's1' }, peer.xml('thing', { xmlns: 'urn:example:unknown' })),
        peer.xml('iq', { type: 'get', to: BOT, id: 'p1' }, peer.xml('ping', { xmlns: NS.ping })),
        peer.xml('iq', { type: 'get', to: BOT, id: 'v1' }, peer.xml('query', { xmlns: NS.version })),
        peer.xml('iq', { type: 'get', to: BOT, id: 'i1' }, peer.xml('query', { xmlns: NS.info })),
      ];
      for (const query of queries) await peer.sendRaw(query);
      // The ping comes last, after the others: once its answer is in, every answer is.
      await peer.sendRaw(peer.xml('iq', { type: 'get', to: BOT, id: 'last' }, peer.xml('ping', { xmlns: NS.ping })));
      await eventually(() => peer.received.some((s) => s.attrs.id === 'last'), (ok) => ok, 5000, 'the last answer');
      const answers = (id: string): string[] => peer.received.filter((s) => s.name === 'iq' && s.attrs.id === id).map((s) => s.attrs.type ?? '');
      assert.deepEqual(answers('g1'), ['error']);
      assert.deepEqual(answers('s1'), ['error']);
      assert.deepEqual(answers('p1'), ['result']);
      assert.deepEqual(answers('v1'), ['result']);
      assert.deepEqual(answers('i1'), ['result']);
      const refusal = peer.received.find((s) => s.attrs.id === 'g1')?.getChild('error');
      assert.ok(refusal?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    } finally {
      await peer.stop();
    }
  });
});
