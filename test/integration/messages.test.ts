// Messages both ways between a flow and real clients, through a real Prosody.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { slixExchange } from '../rig/slixmpp';

const PASSWORD = 'bot-secret-6f1c';

describe('messages through xmpp-in and xmpp-out', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  const caught: NodeMessage[] = [];

  function flow(extra: FlowNode[] = []): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      configNode('cfg', `${bot}/flows`, prosody.port),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['sink']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
      { id: 'sink', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
      ...extra,
    ];
  }

  async function connected(): Promise<void> {
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'a green status');
  }

  /** xmpp-in → function ("echo: " + payload) → xmpp-out, replacing the flow of beforeEach. */
  async function loadEchoBot(): Promise<void> {
    await helper.unload();
    const echo: FlowNode = { id: 'echo', type: 'function', z: 'f1', func: 'msg.payload = "echo: " + msg.payload; return msg;', outputs: 1, wires: [['out']] };
    await helper.load([...nodes, functionNode], flow([echo]).map((n) => (n.id === 'in' ? { ...n, wires: [['echo']] } : n)), { cfg: { password: PASSWORD } });
    await connected();
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', PASSWORD);
    const aliceJid = await prosody.register('alice', 'alice-pw');
    await prosody.register('carol', 'carol-pw');
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
  });

  after(async () => {
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  beforeEach(async () => {
    caught.length = 0;
    await helper.load(nodes, flow(), { cfg: { password: PASSWORD } });
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg));
    await connected();
  });

  afterEach(async () => {
    await helper.unload();
  });

  it('a chat message from a peer comes out of xmpp-in with every documented property', async () => {
    const got = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => msg);
    await alice.send(`${bot}/flows`, 'hello bot', { id: 'm-1', 'xml:lang': 'en' }, alice.xml('thread', {}, 'th-1'), alice.xml('subject', {}, 'greeting'));
    const msg = (await got) as NodeMessage & Record<string, unknown>;
    assert.equal(msg.payload, 'hello bot');
    assert.equal(msg.topic, 'alice@localhost');
    assert.equal(msg.from, 'alice@localhost/phone');
    assert.equal(msg.to, `${bot}/flows`);
    const xmpp = msg.xmpp as Record<string, unknown>;
    assert.deepEqual({ ...xmpp, stanza: undefined }, { type: 'chat', id: 'm-1', thread: 'th-1', subject: 'greeting', lang: 'en', stanza: undefined });
    assert.match(String(xmpp.stanza), /<body>hello bot<\/body>/);
  });

  it('xmpp-out sends to msg.to with subject, thread and type, and finishes the msg', async () => {
    const arrived = alice.nextMessage((m) => m.getChildText('body') === 'build 42 passed');
    const out = getNode('out');
    out.receive({ payload: 'build 42 passed', to: 'alice@localhost', subject: 'CI', thread: 'ci-42', type: 'headline' } as NodeMessage);
    const m = await arrived;
    assert.equal(m.attrs.type, 'headline');
    assert.equal(m.attrs.from, `${bot}/flows`);
    assert.equal(m.getChildText('subject'), 'CI');
    assert.equal(m.getChildText('thread'), 'ci-42');
  });

  it('an echo flow answers the sender\'s full JID with the same type and thread', async () => {
    await loadEchoBot();
    const reply = alice.nextMessage((m) => m.getChildText('body') === 'echo: ping');
    await alice.send(`${bot}/flows`, 'ping', { type: 'normal' }, alice.xml('thread', {}, 'conv-7'));
    const m = await reply;
    assert.equal(m.attrs.to, 'alice@localhost/phone');
    assert.equal(m.attrs.type, 'normal');
    assert.equal(m.getChildText('thread'), 'conv-7');
  });

  it('a slixmpp client gets the echo bot\'s answer', async () => {
    await loadEchoBot();
    const { code, messages } = await slixExchange('carol@localhost/slix', 'carol-pw', prosody.port, `${bot}/flows`, 'Grüße from slixmpp');
    assert.equal(code, 0, 'an answer arrived');
    assert.deepEqual(messages.map((m) => [m.from, m.type, m.body]), [[`${bot}/flows`, 'chat', 'echo: Grüße from slixmpp']]);
  });

  it('messages without a body are skipped unless the node asks for them', async () => {
    const sink = getNode('sink');
    const outputs: NodeMessage[] = [];
    sink.on('input', (msg: NodeMessage) => outputs.push(msg));
    await alice.sendRaw(alice.xml('message', { to: `${bot}/flows`, type: 'chat' }, alice.xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.send(`${bot}/flows`, 'after the chat state');
    await waitFor(sink, 'input', (msg: NodeMessage) => (msg.payload === 'after the chat state' ? msg : undefined));
    assert.deepEqual(outputs.map((m) => m.payload), ['after the chat state']);

    await helper.unload();
    await helper.load(nodes, flow().map((n) => (n.id === 'in' ? { ...n, bodiless: true } : n)), { cfg: { password: PASSWORD } });
    await connected();
    const got = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => msg);
    await alice.sendRaw(alice.xml('message', { to: `${bot}/flows`, type: 'chat' }, alice.xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    const msg = (await got) as NodeMessage & { xmpp: { stanza: string } };
    assert.equal(msg.payload, '');
    assert.match(msg.xmpp.stanza, /chatstates/);
  });

  it('the sender filter and the type filter keep only what they name', async () => {
    await helper.unload();
    await helper.load(nodes, flow().map((n) => (n.id === 'in' ? { ...n, from: 'carol@localhost', msgType: 'headline' } : n)), { cfg: { password: PASSWORD } });
    await connected();
    const carol = await Peer.connect({ port: prosody.port, jid: 'carol@localhost', password: 'carol-pw', resource: 'desk' });
    try {
      const outputs: string[] = [];
      getNode('sink').on('input', (msg: NodeMessage) => outputs.push(String(msg.payload)));
      await alice.send(`${bot}/flows`, 'alice headline', { type: 'headline' });
      await carol.send(`${bot}/flows`, 'carol chat', { type: 'chat' });
      await carol.send(`${bot}/flows`, 'carol headline', { type: 'headline' });
      await waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === 'carol headline' ? msg : undefined));
      assert.deepEqual(outputs, ['carol headline']);
    } finally {
      await carol.stop();
    }
  });

  it('odd stanzas from a peer break nothing and the next message still arrives', async () => {
    const odd = [
      alice.xml('message', { to: `${bot}/flows` }, alice.xml('body', {}, 'no type')),
      alice.xml('message', { to: `${bot}/flows`, type: 'chat' }, alice.xml('x', { xmlns: 'urn:example:unknown' }, alice.xml('deep', {}, alice.xml('deeper', {}))), 'stray text'),
      alice.xml('message', { to: `${bot}/flows`, type: 'made-up' }, alice.xml('body', {}, 'made-up type')),
      alice.xml('message', { to: bot, type: 'chat' }, alice.xml('body', {}, 'to the bare JID')),
      alice.xml('message', { to: `${bot}/flows`, type: 'groupchat' }, alice.xml('body', {}, 'groupchat not for us')),
    ];
    const outputs: NodeMessage[] = [];
    getNode('sink').on('input', (msg: NodeMessage) => outputs.push(msg));
    for (const stanza of odd) await alice.sendRaw(stanza);
    await alice.send(`${bot}/flows`, 'normal again');
    await waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === 'normal again' ? msg : undefined));
    const payloads = outputs.map((m) => m.payload);
    assert.ok(payloads.includes('no type'), 'a message without a type is a normal message');
    assert.equal((outputs.find((m) => m.payload === 'no type') as { xmpp: { type: string } }).xmpp.type, 'normal');
    assert.ok(!payloads.includes('groupchat not for us'));
    assert.equal(lastStatus('in')?.fill, 'green');
  });

  it('bad input to xmpp-out reaches a Catch node and the next good message goes through', async () => {
    const out = getNode('out');
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ payload: 'x', to: 'not a jid@@' }, /xmpp-config\.error\.invalid-jid/],
      [{ payload: 'x' }, /xmpp-config\.error\.no-recipient/],
      [{ payload: 'x', to: 'alice@localhost', type: 'shout' }, /xmpp-config\.error\.invalid-type/],
      [{ payload: undefined, to: 'alice@localhost' }, /xmpp-config\.error\.invalid-payload/],
    ];
    for (const [msg, why] of bad) {
      const errorSeen = waitFor(getNode('caught'), 'input', (m: NodeMessage) => m);
      out.receive(msg as NodeMessage);
      const m = (await errorSeen) as NodeMessage & { error: { message: string } };
      assert.match(m.error.message, why);
    }
    const arrived = alice.nextMessage((m) => m.getChildText('body') === 'still fine');
    out.receive({ payload: 'still fine', to: 'alice@localhost' } as NodeMessage);
    await arrived;
    assert.equal(caught.length, bad.length);
  });

  it('xmpp-out set to fail fast reports "not connected" at once when the connection is down', async () => {
    await helper.unload();
    await helper.load(
      nodes,
      flow().map((n) => (n.id === 'cfg' ? { ...n, port: '1' } : n.id === 'out' ? { ...n, failFast: true } : n)),
      { cfg: { password: PASSWORD } },
    );
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg));
    const errorSeen = waitFor(getNode('caught'), 'input', (m: NodeMessage) => m);
    getNode('out').receive({ payload: 'x', to: 'alice@localhost' } as NodeMessage);
    const m = (await errorSeen) as NodeMessage & { error: { message: string } };
    assert.match(m.error.message, /xmpp-config\.error\.not-connected/);
    await eventually(() => lastStatus('out'), (s) => s?.fill === 'red', 10_000, 'a red status');
    assert.match(String(lastStatus('out')?.text), /xmpp-config\.status\.retrying/);
  });
});
