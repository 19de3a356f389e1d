// Which devices we encrypt for and whose messages count as trusted: blind trust before
// verification. A contact's devices are trusted as they appear until the user verifies one of
// them (a fingerprint pasted into the connection node); from then on only verified devices are.
// A device that shows another identity key than it first did is trusted only when verified.
import { bareOf } from '../jid';
import type { KnownDevice } from './store-data';

/** Verified fingerprints per contact bare JID, normalized. */
export type VerifiedFingerprints = ReadonlyMap<string, ReadonlySet<string>>;

/** A fingerprint as users write it (spaces, colons, either case) as we compare it: lowercase hex. */
export function normalizeFingerprint(text: string): string {
  return text.toLowerCase().replace(/[^0-9a-f]/g, '');
}

/** Shown in groups of eight, as clients show them for comparing by eye. */
export function displayFingerprint(fingerprint: string): string {
  return normalizeFingerprint(fingerprint).replace(/(.{8})(?=.)/g, '$1 ');
}

export interface VerifiedList {
  verified: Map<string, Set<string>>;
  /** Lines that are neither empty, a comment, nor `jid fingerprint`. */
  invalid: string[];
}

/** The connection node's text: one `jid fingerprint` a line (the fingerprint may contain spaces); # starts a comment. */
export function parseVerified(text: string): VerifiedList {
  const verified = new Map<string, Set<string>>();
  const invalid: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [jid = '', ...rest] = line.split(/\s+/);
    const fingerprint = normalizeFingerprint(rest.join(''));
    // 64 hex digits: a 32-byte key; 66 with 0.3's type byte, which some clients show.
    if (!/^[^@\s]+@[^@\s/]+$/.test(jid) || (fingerprint.length !== 64 && fingerprint.length !== 66)) {
      invalid.push(raw.trim());
      continue;
    }
    const bare = bareOf(jid.toLowerCase());
    const set = verified.get(bare) ?? new Set<string>();
    set.add(fingerprint.length === 66 && fingerprint.startsWith('05') ? fingerprint.slice(2) : fingerprint);
    verified.set(bare, set);
  }
  return { verified, invalid };
}

/**
 * Whether the device showing this key may be trusted. `fingerprints` are the forms of its key
 * (fingerprint-forms.ts), the one clients show first: a verified entry may be any of them.
 */
export function isTrusted(verified: VerifiedFingerprints, jid: string, fingerprints: string | readonly string[], known: KnownDevice | undefined): boolean {
  const forms = (typeof fingerprints === 'string' ? [fingerprints] : fingerprints).map(normalizeFingerprint);
  const list = verified.get(bareOf(jid).toLowerCase());
  if (list && list.size > 0) return forms.some((f) => list.has(f) || (f.length === 66 && list.has(f.slice(2))));
  // Blind trust: but only the key the device first showed us.
  if (!known) return true;
  return !known.keyChanged && normalizeFingerprint(known.fingerprint) === forms[0];
}
