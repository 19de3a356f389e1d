// Our IQ requests and their answers: an id per request, a timeout each, and an answer counts
// only when it comes from the entity asked (xmpp.js matches by id alone, so anyone who learnt
// an id could answer in another's name).
import { XmppError } from '../errors';
import { bareOf, formatJid, parseJid, type Jid } from '../jid';
import { stanzaError } from '../stanza-error';
import type { XmlElement } from '../xmpp-lib';
import { words } from '../words';

export interface IqCallerPort {
  /** Writes the request (through the gate); rejects when it cannot be written. */
  write(iq: XmlElement): Promise<void>;
  /** Our full JID as bound. */
  ownJid(): string;
}

interface Pending {
  /** Whom we asked; undefined: our own account or server. */
  to: string | undefined;
  settle(error: XmppError | undefined, answer?: XmlElement): void;
}

export const DEFAULT_IQ_TIMEOUT_MS = 15_000;

export class IqCaller {
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private readonly prefix = `q${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly port: IqCallerPort) {}

  /** Sends an IQ get/set and resolves with the answer; rejects with 'stanza-error' (its condition) or 'timeout'. */
  request(iq: XmlElement, timeoutMs = DEFAULT_IQ_TIMEOUT_MS): Promise<XmlElement> {
    this.next += 1;
    const id = iq.attrs.id ?? `${this.prefix}${this.next.toString(36)}`;
    iq.attrs.id = id;
    const to = iq.attrs.to;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new XmppError('timeout', to === undefined ? words('no-answer-server', { seconds: Math.round(timeoutMs / 1000) }) : words('no-answer-from', { jid: to, seconds: Math.round(timeoutMs / 1000) }))), timeoutMs);
      const settle = (error: XmppError | undefined, answer?: XmlElement): void => {
        if (this.pending.get(id)?.settle !== settle) return;
        clearTimeout(timer);
        this.pending.delete(id);
        if (error) reject(error);
        else if (answer) resolve(answer);
      };
      this.pending.set(id, { to, settle });
      this.port.write(iq).catch((error: unknown) => settle(error instanceof XmppError ? error : new XmppError('not-connected')));
    });
  }

  /** An IQ result or error arrived: settles the request it answers. False when it answers none of ours. */
  answer(stanza: XmlElement): boolean {
    const type = stanza.attrs.type;
    if (type !== 'result' && type !== 'error') return false;
    const pending = this.pending.get(stanza.attrs.id ?? '');
    if (!pending || !answeredBy(stanza.attrs.from, pending.to, this.port.ownJid())) return false;
    if (type === 'result') pending.settle(undefined, stanza);
    else pending.settle(stanzaError(stanza));
    return true;
  }

  /** Requests waiting for an answer. */
  get waiting(): number {
    return this.pending.size;
  }
}

/** RFC 6120 8.1.2.1: an answer from our own account may come without 'from'; a server may answer for itself with its domain. */
export function answeredBy(from: string | undefined, asked: string | undefined, own: string): boolean {
  const ownBare = bareOf(own);
  if (!asked) return from === undefined || from === ownBare || from === parseJidSafe(own)?.domain;
  if (from === undefined) return bareOf(asked) === ownBare;
  return sameJid(from, asked);
}

function parseJidSafe(text: string): Jid | undefined {
  try {
    return parseJid(text);
  } catch {
    return undefined;
  }
}

function sameJid(a: string, b: string): boolean {
  const x = parseJidSafe(a);
  const y = parseJidSafe(b);
  return x !== undefined && y !== undefined && formatJid(x) === formatJid(y);
}
