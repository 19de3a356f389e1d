// Presence: our availability as contacts see it, theirs as the flow sees it, and subscriptions.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Peer, eventually, waitFor } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixWatcher } from '../rig/slix-watch';

const BOT = 'bot@localhost';
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (red: unknown) => void;

describe('presence', function () {
  this.timeout(45_000);
  let prosody: Prosody;
  let users = 0;
  const watchers: SlixWatcher[] = [];
  const peers: Peer[] = [];

  /** A fresh account per test, so rosters do not carry over. */
  async function account(prefix: string): Promise<{ jid: string; password: string }> {
    users += 1;
    const password = `${prefix}-pw`;
    const jid = await prosody.register(`${prefix}${users}`, password);
    return { jid, password };
  }

  function flow(policy: string, extra: Record<string, string> = {}): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'presence' },
      configNode('cfg', `${BOT}/home`, prosody.port, { status: 'up 192.0.2.1', subscriptions: policy, ...extra }),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, presence: true, wires: [['messages'], ['presences']] },
      { id: 'messages', type: 'helper', z: 'f1' },
      { id: 'presences', type: 'helper', z: 'f1' },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', failFast: false, wires: [] },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
      { id: 'finisher', type: 'complete', z: 'f1', scope: ['out'], uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper', z: 'f1' },
    ];
  }

  async function load(policy: string, extra: Record<string, string> = {}): Promise<void> {
    await helper.load([...nodes, completeNode], flow(policy, extra), { cfg: { password: 'bot-pw' } });
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'connected');
  }

  /** Gives xmpp-out a msg; resolves when it is done, rejects with the error a Catch node saw. */
  function act(msg: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = `act-${Math.random()}`;
      const caught = getNode('caught');
      const completed = getNode('completed');
      const onCaught = (m: NodeMessage): void => {
        if (m._msgid !== id) return;
        finish();
        reject(new Error(`${String((m.error as { message?: string }).message)} (${String((m.error as { code?: string }).code)})`));
      };
      const onCompleted = (m: NodeMessage): void => {
        if (m._msgid !== id) return;
        finish();
        resolve();
      };
      const finish = (): void => {
        caught.off('input', onCaught);
        completed.off('input', onCompleted);
      };
      caught.on('input', onCaught);
      completed.on('input', onCompleted);
      getNode('out').receive({ ...msg, _msgid: id });
    });
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-pw');
  });

  afterEach(async () => {
    await helper.unload();
    await Promise.all(watchers.splice(0).map((w) => w.stop()));
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  after(async () => {
    await prosody?.stop();
    await stopServer();
  });

  it('a slixmpp contact subscribed to the bot sees its presence with the status text, again after a server restart, and unavailable when the flows stop', async () => {
    await load('everyone');
    const contact = await account('slix');
    const watcher = await SlixWatcher.start(`${contact.jid}/watch`, contact.password, prosody.port, BOT, true);
    watchers.push(watcher);
    const seen = await watcher.next((p) => p.from === `${BOT}/home` && p.type === 'available' && p.status === 'up 192.0.2.1');
    assert.equal(seen.status, 'up 192.0.2.1');
    // After the server restarts, the new login announces the configured presence again.
    await prosody.kill('SIGTERM');
    await prosody.launch();
    await eventually(() => prosody.sessionCount(BOT), (n) => n === 1, 15_000, 'the bot back');
    const again = await SlixWatcher.start(`${contact.jid}/again`, contact.password, prosody.port, BOT, false);
    watchers.push(again);
    await again.next((p) => p.from === `${BOT}/home` && p.type === 'available' && p.status === 'up 192.0.2.1');
    await helper._redNodes.stopFlows();
    await again.next((p) => p.from === `${BOT}/home` && p.type === 'unavailable');
  });

  it('a flow sets the presence (the dial-up server: its address while up, unavailable when down), and it outlives a reconnect', async () => {
    await load('everyone');
    const contact = await account('dial');
    const watcher = await SlixWatcher.start(`${contact.jid}/watch`, contact.password, prosody.port, BOT, true);
    watchers.push(watcher);
    await watcher.next((p) => p.from === `${BOT}/home` && p.status === 'up 192.0.2.1');
    await act({ presence: { status: 'up 198.51.100.7', show: 'chat' } });
    await watcher.next((p) => p.from === `${BOT}/home` && p.status === 'up 198.51.100.7' && p.show === 'chat');
    const downAt = watcher.seen.length;
    await act({ presence: 'unavailable' });
    await watcher.next((p) => watcher.seen.indexOf(p) >= downAt && p.from === `${BOT}/home` && p.type === 'unavailable').catch((error: unknown) => {
      throw new Error(`${String(error)}; seen: ${JSON.stringify(watcher.seen)}`);
    });
    await act({ presence: { status: 'up 203.0.113.9' } });
    await watcher.next((p) => p.from === `${BOT}/home` && p.status === 'up 203.0.113.9');

    // The server restarts: after the new login the flow's presence is announced, not the configured one.
    await prosody.kill('SIGTERM');
    await prosody.launch();
    await eventually(() => prosody.sessionCount(BOT), (n) => n === 1, 15_000, 'the bot back');
    const again = await SlixWatcher.start(`${contact.jid}/again`, contact.password, prosody.port, BOT, false);
    watchers.push(again);
    const restored = await again.next((p) => p.from === `${BOT}/home` && p.type === 'available');
    assert.equal(restored.status, 'up 203.0.113.9');
  });

  it('xmpp-in\'s presence output tells who is online and how: available, dnd with a status, unavailable', async () => {
    await load('everyone');
    const friend = await account('friend');
    const peer = await Peer.connect({ port: prosody.port, jid: friend.jid, password: friend.password, resource: 'laptop' });
    peers.push(peer);
    const botSide = await Peer.connect({ port: prosody.port, jid: BOT, password: 'bot-pw', resource: 'setup' });
    await peer.befriend(botSide);
    await botSide.stop();
    const presences = getNode('presences');
    const next = (match: (msg: NodeMessage & Record<string, unknown>) => boolean): Promise<NodeMessage & Record<string, unknown>> =>
      waitFor(presences, 'input', (msg: NodeMessage & Record<string, unknown>) => (match(msg) ? msg : undefined), 10_000, 'a presence msg');
    const payloadOf = (msg: Record<string, unknown>): Record<string, unknown> => msg.payload as Record<string, unknown>;

    const dnd = next((m) => payloadOf(m).show === 'dnd');
    await peer.sendRaw(peer.xml('presence', {}, peer.xml('show', {}, 'dnd'), peer.xml('status', {}, 'in a meeting'), peer.xml('priority', {}, '3')));
    const msg = await dnd;
    assert.equal(msg.topic, friend.jid);
    assert.equal(msg.from, `${friend.jid}/laptop`);
    assert.deepEqual(msg.payload, { available: true, show: 'dnd', status: 'in a meeting', priority: 3 });
    assert.equal((msg.xmpp as { type: string }).type, 'available');

    const gone = next((m) => payloadOf(m).available === false);
    await peer.sendRaw(peer.xml('presence', { type: 'unavailable' }));
    assert.equal((await gone).from, `${friend.jid}/laptop`);
  });

  it('policy "let the flow decide": a request comes out of xmpp-in, nothing is answered until the flow approves', async () => {
    await load('flow');
    const stranger = await account('stranger');
    const peer = await Peer.connect({ port: prosody.port, jid: stranger.jid, password: stranger.password });
    peers.push(peer);
    const request = waitFor(getNode('presences'), 'input', (m: NodeMessage & { xmpp?: { type?: string } }) => (m.xmpp?.type === 'subscribe' ? m : undefined), 10_000, 'the request');
    await peer.sendRaw(peer.xml('presence', { to: BOT, type: 'subscribe' }));
    const msg = await request;
    assert.equal(msg.topic, stranger.jid);
    // Nothing answered on its own: the bot's presence does not reach the stranger yet.
    const approved = peer.nextPresence((p) => p.attrs.from === `${BOT}/home` && p.attrs.type === undefined, 10_000);
    await act({ subscription: 'approve', to: stranger.jid });
    await approved;
  });

  it('policy "accept contacts already in the roster": a known contact is approved, a stranger goes to the flow', async () => {
    await load('roster');
    const known = await account('known');
    const stranger = await account('other');
    await act({ roster: 'add', to: known.jid, name: 'Known' });
    const knownPeer = await Peer.connect({ port: prosody.port, jid: known.jid, password: known.password });
    const strangerPeer = await Peer.connect({ port: prosody.port, jid: stranger.jid, password: stranger.password });
    peers.push(knownPeer, strangerPeer);
    const strangerRequest = waitFor(getNode('presences'), 'input', (m: NodeMessage & { xmpp?: { type?: string } }) => (m.xmpp?.type === 'subscribe' && m.topic === stranger.jid ? m : undefined), 10_000, 'the stranger\'s request');
    const knownSees = knownPeer.nextPresence((p) => p.attrs.from === `${BOT}/home` && p.attrs.type === undefined);
    await knownPeer.sendRaw(knownPeer.xml('presence', { to: BOT, type: 'subscribe' }));
    await strangerPeer.sendRaw(strangerPeer.xml('presence', { to: BOT, type: 'subscribe' }));
    await knownSees;
    await strangerRequest;
  });

  it('policy "accept everyone and subscribe back": the subscription ends up balanced', async () => {
    await load('everyone');
    const person = await account('person');
    const peer = await Peer.connect({ port: prosody.port, jid: person.jid, password: person.password });
    peers.push(peer);
    const askedBack = peer.nextPresence((p) => p.attrs.type === 'subscribe' && p.attrs.from === BOT);
    const sees = peer.nextPresence((p) => p.attrs.from === `${BOT}/home` && p.attrs.type === undefined);
    await peer.sendRaw(peer.xml('presence', { to: BOT, type: 'subscribe' }));
    await Promise.all([askedBack, sees]);
    // The person approves; then the bot sees the person's presence, the other way round.
    const botSees = waitFor(getNode('presences'), 'input', (m: NodeMessage) => (m.topic === person.jid && (m.payload as { available?: boolean }).available ? m : undefined), 10_000, 'the person online');
    await peer.sendRaw(peer.xml('presence', { to: BOT, type: 'subscribed' }));
    await peer.sendRaw(peer.xml('presence', {}));
    await botSees;
  });

  it('policy "deny everyone": the request is refused', async () => {
    await load('deny');
    const person = await account('denied');
    const peer = await Peer.connect({ port: prosody.port, jid: person.jid, password: person.password });
    peers.push(peer);
    // Prosody hands subscription stanzas to resources that asked for the roster.
    await peer.client.iqCaller.request(peer.xml('iq', { type: 'get' }, peer.xml('query', { xmlns: 'jabber:iq:roster' })));
    const refused = peer.nextPresence((p) => p.attrs.type === 'unsubscribed' && p.attrs.from === BOT);
    await peer.sendRaw(peer.xml('presence', { to: BOT, type: 'subscribe' }));
    await refused.catch((error: unknown) => {
      throw new Error(`${String(error)}; the peer got: ${peer.received.map((s) => s.toString()).join('\n')}`);
    });
  });

  it('directed presence and roster changes from xmpp-out; bad presence actions reach a Catch node', async () => {
    await load('flow');
    const person = await account('direct');
    const peer = await Peer.connect({ port: prosody.port, jid: person.jid, password: person.password, resource: 'r' });
    peers.push(peer);
    const directed = peer.nextPresence((p) => p.attrs.from === `${BOT}/home` && p.getChildText('show') === 'away');
    await act({ presence: 'away', to: `${person.jid}/r` });
    await directed;

    const botSide = await Peer.connect({ port: prosody.port, jid: BOT, password: 'bot-pw', resource: 'inspect' });
    peers.push(botSide);
    const rosterHas = async (jid: string): Promise<boolean> => {
      const result = await botSide.client.iqCaller.request(botSide.xml('iq', { type: 'get' }, botSide.xml('query', { xmlns: 'jabber:iq:roster' })));
      return (result.getChild('query')?.getChildren('item') ?? []).some((item) => item.attrs.jid === jid);
    };
    await act({ roster: 'add', to: person.jid, name: 'Direct' });
    await eventually(() => rosterHas(person.jid), (has) => has, 5000, 'in the roster');
    await act({ roster: 'remove', to: person.jid });
    await eventually(() => rosterHas(person.jid), (has) => !has, 5000, 'out of the roster');

    await assert.rejects(act({ presence: { show: 'sleepy' } }), /invalid-payload/);
    await assert.rejects(act({ subscription: 'approve' }), /no-recipient/);
    assert.equal(lastStatus('out')?.fill, 'green');
  });
});
