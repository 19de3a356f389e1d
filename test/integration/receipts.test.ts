// Delivery certainty in the real Node-RED runtime, against a real Prosody (offline storage on) and a
// slixmpp client we did not write: an xmpp-out node that waits for the recipient's receipt
// (XEP-0184) finishes its msg when the receipt is back, fails it with not-delivered when none comes,
// and with bounced when the message comes back; a message that comes back reaches the Catch nodes of
// the xmpp-out that sent it, with its msg, and nobody else's. Our own client answers receipt requests.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Prosody } from '../rig/prosody';
import { eventually, waitFor } from '../rig/peer';
import { configNode, deploy, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixReceipts } from '../rig/slix-receipts';

const PASSWORD = 'bot-secret-r3c1';

type Caught = NodeMessage & { error: { message: string; code?: string; source?: { id: string } }; xmpp?: Record<string, unknown> };

describe('delivery receipts and bounces through xmpp-out', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  /** A slixmpp client that answers receipt requests (slixmpp's default). */
  let alice: SlixReceipts;
  const caughtA: Caught[] = [];
  const caughtB: Caught[] = [];
  const caughtElsewhere: Caught[] = [];
  const doneA: NodeMessage[] = [];
  const doneB: NodeMessage[] = [];

  /**
   * Two xmpp-out nodes, each with its own Catch and Complete nodes: "waits" asks for receipts (a
   * short wait, for the test), "plain" does not. A second tab uses the same connection and catches everything.
   */
  function flow(config: Record<string, string> = {}): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'receipts' },
      { id: 'f2', type: 'tab', label: 'another flow on the same connection' },
      configNode('cfg', `${bot}/flows`, prosody.port, config),
      { id: 'waits', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', failFast: false, receipt: true, receiptTimeout: '1', wires: [] },
      { id: 'plain', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', failFast: false, receiptTimeout: '1', wires: [] },
      { id: 'catch-a', type: 'catch', z: 'f1', scope: ['waits'], uncaught: false, wires: [['caught-a']] },
      { id: 'catch-b', type: 'catch', z: 'f1', scope: ['plain'], uncaught: false, wires: [['caught-b']] },
      { id: 'done-a', type: 'complete', z: 'f1', scope: ['waits'], uncaught: false, wires: [['completed-a']] },
      { id: 'done-b', type: 'complete', z: 'f1', scope: ['plain'], uncaught: false, wires: [['completed-b']] },
      { id: 'caught-a', type: 'helper', z: 'f1' },
      { id: 'caught-b', type: 'helper', z: 'f1' },
      { id: 'completed-a', type: 'helper', z: 'f1' },
      { id: 'completed-b', type: 'helper', z: 'f1' },
      // An echo on the same connection: answers anything with "echo: …".
      { id: 'in', type: 'xmpp-in', z: 'f2', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['echo']] },
      { id: 'echo', type: 'function', z: 'f2', func: 'msg.payload = "echo: " + msg.payload; return msg;', outputs: 1, wires: [['echo-out']] },
      { id: 'echo-out', type: 'xmpp-out', z: 'f2', server: 'cfg', to: '', msgType: 'chat', subject: '', failFast: false, wires: [] },
      { id: 'catch-all', type: 'catch', z: 'f2', scope: null, uncaught: false, wires: [['caught-elsewhere']] },
      { id: 'caught-elsewhere', type: 'helper', z: 'f2' },
    ];
  }

  async function load(config: Record<string, string> = {}): Promise<void> {
    // The test helper loads the catch and complete modules once per such node, and a second load
    // fails: a flow with one of each registers them, then the real flow replaces it.
    await helper.load([...nodes, functionNode], [
      { id: 't0', type: 'tab' },
      { id: 'c0', type: 'catch', z: 't0', scope: null, wires: [] },
      { id: 'd0', type: 'complete', z: 't0', scope: [], wires: [] },
    ], {});
    await deploy(flow(config), 'full', { cfg: { password: PASSWORD } });
    for (const [id, list] of [
      ['caught-a', caughtA],
      ['caught-b', caughtB],
      ['caught-elsewhere', caughtElsewhere],
    ] as const) {
      getNode(id).on('input', (msg: NodeMessage) => list.push(msg as Caught));
    }
    getNode('completed-a').on('input', (msg: NodeMessage) => doneA.push(msg));
    getNode('completed-b').on('input', (msg: NodeMessage) => doneB.push(msg));
    await eventually(() => lastStatus('waits'), (s) => s?.fill === 'green', 15_000, 'connected');
  }

  const withId = (list: NodeMessage[], id: string): NodeMessage[] => list.filter((m) => m._msgid === id);
  const xmppOf = (msg: NodeMessage | undefined): Record<string, unknown> => (msg?.xmpp ?? {}) as Record<string, unknown>;

  before(async function () {
    this.timeout(60_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100, offline: true });
    bot = await prosody.register('bot', PASSWORD);
    await prosody.register('alice', 'alice-pw');
    // Bob has an account but never logs in: the server keeps what is sent to him.
    await prosody.register('bob', 'bob-pw');
    alice = await SlixReceipts.start('alice@localhost/slix', 'alice-pw', prosody.port, true);
  });

  after(async () => {
    await helper.unload();
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  beforeEach(async () => {
    for (const list of [caughtA, caughtB, caughtElsewhere, doneA, doneB]) list.length = 0;
    await load();
  });

  afterEach(async () => {
    await helper.unload();
  });

  it('a peer that answers receipts: done() once its receipt is back; msg.xmpp.id is the id it acknowledged', async () => {
    const finished = waitFor(getNode('completed-a'), 'input', (m: NodeMessage) => (m._msgid === 'to-alice' ? m : undefined), 10_000, 'done()');
    getNode('waits').receive({ _msgid: 'to-alice', payload: 'did you get this?', to: 'alice@localhost' } as NodeMessage);
    const msg = await finished;
    const got = await alice.waitFor((e) => e.event === 'message' && e.body === 'did you get this?');
    assert.ok(got.event === 'message');
    assert.equal(got.request, true, 'it asked for a receipt');
    assert.equal(xmppOf(msg).id, got.id, 'msg.xmpp.id is the message\'s id');
    assert.equal(got.origin, got.id, 'and its origin-id (XEP-0359)');
    assert.deepEqual([...caughtA, ...caughtB, ...caughtElsewhere], []);
  });

  it('a recipient whose server keeps the message (offline, no receipt): not-delivered after the wait, with the msg', async () => {
    const failed = waitFor(getNode('caught-a'), 'input', (m: Caught) => (m._msgid === 'to-bob' ? m : undefined), 10_000, 'a Catch');
    const started = Date.now();
    getNode('waits').receive({ _msgid: 'to-bob', payload: 'are you there?', to: 'bob@localhost', ticket: 42 } as NodeMessage);
    const msg = await failed;
    assert.ok(Date.now() - started >= 1000, 'after the 1 s wait');
    assert.equal(msg.error.code, 'not-delivered');
    assert.match(msg.error.message, /xmpp-config\.error\.not-delivered/);
    assert.equal(msg.payload, 'are you there?');
    assert.equal((msg as NodeMessage & { ticket?: number }).ticket, 42, 'the original msg');
    assert.match(String(xmppOf(msg).id), /^m[0-9a-f]{12}-/);
    assert.deepEqual(withId(doneA, 'to-bob'), [], 'no done() without error');
    assert.deepEqual([...caughtB, ...caughtElsewhere], []);
  });

  it('msg.receipt asks for a receipt on a node that does not, and msg.receipt = false skips it on one that does', async () => {
    const failed = waitFor(getNode('caught-b'), 'input', (m: Caught) => (m._msgid === 'asked' ? m : undefined), 10_000, 'a Catch');
    getNode('plain').receive({ _msgid: 'asked', payload: 'receipt please', to: 'bob@localhost', receipt: true } as NodeMessage);
    assert.equal((await failed).error.code, 'not-delivered');
    const written = waitFor(getNode('completed-a'), 'input', (m: NodeMessage) => (m._msgid === 'not-asked' ? m : undefined), 10_000, 'done()');
    getNode('waits').receive({ _msgid: 'not-asked', payload: 'no receipt needed', to: 'bob@localhost', receipt: false } as NodeMessage);
    await written;
    const bad = waitFor(getNode('caught-b'), 'input', (m: Caught) => (m._msgid === 'typo' ? m : undefined), 10_000, 'a Catch');
    getNode('plain').receive({ _msgid: 'typo', payload: 'x', to: 'bob@localhost', receipt: 'yes' } as NodeMessage);
    assert.equal((await bad).error.code, 'invalid-payload');
  });

  it('a nonexistent user: bounced on the Catch of the xmpp-out that sent it, with its msg; no other Catch hears of it', async () => {
    // Without a receipt: done() once written, then the bounce reaches this node's Catch.
    const plainBounce = waitFor(getNode('caught-b'), 'input', (m: Caught) => (m._msgid === 'plain-ghost' ? m : undefined), 10_000, 'a Catch of "plain"');
    getNode('plain').receive({ _msgid: 'plain-ghost', payload: 'hello ghost', to: 'ghost@localhost', ticket: 7 } as NodeMessage);
    const plain = await plainBounce;
    assert.equal(plain.error.code, 'bounced');
    assert.equal(plain.error.source?.id, 'plain');
    assert.match(plain.error.message, /xmpp-config\.error\.bounced/);
    assert.equal(plain.payload, 'hello ghost');
    assert.equal((plain as NodeMessage & { ticket?: number }).ticket, 7);
    assert.equal(xmppOf(plain).condition, 'service-unavailable');
    assert.equal(withId(doneB, 'plain-ghost').length, 1, 'done() when written');

    // With a receipt asked for: done(err) with bounced instead of waiting out the timeout.
    const waitsBounce = waitFor(getNode('caught-a'), 'input', (m: Caught) => (m._msgid === 'waits-ghost' ? m : undefined), 10_000, 'a Catch of "waits"');
    const started = Date.now();
    getNode('waits').receive({ _msgid: 'waits-ghost', payload: 'hello again', to: 'ghost@localhost' } as NodeMessage);
    const waits = await waitsBounce;
    assert.ok(Date.now() - started < 1000, 'at once, not after the wait');
    assert.equal(waits.error.code, 'bounced');
    assert.equal(xmppOf(waits).condition, 'service-unavailable');
    assert.match(String(xmppOf(waits).id), /^m[0-9a-f]{12}-/);
    assert.deepEqual(withId(doneA, 'waits-ghost'), []);

    // A good message after both: everything about the bounces has arrived by then.
    const fine = waitFor(getNode('completed-a'), 'input', (m: NodeMessage) => (m._msgid === 'fine' ? m : undefined), 10_000, 'done()');
    getNode('waits').receive({ _msgid: 'fine', payload: 'all good', to: 'alice@localhost' } as NodeMessage);
    await fine;
    assert.deepEqual(
      caughtA.map((m) => m._msgid),
      ['waits-ghost'],
    );
    assert.deepEqual(
      caughtB.map((m) => m._msgid),
      ['plain-ghost'],
    );
    assert.deepEqual(caughtElsewhere, [], 'the other flow on the same connection hears of neither');
  });

  it('our client answers a slixmpp peer\'s receipt request, before the flow\'s answer', async () => {
    const id = await alice.sendAskingReceipt(`${bot}/flows`, 'receipt me');
    const receipt = await alice.waitFor((e) => e.event === 'receipt' && e.id === id, 10_000, 'the receipt');
    assert.equal(receipt.event === 'receipt' ? receipt.from : '', `${bot}/flows`);
    const echo = await alice.waitFor((e) => e.event === 'message' && e.body === 'echo: receipt me', 10_000, 'the echo');
    assert.ok(alice.events.indexOf(receipt) < alice.events.indexOf(echo));
  });

  it('with answering switched off on the connection, the flow still answers but no receipt comes', async () => {
    await helper.unload();
    await load({ answerReceipts: false } as unknown as Record<string, string>);
    const from = alice.events.length;
    const id = await alice.sendAskingReceipt(`${bot}/flows`, 'quietly');
    await alice.waitFor((e) => e.event === 'message' && e.body === 'echo: quietly', 10_000, 'the echo');
    // The receipt would have been written before the echo, on the same stream.
    assert.deepEqual(
      alice.events.slice(from).filter((e) => e.event === 'receipt' && e.id === id),
      [],
    );
  });
});
