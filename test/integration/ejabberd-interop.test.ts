// The scenarios users rely on, against Debian's ejabberd 23.01 as well as Prosody: flows in the
// real Node-RED runtime, the other parties real clients (xmpp.js, slixmpp), the failures real
// (a relay that cuts the connection, a server killed and started again).
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import { loadXmpp, type XmlElement } from '../../nodes/core/xmpp-lib';
import { clientOf, type XmppConnection } from '../../nodes/lib/connection';
import { coreClient } from '../rig/core-client';
import { Ejabberd } from '../rig/ejabberd';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixPresence } from '../rig/slix-presence';
import { SlixRpc } from '../rig/slix-rpc';
import { slixExchange } from '../rig/slixmpp';
import { TcpProxy } from '../rig/tcp-proxy';
import { bodies, resumesThroughCut } from '../rig/resume-scenario';
import { EventEmitter } from 'node:events';

const BOT = 'bot@localhost';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
type Msg = NodeMessage & Record<string, unknown>;

describe('interoperability with ejabberd (Debian 23.01)', function () {
  this.timeout(60_000);
  let ejabberd: Ejabberd;
  let alice: Peer | undefined;

  before(async function () {
    this.timeout(120_000);
    await loadXmpp();
    await startServer();
    ejabberd = await Ejabberd.start({ websocket: true });
    for (const [user, password] of [['bot', 'bot-pw'], ['alice', 'alice-pw'], ['carol', 'carol-pw'], ['dj', 'dj-pw'], ['rpc', 'rpc-pw']] as const) await ejabberd.register(user, password);
  });

  after(async () => {
    await alice?.stop();
    await helper.unload();
    await ejabberd?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
    await alice?.stop();
    alice = undefined;
  });

  const connectAlice = async (resource = 'phone'): Promise<Peer> => (alice = await Peer.connect({ port: ejabberd.peerPort, jid: 'alice@localhost', password: 'alice-pw', resource }));

  /** Loads a flow on the bot's account (STARTTLS-capable port, Security none) and waits until its first node is connected. */
  async function load(flowNodes: FlowNode[], watch: string, extraNodes: unknown[] = []): Promise<void> {
    const flow: FlowNode[] = [{ id: 'f1', type: 'tab', label: 'ejabberd' }, configNode('cfg', `${BOT}/flows`, ejabberd.port), ...flowNodes];
    await helper.load([...nodes, ...(extraNodes as typeof nodes)], flow, { cfg: { password: 'bot-pw' } });
    await eventually(() => lastStatus(watch), (s) => s?.fill === 'green', 15_000, `${watch} connected`);
  }

  const nextAt = (helperId: string, match: (msg: Msg) => boolean = () => true, timeoutMs = 10_000): Promise<Msg> =>
    waitFor(getNode(helperId), 'input', (msg: Msg) => (match(msg) ? msg : undefined), timeoutMs, `a msg at ${helperId}`);

  it('messages both ways: an echo flow answers an xmpp.js client and a slixmpp client', async () => {
    await load(
      [
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['echo', 'sink']] },
        { id: 'echo', type: 'function', z: 'f1', func: 'msg.payload = "echo: " + msg.payload; return msg;', outputs: 1, wires: [['out']] },
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
        { id: 'sink', type: 'helper', z: 'f1' },
      ],
      'in',
      [functionNode],
    );
    const peer = await connectAlice();
    const reply = peer.nextMessage((m) => m.getChildText('body') === 'echo: Grüße ✓');
    const seen = nextAt('sink');
    await peer.send(`${BOT}/flows`, 'Grüße ✓', {}, peer.xml('thread', {}, 't-1'));
    const msg = await seen;
    assert.equal(msg.from, 'alice@localhost/phone');
    assert.equal(msg.topic, 'alice@localhost');
    const answer = await reply;
    assert.equal(answer.attrs.from, `${BOT}/flows`);
    assert.equal(answer.getChildText('thread'), 't-1');
    const slix = await slixExchange('carol@localhost/slix', 'carol-pw', ejabberd.peerPort, `${BOT}/flows`, 'from slixmpp');
    assert.equal(slix.code, 0, 'slixmpp got an answer');
    assert.deepEqual(slix.messages.map((m) => [m.from, m.body]), [[`${BOT}/flows`, 'echo: from slixmpp']]);
  });

  it('presence and the gate: a slixmpp contact approves, goes dnd (held), comes back (released)', async () => {
    const dj = await SlixPresence.start('dj@localhost', 'dj-pw', ejabberd.peerPort);
    try {
      await load(
        [
          { id: 'gate', type: 'presence-gate', z: 'f1', server: 'cfg', to: 'dj@localhost', mode: 'hold', blockDnd: true, blockAway: false, blockXa: false, holdCount: '100', holdAge: '3600', store: '', wires: [['present', 'out'], ['absent']] },
          { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: 'dj@localhost', msgType: 'chat', subject: '', wires: [] },
          { id: 'present', type: 'helper', z: 'f1' },
          { id: 'absent', type: 'helper', z: 'f1' },
        ],
        'gate',
      );
      const connection = getNode('cfg') as unknown as XmppConnection;
      const botSees = (show: string): Promise<unknown> =>
        eventually(() => clientOf(connection).contacts.presenceOf('dj@localhost'), (p) => p.available && p.best?.show === show, 15_000, `the bot to see dj ${show}`);
      // First contact: not subscribed yet; the gate asks, slixmpp approves, dj is there.
      const first = nextAt('absent');
      getNode('gate').receive({ payload: 'first' });
      assert.equal(((await first).gate as { reason: string }).reason, 'not-subscribed');
      await botSees('available');
      const passed = nextAt('present', (m) => m.payload === 'now');
      getNode('gate').receive({ payload: 'now' });
      await passed;
      await dj.waitFor((e) => e.event === 'message' && e.body === 'now', 10_000, 'the passed message at dj');
      await dj.command('dnd');
      await botSees('dnd');
      const held = nextAt('absent', (m) => m.payload === 'later');
      getNode('gate').receive({ payload: 'later' });
      assert.deepEqual((await held).gate, { reason: 'dnd', recipient: 'dj@localhost', held: true });
      await dj.command('available');
      await dj.waitFor((e) => e.event === 'message' && e.body === 'later', 10_000, 'the held message, released');
    } finally {
      await dj.stop();
    }
  });

  it('a room: joins, hears an occupant, speaks to the room', async () => {
    const room = 'lobby@conference.localhost';
    const peer = await connectAlice();
    // Alice creates the room and accepts the default configuration (ejabberd locks a new room until then).
    const created = peer.nextPresence((p) => p.attrs.from === `${room}/alice`);
    await peer.sendRaw(peer.xml('presence', { to: `${room}/alice` }, peer.xml('x', { xmlns: NS_MUC })));
    await created;
    const configured = waitFor(peer, 'iq', (iq: XmlElement) => (iq.attrs.id === 'cfg1' ? iq : undefined), 5000, 'the room configured');
    await peer.sendRaw(peer.xml('iq', { to: room, type: 'set', id: 'cfg1' }, peer.xml('query', { xmlns: NS_MUC_OWNER }, peer.xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    assert.equal((await configured).attrs.type, 'result');
    const botEnters = peer.nextPresence((p) => p.attrs.from === `${room}/bot` && p.attrs.type === undefined);
    await load(
      [
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, room, nick: 'bot', history: 0, wires: [['sink']] },
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', room, nick: 'bot', wires: [] },
        { id: 'sink', type: 'helper', z: 'f1' },
      ],
      'in',
    );
    await eventually(() => lastStatus('in')?.text, (text) => text === 'xmpp-in.status.joined', 15_000, 'in the room');
    await botEnters;
    const fromAlice = nextAt('sink');
    await peer.send(room, 'hello bot', { type: 'groupchat' });
    const msg = await fromAlice;
    assert.equal(msg.payload, 'hello bot');
    assert.equal(msg.from, `${room}/alice`);
    const heard = peer.nextMessage((m) => m.attrs.from === `${room}/bot`);
    getNode('out').receive({ payload: 'hello room' });
    const said = await heard;
    assert.equal(said.attrs.type, 'groupchat');
    assert.equal(said.getChildText('body'), 'hello room');
  });

  it('disco: the server, its MUC service, and a missing entity', async () => {
    await load(
      [
        { id: 'dq', type: 'disco-query', z: 'f1', server: 'cfg', mode: 'query', query: 'info', node: '', depth: '1', timeout: '10', to: '', wires: [['answers']] },
        { id: 'answers', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: ['dq'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
      ],
      'dq',
    );
    const ask = async (to: string): Promise<{ identities: Array<{ category: string; type: string }>; features: string[] }> => {
      const got = nextAt('answers');
      getNode('dq').receive({ to });
      return (await got).payload as { identities: Array<{ category: string; type: string }>; features: string[] };
    };
    const server = await ask('localhost');
    assert.ok(server.identities.some((i) => i.category === 'server' && i.type === 'im'), JSON.stringify(server.identities));
    assert.ok(server.features.includes('urn:xmpp:ping'));
    const muc = await ask('conference.localhost');
    assert.ok(muc.identities.some((i) => i.category === 'conference'));
    assert.ok(muc.features.includes(NS_MUC));
    const caught = nextAt('caught');
    getNode('dq').receive({ to: 'nobody@localhost/gone' });
    // The server answers for an absent resource with a stanza error, named in the code.
    const code = ((await caught).error as { code?: string }).code ?? '';
    assert.ok(['service-unavailable', 'item-not-found', 'recipient-unavailable'].includes(code), code);
  });

  it('RPC both ways with slixmpp: the flow calls it, it calls the flow', async () => {
    const slix = await SlixRpc.start('rpc@localhost', 'rpc-pw', ejabberd.peerPort);
    try {
      await load(
        [
          // (No node id equal to a property value such as 'call': Node-RED would take it for a config node reference.)
          { id: 'rpcCall', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'call', to: '', method: '', timeout: '10', faultOutput: false, nil: true, wires: [['results']] },
          { id: 'rpcServe', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'serve', methods: 'double', callers: 'localhost', timeout: '5', wires: [['twice']] },
          { id: 'twice', type: 'function', z: 'f1', func: 'msg.payload = msg.payload[0] * 2; return msg;', outputs: 1, wires: [['rpcReply']] },
          { id: 'rpcReply', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'reply', wires: [] },
          { id: 'results', type: 'helper', z: 'f1' },
        ],
        'rpcCall',
        [functionNode],
      );
      const result = nextAt('results');
      getNode('rpcCall').receive({ to: slix.jid, method: 'echo', payload: [{ city: 'Nantes', n: 3 }] });
      assert.deepEqual((await result).payload, { city: 'Nantes', n: 3 });
      const answer = await slix.call(`${BOT}/flows`, 'double', [21]);
      assert.deepEqual(answer.event === 'result' && answer.value, 42);
    } finally {
      await slix.stop();
    }
  });

  it('over WebSocket (wss://, pinned certificate): logs in, messages both ways', async () => {
    const client = coreClient({ jid: { local: 'bot', domain: 'localhost', resource: 'ws' }, security: 'starttls', websocket: { url: `wss://localhost:${ejabberd.httpPort}/ws` }, trust: { mode: 'pin', pin: ejabberd.fingerprint256 } });
    const events = new EventEmitter();
    client.onStatus((s) => events.emit('status', s));
    try {
      const online = waitFor(events, 'status', (s: SessionStatus) => (s.state === 'online' || s.state === 'failed' ? s : undefined), 15_000, 'online');
      client.start();
      const status = await online;
      assert.equal(status.state, 'online', JSON.stringify(status));
      console.log(`      ejabberd over WebSocket: ${status.mechanism ?? '-'}`);
      const peer = await connectAlice();
      const got = peer.nextMessage((m) => m.getChildText('body') === 'over a WebSocket');
      await client.messages.send({ to: peer.jid, type: 'chat', body: 'over a WebSocket' });
      await got;
      const back: string[] = [];
      client.messages.onMessage((m) => back.push(m.body ?? ''));
      await peer.send(client.jid, 'and back');
      await eventually(() => back, (list) => list.includes('and back'), 5000, 'the answer over the WebSocket');
    } finally {
      await client.stop();
    }
  });

  describe('staying connected', () => {
    function watch(port: number): { client: XmppClient; statuses: SessionStatus[]; until(match: (s: SessionStatus) => boolean, what: string): Promise<SessionStatus> } {
      const client = coreClient({ jid: { local: 'bot', domain: 'localhost', resource: 'core' }, port, backoff: { initialMs: 200, maxMs: 1000, stableMs: 30_000 } });
      const statuses: SessionStatus[] = [];
      const events = new EventEmitter();
      client.onStatus((status) => {
        statuses.push(status);
        events.emit('status', status);
      });
      return { client, statuses, until: (match, what) => (match(client.status) ? Promise.resolve(client.status) : waitFor(events, 'status', (s: SessionStatus) => (match(s) ? s : undefined), 20_000, what)) };
    }

    it('stream management resumes through a cut relay: nothing lost, nothing twice, either way', async () => {
      const proxy = await TcpProxy.start(ejabberd.port);
      const bot = watch(proxy.port);
      try {
        bot.client.start();
        await bot.until((s) => s.state === 'online', 'online');
        await resumesThroughCut(bot, proxy, await connectAlice());
      } finally {
        await bot.client.stop();
        await proxy.stop();
      }
    });

    it('a server killed and started again: retries, logs in anew, and the outbox sends what waited, in order', async () => {
      const bot = watch(ejabberd.port);
      try {
        bot.client.start();
        await bot.until((s) => s.state === 'online', 'online');
        await ejabberd.kill('SIGKILL');
        await bot.until((s) => s.state === 'retrying', 'retrying');
        const queued = Array.from({ length: 5 }, (_, i) => bot.client.messages.send({ to: 'alice@localhost', type: 'chat', body: `while down ${i}` }));
        const restartedAt = Date.now();
        await ejabberd.launch();
        const mark = bot.statuses.length;
        const online = await bot.until((s) => s.state === 'online' && bot.statuses.indexOf(s) >= mark - 1, 'online again');
        console.log(`      ejabberd back → connected in ${Date.now() - restartedAt} ms (resumed: ${online.resumed})`);
        assert.equal(online.resumed, false, 'a restarted server cannot resume');
        await Promise.all(queued);
        // Alice was offline meanwhile: ejabberd keeps them for her (mod_offline) and delivers them at login.
        const peer = await Peer.connect({ port: ejabberd.peerPort, jid: 'alice@localhost', password: 'alice-pw', resource: 'later', presence: false });
        alice = peer;
        await peer.sendRaw(peer.xml('presence', {}));
        await eventually(() => bodies(peer.received).filter((b) => b.startsWith('while down')), (list) => list.length >= 5, 10_000, 'the queued messages');
        assert.deepEqual(bodies(peer.received).filter((b) => b.startsWith('while down')), Array.from({ length: 5 }, (_, i) => `while down ${i}`));
      } finally {
        await bot.client.stop();
      }
    });
  });
});
