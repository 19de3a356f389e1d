// What a protocol module may use of the connection. The same object serves every session of
// the client, so a module subscribes once and its handlers outlive reconnects and restarts.
// Each module takes only the slice it needs (a Pick of this), and is tested against a fake.
import type { IqHandler } from './iq/iq-responder';
import type { StanzaHandler, StanzaKind } from './session/dispatcher';
import type { SendOptions, SessionStatus } from './session/session-options';
import type { XmlElement, XmlFactory } from './xmpp-lib';

export interface ClientPort {
  readonly xml: XmlFactory;
  /** Our full JID: the bound one when online, else the configured one. */
  readonly jid: string;
  readonly online: boolean;
  /** Largest stanza we may send, in bytes. */
  readonly maxStanzaBytes: number;
  /** In order, through the gate; waits in the outbox while offline unless told not to. */
  send(stanza: XmlElement, options?: SendOptions): Promise<void>;
  /** An IQ get/set; resolves with the answer of the entity asked. */
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** Stanzas of a kind no claim takes. */
  on(kind: StanzaKind, handler: StanzaHandler): () => void;
  /** Stanzas of a kind with a child in `ns`, for this handler alone. */
  claim(kind: StanzaKind, ns: string, handler: StanzaHandler): () => void;
  /** Answers queries others send us (one handler per type, namespace and element). */
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): () => void;
  /** After every login; `resumed` when the server resumed the previous session. */
  onLogin(listener: (resumed: boolean) => void): () => void;
  onStatus(listener: (status: SessionStatus) => void): () => void;
  /** The recipient of every stanza we send or request (undefined: our server). */
  onSend(listener: (to: string | undefined) => void): () => void;
  /** A problem that ends nothing (a failed background request, a stray error). */
  warn(error: unknown): void;
}
