// The messages we sent lately, by id, so that a message of type error counts as a bounce only
// when it answers one of them (anyone can send us an error message with any text in it), and
// reaches whoever sent that message.
import { randomBytes } from 'node:crypto';
import { bareOf, parseJid } from '../jid';

/** How many sent messages are remembered (the oldest are forgotten first). */
const REMEMBERED = 2000;

/** Told when the message comes back with an error; gets the error message, read. */
export type BounceReport<B> = (bounce: B) => void;

export interface SentMessage<B> {
  /** The recipient of the message that came back (as we sent it). */
  to: string;
  id: string;
  /** Who wants to hear of its bounce, when someone said so at sending. */
  onBounce?: BounceReport<B> | undefined;
}

export class SentMessages<B = unknown> {
  private readonly byId = new Map<string, { to: string; onBounce: BounceReport<B> | undefined }>();
  /** The remembered ids in the order they were sent, as a ring: the oldest is overwritten. */
  private readonly order: string[] = [];
  private remembered = 0;
  /** Random per connection, then counted: an id is new, and only its recipient sees it. */
  private readonly prefix = `m${randomBytes(6).toString('hex')}-`;
  private next = 0;

  /** A fresh id (not yet remembered). */
  newId(): string {
    this.next += 1;
    return this.prefix + this.next.toString(36);
  }

  /** Remembers a message sent to `to` under `id`, and who to tell if it bounces. */
  remember(id: string, to: string, onBounce?: BounceReport<B>): void {
    // A ring, not Map iteration: iterating a Map from its oldest entry walks over every slot
    // deleted since the last rehash, which made this a hot spot of the send path.
    const slot = this.remembered % REMEMBERED;
    this.remembered += 1;
    const oldest = this.order[slot];
    if (oldest !== undefined && oldest !== id) this.byId.delete(oldest);
    this.order[slot] = id;
    this.byId.set(id, { to, onBounce });
  }

  /** A fresh id for a message to `to`, remembered. */
  idFor(to: string, onBounce?: BounceReport<B>): string {
    const id = this.newId();
    this.remember(id, to, onBounce);
    return id;
  }

  /**
   * The message an error message answers, or undefined when it answers none of ours. A bounce
   * comes from the recipient itself or from its server (RFC 6120 8.3: the error stanza's 'from'
   * is the original 'to', or a server on the way), never from a third party.
   */
  bounceOf(id: string | undefined, from: string | undefined): SentMessage<B> | undefined {
    if (!id) return undefined;
    const entry = this.byId.get(id);
    if (entry === undefined) return undefined;
    const sender = from ?? '';
    if (bareOf(sender) !== bareOf(entry.to) && sender !== domainOf(entry.to)) return undefined;
    this.byId.delete(id);
    return entry.onBounce ? { to: entry.to, id, onBounce: entry.onBounce } : { to: entry.to, id };
  }
}

function domainOf(jid: string): string {
  try {
    return parseJid(jid).domain;
  } catch {
    return '';
  }
}
