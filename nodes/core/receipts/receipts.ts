// XEP-0184 delivery receipts, both ways: a message sent with a request is settled when the
// recipient's receipt comes back (or it bounces, or we give up waiting), and a message that asks
// us for a receipt gets one (chat and normal messages only: not group chat, headlines or errors,
// not copies of what our other clients received, never an ack for an ack).
import { bareOf } from '../jid';
import { NS_RECEIPTS } from '../namespaces';
import type { ClientPort } from '../port';
import type { Disco } from '../disco/disco';
import type { IncomingMessage, OutgoingMessage } from '../messages/message-stanza';
import type { MessageSendOptions, Messages } from '../messages/messages';
import { DeliveryError } from '../messages/delivery-error';
import { SYSTEM_CLOCK, type Clock } from '../rooms/self-ping';
import { buildReceipt } from './receipts-stanza';

export type ReceiptsPort = Pick<ClientPort, 'xml' | 'send' | 'warn'>;

export interface ReceiptsOptions {
  /** Answer the receipt requests of messages we receive (default true). */
  answer?: boolean | undefined;
  /** The clock the waits run on (tests move it by hand). */
  clock?: Clock | undefined;
}

export interface ReceiptSendOptions extends MessageSendOptions {
  /** How long to wait for the receipt once the message is written (default 60 s). */
  timeoutMs?: number | undefined;
}

export const DEFAULT_RECEIPT_TIMEOUT_MS = 60_000;

interface Waiting {
  to: string;
  settle(error?: Error): void;
}

export class Receipts {
  private readonly waiting = new Map<string, Waiting>();
  private readonly clock: Clock;
  private answered = 0;

  constructor(
    private readonly port: ReceiptsPort,
    private readonly messages: Pick<Messages, 'send' | 'newId' | 'onMessage'>,
    disco: Pick<Disco, 'addFeature'>,
    options: ReceiptsOptions = {},
  ) {
    const answer = options.answer !== false;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    // XEP-0184 5: whoever answers requests says so in service discovery.
    if (answer) disco.addFeature(NS_RECEIPTS);
    messages.onMessage((message) => {
      if (message.receipt.received) this.receiptArrived(message.receipt.received, message.from);
      else if (answer && asksUs(message)) this.answer(message);
    });
  }

  /**
   * Sends a message asking for a receipt; resolves when the recipient's receipt arrives, rejects
   * with DeliveryError 'bounced' when it comes back with an error, 'not-delivered' when no
   * receipt came within the timeout after it was written, or with what kept it from being sent.
   */
  send(message: OutgoingMessage, options: ReceiptSendOptions = {}): Promise<void> {
    const id = message.id ?? this.messages.newId();
    const timeoutMs = options.timeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      let cancelTimer = (): void => undefined;
      const settle = (error?: Error): void => {
        if (this.waiting.get(id) !== entry) return;
        this.waiting.delete(id);
        cancelTimer();
        if (error) reject(error);
        else resolve();
      };
      const entry: Waiting = { to: message.to, settle };
      this.waiting.set(id, entry);
      const onBounce: MessageSendOptions['onBounce'] = (bounce) => {
        settle(new DeliveryError('bounced', message.to, { condition: bounce.condition, from: bounce.from }));
        options.onBounce?.(bounce);
      };
      this.messages.send({ ...message, id, requestReceipt: true }, { ...options, onBounce }).then(
        () => {
          if (this.waiting.get(id) !== entry) return;
          cancelTimer = this.clock.after(timeoutMs, () => settle(new DeliveryError('not-delivered', message.to, { waitedMs: timeoutMs })));
        },
        (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  /** Messages still waiting for their receipt. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Receipt requests we answered. */
  get answers(): number {
    return this.answered;
  }

  private receiptArrived(id: string, from: string): void {
    const entry = this.waiting.get(id);
    // Only the recipient (any of its clients, when we wrote to its bare JID) can say it got it.
    if (entry && bareOf(from) === bareOf(entry.to)) entry.settle();
  }

  private answer(message: IncomingMessage): void {
    this.answered += 1;
    // An answer belongs to this connection: should it drop first, the server delivers the message again.
    this.port
      .send(buildReceipt(this.port.xml, message.from, message.id, message.type, this.messages.newId()), { queue: false })
      .catch((error: unknown) => this.port.warn(error));
  }
}

/** A message that asks us for a receipt we may give (XEP-0184 5, and not for a copy of another client's). */
function asksUs(message: IncomingMessage): boolean {
  return message.receipt.requested && message.id !== '' && message.from !== '' && message.carbon === undefined && (message.type === 'chat' || message.type === 'normal');
}
