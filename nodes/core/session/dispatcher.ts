// Each incoming stanza is handed once: to the module that claims its kind and namespace (room
// presence, say), or else to whoever subscribed to its kind. A throwing handler is reported,
// never allowed to reach the socket's data path.
import type { XmlElement } from '../xmpp-lib';

export type StanzaKind = 'message' | 'presence' | 'iq';
export type StanzaHandler = (stanza: XmlElement) => void;

export class Dispatcher {
  private readonly handlers = new Map<StanzaKind, Set<StanzaHandler>>();
  /** `${kind} ${namespace of a child}` → the one handler that takes such stanzas. */
  private readonly claims = new Map<string, StanzaHandler>();

  constructor(private readonly onHandlerError: (error: unknown) => void) {}

  /** Every stanza of a kind that no claim takes; returns the function that ends the subscription. */
  subscribe(kind: StanzaKind, handler: StanzaHandler): () => void {
    let set = this.handlers.get(kind);
    if (!set) {
      set = new Set();
      this.handlers.set(kind, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** Takes every stanza of a kind with a child in `ns`, for this handler alone; returns the remover. */
  claim(kind: StanzaKind, ns: string, handler: StanzaHandler): () => void {
    const key = `${kind} ${ns}`;
    this.claims.set(key, handler);
    return () => {
      if (this.claims.get(key) === handler) this.claims.delete(key);
    };
  }

  count(kind?: StanzaKind): number {
    if (kind) return this.handlers.get(kind)?.size ?? 0;
    let total = this.claims.size;
    for (const set of this.handlers.values()) total += set.size;
    return total;
  }

  dispatch(stanza: XmlElement): void {
    const kind = stanza.name as StanzaKind;
    const claimed = this.claims.size > 0 ? this.claimOf(kind, stanza) : undefined;
    if (claimed) {
      this.run(claimed, stanza);
      return;
    }
    const set = this.handlers.get(kind);
    if (!set) return;
    for (const handler of [...set]) this.run(handler, stanza);
  }

  private claimOf(kind: StanzaKind, stanza: XmlElement): StanzaHandler | undefined {
    for (const child of stanza.children) {
      if (typeof child === 'string') continue;
      const handler = this.claims.get(`${kind} ${child.attrs.xmlns ?? ''}`);
      if (handler) return handler;
    }
    return undefined;
  }

  private run(handler: StanzaHandler, stanza: XmlElement): void {
    try {
      handler(stanza);
    } catch (error) {
      this.onHandlerError(error);
    }
  }
}
