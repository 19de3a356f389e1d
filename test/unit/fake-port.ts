// A fake of the port every protocol module is built on: what a module sends and asks is recorded,
// answers to its requests are scripted, and a test delivers stanzas, queries, logins and outages.
import type { IqAnswer, IqHandler } from '../../nodes/core/iq/iq-responder';
import { IqResponder } from '../../nodes/core/iq/iq-responder';
import { Listeners } from '../../nodes/core/listeners';
import { stanzaError } from '../../nodes/core/stanza-error';
import type { ClientPort } from '../../nodes/core/port';
import { Dispatcher, type StanzaHandler, type StanzaKind } from '../../nodes/core/session/dispatcher';
import type { SendOptions, SessionStatus } from '../../nodes/core/session/session';
import { xmppLib, type XmlElement, type XmlFactory } from '../../nodes/core/xmpp-lib';

export class FakePort implements ClientPort {
  readonly xml: XmlFactory = xmppLib().xml;
  jid = 'bot@example.org/home';
  online = true;
  maxStanzaBytes = 256 * 1024;
  /** Every stanza a module sent, in order. */
  readonly sent: XmlElement[] = [];
  /** Every IQ a module asked, in order. */
  readonly requests: XmlElement[] = [];
  /** What problems modules reported. */
  readonly warnings: unknown[] = [];
  /** How requests are answered (default: an empty result; an error answer rejects, as the real port's does). */
  answer: (iq: XmlElement) => XmlElement | Promise<XmlElement> = (iq) => this.xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to });
  private readonly dispatcher = new Dispatcher((error) => {
    throw error;
  });
  private readonly responder = new IqResponder(this.xml, (error) => this.warnings.push(error));
  private readonly logins = new Listeners<[boolean]>();
  private readonly statuses = new Listeners<[SessionStatus]>();
  private readonly sends = new Listeners<[string | undefined]>();

  send(stanza: XmlElement, _options?: SendOptions): Promise<void> {
    this.sent.push(stanza);
    this.sends.emit(stanza.attrs.to);
    return Promise.resolve();
  }

  /** As the real port: an error answer rejects with its condition. */
  async request(iq: XmlElement): Promise<XmlElement> {
    this.requests.push(iq);
    this.sends.emit(iq.attrs.to);
    const answer = await this.answer(iq);
    if (answer.attrs.type === 'error') throw stanzaError(answer);
    return answer;
  }

  on(kind: StanzaKind, handler: StanzaHandler): () => void {
    return this.dispatcher.subscribe(kind, handler);
  }

  claim(kind: StanzaKind, ns: string, handler: StanzaHandler): () => void {
    return this.dispatcher.claim(kind, ns, handler);
  }

  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): () => void {
    return this.responder.handle(type, ns, name, handler);
  }

  onLogin(listener: (resumed: boolean) => void): () => void {
    return this.logins.add(listener);
  }

  onStatus(listener: (status: SessionStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  onSend(listener: (to: string | undefined) => void): () => void {
    return this.sends.add(listener);
  }

  warn(error: unknown): void {
    this.warnings.push(error);
  }

  // ---- what a test does

  /** A stanza arrives from the server (XML text). */
  deliver(text: string): void {
    this.dispatcher.dispatch(xmppLib().parse(text));
  }

  /** A query (an IQ get/set as XML text) arrives: resolves with the answer our handler gives. */
  query(text: string): Promise<IqAnswer> {
    const iq = xmppLib().parse(text);
    const child = iq.getChildElements()[0];
    if (!child) throw new Error('a query needs a child');
    return this.responder.answer({ from: iq.attrs.from ?? '', id: iq.attrs.id ?? '', type: iq.attrs.type === 'set' ? 'set' : 'get', child });
  }

  /** A login: `resumed` when the server resumed the session. */
  login(resumed = false): void {
    this.online = true;
    this.statuses.emit({ state: 'online', jid: this.jid });
    this.logins.emit(resumed);
  }

  /** The connection drops (retrying). */
  drop(): void {
    this.online = false;
    this.statuses.emit({ state: 'retrying', jid: this.jid });
  }
}
