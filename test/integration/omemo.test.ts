// OMEMO in the real Node-RED runtime against a real Prosody with PEP and python-omemo over slixmpp
// (test/rig/slix-omemo.py), an implementation we did not write: for OMEMO 0.3 and 2 a message from
// the flow is decrypted by the peer and one from the peer reaches the flow decrypted; the peer's
// second device gets the flow's messages too; a restart keeps our device and sessions; after one
// of the peer's fingerprints is verified its new device is not trusted; a tampered message is
// refused and the connection stays up; 1,000 messages each way arrive in order.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeMessage } from 'node-red';
import { OmemoPeer, type OmemoVersion } from '../rig/omemo-peer';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, deploy, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-omemo-pw';
const PEER_PASSWORD = 'alice-omemo-pw';
const VERSIONS: OmemoVersion[] = ['0.3', '2'];

type Got = NodeMessage & { payload: string; from: string; xmpp: { encryption?: { protocol: string; device: number; trusted: boolean; fingerprint: string } } };
type Caught = NodeMessage & { error: { code?: string; message: string } };

describe('OMEMO in flows, with python-omemo as the contact', function () {
  this.timeout(120_000);
  let prosody: Prosody;
  let userDir: string;
  let peerStores: string;
  let alice: OmemoPeer;
  const extraPeers: OmemoPeer[] = [];
  const got: Got[] = [];
  const trustedOnly: Got[] = [];
  const caught: Caught[] = [];
  const done: NodeMessage[] = [];

  function flow(config: Record<string, string | boolean>): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'omemo' },
      { ...configNode('cfg', 'bot@localhost/flows', prosody.port), omemo: true, subscriptions: 'everyone', ...config },
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['got']] },
      { id: 'in-trusted', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, trustedOnly: true, wires: [['trusted']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: 'alice@localhost', msgType: 'chat', subject: '', failFast: false, encryption: 'required', wires: [] },
      { id: 'catch-out', type: 'catch', z: 'f1', scope: ['out'], uncaught: false, wires: [['caught']] },
      { id: 'complete-out', type: 'complete', z: 'f1', scope: ['out'], uncaught: false, wires: [['done']] },
      { id: 'got', type: 'helper', z: 'f1' },
      { id: 'trusted', type: 'helper', z: 'f1' },
      { id: 'caught', type: 'helper', z: 'f1' },
      { id: 'done', type: 'helper', z: 'f1' },
    ];
  }

  async function load(config: Record<string, string | boolean> = {}): Promise<void> {
    await deploy(flow(config), 'full', { cfg: { password: PASSWORD } });
    await listen();
  }

  /** The helper nodes of the flow as it runs now (a restart makes new ones). */
  async function listen(): Promise<void> {
    getNode('got').on('input', (msg: NodeMessage) => got.push(msg as Got));
    getNode('trusted').on('input', (msg: NodeMessage) => trustedOnly.push(msg as Got));
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
    getNode('done').on('input', (msg: NodeMessage) => done.push(msg));
    await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'connected');
  }

  /** Sends through the flow's xmpp-out; resolves when done() came, rejects with the caught error. */
  async function send(payload: string | Buffer, extra: Record<string, unknown> = {}): Promise<void> {
    const id = `m${Math.random().toString(36).slice(2)}`;
    getNode('out').receive({ _msgid: id, payload, ...extra } as NodeMessage);
    await eventually(() => done.some((m) => m._msgid === id) || caught.some((m) => m._msgid === id), Boolean, 20_000, `done or caught for ${payload}`);
    const failure = caught.find((m) => m._msgid === id);
    if (failure) throw Object.assign(new Error(failure.error.message), { code: failure.error.code });
  }

  async function ourFingerprint(): Promise<string> {
    const config = getNode('cfg') as unknown as { client: { omemo: { fingerprints(): Promise<{ version: string; fingerprint: string }[]> } } };
    return (await config.client.omemo.fingerprints()).find((f) => f.version === '2')?.fingerprint ?? '';
  }

  async function ourDevice(): Promise<number> {
    const config = getNode('cfg') as unknown as { client: { omemo: { fingerprints(): Promise<{ device: number; version: string; fingerprint: string }[]> } } };
    return (await config.client.omemo.fingerprints())[0]?.device ?? -1;
  }

  const startPeer = (resource: string, store: string): Promise<OmemoPeer> =>
    OmemoPeer.start({ port: prosody.port, jid: `alice@localhost/${resource}`, password: PEER_PASSWORD, storeDir: join(peerStores, store) });

  before(async function () {
    this.timeout(120_000);
    await startServer();
    prosody = await Prosody.start({ pep: true, iterations: 100, offline: true });
    await prosody.register('bot', PASSWORD);
    await prosody.register('alice', PEER_PASSWORD);
    userDir = mkdtempSync(join(tmpdir(), 'xmpp-flows-omemo-red-'));
    peerStores = mkdtempSync(join(tmpdir(), 'xmpp-flows-omemo-peer-'));
    helper.settings({ userDir, logging: { console: { level: 'off' } } });
    // The helper registers catch and complete once per load; a first flow with one of each does that.
    await helper.load(nodes, [{ id: 't0', type: 'tab' }, { id: 'c0', type: 'catch', z: 't0', scope: null, wires: [] }, { id: 'd0', type: 'complete', z: 't0', scope: [], wires: [] }], {});
    alice = await startPeer('one', 'one');
    await load();
    // Contacts both ways, so the server tells the bot when alice's device lists change (+notify in our caps).
    getNode('out').receive({ subscription: 'subscribe', to: 'alice@localhost' } as unknown as NodeMessage);
    await eventually(() => ((getNode('cfg') as unknown as { client: { contacts: { rosterItem(j: string): { subscription: string } | null } } }).client.contacts.rosterItem('alice@localhost')?.subscription), (s) => s === 'both', 15_000, 'a mutual subscription');
  });

  after(async () => {
    await helper.unload();
    await Promise.all([alice?.stop(), ...extraPeers.map((p) => p.stop())]);
    await prosody?.stop();
    await stopServer();
    rmSync(userDir, { recursive: true, force: true });
    rmSync(peerStores, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const list of [got, trustedOnly, caught, done] as NodeMessage[][]) list.length = 0;
  });

  it('our device is published in both versions, the peer can fetch it, and its keys are in a 0600 file of a 0700 folder', async () => {
    const device = await ourDevice();
    const seen = await alice.refresh('bot@localhost');
    assert.deepEqual(seen.remote, { '0.3': [device], '2': [device] });
    assert.deepEqual(seen.devices, { '0.3': [device], '2': [device] });
    // What the editor shows is what python-omemo (and the clients built on it) shows for our device.
    assert.equal(seen.details[0]?.fingerprint, (await ourFingerprint()).replace(/ /g, ''));
    const folder = join(userDir, 'xmpp-flows-omemo');
    assert.deepEqual(readdirSync(folder), ['bot@localhost.json']);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(statSync(join(folder, 'bot@localhost.json')).mode & 0o777, 0o600);
  });

  for (const version of VERSIONS) {
    it(`OMEMO ${version}: the flow's message is decrypted by the peer, and the peer's reaches the flow decrypted and trusted`, async () => {
      await load({ omemoVersions: version });
      const device = await ourDevice();
      let mark = alice.mark();
      await send(`door open (${version})`);
      const read = await alice.message((m) => m.body === `door open (${version})`, 15_000, mark);
      assert.equal(read.protocol, version);
      assert.equal(read.device, device);
      assert.equal(read.from.split('/')[0], 'bot@localhost');
      if (version === '2') assert.equal(read.sce?.from, 'bot@localhost', 'the envelope names us');
      mark = alice.mark();
      await alice.send('bot@localhost', `close it (${version})`, version);
      const msg = await eventually(() => got.find((m) => m.payload === `close it (${version})`), Boolean, 15_000, 'the flow hears');
      assert.equal(msg?.xmpp.encryption?.protocol, version);
      assert.equal(msg?.xmpp.encryption?.device, alice.device);
      assert.equal(msg?.xmpp.encryption?.trusted, true);
      assert.ok(trustedOnly.some((m) => m.payload === `close it (${version})`), 'trusted: it passes the trusted-only node too');
    });
  }

  it('a plain message reaches the ordinary xmpp-in, not the one that takes only trusted encrypted messages', async () => {
    await alice.sendPlain('bot@localhost', 'in clear');
    await eventually(() => got.find((m) => m.payload === 'in clear'), Boolean, 10_000, 'the plain message');
    await alice.send('bot@localhost', 'a marker after it', '2');
    await eventually(() => trustedOnly.find((m) => m.payload === 'a marker after it'), Boolean, 10_000, 'the marker');
    assert.ok(!trustedOnly.some((m) => m.payload === 'in clear'));
  });

  it('a second device of the peer receives the flow\'s messages too', async () => {
    const two = await startPeer('two', 'two');
    extraPeers.push(two);
    // The server tells us of alice's new list (we are contacts); the next send includes the new device.
    await eventually(async () => {
      const mark = two.mark();
      await send(`to both devices ${mark}`);
      return two.events.slice(mark).some((e) => e.event === 'message' && e.body === `to both devices ${mark}`);
    }, Boolean, 20_000, 'the second device to get a message');
    const mark = alice.mark();
    await send('and the first one still');
    await alice.message((m) => m.body === 'and the first one still', 10_000, mark);
  });

  it('a restart of the flows keeps our device and sessions: the peer sees no new device of ours', async () => {
    const before = await ourDevice();
    await helper._redNodes.stopFlows();
    await helper._redNodes.startFlows();
    await listen();
    assert.equal(await ourDevice(), before);
    const seen = await alice.refresh('bot@localhost');
    assert.deepEqual(seen.remote, { '0.3': [before], '2': [before] });
    const mark = alice.mark();
    await send('after the restart');
    const read = await alice.message((m) => m.body === 'after the restart', 10_000, mark);
    assert.equal(read.device, before);
    await alice.send('bot@localhost', 'and back after the restart', '2');
    await eventually(() => got.find((m) => m.payload === 'and back after the restart'), Boolean, 10_000, 'the answer');
  });

  it('a tampered message is refused with a warning, and the next one arrives: the connection stays up', async () => {
    for (const version of VERSIONS) {
      await alice.send('bot@localhost', `tampered ${version}`, version, { tamper: true });
      await alice.send('bot@localhost', `intact ${version}`, version);
      await eventually(() => got.find((m) => m.payload === `intact ${version}`), Boolean, 10_000, `the intact ${version} message`);
      assert.ok(!got.some((m) => m.payload === `tampered ${version}`));
    }
    const warnings = getNode('cfg').warn.getCalls().map((c) => String(c.args[0]));
    assert.ok(warnings.some((w) => /omemo\.notice\.tampered|integrity check/.test(w)), `a warning names it (${warnings.join(' | ')})`);
    assert.equal(lastStatus('out')?.fill, 'green');
  });

  it('1,000 messages each way decrypt, in order', async function () {
    // python-omemo takes most of this (25–60 s per direction here, with the machine shared); our side does 1,000 in 2 s.
    this.timeout(300_000);
    const count = 1000;
    let mark = alice.mark();
    for (let i = 0; i < count; i++) getNode('out').receive({ _msgid: `bulk${i}`, payload: `out ${i}` } as NodeMessage);
    await eventually(() => alice.events.slice(mark).filter((e) => e.event === 'message' && e.body?.startsWith('out ')).length, (n) => n >= count, 200_000, '1,000 messages at the peer');
    const outBodies = alice.events.slice(mark).flatMap((e) => (e.event === 'message' && e.from.startsWith('bot@') && e.body?.startsWith('out ') ? [e.body] : []));
    assert.deepEqual(outBodies, Array.from({ length: count }, (_, i) => `out ${i}`));
    assert.equal(caught.length, 0);
    mark = got.length;
    for (let i = 0; i < count; i++) await alice.send('bot@localhost', `in ${i}`, i % 2 === 0 ? '2' : '0.3');
    await eventually(() => got.length - mark, (n) => n >= count, 200_000, '1,000 messages in the flow');
    assert.deepEqual(got.slice(mark).map((m) => m.payload), Array.from({ length: count }, (_, i) => `in ${i}`));
  });

  it('blind trust before verification: once the first device is verified, a new device of the peer is not trusted and gets nothing', async () => {
    const verifiedFingerprint = alice.fingerprint;
    await load({ omemoVerified: `alice@localhost ${verifiedFingerprint}` });
    const three = await startPeer('three', 'three');
    extraPeers.push(three);
    // A message from the new device reaches the ordinary node marked untrusted, and not the trusted-only one.
    await three.refresh('bot@localhost');
    await three.send('bot@localhost', 'from the new device', '2');
    const msg = await eventually(() => got.find((m) => m.payload === 'from the new device'), Boolean, 10_000, 'the new device\'s message');
    assert.equal(msg?.xmpp.encryption?.trusted, false);
    await alice.send('bot@localhost', 'from the verified device', '2');
    await eventually(() => trustedOnly.find((m) => m.payload === 'from the verified device'), Boolean, 10_000, 'the verified device\'s message');
    assert.ok(!trustedOnly.some((m) => m.payload === 'from the new device'));
    // The flow writes only to the verified device.
    const [markOne, markThree] = [alice.mark(), three.mark()];
    await send('for verified eyes');
    await alice.message((m) => m.body === 'for verified eyes', 10_000, markOne);
    assert.ok(!three.events.slice(markThree).some((e) => e.event === 'message' && e.body === 'for verified eyes'));
  });

  it('required: a contact without OMEMO gets nothing, and the Catch node gets no-devices', async () => {
    await prosody.register('plain', 'plain-pw');
    await assert.rejects(send('secret', { to: 'plain@localhost' }), (e: Error & { code?: string }) => e.code === 'no-devices');
    await assert.rejects(send(Buffer.from('x'), { filename: 'x.txt' }), (e: Error & { code?: string }) => e.code === 'encrypted-files-unsupported');
  });
});
