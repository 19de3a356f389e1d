// Where the presence gate keeps its state in the node's context: one key per recipient for held
// messages (so holding one more msg rewrites only that recipient's list), one for its asks.

/** Held messages of one recipient: this prefix and the recipient's bare JID, encoded. */
export const HELD_PREFIX = 'held:';
/** All held messages in one value, as versions before per-recipient keys wrote them: read once, then removed. */
export const LEGACY_HELD_KEY = 'held';
/** The subscription requests the gate made and has not withdrawn. */
export const ASKS_KEY = 'asks';

/**
 * The context key for a recipient's held messages. Context keys are property paths ('.' and '['
 * separate parts, quotes and a leading '#:(' mean something), so everything but letters, digits,
 * '_' and '-' is percent-encoded: 'held:ann%40example%2Eorg'.
 */
export function heldKey(recipient: string): string {
  const encoded = encodeURIComponent(recipient).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return HELD_PREFIX + encoded;
}

/** The recipient a held-messages key belongs to, or undefined for any other key. */
export function recipientOfHeldKey(key: string): string | undefined {
  if (!key.startsWith(HELD_PREFIX) || key.length === HELD_PREFIX.length) return undefined;
  try {
    const recipient = decodeURIComponent(key.slice(HELD_PREFIX.length));
    return heldKey(recipient) === key ? recipient : undefined;
  } catch {
    return undefined; // malformed percent-encoding: not one of ours
  }
}
