// Drives test/rig/slix-receipts.py: a slixmpp client that answers receipt requests (or not), asks
// for receipts itself, and reports the messages (with their request and origin-id) it gets.
import { SlixChild } from './slix-child';

export type SlixReceiptEvent =
  | { event: 'ready'; jid: string }
  | { event: 'message'; from: string; type: string; body: string; id: string; request: boolean; origin: string }
  | { event: 'receipt'; from: string; id: string }
  | { event: 'sent'; tag: string; id: string };

export class SlixReceipts {
  jid = '';
  private tags = 0;

  private constructor(private readonly child: SlixChild<SlixReceiptEvent>) {}

  get events(): SlixReceiptEvent[] {
    return this.child.events;
  }

  /** Logs in; with `ack`, it answers receipt requests as slixmpp does by default. */
  static async start(jid: string, password: string, port: number, ack: boolean): Promise<SlixReceipts> {
    const peer = new SlixReceipts(new SlixChild<SlixReceiptEvent>('slix-receipts.py', [jid, password, String(port), ack ? 'ack' : 'no-ack'], 'slixmpp receipts peer'));
    const ready = await peer.child.ready(20_000);
    if (ready.event === 'ready') peer.jid = ready.jid;
    return peer;
  }

  waitFor(match: (event: SlixReceiptEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event'): Promise<SlixReceiptEvent> {
    return this.child.waitFor(match, timeoutMs, what);
  }

  /** Sends a chat message asking for a receipt; resolves with its id. */
  async sendAskingReceipt(to: string, body: string): Promise<string> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.command({ tag, to, body });
    const sent = await this.child.waitFor((e) => e.event === 'sent' && e.tag === tag, 10_000, `the message ${tag} sent`);
    return sent.event === 'sent' ? sent.id : '';
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
