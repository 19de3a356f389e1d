import { strict as assert } from 'node:assert';
import { refusal, str, text } from './omemo-test-helpers';
import { omemoEngineFactory } from '../../nodes/core/omemo/crypto/engine-factory';
import { EncryptedElement, OmemoEngine, OmemoVersion } from '../../nodes/core/omemo/engine';
import { profile03 } from '../../nodes/core/omemo/crypto/profile-03';
import { profile2 } from '../../nodes/core/omemo/crypto/profile-2';
import { OmemoOracle } from '../rig/omemo-oracle';

const OUR_JID = 'node@ours.test';
const PY_JID = 'python@oracle.test';

/** A copy of an element with one bit of one part flipped. */
function flipped(element: EncryptedElement, part: 'key' | 'payload', at: (length: number) => number): EncryptedElement {
  const keys = element.keys.map((k) => ({ ...k, data: new Uint8Array(k.data) }));
  const copy: EncryptedElement = { ...element, keys };
  if (part === 'key') keys[0].data[at(keys[0].data.length)] ^= 0x01;
  else {
    const payload = new Uint8Array(element.payload ?? new Uint8Array(0));
    payload[at(payload.length)] ^= 0x01;
    copy.payload = payload;
  }
  return copy;
}

/** A key exchange whose inner ratchet message has its last byte (a MAC byte) flipped: the outer fields stay valid. */
function tamperedKeyExchange(version: OmemoVersion, element: EncryptedElement): EncryptedElement {
  const profile = version === '0.3' ? profile03 : profile2;
  const kex = profile.decodeKeyExchange(element.keys[0].data);
  const message = new Uint8Array(kex.message);
  message[message.length - 1] ^= 0x01;
  return { ...element, keys: [{ ...element.keys[0], data: profile.encodeKeyExchange({ ...kex, message }) }] };
}

for (const version of ['0.3', '2'] as OmemoVersion[]) {
  describe(`OMEMO ${version} against python-omemo's own backend (${version === '0.3' ? 'oldmemo' : 'twomemo'}), no XMPP`, function () {
    this.timeout(60_000);
    let py: OmemoOracle;
    let deviceId: number;
    let engines: Record<OmemoVersion, OmemoEngine>;
    let ours: () => OmemoEngine;
    const to = () => [{ jid: PY_JID, device: py.deviceId }];

    beforeEach(async () => {
      py = new OmemoOracle(PY_JID);
      await py.start();
      ({ deviceId, engines } = omemoEngineFactory.createDevice());
      ours = () => engines[version];
      await py.learn(version, OUR_JID, deviceId, ours().ownBundle());
    });

    afterEach(async () => {
      await py.stop();
    });

    async function pyReads(element: EncryptedElement, expected: string): Promise<void> {
      const answer = await py.decrypt(OUR_JID, element);
      assert.equal(answer.error, undefined, `python refused ${expected}: ${answer.error}`);
      assert.equal(str(answer.plaintext), expected);
    }

    async function weRead(element: EncryptedElement, expected: string): Promise<void> {
      assert.equal(str(ours().decrypt(PY_JID, element).plaintext), expected);
    }

    /** count messages each way, interleaved in runs of 1–4 so both ratchets turn often and chains grow. */
    async function talk(count: number, tag: string): Promise<void> {
      let sent = 0;
      let received = 0;
      let run = 0;
      while (sent < count || received < count) {
        run += 1;
        const burst = (run % 4) + 1;
        for (let i = 0; i < burst && sent < count; i++, sent++) await pyReads(ours().encrypt(text(`${tag} ours ${sent}`), to()), `${tag} ours ${sent}`);
        for (let i = 0; i < ((run * 3) % 4) + 1 && received < count; i++, received++) {
          await weRead(await py.encrypt(version, OUR_JID, deviceId, text(`${tag} python ${received}`)), `${tag} python ${received}`);
        }
      }
    }

    it('we start from python\'s bundle: python decrypts our key exchange and what follows, answers, and 200 messages go each way', async () => {
      ours().startSession(PY_JID, py.deviceId, await py.bundle(version));
      const first = ours().encrypt(text('hello python'), to());
      assert.equal(first.keys[0].kex, true);
      await pyReads(first, 'hello python');
      // Until python answers, every message repeats the key exchange, and python keeps the session it built.
      const second = ours().encrypt(text('still there?'), to());
      assert.equal(second.keys[0].kex, true);
      await pyReads(second, 'still there?');
      const answer = await py.encrypt(version, OUR_JID, deviceId, text('hello node'));
      assert.equal(answer.keys[0].kex, false);
      const read = ours().decrypt(PY_JID, answer);
      assert.equal(str(read.plaintext), 'hello node');
      assert.equal(read.usedPreKey, false);
      assert.equal(ours().encrypt(text('now plain'), to()).keys[0].kex, false);
      await talk(200, 'a');
    });

    it('python starts from our bundle: we decrypt its key exchange, the pre-key leaves our bundle, and 200 messages go each way', async () => {
      const before = ours().ownBundle();
      const first = await py.encrypt(version, OUR_JID, deviceId, text('hello node'));
      assert.equal(first.keys[0].kex, true);
      const read = ours().decrypt(PY_JID, first);
      assert.equal(str(read.plaintext), 'hello node');
      assert.equal(read.usedPreKey, true);
      assert.deepEqual(read.senderIdentityKey, (await py.bundle(version)).identityKey);
      const after = ours().ownBundle();
      assert.equal(after.preKeys.length, 100);
      const used = before.preKeys.filter((k) => !after.preKeys.some((a) => a.id === k.id));
      assert.equal(used.length, 1, 'exactly one pre-key was used and replaced');
      // Python resends its key exchange until we answer: the same session decrypts it, no pre-key is used.
      const again = await py.encrypt(version, OUR_JID, deviceId, text('anyone?'));
      assert.equal(again.keys[0].kex, true);
      const readAgain = ours().decrypt(PY_JID, again);
      assert.equal(str(readAgain.plaintext), 'anyone?');
      assert.equal(readAgain.usedPreKey, false);
      await pyReads(ours().encrypt(text('hello python'), to()), 'hello python');
      await talk(200, 'b');
    });

    it('messages delivered out of order within the skipped bound decrypt, on both sides', async () => {
      ours().startSession(PY_JID, py.deviceId, await py.bundle(version));
      await pyReads(ours().encrypt(text('start'), to()), 'start');
      await weRead(await py.encrypt(version, OUR_JID, deviceId, text('ok')), 'ok');
      const fromPython: EncryptedElement[] = [];
      for (let i = 0; i < 30; i++) fromPython.push(await py.encrypt(version, OUR_JID, deviceId, text(`p${i}`)));
      for (const i of [29, 0, 15, 3, 28, 1, 2, ...Array.from({ length: 30 }, (_, k) => k).filter((k) => ![29, 0, 15, 3, 28, 1, 2].includes(k))]) {
        await weRead(fromPython[i], `p${i}`);
      }
      const fromUs = Array.from({ length: 30 }, (_, i) => ours().encrypt(text(`o${i}`), to()));
      for (const i of [...Array.from({ length: 30 }, (_, k) => 29 - k)]) await pyReads(fromUs[i], `o${i}`);
      // Across a ratchet turn: messages of the old chain arrive after those of the new one.
      const oldChain = [await py.encrypt(version, OUR_JID, deviceId, text('old 0')), await py.encrypt(version, OUR_JID, deviceId, text('old 1'))];
      await pyReads(ours().encrypt(text('turn'), to()), 'turn');
      const newChain = await py.encrypt(version, OUR_JID, deviceId, text('new 0'));
      await weRead(newChain, 'new 0');
      await weRead(oldChain[1], 'old 1');
      await weRead(oldChain[0], 'old 0');
      await talk(20, 'c');
    });

    it('a burst of 250 messages delivered newest first decrypts on both sides (well inside the 1,000-key bound)', async () => {
      ours().startSession(PY_JID, py.deviceId, await py.bundle(version));
      await pyReads(ours().encrypt(text('start'), to()), 'start');
      await weRead(await py.encrypt(version, OUR_JID, deviceId, text('ok')), 'ok');
      const fromPython: EncryptedElement[] = [];
      for (let i = 0; i < 250; i++) fromPython.push(await py.encrypt(version, OUR_JID, deviceId, text(`p${i}`)));
      for (let i = 249; i >= 0; i--) await weRead(fromPython[i], `p${i}`);
      const fromUs = Array.from({ length: 250 }, (_, i) => ours().encrypt(text(`o${i}`), to()));
      for (let i = 249; i >= 0; i--) await pyReads(fromUs[i], `o${i}`);
      await talk(5, 'h');
    });

    it('a tampered key or payload is refused as tampered, a replay as replayed, and the session goes on unchanged', async () => {
      const first = await py.encrypt(version, OUR_JID, deviceId, text('kex'));
      assert.equal(refusal(() => ours().decrypt(PY_JID, flipped(first, 'payload', (n) => n - 1))), 'tampered');
      assert.equal(refusal(() => ours().decrypt(PY_JID, tamperedKeyExchange(version, first))), 'tampered');
      assert.equal(ours().hasSession(PY_JID, py.deviceId), false, 'a refused key exchange builds no session');
      await weRead(first, 'kex');
      assert.equal(refusal(() => ours().decrypt(PY_JID, first)), 'replayed');
      await pyReads(ours().encrypt(text('answer'), to()), 'answer');
      const msg = await py.encrypt(version, OUR_JID, deviceId, text('plain'));
      assert.equal(msg.keys[0].kex, false);
      assert.equal(refusal(() => ours().decrypt(PY_JID, flipped(msg, 'key', (n) => n - 1))), 'tampered');
      assert.equal(refusal(() => ours().decrypt(PY_JID, flipped(msg, 'payload', () => 0))), 'tampered');
      await weRead(msg, 'plain');
      assert.equal(refusal(() => ours().decrypt(PY_JID, msg)), 'replayed');
      // Python refuses our tampered message too, and still reads the real one.
      const mine = ours().encrypt(text('mine'), to());
      assert.notEqual((await py.decrypt(OUR_JID, flipped(mine, 'key', (n) => n - 1))).error, undefined);
      assert.notEqual((await py.decrypt(OUR_JID, flipped(mine, 'payload', () => 0))).error, undefined);
      await pyReads(mine, 'mine');
      assert.notEqual((await py.decrypt(OUR_JID, mine)).error, undefined, 'python refuses our replay');
      await talk(10, 'd');
    });

    it('key-transport (empty) messages pass both ways', async () => {
      ours().startSession(PY_JID, py.deviceId, await py.bundle(version));
      const empty = ours().encrypt(undefined, to());
      assert.equal(empty.payload, undefined);
      const pyRead = await py.decrypt(OUR_JID, empty);
      assert.equal(pyRead.error, undefined);
      assert.equal(pyRead.plaintext, undefined);
      const back = await py.encrypt(version, OUR_JID, deviceId, undefined);
      assert.equal(ours().decrypt(PY_JID, back).plaintext, undefined);
      await talk(5, 'e');
    });

    it('a snapshot restored mid-conversation (through JSON) goes on in both directions, skipped keys included', async () => {
      ours().startSession(PY_JID, py.deviceId, await py.bundle(version));
      await talk(15, 'f');
      const late = await py.encrypt(version, OUR_JID, deviceId, text('late'));
      await weRead(await py.encrypt(version, OUR_JID, deviceId, text('early')), 'early');
      const stored = JSON.stringify(omemoEngineFactory.snapshotDevice(engines));
      const restored = omemoEngineFactory.restoreDevice(JSON.parse(stored) as Record<string, unknown>);
      assert.equal(restored.deviceId, deviceId);
      engines = restored.engines;
      await weRead(late, 'late');
      await talk(15, 'g');
    });
  });
}
