// Blind trust before verification, as rules: the verified list users paste, and who is trusted.
import { strict as assert } from 'node:assert';
import { displayFingerprint, isTrusted, normalizeFingerprint, parseVerified } from '../../nodes/core/omemo/trust';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);

describe('OMEMO trust (core)', () => {
  it('reads `jid fingerprint` lines: spaces, colons and case in the fingerprint, comments and blank lines; the rest is named invalid', () => {
    const text = `# the phone\nAlice@Example.org ${displayFingerprint(A).toUpperCase()}\n\nbob@example.org ${B.match(/../g)?.join(':') ?? ''}  # tablet\nnot-a-jid ${A}\ncarol@example.org 1234\nalice@example.org 05${B}`;
    const { verified, invalid } = parseVerified(text);
    assert.deepEqual([...(verified.get('alice@example.org') ?? [])], [A, B], "0.3's type byte in front is taken off");
    assert.deepEqual([...(verified.get('bob@example.org') ?? [])], [B]);
    assert.deepEqual(invalid, [`not-a-jid ${A}`, 'carol@example.org 1234']);
  });

  it('before any verification every device is trusted, but only with the key it first showed', () => {
    const none = new Map<string, Set<string>>();
    assert.equal(isTrusted(none, 'alice@example.org', A, undefined), true, 'a new device');
    assert.equal(isTrusted(none, 'alice@example.org', A, { version: '2', id: 1, fingerprint: A }), true);
    assert.equal(isTrusted(none, 'alice@example.org', B, { version: '2', id: 1, fingerprint: A }), false, 'another key for the same device');
    assert.equal(isTrusted(none, 'alice@example.org', A, { version: '2', id: 1, fingerprint: A, keyChanged: true }), false, 'once changed, never blindly again');
  });

  it('once a device of a contact is verified, only verified devices of that contact are trusted; other contacts stay blind', () => {
    const verified = parseVerified(`alice@example.org ${A}`).verified;
    assert.equal(isTrusted(verified, 'alice@example.org/phone', A, undefined), true);
    assert.equal(isTrusted(verified, 'alice@example.org', B, undefined), false, 'a new device after verification');
    assert.equal(isTrusted(verified, 'alice@example.org', B, { version: '2', id: 2, fingerprint: B }), false, 'a device blindly trusted before');
    assert.equal(isTrusted(verified, 'bob@example.org', B, undefined), true);
    assert.equal(isTrusted(verified, 'alice@example.org', A, { version: '2', id: 1, fingerprint: B, keyChanged: true }), true, 'verified overrides a changed key');
  });

  it('shows fingerprints in groups of eight, lowercase', () => {
    assert.equal(displayFingerprint('AB'.repeat(8)), 'abababab abababab');
    assert.equal(normalizeFingerprint('AB:cd ef'), 'abcdef');
  });
});
