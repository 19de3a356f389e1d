// What the flow serves to others (iq-rpc serve, disco-query answer) against strangers, floods and
// bad replies, over a real Prosody: a stranger learns nothing (forbidden for every method, the
// answer of a missing node for every disco node), "anyone" is never implied, method names match
// exactly, a flood from one caller reaches the flow only up to the bounds and logs a few lines,
// and a reply XML cannot carry or the server would refuse fails the msg instead of the stream.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { buildCall, readOutcome, type RpcOutcome } from '../../nodes/core/rpc/rpc-stanza';
import { NS_RPC } from '../../nodes/core/namespaces';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixRpc } from '../rig/slix-rpc';

const GUARDED = 'guarded@localhost/home';
const CLOSED = 'closed@localhost/home';
const CALLERS = 'friend@localhost, flood1@localhost, flood2@localhost';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const PER_CALLER = 10;
const TOTAL = 15;

/** The flow's methods: "hang" is never answered; the others answer with what the server must never see. */
const METHODS = `
switch (msg.method) {
  case 'echo': msg.payload = msg.payload[0]; return msg;
  case 'hang': return null;
  case 'bad': msg.payload = { text: 'before \\uFFFE after' }; return msg;
  case 'badname': msg.payload = { ['bell\\u0007']: 1 }; return msg;
  case 'badfault': msg.fault = { faultCode: 7, faultString: 'nul \\u0000' }; return msg;
  case 'big': msg.payload = 'x'.repeat(300 * 1024); return msg;
}
return null;`;

/** The flow's disco answers: "sensors" answers info (never items), the others what must not be sent. */
const ANSWERS = `
const { kind, node: asked } = msg.payload; // 'node' is the function node itself
if (asked === 'sensors') {
  if (kind === 'items') return null;
  msg.payload = { identities: [{ category: 'automation', type: 'sensor-hub', name: 'Sensors' }], features: ['urn:example:sensors'] };
} else if (asked === 'badsensors') {
  msg.payload = { identities: [{ category: 'automation', type: 'sensor-hub', name: 'Bad \\uFFFF name' }], features: ['urn:example:ok'] };
} else if (asked === 'badfeature') {
  msg.payload = { identities: [{ category: 'automation', type: 'x' }], features: ['urn:\\u0001'] };
} else if (asked === 'baditem') {
  msg.payload = { items: [{ jid: 'ok@localhost' }, { jid: 'a@localhost/res\\uDC00' }] };
} else if (asked === 'bigsensors') {
  msg.payload = { items: Array.from({ length: 5000 }, (_, i) => ({ jid: 'item' + i + '@localhost', name: 'n'.repeat(60) })) };
}
return msg;`;

type Msg = NodeMessage & { method?: string; from?: string; error?: { message: string; code?: string } };
type Answer = { error: string; type: string } | RpcOutcome;

function outcomeOf(iq: XmlElement): Answer {
  if (iq.attrs.type === 'error') {
    const error = iq.getChild('error');
    const condition = error?.getChildElements().find((el) => el.getNS() === STANZAS && el.name !== 'text')?.name ?? '?';
    return { error: condition, type: error?.attrs.type ?? '?' };
  }
  return readOutcome(iq.getChild('query', NS_RPC));
}

/** IQ answers a peer got, by id; `until` resolves once `enough` holds (checked on every answer). */
class Answers {
  readonly byId = new Map<string, XmlElement>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly peer: Peer) {
    peer.on('iq', (iq: XmlElement) => {
      if (iq.attrs.type !== 'result' && iq.attrs.type !== 'error') return;
      this.byId.set(iq.attrs.id ?? '', iq);
      for (const check of [...this.waiters]) check();
    });
  }

  of(ids: string[]): XmlElement[] {
    return ids.map((id) => this.byId.get(id)).filter((iq): iq is XmlElement => iq !== undefined);
  }

  until(enough: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (enough()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!enough()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}

describe('serving strangers, floods and bad replies (iq-rpc serve, disco-query answer)', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let slix: SlixRpc;
  let friend: Peer;
  let flood1: Peer;
  let flood2: Peer;
  let stranger: Peer;
  const answers = new Map<Peer, Answers>();
  const served: Msg[] = [];
  const asked: Msg[] = [];
  const caught: Msg[] = [];
  let ids = 0;

  function flow(): FlowNode[] {
    const answer = (id: string, node: string): FlowNode => ({
      id,
      type: 'disco-query',
      z: 'f1',
      server: 'cfgG',
      mode: 'answer',
      node,
      callers: CALLERS,
      maxPerCaller: PER_CALLER,
      maxPending: TOTAL,
      timeout: '2',
      wires: [['answersFn', 'asked']],
    });
    return [
      { id: 'f1', type: 'tab', label: 'serving' },
      configNode('cfgG', GUARDED, prosody.port),
      configNode('cfgC', CLOSED, prosody.port),
      { id: 'guard', type: 'iq-rpc', z: 'f1', server: 'cfgG', mode: 'serve', methods: 'echo, hang, bad, badname, badfault, big', callers: CALLERS, maxPerCaller: PER_CALLER, maxPending: TOTAL, timeout: '2', wires: [['methodsFn', 'served']] },
      { id: 'methodsFn', type: 'function', z: 'f1', func: METHODS, outputs: 1, wires: [['guardReply']] },
      { id: 'guardReply', type: 'iq-rpc', z: 'f1', server: 'cfgG', mode: 'reply', wires: [] },
      // A serve node as flows made before "Who may call" existed: no access field, no callers.
      { id: 'closedSrv', type: 'iq-rpc', z: 'f1', server: 'cfgC', mode: 'serve', methods: 'echo', callers: '', timeout: '2', wires: [['served']] },
      answer('sensorsNode', 'sensors'),
      answer('badNode', 'badsensors'),
      answer('badFeatureNode', 'badfeature'),
      answer('badItemNode', 'baditem'),
      answer('bigNode', 'bigsensors'),
      { id: 'answersFn', type: 'function', z: 'f1', func: ANSWERS, outputs: 1, wires: [['sensorsNode']] },
      { id: 'served', type: 'helper', z: 'f1' },
      { id: 'asked', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  function rpcIq(peer: Peer, to: string, method: string, params: unknown[] = []): XmlElement {
    ids += 1;
    return peer.xml('iq', { type: 'set', to, id: `s${ids}` }, buildCall(peer.xml, { method, params }));
  }

  function discoIq(peer: Peer, kind: 'info' | 'items', node: string): XmlElement {
    ids += 1;
    return peer.xml('iq', { type: 'get', to: GUARDED, id: `s${ids}` }, peer.xml('query', { xmlns: kind === 'info' ? DISCO_INFO : DISCO_ITEMS, node }));
  }

  /** Sends IQs and resolves with their ids (answers arrive in `answers`). */
  async function sendAll(peer: Peer, iqs: XmlElement[]): Promise<string[]> {
    for (const iq of iqs) await peer.sendRaw(iq);
    return iqs.map((iq) => iq.attrs.id as string);
  }

  async function ask(peer: Peer, iq: XmlElement): Promise<XmlElement> {
    const [id] = await sendAll(peer, [iq]);
    const got = answers.get(peer) as Answers;
    await got.until(() => got.byId.has(id as string), `the answer to ${iq.toString().slice(0, 120)}`);
    return got.byId.get(id as string) as XmlElement;
  }

  const call = async (peer: Peer, method: string, params: unknown[] = [], to = GUARDED): Promise<Answer> => outcomeOf(await ask(peer, rpcIq(peer, to, method, params)));

  const warnings = (id: string): string[] => getNode(id).warn.getCalls().map((c) => String(c.args[0]));
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const heapMb = (): string => (process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1);

  /** The connection's status never left online since `from` (status calls on a node). */
  const stayedOnline = (id: string, from: number): boolean =>
    getNode(id)
      .status.getCalls()
      .slice(from)
      .every((c) => (c.args[0] as { fill?: string }).fill !== 'red');

  before(async function () {
    this.timeout(90_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    for (const user of ['guarded', 'closed', 'friend', 'flood1', 'flood2', 'stranger']) await prosody.register(user, `${user}-pw`);
    const slixJid = await prosody.register('slixstranger', 'slix-pw');
    const peer = (user: string): Promise<Peer> => Peer.connect({ port: prosody.port, jid: `${user}@localhost`, password: `${user}-pw` });
    [slix, friend, flood1, flood2, stranger] = await Promise.all([
      SlixRpc.start(slixJid, 'slix-pw', prosody.port),
      peer('friend'),
      peer('flood1'),
      peer('flood2'),
      peer('stranger'),
      helper.load([...nodes, functionNode], flow(), { cfgG: { password: 'guarded-pw' }, cfgC: { password: 'closed-pw' } }),
    ]);
    for (const p of [friend, flood1, flood2, stranger]) answers.set(p, new Answers(p));
    getNode('served').on('input', (msg: Msg) => served.push(msg));
    getNode('asked').on('input', (msg: Msg) => asked.push(msg));
    getNode('caught').on('input', (msg: Msg) => caught.push(msg));
    await eventually(() => prosody.sessionJids('guarded@localhost'), (j) => j.length === 1, 15_000, 'the guarded bot online');
    await eventually(() => prosody.sessionJids('closed@localhost'), (j) => j.length === 1, 15_000, 'the closed bot online');
    // Prosody routes to a full JID only once its session is available.
    await eventually(async () => outcomeOf(await ask(friend, rpcIq(friend, GUARDED, 'echo', ['up']))), (a) => 'result' in a, 15_000, 'the guarded bot answering');
  });

  after(async () => {
    await slix?.stop();
    for (const p of [friend, flood1, flood2, stranger]) await p?.stop();
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  describe('strangers', () => {
    it('get forbidden for a listed method and an unlisted one alike (slixmpp calls), and the flow never hears of them', async () => {
      const listed = await slix.call(GUARDED, 'echo', ['hello']);
      const unlisted = await slix.call(GUARDED, 'os.system', ['rm -rf /']);
      assert.deepEqual([listed, unlisted], [
        { event: 'error', tag: listed.tag, condition: 'forbidden' },
        { event: 'error', tag: unlisted.tag, condition: 'forbidden' },
      ]);
      const unreadable = outcomeOf(await ask(stranger, stranger.xml('iq', { type: 'set', to: GUARDED, id: 'unreadable' }, stranger.xml('query', { xmlns: NS_RPC }, stranger.xml('junk', {})))));
      assert.deepEqual(unreadable, { error: 'forbidden', type: 'auth' });
      assert.ok(!served.some((m) => m.from?.startsWith('slixstranger@') || m.from?.startsWith('stranger@')), 'the flow never saw a stranger');
    });

    it('get item-not-found for a disco node the flow answers, exactly as for one that does not exist', async () => {
      const existing = await ask(stranger, discoIq(stranger, 'info', 'sensors'));
      const missing = await ask(stranger, discoIq(stranger, 'info', 'no-such-node'));
      assert.deepEqual(outcomeOf(existing), { error: 'item-not-found', type: 'cancel' });
      assert.deepEqual(outcomeOf(missing), outcomeOf(existing));
      assert.equal(existing.getChild('error')?.toString(), missing.getChild('error')?.toString(), 'the same error element');
      assert.ok(!asked.some((m) => m.from?.startsWith('stranger@')), 'the flow never saw the stranger');
      const listed = await ask(friend, discoIq(friend, 'info', 'sensors'));
      assert.equal(listed.getChild('query', DISCO_INFO)?.getChild('identity')?.attrs.type, 'sensor-hub', 'a listed asker gets the answer');
    });

    it('are everyone while the list is empty: "anyone" is never implied, and the node says so', async () => {
      assert.deepEqual(await call(friend, 'echo', ['x'], CLOSED), { error: 'forbidden', type: 'auth' });
      // Under the test helper RED._ gives the message key.
      assert.ok(warnings('closedSrv').includes('iq-rpc.warning.nobody'), JSON.stringify(warnings('closedSrv')));
      const status = lastStatus('closedSrv');
      assert.equal(status?.fill, 'yellow', JSON.stringify(status));
      assert.match(String(status?.text), /iq-rpc\.status\.nobody/);
      assert.equal(lastStatus('guard')?.fill, 'green', 'a node with callers shows the connection');
    });
  });

  describe('method names', () => {
    it('match exactly: " echo ", "echo\\n", "echo\\u00a0" are not run', async () => {
      const before = served.length;
      for (const name of [' echo ', 'echo\n', 'echo\u00a0']) {
        const answer = await call(friend, name, ['x']);
        assert.ok('fault' in answer && answer.fault.faultCode === -32601, `${JSON.stringify(name)}: ${JSON.stringify(answer)}`);
      }
      assert.equal(served.length, before, 'none reached the flow');
      assert.deepEqual(await call(friend, 'echo', ['x']), { result: 'x' });
    });
  });

  describe('floods', () => {
    it('500 calls from one caller: 10 reach the flow, the rest get resource-constraint at once; the total holds; a few warnings; then calls work', async () => {
      const warned = warnings('guard').length;
      const statusMark = getNode('guard').status.getCalls().length;
      const hangsOf = (peer: Peer): number => served.filter((m) => m.method === 'hang' && m.from?.startsWith(peer.jid.split('/')[0] as string)).length;
      const before = { timers: timers(), heap: heapMb() };

      const first = await sendAll(flood1, Array.from({ length: 500 }, () => rpcIq(flood1, GUARDED, 'hang')));
      const got1 = answers.get(flood1) as Answers;
      const busy = (peer: Peer, list: string[]): number =>
        (answers.get(peer) as Answers).of(list).filter((iq) => {
          const a = outcomeOf(iq);
          return 'error' in a && a.error === 'resource-constraint' && a.type === 'wait';
        }).length;
      await got1.until(() => busy(flood1, first) === 500 - PER_CALLER, 'the refusals of the first flood');
      // Refused at once: the calls in the flow (2 s timeout) have not been answered yet.
      assert.equal(got1.of(first).length, 500 - PER_CALLER, 'only refusals so far');
      await eventually(() => hangsOf(flood1), (n) => n === PER_CALLER, 10_000, 'the bounded calls in the flow');
      const peak = { timers: timers(), heap: heapMb() };

      // A second caller fills the total (15): 5 more reach the flow.
      const second = await sendAll(flood2, Array.from({ length: 100 }, () => rpcIq(flood2, GUARDED, 'hang')));
      const got2 = answers.get(flood2) as Answers;
      await got2.until(() => busy(flood2, second) === 100 - (TOTAL - PER_CALLER), 'the refusals of the second flood');
      await eventually(() => hangsOf(flood2), (n) => n === TOTAL - PER_CALLER, 10_000, 'the second caller within the total');
      assert.deepEqual(await call(friend, 'echo', ['full']), { error: 'resource-constraint', type: 'wait' }, 'the total holds for everyone');

      // The calls in the flow end with the no-reply fault; then there is room again.
      await got1.until(() => got1.of(first).length === 500, 'the no-reply faults of the first flood');
      await got2.until(() => got2.of(second).length === 100, 'the no-reply faults of the second flood');
      const faults = [...got1.of(first), ...got2.of(second)].map(outcomeOf).filter((a) => 'fault' in a);
      assert.equal(faults.length, TOTAL);
      assert.ok(faults.every((a) => 'fault' in a && a.fault.faultCode === -32000));
      assert.deepEqual(await call(flood1, 'echo', ['after']), { result: 'after' });
      assert.deepEqual(await call(friend, 'echo', ['after']), { result: 'after' });

      const lines = warnings('guard').slice(warned);
      assert.ok(lines.length <= 3, `at most 3 warnings for the burst, got ${JSON.stringify(lines)}`);
      assert.ok(lines.includes('iq-rpc.warning.busy-caller'), JSON.stringify(lines));
      assert.ok(lines.includes('iq-rpc.warning.no-reply'), JSON.stringify(lines));
      assert.equal(hangsOf(flood1) + hangsOf(flood2), TOTAL, 'no more calls reached the flow than the bounds allow');
      assert.ok(stayedOnline('guard', statusMark), 'the connection stayed up');
      const after = { timers: timers(), heap: heapMb() };
      console.log(
        `      600 calls (500 + 100) against bounds ${PER_CALLER}/${TOTAL}: ${TOTAL} reached the flow, ${600 - TOTAL} refused at once; ` +
          `warnings ${lines.length}; timers ${before.timers} before, ${peak.timers} at the peak, ${after.timers} after; heap ${before.heap} → ${peak.heap} → ${after.heap} MB`,
      );
    });

    it('500 disco queries from one caller for a flow node: 10 reach the flow, the rest get resource-constraint; a few warnings; then queries work', async () => {
      const warned = warnings('sensorsNode').length;
      const fromFlood = (): number => asked.filter((m) => m.from?.startsWith('flood1@') && (m.payload as { kind: string }).kind === 'items').length;
      const sent = await sendAll(flood1, Array.from({ length: 500 }, () => discoIq(flood1, 'items', 'sensors')));
      const got = answers.get(flood1) as Answers;
      const busy = (): number => got.of(sent).filter((iq) => JSON.stringify(outcomeOf(iq)) === JSON.stringify({ error: 'resource-constraint', type: 'wait' })).length;
      await got.until(() => busy() === 500 - PER_CALLER, 'the refusals');
      assert.equal(got.of(sent).length, 500 - PER_CALLER, 'only refusals so far');
      await eventually(fromFlood, (n) => n === PER_CALLER, 10_000, 'the bounded queries in the flow');
      await got.until(() => got.of(sent).length === 500, 'the timeouts of the queries in the flow');
      const notFound = got.of(sent).filter((iq) => JSON.stringify(outcomeOf(iq)) === JSON.stringify({ error: 'item-not-found', type: 'cancel' }));
      assert.equal(notFound.length, PER_CALLER);
      const info = await ask(flood1, discoIq(flood1, 'info', 'sensors'));
      assert.equal(info.attrs.type, 'result', info.toString());
      assert.equal(info.getChild('query', DISCO_INFO)?.getChild('identity')?.attrs.type, 'sensor-hub');
      const lines = warnings('sensorsNode').slice(warned);
      assert.ok(lines.length <= 3, `at most 3 warnings for the burst, got ${JSON.stringify(lines)}`);
      assert.ok(lines.includes('disco-query.warning.busy-caller'), JSON.stringify(lines));
      assert.equal(fromFlood(), PER_CALLER);
    });
  });

  describe('replies the server must never see', () => {
    const caughtFor = (match: (m: Msg) => boolean): Promise<Msg> => eventually(() => caught.find(match), (m) => m !== undefined, 10_000, 'the error at the Catch node') as Promise<Msg>;

    it('a result or fault with characters XML forbids: the msg fails with invalid-payload, the caller gets fault -32603, the connection stays up', async () => {
      const statusMark = getNode('guard').status.getCalls().length;
      for (const method of ['bad', 'badname', 'badfault']) {
        const answer = await call(friend, method);
        assert.ok('fault' in answer && answer.fault.faultCode === -32603, `${method}: ${JSON.stringify(answer)}`);
        assert.match('fault' in answer ? answer.fault.faultString : '', /the result cannot be sent/);
        const failed = await caughtFor((m) => m.method === method);
        assert.equal(failed.error?.code, 'invalid-payload', JSON.stringify(failed.error));
      }
      assert.deepEqual(await call(friend, 'echo', ['next']), { result: 'next' });
      assert.ok(stayedOnline('guard', statusMark), 'the connection stayed up');
      assert.deepEqual(await prosody.sessionJids('guarded@localhost'), [GUARDED]);
    });

    it('a result over "Largest message": the msg fails with too-large, the caller gets fault -32603, the next call works', async () => {
      const statusMark = getNode('guard').status.getCalls().length;
      const answer = await call(friend, 'big');
      assert.ok('fault' in answer && answer.fault.faultCode === -32603, JSON.stringify(answer).slice(0, 300));
      const failed = await caughtFor((m) => m.method === 'big');
      assert.equal(failed.error?.code, 'too-large', JSON.stringify(failed.error));
      assert.deepEqual(await call(friend, 'echo', ['next']), { result: 'next' });
      assert.ok(stayedOnline('guard', statusMark), 'the connection stayed up');
    });

    it('disco answers with characters XML forbids or over the limit: the msg fails with the code, the asker gets item-not-found, the next query works', async () => {
      const statusMark = getNode('guard').status.getCalls().length;
      const node = (m: Msg): string | undefined => (m.payload as { node?: string } | undefined)?.node ?? (m as unknown as { topic?: string }).topic;
      for (const [discoNode, kind, code] of [
        ['badsensors', 'info', 'invalid-answer'],
        ['badfeature', 'info', 'invalid-answer'],
        ['baditem', 'items', 'invalid-answer'],
        ['bigsensors', 'items', 'too-large'],
      ] as const) {
        const answer = await ask(friend, discoIq(friend, kind, discoNode));
        assert.deepEqual(outcomeOf(answer), { error: 'item-not-found', type: 'cancel' }, discoNode);
        const failed = await caughtFor((m) => node(m) === discoNode);
        assert.equal(failed.error?.code, code, `${discoNode}: ${JSON.stringify(failed.error)}`);
      }
      const info = await ask(friend, discoIq(friend, 'info', 'sensors'));
      assert.equal(info.attrs.type, 'result', info.toString());
      assert.ok(stayedOnline('guard', statusMark), 'the connection stayed up');
      assert.deepEqual(await prosody.sessionJids('guarded@localhost'), [GUARDED]);
    });
  });
});
