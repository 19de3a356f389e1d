// The OMEMO test peer on its own: two python-omemo peers (slix-omemo.py) of different accounts on the
// test Prosody with PEP. For OMEMO 0.3 and 2 a message each way decrypts, a second device of an account
// receives too, a restarted peer keeps its device, and a tampered ciphertext is reported undecryptable.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmemoCommandError, OmemoPeer, type OmemoTrustMode, type OmemoVersion } from '../rig/omemo-peer';
import { Prosody } from '../rig/prosody';

const PASSWORD = 'omemo-pw';
const VERSIONS: OmemoVersion[] = ['0.3', '2'];

describe('OMEMO test peer (python-omemo over slixmpp)', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let stores: string;
  let alice: OmemoPeer;
  let bob: OmemoPeer;
  let bob2: OmemoPeer | undefined;

  const start = (jid: string, store: string, trust: OmemoTrustMode = 'all'): Promise<OmemoPeer> => OmemoPeer.start({ port: prosody.port, jid, password: PASSWORD, storeDir: join(stores, store), trust });

  before(async () => {
    prosody = await Prosody.start({ pep: true, iterations: 100 });
    await prosody.register('alice', PASSWORD);
    await prosody.register('bob', PASSWORD);
    stores = mkdtempSync(join(tmpdir(), 'xmpp-flows-omemo-'));
    [alice, bob] = await Promise.all([start('alice@localhost/one', 'alice'), start('bob@localhost/one', 'bob')]);
  });

  after(async () => {
    await Promise.all([alice?.stop(), bob?.stop(), bob2?.stop()]);
    await prosody?.stop();
    rmSync(stores, { recursive: true, force: true });
  });

  it('publishes its device in the device lists of both versions', async () => {
    const seen = await alice.refresh('bob@localhost');
    assert.deepEqual(seen.remote, { '0.3': [bob.device], '2': [bob.device] });
    assert.deepEqual(seen.devices, { '0.3': [bob.device], '2': [bob.device] });
    assert.equal(seen.details[0]?.fingerprint, bob.fingerprint);
    assert.match(bob.fingerprint, /^[0-9a-f]{64}$/);
  });

  for (const version of VERSIONS) {
    it(`OMEMO ${version}: a message each way decrypts`, async () => {
      let mark = bob.mark();
      const sent = await alice.send('bob@localhost', `hello bob, ${version}`, version);
      assert.deepEqual(sent.errors, []);
      assert.ok(sent.recipients?.some(([jid, device]) => jid === 'bob@localhost' || device === bob.device));
      const got = await bob.message((m) => m.body === `hello bob, ${version}`, 10_000, mark);
      assert.equal(got.protocol, version);
      assert.equal(got.device, alice.device);
      assert.equal(got.from, 'alice@localhost/one');
      assert.equal(got.trust, 'blind');
      if (version === '2') assert.deepEqual(got.sce, { to: 'bob@localhost', from: 'alice@localhost', affixes: ['from', 'rpad', 'time', 'to'] });
      else assert.equal(got.sce, null);

      mark = alice.mark();
      await bob.send('alice@localhost', `hello alice, ${version}`, version);
      const back = await alice.message((m) => m.body === `hello alice, ${version}`, 10_000, mark);
      assert.equal(back.protocol, version);
      assert.equal(back.device, bob.device);
    });
  }

  it('a second device of an account is announced and receives too', async () => {
    const [mark, own] = [alice.mark(), bob.mark()];
    // This one decides on no key by itself: what it reads is undecided, and it encrypts for no one undecided.
    bob2 = await start('bob@localhost/two', 'bob2', 'manual');
    assert.notEqual(bob2.device, bob.device);
    // Alice subscribed to bob's lists when she first wrote: the new list reaches her unasked.
    await alice.waitFor((e) => e.event === 'devices' && e.tag === null && e.jid === 'bob@localhost' && e.devices['2'].includes(bob2?.device ?? -1), 10_000, "bob's new device list", mark);
    // Bob's first device hears of it through +notify in its caps (Prosody's PEP for the own account).
    await bob.waitFor((e) => e.event === 'devices' && e.tag === null && e.jid === 'bob@localhost' && e.devices['0.3'].includes(bob2?.device ?? -1), 10_000, 'its own new device list', own);
    for (const version of VERSIONS) {
      const [one, two] = [bob.mark(), bob2.mark()];
      const sent = await alice.send('bob@localhost', `to both, ${version}`, version);
      assert.deepEqual(sent.errors, []);
      await bob.message((m) => m.body === `to both, ${version}`, 10_000, one);
      const got = await bob2.message((m) => m.body === `to both, ${version}`, 10_000, two);
      assert.equal(got.protocol, version);
      assert.equal(got.trust, 'undecided');
    }
    await assert.rejects(bob2.send('alice@localhost', 'undecided', '2'), (e: unknown) => e instanceof OmemoCommandError && e.reason === 'StillUndecided');
    // Its own account's other device is a recipient too, so both need a decision.
    await bob2.trust('alice@localhost', { device: alice.device }, true);
    await bob2.trust('bob@localhost', { device: bob.device }, true);
    const toAlice = alice.mark();
    const sent = await bob2.send('alice@localhost', 'decided', '2');
    assert.deepEqual(sent.recipients?.map(([jid]) => jid).sort(), ['alice@localhost', 'bob@localhost']);
    assert.equal((await alice.message((m) => m.body === 'decided', 10_000, toAlice)).device, bob2.device);
  });

  it('a restarted peer with the same storage is the same device', async () => {
    const before = bob.device;
    await bob.stop();
    bob = await start('bob@localhost/one', 'bob');
    assert.equal(bob.device, before);
    const seen = await alice.refresh('bob@localhost');
    const both = [before, bob2?.device ?? -1].sort((a, b) => a - b);
    assert.deepEqual(seen.remote, { '0.3': both, '2': both });
    for (const version of VERSIONS) {
      // The sessions survived too: no new key exchange is needed to read this.
      const mark = bob.mark();
      await alice.send('bob@localhost', `after restart, ${version}`, version);
      await bob.message((m) => m.body === `after restart, ${version}`, 10_000, mark);
    }
  });

  it('trust commands: a distrusted sender is refused, a trusted one reads as trusted; plain messages pass as plain', async () => {
    let mark = bob.mark();
    assert.deepEqual(await bob.trust('alice@localhost', { device: alice.device }, false), [alice.device]);
    await alice.send('bob@localhost', 'from a distrusted key', '2');
    const refused = await bob.undecryptable(() => true, 10_000, mark);
    assert.equal(refused.reason, 'SenderDistrusted');

    mark = bob.mark();
    assert.deepEqual(await bob.trust('alice@localhost', { fingerprint: alice.fingerprint }, true), [alice.device]);
    await alice.send('bob@localhost', 'from a verified key', '0.3');
    assert.equal((await bob.message((m) => m.body === 'from a verified key', 10_000, mark)).trust, 'trusted');

    mark = bob.mark();
    await alice.sendPlain('bob@localhost', 'in the clear');
    await bob.waitFor((e) => e.event === 'plain' && e.body === 'in the clear' && e.from === 'alice@localhost/one', 10_000, 'the plain message', mark);
  });

  for (const version of VERSIONS) {
    it(`OMEMO ${version}: a tampered ciphertext is reported undecryptable, and the next message still decrypts`, async () => {
      const mark = bob.mark();
      await alice.send('bob@localhost', `tampered, ${version}`, version, { tamper: true });
      const bad = await bob.undecryptable((e) => e.protocol === version, 10_000, mark);
      assert.equal(bad.from, 'alice@localhost/one');
      assert.equal(bad.device, alice.device);
      assert.equal(bad.reason, 'DecryptionFailed');
      assert.ok(!bob.events.slice(mark).some((e) => e.event === 'message'), 'a tampered message must not decrypt');
      await alice.send('bob@localhost', `intact, ${version}`, version);
      await bob.message((m) => m.body === `intact, ${version}`, 10_000, mark);
    });
  }
});
