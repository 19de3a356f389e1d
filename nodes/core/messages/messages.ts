// Messages (RFC 6121 5): each one we send gets an id, remembered so that an error message counts
// as a bounce only when it answers one of ours; each one that arrives is read once and handed to
// whoever listens (the rooms, the xmpp-in nodes).
import { Listeners } from '../listeners';
import type { ClientPort } from '../port';
import type { SendOptions } from '../session/session-options';
import { buildMessage, readMessage, type IncomingMessage, type OutgoingMessage } from './message-stanza';
import { SentMessages } from './sent-messages';

export type MessagesPort = Pick<ClientPort, 'xml' | 'send' | 'on' | 'warn'>;

/** A message of ours that came back undelivered. */
export interface Bounce {
  /** Where it came back from (the recipient, or its server). */
  from: string;
  /** The RFC 6120 condition (service-unavailable, item-not-found, …). */
  condition: string;
  /** Its text, when the server returned it. */
  body: string | undefined;
  stanza: string;
}

export class Messages {
  private readonly sent = new SentMessages();
  private readonly messages: Listeners<[IncomingMessage]>;
  private readonly bounces: Listeners<[Bounce]>;

  constructor(private readonly port: MessagesPort) {
    this.messages = new Listeners((error) => port.warn(error));
    this.bounces = new Listeners((error) => port.warn(error));
    port.on('message', (stanza) => this.arrived(readMessage(stanza)));
  }

  /** Sends a message (in order with everything else we send); resolves once written. */
  send(message: OutgoingMessage, options?: SendOptions): Promise<void> {
    return this.port.send(buildMessage(this.port.xml, message, message.id ?? this.sent.idFor(message.to)), options);
  }

  /** Every message that arrives but bounces (chat, normal, headline and groupchat alike). */
  onMessage(listener: (message: IncomingMessage) => void): () => void {
    return this.messages.add(listener);
  }

  /** Messages of ours that came back with an error. */
  onBounce(listener: (bounce: Bounce) => void): () => void {
    return this.bounces.add(listener);
  }

  get listeners(): number {
    return this.messages.size + this.bounces.size;
  }

  private arrived(message: IncomingMessage): void {
    if (message.type !== 'error') {
      this.messages.emit(message);
      return;
    }
    // Only an answer to a message of ours: anyone could send an error with text of their choosing.
    if (!this.sent.bounceOf(message.id, message.from)) return;
    this.bounces.emit({ from: message.from, condition: message.condition ?? 'undefined-condition', body: message.body, stanza: message.stanza });
  }
}
