// Answers to the IQ queries others send us, one registry for the connection: the handler
// registered for the query's (type, namespace, element) decides; nobody registered means
// service-unavailable, a failing handler internal-server-error. Handlers come and go with the
// nodes, and outlive sessions.
import { XmppError } from '../errors';
import { errorElement } from '../stanza-error';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { words } from '../words';

/** A query as its handler sees it. */
export interface IncomingIq {
  /** The asker's full JID ('' when absent: our own server or account). */
  from: string;
  id: string;
  type: 'get' | 'set';
  /** The query's one child element. */
  child: XmlElement;
}

/** A child for the result, true for an empty result, an <error/> element, or undefined for service-unavailable. */
export type IqAnswer = XmlElement | true | undefined;
export type IqHandler = (iq: IncomingIq) => IqAnswer | Promise<IqAnswer>;

export class IqResponder {
  private readonly handlers = new Map<string, IqHandler>();

  constructor(
    private readonly xml: XmlFactory,
    private readonly onHandlerError: (error: unknown) => void,
  ) {}

  /** Answers queries of one kind; the returned function removes the handler (if it is still this one). */
  handle(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): () => void {
    const key = keyOf(type, ns, name);
    this.handlers.set(key, handler);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }

  /** The answer to a query: never throws. */
  async answer(iq: IncomingIq): Promise<IqAnswer> {
    const handler = this.handlers.get(keyOf(iq.type, iq.child.getNS() ?? '', iq.child.getName()));
    if (!handler) return undefined;
    try {
      return await handler(iq);
    } catch (error) {
      this.onHandlerError(error);
      return errorElement(this.xml, 'cancel', 'internal-server-error');
    }
  }
}

function keyOf(type: string, ns: string, name: string): string {
  return `${type} ${ns} ${name}`;
}

/**
 * XmppError('too-large') when `child`, as the answer to `iq`, would exceed `limit` bytes; else
 * undefined. Checked where the answer is made, so that its maker learns why (the gate would only
 * swap it for a short error answer).
 */
export function answerTooLarge(xml: XmlFactory, iq: IncomingIq, child: XmlElement, limit: number): XmppError | undefined {
  // `<iq …/>` becomes `<iq …>child</iq>`: the wrapper's bytes plus the closing tag's.
  const wrapper = xml('iq', { to: iq.from || undefined, id: iq.id, type: 'result' }).toString();
  const bytes = Buffer.byteLength(wrapper, 'utf8') + Buffer.byteLength(child.toString(), 'utf8') + '</iq>'.length;
  if (bytes <= limit) return undefined;
  return new XmppError('too-large', words('size-limit', { kib: Math.ceil(bytes / 1024), limit: Math.floor(limit / 1024) }));
}
