// The messages we sent lately, by id, so that a message of type error counts as a bounce only
// when it answers one of them: anyone can send us an error message with any text in it.
import { randomBytes } from 'node:crypto';
import { bareOf, parseJid } from '../jid';

/** How many sent messages are remembered (the oldest are forgotten first). */
const REMEMBERED = 2000;

export interface Bounce {
  /** The recipient of the message that came back (as we sent it). */
  to: string;
  id: string;
}

export class SentMessages {
  private readonly byId = new Map<string, string>();
  /** The remembered ids in the order they were made, as a ring: the oldest is overwritten. */
  private readonly order: string[] = [];
  /** Random per connection, then counted: an id is new, and only its recipient sees it. */
  private readonly prefix = `m${randomBytes(6).toString('hex')}-`;
  private next = 0;

  /** A fresh id for a message to `to`, remembered. */
  idFor(to: string): string {
    this.next += 1;
    const id = this.prefix + this.next.toString(36);
    // A ring, not Map iteration: iterating a Map from its oldest entry walks over every slot
    // deleted since the last rehash, which made this a hot spot of the send path.
    const slot = this.next % REMEMBERED;
    const oldest = this.order[slot];
    if (oldest !== undefined) this.byId.delete(oldest);
    this.order[slot] = id;
    this.byId.set(id, to);
    return id;
  }

  /**
   * The message an error message answers, or undefined when it answers none of ours. A bounce
   * comes from the recipient itself or from its server (RFC 6120 8.3: the error stanza's 'from'
   * is the original 'to', or a server on the way), never from a third party.
   */
  bounceOf(id: string | undefined, from: string | undefined): Bounce | undefined {
    if (!id) return undefined;
    const to = this.byId.get(id);
    if (to === undefined) return undefined;
    const sender = from ?? '';
    const recipientDomain = domainOf(to);
    if (bareOf(sender) !== bareOf(to) && sender !== recipientDomain) return undefined;
    this.byId.delete(id);
    return { to, id };
  }
}

function domainOf(jid: string): string {
  try {
    return parseJid(jid).domain;
  } catch {
    return '';
  }
}
