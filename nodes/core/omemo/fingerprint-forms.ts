// A device's fingerprint as users see it: clients show the Curve25519 form of the identity key in
// hex (Conversations for 0.3; python-omemo, and so Gajim and others, for 0.3 and 2 alike), while an
// OMEMO 2 bundle carries the Ed25519 form. Both forms of one key count when a user verifies it.
import { ed25519PublicToX25519 } from './crypto/key-conversion';
import type { OmemoEngineFactory, OmemoVersion } from './engine';

/** Every form of the key's fingerprint, the one clients show first. */
export function fingerprintForms(factory: OmemoEngineFactory, version: OmemoVersion, identityKey: Uint8Array): string[] {
  if (version === '0.3') return [factory.fingerprint('0.3', identityKey)];
  const own = factory.fingerprint('2', identityKey);
  try {
    const curve = ed25519PublicToX25519(identityKey);
    const shown = factory.fingerprint('0.3', new Uint8Array([5, ...curve]));
    return shown === own ? [own] : [shown, own];
  } catch {
    // Not a point on the curve: only the bundle's own form.
    return [own];
  }
}
