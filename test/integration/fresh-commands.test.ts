// Fresh commands from the right people, once: xmpp-in in the real Node-RED runtime against a real
// Prosody (offline storage and carbons on) and plain xmpp.js peers that send raw stanzas. A message
// kept while the bot was down carries its delay and is dropped when too old; only listed senders,
// or only contacts, trigger the flow; a carbon counts only from our own account; a stanza delivered
// twice comes out once.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-secret-fr35h';

interface Meta {
  delay?: { stamp: string; from?: string; reason?: string };
  carbon?: string;
}
type InMsg = NodeMessage & { from: string; to: string; xmpp: Meta };

describe('xmpp-in: fresh commands from the right people, once', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  /** A contact of the bot's (in its roster). */
  let alice: Peer;
  /** Not in the bot's roster. */
  let carol: Peer;
  /** At another domain of the server. */
  let eve: Peer;
  let outputs: InMsg[] = [];

  function flow(inFields: Record<string, unknown>, config: Record<string, unknown> = {}): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'fresh commands' },
      { ...configNode('cfg', `${bot}/flows`, prosody.port), ...config },
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, ...inFields, wires: [['sink']] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ];
  }

  async function load(inFields: Record<string, unknown>, config: Record<string, unknown> = {}): Promise<void> {
    outputs = [];
    await helper.load(nodes, flow(inFields, config), { cfg: { password: PASSWORD } });
    getNode('sink').on('input', (msg: NodeMessage) => outputs.push(msg as InMsg));
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'a green status');
  }

  /** The msg out of xmpp-in with this payload, come or coming (what the server kept arrives with the login). */
  async function out(payload: string): Promise<InMsg> {
    const found = await eventually(() => outputs.find((msg) => msg.payload === payload), (msg) => msg !== undefined, 10_000, `"${payload}" out of xmpp-in`);
    return found as InMsg;
  }

  /** An IQ round trip through one peer's stream: what it sent the bot before has been handled once the answer is back. */
  async function barrier(peer: Peer, to = `${bot}/flows`): Promise<void> {
    const id = `barrier-${Math.random().toString(36).slice(2)}`;
    const answered = waitFor(peer, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 10_000, 'an answer');
    await peer.sendRaw(peer.xml('iq', { type: 'get', to, id }, peer.xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await answered;
  }

  /** The bot is down (no session): what is sent to it now, the server keeps. */
  async function botDown(): Promise<void> {
    await helper.unload();
    await eventually(() => prosody.sessionCount(bot), (n) => n === 0, 10_000, 'the bot gone');
  }

  const debugLines = (): string[] =>
    (getNode('in') as unknown as { debug: { getCalls(): Array<{ args: unknown[] }> } }).debug.getCalls().map((call) => String(call.args[0]));

  before(async function () {
    this.timeout(60_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100, offline: true, carbons: true, hosts: ['example.test'] });
    bot = await prosody.register('bot', PASSWORD);
    await prosody.register('alice', 'alice-pw');
    await prosody.register('carol', 'carol-pw');
    await prosody.register('eve', 'eve-pw', 'example.test');
    alice = await Peer.connect({ port: prosody.port, jid: 'alice@localhost', password: 'alice-pw', resource: 'phone' });
    carol = await Peer.connect({ port: prosody.port, jid: 'carol@localhost', password: 'carol-pw', resource: 'desk' });
    eve = await Peer.connect({ port: prosody.port, jid: 'eve@example.test', password: 'eve-pw', resource: 'pc' });
    // Alice is in the bot's roster (set up once from a client of the bot's); Carol and Eve are not.
    const setup = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'setup' });
    await setup.befriend(alice);
    await setup.stop();
    await eventually(() => prosody.sessionCount(bot), (n) => n === 0, 10_000, 'the setup session gone');
  });

  after(async () => {
    await helper.unload();
    await alice?.stop();
    await carol?.stop();
    await eve?.stop();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  describe('delayed delivery (XEP-0203)', () => {
    it('a message kept while the bot was down comes out with msg.xmpp.delay: when, by whom, why', async () => {
      await botDown();
      const sentAt = Date.now();
      await alice.send(bot, 'while you were away');
      await barrier(alice, 'localhost');
      await load({});
      const msg = await out('while you were away');
      const delay = msg.xmpp.delay;
      assert.ok(delay, 'a delay');
      assert.equal(delay.from, 'localhost');
      // Prosody 0.12 gives no reason (the text of <delay/>); a server that does, has it in delay.reason.
      assert.ok(delay.reason === undefined || typeof delay.reason === 'string');
      const stamp = Date.parse(delay.stamp);
      assert.ok(stamp >= sentAt - 1000 && stamp <= Date.now(), `stamp ${delay.stamp} when it was sent`);
      // A message that arrives now carries none.
      await alice.send(`${bot}/flows`, 'now');
      assert.ok(!('delay' in (await out('now')).xmpp));
    });

    it('"ignore messages older than" drops what waited longer, counted at debug level, and keeps what is fresh', async () => {
      await botDown();
      await alice.send(bot, 'old command');
      await barrier(alice, 'localhost');
      // The one thing this test waits for is time itself: the first message has to grow old.
      await new Promise((resolve) => setTimeout(resolve, 2200));
      await alice.send(bot, 'fresh command');
      await barrier(alice, 'localhost');
      await load({ ignoreOld: true, maxAge: 2 });
      const fresh = await out('fresh command');
      assert.ok(fresh.xmpp.delay, 'it waited too, just not long');
      // Offline messages come in the order they were kept: the old one was handled first.
      assert.deepEqual(outputs.map((m) => m.payload), ['fresh command']);
      assert.equal(debugLines().filter((line) => /xmpp-in\.debug\.old/.test(line)).length, 1);
    });
  });

  describe('who may trigger the flow', () => {
    it('a sender list: listed JIDs and domains only; others trigger nothing and are counted, not logged one by one', async () => {
      await load({ senders: 'list', from: 'alice@localhost, *@example.test' });
      for (let i = 0; i < 5; i += 1) await carol.send(`${bot}/flows`, `carol ${i}`);
      await barrier(carol);
      await alice.send(`${bot}/flows`, 'from alice');
      await eve.send(`${bot}/flows`, 'from eve');
      await out('from eve');
      await barrier(alice);
      assert.deepEqual(outputs.map((m) => m.payload).sort(), ['from alice', 'from eve']);
      const refused = debugLines().filter((line) => /xmpp-in\.debug\.refused/.test(line));
      assert.equal(refused.length, 1, `one debug line for five refused messages: ${JSON.stringify(refused)}`);
    });

    it('a From value of a flow made before sender lists means what it did: that one sender', async () => {
      await load({ from: 'carol@localhost' });
      await alice.send(`${bot}/flows`, 'alice, not listed');
      await barrier(alice);
      await carol.send(`${bot}/flows`, 'carol, listed');
      await out('carol, listed');
      assert.deepEqual(outputs.map((m) => m.payload), ['carol, listed']);
    });

    it('contacts in the roster only: a contact\'s messages (those kept while the bot was down too), nobody else\'s', async () => {
      await botDown();
      await carol.send(bot, 'kept from a stranger');
      await alice.send(bot, 'kept from a contact');
      await barrier(carol, 'localhost');
      await barrier(alice, 'localhost');
      await load({ senders: 'roster' });
      await out('kept from a contact');
      await carol.send(`${bot}/flows`, 'stranger now');
      await barrier(carol);
      await alice.send(`${bot}/flows`, 'contact now');
      await out('contact now');
      assert.deepEqual(outputs.map((m) => m.payload), ['kept from a contact', 'contact now']);
    });
  });

  describe('carbons and forwarded messages (XEP-0280, XEP-0297)', () => {
    const carbonOf = (peer: Peer, inner: XmlElement): XmlElement =>
      peer.xml('message', { to: `${bot}/flows`, type: 'chat' }, peer.xml('received', { xmlns: 'urn:xmpp:carbons:2' }, peer.xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, inner)));

    it('a carbon someone else wraps triggers nothing, even with messages without a body taken; a forward is its sender\'s', async () => {
      await load({ bodiless: true }, { carbons: true });
      const forged = carol.xml('message', { xmlns: 'jabber:client', from: 'alice@localhost/phone', to: `${bot}/flows`, type: 'chat' }, carol.xml('body', {}, 'alice says: run it'));
      await carol.sendRaw(carbonOf(carol, forged));
      const forward = carol.xml(
        'message',
        { to: `${bot}/flows`, type: 'chat' },
        carol.xml('body', {}, 'carol forwards this'),
        carol.xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, carol.xml('message', { xmlns: 'jabber:client', from: 'alice@localhost/phone', type: 'chat' }, carol.xml('body', {}, 'inner words'))),
      );
      await carol.sendRaw(forward);
      const forwarded = await out('carol forwards this');
      await barrier(carol);
      assert.equal(forwarded.from, 'carol@localhost/desk', 'a forward is a message from the one who forwards');
      assert.deepEqual(outputs.map((m) => [m.from, m.payload]), [['carol@localhost/desk', 'carol forwards this']]);
    });

    it('a real carbon from our own account (a message to another client of the bot\'s) is the message of its sender, marked; a copy of what we sent is not news', async () => {
      await load({}, { carbons: true });
      const phone = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'phone' });
      try {
        // Our answer to this ping follows our request for carbons on the same stream: they are on.
        await barrier(phone);
        await alice.send(`${bot}/phone`, 'to your phone');
        const copy = await out('to your phone');
        assert.equal(copy.from, 'alice@localhost/phone');
        assert.equal(copy.to, `${bot}/phone`);
        assert.equal(copy.topic, 'alice@localhost');
        assert.equal(copy.xmpp.carbon, 'received');
        await phone.send('alice@localhost/phone', 'sent from the phone');
        await barrier(phone);
        assert.deepEqual(outputs.map((m) => m.payload), ['to your phone']);
      } finally {
        await phone.stop();
      }
    });
  });

  describe('the same stanza delivered twice comes out once (XEP-0359)', () => {
    it('by its origin-id, or a stanza-id our server stamped; without either, twice', async () => {
      await load({});
      const twice = async (body: string, ...ids: XmlElement[]): Promise<void> => {
        const stanza = alice.xml('message', { to: `${bot}/flows`, type: 'chat', id: `twice-${body}` }, alice.xml('body', {}, body), ...ids);
        await alice.sendRaw(stanza);
        await alice.sendRaw(stanza);
      };
      await twice('origin', alice.xml('origin-id', { xmlns: 'urn:xmpp:sid:0', id: 'o-1' }));
      await twice('stamped', alice.xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', id: 's-1', by: bot }));
      await twice('stamped by a stranger', alice.xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', id: 's-2', by: 'carol@localhost' }));
      await twice('no id');
      await barrier(alice);
      assert.deepEqual(outputs.map((m) => m.payload), ['origin', 'stamped', 'stamped by a stranger', 'stamped by a stranger', 'no id', 'no id']);
    });
  });
});
