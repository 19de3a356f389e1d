// One device's identity, shared by both OMEMO versions as python-omemo shares it: an Ed25519 seed whose
// Edwards key OMEMO 2 publishes and whose Montgomery form OMEMO 0.3 publishes and both use for X25519.
import { randomBytes } from 'node:crypto';
import { bytes } from './bytes';
import { ed25519PublicKey } from './ed25519';
import { seedToX25519Private } from './key-conversion';
import { x25519PublicKey } from './x25519';

export class DeviceIdentity {
  readonly edPub: Uint8Array;
  readonly curvePriv: Uint8Array;
  readonly curvePub: Uint8Array;

  constructor(readonly seed: Uint8Array) {
    if (seed.length !== 32) throw new RangeError('identity seed must be 32 bytes');
    this.edPub = ed25519PublicKey(seed);
    this.curvePriv = seedToX25519Private(seed);
    this.curvePub = x25519PublicKey(this.curvePriv);
  }

  static generate(): DeviceIdentity {
    return new DeviceIdentity(bytes(randomBytes(32)));
  }
}
