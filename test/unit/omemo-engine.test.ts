import { strict as assert } from 'node:assert';
import { refusal, str, text } from './omemo-test-helpers';
import { omemoEngineFactory } from '../../nodes/core/omemo/crypto/engine-factory';
import { ed25519PublicToX25519 } from '../../nodes/core/omemo/crypto/key-conversion';
import { MAX_SKIP_PER_MESSAGE, MAX_SKIPPED_STORED } from '../../nodes/core/omemo/crypto/double-ratchet';
import { EncryptedElement, OmemoEngine, OmemoVersion, PublicBundle } from '../../nodes/core/omemo/engine';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';

interface SessionsJson {
  sessions: { session: { ratchet: { skipped: unknown[] } } }[];
}

for (const version of ['0.3', '2'] as OmemoVersion[]) {
  describe(`OMEMO ${version} engine, two of our own devices`, function () {
    this.timeout(30_000);
    let alice: { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> };
    let bob: { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> };
    const a = () => alice.engines[version];
    const b = () => bob.engines[version];
    const toBob = () => [{ jid: BOB, device: bob.deviceId }];
    const toAlice = () => [{ jid: ALICE, device: alice.deviceId }];
    const stateOf = (device: typeof alice) => JSON.stringify(omemoEngineFactory.snapshotDevice(device.engines));

    beforeEach(() => {
      alice = omemoEngineFactory.createDevice();
      bob = omemoEngineFactory.createDevice();
    });

    /** Alice starts, Bob reads her key exchange and answers: both sides then hold a confirmed session. */
    function handshake(): void {
      a().startSession(BOB, bob.deviceId, b().ownBundle());
      assert.equal(str(b().decrypt(ALICE, a().encrypt(text('hi'), toBob())).plaintext), 'hi');
      assert.equal(str(a().decrypt(BOB, b().encrypt(text('hello'), toAlice())).plaintext), 'hello');
    }

    it('a key exchange uses one of Bob\'s pre-keys, which leaves his bundle and is replaced', () => {
      const before = b().ownBundle();
      a().startSession(BOB, bob.deviceId, before);
      const first = a().encrypt(text('hi'), toBob());
      assert.equal(first.keys[0].kex, true);
      const read = b().decrypt(ALICE, first);
      assert.equal(read.usedPreKey, true);
      assert.deepEqual(read.senderIdentityKey, a().ownBundle().identityKey);
      const after = b().ownBundle();
      assert.equal(after.preKeys.length, 100);
      assert.equal(before.preKeys.filter((k) => !after.preKeys.some((x) => x.id === k.id)).length, 1);
      assert.equal(after.preKeys.filter((k) => !before.preKeys.some((x) => x.id === k.id)).length, 1);
    });

    it('a bundle whose signature, keys or pre-keys are wrong is refused as bad-bundle, and no session is made', () => {
      const good = b().ownBundle();
      const badSignature = new Uint8Array(good.signedPreKeySignature);
      badSignature[5] ^= 1;
      const variants: PublicBundle[] = [
        { ...good, signedPreKeySignature: badSignature },
        { ...good, identityKey: a().ownBundle().identityKey },
        { ...good, preKeys: [] },
        { ...good, signedPreKey: good.signedPreKey.subarray(1) },
        { ...good, signedPreKey: new Uint8Array(good.signedPreKey.length) },
      ];
      for (const bundle of variants) assert.equal(refusal(() => a().startSession(BOB, bob.deviceId, bundle)), 'bad-bundle');
      assert.equal(a().hasSession(BOB, bob.deviceId), false);
    });

    it('names its refusals: not-for-this-device, no-session, bad-message; encrypting for a device without a session changes nothing', () => {
      handshake();
      const element = a().encrypt(text('x'), toBob());
      assert.equal(refusal(() => b().decrypt(ALICE, { ...element, keys: element.keys.map((k) => ({ ...k, device: k.device + 1 })) })), 'not-for-this-device');
      assert.equal(refusal(() => b().decrypt('mallory@example.test', element)), 'no-session');
      assert.equal(refusal(() => b().decrypt(ALICE, { ...element, version: version === '2' ? '0.3' : '2' })), 'bad-message');
      assert.equal(refusal(() => b().decrypt(ALICE, { ...element, keys: [{ ...element.keys[0], data: new Uint8Array([1, 2, 3]) }] })), 'bad-message');
      const before = stateOf(alice);
      assert.equal(refusal(() => a().encrypt(text('y'), [...toBob(), { jid: 'carol@example.test', device: 7 }])), 'no-session');
      assert.equal(stateOf(alice), before);
      assert.equal(str(b().decrypt(ALICE, element).plaintext), 'x');
      // A key for another account's device with the same id comes first: ours is still found.
      const next = a().encrypt(text('z'), toBob());
      const foreign = { jid: 'carol@example.test', device: bob.deviceId, kex: false, data: new Uint8Array(next.keys[0].data.length) };
      assert.equal(str(b().decrypt(ALICE, { ...next, keys: [foreign, ...next.keys] }).plaintext), 'z');
    });

    it('a failed decryption (tampered key, tampered payload, replay) leaves the whole state byte for byte as it was', () => {
      handshake();
      const element = a().encrypt(text('secret'), toBob());
      const before = stateOf(bob);
      const tamperedKey: EncryptedElement = { ...element, keys: [{ ...element.keys[0], data: element.keys[0].data.map((v, i) => (i === element.keys[0].data.length - 1 ? v ^ 1 : v)) }] };
      assert.equal(refusal(() => b().decrypt(ALICE, tamperedKey)), 'tampered');
      assert.equal(stateOf(bob), before);
      const tamperedPayload: EncryptedElement = { ...element, payload: (element.payload ?? new Uint8Array(0)).map((v, i) => (i === 0 ? v ^ 1 : v)) };
      assert.equal(refusal(() => b().decrypt(ALICE, tamperedPayload)), 'tampered');
      assert.equal(stateOf(bob), before);
      assert.equal(str(b().decrypt(ALICE, element).plaintext), 'secret');
      const after = stateOf(bob);
      assert.equal(refusal(() => b().decrypt(ALICE, element)), 'replayed');
      assert.equal(stateOf(bob), after);
    });

    it('a replayed key exchange is refused as replayed; one built on a used pre-key asks for a new session (no-session)', () => {
      const bundle = b().ownBundle();
      a().startSession(BOB, bob.deviceId, bundle);
      const first = a().encrypt(text('hi'), toBob());
      b().decrypt(ALICE, first);
      a().decrypt(BOB, b().encrypt(text('hello'), toAlice()));
      assert.equal(refusal(() => b().decrypt(ALICE, first)), 'replayed');
      // Another device of Alice's works from the old bundle and picks the pre-key that is gone.
      const other = omemoEngineFactory.createDevice().engines[version];
      const now = b().ownBundle().preKeys;
      const usedId = bundle.preKeys.find((k) => !now.some((x) => x.id === k.id))?.id;
      other.startSession(BOB, bob.deviceId, { ...bundle, preKeys: bundle.preKeys.filter((k) => k.id === usedId) });
      assert.equal(refusal(() => b().decrypt(ALICE, other.encrypt(text('late'), toBob()))), 'no-session');
    });

    it(`skips at most ${MAX_SKIP_PER_MESSAGE} keys for one message (too-many-skipped, state unchanged), keeps at most ${MAX_SKIPPED_STORED}, and every kept key works once`, () => {
      handshake();
      const messages = Array.from({ length: MAX_SKIP_PER_MESSAGE + 2 }, (_, i) => a().encrypt(text(`m${i}`), toBob()));
      const before = stateOf(bob);
      assert.equal(refusal(() => b().decrypt(ALICE, messages[MAX_SKIP_PER_MESSAGE + 1])), 'too-many-skipped');
      assert.equal(stateOf(bob), before);
      assert.equal(str(b().decrypt(ALICE, messages[MAX_SKIP_PER_MESSAGE]).plaintext), `m${MAX_SKIP_PER_MESSAGE}`);
      const skipped = (omemoEngineFactory.snapshotDevice(bob.engines)[version] as SessionsJson).sessions[0].session.ratchet.skipped;
      assert.equal(skipped.length, MAX_SKIP_PER_MESSAGE);
      for (const i of [999, 0, 500, 1, 998]) assert.equal(str(b().decrypt(ALICE, messages[i]).plaintext), `m${i}`);
      assert.equal(refusal(() => b().decrypt(ALICE, messages[500])), 'replayed');
      assert.equal(str(b().decrypt(ALICE, messages[MAX_SKIP_PER_MESSAGE + 1]).plaintext), `m${MAX_SKIP_PER_MESSAGE + 1}`);
      // A new chain skipping more: the oldest kept keys make room, the store never exceeds its bound.
      a().decrypt(BOB, b().encrypt(text('turn'), toAlice()));
      const next = Array.from({ length: 600 }, (_, i) => a().encrypt(text(`n${i}`), toBob()));
      b().decrypt(ALICE, next[599]);
      const kept = (omemoEngineFactory.snapshotDevice(bob.engines)[version] as SessionsJson).sessions[0].session.ratchet.skipped;
      assert.equal(kept.length, MAX_SKIPPED_STORED);
      assert.equal(str(b().decrypt(ALICE, next[0]).plaintext), 'n0');
      assert.equal(str(b().decrypt(ALICE, messages[997]).plaintext), 'm997', 'recent keys of the old chain are kept');
      assert.equal(refusal(() => b().decrypt(ALICE, messages[2])), 'replayed', 'the oldest were dropped: the message is refused, nothing is computed');
    });

    it('both engines restore from JSON and carry on; a single engine\'s snapshot restores too', () => {
      handshake();
      const pending = a().encrypt(text('in flight'), toBob());
      const device = omemoEngineFactory.restoreDevice(JSON.parse(JSON.stringify(omemoEngineFactory.snapshotDevice(bob.engines))) as Record<string, unknown>);
      assert.equal(device.deviceId, bob.deviceId);
      assert.deepEqual(device.engines[version].ownBundle(), b().ownBundle());
      bob = device;
      assert.equal(str(b().decrypt(ALICE, pending).plaintext), 'in flight');
      assert.equal(str(a().decrypt(BOB, b().encrypt(text('back'), toAlice())).plaintext), 'back');
      const single = omemoEngineFactory.restoreDevice(JSON.parse(JSON.stringify(a().snapshot())) as Record<string, unknown>);
      alice = single;
      assert.equal(str(b().decrypt(ALICE, a().encrypt(text('still'), toBob())).plaintext), 'still');
    });
  });
}

describe('OMEMO device: one id and one identity for both versions', () => {
  it('device ids are in 1..2^31-1, each version has 100 pre-keys, and the 0.3 identity is the Curve25519 form of the OMEMO 2 one', () => {
    for (let i = 0; i < 20; i++) {
      const { deviceId, engines } = omemoEngineFactory.createDevice();
      assert.ok(Number.isInteger(deviceId) && deviceId >= 1 && deviceId <= 0x7fffffff);
      assert.equal(engines['0.3'].deviceId, deviceId);
      assert.equal(engines['2'].deviceId, deviceId);
      const old = engines['0.3'].ownBundle();
      const two = engines['2'].ownBundle();
      assert.equal(old.preKeys.length, 100);
      assert.equal(two.preKeys.length, 100);
      assert.equal(old.identityKey.length, 33);
      assert.equal(old.identityKey[0], 0x05);
      assert.equal(two.identityKey.length, 32);
      assert.deepEqual(old.identityKey.subarray(1), ed25519PublicToX25519(two.identityKey));
      assert.equal(old.signedPreKey.length, 33);
      assert.equal(two.signedPreKey.length, 32);
    }
  });

  it('fingerprints: 64 hex digits of the Curve25519 key for 0.3 (no 0x05), of the Ed25519 key for 2', () => {
    const { engines } = omemoEngineFactory.createDevice();
    const old = engines['0.3'].ownBundle().identityKey;
    const two = engines['2'].ownBundle().identityKey;
    assert.equal(omemoEngineFactory.fingerprint('0.3', old), Buffer.from(old.subarray(1)).toString('hex'));
    assert.equal(omemoEngineFactory.fingerprint('2', two), Buffer.from(two).toString('hex'));
    assert.match(omemoEngineFactory.fingerprint('0.3', old), /^[0-9a-f]{64}$/);
  });

  it('a stored state that is not ours is refused with a TypeError, not half restored', () => {
    assert.throws(() => omemoEngineFactory.restoreDevice({}), TypeError);
    assert.throws(() => omemoEngineFactory.restoreDevice({ deviceId: 0, identity: 'AA==' }), TypeError);
    const state = omemoEngineFactory.snapshotDevice(omemoEngineFactory.createDevice().engines);
    assert.throws(() => omemoEngineFactory.restoreDevice({ ...state, '2': 'nonsense' }), TypeError);
  });
});
