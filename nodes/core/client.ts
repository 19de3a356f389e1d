// One account's XMPP client: a session (a new one after each stop and start) and the protocol
// modules, grouped by concern. Modules reach the session through one port and outlive it, so
// whoever listens to them listens once, whatever happens to the connection.
import { Commands } from './commands/commands';
import { Contacts, type ContactsOptions } from './contacts/contacts';
import { Disco } from './disco/disco';
import type { SelfDescriptionSettings } from './disco/self-description';
import { XmppError } from './errors';
import { Files } from './files/files';
import { IqResponder } from './iq/iq-responder';
import { RawIq } from './iq/raw-iq';
import { formatJid } from './jid';
import { Listeners } from './listeners';
import { Messages, type MessagesOptions } from './messages/messages';
import { Omemo, type OmemoOptions } from './omemo/omemo';
import type { ClientPort } from './port';
import { Presence } from './presence/own-presence';
import { Receipts, type ReceiptsOptions } from './receipts/receipts';
import type { OwnPresence } from './presence/presence-stanza';
import { Rooms, type RoomDefaults } from './rooms/rooms';
import { Rpc } from './rpc/rpc';
import { Dispatcher } from './session/dispatcher';
import { DEFAULT_MAX_STANZA_BYTES, Session, type SessionOptions, type SessionStatus } from './session/session';
import { SYSTEM_TRUST } from './session/tls-trust';
import { xmppLib } from './xmpp-lib';

export interface XmppClientOptions {
  session: Omit<SessionOptions, 'dispatcher' | 'responder'>;
  /** What we announce after login until a flow says otherwise. */
  presence: OwnPresence;
  contacts?: ContactsOptions | undefined;
  /** What we say about ourselves (disco identity, items, software version). */
  self: SelfDescriptionSettings;
  /** What applies to every room (how long a room may be quiet before we ask whether it still has us). */
  rooms?: RoomDefaults | undefined;
  /** Carbons (off by default) and how long a message's stable id is remembered. */
  messages?: MessagesOptions | undefined;
  /** Whether we answer the receipt requests of messages we receive (default: we do). */
  receipts?: ReceiptsOptions | undefined;
  /** OMEMO end-to-end encryption (XEP-0384); absent: off. */
  omemo?: Omit<OmemoOptions, 'parse'> | undefined;
}

export class XmppClient {
  readonly messages: Messages;
  /** Delivery receipts (XEP-0184): asking for them, and answering. */
  readonly receipts: Receipts;
  readonly presence: Presence;
  readonly contacts: Contacts;
  readonly rooms: Rooms;
  readonly disco: Disco;
  readonly rpc: Rpc;
  /** Ad-hoc commands (XEP-0050): serving the flow's, running others'. */
  readonly commands: Commands;
  /** Files: upload and send (XEP-0363, XEP-0066), fetch what others link to. */
  readonly files: Files;
  /** OMEMO (XEP-0384): our device, encrypting and decrypting; undefined when off. */
  readonly omemo: Omemo | undefined;
  /** IQ requests for protocols without a module of their own. */
  readonly iq: RawIq;
  private session: Session | undefined;
  private current: SessionStatus;
  private readonly dispatcher: Dispatcher;
  private readonly responder: IqResponder;
  private readonly statuses = new Listeners<[SessionStatus]>();
  private readonly logins = new Listeners<[boolean]>();
  private readonly sends = new Listeners<[string | undefined]>();
  private readonly warnings = new Listeners<[unknown]>();

  constructor(private readonly options: XmppClientOptions) {
    const xml = xmppLib().xml;
    const warn = (error: unknown): void => this.warnings.emit(error);
    this.dispatcher = new Dispatcher(warn);
    this.responder = new IqResponder(xml, warn);
    this.current = { state: 'idle', jid: formatJid(options.session.jid) };
    const port = this.port();
    this.messages = new Messages(port, options.messages);
    this.presence = new Presence(port, options.presence);
    this.contacts = new Contacts(port, options.contacts);
    this.rooms = new Rooms(port, this.messages, options.rooms);
    this.disco = new Disco(port, this.presence, options.self);
    this.receipts = new Receipts(port, this.messages, this.disco, options.receipts);
    this.rpc = new Rpc(port, this.disco);
    this.commands = new Commands(port, this.disco);
    this.files = new Files(port, this.disco, this.messages, { trust: options.session.trust ?? SYSTEM_TRUST });
    this.iq = new RawIq(port);
    this.omemo = options.omemo ? new Omemo(port, this.messages, this.disco, { ...options.omemo, parse: xmppLib().parse }) : undefined;
  }

  /** Connects (a new session, when there is none). */
  start(): void {
    if (this.session) return;
    const session = new Session({ ...this.options.session, dispatcher: this.dispatcher, responder: this.responder });
    this.session = session;
    session.onStatus((status) => {
      // A session stopped for a newer one has nothing more to say about the connection.
      if (this.session !== session && this.session !== undefined) return;
      this.current = status;
      this.statuses.emit(status);
    });
    session.onLogin((resumed) => this.logins.emit(resumed));
    session.onWarning((error) => this.warnings.emit(error));
    session.start();
  }

  /** Says goodbye and closes the connection; start() opens a new one. */
  async stop(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.stop();
  }

  /** Stops, and gives up what outlives sessions (the OMEMO store file, for the next connection node of this account). */
  async close(): Promise<void> {
    await this.stop();
    await this.omemo?.close();
  }

  get status(): SessionStatus {
    return this.current;
  }

  /** Our full JID: the bound one when online, else the configured one. */
  get jid(): string {
    return this.current.jid;
  }

  /** Stanzas waiting to be sent (while offline, say). */
  get queued(): number {
    return this.session?.queued ?? 0;
  }

  onStatus(listener: (status: SessionStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  /** Problems that end nothing (a throwing listener, a failed background request). */
  onWarning(listener: (error: unknown) => void): () => void {
    return this.warnings.add(listener);
  }

  /** Listeners the nodes hold on the modules: none may outlive the node that added it. */
  get listeners(): number {
    return this.messages.listeners + this.contacts.listeners;
  }

  private port(): ClientPort {
    const client = this;
    const live = (): Session => {
      if (!this.session) throw new XmppError('not-connected');
      return this.session;
    };
    const attempt = <T>(action: () => Promise<T>): Promise<T> => {
      try {
        return action();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return {
      xml: xmppLib().xml,
      get jid() {
        return client.jid;
      },
      get online() {
        return client.session?.online ?? false;
      },
      get maxStanzaBytes() {
        return client.options.session.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
      },
      send: (stanza, sendOptions) =>
        attempt(() => {
          const sent = live().send(stanza, sendOptions);
          this.sends.emit(stanza.attrs.to);
          return sent;
        }),
      request: (iq, timeoutMs) =>
        attempt(() => {
          const answer = live().request(iq, timeoutMs);
          this.sends.emit(iq.attrs.to);
          return answer;
        }),
      on: (kind, handler) => this.dispatcher.subscribe(kind, handler),
      claim: (kind, ns, handler) => this.dispatcher.claim(kind, ns, handler),
      handleIq: (type, ns, name, handler) => this.responder.handle(type, ns, name, handler),
      onLogin: (listener) => this.logins.add(listener),
      onStatus: (listener) => this.statuses.add(listener),
      onSend: (listener) => this.sends.add(listener),
      warn: (error) => this.warnings.emit(error),
    };
  }
}
