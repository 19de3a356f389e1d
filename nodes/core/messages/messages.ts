// Messages (RFC 6121 5): each one we send gets an id (its origin-id too, XEP-0359), remembered so
// that an error message counts as a bounce only when it answers one of ours, and reaches whoever
// sent it; each one that arrives is read once, passed on once however often the server delivers
// it, and handed to whoever listens (the rooms, the receipts, the xmpp-in nodes). Carbons
// (XEP-0280) count only from our own account: a copy anyone else wraps is dropped.
import { bareOf } from '../jid';
import { Listeners } from '../listeners';
import type { ClientPort } from '../port';
import type { SendOptions } from '../session/session-options';
import type { XmlElement } from '../xmpp-lib';
import { enableCarbons, readCarbon } from './carbons';
import { buildMessage, readMessage, type IncomingMessage, type OutgoingMessage } from './message-stanza';
import { SeenMessages, type SeenWindow } from './seen-messages';
import { SentMessages } from './sent-messages';

export type MessagesPort = Pick<ClientPort, 'xml' | 'jid' | 'send' | 'request' | 'on' | 'onLogin' | 'warn'>;

export interface MessagesOptions {
  /** Ask the server for copies of what the account's other clients receive (XEP-0280); off by default. */
  carbons?: boolean | undefined;
  /** How many stable ids, and for how long, are remembered to pass a message delivered twice on once. */
  seen?: SeenWindow | undefined;
}

/** A message of ours that came back undelivered. */
export interface Bounce {
  /** The id of the message that came back, and its recipient as we sent it. */
  id: string;
  to: string;
  /** Where it came back from (the recipient, or its server). */
  from: string;
  /** The RFC 6120 condition (service-unavailable, item-not-found, …). */
  condition: string;
  /** Its text, when the server returned it. */
  body: string | undefined;
  stanza: string;
  /** Whoever sent the message asked to hear of its bounce (and did). */
  claimed: boolean;
}

export interface MessageSendOptions extends SendOptions {
  /** Told if the message comes back with an error (the onBounce listeners hear of it too). */
  onBounce?: ((bounce: Bounce) => void) | undefined;
}

/**
 * Reads a message before anyone hears of it (OMEMO decrypts here): undefined leaves it as it is,
 * 'drop' keeps it from the listeners, a message replaces it. A promise holds back the messages
 * after it until it settles, so they are heard in the order they came.
 */
export type MessageDecoder = (stanza: XmlElement, message: IncomingMessage) => IncomingMessage | 'drop' | undefined | Promise<IncomingMessage | 'drop' | undefined>;

export class Messages {
  private readonly sent = new SentMessages<Bounce>();
  private readonly seen: SeenMessages;
  private readonly messages: Listeners<[IncomingMessage]>;
  private readonly bounces: Listeners<[Bounce]>;
  private ignoredCarbons = 0;
  private decoder: MessageDecoder | undefined;
  /** Set while a decoder's promise is pending: what arrives meanwhile waits behind it. */
  private held: Promise<void> | undefined;

  constructor(
    private readonly port: MessagesPort,
    options: MessagesOptions = {},
  ) {
    this.seen = new SeenMessages(options.seen);
    this.messages = new Listeners((error) => port.warn(error));
    this.bounces = new Listeners((error) => port.warn(error));
    port.on('message', (stanza) => {
      const carbon = readCarbon(stanza);
      if (!carbon) {
        this.arrived(stanza, readMessage(stanza));
        return;
      }
      // A carbon from anyone but our own account is someone putting words in another's mouth.
      if (!this.fromOwnAccount(stanza.attrs.from) || !carbon.inner) {
        this.ignoredCarbons += 1;
        return;
      }
      // What the account's other clients sent is ours, not news for the flows.
      if (carbon.kind === 'received') this.arrived(carbon.inner, readMessage(carbon.inner, 'received'));
    });
    if (options.carbons) {
      // Carbons are per session: a resumed session keeps them.
      port.onLogin((resumed) => {
        if (!resumed) port.request(enableCarbons(port.xml)).catch((error: unknown) => port.warn(error));
      });
    }
  }

  /** A fresh id for a message (what send gives one that has none). */
  newId(): string {
    return this.sent.newId();
  }

  /** Sends a message (in order with everything else we send); resolves once written. */
  send(message: OutgoingMessage, options: MessageSendOptions = {}): Promise<void> {
    const id = message.id ?? this.sent.newId();
    this.sent.remember(id, message.to, options.onBounce);
    return this.port.send(buildMessage(this.port.xml, message, id), { queue: options.queue, onDropped: options.onDropped });
  }

  /** Sets the one decoder (OMEMO's) every message that is no bounce passes first. */
  setDecoder(decoder: MessageDecoder): void {
    this.decoder = decoder;
  }

  /** Every message that arrives but bounces (chat, normal, headline and groupchat alike), once. */
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

  /** Carbons dropped because they did not come from our own account (or wrapped nothing). */
  get carbonsIgnored(): number {
    return this.ignoredCarbons;
  }

  private fromOwnAccount(from: string | undefined): boolean {
    // RFC 6120 8.1.2.1: no 'from' is our own account, as the server says.
    if (from === undefined || from === '') return true;
    const own = bareOf(this.port.jid);
    return bareOf(from) === own && !from.includes('/');
  }

  private arrived(stanza: XmlElement, message: IncomingMessage): void {
    if (message.type !== 'error') {
      if (this.seen.firstTime(this.stableKeys(message))) this.decoded(stanza, message);
      return;
    }
    // Only an answer to a message of ours: anyone could send an error with text of their choosing.
    const sent = this.sent.bounceOf(message.id, message.from);
    if (!sent) return;
    const bounce: Bounce = {
      id: sent.id,
      to: sent.to,
      from: message.from,
      condition: message.condition ?? 'undefined-condition',
      body: message.body,
      stanza: message.stanza,
      claimed: sent.onBounce !== undefined,
    };
    if (sent.onBounce) {
      try {
        sent.onBounce(bounce);
      } catch (error) {
        this.port.warn(error);
      }
    }
    this.bounces.emit(bounce);
  }

  /** Passes the message through the decoder, in arrival order, then to the listeners. */
  private decoded(stanza: XmlElement, message: IncomingMessage): void {
    const emit = (result: IncomingMessage | 'drop' | undefined): void => {
      if (result !== 'drop') this.messages.emit(result ?? message);
    };
    const decode = (): IncomingMessage | 'drop' | undefined | Promise<IncomingMessage | 'drop' | undefined> => {
      try {
        return this.decoder ? this.decoder(stanza, message) : undefined;
      } catch (error) {
        this.port.warn(error);
        return 'drop';
      }
    };
    if (!this.held) {
      const result = decode();
      if (!(result instanceof Promise)) {
        emit(result);
        return;
      }
      this.hold(result.then(emit));
      return;
    }
    this.hold(this.held.then(async () => emit(await decode())));
  }

  private hold(step: Promise<void>): void {
    const guarded = step.catch((error: unknown) => this.port.warn(error));
    this.held = guarded;
    void guarded.then(() => {
      if (this.held === guarded) this.held = undefined;
    });
  }

  /**
   * What tells this message from others: the sender's origin-id, and a stanza-id stamped by our
   * own account's server or, in a room, by the room (XEP-0359: no one else's may be trusted).
   */
  private stableKeys(message: IncomingMessage): string[] {
    const keys: string[] = [];
    if (message.originId) keys.push(`o ${message.from} ${message.originId}`);
    const trusted = message.type === 'groupchat' ? bareOf(message.from) : bareOf(this.port.jid);
    for (const { id, by } of message.stanzaIds) if (bareOf(by) === trusted) keys.push(`s ${trusted} ${message.from} ${id}`);
    return keys;
  }
}
