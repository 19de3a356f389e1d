// A crowd of strangers (an external component sending from any JID of its domain, through a real
// Prosody) cannot fill memory or the flows: their presence is tracked for a few only, "accept
// everyone" stops at the roster limit, and an error message from someone we never wrote to is
// no bounce.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { MAX_STRANGERS } from '../../nodes/core/contacts/contacts';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { Component } from '../rig/component';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-secret-crowd';
type Caught = NodeMessage & { error: { message: string; code?: string } };

describe('strangers', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  let aliceJid: string;
  let crowd: Component;
  let presences: NodeMessage[];
  let caught: Caught[];

  async function load(config: Record<string, string> = {}): Promise<void> {
    presences = [];
    caught = [];
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab', label: 'crowd' },
      configNode('cfg', `${bot}/flows`, prosody.port, config),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, presence: true, wires: [[], ['presences']] },
      { id: 'presences', type: 'helper', z: 'f1' },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
    await helper.load(nodes, flow, { cfg: { password: PASSWORD } });
    getNode('presences').on('input', (msg: NodeMessage) => presences.push(msg));
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'a green status');
  }

  /** Every text the config node logged at a level (its spies are set by the test helper). */
  function logged(level: 'warn' | 'debug' | 'log'): string[] {
    const spy = (getNode('cfg') as unknown as Record<string, { getCalls(): Array<{ args: unknown[] }> }>)[level];
    return spy?.getCalls().map((call) => String(call.args[0])) ?? [];
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100, component: true });
    bot = await prosody.register('bot', PASSWORD);
    aliceJid = await prosody.register('alice', 'alice-pw');
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
    crowd = await Component.connect(prosody.componentPort, 'strangers.localhost', prosody.componentSecret);
  });

  after(async () => {
    if (process.env.SHOW_LOG) console.log(prosody.log().split('\n').filter((l) => !/Admin client/.test(l)).slice(-40).join('\n'));
    crowd?.stop();
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  it(`presence from 5,000 strangers: at most ${MAX_STRANGERS} tracked and passed to the flow, said once at debug level; contacts still come through`, async () => {
    await load();
    // Alice is someone the bot wrote to: her presence counts, however full the strangers' places are.
    const greeted = alice.nextMessage((m) => m.getChildText('body') === 'hello alice');
    getNode('out').receive({ payload: 'hello alice', to: aliceJid } as NodeMessage);
    await greeted;
    const count = 5000;
    const heapBefore = process.memoryUsage().heapUsed;
    let batch = '';
    for (let i = 0; i < count; i += 1) {
      batch += `<presence from='u${i}@strangers.localhost/r' to='${bot}/flows'><status>hello ${i}</status></presence>`;
      if (batch.length > 60_000) {
        await crowd.send(batch);
        batch = '';
      }
    }
    await crowd.send(batch);
    await crowd.flushed();
    // Alice's presence comes after the crowd's on the bot's stream: when it arrives, all the crowd's has.
    const fromAlice = waitFor(getNode('presences'), 'input', (msg: NodeMessage & { topic?: string }) => (msg.topic === aliceJid ? msg : undefined), 20_000, "alice's presence");
    await alice.sendRaw(alice.xml('presence', { to: `${bot}/flows` }, alice.xml('status', {}, 'after the crowd')));
    await fromAlice;
    const heapAfter = process.memoryUsage().heapUsed;
    const strangers = presences.filter((msg) => String(msg.topic).endsWith('@strangers.localhost')).length;
    const notes = logged('debug').filter((text) => text.includes('xmpp-config.log.strangers'));
    console.log(`      5,000 strangers: ${strangers} of their presences reached the flow, ${notes.length} debug line(s); heap ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MB more`);
    assert.ok(strangers <= MAX_STRANGERS, `${strangers} stranger presences reached the flow`);
    assert.ok(notes.length >= 1 && notes.length <= 2, `${notes.length} debug lines about ignored strangers`);
  });

  it('a stranger we wrote to is no stranger: its presence comes through after the crowd', async () => {
    await load();
    let batch = '';
    for (let i = 0; i < 300; i += 1) batch += `<presence from='v${i}@strangers.localhost/r' to='${bot}/flows'/>`;
    await crowd.send(batch);
    await crowd.flushed();
    await eventually(() => logged('debug').some((text) => text.includes('xmpp-config.log.strangers')), (yes) => yes, 10_000, 'the crowd ignored');
    getNode('out').receive({ payload: 'hello friend', to: 'friend@strangers.localhost' } as NodeMessage);
    await crowd.waitFor(/<message [^>]*to=['"]friend@strangers\.localhost['"]/);
    const seen = waitFor(getNode('presences'), 'input', (msg: NodeMessage & { topic?: string }) => (msg.topic === 'friend@strangers.localhost' ? msg : undefined), 10_000, "the friend's presence");
    await crowd.send(`<presence from='friend@strangers.localhost/r' to='${bot}/flows'/>`);
    await seen;
  });

  it('"accept everyone" approves no more than the roster limit, and warns once', async () => {
    await load({ subscriptions: 'everyone', rosterMax: '40' });
    const before = (crowd.received.match(/type=['"]subscribed['"]/g) ?? []).length;
    let batch = '';
    for (let i = 0; i < 300; i += 1) batch += `<presence from='s${i}@strangers.localhost' to='${bot}' type='subscribe'/>`;
    await crowd.send(batch);
    await eventually(() => logged('warn').filter((text) => text.includes('xmpp-config.warning.roster-full')).length, (n) => n >= 1, 20_000, 'the roster-full warning');
    const botPeer = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'count', presence: false });
    try {
      const id = 'count-roster';
      const answer = waitFor(botPeer, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 5000, 'the roster');
      await botPeer.sendRaw(botPeer.xml('iq', { type: 'get', id }, botPeer.xml('query', { xmlns: 'jabber:iq:roster' })));
      const items = (await answer).getChild('query')?.getChildren('item') ?? [];
      const approved = (crowd.received.match(/type=['"]subscribed['"]/g) ?? []).length - before;
      console.log(`      300 strangers asked, roster limit 40: ${approved} approved, roster has ${items.length} entries, ${logged('warn').filter((t) => t.includes('roster-full')).length} warning(s)`);
      assert.ok(items.length <= 40, `${items.length} roster entries`);
      assert.ok(approved <= 40, `${approved} approvals`);
      assert.equal(logged('warn').filter((text) => text.includes('xmpp-config.warning.roster-full')).length, 1);
    } finally {
      await botPeer.stop();
    }
  });

  it('an error message from someone we never wrote to is no bounce; a real bounce still reaches the Catch node', async () => {
    await load();
    await alice.sendRaw(
      alice.xml('message', { to: `${bot}/flows`, type: 'error', id: 'forged-1' }, alice.xml('body', {}, 'forged text'), alice.xml('error', { type: 'cancel' }, alice.xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
    );
    getNode('out').receive({ payload: 'to nobody', to: 'nobody@localhost' } as NodeMessage);
    const bounce = await eventually(() => caught.find((c) => c.error.code === 'bounced'), (c) => c !== undefined, 10_000, 'the real bounce');
    // The xmpp-out node that sent it reports it, with the msg it was sent for.
    assert.equal((bounce as Caught & { to?: string }).to, 'nobody@localhost');
    assert.equal(bounce?.payload, 'to nobody');
    assert.equal((bounce?.error as { source?: { id?: string } }).source?.id, 'out');
    assert.deepEqual(
      caught.filter((c) => c.topic === aliceJid || String(c.payload) === 'forged text'),
      [],
      'the forged error reached a Catch node',
    );
  });
});
