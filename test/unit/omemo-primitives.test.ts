import { strict as assert } from 'node:assert';
import { aesCbcDecrypt, aesCbcEncrypt } from '../../nodes/core/omemo/crypto/aes-cbc';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../nodes/core/omemo/crypto/aes-gcm';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../nodes/core/omemo/crypto/ed25519';
import { hkdfSha256 } from '../../nodes/core/omemo/crypto/hkdf';
import { hmacSha256 } from '../../nodes/core/omemo/crypto/hmac';
import { x25519, x25519PublicKey } from '../../nodes/core/omemo/crypto/x25519';
import { CBC_AES256, ED25519_TEST_1024, ED25519_TESTS, GCM_TESTS, HKDF_TESTS, HMAC_TESTS, X25519_DH, X25519_ITERATED, X25519_TESTS } from './omemo-vectors';

const h = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('OMEMO primitives against their published vectors', () => {
  it('X25519: RFC 7748 §5.2 scalar multiplications (the second u has its top bit set and must be masked)', () => {
    for (const t of X25519_TESTS) assert.equal(hex(x25519(h(t.scalar), h(t.u))), t.out);
  });

  it('X25519: RFC 7748 §5.2 iterated, after 1 and after 1,000 iterations', function () {
    this.timeout(20_000);
    let k: Uint8Array = h('09' + '00'.repeat(31));
    let u: Uint8Array = h('09' + '00'.repeat(31));
    for (let i = 1; i <= 1000; i++) {
      [k, u] = [x25519(k, u), k];
      if (i === 1) assert.equal(hex(k), X25519_ITERATED[1]);
    }
    assert.equal(hex(k), X25519_ITERATED[1000]);
  });

  it('X25519: RFC 7748 §6.1 Diffie-Hellman, public keys and the shared secret both ways', () => {
    assert.equal(hex(x25519PublicKey(h(X25519_DH.alicePriv))), X25519_DH.alicePub);
    assert.equal(hex(x25519PublicKey(h(X25519_DH.bobPriv))), X25519_DH.bobPub);
    assert.equal(hex(x25519(h(X25519_DH.alicePriv), h(X25519_DH.bobPub))), X25519_DH.shared);
    assert.equal(hex(x25519(h(X25519_DH.bobPriv), h(X25519_DH.alicePub))), X25519_DH.shared);
  });

  it('X25519 refuses a low-order peer key (all-zero result)', () => {
    assert.throws(() => x25519(h(X25519_DH.alicePriv), new Uint8Array(32)));
  });

  it('Ed25519: RFC 8032 §7.1 TEST 1, 2, 3 and TEST 1024 (public key, signature, verification)', () => {
    assert.equal(ED25519_TEST_1024.message.length, 2 * 1023);
    for (const t of [...ED25519_TESTS, ED25519_TEST_1024]) {
      assert.equal(hex(ed25519PublicKey(h(t.seed))), t.pub);
      assert.equal(hex(ed25519Sign(h(t.seed), h(t.message))), t.signature);
      assert.equal(ed25519Verify(h(t.pub), h(t.message), h(t.signature)), true);
      const other = new Uint8Array([...h(t.message), 0]);
      assert.equal(ed25519Verify(h(t.pub), other, h(t.signature)), false);
    }
  });

  it('Ed25519 verification says no (never throws) to a malformed key or signature', () => {
    const t = ED25519_TESTS[0];
    assert.equal(ed25519Verify(h(t.pub).subarray(1), h(t.message), h(t.signature)), false);
    assert.equal(ed25519Verify(h(t.pub), h(t.message), h(t.signature).subarray(1)), false);
    const badS = h(t.signature);
    badS[63] |= 0xf0; // s ≥ L: a malleated signature
    assert.equal(ed25519Verify(h(t.pub), h(t.message), badS), false);
  });

  it('HKDF-SHA-256: RFC 5869 Appendix A, test cases 1–3', () => {
    for (const t of HKDF_TESTS) assert.equal(hex(hkdfSha256(h(t.ikm), h(t.salt), h(t.info), t.length)), t.okm);
  });

  it('HMAC-SHA-256: RFC 4231 test cases 1–7 (case 5 compared truncated, as the RFC gives it)', () => {
    for (const t of HMAC_TESTS) assert.equal(hex(hmacSha256(h(t.key), h(t.data))).slice(0, t.mac.length), t.mac);
  });

  it('AES-GCM: the GCM specification test cases 2, 3, 4 (with AAD) and 14 (AES-256); a changed byte fails the tag', () => {
    for (const t of GCM_TESTS) {
      const aad = t.aad ? h(t.aad) : undefined;
      const sealed = aesGcmEncrypt(h(t.key), h(t.iv), h(t.plaintext), aad);
      assert.equal(hex(sealed.ciphertext), t.ciphertext, t.name);
      assert.equal(hex(sealed.tag), t.tag, t.name);
      assert.equal(hex(aesGcmDecrypt(h(t.key), h(t.iv), h(t.ciphertext), h(t.tag), aad) ?? new Uint8Array(0)), t.plaintext, t.name);
      const bad = h(t.ciphertext);
      bad[0] ^= 1;
      assert.equal(aesGcmDecrypt(h(t.key), h(t.iv), bad, h(t.tag), aad), undefined, t.name);
    }
  });

  it('AES-256-CBC: NIST SP 800-38A F.2.5, then the PKCS#7 block OMEMO adds; padding errors throw', () => {
    const sealed = aesCbcEncrypt(h(CBC_AES256.key), h(CBC_AES256.iv), h(CBC_AES256.plaintext));
    assert.equal(sealed.length, 80, 'a whole block of padding after four full blocks');
    assert.equal(hex(sealed.subarray(0, 64)), CBC_AES256.ciphertext);
    assert.equal(hex(aesCbcDecrypt(h(CBC_AES256.key), h(CBC_AES256.iv), sealed)), CBC_AES256.plaintext);
    assert.throws(() => aesCbcDecrypt(h(CBC_AES256.key), h(CBC_AES256.iv), h(CBC_AES256.ciphertext)));
  });
});
