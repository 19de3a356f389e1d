import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decodeFields, encodeFields, ProtobufError } from '../../nodes/core/omemo/crypto/protobuf';
import { decodePreKeyWhisperMessage, decodeWhisperMessage, encodePreKeyWhisperMessage, encodeWhisperBody } from '../../nodes/core/omemo/crypto/wire-03';
import { decodeAuthenticatedMessage, decodeKeyExchange, decodeOmemoMessage, encodeAuthenticatedMessage, encodeKeyExchange, encodeOmemoMessage } from '../../nodes/core/omemo/crypto/wire-2';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const random = (n: number) => new Uint8Array(randomBytes(n));

type Call = [string, string, string, unknown];
/** One batch through python-omemo's generated protobuf classes (test/rig/protobuf-oracle.py). */
function python(calls: Call[]): unknown[] {
  const script = join(__dirname, '..', '..', '..', 'test', 'rig', 'protobuf-oracle.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script], { input: JSON.stringify(calls) }).toString('utf8')) as unknown[];
}

describe('OMEMO protobuf: byte-equal with python-omemo\'s generated classes, strict when reading', function () {
  this.timeout(20_000);

  it('0.3 WhisperMessage and PreKeyWhisperMessage: our bytes are protobuf\'s (after the 0x33 version byte), and each side reads the other\'s', () => {
    const header = { ratchetKey: random(32), n: 300, pn: 2 ** 32 - 1 };
    const ciphertext = random(48);
    const body = encodeWhisperBody(header, ciphertext);
    const message = new Uint8Array([...body, ...random(8)]);
    const kex = { preKeyId: 0xffffff, signedPreKeyId: 1, baseKey: random(32), identityKey: random(32), message };
    const ours = encodePreKeyWhisperMessage(kex);
    const [whisper, preKey, parsed] = python([
      ['serialize', 'old', 'OMEMOMessage', { dh_pub: '05' + hex(header.ratchetKey), n: header.n, pn: header.pn, ciphertext: hex(ciphertext) }],
      ['serialize', 'old', 'OMEMOKeyExchange', { pk_id: kex.preKeyId, spk_id: 1, ik: '05' + hex(kex.identityKey), ek: '05' + hex(kex.baseKey), message: hex(message) }],
      ['parse', 'old', 'OMEMOKeyExchange', hex(ours.subarray(1))],
    ]);
    assert.equal(body[0], 0x33);
    assert.equal(hex(body.subarray(1)), whisper);
    assert.equal(hex(ours.subarray(1)), preKey);
    assert.deepEqual(parsed, { pk_id: kex.preKeyId, ek: '05' + hex(kex.baseKey), ik: '05' + hex(kex.identityKey), message: hex(message), spk_id: 1 });
    assert.deepEqual(decodeWhisperMessage(message).header, header);
    const back = decodePreKeyWhisperMessage(h('33' + (preKey as string)));
    assert.deepEqual(back, kex);
  });

  it('OMEMO 2 OMEMOMessage, OMEMOAuthenticatedMessage, OMEMOKeyExchange: our bytes are protobuf\'s, and each side reads the other\'s', () => {
    const header = { ratchetKey: random(32), n: 0, pn: 70000 };
    const ciphertext = random(32);
    const message = encodeOmemoMessage(header, ciphertext);
    const mac = random(16);
    const authenticated = encodeAuthenticatedMessage(mac, message);
    const kex = { preKeyId: 42, signedPreKeyId: 7, identityKey: random(32), ephemeralKey: random(32), message: authenticated };
    const ours = encodeKeyExchange(kex);
    const [pyMessage, pyAuth, pyKex, parsed] = python([
      ['serialize', 'two', 'OMEMOMessage', { n: 0, pn: 70000, dh_pub: hex(header.ratchetKey), ciphertext: hex(ciphertext) }],
      ['serialize', 'two', 'OMEMOAuthenticatedMessage', { mac: hex(mac), message: hex(message) }],
      ['serialize', 'two', 'OMEMOKeyExchange', { pk_id: 42, spk_id: 7, ik: hex(kex.identityKey), ek: hex(kex.ephemeralKey), message: { type: 'OMEMOAuthenticatedMessage', hex: hex(authenticated) } }],
      ['parse', 'two', 'OMEMOKeyExchange', hex(ours)],
    ]);
    assert.equal(hex(message), pyMessage, 'n = 0 is written: proto2 required fields are always present');
    assert.equal(hex(authenticated), pyAuth);
    assert.equal(hex(ours), pyKex);
    assert.deepEqual(parsed, { pk_id: 42, spk_id: 7, ik: hex(kex.identityKey), ek: hex(kex.ephemeralKey), message: { mac: hex(mac), message: hex(message) } });
    assert.deepEqual(decodeKeyExchange(h(pyKex as string)), kex);
    assert.deepEqual(decodeAuthenticatedMessage(h(pyAuth as string)), { mac, message });
    assert.deepEqual(decodeOmemoMessage(h(pyMessage as string)), { header, ciphertext });
  });

  it('reads unknown fields of every plain wire type by skipping them, and a repeated field keeps its last value, as protobuf does', () => {
    const known = encodeFields([{ field: 1, value: 5 }, { field: 2, value: h('aabb') }]);
    // Unknown field 3 as varint, 4 as fixed64, 5 as bytes, then 5 again as fixed32 (nobody checks an unknown field's type).
    const unknown = h('18ff01' + '21' + '0300000000000000' + '2a0201ff' + '2d' + '04000000');
    const data = new Uint8Array([...known, ...unknown, ...encodeFields([{ field: 1, value: 9 }])]);
    const values = decodeFields(data, { 1: 'uint32', 2: 'bytes' });
    assert.equal(values.get(1), 9);
    assert.deepEqual(values.get(2), h('aabb'));
    assert.equal(values.size, 2);
    const [pyView] = python([['parse', 'two', 'OMEMOAuthenticatedMessage', hex(new Uint8Array([...encodeFields([{ field: 1, value: h('01') }, { field: 2, value: h('02') }]), ...unknown]))]]);
    assert.deepEqual(pyView, { mac: '01', message: '02' }, 'python skips the same unknown fields');
  });

  it('refuses what is malformed: truncation, lengths past the end, long varints, uint32 overflow, wrong wire types, groups, field 0, missing required fields', () => {
    const schema = { 1: 'uint32', 2: 'bytes' } as const;
    const bad: [string, string][] = [
      ['08', 'truncated varint'],
      ['0880', 'truncated varint'],
      ['1205aabb', 'length beyond the end'],
      ['12ffffffff0f', 'length beyond the end'],
      ['08' + 'ff'.repeat(10) + '01', 'varint longer than 10 bytes'],
      ['0880808080 10'.replace(' ', ''), 'exceeds uint32'],
      ['0a00', 'expected uint32'],
      ['1001', 'expected bytes'],
      ['0b0c', 'wire type 3'],
      ['0001', 'bad field number'],
      ['2d0000', 'truncated fixed-width'],
    ];
    for (const [data, why] of bad) {
      assert.throws(() => decodeFields(h(data), schema), (err: unknown) => err instanceof ProtobufError && err.message.includes(why.split(' ')[0]), `${data}: ${why}`);
    }
    assert.throws(() => decodeOmemoMessage(encodeFields([{ field: 1, value: 1 }, { field: 3, value: random(32) }])), /pn/);
    assert.throws(() => decodeOmemoMessage(encodeFields([{ field: 1, value: 1 }, { field: 2, value: 1 }, { field: 3, value: random(31) }])), /32 bytes/);
    assert.throws(() => decodeKeyExchange(encodeFields([{ field: 1, value: 1 }, { field: 2, value: 1 }, { field: 3, value: random(32) }, { field: 4, value: random(32) }])), /message/);
    assert.throws(() => decodeWhisperMessage(h('32' + '00'.repeat(20))), /version 3/);
    assert.throws(() => decodePreKeyWhisperMessage(new Uint8Array([0x33, ...encodeFields([{ field: 1, value: 1 }, { field: 2, value: random(32) }])])), ProtobufError);
  });
});
