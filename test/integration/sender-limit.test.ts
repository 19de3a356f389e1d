// xmpp-in's per-sender limit in the real Node-RED runtime, against a real Prosody: a sender beyond
// it is dropped and counted, everyone else still gets through, and a flow from before the limit
// existed loses nothing.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-secret-limit';

describe('xmpp-in: the per-sender limit', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  let carol: Peer;

  function flow(inFields: Record<string, unknown>): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      configNode('cfg', `${bot}/flows`, prosody.port),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, ...inFields, wires: [['sink']] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ];
  }

  async function load(inFields: Record<string, unknown>): Promise<NodeMessage[]> {
    await helper.load(nodes, flow(inFields), { cfg: { password: PASSWORD } });
    const outputs: NodeMessage[] = [];
    getNode('sink').on('input', (msg: NodeMessage) => outputs.push(msg));
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'a green status');
    return outputs;
  }

  /**
   * An IQ round trip from the peer to the bot: the bot handles one stream in order, so whatever
   * the peer sent before has been through xmpp-in once the answer is back.
   */
  async function barrier(peer: Peer): Promise<void> {
    const id = `barrier-${Math.random().toString(36).slice(2)}`;
    const answered = waitFor(peer, 'iq', (iq: { attrs: Record<string, string | undefined> }) => (iq.attrs.id === id ? iq : undefined), 10_000, 'the bot answering');
    await peer.sendRaw(peer.xml('iq', { type: 'get', to: `${bot}/flows`, id }, peer.xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await answered;
  }

  const floodWarnings = (): unknown[] =>
    getNode('in')
      .warn.getCalls()
      .map((call) => call.args[0])
      .filter((text) => /xmpp-in\.warning\.flood/.test(String(text)));

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', PASSWORD);
    await prosody.register('alice', 'alice-pw');
    await prosody.register('carol', 'carol-pw');
    alice = await Peer.connect({ port: prosody.port, jid: 'alice@localhost', password: 'alice-pw', resource: 'phone' });
    carol = await Peer.connect({ port: prosody.port, jid: 'carol@localhost', password: 'carol-pw', resource: 'desk' });
    // Alice and the bot see each other's presence, as contacts do (set up once from a client of the bot's).
    const botClient = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'setup' });
    await botClient.befriend(alice);
    await botClient.stop();
  });

  after(async () => {
    await alice?.stop();
    await carol?.stop();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  it('a sender beyond its burst is dropped and counted, warned about once; another sender still gets through', async () => {
    // A rate so low that nothing is earned back during the test: exactly the burst passes.
    const outputs = await load({ rateLimit: true, rate: 0.0001, burst: 5 });
    for (let i = 0; i < 20; i++) await alice.send(`${bot}/flows`, `a${i}`);
    await barrier(alice);
    assert.match(String(lastStatus('in')?.text), /xmpp-in\.status\.dropped/);
    assert.equal(lastStatus('in')?.fill, 'yellow');
    const fromCarol = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === 'carol here' ? msg : undefined));
    await carol.send(`${bot}/flows`, 'carol here');
    await fromCarol;
    assert.deepEqual(outputs.map((m) => m.payload), ['a0', 'a1', 'a2', 'a3', 'a4', 'carol here']);
    assert.equal(floodWarnings().length, 1, 'one warning for the burst, not one per message');
  });

  it('the presence output is limited per sender as well', async () => {
    const withPresence = flow({ rateLimit: true, rate: 0.0001, burst: 1, presence: true }).map((n) => (n.id === 'in' ? { ...n, wires: [['sink'], ['presence']] } : n));
    await helper.load(nodes, [...withPresence, { id: 'presence', type: 'helper', z: 'f1' }], { cfg: { password: PASSWORD } });
    const presences: NodeMessage[] = [];
    getNode('presence').on('input', (msg: NodeMessage) => presences.push(msg));
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'a green status');
    // Alice is a contact (see before): each change of her presence reaches the bot.
    for (let i = 0; i < 5; i++) await alice.sendRaw(alice.xml('presence', {}, alice.xml('status', {}, `busy ${i}`)));
    await barrier(alice);
    assert.equal(presences.filter((m) => m.topic === 'alice@localhost').length, 1);
    assert.equal(lastStatus('in')?.fill, 'yellow');
  });

  it('a node from a flow made before the limit existed (no such fields) lets every message through', async () => {
    const outputs = await load({});
    const count = 150; // above the default burst of a new node
    const last = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === `m${count - 1}` ? msg : undefined));
    await Promise.all(Array.from({ length: count }, (_, i) => alice.send(`${bot}/flows`, `m${i}`)));
    await last;
    assert.equal(outputs.length, count);
    assert.equal(lastStatus('in')?.fill, 'green');
    assert.equal(floodWarnings().length, 0);
  });

  it('the limit unticked lets a flood through', async () => {
    const outputs = await load({ rateLimit: false, rate: 0.0001, burst: 1 });
    const last = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === 'n29' ? msg : undefined));
    await Promise.all(Array.from({ length: 30 }, (_, i) => alice.send(`${bot}/flows`, `n${i}`)));
    await last;
    assert.equal(outputs.length, 30);
  });
});
