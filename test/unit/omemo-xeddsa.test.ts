import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519';
import { announcedSignBit, signWithSignBit, verifyWithSignBit } from '../../nodes/core/omemo/crypto/curve-signature';
import { ed25519PublicKey, ed25519Sign } from '../../nodes/core/omemo/crypto/ed25519';
import { ed25519PublicToX25519, seedToX25519Private, x25519PublicToEd25519 } from '../../nodes/core/omemo/crypto/key-conversion';
import { xeddsaKeyPair, xeddsaSign, xeddsaVerify } from '../../nodes/core/omemo/crypto/xeddsa';
import { x25519PublicKey } from '../../nodes/core/omemo/crypto/x25519';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const random = (n: number) => new Uint8Array(randomBytes(n));

type Arg = string | boolean;
/** One batch of calls into python-xeddsa / libsodium (test/rig/key-oracle.py). */
function python(calls: [string, ...Arg[]][]): Arg[] {
  const script = join(__dirname, '..', '..', '..', 'test', 'rig', 'key-oracle.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script], { input: JSON.stringify(calls) }).toString('utf8')) as Arg[];
}

/** A clamped Curve25519 private key whose Edwards key has the given sign, so both branches of XEdDSA are covered. */
function curvePrivWithSign(sign: 0 | 1): Uint8Array {
  for (;;) {
    const priv = random(32);
    priv[0] &= 248;
    priv[31] &= 127;
    priv[31] |= 64;
    const scalar = BigInt('0x' + hex(priv.slice().reverse())) % ed25519.Point.Fn.ORDER;
    if (ed25519.Point.BASE.multiply(scalar).toBytes()[31] >> 7 === sign) return priv;
  }
}

describe('XEdDSA and the key conversions, against python-xeddsa (libxeddsa) and libsodium', function () {
  this.timeout(20_000);

  it('sign → verify for 40 keys of both Edwards signs, and a changed message, key or signature fails', () => {
    for (let i = 0; i < 40; i++) {
      const sign = (i % 2) as 0 | 1;
      const priv = curvePrivWithSign(sign);
      const pub = x25519PublicKey(priv);
      const message = random(100);
      const signature = xeddsaSign(priv, message);
      assert.equal(xeddsaVerify(pub, message, signature), true);
      assert.equal(xeddsaVerify(pub, random(100), signature), false);
      assert.equal(xeddsaVerify(x25519PublicKey(curvePrivWithSign(sign)), message, signature), false);
      const bad = new Uint8Array(signature);
      bad[10] ^= 1;
      assert.equal(xeddsaVerify(pub, message, bad), false);
      // XEdDSA signatures are randomized: two signatures differ and both verify.
      assert.notDeepEqual(xeddsaSign(priv, message), signature);
    }
  });

  it('verify applies the range checks: u ≥ p, R.y ≥ p, s ≥ 2^253 are refused', () => {
    const priv = curvePrivWithSign(0);
    const message = random(10);
    const signature = xeddsaSign(priv, message);
    assert.equal(xeddsaVerify(h('ed' + 'ff'.repeat(30) + '7f'), message, signature), false, 'u = p');
    const bigR = new Uint8Array(signature);
    bigR.set(h('ee' + 'ff'.repeat(30) + '7f')); // y = p + 1, a non-canonical R
    assert.equal(xeddsaVerify(x25519PublicKey(priv), message, bigR), false);
    const bigS = new Uint8Array(signature);
    bigS[63] |= 0x20;
    assert.equal(xeddsaVerify(x25519PublicKey(priv), message, bigS), false);
    assert.equal(xeddsaVerify(x25519PublicKey(priv), message, signature.subarray(1)), false);
  });

  it('with the same random Z, our signatures equal libxeddsa\'s byte for byte; each side verifies the other\'s', () => {
    const cases = Array.from({ length: 16 }, (_, i) => ({ priv: curvePrivWithSign((i % 2) as 0 | 1), message: random(i * 7), z: random(64) }));
    const forced = python(cases.map((c) => ['priv_force_sign', hex(c.priv), false] as [string, ...Arg[]]));
    const theirs = python(cases.map((c, i) => ['ed25519_priv_sign', forced[i] as string, hex(c.message), hex(c.z)] as [string, ...Arg[]]));
    const ours = cases.map((c) => xeddsaSign(c.priv, c.message, c.z));
    cases.forEach((c, i) => {
      assert.equal(hex(ours[i]), theirs[i], `case ${i}`);
      assert.equal(xeddsaVerify(x25519PublicKey(c.priv), c.message, h(theirs[i] as string)), true);
    });
    // Python verifies ours with the sign-0 Edwards form of our Curve25519 key, as XEdDSA defines it.
    const randomOurs = cases.map((c) => xeddsaSign(c.priv, c.message));
    const edPubs = python(cases.map((c) => ['curve25519_pub_to_ed25519_pub', hex(x25519PublicKey(c.priv)), false] as [string, ...Arg[]]));
    cases.forEach((c, i) => assert.equal(edPubs[i], hex(xeddsaKeyPair(c.priv).edPub)));
    const verdicts = python(cases.map((c, i) => ['ed25519_verify', hex(randomOurs[i]), edPubs[i] as string, hex(c.message)] as [string, ...Arg[]]));
    assert.deepEqual(verdicts, cases.map(() => true));
  });

  it('Ed25519 → X25519: the private scalar equals libxeddsa\'s seed_to_priv and libsodium\'s; the public key equals both libraries\'', () => {
    const seeds = Array.from({ length: 12 }, () => random(32));
    const answers = python(
      seeds.flatMap((seed) => {
        const edPub = hex(ed25519PublicKey(seed));
        return [
          ['seed_to_priv', hex(seed)],
          ['sodium_sk_to_curve25519', hex(seed) + edPub],
          ['ed25519_pub_to_curve25519_pub', edPub],
          ['sodium_pk_to_curve25519', edPub],
          ['seed_to_ed25519_pub', hex(seed)],
        ] as [string, ...Arg[]][];
      }),
    );
    seeds.forEach((seed, i) => {
      const [pyPriv, sodiumPriv, pyPub, sodiumPub, pyEd] = answers.slice(i * 5, i * 5 + 5);
      const priv = seedToX25519Private(seed);
      const edPub = ed25519PublicKey(seed);
      assert.equal(hex(priv), pyPriv);
      assert.equal(hex(priv), sodiumPriv);
      assert.equal(hex(edPub), pyEd);
      assert.equal(hex(ed25519PublicToX25519(edPub)), pyPub);
      assert.equal(hex(ed25519PublicToX25519(edPub)), sodiumPub);
      // The converted key is the X25519 key of the converted scalar: one identity, two forms.
      assert.equal(hex(x25519PublicKey(priv)), pyPub);
    });
  });

  it('X25519 → Ed25519 with either sign bit equals libxeddsa\'s, and round-trips an Ed25519 key', () => {
    const edPubs = Array.from({ length: 12 }, () => ed25519PublicKey(random(32)));
    const answers = python(edPubs.flatMap((ed) => [false, true].map((bit) => ['curve25519_pub_to_ed25519_pub', hex(ed25519PublicToX25519(ed)), bit] as [string, ...Arg[]])));
    edPubs.forEach((ed, i) => {
      const curve = ed25519PublicToX25519(ed);
      assert.equal(hex(x25519PublicToEd25519(curve, 0)), answers[2 * i]);
      assert.equal(hex(x25519PublicToEd25519(curve, 1)), answers[2 * i + 1]);
      assert.equal(hex(x25519PublicToEd25519(curve, (ed[31] >> 7) as 0 | 1)), hex(ed));
    });
  });

  it('a malformed Edwards key is refused instead of being converted', () => {
    assert.throws(() => ed25519PublicToX25519(h('ff'.repeat(32))));
    assert.throws(() => ed25519PublicToX25519(random(31)));
  });

  it('OMEMO 0.3 bundle signatures (libsignal convention): the sign bit rides in the signature; python-omemo\'s and real XEdDSA signatures both verify', () => {
    for (let i = 0; i < 8; i++) {
      const seed = random(32);
      const edPub = ed25519PublicKey(seed);
      const curvePub = ed25519PublicToX25519(edPub);
      const message = random(33);
      const ours = signWithSignBit(seed, edPub, message);
      assert.equal(announcedSignBit(ours), edPub[31] >> 7);
      assert.equal(verifyWithSignBit(curvePub, message, ours), true);
      assert.equal(verifyWithSignBit(curvePub, random(33), ours), false);
      // Python-omemo's way (oldmemo.etree): Ed25519 signature of the seed, sign bit ORed into byte 63.
      const [pySig, pyEd] = python([
        ['ed25519_seed_sign', hex(seed), hex(message)],
        ['curve25519_pub_to_ed25519_pub', hex(curvePub), announcedSignBit(ours) === 1],
      ]) as string[];
      const theirs = h(pySig);
      theirs[63] |= edPub[31] & 0x80;
      assert.equal(verifyWithSignBit(curvePub, message, theirs), true);
      assert.equal(pyEd, hex(edPub), 'python recovers our Edwards key from the announced bit');
      // libsignal signs with XEdDSA from the Curve25519 private key: bit clear, key of sign 0.
      const xed = xeddsaSign(seedToX25519Private(seed), message);
      assert.equal(verifyWithSignBit(curvePub, message, xed), true);
    }
    const seed = random(32);
    assert.equal(verifyWithSignBit(ed25519PublicToX25519(ed25519PublicKey(seed)), random(3), ed25519Sign(seed, random(3))), false);
  });
});
