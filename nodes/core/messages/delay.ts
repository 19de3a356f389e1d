// XEP-0203 delayed delivery: when a message was first sent, for one that arrives late (kept in
// offline storage while we were away, replayed as a room's history).
import { NS_DELAY } from '../namespaces';
import type { XmlElement } from '../xmpp-lib';

export interface Delay {
  /** When the message was first sent (or stored), as ISO 8601 text in UTC. */
  stamp: string;
  /** Who delayed it (our server, the room), when it says. */
  from: string | undefined;
  /** Why, when it says ("Offline Storage"). */
  reason: string | undefined;
}

/**
 * The message's delay, or undefined when it has none with a readable stamp. Each entity that held
 * the message may add one: the oldest says when it was first sent.
 */
export function readDelay(stanza: XmlElement): Delay | undefined {
  let oldest: { delay: Delay; ms: number } | undefined;
  for (const el of stanza.getChildren('delay', NS_DELAY)) {
    const ms = Date.parse(el.attrs.stamp ?? '');
    if (!Number.isFinite(ms)) continue;
    if (oldest && oldest.ms <= ms) continue;
    const reason = el.getText().trim();
    oldest = { ms, delay: { stamp: new Date(ms).toISOString(), from: el.attrs.from || undefined, reason: reason || undefined } };
  }
  return oldest?.delay;
}

/** How old a message is, in ms (0 for one without a delay, or stamped in the future). */
export function ageMs(delay: Delay | undefined, now = Date.now()): number {
  if (!delay) return 0;
  return Math.max(0, now - Date.parse(delay.stamp));
}
