// Service discovery from a flow: the bot asks a slixmpp client and the Prosody server what they
// are and hold (disco-query in query mode), and answers a slixmpp client's questions about a disco
// node the flow handles (answer mode).
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixDisco } from '../rig/slix-disco';

const BOT = 'discobot@localhost/home';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';

type Msg = NodeMessage & { tag?: string; error?: { message: string; code?: string } };
type Outcome = { payload: unknown } | { error: { message: string; code?: string } };

/** The flow's answers in answer mode: info and items of the "sensors" node, naming the asker. */
const ANSWERER = `
if (msg.payload.kind === 'info') {
  msg.payload = {
    identities: [{ category: 'automation', type: 'sensor-hub', name: 'Sensors for ' + msg.from }],
    features: ['urn:example:sensors', 'http://jabber.org/protocol/disco#info'],
    forms: [{ type: 'result', formType: 'urn:example:sensors#meta', fields: { rooms: ['kitchen', 'attic'] } }],
  };
} else {
  msg.payload = { items: [{ jid: 'discobot@localhost/home', node: 'sensors/t1', name: 'Temperature' }, { jid: 'localhost' }] };
}
return msg;`;

describe('disco-query', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let peer: SlixDisco;
  let tags = 0;
  const outcomes = new Map<string, Outcome>();
  /** Queries the flow was asked to answer (what came out of the answer-mode nodes). */
  const asked: Msg[] = [];

  function flow(): FlowNode[] {
    const query = { type: 'disco-query', z: 'f1', server: 'cfg', mode: 'query', query: 'info', node: '', depth: '1', timeout: '10' };
    return [
      { id: 'f1', type: 'tab', label: 'disco' },
      configNode('cfg', BOT, prosody.port),
      { id: 'dq', ...query, to: '', wires: [['answers']] },
      { id: 'answers', type: 'helper', z: 'f1' },
      // Answer mode: "sensors" is answered by the function node to everyone on localhost, "mute"
      // by nobody (to anyone: chosen explicitly, an empty list lets nobody in).
      { id: 'sensorsNode', type: 'disco-query', z: 'f1', server: 'cfg', mode: 'answer', to: '', query: 'info', node: 'sensors', depth: '1', timeout: '5', callers: 'localhost', wires: [['answerer', 'asks']] },
      { id: 'answerer', type: 'function', z: 'f1', func: ANSWERER, outputs: 1, wires: [['sensorsNode']] },
      { id: 'muteNode', type: 'disco-query', z: 'f1', server: 'cfg', mode: 'answer', to: '', query: 'info', node: 'mute', depth: '1', timeout: '1', access: 'anyone', wires: [['asks']] },
      { id: 'asks', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  /** Sends a msg into the query node and resolves with its answer or its error. */
  async function ask(fields: Record<string, unknown>): Promise<Outcome> {
    tags += 1;
    const tag = `q${tags}`;
    getNode('dq').receive({ ...fields, tag } as unknown as NodeMessage);
    return eventually(() => outcomes.get(tag), (o) => o !== undefined, 20_000, `the answer to ${JSON.stringify(fields)}`) as Promise<Outcome>;
  }

  async function answer(fields: Record<string, unknown>): Promise<unknown> {
    const outcome = await ask(fields);
    assert.ok('payload' in outcome, `an answer, not ${JSON.stringify(outcome)}`);
    return outcome.payload;
  }

  async function refusal(fields: Record<string, unknown>): Promise<{ message: string; code?: string }> {
    const outcome = await ask(fields);
    assert.ok('error' in outcome, `an error, not ${JSON.stringify(outcome)}`);
    return outcome.error;
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('discobot', 'bot-pw');
    const peerJid = await prosody.register('slixdisco', 'slix-pw');
    [peer] = await Promise.all([
      SlixDisco.start(peerJid, 'slix-pw', prosody.port),
      helper.load([...nodes, functionNode], flow(), { cfg: { password: 'bot-pw' } }),
    ]);
    getNode('answers').on('input', (msg: Msg) => outcomes.set(msg.tag ?? '', { payload: msg.payload }));
    getNode('caught').on('input', (msg: Msg) => outcomes.set(msg.tag ?? '', { error: msg.error ?? { message: '?' } }));
    getNode('asks').on('input', (msg: Msg) => asked.push(msg));
    await eventually(() => lastStatus('dq'), (s) => s?.fill === 'green', 15_000, 'the bot online');
  });

  after(async () => {
    await peer?.stop();
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  describe('asking', () => {
    it("gets a client's identities and features (disco#info of a full JID)", async () => {
      const info = await answer({ to: peer.jid });
      assert.deepEqual(info, {
        identities: [{ category: 'client', type: 'bot', name: 'Slix Disco Peer', lang: undefined }],
        features: [DISCO_INFO, 'jabber:iq:version', 'urn:example:slix:feature'],
        forms: [],
      });
    });

    it("gets a client's items, and the items of one of its nodes", async () => {
      assert.deepEqual(await answer({ to: peer.jid, query: 'items' }), {
        items: [
          { jid: peer.jid, name: 'Books', node: 'books' },
          { jid: 'localhost', name: 'The server', node: undefined },
        ],
      });
      assert.deepEqual(await answer({ to: peer.jid, query: 'items', node: 'books' }), {
        items: [{ jid: peer.jid, name: 'Science fiction', node: 'books/sf' }],
      });
      assert.deepEqual(await answer({ to: peer.jid, node: 'books/sf' }), {
        identities: [{ category: 'hierarchy', type: 'leaf', name: 'Science fiction', lang: undefined }],
        features: [],
        forms: [],
      });
    });

    it("gets a client's software version (XEP-0092)", async () => {
      assert.deepEqual(await answer({ to: peer.jid, query: 'version' }), { name: 'slix-disco-peer', version: '1.2.3', os: 'Plan 9' });
    });

    it('asks the server itself: a server/im identity, ping and disco#info among its features', async () => {
      const info = (await answer({ to: 'localhost' })) as { identities: { category: string; type: string }[]; features: string[] };
      assert.ok(info.identities.some((i) => i.category === 'server' && i.type === 'im'), JSON.stringify(info.identities));
      assert.ok(info.features.includes('urn:xmpp:ping'), JSON.stringify(info.features));
      assert.ok(info.features.includes(DISCO_INFO), JSON.stringify(info.features));
    });

    it("walks a client's items two levels down, with every item's info", async () => {
      const walked = (await answer({ to: peer.jid, query: 'walk', depth: 2 })) as { items: Record<string, unknown>[] };
      const books = walked.items.find((i) => i.node === 'books');
      assert.deepEqual(books, {
        jid: peer.jid,
        name: 'Books',
        node: 'books',
        info: { identities: [{ category: 'hierarchy', type: 'branch', name: 'Books', lang: undefined }], features: [], forms: [] },
        items: [
          {
            jid: peer.jid,
            name: 'Science fiction',
            node: 'books/sf',
            info: { identities: [{ category: 'hierarchy', type: 'leaf', name: 'Science fiction', lang: undefined }], features: [], forms: [] },
          },
        ],
      });
      const server = walked.items.find((i) => i.jid === 'localhost') as { info: { identities: { category: string }[] }; items: unknown[] };
      assert.ok(server.info.identities.some((i) => i.category === 'server'), JSON.stringify(server));
      assert.ok(Array.isArray(server.items), 'the second level of the server was asked for too');
      assert.equal(walked.items.length, 2);
    });

    it('takes the JID, query, node and timeout from the node when the msg has none', async () => {
      const id = 'dq2';
      tags += 1;
      const tag = `q${tags}`;
      await helper.setFlows(
        [...flow(), { id, type: 'disco-query', z: 'f1', server: 'cfg', mode: 'query', to: peer.jid, query: 'items', node: 'books', depth: '1', timeout: '3', wires: [['answers']] }],
        'nodes',
      );
      await eventually(() => lastStatus(id), (s) => s?.fill === 'green', 10_000, 'the new node online');
      getNode(id).receive({ tag } as unknown as NodeMessage);
      const outcome = await eventually(() => outcomes.get(tag), (o) => o !== undefined, 10_000, 'the answer');
      assert.deepEqual(outcome, { payload: { items: [{ jid: peer.jid, name: 'Science fiction', node: 'books/sf' }] } });
    });
  });

  describe('refusals and silence', () => {
    it('passes a remote item-not-found on with its condition (unknown node)', async () => {
      const error = await refusal({ to: peer.jid, node: 'no-such-node' });
      assert.equal(error.code, 'item-not-found');
      // Under the test helper RED._ gives the key: the condition and text are in the detail.
      assert.match(error.message, /xmpp-config\.error\.stanza-error$/);
    });

    it('passes on what the server says about a JID nobody uses', async () => {
      const error = await refusal({ to: 'nobody@localhost/x' });
      // Prosody answers for an account that does not exist: service-unavailable.
      assert.equal(error.code, 'service-unavailable', JSON.stringify(error));
    });

    it('passes on why a remote server cannot be asked', async () => {
      const error = await refusal({ to: 'example.invalid', query: 'version' });
      // The test Prosody runs without s2s: it refuses remote domains with not-allowed (a server
      // with s2s would say remote-server-not-found); either way the condition reaches the flow.
      assert.equal(error.code, 'not-allowed', JSON.stringify(error));
    });

    it('times out when the entity never answers (msg.timeout overrides the node)', async () => {
      const started = Date.now();
      const error = await refusal({ to: peer.jid, node: 'silent', timeout: 1 });
      assert.equal(error.code, 'timeout');
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 5_000, `waited ${waited} ms`);
      await peer.waitFor((e) => e.event === 'swallowed', 1_000, 'the peer to have got the query');
    });

    it('ignores an answer from another resource of the asked JID: still a timeout', async () => {
      const error = await refusal({ to: peer.jid, node: 'forged', timeout: 1.5 });
      // The twin answered with the query's id, and the bot did not take it.
      await peer.waitFor((e) => e.event === 'forged', 1_000, 'the twin to have answered in its place');
      assert.equal(error.code, 'timeout', JSON.stringify(error));
    });

    it('refuses a msg it cannot make a query of', async () => {
      assert.equal((await refusal({ query: 'info' })).code, 'no-target');
      assert.equal((await refusal({ to: peer.jid, query: 'everything' })).code, 'invalid-query');
      assert.equal((await refusal({ to: 'a@b@c' })).code, 'invalid-jid');
      assert.equal((await refusal({ to: peer.jid, query: 'walk', depth: 'deep' })).code, 'invalid-depth');
      assert.equal((await refusal({ to: peer.jid, timeout: -1 })).code, 'invalid-timeout');
    });
  });

  describe('answering for a disco node of the flow', () => {
    const bot = (): string => getConnectionJid();

    function getConnectionJid(): string {
      return (getNode('cfg') as unknown as { jid: string }).jid;
    }

    it("answers a client's disco#info and disco#items of the node with what the flow says", async () => {
      const info = await peer.ask('info', bot(), 'sensors');
      assert.deepEqual(info, {
        event: 'answer',
        tag: info.tag,
        identities: [['automation', 'sensor-hub', null, `Sensors for ${peer.jid}`]],
        features: [DISCO_INFO, 'urn:example:sensors'],
        items: [],
      });
      const query = asked.find((m) => (m.payload as { kind?: string }).kind === 'info');
      assert.deepEqual(query?.payload, { kind: 'info', node: 'sensors', from: peer.jid });
      assert.equal((query as unknown as { from: string }).from, peer.jid);

      const items = await peer.ask('items', bot(), 'sensors');
      assert.equal(items.event, 'answer');
      // slixmpp keeps items in a set: their order is lost.
      assert.deepEqual((items as { items: string[][] }).items.sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
        ['discobot@localhost/home', 'sensors/t1', 'Temperature'],
        ['localhost', null, null],
      ]);
    });

    it("carries the flow's extended info (XEP-0128 forms) there and back: the bot asks itself", async () => {
      assert.deepEqual(await answer({ to: bot(), node: 'sensors' }), {
        identities: [{ category: 'automation', type: 'sensor-hub', name: `Sensors for ${BOT}`, lang: undefined }],
        features: ['urn:example:sensors', DISCO_INFO],
        forms: [{ type: 'result', formType: 'urn:example:sensors#meta', fields: { rooms: ['kitchen', 'attic'] } }],
      });
      assert.deepEqual(await answer({ to: bot(), node: 'sensors', query: 'items' }), {
        items: [
          { jid: 'discobot@localhost/home', name: 'Temperature', node: 'sensors/t1' },
          { jid: 'localhost', name: undefined, node: undefined },
        ],
      });
    });

    it('answers item-not-found when the flow does not reply within the timeout', async () => {
      const started = Date.now();
      const refused = await peer.ask('info', bot(), 'mute');
      assert.equal(refused.event, 'error');
      assert.equal((refused as { condition: string }).condition, 'item-not-found');
      assert.ok(Date.now() - started >= 900, 'after the node timeout of 1 s');
      assert.ok(asked.some((m) => (m.payload as { node?: string }).node === 'mute'), 'the query did reach the flow');
    });

    it('answers item-not-found for a node nobody answers for', async () => {
      const refused = await peer.ask('items', bot(), 'nothing-here');
      assert.equal((refused as { condition: string }).condition, 'item-not-found');
    });
  });
});
