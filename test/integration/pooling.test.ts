// One connection per config node, however many nodes use it and however often they are redeployed.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, deploy, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'pool-secret-93a1';

describe('one pooled connection per config node', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  function inNode(id: string, name = ''): FlowNode {
    return { id, type: 'xmpp-in', z: 'f1', name, server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [[`sink-${id}`]] };
  }

  function flowWith(inCount: number, outCount: number, name = ''): FlowNode[] {
    const flow: FlowNode[] = [{ id: 'f1', type: 'tab', label: 'pool' }, configNode('cfg', bot, prosody.port, { status: 'pooling' })];
    for (let i = 0; i < inCount; i += 1) flow.push(inNode(`in${i}`, name), { id: `sink-in${i}`, type: 'helper', z: 'f1' });
    for (let i = 0; i < outCount; i += 1) flow.push({ id: `out${i}`, type: 'xmpp-out', z: 'f1', name, server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] });
    return flow;
  }

  const credentials = { cfg: { password: PASSWORD } };
  const sessions = (): Promise<number> => prosody.sessionCount(bot);

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', PASSWORD);
    const aliceJid = await prosody.register('alice', 'alice-pw');
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw' });
    // alice and the bot see each other's presence, as friends in a roster do.
    const botPeer = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'setup' });
    await alice.befriend(botPeer);
    await botPeer.stop();
    await eventually(sessions, (n) => n === 0, 10_000, 'the setup session to end');
    process.on('warning', onWarning);
  });

  after(async () => {
    process.off('warning', onWarning);
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
    await eventually(sessions, (n) => n === 0, 10_000, 'no session left after the test');
  });

  it('20 nodes on one config node give exactly one session on the server, and all show it', async () => {
    await helper.load(nodes, flowWith(10, 10), credentials);
    await eventually(sessions, (n) => n === 1, 15_000, 'one session');
    for (const id of [...Array(10).keys()].flatMap((i) => [`in${i}`, `out${i}`])) {
      await eventually(() => lastStatus(id), (s) => s?.fill === 'green' && s.text === bot, 10_000, `${id} green`);
    }
    assert.equal(await sessions(), 1);
  });

  it('a redeploy of only the using nodes keeps the session, and the peer never sees us go', async () => {
    await helper.load(nodes, flowWith(3, 3), credentials);
    const [before] = await eventually(() => prosody.sessionJids(bot), (jids) => jids.length === 1, 15_000, 'one session');
    const wentAway = alice.nextPresence((p) => p.attrs.type === 'unavailable' && p.attrs.from === before, 60_000).then(
      () => true,
      () => false,
    );
    await deploy(flowWith(3, 3, 'renamed'), 'nodes', credentials);
    await eventually(() => lastStatus('in0'), (s) => s?.fill === 'green', 10_000, 'green after the redeploy');
    assert.deepEqual(await prosody.sessionJids(bot), [before]);
    // The peer's presence stream is ordered: a probe answered now proves no unavailable came earlier.
    const probe = alice.nextPresence((p) => p.attrs.from === before && p.attrs.type === undefined);
    await alice.sendRaw(alice.xml('presence', { to: bot, type: 'probe' }));
    await probe;
    assert.equal(await Promise.race([wentAway, Promise.resolve('pending')]), 'pending', 'no unavailable before the probe answer');
  });

  it('after 10 partial redeploys one incoming message gives exactly one msg per xmpp-in node', async () => {
    await helper.load(nodes, flowWith(3, 1), credentials);
    await eventually(sessions, (n) => n === 1, 15_000, 'one session');
    for (let round = 0; round < 10; round += 1) {
      await deploy(flowWith(3, 1, `round ${round}`), 'nodes', credentials);
    }
    await eventually(() => lastStatus('in0'), (s) => s?.fill === 'green', 10_000, 'green');
    const counts = [0, 0, 0];
    for (let i = 0; i < 3; i += 1) getNode(`sink-in${i}`).on('input', () => (counts[i] = (counts[i] ?? 0) + 1));
    const all = Promise.all([0, 1, 2].map((i) => waitFor(getNode(`sink-in${i}`), 'input', (msg: NodeMessage) => (msg.payload === 'first' ? msg : undefined))));
    await alice.send(bot, 'first', { type: 'normal' });
    await all;
    // A second message, sent after the first: when it has arrived everywhere, no duplicate of the first can still be on its way.
    const second = Promise.all([0, 1, 2].map((i) => waitFor(getNode(`sink-in${i}`), 'input', (msg: NodeMessage) => (msg.payload === 'second' ? msg : undefined))));
    await alice.send(bot, 'second', { type: 'normal' });
    await second;
    assert.deepEqual(counts, [2, 2, 2]);
    assert.equal(await sessions(), 1);
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
  });

  it('100 partial redeploys leave as many subscriptions as the first deploy made', async () => {
    const withPresence = (flow: FlowNode[]): FlowNode[] => flow.map((n) => (n.id === 'in1' ? { ...n, presence: true, wires: [['sink-in1'], []] } : n));
    await helper.load(nodes, withPresence(flowWith(2, 2)), credentials);
    await eventually(sessions, (n) => n === 1, 15_000, 'one session');
    const config = getNode('cfg') as unknown as { subscriptions: number };
    const first = config.subscriptions;
    assert.ok(first >= 4, `two message subscriptions and in1's two presence listeners, at least (${first})`);
    for (let round = 0; round < 100; round += 1) {
      await deploy(withPresence(flowWith(2, 2, `round ${round}`)), 'nodes', credentials);
    }
    assert.equal(config.subscriptions, first);
    assert.equal(await sessions(), 1);
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
  });

  it('30 full redeploys, each closing a session that is still logging in, leave exactly one session', async () => {
    await helper.load(nodes, flowWith(1, 1), credentials);
    const stoppedWhile: string[] = [];
    for (let round = 0; round < 30; round += 1) {
      stoppedWhile.push(String(lastStatus('in0')?.text));
      await deploy(flowWith(1, 1, `full ${round}`).map((n) => (n.id === 'cfg' ? { ...n, name: `cfg ${round}` } : n)), 'full', credentials);
    }
    assert.ok(stoppedWhile.filter((text) => text === 'xmpp-config.status.connecting').length > 0, 'some sessions were closed mid-login');
    await eventually(() => lastStatus('in0'), (s) => s?.fill === 'green', 15_000, 'green');
    await eventually(sessions, (n) => n === 1, 10_000, 'one session');
    const arrived = waitFor(getNode('sink-in0'), 'input', (msg: NodeMessage) => msg);
    await alice.send(bot, 'after 30 full redeploys', { type: 'normal' });
    assert.equal((await arrived).payload, 'after 30 full redeploys');
    assert.equal(await sessions(), 1);
  });

  it('stopping the flows ends the session and a subscribed peer sees us unavailable', async () => {
    await helper.load(nodes, flowWith(1, 1), credentials);
    const [full] = await eventually(() => prosody.sessionJids(bot), (jids) => jids.length === 1, 15_000, 'one session');
    const unavailable = alice.nextPresence((p) => p.attrs.type === 'unavailable' && p.attrs.from === full);
    const started = Date.now();
    await helper._redNodes.stopFlows();
    const stopMs = Date.now() - started;
    await unavailable;
    assert.equal(await sessions(), 0);
    assert.ok(stopMs < 2000, `flows stopped in ${stopMs} ms`);
  });

  it('the initial presence from the config node reaches a subscribed peer', async () => {
    const seen = alice.nextPresence((p) => p.attrs.from?.startsWith(`${bot}/`) === true && p.attrs.type === undefined && p.getChildText('status') === 'pooling');
    await helper.load(nodes, flowWith(1, 0), credentials);
    await seen;
  });

  it('a wrong password: red "not authorized" on every node, socket closed, no retry until the config changes', async () => {
    const logBefore = prosody.log().length;
    await helper.load(nodes, flowWith(2, 1), { cfg: { password: 'wrong' } });
    for (const id of ['in0', 'in1', 'out0']) {
      await eventually(() => lastStatus(id), (s) => s?.fill === 'red', 15_000, `${id} red`);
      assert.deepEqual(lastStatus(id), { fill: 'red', shape: 'ring', text: 'xmpp-config.reason.not-authorized' });
    }
    const connections = (): number => prosody.log().slice(logBefore).split('\n').filter((line) => /Client connected/.test(line)).length;
    const closed = (): number => prosody.log().slice(logBefore).split('\n').filter((line) => /Client disconnected/.test(line)).length;
    await eventually(closed, (n) => n === 1, 10_000, 'the socket to be closed');
    // The backoff would have retried within 1 s; watch for 3 s that nothing comes.
    const watchUntil = Date.now() + 3000;
    await eventually(() => Date.now() > watchUntil || connections() > 1, (done) => done, 5000, 'the watch window');
    assert.equal(connections(), 1, 'exactly one connection attempt');
    assert.equal(lastStatus('in0')?.text, 'xmpp-config.reason.not-authorized');

    await deploy(flowWith(2, 1), 'full', credentials);
    await eventually(() => lastStatus('in0'), (s) => s?.fill === 'green', 15_000, 'green with the right password');
    assert.equal(await sessions(), 1);
  });
});
