// The presence gate: a slixmpp contact changes its presence step by step and the gate passes,
// diverts, drops or holds the flow's messages for it accordingly.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixPresence } from '../rig/slix-presence';
import { clientOf, type XmppConnection } from '../../nodes/lib/connection';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRedProcess, type FlowNode as ProcessFlowNode } from '../rig/node-red-process';

const BOT = 'gatebot@localhost';
type Msg = NodeMessage & { gate?: { reason: string; recipient: string }; error?: { message: string }; to?: string };

describe('presence-gate', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let users = 0;
  const peers: SlixPresence[] = [];
  /** Every msg that reached a helper node, by helper id. */
  let seen: Record<string, Msg[]> = {};

  async function account(prefix: string): Promise<{ jid: string; password: string }> {
    users += 1;
    const password = `${prefix}-pw`;
    return { jid: await prosody.register(`${prefix}${users}`, password), password };
  }

  async function slix(prefix: string): Promise<{ jid: string; peer: SlixPresence }> {
    const { jid, password } = await account(prefix);
    const peer = await SlixPresence.start(jid, password, prosody.port);
    peers.push(peer);
    return { jid, peer };
  }

  function gate(id: string, to: string, mode: string, wires: string[][], extra: Record<string, unknown> = {}): FlowNode {
    return { id, type: 'presence-gate', z: 'f1', server: 'cfg', to, mode, blockDnd: true, blockAway: false, blockXa: false, holdCount: '100', holdAge: '3600', store: '', wires, ...extra };
  }

  /** Loads the gates with helpers for what comes out, a Catch and a Complete node for all of them. */
  async function load(gates: FlowNode[], helpers: string[], outTo = ''): Promise<void> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab', label: 'gate' },
      configNode('cfg', `${BOT}/gate`, prosody.port),
      ...gates,
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: outTo, msgType: 'chat', subject: '', failFast: true, wires: [] },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'completer', type: 'complete', z: 'f1', scope: gates.map((g) => g.id), uncaught: false, wires: [['completed']] },
      ...[...helpers, 'caught', 'completed'].map((id) => ({ id, type: 'helper', z: 'f1' })),
    ];
    await helper.load(nodes, flow, { cfg: { password: 'bot-pw' } });
    seen = {};
    for (const id of [...helpers, 'caught', 'completed']) {
      seen[id] = [];
      getNode(id).on('input', (msg: Msg) => seen[id]?.push(msg));
    }
    await eventually(() => lastStatus(gates[0]?.id ?? ''), (s) => s?.fill === 'green', 15_000, 'connected');
  }

  const connection = (): XmppConnection => getNode('cfg') as unknown as XmppConnection;
  let counter = 0;
  /** Gives a gate a msg; returns its _msgid. */
  function feed(gateId: string, msg: Record<string, unknown> = {}): string {
    counter += 1;
    const id = `m${counter}`;
    getNode(gateId).receive({ payload: `${gateId}-${counter}`, ...msg, _msgid: id });
    return id;
  }
  const arrived = (helperId: string, msgid: string, what: string): Promise<Msg | undefined> =>
    eventually(() => seen[helperId]?.find((m) => m._msgid === msgid), Boolean, 5_000, what);

  /** Waits until the bot sees the contact's best resource with this show (or nobody online). */
  const botSees = (jid: string, show: string | 'offline'): Promise<unknown> =>
    eventually(
      () => clientOf(connection()).contacts.presenceOf(jid),
      (p) => (show === 'offline' ? !p.available : p.available && p.best?.show === show),
      10_000,
      `the bot to see ${jid} ${show}`,
    );

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('gatebot', 'bot-pw');
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) await peer.stop();
    await helper.unload();
  });

  after(async () => {
    await prosody?.stop();
    await stopServer();
  });

  it('follows a contact through available, dnd, away, unavailable and back in every mode', async () => {
    const { jid: dj, peer } = await slix('dj');
    await load(
      [
        gate('gdiv', dj, 'divert', [['present'], ['absent']]),
        gate('gaway', dj, 'divert', [['present'], ['absent']], { blockAway: true }),
        gate('gdrop', dj, 'drop', [['present']]),
        gate('ghold', dj, 'hold', [['present', 'out'], ['absent']]),
      ],
      ['present', 'absent'],
      dj,
    );
    // First contact: the gate asks for dj's presence, slixmpp approves and dj is present.
    const first = feed('gdiv');
    assert.equal((await arrived('absent', first, 'not-subscribed'))?.gate?.reason, 'not-subscribed');
    await botSees(dj, 'available');

    // available: everything passes
    for (const g of ['gdiv', 'gaway', 'gdrop', 'ghold']) await arrived('present', feed(g), `${g} passes while available`);
    assert.equal(lastStatus('gdiv')?.text, 'presence-gate.status.present');
    await peer.waitFor((e) => e.event === 'message' && e.body === `ghold-${counter}`, 5_000, 'the passed message at dj');

    // dnd: divert with reason dnd, drop completes without output, hold keeps it
    await peer.command('dnd');
    await botSees(dj, 'dnd');
    assert.deepEqual((await arrived('absent', feed('gdiv'), 'divert on dnd'))?.gate, { reason: 'dnd', recipient: dj });
    assert.equal((await arrived('absent', feed('gaway'), 'divert on dnd'))?.gate?.reason, 'dnd');
    const droppedId = feed('gdrop');
    await arrived('completed', droppedId, 'the dropped msg completes');
    assert.ok(!seen.present?.some((m) => m._msgid === droppedId), 'a dropped msg goes nowhere');
    assert.match(String(lastStatus('gdrop')?.text), /presence-gate\.status\.dropped/);
    const heldOnDnd = feed('ghold', { payload: 'held on dnd' });
    assert.deepEqual((await arrived('absent', heldOnDnd, 'the held notice'))?.gate, { reason: 'dnd', recipient: dj, held: true });
    await eventually(() => lastStatus('ghold')?.text, (t) => t === 'presence-gate.status.held', 5_000, 'held status');
    assert.ok(!seen.completed?.some((m) => m._msgid === heldOnDnd), 'a held msg is not done yet');

    // away: present by default (so the held msg goes out now), absent where away is blocked
    await peer.command('away');
    await botSees(dj, 'away');
    await arrived('present', heldOnDnd, 'the msg held on dnd released on away');
    await arrived('completed', heldOnDnd, 'the released msg is done');
    await peer.waitFor((e) => e.event === 'message' && e.body === 'held on dnd', 5_000, 'the held message at dj');
    await arrived('present', feed('gdiv'), 'away passes by default');
    assert.equal((await arrived('absent', feed('gaway'), 'divert on away'))?.gate?.reason, 'away');

    // unavailable: offline everywhere; hold keeps two, in order
    await peer.command('unavailable');
    await botSees(dj, 'offline');
    assert.deepEqual((await arrived('absent', feed('gdiv'), 'divert when offline'))?.gate, { reason: 'offline', recipient: dj });
    await arrived('completed', feed('gdrop'), 'drop when offline');
    feed('ghold', { payload: 'kept 1' });
    feed('ghold', { payload: 'kept 2' });
    await eventually(() => getNode('ghold').status.getCalls().length, () => lastStatus('ghold')?.text === 'presence-gate.status.held', 5_000, 'held status');

    // back: the held messages go out once, in order
    await peer.command('available');
    await peer.waitFor((e) => e.event === 'message' && e.body === 'kept 2', 10_000, 'the held messages at dj');
    await arrived('present', feed('gdiv'), 'present again');
    // A watch window: a second delivery would come within this time if the gate released twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bodies = peer.bodies.filter((b) => b.startsWith('kept') || b === 'held on dnd');
    assert.deepEqual(bodies, ['held on dnd', 'kept 1', 'kept 2']);
    assert.deepEqual(seen.caught, [], 'no errors');
  });

  it('asks once for the presence of a contact it does not see, and counts it absent until then', async () => {
    const { jid: ann, peer } = await slix('ann');
    await load([gate('gdiv', ann, 'divert', [['present'], ['absent']])], ['present', 'absent']);
    const a = feed('gdiv');
    const b = feed('gdiv');
    assert.equal((await arrived('absent', a, 'first msg'))?.gate?.reason, 'not-subscribed');
    assert.equal((await arrived('absent', b, 'second msg'))?.gate?.reason, 'not-subscribed');
    await peer.waitFor((e) => e.event === 'subscribe' && e.from.startsWith(BOT), 5_000, 'a subscription request from the bot');
    await botSees(ann, 'available');
    await arrived('present', feed('gdiv'), 'present once presence arrived');
    assert.equal(peer.events.filter((e) => e.event === 'subscribe' && e.from.startsWith(BOT)).length, 1, 'asked once');
  });

  it('refuses a msg without a recipient or with an invalid one', async () => {
    await load([gate('gdiv', '', 'divert', [['present'], ['absent']])], ['present', 'absent']);
    const none = feed('gdiv');
    const bad = feed('gdiv', { to: 'a@' });
    assert.match(String((await arrived('caught', none, 'no recipient'))?.error?.message), /xmpp-config\.error\.no-recipient$/);
    assert.match(String((await arrived('caught', bad, 'invalid JID'))?.error?.message), /xmpp-config\.error\.invalid-jid$/);
    assert.deepEqual([...(seen.present ?? []), ...(seen.absent ?? [])], []);
  });

  it('ends a held msg with an error when the queue is full or the msg too old', async () => {
    const away = (await account('gone')).jid; // never logs in
    await load(
      [gate('gfull', away, 'hold', [['present']], { holdCount: '2' }), gate('gold', away, 'hold', [['present']], { holdAge: '0.3' })],
      ['present'],
    );
    const kept = [feed('gfull'), feed('gfull')];
    const refused = feed('gfull');
    assert.match(String((await arrived('caught', refused, 'queue full'))?.error?.message), /presence-gate\.error\.hold-full$/);
    const old = feed('gold');
    assert.match(String((await arrived('caught', old, 'expired'))?.error?.message), /presence-gate\.error\.hold-expired$/);
    assert.ok(!seen.caught?.some((m) => kept.includes(String(m._msgid))), 'the first two are still held');
    assert.deepEqual(seen.present, []);
  });
});

describe('presence-gate across a Node-RED restart', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let red: NodeRedProcess | undefined;
  let peer: SlixPresence | undefined;
  const userDir = mkdtempSync(join(tmpdir(), 'xmpp-flows-gate-'));
  const contextStorage = { default: { module: 'localfilesystem', config: { flushInterval: 1 } } };
  const credentialSecret = 'gate-restart-secret';

  before(async () => {
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('restartbot', 'bot-pw');
  });

  after(async () => {
    await peer?.stop();
    await red?.stop();
    await prosody?.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  function flow(kim: string): ProcessFlowNode[] {
    const inject = (id: string, payload: string): ProcessFlowNode => ({
      id, type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload, payloadType: 'str', repeat: '', crontab: '', once: false, topic: '', wires: [['ghold']],
    });
    return [
      { id: 'f1', type: 'tab', label: 'gate' },
      { id: 'cfg', type: 'xmpp-config', jid: 'restartbot@localhost/gate', host: '127.0.0.1', port: String(prosody.port), security: 'none', show: '', status: '', priority: '0', credentials: { password: 'bot-pw' } },
      inject('warm', 'warm-up'),
      inject('keep', 'kept over the restart'),
      { id: 'ghold', type: 'presence-gate', z: 'f1', server: 'cfg', to: kim, mode: 'hold', blockDnd: true, blockAway: false, blockXa: false, holdCount: '100', holdAge: '3600', store: '', wires: [['out']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: kim, msgType: 'chat', subject: '', failFast: true, wires: [] },
      // The bot's view of kim's presence, in Node-RED's log.
      { id: 'watch', type: 'xmpp-in', z: 'f1', server: 'cfg', from: kim, msgType: 'any', bodiless: false, presence: true, wires: [[], ['log']] },
      { id: 'log', type: 'debug', z: 'f1', active: true, tosidebar: false, console: true, tostatus: false, complete: 'xmpp.type', targetType: 'msg', wires: [] },
    ];
  }

  const inject = async (id: string): Promise<void> => {
    const response = await red?.fetch(`/inject/${id}`, { method: 'POST' });
    assert.equal(response?.status, 200, `inject ${id}`);
  };
  const heldInContext = async (): Promise<number> => {
    const response = await red?.get('/context/node/ghold?store=default');
    const body = (await response?.json()) as Record<string, Record<string, { msg?: string }>>;
    // One key per recipient ('held:<bare JID, encoded>'), each the list of its held messages.
    return Object.entries(body.default ?? {})
      .filter(([key]) => key.startsWith('held:'))
      .reduce((n, [, value]) => n + (JSON.parse(value.msg ?? '[]') as unknown[]).length, 0);
  };

  it('delivers a held message exactly once after Node-RED restarts with a persistent context store', async () => {
    const kim = await prosody.register('kim', 'kim-pw');
    peer = await SlixPresence.start(kim, 'kim-pw', prosody.port);
    red = await NodeRedProcess.start({ userDir, contextStorage, credentialSecret, logLevel: 'info' });
    await red.deploy(flow(kim));

    // Warm-up: the gate asks for kim's presence, holds the msg until it arrives, then sends it.
    // The deploy answers before the flow has started: until then the inject endpoint says 404.
    await eventually(async () => (await red?.fetch('/inject/warm', { method: 'POST' }))?.status, (s) => s === 200, 15_000, 'the flow to run');
    await peer.waitFor((e) => e.event === 'message' && e.body === 'warm-up', 15_000, 'the warm-up message');

    // kim goes away entirely; once the bot has seen it, a msg for kim is held.
    const logged = red.log().length;
    await peer.command('unavailable');
    // The type, not payload.available: a 'subscribed' notice also says available: false.
    await red.waitForLog(/\[debug:[^\]]*\][^\n]*\n?[^\n]*unavailable/, 10_000, logged);
    await inject('keep');
    await eventually(heldInContext, (n) => n === 1, 5_000, 'one held msg in the context');

    // A clean stop flushes the context store; the same userDir starts again.
    await red.stop();
    red = await NodeRedProcess.start({ userDir, contextStorage, credentialSecret, logLevel: 'info' });
    assert.equal(await heldInContext(), 1, 'still held after the restart');

    await peer.command('available');
    await peer.waitFor((e) => e.event === 'message' && e.body === 'kept over the restart', 15_000, 'the held message after the restart');
    await eventually(heldInContext, (n) => n === 0, 5_000, 'nothing held any more');
    // A watch window: a second delivery of the same msg would arrive within this time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(peer.bodies, ['warm-up', 'kept over the restart']);
  });
});

describe('presence-gate: messages held by an earlier version', function () {
  this.timeout(90_000);
  let prosody: Prosody;
  let red: NodeRedProcess | undefined;
  let peer: SlixPresence | undefined;
  const userDir = mkdtempSync(join(tmpdir(), 'xmpp-flows-gate-legacy-'));
  const contextStorage = { default: { module: 'localfilesystem', config: { flushInterval: 1 } } };
  const credentialSecret = 'gate-legacy-secret';

  before(async () => {
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('legacybot', 'bot-pw');
  });

  after(async () => {
    await peer?.stop();
    await red?.stop();
    await prosody?.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  function flow(lee: string): ProcessFlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'gate' },
      { id: 'cfg', type: 'xmpp-config', jid: 'legacybot@localhost/gate', host: '127.0.0.1', port: String(prosody.port), security: 'none', show: '', status: '', priority: '0', credentials: { password: 'bot-pw' } },
      { id: 'ghold', type: 'presence-gate', z: 'f1', server: 'cfg', to: lee, mode: 'hold', blockDnd: true, blockAway: false, blockXa: false, holdCount: '100', holdAge: '3600', store: '', wires: [['out']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: lee, msgType: 'chat', subject: '', failFast: true, wires: [] },
    ];
  }

  /** The gate's node context as the admin API shows it: key → the value's JSON text. */
  const gateContext = async (): Promise<Record<string, string>> => {
    const response = await red?.get('/context/node/ghold?store=default');
    const body = (await response?.json()) as Record<string, Record<string, { msg?: string }>>;
    return Object.fromEntries(Object.entries(body.default ?? {}).map(([key, value]) => [key, value.msg ?? '']));
  };

  it('reads the single key of an earlier version once, keeps only the kept properties, and delivers after the restart', async () => {
    const lee = await prosody.register('lee', 'lee-pw'); // logs in only at the end
    red = await NodeRedProcess.start({ userDir, contextStorage, credentialSecret, logLevel: 'info' });
    const logged = red.log().length;
    await red.deploy(flow(lee));
    await red.waitForLog(/Started flows/, 15_000, logged);
    await red.stop();

    // What an earlier version left in the file store: every held msg whole, under one key.
    const secret = 'k-old-0123456789';
    const earlier = { held: { [lee]: [{ msg: { _msgid: 'old-1', payload: 'held by an earlier version', to: lee, apiKey: secret, req: { headers: { cookie: secret } } }, at: Date.now() }] } };
    mkdirSync(join(userDir, 'context', 'f1'), { recursive: true });
    writeFileSync(join(userDir, 'context', 'f1', 'ghold.json'), JSON.stringify(earlier));

    red = await NodeRedProcess.start({ userDir, contextStorage, credentialSecret, logLevel: 'info' });
    const migrated = await eventually(gateContext, (context) => Object.keys(context).some((key) => key.startsWith('held:')), 10_000, 'the held msg in the new form');
    assert.ok(!('held' in migrated), 'the single key is gone');
    const [list] = Object.entries(migrated).filter(([key]) => key.startsWith('held:')).map(([, value]) => JSON.parse(value) as Array<{ msg: Record<string, unknown> }>);
    assert.deepEqual(list?.map((entry) => entry.msg), [{ _msgid: 'old-1', payload: 'held by an earlier version', to: lee }]);
    assert.ok(!JSON.stringify(migrated).includes(secret), 'the secret is not in the context any more');

    // lee logs in: the gate's request waits on the server, slixmpp approves it, lee is present.
    peer = await SlixPresence.start(lee, 'lee-pw', prosody.port);
    await peer.waitFor((e) => e.event === 'message' && e.body === 'held by an earlier version', 20_000, 'the held message');
    await eventually(gateContext, (context) => !Object.keys(context).some((key) => key.startsWith('held')), 10_000, 'nothing held any more');
    // A watch window: a second delivery would arrive within this time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(peer.bodies, ['held by an earlier version']);
    // A clean stop flushes the file store.
    await red.stop();
    red = undefined;
    const file = readFileSync(join(userDir, 'context', 'f1', 'ghold.json'), 'utf8');
    assert.ok(!file.includes(secret), 'nor in the file');
  });
});
